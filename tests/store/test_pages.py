"""A version records how many pages its source has: the text layout's pages (each repeated
header row starts one), a PDF's, none for formats without pages; databases that recorded 0
get theirs on the first open."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pdfplumber
from tests.readers.real_files import FIXTURES, TABLE_2025

from precert import Precert
from precert.service import BUNDLED_LIST, DB_NAME

PDF = FIXTURES / "cgs-jc-pa-table-2025.pdf"


def _pages(service: Precert, list_id: str) -> list[int]:
    rows = service.store.db.execute(
        "SELECT pages FROM versions WHERE list_id = ? ORDER BY id", (list_id,)
    )
    return [int(r[0]) for r in rows]


def _header_rows() -> int:
    """The repeated header rows of Cigna's text: one per page of the PDF it was taken from."""
    lines = BUNDLED_LIST.read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if line.startswith(("Product\t", "Category\t")))


def test_the_bundled_text_layout_records_its_pages(service: Precert) -> None:
    assert _header_rows() > 30
    assert _pages(service, "cigna-commercial-dme") == [_header_rows()]


def test_a_pdf_records_its_pages_and_a_tsv_none(service: Precert) -> None:
    service.import_list(PDF, list_id="cgs-pdf", profile="medicare-dmepos-cgs-table")
    with pdfplumber.open(PDF) as pdf:
        total = len(pdf.pages)
    (pages,) = _pages(service, "cgs-pdf")
    last_page = max(e.page for e in service.store.entries() if e.list_id == "cgs-pdf")
    assert pages == last_page and 1 < pages <= total
    # The same table as TSV: no pages.
    service.import_list(TABLE_2025, list_id="cgs-tsv", profile="medicare-dmepos-cgs-table")
    assert _pages(service, "cgs-tsv") == [0]


def test_a_database_that_recorded_no_pages_gets_them_on_first_open(
    tmp_path: Path, built_db: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(built_db, home / DB_NAME)
    db = sqlite3.connect(home / DB_NAME)
    db.execute("UPDATE versions SET pages = 0")  # as schema 5's imports left every version
    db.execute("PRAGMA user_version = 5")
    db.commit()
    db.close()
    service = Precert(home)
    assert _pages(service, "cigna-commercial-dme") == [_header_rows()]
    assert _pages(service, "medicare-dmepos-pa") == [0, 0, 0]  # HTML pages: no pages
    service.close()
