"""The baseline a benchmark compares this tree with: another commit's ``src``, run in the same
benchmark run (alternately with this tree's), so both figures come from the same machine load.
"""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# main before the import-speed work (docs/benchmarks.md measured it at 18.2 s for 100,000 rows).
IMPORT_BASELINE = "8966e11"


def short(commit: str) -> str:
    """The commit's short hash."""
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", commit],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def baseline_src(commit: str, into: Path) -> Path:
    """The commit's ``src`` folder, unpacked from ``git archive`` under ``into``: put it first
    on PYTHONPATH and ``import precert`` (or the ``precert`` command) runs that commit's code."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "src"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    into.mkdir(parents=True, exist_ok=True)
    tar = into / "baseline.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as bundle:
        bundle.extractall(into, filter="data")
    return into / "src"
