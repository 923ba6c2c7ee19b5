"""XLSX workbooks made from the real Medicare rows: one table per non-empty sheet, row numbers,
multi-line cells, and the refusal of a sheet whose used range is absurd."""

from __future__ import annotations

import datetime as dt
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font
from tests.readers.real_files import NEWS_2024, TABLE_2025, tsv_rows

from precert.readers import ReaderError, read_grid
from precert.readers.workbook import MAX_CELLS, sheet_extents


def workbook(path: Path) -> Path:
    """Sheet "2025" holds the 2025 CGS table from A1 with its segments on separate lines in
    the HCPCS cell; "News" the June 2024 notice from C3; "Notes" is empty."""
    book = openpyxl.Workbook()
    table = book.active
    assert table is not None
    table.title = "2025"
    for row in tsv_rows(TABLE_2025):
        table.append([cell.replace(" Effective ", "\nEffective ") for cell in row])
    news = book.create_sheet("News")
    for r, row in enumerate(tsv_rows(NEWS_2024), start=3):
        for c, value in enumerate(row, start=3):
            news.cell(r, c, int(value) if value.isdigit() else value)
    book.create_sheet("Notes")
    book.save(path)
    return path


def test_each_non_empty_sheet_is_a_table_titled_by_its_name(tmp_path: Path) -> None:
    grid = read_grid(workbook(tmp_path / "medicare.xlsx"))
    assert grid.format == "xlsx"
    assert [(t.number, t.title, t.titles, t.where) for t in grid.tables] == [
        (1, "2025", ("2025",), "medicare.xlsx[2025]"),
        (2, "News", ("News",), "medicare.xlsx[News]"),
    ]


def test_cells_as_published_with_line_breaks_joined(tmp_path: Path) -> None:
    first, _ = read_grid(workbook(tmp_path / "medicare.xlsx")).tables
    rows = list(first.rows)
    assert [list(r.cells) for r in rows] == tsv_rows(TABLE_2025)
    assert [r.line for r in rows] == [1, 2, 3, 4, 5]
    assert all(r.page is None for r in rows)


def test_rows_keep_their_sheet_row_and_column(tmp_path: Path) -> None:
    _, news = read_grid(workbook(tmp_path / "medicare.xlsx")).tables
    rows = list(news.rows)
    expected = tsv_rows(NEWS_2024)
    assert [r.line for r in rows] == list(range(3, 3 + len(expected)))
    # The table starts in column C: two empty cells first, so column letters still hold.
    assert [list(r.cells) for r in rows] == [["", "", *row] for row in expected]
    assert rows[1].cell(2) == "1"  # the number Excel stores as 1.0 reads as published


def test_dates_and_booleans_read_as_shown(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["HCPCS", "EFFECTIVE DATE", "PA"])
    sheet.append(["L0651", dt.datetime(2026, 4, 13), True])
    book.save(tmp_path / "orthoses.xlsx")
    [table] = read_grid(tmp_path / "orthoses.xlsx").tables
    assert [r.cells for r in table.rows][1] == ("L0651", "2026-04-13", "TRUE")


def test_a_stray_cell_at_the_last_cell_of_the_sheet_is_refused_quickly(tmp_path: Path) -> None:
    path = workbook(tmp_path / "sparse.xlsx")
    book = openpyxl.load_workbook(path)
    book["News"]["XFD1048576"] = "x"
    book.save(path)
    started = time.perf_counter()
    with pytest.raises(ReaderError) as info:
        read_grid(path)
    assert time.perf_counter() - started < 5  # measured, never allocated
    assert info.value.file == "sparse.xlsx[News]"
    assert "C3:XFD1048576" in info.value.message
    assert f"at most {MAX_CELLS:,}" in info.value.message


def test_formatting_far_away_is_not_a_cell(tmp_path: Path) -> None:
    path = workbook(tmp_path / "styled.xlsx")
    book = openpyxl.load_workbook(path)
    book["2025"]["XFD1048576"].font = Font(bold=True)
    book.save(path)
    assert sheet_extents("styled.xlsx", path.read_bytes())["2025"] == (0, 0, 4, 3)
    assert len(list(read_grid(path).tables[0].rows)) == 5


def test_other_zip_files_say_what_they_are(tmp_path: Path) -> None:
    for member, kind in (
        ("word/document.xml", "a Word document"),
        ("content.xml", "an OpenDocument file"),
        ("TABLE.tsv", "a ZIP archive"),
    ):
        path = tmp_path / "list.xlsx"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(member, TABLE_2025.read_text(encoding="utf-8"))
        with pytest.raises(ReaderError, match=rf"list\.xlsx: {kind}.*save the list as \.xlsx"):
            read_grid(path)


def test_a_damaged_or_empty_workbook_is_a_clear_error(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(workbook(tmp_path / "ok.xlsx").read_bytes()[:2000])
    with pytest.raises(ReaderError, match=r"damaged\.xlsx: not a readable XLSX workbook"):
        read_grid(damaged)
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    with pytest.raises(ReaderError, match=r"empty\.xlsx: no sheet of the workbook has a cell"):
        read_grid(empty)


def test_merged_cells_repeat_their_value_in_every_cell_they_cover(tmp_path: Path) -> None:
    # The June 2024 notice's table 2 as a spreadsheet would lay it out: the osteogenesis
    # codes merged down the two phase rows, a title merged across both columns.
    rows = [row[1:] for row in tsv_rows(NEWS_2024) if row[0] in ("LCD", "source_table", "2")]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Codes added August 12, 2024"])
    sheet.merge_cells("A1:B1")
    for row in rows[1:]:
        sheet.append(row)
    sheet.append(["HCPCS Codes"])  # below the merge: not filled
    sheet["B4"] = None
    sheet.merge_cells("B3:B4")
    sheet["A6"] = "Orthoses"
    sheet.merge_cells("A6:XFD6")  # a whole row merged: filled only as far as the table goes
    path = tmp_path / "news.xlsx"
    book.save(path)
    read = [r.cells for r in read_grid(path).tables[0].rows]
    assert read[0] == ("Codes added August 12, 2024", "Codes added August 12, 2024")
    assert read[2][1] == read[3][1] == "E0747, E0748, E0760"
    assert read[3][0].startswith("Osteogenesis Stimulators (Phase 2")
    assert read[4] == ("HCPCS Codes",)
    assert read[5] == ("Orthoses", "Orthoses")
