"""What a run leaves while it works, and sweeping up after runs that died.

A run keeps its work folder (``.precert-batch-PID-*``) and its unfinished output
(``.OUT.PID.partial``) next to the output, named by its process id, and removes them when it
ends, however it ends in Python (error, Ctrl-C, ``SIGTERM`` through the CLI). A process killed
outright (``kill -9``, a native abort) cannot: the next run in that folder removes what a
process that no longer exists left there.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

WORK_PREFIX = ".precert-batch-"
_WORK = re.compile(r"\.precert-batch-(\d+)-")


def make_workdir(folder: Path) -> Path:
    """A new work folder in ``folder``, named by this process."""
    return Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=folder))


def sweep(folder: Path, output: str) -> list[str]:
    """Remove the work folders and partial files of ``output`` left by dead processes."""
    partial = re.compile(re.escape(f".{output}.") + r"(?:.*\.)?(\d+)\.partial")
    removed = []
    for entry in folder.iterdir():
        owner = _WORK.match(entry.name) or partial.fullmatch(entry.name)
        if owner is None or _alive(int(owner[1])):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry.name)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or not a process id: leave it
    return True
