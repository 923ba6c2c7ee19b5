"""Fixtures for the command-line tests: `precert` run as a real process over a fresh home."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

PRECERT = Path(sys.executable).with_name("precert")
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def precert(home: Path) -> Run:
    """Run `precert ARGS…` over the test's fresh database (120 columns unless ``columns``)."""

    def run(
        *args: str, stdin: str | None = None, columns: int = 120
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PRECERT_HOME": str(home), "COLUMNS": str(columns)}
        return subprocess.run(
            [str(PRECERT), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    return run
