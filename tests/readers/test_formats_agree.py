"""One profile, one list, any layout: the 2025 CGS table read as TSV, HTML page, PDF and XLSX
gives the same readings (codes, statuses, qualifiers, notes, dates, cells), only the place each
row was found differs. This is the grid contract the readers keep for the profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.readers.real_files import FIXTURES, TABLE_2025, tsv_rows

import precert
from precert.profiles import RowReading, apply, load_profile
from precert.readers import read_grid
from precert.readers.hcpcs import read_hcpcs

WHERE = {"file", "line", "page", "table_title"}


@pytest.fixture(scope="module")
def codes() -> Any:
    return read_hcpcs(Path(precert.__file__).parent / "data" / "HCPC2025_OCT_ANWEB.xlsx").codes


def readings(path: Path, codes: Any) -> list[dict[str, object]]:
    profile = load_profile("medicare-dmepos-cgs-table")
    out = []
    for item in apply(read_grid(path), profile, codes):
        assert isinstance(item, RowReading), item
        out.append({k: v for k, v in item._asdict().items() if k not in WHERE})
    return out


def test_tsv_html_pdf_and_xlsx_read_alike(tmp_path: Path, codes: Any) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in tsv_rows(TABLE_2025):
        sheet.append(row)
    book.save(tmp_path / "cgs-jc-pa-table-2025.xlsx")
    expected = readings(TABLE_2025, codes)
    assert len(expected) > 100 and {r["code"] for r in expected} >= {"L5856", "K0856", "E0950"}
    for path in (
        FIXTURES / "cgs-jc-pa-table-2025.html",
        FIXTURES / "cgs-jc-pa-table-2025.pdf",
        tmp_path / "cgs-jc-pa-table-2025.xlsx",
    ):
        assert readings(path, codes) == expected, path.name
