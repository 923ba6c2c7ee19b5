"""The reader registry: every format has a reader, formats are sniffed, readers load lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.readers.real_files import FIXTURES, TABLE_2025

from precert.readers import FORMATS_BY_SUFFIX, READERS, ReaderError, read_grid, reader_for
from precert.readers import sniff_format as sniff
from precert.service import BUNDLED_LIST


def test_every_registered_reader_imports_and_every_suffix_has_a_reader() -> None:
    for format in READERS:
        assert callable(reader_for(format))
    assert set(FORMATS_BY_SUFFIX.values()) <= set(READERS)


def test_importing_the_registry_loads_no_reader() -> None:
    code = (
        "import sys, precert.readers; "
        "print(sorted(m for m in sys.modules if m.split('.')[-1] in "
        f"{[*(t.split(':')[0].split('.')[-1] for t in READERS.values()), 'files']!r} "
        "or m.startswith(('python_calamine', 'pdfplumber', 'openpyxl'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_content_wins_over_the_extension(tmp_path: Path) -> None:
    cigna = tmp_path / "cigna.txt"
    cigna.write_bytes(BUNDLED_LIST.read_bytes())
    assert sniff(cigna) == "text"
    tsv_as_txt = tmp_path / "table.txt"
    tsv_as_txt.write_bytes(TABLE_2025.read_bytes())
    assert sniff(tsv_as_txt) == "tsv"
    no_suffix = tmp_path / "download"
    no_suffix.write_bytes(TABLE_2025.read_bytes())
    assert sniff(no_suffix) == "tsv"
    page = tmp_path / "list.xls"  # web exports often name an HTML page .xls
    page.write_text("<html><body><table><tr><td>E0466</td></tr></table></body></html>")
    assert sniff(page) == "html"
    pdf_named_csv = tmp_path / "list.csv"
    pdf_named_csv.write_bytes(b"%PDF-1.7\n...")
    assert sniff(pdf_named_csv) == "pdf"


def test_unreadable_formats_are_clear_errors(tmp_path: Path) -> None:
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    with pytest.raises(ReaderError, match=r"old\.xls: an old binary Excel workbook"):
        read_grid(xls)
    fake = tmp_path / "list.xlsx"
    fake.write_bytes(TABLE_2025.read_bytes())
    with pytest.raises(ReaderError, match=r"list\.xlsx: not a XLSX file"):
        read_grid(fake)
    binary = tmp_path / "blob"
    binary.write_bytes(b"\x00\x01\x02" * 10)
    with pytest.raises(ReaderError, match="not a format precert reads"):
        read_grid(binary)
    with pytest.raises(ReaderError, match="unknown format 'docx'"):
        read_grid(TABLE_2025, "docx")


def test_an_explicit_format_is_used_as_given(tmp_path: Path) -> None:
    grid = read_grid(TABLE_2025, "csv")  # sniffed delimiter: still tab
    assert grid.format == "csv"
    assert list(grid.tables[0].rows)[1].cells[0] == "Lower Limb Prostheses (LLP)"


def test_reader_error_names_the_page_for_paged_formats() -> None:
    assert (
        str(ReaderError("list.pdf", 14, "bad cell", page=2))
        == "list.pdf: page 2, line 14: bad cell"
    )
    assert str(ReaderError("list.csv", 3, "bad cell")) == "list.csv:3: bad cell"
    assert str(ReaderError("list.csv", None, "empty")) == "list.csv: empty"


def test_a_format_given_yields_to_bytes_that_say_otherwise(tmp_path: Path) -> None:
    # A profile written for the TSV copy reads the PDF, the page and the workbook of the list.
    pdf = FIXTURES / "cgs-jc-pa-table-2025.pdf"
    page = FIXTURES / "cgs-jc-pa-table-2025.html"
    assert read_grid(pdf, "tsv").format == "pdf"
    assert read_grid(page, "tsv").format == "html"
    # Text that is not a page or a PDF is read as the format says.
    assert read_grid(TABLE_2025, "csv").format == "csv"
    with pytest.raises(ReaderError, match=r"cgs-jc-pa-table-2025\.tsv: not a PDF file"):
        read_grid(TABLE_2025, "pdf")
