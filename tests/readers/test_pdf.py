"""PDF tables: the fixtures rebuilt from the real Medicare rows (a table over two pages with its
header repeated, multi-line cells, two titled tables on a page), pages and lines, errors."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from tests.readers.real_files import FIXTURES, MEDICARE, NEWS_2024, TABLE_2025, tsv_rows

from precert.readers import ReaderError, read_grid

PDF_2025 = FIXTURES / "cgs-jc-pa-table-2025.pdf"
PDF_NEWS = FIXTURES / "cgs-jc-news-2024-06-20.pdf"


def test_a_table_over_two_pages_is_one_table_with_its_repeated_header() -> None:
    grid = read_grid(PDF_2025)
    assert grid.format == "pdf"
    [table] = grid.tables
    rows = list(table.rows)
    header, *data = tsv_rows(TABLE_2025)
    # Multi-line cells joined with spaces: every cell exactly as published.
    assert [list(r.cells) for r in rows] == [header, *data[:2], header, *data[2:]]
    assert [r.page for r in rows] == [1, 1, 1, 2, 2, 2]
    assert table.title == "DMEPOS Required Prior Authorization List"
    assert table.titles == ("Jurisdiction C DME Prior Authorization", table.title)


def test_rows_know_their_line_on_the_page() -> None:
    rows = list(read_grid(PDF_2025).tables[0].rows)
    # Page 1: two title lines, then the header row; page 2 starts with the repeated header.
    assert (rows[0].page, rows[0].line) == (1, 3)
    assert (rows[3].page, rows[3].line) == (2, 1)
    lines = [(r.page, r.line) for r in rows]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)
    # The Orthoses row starts below the Lower Limb Prostheses row's ten wrapped lines.
    assert rows[2].line - rows[1].line >= 10


def test_a_title_above_a_table_starts_a_new_table() -> None:
    first, second = read_grid(PDF_NEWS).tables
    assert first.title == "Codes requiring prior authorization as of June 2024"
    assert second.title == (
        "Codes added to the Required Prior Authorization List from August 12, 2024"
    )
    news = tsv_rows(NEWS_2024)
    for number, table in (("1", first), ("2", second)):
        expected = [news[0][1:]] + [row[1:] for row in news[1:] if row[0] == number]
        assert [list(r.cells) for r in table.rows] == expected
        assert {r.page for r in table.rows} == {1}
    assert next(iter(second.rows)).line > [*first.rows][-1].line


def test_a_pdf_without_a_ruled_table_or_without_text(tmp_path: Path) -> None:
    prose = FPDF()
    prose.add_page()
    prose.set_font("Helvetica", size=11)
    prose.multi_cell(
        0,
        6,
        "Beginning April 13, 2026, PA will be required nationwide for HCPCS "
        "codes L0651, L1844, L1846, L1852, and L1932",
    )
    prose.output(str(tmp_path / "prose.pdf"))
    with pytest.raises(ReaderError, match=r"prose\.pdf: no table found: .*ruling lines"):
        read_grid(tmp_path / "prose.pdf")
    scanned = FPDF()
    scanned.add_page()
    scanned.rect(20, 20, 100, 50)
    scanned.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(ReaderError, match=r"scan\.pdf: no table found: it has no text"):
        read_grid(tmp_path / "scan.pdf")


def test_a_damaged_pdf_is_a_clear_error(tmp_path: Path) -> None:
    damaged = tmp_path / "list.pdf"
    damaged.write_bytes(b"%PDF-1.7\n" + PDF_2025.read_bytes()[400:900])
    with pytest.raises(ReaderError, match=r"list\.pdf: not a readable PDF \(\w+: No /Root object"):
        read_grid(damaged)


def test_a_failure_inside_the_pdf_library_names_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    # pdfminer fails on some malformed objects with builtin errors deep inside; simulate one
    # on page 2 of the real fixture: the error names file and page, no traceback escapes.
    from pdfplumber.page import Page

    find_tables = Page.find_tables

    def failing(self: Page, *args: Any, **kwargs: Any) -> Any:
        if self.page_number == 2:
            raise KeyError("/Font")
        return find_tables(self, *args, **kwargs)

    monkeypatch.setattr(Page, "find_tables", failing)
    with pytest.raises(ReaderError) as info:
        read_grid(PDF_2025)
    assert info.value.page == 2
    assert str(info.value) == (
        "cgs-jc-pa-table-2025.pdf: page 2: not a readable PDF (KeyError: '/Font')"
    )


def test_without_the_pdf_extra_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def no_pdfplumber(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pdfplumber":
            raise ImportError("No module named 'pdfplumber'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pdfplumber)
    with pytest.raises(ReaderError, match=r"pip install 'precert\[pdf\]'"):
        read_grid(PDF_2025)


def test_a_page_whose_last_column_is_empty_still_continues_the_table(tmp_path: Path) -> None:
    # Noridian's orthoses additions with a Notes column, no header repeat, two rows a page.
    rows = tsv_rows(MEDICARE / "noridian-jd-orthoses-2026.tsv")
    pdf = FPDF(format=(105, 40))
    pdf.set_auto_page_break(auto=True, margin=5)
    pdf.set_margins(5, 5)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    with pdf.table(col_widths=(20, 30, 25, 20), repeat_headings=0, line_height=6) as table:
        for n, row in enumerate(rows):
            cells = table.row()
            for cell in [*row, "Notes" if n == 0 else ""]:
                cells.cell(cell)
    path = tmp_path / "orthoses.pdf"
    pdf.output(str(path))
    [read] = read_grid(path).tables
    found = list(read.rows)
    assert [list(r.cells) for r in found] == [[*rows[0], "Notes"], *rows[1:]]
    assert len({r.page for r in found}) > 1
