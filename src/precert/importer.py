"""Turn a read published list into entries (raw and clean) and load it as a list version."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from precert.models import Entry, ListVersion
from precert.readers.published import PublishedList, read_published_text
from precert.rules import clean_category, clean_description, published_status, row_rules
from precert.store import Store

BUNDLED_LIST_ID = "cigna-commercial-dme"
EVICORE_PLATFORM = "eviCore healthcare (CareCore National)"
_LIST_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
# Readers of other file formats by extension, as "module:function" so that only the reader a
# file needs is imported (the CLI must start fast); anything else is the published text layout.
READERS: dict[str, str] = {
    ".csv": "precert.readers.tabular:read_csv",
    ".tsv": "precert.readers.tabular:read_csv",
    ".xlsx": "precert.readers.tabular:read_xlsx",
}


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did."""

    list_id: str
    version: str
    rows: int
    codes: int
    created: bool
    message: str


def check_list_id(list_id: str) -> str:
    """List ids are short lowercase slugs (used in URLs and file names)."""
    if not _LIST_ID.fullmatch(list_id):
        raise ValueError(
            f"list id {list_id!r} is not valid: use lowercase letters, digits, '.', '_' and '-' "
            "(e.g. cigna-commercial-dme)"
        )
    return list_id


def identity(published: PublishedList) -> tuple[str, str, str]:
    """(payer, line of business, program) read from the title block ("Cigna Commercial", …)."""
    issuer = published.issuer.strip()
    payer, _, lob = issuer.rpartition(" ")
    if not payer:
        payer, lob = issuer or "Unknown payer", "Commercial"
    title = published.title
    program = title.split(":", 1)[1].strip() if ":" in title else title
    if program.lower().startswith("durable medical equipment"):
        program = "DME"
    return payer, lob, program


def read_list(path: str | Path) -> PublishedList:
    """Read a list file with the reader registered for its extension (default: published text)."""
    target = READERS.get(Path(path).suffix.lower())
    if target is None:
        return read_published_text(path)
    module, _, function = target.partition(":")
    reader: Callable[[str | Path], PublishedList] = getattr(
        importlib.import_module(module), function
    )
    return reader(path)


def entries_of(
    published: PublishedList, list_id: str, version: str
) -> tuple[list[Entry], list[str]]:
    """Build entries (raw cells kept, clean values added) and their searchable note text."""
    entries: list[Entry] = []
    notes: list[str] = []
    for table in published.tables:
        for row in table.rows:
            f = row.fields
            description_raw = f.get("description", "")
            notation = f.get("notation", "")
            entries.append(
                Entry(
                    list_id=list_id,
                    version=version,
                    table=table.number,
                    table_title=table.title,
                    line=row.line,
                    page=row.page,
                    code=f["code"],
                    raw=row.cells,
                    columns=table.columns,
                    product=f.get("product", ""),
                    category_raw=f.get("category", ""),
                    category=clean_category(f.get("category", "")),
                    description_raw=description_raw,
                    description=clean_description(description_raw),
                    status_raw=f["status"],
                    status=published_status(f["status"]),
                    platform=f.get("platform", ""),
                    notation=notation,
                )
            )
            notes.append(" ".join(row_rules(notation, description_raw).notes))
    return entries, notes


def import_published(
    store: Store,
    path: str | Path,
    *,
    list_id: str,
    effective: dt.date | None = None,
    payer: str | None = None,
    line_of_business: str | None = None,
    program: str | None = None,
    published: PublishedList | None = None,
) -> ImportResult:
    """Read a published file fully, then load it as a new version in one transaction.

    The file is parsed before the database is touched, so a malformed file changes nothing.
    Importing a file already imported into the same list is a no-op that says so.
    """
    check_list_id(list_id)
    payer = payer.strip() or None if payer is not None else None
    line_of_business = line_of_business.strip() or None if line_of_business is not None else None
    published = published or read_list(path)
    known = store.list_row(list_id)
    if known is not None:
        _, known_payer, known_lob, known_program, platform = known
        for given, have, what in (
            (payer, known_payer, "payer"),
            (line_of_business, known_lob, "line of business"),
        ):
            if given is not None and given.lower() != have.lower():
                raise ValueError(f"list {list_id} belongs to {what} {have!r}, not {given!r}")
    elif not published.titled and (payer is None or line_of_business is None):
        # Without title rows the only name is the file's: never guess whom a list binds.
        raise ValueError(
            f"{published.name} has no title rows naming the payer and line of business; "
            f"for a new list give them: --payer NAME --lob NAME"
        )
    existing = store.find_version_by_sha(list_id, published.sha256)
    if existing is not None:
        codes = len({r.fields["code"] for t in published.tables for r in t.rows})
        return ImportResult(
            list_id,
            existing,
            sum(len(t.rows) for t in published.tables),
            codes,
            False,
            f"{published.name} is already {list_id} {existing}; nothing to do"
            + (
                f" (versions are immutable: --effective {effective.isoformat()} was not applied)"
                if effective is not None
                else ""
            ),
        )
    read_payer, read_lob, read_program = identity(published)
    if known is not None:
        payer, line_of_business, program = known_payer, known_lob, known_program
    else:
        payer = payer or read_payer
        line_of_business = line_of_business or read_lob
        program = program or read_program
        platform = ""
    platforms = {r.fields.get("platform", "") for t in published.tables for r in t.rows}
    if not platform:
        platform = (
            EVICORE_PLATFORM
            if "CareCore National" in platforms
            else ", ".join(sorted(p for p in platforms if p))
        )
    number = len(store.versions(list_id)) + 1
    version = f"v{number}"
    entries, notes = entries_of(published, list_id, version)
    record = ListVersion(
        list_id,
        version,
        published.title,
        payer,
        line_of_business,
        program,
        published.name,
        published.sha256,
        effective,
        len(entries),
        platform,
    )
    store.insert_version(
        record,
        entries,
        pages=published.pages,
        footer=published.footer,
        list_title=published.title,
        notes_by_entry=notes,
    )
    codes = len({e.code for e in entries})
    when = effective.isoformat() if effective else "unknown (in force until a later version)"
    return ImportResult(
        list_id,
        version,
        len(entries),
        codes,
        True,
        f"imported {published.name} as {list_id} {version}: {len(entries)} rows, "
        f"{codes} codes, effective {when}",
    )
