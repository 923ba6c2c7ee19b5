"""The rejects file (``OUT.rejected.csv``): every line the reader skipped, whole, as written.

DuckDB logs each skipped line in its ``reject_errors`` table, but keeps at most 10,000 bytes of
its text (``csv_line``). A longer line is copied here from the input itself, from the byte
position DuckDB logged, so the file keeps the whole original line however long it is
(streamed, in bounded memory). Cells go through `precert.csvsafe` like every CSV precert writes.
"""

from __future__ import annotations

import codecs
import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from precert.batch.inputs import InputFile
from precert.csvsafe import safe_cell, safe_stream

COLUMNS = ("line", "error", "original_line")
# DuckDB cuts csv_line at 10,000 bytes; text this long may have been cut.
_CUT = 9_990
_PIECE = 1 << 20
_ACTUAL_SIZE = re.compile(r"Actual Size:\s*(\d+)")


def error_label(error_type: str, max_line_bytes: int) -> str:
    """DuckDB's error type, lower case, in words a user reads (``too many columns``)."""
    label = error_type.lower()
    if label == "line size over maximum":
        return f"line longer than {max_line_bytes:,} bytes"
    return label


def write_rejects(con: Any, source: InputFile, path: Path, max_line_bytes: int) -> None:
    """Write DuckDB's rejected lines of ``source`` (one row per line) to ``path``."""
    cursor = con.execute(
        "SELECT line, min(CAST(error_type AS VARCHAR)), min(line_byte_position), "
        "min(csv_line), max(error_message) FILTER (WHERE error_type = 'LINE SIZE OVER MAXIMUM') "
        "FROM reject_errors GROUP BY line ORDER BY line"
    )
    with path.open("w", encoding="utf-8", newline="") as out, _Lines(source) as lines:
        out.write(",".join(COLUMNS) + "\n")
        while rows := cursor.fetchmany(1024):
            for line, error, position, text, message in rows:
                # With CR LF line ends DuckDB's text starts with the previous line's LF.
                text = (text or "").lstrip("\r\n")
                pieces: Iterator[str] | None = None
                if position is not None and (
                    len(text.encode("utf-8")) >= _CUT or error == "LINE SIZE OVER MAXIMUM"
                ):
                    size = _ACTUAL_SIZE.search(message or "")
                    pieces = lines.at(int(position), text, int(size[1]) if size else None)
                label = error_label(str(error), max_line_bytes)
                out.write(f"{_cell(str(line or ''))},{_cell(label)},")
                _write_cell(out, pieces if pieces is not None else iter([text]))
                out.write("\n")


def _cell(value: str) -> str:
    text = safe_cell(value)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _write_cell(out: IO[str], pieces: Iterator[str]) -> None:
    out.write('"')
    for piece in safe_stream(pieces):
        out.write(piece.replace('"', '""'))
    out.write('"')


class _Lines:
    """Reads whole lines of the input (gzip or not) at the byte positions DuckDB logged."""

    def __init__(self, source: InputFile) -> None:
        self.source = source
        self.handle: Any = None  # opened on first use, closed by __exit__

    def __enter__(self) -> _Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()

    def _open(self) -> Any:
        if self.handle is None:
            path = self.source.path
            self.handle = gzip.open(path, "rb") if self.source.gzip else path.open("rb")  # noqa: SIM115
        return self.handle

    def at(self, position: int, text: str, size: int | None) -> Iterator[str] | None:
        """The line DuckDB logged at ``position`` (one past its start), or None when the
        bytes there are not the line it logged (then its own, shortened, text is kept)."""
        handle = self._open()
        # DuckDB's position is one past where it saw the line begin: the line's first byte,
        # or with CR LF line ends the LF before it.
        start = max(position - 1, 0)
        try:
            if handle.tell() > start:
                handle.seek(0)  # gzip streams seek forward cheaply, backward from the start
            handle.seek(start)
            first = handle.read(1)
            if first == b"\n":
                start += 1
            else:
                handle.seek(start)
            expected = text[:64].encode("utf-8")
            if handle.read(len(expected)) != expected:
                return None
            handle.seek(start)
        except (OSError, EOFError):
            return None
        return self._read(handle, size)

    @staticmethod
    def _read(handle: IO[bytes], size: int | None) -> Iterator[str]:
        """Pieces of text up to the end of the line (``size`` bytes when DuckDB measured it)."""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        left, carry = size, b""
        while True:
            want = _PIECE if left is None else min(_PIECE, left)
            piece = handle.read(want) if want > 0 else b""
            if left is not None:
                left -= len(piece)
            data = carry + piece
            end = data.find(b"\n") if left is None else -1
            if end >= 0:
                data = data[:end]
            if not piece or end >= 0 or left == 0:
                yield decoder.decode(data.removesuffix(b"\r"), final=True)
                return
            # A CR at the end of a piece may be the first half of a CR LF: keep it back.
            carry = b"\r" if data.endswith(b"\r") else b""
            yield decoder.decode(data[: len(data) - len(carry)])
