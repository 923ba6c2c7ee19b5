"""Read the published text layout of a payer's PA code list (title blocks, tables, footer)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from precert.codes import system_of
from precert.readers import ReaderError

# Canonical field for each published column header (matched case-insensitively, ® tolerant).
_HEADER_FIELDS: dict[str, str] = {
    "product": "product",
    "category": "category",
    "cpt code": "code",
    "hcpcs code": "code",
    "code": "code",
    "cpt code description": "description",
    "hcpcs code description": "description",
    "code description": "description",
    "description": "description",
    "commercial prior authorization required?": "status",
    "prior authorization required?": "status",
    "commercial case build platform": "platform",
    "case build platform": "platform",
    "external notation": "notation",
    "notes": "notation",
}
REQUIRED_FIELDS = ("code", "description", "status")
STATUS_VALUES = {"yes": "Yes", "no": "No", "out of scope": "Out Of Scope"}
_TITLE = re.compile(r"^\*\*(.+?)\*\*\s*$")
_FOOTER = re.compile(r"^CPT copyright", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its source line and page, raw cells and cells by canonical field."""

    line: int
    page: int
    cells: tuple[str, ...]
    fields: dict[str, str]


@dataclass(slots=True)
class Table:
    """One table of the document: its title block, header and rows."""

    number: int
    titles: tuple[str, ...]
    columns: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    rows: list[Row] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The list title of this table (its last title line)."""
        return self.titles[-1] if self.titles else ""


@dataclass(slots=True)
class PublishedList:
    """A whole published document."""

    name: str
    sha256: str
    tables: list[Table]
    footer: str
    pages: int
    # False for an export whose title rows (payer, line of business, list) were left out.
    titled: bool = True

    @property
    def issuer(self) -> str:
        """First title line, e.g. "Cigna Commercial"."""
        return self.tables[0].titles[0] if self.tables and self.tables[0].titles else ""

    @property
    def title(self) -> str:
        """The first table's list title."""
        return self.tables[0].title if self.tables else ""


def _header_key(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.replace("®", "").replace("\u00ae", "")).strip().lower()


def _header_fields(cells: list[str]) -> tuple[str, ...] | None:
    keys = [_HEADER_FIELDS.get(_header_key(c)) for c in cells]
    if any(k is None for k in keys) or any(f not in keys for f in REQUIRED_FIELDS):
        return None
    return tuple(k for k in keys if k is not None)


def read_published_text(path: str | Path, name: str | None = None) -> PublishedList:
    """Read a published list in the text layout; raise ReaderError naming file and line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReaderError(path, None, f"cannot read file: {exc.strerror or exc}") from exc
    return parse_published_text(data, name or path.name)


def parse_published_text(data: bytes, name: str) -> PublishedList:
    """Parse the bytes of a published list; every unexpected line is an error with its number."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
        raise ReaderError(
            name, bad_line, "not UTF-8 text (expected the published text layout)"
        ) from exc
    tables: list[Table] = []
    pending_titles: list[str] = []
    current: Table | None = None
    footer = ""
    page = 0
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.rstrip("\r")
        if not line.strip():
            continue
        title = _TITLE.match(line.strip())
        if title:
            pending_titles.append(title.group(1).strip())
            current = None
            continue
        if _FOOTER.match(line.strip()):
            footer = line.strip()
            current = None
            continue
        cells = [c.strip() for c in line.split("\t")]
        fields = _header_fields(cells)
        if fields is not None:
            page += 1  # every repeated header row starts a new page of the PDF
            if pending_titles:
                current = Table(len(tables) + 1, tuple(pending_titles), tuple(cells), fields)
                tables.append(current)
                pending_titles = []
            elif tables and tables[-1].fields == fields:
                current = tables[-1]
            elif tables:
                raise ReaderError(
                    name,
                    number,
                    f"header row has {len(cells)} columns but table "
                    f"{tables[-1].number} has {len(tables[-1].fields)}; a new table needs a "
                    "title block (**…**) first",
                )
            else:
                raise ReaderError(name, number, "header row before any title block (**…**)")
            continue
        if current is None:
            raise ReaderError(
                name,
                number,
                "expected a title (**…**), a header row or the CPT copyright "
                f"footer here, found {_preview(line)}",
            )
        if len(cells) != len(current.fields):
            raise ReaderError(
                name,
                number,
                f"expected {len(current.fields)} tab-separated columns "
                f"({', '.join(current.columns)}), found {len(cells)}: {_preview(line)}",
            )
        row_fields = dict(zip(current.fields, cells, strict=True))
        code = row_fields["code"].upper()
        if system_of(code) is None:
            raise ReaderError(
                name,
                number,
                f"expected a code in column {current.fields.index('code') + 1} "
                f"({current.columns[current.fields.index('code')]}), found {row_fields['code']!r}",
            )
        status = STATUS_VALUES.get(row_fields["status"].strip().lower())
        if status is None:
            raise ReaderError(
                name,
                number,
                "expected Yes, No or Out Of Scope in column "
                f"{current.fields.index('status') + 1}, found {row_fields['status']!r}",
            )
        row_fields["code"] = code
        current.rows.append(Row(number, page, tuple(cells), row_fields))
    if pending_titles:
        raise ReaderError(name, None, f"title block {pending_titles[-1]!r} has no table after it")
    if not any(t.rows for t in tables):
        raise ReaderError(name, None, "no table rows found (expected the published text layout)")
    return PublishedList(name, hashlib.sha256(data).hexdigest(), tables, footer, page)


def _preview(line: str, limit: int = 60) -> str:
    line = line.replace("\t", " | ")
    return repr(line if len(line) <= limit else line[:limit] + "…")
