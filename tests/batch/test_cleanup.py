"""A run killed outright leaves its work folder; the next run in that folder removes it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from precert.batch import screen
from precert.batch.cleanup import sweep
from precert.service import Precert

# A run that kills itself with SIGKILL in the middle, after its first output batch.
KILLED = """
import os, signal, sys
from precert.batch import screen

class Die:
    def update(self, rows, fraction=None, stage=""):
        os.kill(os.getpid(), signal.SIGKILL)

screen(sys.argv[1], sys.argv[2], progress=Die(), payer="Cigna")
"""


def leftovers(folder: Path) -> list[str]:
    """Hidden partial files or work folders a run left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_what_a_killed_run_left_is_removed_by_the_next_run(
    home: Path, service: Precert, gen: Any, tmp_path: Path
) -> None:
    source = gen.write_csv(tmp_path / "orders.csv", gen.order_rows(2_000))
    out = tmp_path / "out.parquet"
    killed = subprocess.run(
        [sys.executable, "-c", KILLED, str(source), str(out)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PRECERT_HOME": str(home)},
    )
    assert killed.returncode == -9, killed.stderr
    left = leftovers(tmp_path)
    assert any(n.startswith(".precert-batch-") for n in left)
    assert any(n.startswith(".out.parquet.") and n.endswith(".partial") for n in left)
    # Another run elsewhere in the folder sweeps them; this process's own are never touched.
    mine = tmp_path / f".precert-batch-{os.getpid()}-live"
    mine.mkdir()
    assert sorted(sweep(tmp_path, "out.parquet")) == left
    assert leftovers(tmp_path) == [mine.name]
    mine.rmdir()
    # The same through a run: a fresh kill, then a complete run of the same output.
    subprocess.run([sys.executable, "-c", KILLED, str(source), str(out)], check=False)
    assert leftovers(tmp_path)
    assert screen(source, out, service=service, payer="Cigna").rows == 2_000
    assert leftovers(tmp_path) == []
