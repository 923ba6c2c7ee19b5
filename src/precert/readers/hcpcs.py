"""Read the CMS HCPCS Level II quarterly file (XLSX): codes (RECID 3) and modifiers (RECID 7)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from precert.models import HcpcsCode
from precert.readers import ReaderError

_NEEDED = (
    "HCPC",
    "RECID",
    "LONG DESCRIPTION",
    "SHORT DESCRIPTION",
    "ADD DT",
    "ACT EFF DT",
    "TERM DT",
    "ACTION CD",
)


@dataclass(frozen=True, slots=True)
class HcpcsFile:
    """The parsed code set."""

    name: str
    sha256: str
    codes: dict[str, HcpcsCode]
    modifiers: dict[str, HcpcsCode]


def _date(value: object, file: str, line: int, column: str) -> dt.date | None:
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError as exc:
        raise ReaderError(
            file, line, f"column {column}: expected a date yyyymmdd, found {text!r}"
        ) from exc


def read_hcpcs(path: str | Path) -> HcpcsFile:
    """Read a CMS HCPCS quarterly XLSX file; raise ReaderError naming file, row and problem."""
    from python_calamine import CalamineWorkbook  # only this path needs the XLSX reader

    path = Path(path)
    try:
        data = path.read_bytes()
        workbook = CalamineWorkbook.from_filelike(__import__("io").BytesIO(data))
        rows = workbook.get_sheet_by_index(0).to_python()
    except OSError as exc:
        raise ReaderError(path, None, f"cannot read file: {exc.strerror or exc}") from exc
    except Exception as exc:  # calamine raises its own error types for non-XLSX input
        raise ReaderError(path, None, f"not a readable XLSX workbook ({exc})") from exc
    if not rows:
        raise ReaderError(path, 1, "empty sheet: expected the CMS HCPCS header row")
    header = [str(c).strip().upper() for c in rows[0]]
    missing = [c for c in _NEEDED if c not in header]
    if missing:
        raise ReaderError(
            path, 1, f"missing column(s) {', '.join(missing)}; found {', '.join(header)}"
        )
    ix = {name: header.index(name) for name in _NEEDED}
    codes: dict[str, HcpcsCode] = {}
    modifiers: dict[str, HcpcsCode] = {}
    for number, row in enumerate(rows[1:], start=2):
        code = str(row[ix["HCPC"]]).strip().upper()
        recid = str(row[ix["RECID"]]).strip().removesuffix(".0")
        if not code:
            continue
        record = HcpcsCode(
            code=code,
            long_description=str(row[ix["LONG DESCRIPTION"]]).strip(),
            short_description=str(row[ix["SHORT DESCRIPTION"]]).strip(),
            added=_date(row[ix["ADD DT"]], path.name, number, "ADD DT"),
            effective=_date(row[ix["ACT EFF DT"]], path.name, number, "ACT EFF DT"),
            terminated=_date(row[ix["TERM DT"]], path.name, number, "TERM DT"),
            action=str(row[ix["ACTION CD"]]).strip(),
        )
        if recid == "3":
            if len(code) != 5:
                raise ReaderError(
                    path, number, f"expected a five-character code in HCPC, found {code!r}"
                )
            previous = codes.get(code)
            if previous is not None:  # continuation rows extend the long description
                record = HcpcsCode(
                    code,
                    previous.long_description + " " + record.long_description,
                    previous.short_description,
                    previous.added,
                    previous.effective,
                    previous.terminated,
                    previous.action,
                )
            codes[code] = record
        elif recid == "7":
            modifiers[code] = record
    if not codes:
        raise ReaderError(path, None, "no HCPCS codes (RECID 3 rows) found")
    return HcpcsFile(path.name, hashlib.sha256(data).hexdigest(), codes, modifiers)
