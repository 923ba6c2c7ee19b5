"""Paths of the real published files the reader tests read."""

from __future__ import annotations

import csv
from pathlib import Path

import precert

DATA = Path(precert.__file__).parent / "data"
MEDICARE = DATA / "medicare"
TABLE_2025 = MEDICARE / "cgs-jc-pa-table-2025.tsv"
TABLE_2024 = MEDICARE / "cgs-jc-pa-table-2024.tsv"
NEWS_2024 = MEDICARE / "cgs-jc-news-2024-06-20.tsv"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"


def tsv_rows(path: Path) -> list[list[str]]:
    """The rows of one of the Medicare TSVs, as the csv module reads them (the expectation)."""
    with path.open(encoding="utf-8", newline="") as file:
        return [row for row in csv.reader(file, delimiter="\t") if any(row)]
