"""Screen a small uploaded file of order lines (CSV or XLSX): every line answered.

The columns are found, and the lines answered, as `precert batch` does, by the same modules:
the code column and the added columns' names and cells by precert.columns, each line's answer
(code, date of service, payer, line of business and state cells) by precert.orderlines, and an
XLSX workbook is read by precert.ordersheet in a child process with a memory ceiling. A date of
service, payer, line-of-business or member-state column is used when its header says so
(`DOS`, `Date of Service`, `Payer`, `Insurer`, `LOB`, `State`, …).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from precert.codes import parse_code, split_queries
from precert.columns import (
    DATE_HEADERS,
    LOB_HEADERS,
    PAYER_COLUMNS,
    PAYER_HEADERS,
    SHARED_COLUMNS,
    STATE_HEADERS,
    code_column,
    known_column,
    named_column,
)
from precert.models import Determination, Status
from precert.orderlines import Answer, LineAnswerer
from precert.readers import ReaderError
from precert.service import Precert
from precert.web import csvout

MAX_UPLOAD = 5 * 1024 * 1024
XLSX_MEMORY = 1 << 30  # the upload's workbook reader may use 1 GB (batch: 8 GB)
XLSX_SECONDS = 60.0
_XLSX_MAGIC = b"PK\x03\x04"
# Where a payer's notes and warnings stand among its own added columns.
_NOTES, _WARNINGS = PAYER_COLUMNS.index("pa_notes"), PAYER_COLUMNS.index("pa_warnings")


class UploadError(ValueError):
    """The upload cannot be screened; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One payer's answer to one line, for the page: the service's answer when there is one,
    else the status and the reason (blank cell, not a code, bad date, unknown payer)."""

    status: Status
    answer: Determination | None
    notes: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Line:
    """One order line: its record number in the file, the code cell, its cells and answer."""

    number: int
    cell: str
    cells: tuple[str, ...]
    answer: Answer

    @property
    def payer(self) -> str | None:
        """Whose list answered, when the line names its payer."""
        return self.answer.payer

    def columns(self) -> list[Cell]:
        """The answer per payer column of the page (one column unless every payer)."""
        values = self.answer.values
        count = max(1, len(self.answer.statuses))
        statuses = self.answer.statuses or (self.answer.status,)
        out = []
        shared, own = len(SHARED_COLUMNS), len(PAYER_COLUMNS)
        for i in range(count):
            first = shared + own * i  # this payer's columns start here
            notes, warnings = values[first + _NOTES], values[first + _WARNINGS]
            out.append(
                Cell(
                    statuses[i],
                    self.answer.answers[i] if i < len(self.answer.answers) else None,
                    tuple(notes.split(" | ")) if notes else (),
                    tuple(warnings.split(" | ")) if warnings else (),
                )
            )
        return out


@dataclass(frozen=True, slots=True)
class Screened:
    """An uploaded file, screened."""

    filename: str
    header: tuple[str, ...]
    has_header: bool
    column: int
    encoding: str
    rows: tuple[Line, ...]
    names: tuple[str, ...]  # the added columns, as `precert batch` names them
    payers: tuple[str, ...]  # the page's answer columns: each payer, or one per-row column
    per_row: bool = False  # each line answered for the payer its payer cell names
    used: tuple[tuple[str, str], ...] = ()  # (what, header) of the other columns read

    @property
    def column_name(self) -> str:
        """The code column as the user knows it."""
        return self.header[self.column] if self.has_header else f"column {self.column + 1}"

    def counts(self) -> dict[str, dict[str, int]]:
        """Lines by status for each answer column (per-row: for each payer named)."""
        out: dict[str, dict[str, int]] = {}
        for line in self.rows:
            if self.per_row:
                pairs = [(line.payer or "(none)", line.answer.status)]
            else:
                statuses = line.answer.statuses or (line.answer.status,)
                pairs = list(zip(self.payers, statuses, strict=False))
            for label, status in pairs:
                counts = out.setdefault(label, {})
                counts[status.value] = counts.get(status.value, 0) + 1
        return out


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
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadError(
            "this is an old Excel workbook (.xls); save it as .xlsx or CSV and upload that"
        )
    if b"\x00" in data[:4096]:
        raise UploadError(
            "this is not a text file (it contains NUL bytes); upload a CSV or XLSX file"
        )
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


def read_xlsx(data: bytes, filename: str) -> list[list[str]]:
    """The first sheet's rows as text (header row first), read as the batch screener reads a
    workbook: by precert.ordersheet, in a child process with a memory ceiling."""
    from precert.ordersheet import ROWS, convert

    try:
        with tempfile.TemporaryDirectory(prefix="precert-upload-") as folder:
            source, target = Path(folder) / "upload.xlsx", Path(folder) / "rows.jsonl"
            source.write_bytes(data)
            convert(source, filename, target, ROWS, ceiling=XLSX_MEMORY, timeout=XLSX_SECONDS)
            with target.open(encoding="utf-8") as lines:
                rows = [json.loads(line) for line in lines]
    except ReaderError as exc:
        raise UploadError(exc.message) from None
    except OSError as exc:  # no room for the temporary copy: the server's problem, said so
        raise UploadError(
            f"the workbook could not be read on the server ({exc.strerror or exc}); "
            "try again later, or upload it as CSV"
        ) from None
    if not rows:
        raise UploadError("the workbook has no rows; upload one with a column of codes")
    return [[str(c) for c in row] for row in rows]


def _other_columns(header: Sequence[str], code: int) -> dict[str, int]:
    """The date-of-service, payer, line-of-business and state columns found by header."""
    found: dict[str, int] = {}
    for what, candidates in (
        ("date of service", DATE_HEADERS),
        ("payer", PAYER_HEADERS),
        ("line of business", LOB_HEADERS),
        ("member state", STATE_HEADERS),
    ):
        index = known_column(header, candidates)
        if index is not None and index != code and index not in found.values():
            found[what] = index
    return found


def screen(
    service: Precert,
    data: bytes,
    filename: str,
    column: str | None,
    payer: str | None = None,
    line_of_business: str | None = None,
) -> Screened:
    """Read ``data`` (CSV, or XLSX) and answer every order line (none dropped) for ``payer``
    (and ``line_of_business``): one payer named, else every loaded payer side by side; a payer
    column in the file answers each line for its own payer (``payer`` fills blank cells)."""
    if not data.strip():
        raise UploadError("the file is empty; upload a CSV or XLSX file with a column of codes")
    if len(data) > MAX_UPLOAD:
        raise UploadError("the file is larger than 5 MB; screen it with the batch screener")
    if data.startswith(_XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        rows, encoding = read_xlsx(data, filename), "xlsx"
    else:
        text, encoding = decode(data)
        rows = read_rows(text)
    index, has_header = find_column(rows, column)
    header = tuple(rows[0]) if has_header else tuple(f"column {i + 1}" for i in range(len(rows[0])))
    body = rows[1:] if has_header else rows
    other = _other_columns(header, index) if has_header else {}
    payer = (payer or "").strip() or None
    line_of_business = (line_of_business or "").strip() or None
    per_row = "payer" in other
    # No payer named: every loaded payer side by side (one loaded: its columns, as batch).
    several = payer is None and len(service.scopes(None, line_of_business)) > 1
    answerer = LineAnswerer(
        service,
        payer=payer,
        line_of_business=line_of_business,
        per_row=per_row,
        every_payer=not per_row and several,
        dated="date of service" in other,
        keep_answers=True,
    )

    def cell(record: Sequence[str], what: str) -> str:
        at = other.get(what)
        return record[at] if at is not None and at < len(record) else ""

    # Order files repeat the same few lines: answer each distinct one once.
    answers: dict[tuple[str, ...], Answer] = {}
    lines = []
    start = 2 if has_header else 1
    for offset, record in enumerate(body):
        key = (
            record[index] if index < len(record) else "",
            cell(record, "date of service"),
            cell(record, "payer"),
            cell(record, "line of business"),
            cell(record, "member state"),
        )
        answer = answers.get(key)
        if answer is None:
            date = key[1] if "date of service" in other else None
            answer = answers[key] = answerer.answer(key[0], date, *key[2:])
        lines.append(Line(start + offset, key[0], tuple(record), answer))
    return Screened(
        filename,
        header,
        has_header,
        index,
        encoding,
        tuple(lines),
        answerer.names,
        ("Answer",) if per_row else answerer.labels,
        per_row,
        tuple((what, header[at]) for what, at in other.items()),
    )


def screened_csv(screened: Screened) -> str:
    """The upload with the added columns appended, as `precert batch` adds them: one output
    line per line of the file, every line kept, its record number first."""
    width = max([len(screened.header)] + [len(line.cells) for line in screened.rows])
    header = list(screened.header) + [""] * (width - len(screened.header))
    out_rows: list[list[object]] = []
    for line in screened.rows:
        cells = list(line.cells) + [""] * (width - len(line.cells))
        added = ["" if value is None else value for value in line.answer.values]
        out_rows.append([line.number, *cells, *added])
    return csvout.to_csv(["row", *header, *screened.names], out_rows)
