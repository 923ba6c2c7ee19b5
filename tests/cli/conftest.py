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


@pytest.fixture(scope="session")
def cigna_rows() -> list[tuple[str, str, str]]:
    """(code, description, published status) of every row of Cigna's real list, in order:
    the codes and words the plan grids in these tests are made of."""
    from precert.service import BUNDLED_LIST

    rows = []
    for line in BUNDLED_LIST.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) == 7 and cells[0] != "Product":
            rows.append((cells[2], cells[3], cells[4]))
        elif len(cells) == 5 and cells[0] != "Category":
            rows.append((cells[1], cells[2], cells[3]))
    return rows


@pytest.fixture
def example_files(
    tmp_path: Path, cigna_rows: list[tuple[str, str, str]], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A folder holding the files the README's and the --help's examples name, made from real
    published rows, as the current directory: a plan's bare grid of codes that require PA
    (plan-pa-codes.csv), a plan grid with an X per plan (plan-dme-grid.csv), Cigna's list with
    E0466 changed from Yes to No (cigna-dme-2027.txt) and Medicare's 2025 CGS table."""
    import csv
    import shutil

    from precert.service import BUNDLED_LIST, DATA_DIR

    folder = tmp_path / "examples"
    folder.mkdir()
    required = list({c: (c, d) for c, d, s in cigna_rows if s == "Yes"}.values())  # each once
    with (folder / "plan-pa-codes.csv").open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([("HCPCS", "Description"), *required])
    with (folder / "plan-dme-grid.csv").open("w", encoding="utf-8", newline="") as file:
        rows = [(c, d, "X", "X" if c[0] in "EK" else "") for c, d in required]
        csv.writer(file).writerows([("Code", "Description", "QUEST", "CCS"), *rows])
    lines = BUNDLED_LIST.read_text(encoding="utf-8").splitlines()
    lines = [r.replace("\tYes\t", "\tNo\t") if "\tE0466\t" in r else r for r in lines]
    (folder / "cigna-dme-2027.txt").write_text("\n".join(lines), encoding="utf-8")
    shutil.copy(DATA_DIR / "medicare" / "cgs-jc-pa-table-2025.tsv", folder)
    monkeypatch.chdir(folder)
    return folder
