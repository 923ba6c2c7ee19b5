"""The text layout reader on Cigna's real published text: tables, titles, pages, footer."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from precert.readers import ReaderError, read_grid
from precert.readers.textlayout import TextRows, read_text
from precert.service import BUNDLED_LIST

LINES = BUNDLED_LIST.read_text(encoding="utf-8").splitlines()
HEADER_LINES = [
    n for n, line in enumerate(LINES, 1) if line.startswith(("Product\t", "Category\t"))
]


def test_each_title_block_starts_a_table_with_all_its_title_lines() -> None:
    grid = read_grid(BUNDLED_LIST)
    assert grid.format == "text"
    assert [t.titles for t in grid.tables] == [
        ("Cigna Commercial", "Prior Authorization Procedure Code List: Durable Medical Equipment"),
        (
            "Cigna Commercial",
            "Prior Authorization Procedure Code List: Durable Medical Equipment and O&P",
        ),
    ]
    assert [t.title for t in grid.tables] == [t.titles[-1] for t in grid.tables]
    assert [t.number for t in grid.tables] == [1, 2]


def test_header_rows_and_their_repeats_stay_rows() -> None:
    grid = read_grid(BUNDLED_LIST)
    rows = [row for table in grid.tables for row in table.rows]
    headers = [row for row in rows if row.cells[0] in ("Product", "Category")]
    assert [row.line for row in headers] == HEADER_LINES
    assert len(HEADER_LINES) > 2  # repeated on every page, not only once per table
    # Every non-blank line that is not a title or the footer is a row, cells as published.
    data_lines = [
        n
        for n, line in enumerate(LINES, 1)
        if line.strip() and not line.strip().startswith("**") and "CPT copyright" not in line
    ]
    assert [row.line for row in rows] == data_lines
    for row in rows[:50]:
        assert (
            list(row.cells)
            == [c.strip() for c in LINES[row.line - 1].split("\t")][: len(row.cells)]
        )


def test_pages_count_the_header_rows() -> None:
    # Each repeated header row starts a new page of the PDF: a row's page is the number of
    # header rows at or above it.
    grid = read_text(BUNDLED_LIST)
    pages = {row.line: row.page for table in grid.tables for row in table.rows}
    for line, page in pages.items():
        assert page == sum(1 for h in HEADER_LINES if h <= line), line
    assert max(pages.values()) == len(HEADER_LINES)
    assert pages[HEADER_LINES[1]] == 2 and pages[HEADER_LINES[1] - 2] == 1


def test_footer_is_not_a_row_but_is_kept() -> None:
    grid = read_grid(BUNDLED_LIST)
    assert grid.footer.startswith("CPT copyright 2026 American Medical Association")
    assert not any("copyright" in c for t in grid.tables for r in t.rows for c in r.cells)


def test_trailing_empty_cells_are_dropped_and_read_as_empty() -> None:
    grid = read_grid(BUNDLED_LIST)
    row = next(r for r in grid.tables[0].rows if r.cells[2] == "A4271")
    assert LINES[row.line - 1].endswith("\t")  # External Notation is empty
    assert len(row.cells) == 6 and row.cell(6) == "" and row.cell(2) == "A4271"


def test_txt_sniffs_as_text_and_the_same_bytes_hash_the_same(tmp_path: Path) -> None:
    copy = tmp_path / "000_6a2ebb93c1f13437.txt"
    copy.write_bytes(BUNDLED_LIST.read_bytes())
    assert read_grid(copy).format == "text"
    assert read_grid(copy).sha256 == read_grid(BUNDLED_LIST).sha256


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    data = BUNDLED_LIST.read_bytes().split(b"\n")
    data[9] += b" \xe9"  # a Windows-1252 é on line 10
    bad = tmp_path / "list.txt"
    bad.write_bytes(b"\n".join(data))
    with pytest.raises(ReaderError, match=r"list\.txt:10: not UTF-8") as info:
        read_grid(bad, "text")
    assert info.value.line == 10


def test_a_title_block_without_a_table_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "list.txt"
    bad.write_text("\n".join([*LINES, "**Cigna Commercial**"]), encoding="utf-8")
    with pytest.raises(ReaderError, match="'Cigna Commercial' has no table after it"):
        read_grid(bad)


def test_rows_stream_from_the_file_and_can_be_read_again(tmp_path: Path) -> None:
    # Cigna's document with its first table's rows repeated to 20,000 rows.
    header = LINES[HEADER_LINES[0] - 1]
    body = LINES[HEADER_LINES[0] : 600]
    rows = [line for line in body if line.count("\t") == 6 and line != header]
    big = tmp_path / "big.txt"
    with big.open("w", encoding="utf-8") as file:
        file.write("\n".join(LINES[: HEADER_LINES[0]]) + "\n")
        for n in range(20_000):
            file.write(rows[n % len(rows)] + "\n")
            if n % 40 == 39:
                file.write(header + "\n")
        second_title = [n for n, line in enumerate(LINES) if line.startswith("**Cigna")][1]
        file.write("\n".join(LINES[second_title:]) + "\n")  # table 2 and the footer
    grid = read_grid(big)
    first, second = grid.tables
    assert isinstance(first.rows, TextRows) and not hasattr(first.rows, "__len__")
    tracemalloc.start()
    count = sum(1 for _ in first.rows)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 1 + 20_000 + 20_000 // 40  # the header, the rows, the repeated headers
    assert peak < 1_000_000  # the ~4 MB file is never held whole
    assert sum(1 for _ in first.rows) == count
    pages = [r.page for r in second.rows]
    assert pages[0] == 1 + 20_000 // 40 + 1  # table 2's header starts the next page
    assert second.titles[-1].endswith("Durable Medical Equipment and O&P")
