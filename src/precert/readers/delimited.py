"""Read CSV and TSV files as one table of rows, streamed from disk.

A list of 100,000 rows is never held in memory: ``GridTable.rows`` reads the file each time it
is iterated, one record at a time, and each row knows the line its record starts on (a quoted
cell with line breaks keeps the record's first line). The delimiter is ``,``, ``;`` or a tab
(sniffed for CSV; TSV means tab); the text is UTF-8 with or without a byte-order mark, UTF-16
with one, else Windows-1252.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from precert.readers import ReaderError
from precert.readers.files import clean_texts, scan
from precert.readers.grid import Grid, GridRow, GridTable

_SNIFF_CHARS = 16384


def read_csv(path: Path) -> Grid:
    """Read a CSV file (delimiter sniffed among ``,`` ``;`` and tab) as one table."""
    return _read(Path(path), "csv", None)


def read_tsv(path: Path) -> Grid:
    """Read a tab-separated file as one table."""
    return _read(Path(path), "tsv", "\t")


class DelimitedRows:
    """The rows of a delimited file, read from disk again on every iteration."""

    def __init__(self, path: Path, encoding: str, delimiter: str) -> None:
        self.path = path
        self.encoding = encoding
        self.delimiter = delimiter

    def __iter__(self) -> Iterator[GridRow]:
        name = self.path.name
        try:
            file = self.path.open(encoding=self.encoding, errors="replace", newline="")
        except OSError as exc:
            raise ReaderError(name, None, f"cannot read file: {exc.strerror or exc}") from exc
        with file:
            reader = csv.reader(file, delimiter=self.delimiter)
            start = 1
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    # csv's cell limit (128 KiB) is met when an unbalanced quote swallows the
                    # rest of the file: say where that record started.
                    hint = " (a quote opened here is never closed?)" if "limit" in str(exc) else ""
                    raise ReaderError(name, start, f"not valid CSV: {exc}{hint}") from exc
                cells = clean_texts(record)
                if cells:
                    yield GridRow(start, cells)
                start = reader.line_num + 1


def sniff_delimiter(text: str) -> str:
    """``,``, ``;`` or tab, whichever the start of the file is written with (default ``,``)."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only: a cut line misleads
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        # The sniffer wants a delimiter used the same way on every line; a first line that
        # uses one of them is as good a sign.
        first = next((line for line in sample.splitlines() if line.strip()), "")
        counts = {d: first.count(d) for d in ("\t", ";", ",")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _read(path: Path, format: str, delimiter: str | None) -> Grid:
    digest, encoding = scan(path)
    if delimiter is None:
        with path.open(encoding=encoding, errors="replace", newline="") as file:
            delimiter = sniff_delimiter(file.read(_SNIFF_CHARS + 1))
    rows = DelimitedRows(path, encoding, delimiter)
    if next(iter(rows), None) is None:
        raise ReaderError(path.name, None, "the file is empty (no row has any text)")
    table = GridTable(where=path.name, title="", rows=rows)
    return Grid(name=path.name, sha256=digest, format=format, tables=[table])
