"""Recognize an input file (CSV/TSV, gzip, Parquet, XLSX, JSON lines) and its text encoding."""

from __future__ import annotations

import codecs
import gzip
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from precert.columns import MAX_COLUMNS
from precert.readers import ReaderError

CSV, PARQUET, XLSX, JSONL = "csv", "parquet", "xlsx", "jsonl"
OUTPUT_FORMATS = {
    ".csv": CSV,
    ".parquet": PARQUET,
    ".pq": PARQUET,
    ".jsonl": JSONL,
    ".ndjson": JSONL,
    ".json": JSONL,
}
_EXTENSIONS = {
    ".csv": CSV,
    ".tsv": CSV,
    ".txt": CSV,
    ".tab": CSV,
    ".psv": CSV,
    ".parquet": PARQUET,
    ".pq": PARQUET,
    ".xlsx": XLSX,
    ".xlsm": XLSX,
    ".jsonl": JSONL,
    ".ndjson": JSONL,
    ".json": JSONL,
}
_SAMPLE = 1 << 20
_MAX_FOOTER = 16 << 20
_PIECE = 1 << 22
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class InputFile:
    """What an input file is: its format, compression and (for text) encoding."""

    path: Path
    format: str
    gzip: bool = False
    encoding: str = "utf-8"
    original: Path | None = None  # the user's file when `path` is a converted copy
    converted_from: str | None = None  # the user's encoding or format before conversion
    delimiter: str = ","
    header: tuple[str, ...] = ()  # column names of a delimited text, unique
    skip: int = 0  # blank lines before the header line of a delimited text
    longest: int = 0  # bytes in the longest line of a delimited text, when over _PIECE

    @property
    def name(self) -> str:
        """The file name the user gave, for messages."""
        return str(self.original or self.path)


def output_format(path: Path) -> str:
    """The output format chosen by the file extension of ``-o``."""
    fmt = OUTPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"cannot write {path.name!r}: the output name must end in .csv, .parquet or .jsonl"
        )
    return fmt


def detect(path: Path) -> InputFile:
    """Tell the format from the file's first bytes (falling back to its extension)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise ReaderError(path, None, f"cannot read file: {exc.strerror or exc}") from exc
    if head.startswith(b"PAR1"):
        check_width(str(path), parquet_columns(path))
        return InputFile(path, PARQUET)
    if head.startswith(b"PK\x03\x04"):
        return InputFile(path, XLSX)
    compressed = head.startswith(_GZIP_MAGIC)
    sample = _sample(path, compressed)
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    by_name = _EXTENSIONS.get(suffixes[-1]) if suffixes else None
    if by_name in (PARQUET, XLSX):
        raise ReaderError(
            path,
            None,
            f"the name says {by_name.upper()} but the content is not a {by_name.upper()} file",
        )
    encoding = detect_encoding(path, sample)
    decoded = sample.decode(encoding, errors="replace").lstrip("\ufeff")
    text = decoded.lstrip(" \t\r\n")
    if not text:
        raise ReaderError(
            path, None, "the file is empty: expected a header line naming the columns (e.g. hcpcs)"
        )
    fmt = JSONL if by_name == JSONL or (by_name is None and text.startswith("{")) else CSV
    if fmt == JSONL:
        return InputFile(path, fmt, gzip=compressed, encoding=encoding)
    sep = delimiter(text)
    # The header is the first line with text: blank lines before it are skipped, not read
    # as the header (which would make the real header a row of data).
    skip = decoded[: len(decoded) - len(text)].count("\n")
    check_header(path, skip + 1, text, sep, whole=len(sample) < _SAMPLE)
    if (
        skip
        and len({line.endswith("\r") for line in decoded.split("\n", skip + 1)[: skip + 1]}) > 1
    ):
        # DuckDB then reads no rows at all, silently: refuse instead of losing them.
        raise ReaderError(
            path,
            skip + 1,
            "the blank lines before the header end differently (CR LF / LF) from the header "
            "line; remove them and try again",
        )
    return InputFile(
        path,
        fmt,
        gzip=compressed,
        encoding=encoding,
        delimiter=sep,
        header=header_names(text, sep),
        skip=skip,
    )


def header_names(text: str, sep: str) -> tuple[str, ...]:
    """The header row's names, made unique the way DuckDB does (``a``, ``a_1``); blank -> colN."""
    import csv
    import io

    row = next(csv.reader(io.StringIO(text), delimiter=sep, quotechar='"'), [])
    names: list[str] = []
    for i, cell in enumerate(row):
        base = cell or f"column{i}"
        name, n = base, 0
        while name in names:
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    return tuple(names)


def delimiter(text: str) -> str:
    """The delimiter of a delimited text, from its header line (the line least likely broken).

    Counted outside double quotes; a header with none of them is one column (comma).
    """
    header, _ = _header_line(text)
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_line(text: str) -> tuple[str, bool]:
    """The header line's characters outside double quotes, and whether the line ended."""
    header: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            return "".join(header), True
        elif not quoted:
            header.append(char)
    return "".join(header), False


