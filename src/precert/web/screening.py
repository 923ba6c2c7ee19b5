"""Screen a small uploaded CSV of order lines: find the code column, answer every line.

The code column and the added columns are precert.columns', as in `precert batch`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from precert.codes import parse_code, split_queries
from precert.columns import ANSWER_COLUMNS, answer_cells, code_column, named_column
from precert.models import Determination
from precert.service import Precert
from precert.web import csvout

MAX_UPLOAD = 5 * 1024 * 1024


class UploadError(ValueError):
    """The upload cannot be screened; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Line:
    """One order line: its record number in the file, the code cell, its cells and answers."""

    number: int
    cell: str
    cells: tuple[str, ...]
    answers: tuple[Determination, ...]


@dataclass(frozen=True, slots=True)
class Screened:
    """An uploaded file, screened."""

    filename: str
    header: tuple[str, ...]
    has_header: bool
    column: int
    encoding: str
    rows: tuple[Line, ...]

    @property
    def column_name(self) -> str:
        """The code column as the user knows it."""
        return self.header[self.column] if self.has_header else f"column {self.column + 1}"


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding of an upload: UTF-16 with a BOM (Excel's "Unicode Text"), UTF-8
    (with or without BOM), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise UploadError(
                "the file starts like UTF-16 text but is not; save it as CSV"
            ) from None
    if b"\x00" in data[:4096]:
        raise UploadError("this is not a text file (it contains NUL bytes); upload a CSV file")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def read_rows(text: str) -> list[list[str]]:
    """CSV records (delimiter sniffed among , ; tab |), blank records dropped."""
    sample = text[:65536]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [
            r
            for r in csv.reader(io.StringIO(text, newline=""), dialect)
            if any(c.strip() for c in r)
        ]
    except csv.Error as exc:
        raise UploadError(f"the file is not readable as CSV: {exc}") from None
    if not rows:
        raise UploadError("the file has no lines; upload a CSV with a column of codes")
    return rows


def _is_code(cell: str) -> bool:
    queries = split_queries(cell)
    return bool(queries) and all(parse_code(q).code is not None for q in queries)


def find_column(rows: Sequence[Sequence[str]], wanted: str | None) -> tuple[int, bool]:
    """(index of the code column, whether the first record is a header)."""
    first = [c.strip() for c in rows[0]]
    width = max(len(r) for r in rows)
    if wanted and wanted.strip():
        name = wanted.strip()
        named = named_column(first, name)
        if named is not None:
            return named, True
        if name.isdigit() and 1 <= int(name) <= width:
            index = int(name) - 1
            return index, not (index < len(first) and _is_code(first[index]))
        raise UploadError(
            f"no column {name!r}; the first line has: {', '.join(repr(c) for c in first)}"
        )
    by_header = code_column(first)
    if by_header is not None:
        return by_header, True
    # No telling header: the column whose cells are most often codes (first 200 records).
    sample = rows[:200]
    best, best_score = -1, 0.0
    for index in range(width):
        cells = [r[index] for r in sample if index < len(r) and r[index].strip()]
        if not cells:
            continue
        score = sum(_is_code(c) for c in cells) / len(cells)
        if score > best_score:
            best, best_score = index, score
    if best < 0 or best_score < 0.5:
        raise UploadError(
            "no column of codes found: name its header “code”, “HCPCS” or “CPT”, or give "
            "the column in the form"
        )
    return best, not (best < len(first) and _is_code(first[best]))


def screen(service: Precert, data: bytes, filename: str, column: str | None) -> Screened:
    """Read ``data`` as CSV and answer the code of every order line (none dropped)."""
    if not data.strip():
        raise UploadError("the file is empty; upload a CSV with a column of codes")
    if len(data) > MAX_UPLOAD:
        raise UploadError("the file is larger than 5 MB; screen it with the batch screener")
    text, encoding = decode(data)
    rows = read_rows(text)
    index, has_header = find_column(rows, column)
    header = tuple(rows[0]) if has_header else tuple(f"column {i + 1}" for i in range(len(rows[0])))
    body = rows[1:] if has_header else rows
    cells = [r[index] if index < len(r) else "" for r in body]
    # Order files repeat the same few codes: answer each distinct cell once.
    # A file is screened for one payer, as the batch screener does (Cigna when several).
    scope = service.browse_scope()
    answers = {
        cell: tuple(
            service.determine([cell], payer=scope.payer, line_of_business=scope.line_of_business)
        )
        for cell in dict.fromkeys(cells)
    }
    start = 2 if has_header else 1
    lines = [
        Line(start + offset, cell, tuple(record), answers[cell])
        for offset, (record, cell) in enumerate(zip(body, cells, strict=True))
    ]
    return Screened(filename, header, has_header, index, encoding, tuple(lines))


def screened_csv(screened: Screened) -> str:
    """The upload with the answers appended: one output line per code, every line kept."""
    width = max([len(screened.header)] + [len(line.cells) for line in screened.rows])
    header = list(screened.header) + [""] * (width - len(screened.header))
    out_rows: list[list[object]] = []
    for line in screened.rows:
        cells = list(line.cells) + [""] * (width - len(line.cells))
        for answer in line.answers:
            added = ["" if cell is None else cell for cell in answer_cells(answer)]
            out_rows.append([line.number, *cells, *added])
    return csvout.to_csv(["row", *header, *ANSWER_COLUMNS], out_rows)
