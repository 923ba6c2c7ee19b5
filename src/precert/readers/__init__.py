"""Adapters that read published files into plain rows.

A published list is read into a ``Grid`` (``precert.readers.grid``) by the reader registered
for its format in ``READERS``; ``read_grid`` picks the format from the file's first bytes and
its extension. Readers are named ``"module:function"`` and imported only when used, so
``precert check`` never pays for the PDF or spreadsheet libraries. The CMS HCPCS file has its
own reader (``precert.readers.hcpcs``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from precert.readers.grid import Grid


class ReaderError(ValueError):
    """A file could not be read: names the file, the line (when known) and what was expected.

    ``page`` is set for paged formats (PDF): the line is then the line on that page.
    """

    def __init__(
        self, file: str | Path, line: int | None, message: str, *, page: int | None = None
    ) -> None:
        self.file = str(file)
        self.line = line
        self.page = page
        self.message = message
        if page is not None:
            where = f"{self.file}: page {page}" + (f", line {line}" if line is not None else "")
        else:
            where = f"{self.file}:{line}" if line is not None else self.file
        super().__init__(f"{where}: {message}")


# Format name -> "module:function" of a reader ``read(path: Path) -> Grid``.
READERS: dict[str, str] = {
    "csv": "precert.readers.delimited:read_csv",
    "tsv": "precert.readers.delimited:read_tsv",
    "xlsx": "precert.readers.workbook:read_xlsx",
    "text": "precert.readers.textlayout:read_text",
    "html": "precert.readers.webpage:read_html",
    "pdf": "precert.readers.pdf:read_pdf",
}

# Extension -> format. ``.txt`` is the published text layout (Cigna's) unless its content says
# otherwise (see ``sniff_format``); content always wins over a misleading extension.
FORMATS_BY_SUFFIX: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "text",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}

_SNIFF_BYTES = 65536


def reader_for(format: str) -> Callable[[Path], Grid]:
    """The reader function registered for ``format`` (imported now, on first use)."""
    try:
        target = READERS[format]
    except KeyError:
        raise ValueError(
            f"unknown format {format!r}: expected one of {', '.join(READERS)}"
        ) from None
    module, _, function = target.partition(":")
    return cast("Callable[[Path], Grid]", getattr(importlib.import_module(module), function))


def read_grid(path: str | Path, format: str | None = None) -> Grid:
    """Read a published file as tables of text cells; ``format`` defaults to the sniffed one.

    A file whose bytes say what it is -- a PDF, a workbook, an HTML page -- is read as that
    whatever ``format`` says: a profile names the format its layout usually comes in, and the
    same layout is often published as a page, a PDF and a spreadsheet. Raises ``ReaderError``
    (file, line, message) for a file that cannot be read; CSV/TSV, XLSX and text-layout rows
    are streamed, so an error in a later row is raised while iterating the rows.
    """
    path = Path(path)
    if format is None:
        format = sniff_format(path)
    elif format not in READERS:
        raise ReaderError(
            path.name, None, f"unknown format {format!r}: expected one of {', '.join(READERS)}"
        )
    else:
        evident = _evident_format(path.name, _head(path))
        if evident is not None:
            format = evident
        elif format in ("pdf", "xlsx"):
            raise ReaderError(
                path.name, None, f"not a {format.upper()} file (its first bytes say so)"
            )
    return reader_for(format)(path)


def sniff_format(path: str | Path) -> str:
    """The format of a file, from its first bytes, then its extension, then its text.

    Signatures win over the extension (a "list.xls" download that is really an HTML page is
    read as HTML); text without a known extension is the published text layout when it has
    ``**title**`` lines, HTML when it has tags, else TSV when its first line has a tab, else
    CSV.
    """
    path = Path(path)
    head = _head(path)
    evident = _evident_format(path.name, head)
    if evident is not None:
        return evident
    suffix = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if suffix is None and b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Binary content under an unknown name. (A text extension with a stray NUL byte is
        # left to its reader, which names the line.)
        raise ReaderError(path.name, None, _UNKNOWN)
    if suffix in ("pdf", "xlsx"):
        # The extension promises a binary format the bytes do not have.
        raise ReaderError(path.name, None, f"not a {suffix.upper()} file (its first bytes say so)")
    text = _decode_head(head)
    lowered = text.lstrip().lower()
    if suffix in (None, "text") and ("<table" in lowered or "<html" in lowered):
        return "html"
    if suffix in ("csv", "tsv", "html"):
        return suffix
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if any(line.startswith("**") and line.endswith("**") and len(line) > 4 for line in lines):
        return "text"
    if lines and "\t" in lines[0]:
        return "tsv"
    if suffix == "text":
        return "text"
    return "csv"


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(_SNIFF_BYTES)
    except OSError as exc:
        raise ReaderError(path.name, None, f"cannot read file: {exc.strerror or exc}") from exc


def _evident_format(name: str, head: bytes) -> str | None:
    """The format the first bytes leave no doubt about (PDF, XLSX, an HTML page), else None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReaderError(
            name,
            None,
            "an old binary Excel workbook (.xls): save it as .xlsx or .csv and import that",
        )
    if _decode_head(head[:1024]).lstrip().lower().startswith(("<!doctype html", "<html")):
        return "html"
    return None


_UNKNOWN = (
    "not a format precert reads: expected CSV, TSV, XLSX, HTML, PDF or the published text layout"
)


def _decode_head(head: bytes) -> str:
    """The start of a file as text, in whichever encoding reads it (for sniffing only)."""
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="replace")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")
