"""What every grid reader needs from a file: its bytes or hash, its text encoding, clean cells."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from precert.readers import ReaderError

_CHUNK = 1 << 20
_WINDOWS_1252 = {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "iso8859-1", "l1"}
_LINE_BREAKS = re.compile(r"[ \t]*(?:\r\n|\r|\n)[ \t\r\n]*|\t")
_WHITESPACE = re.compile(r"\s+")


def read_bytes(path: Path) -> bytes:
    """The whole file (formats that need it whole: XLSX, HTML, text); ReaderError if unreadable."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReaderError(path.name, None, f"cannot read file: {exc.strerror or exc}") from exc


def scan(path: Path) -> tuple[str, str]:
    """One pass over a file too big to hold: its SHA-256 and the encoding its text is in.

    UTF-8 (a byte-order mark is dropped) or UTF-16 with a byte-order mark; a file without one
    that is not valid UTF-8 throughout is Windows-1252, as older Excel versions save CSV.
    (Open the text with ``errors="replace"``: a file with a mark may still hold a bad byte.)
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoding: str | None = None
    try:
        with path.open("rb") as file:
            first = True
            while chunk := file.read(_CHUNK):
                digest.update(chunk)
                if first:
                    first = False
                    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                        encoding = "utf-16"
                    elif chunk.startswith(codecs.BOM_UTF8):
                        encoding = "utf-8-sig"
                if encoding is None:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        encoding = "cp1252"
            if encoding is None:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    encoding = "cp1252"
    except OSError as exc:
        raise ReaderError(path.name, None, f"cannot read file: {exc.strerror or exc}") from exc
    return digest.hexdigest(), encoding or "utf-8"


def decode(data: bytes, declared: str | None = None) -> str:
    """Bytes read whole as text: by byte-order mark, else ``declared``, else UTF-8, else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if declared and declared.lower().replace("_", "-") in _WINDOWS_1252:
        declared = "cp1252"  # browsers read these labels as Windows-1252 (the WHATWG rule)
    if declared:
        try:
            return data.decode(declared, errors="replace")
        except LookupError:
            pass  # an unknown charset name in a page: fall back to what the bytes say
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sha256(data: bytes) -> str:
    """Hex SHA-256 of bytes held whole."""
    return hashlib.sha256(data).hexdigest()


def clean_cell(value: object) -> str:
    """A spreadsheet or CSV cell as text on one line: line breaks become one space, stripped.

    Numbers Excel stores as floats read as published (``5.0`` -> ``"5"``), dates as ISO dates.
    """
    if type(value) is str:
        text = value
    elif value is None:
        return ""
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"  # as Excel shows them
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, dt.datetime) and value.time() == dt.time():
        text = value.date().isoformat()
    elif isinstance(value, dt.date | dt.datetime | dt.time):
        text = value.isoformat()
    else:
        text = str(value)
    if "\n" in text or "\r" in text or "\t" in text:
        text = _LINE_BREAKS.sub(" ", text)
    return text.strip()


def clean_texts(values: Sequence[str]) -> tuple[str, ...]:
    """A row of text cells (CSV) cleaned as ``clean_cell`` does, trailing empty cells dropped.

    The fast path of the streamed readers: most rows have no line break in any cell.
    """
    joined = "".join(values)
    if "\n" in joined or "\r" in joined or "\t" in joined:
        cells = [clean_cell(value) for value in values]
    else:
        cells = [value.strip() for value in values]
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


def join_whitespace(text: str) -> str:
    """Every run of whitespace as one space, stripped (HTML and PDF text: breaks are layout)."""
    return _WHITESPACE.sub(" ", text).strip()


def trim(cells: Iterable[str]) -> tuple[str, ...]:
    """Cells without the empty ones at the end of the row."""
    out = list(cells)
    while out and not out[-1]:
        out.pop()
    return tuple(out)
