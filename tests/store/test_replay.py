"""The token ledger: a token id is accepted once across processes, until it expires."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from precert.store.replay import ReplayLedger


def test_a_token_is_used_once_until_it_expires(tmp_path: Path) -> None:
    path = tmp_path / "run" / "tokens.sqlite"
    first, second = ReplayLedger(path), ReplayLedger(path)  # two workers, one file
    assert first.first_use("https://ehr", "jti-1", expires=200.0, now=100.0)
    assert not second.first_use("https://ehr", "jti-1", expires=200.0, now=150.0)
    assert second.first_use("https://other-ehr", "jti-1", expires=200.0, now=150.0)
    # Once expired, the row is gone (the token itself would be refused as expired).
    assert first.first_use("https://ehr", "jti-1", expires=400.0, now=250.0)
    first.close()
    second.close()


CLAIM = """
import sys
from pathlib import Path
from precert.store.replay import ReplayLedger
ledger = ReplayLedger(Path(sys.argv[1]))
print(ledger.first_use("https://ehr", "shared", expires=2e9, now=1.0))
"""


def test_processes_racing_for_one_token_accept_it_once(tmp_path: Path) -> None:
    path = tmp_path / "tokens.sqlite"
    ReplayLedger(path).close()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIM, str(path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    said = sorted(w.communicate(timeout=60)[0].strip() for w in workers)
    assert said == ["False", "False", "False", "True"]
