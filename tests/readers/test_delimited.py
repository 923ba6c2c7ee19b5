"""CSV and TSV files read as one streamed table: the real Medicare TSVs, encodings, errors."""

from __future__ import annotations

import csv
import io
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.readers.real_files import MEDICARE, NEWS_2024, TABLE_2024, TABLE_2025, tsv_rows

from precert.readers import ReaderError, read_grid
from precert.readers.delimited import DelimitedRows, sniff_delimiter


@pytest.mark.parametrize("path", sorted(MEDICARE.glob("*.tsv")), ids=lambda p: p.name)
def test_each_medicare_tsv_reads_cell_for_cell(path: Path) -> None:
    grid = read_grid(path)
    assert grid.format == "tsv" and grid.name == path.name
    [table] = grid.tables
    assert table.title == "" and table.where == path.name
    rows = list(table.rows)
    assert [list(r.cells) for r in rows] == tsv_rows(path)
    assert [r.line for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.page is None for r in rows)


def write(path: Path, rows: list[list[str]], delimiter: str, encoding: str) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (";", "utf-8-sig"), ("\t", "utf-16"), (",", "cp1252"), (";", "cp1252")],
)
def test_delimiters_and_encodings_of_real_rows(
    tmp_path: Path, delimiter: str, encoding: str
) -> None:
    rows = tsv_rows(TABLE_2025)
    rows[1][2] = rows[1][2] + " – café"  # an en dash and an é, as Windows-1252 can hold them
    path = write(tmp_path / "list.csv", rows, delimiter, encoding)
    [table] = read_grid(path).tables
    assert [list(r.cells) for r in table.rows] == rows


def test_a_multi_line_quoted_cell_keeps_its_first_line_and_joins_its_lines(tmp_path: Path) -> None:
    rows = tsv_rows(TABLE_2024)
    # The Orthoses cell as the page shows it: its segments on separate lines.
    cell = rows[2][1]
    multi = cell.replace(" Effective August", "\nEffective August").replace(
        " *L1833 r", "\n*L1833 r"
    )
    assert multi.count("\n") == 2
    rows[2][1] = multi
    path = write(tmp_path / "table.csv", rows, ",", "utf-8")
    read = list(read_grid(path).tables[0].rows)
    assert read[2].cells[1] == cell  # line breaks read as single spaces
    assert [r.line for r in read] == [1, 2, 3, 6, 7, 8]  # record 3 spans lines 3-5


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    text = TABLE_2025.read_text(encoding="utf-8").replace("\n", "\n\n", 1)
    path = tmp_path / "t.tsv"
    path.write_text(text, encoding="utf-8")
    assert [r.line for r in read_grid(path).tables[0].rows] == [1, 3, 4, 5, 6]


def test_sniffs_the_delimiter() -> None:
    text = TABLE_2025.read_text(encoding="utf-8")
    assert sniff_delimiter(text) == "\t"
    assert sniff_delimiter(text.replace("\t", ";")) == ";"
    assert sniff_delimiter("HCPCS\nE0466\n") == ","


def test_rows_stream_and_can_be_read_again(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["HCPCS", "Prior Auth", "Notes"])
        for n in range(50_000):
            writer.writerow([f"E{n % 10000:04d}", "X", "note " * 10])
    grid = read_grid(path)
    rows = grid.tables[0].rows
    assert isinstance(rows, DelimitedRows) and not hasattr(rows, "__len__")
    iterator = iter(rows)
    assert isinstance(iterator, Iterator)
    tracemalloc.start()
    count = sum(1 for _ in iterator)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 50_001
    assert peak < 1_000_000  # the ~3 MB file is never held whole
    assert sum(1 for _ in rows) == count  # a second pass reads the file again


def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path: Path) -> None:
    rows = tsv_rows(NEWS_2024)
    path = write(tmp_path / "news.tsv", rows, "\t", "utf-8")
    text = path.read_text(encoding="utf-8").splitlines()
    text[4] = '"' + text[4]
    path.write_text("\n".join([*text, "x" * 200_000]), encoding="utf-8")
    rows_read = iter(read_grid(path).tables[0].rows)
    assert [next(rows_read).line for _ in range(4)] == [1, 2, 3, 4]
    with pytest.raises(ReaderError, match=r"news\.tsv:5: not valid CSV.*never closed") as info:
        next(rows_read)
    assert (info.value.file, info.value.line) == ("news.tsv", 5)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("\n ,, \n", encoding="utf-8")
    with pytest.raises(ReaderError, match=r"empty\.csv: the file is empty"):
        read_grid(empty)
    with pytest.raises(ReaderError, match=r"missing\.csv: cannot read file"):
        read_grid(tmp_path / "missing.csv")