def check_header(path: Path, line: int, text: str, sep: str, whole: bool) -> None:
    """Refuse a header (on ``line``) too wide to screen, before any reader spends time on it.

    ``whole`` says the sample is the whole file (a header without a line end is complete).
    """
    header, ended = _header_line(text)
    if not ended and not whole:
        raise ReaderError(
            path,
            line,
            f"the header line is longer than {_SAMPLE:,} bytes (at least "
            f"{header.count(sep) + 1:,} columns); precert reads up to {MAX_COLUMNS:,} columns",
        )
    columns = header.count(sep) + 1
    if columns > MAX_COLUMNS:
        raise ReaderError(
            path,
            line,
            f"the header has {columns:,} columns; precert reads up to {MAX_COLUMNS:,} (is this "
            "an order or claim file, with one row per line?)",
        )


def parquet_columns(path: Path) -> int:
    """How many columns a Parquet file has, read from its footer (refused when the footer
    alone is too large to be a file of orders)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with path.open("rb") as handle:
            handle.seek(-8, 2)
            tail = handle.read(8)
        footer = int.from_bytes(tail[:4], "little")
        if tail[4:] != b"PAR1":
            raise ReaderError(path, None, "not a complete Parquet file (no footer)")
        if footer > _MAX_FOOTER:
            raise ReaderError(
                path,
                None,
                f"the Parquet footer alone is {footer:,} bytes (tens of thousands of columns?); "
                f"precert reads up to {MAX_COLUMNS:,} columns",
            )
        return len(pq.read_schema(path))
    except (OSError, pa.ArrowException) as exc:
        raise ReaderError(path, None, f"cannot read this Parquet file: {exc}") from None


def check_width(name: str, columns: int) -> None:
    """Refuse an input (any format) with more columns than precert screens."""
    if columns > MAX_COLUMNS:
        raise ReaderError(
            name,
            None,
            f"the input has {columns:,} columns; precert reads up to {MAX_COLUMNS:,} (is this "
            "an order or claim file, with one row per line?)",
        )


def _sample(path: Path, compressed: bool) -> bytes:
    try:
        if compressed:
            with gzip.open(path, "rb") as handle:
                return handle.read(_SAMPLE)
        with path.open("rb") as handle:
            return handle.read(_SAMPLE)
    except (OSError, EOFError) as exc:
        raise ReaderError(path, None, f"cannot read file: {exc}") from exc


def detect_encoding(path: Path, sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252; else a clear error."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if b"\x00" in sample:
        raise ReaderError(
            path,
            None,
            "this is not a text file (it holds NUL bytes); expected "
            "CSV/TSV, Parquet, XLSX or JSON lines",
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the sample's end is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ReaderError(
            path,
            None,
            "the text is neither UTF-8 nor Windows-1252 (byte "
            f"0x{sample[exc.start]:02x} at offset {exc.start}); save it as "
            "UTF-8 and try again",
        ) from exc
    return "cp1252"


def is_utf8(source: InputFile) -> bool:
    """Whether the whole text is valid UTF-8 (a streaming check, ~1 GB/s)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    opener = gzip.open if source.gzip else open
    try:
        with opener(source.path, "rb") as raw:
            while chunk := raw.read(1 << 22):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    except (OSError, EOFError) as exc:
        raise ReaderError(source.name, None, f"cannot read file: {exc}") from exc
    return True


def to_utf8(source: InputFile, workdir: Path) -> InputFile:
    """Copy a text file into UTF-8 (streaming, bounded memory) so every reader can use it."""
    target = workdir / ("input-utf8" + (".jsonl" if source.format == JSONL else ".csv"))
    opener = gzip.open if source.gzip else open
    try:
        with (
            opener(source.path, "rb") as raw,
            target.open("w", encoding="utf-8", newline="") as out,
        ):
            reader = codecs.getreader(source.encoding)(raw, "strict")
            shutil.copyfileobj(reader, out, 1 << 20)
    except UnicodeDecodeError as exc:
        raise ReaderError(
            source.name,
            None,
            f"the text is not valid {source.encoding}: "
            f"{exc.reason}; save it as UTF-8 and try again",
        ) from exc
    except (OSError, EOFError) as exc:
        raise ReaderError(source.name, None, f"cannot read file: {exc}") from exc
    return replace(
        source,
        path=target,
        gzip=False,
        encoding="utf-8",
        original=source.original or source.path,
        converted_from=source.encoding,
    )


def longest_line(source: InputFile) -> tuple[int, int]:
    """The longest line of a text, in bytes, and its line number, in one streaming pass.

    Only lines longer than a read piece (4 MB) are measured (shorter ones count as 0): the
    reader is then given a buffer big enough for them, since DuckDB's parallel CSV reader
    drops a line longer than its buffer without logging it.
    """
    opener = gzip.open if source.gzip else open
    run, line, best = 0, 1, (0, 0)
    try:
        with opener(source.path, "rb") as raw:
            while piece := raw.read(_PIECE):
                first = piece.find(b"\n")
                if first < 0:
                    run += len(piece)
                    continue
                if run + first > best[0]:
                    best = (run + first, line)
                line += piece.count(b"\n")
                run = len(piece) - piece.rfind(b"\n") - 1
    except (OSError, EOFError) as exc:
        raise ReaderError(source.name, None, f"cannot read file: {exc}") from exc
    return best if best[0] >= run else (run, line)
