"""Entries in and out of SQL: the row shape, and a streamed insert of one list version."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice
from typing import Any

from precert.models import Contact, Entry, ListPolicy, ListVersion, Status

ENTRY_COLUMNS = (
    "e.table_no, e.table_title, e.line, e.page, e.code, "
    # '' stands for the table's header, stored once per version and table (schema 5).
    "CASE e.columns WHEN '' THEN (SELECT h.columns FROM headers h "
    "WHERE h.version_id = e.version_id AND h.table_no = e.table_no) ELSE e.columns END, "
    "e.raw, e.product, "
    "e.category_raw, e.category, e.description_raw, e.description, e.status_raw, e.status, "
    "e.platform, e.notation, v.list_id, v.version, e.qualifier, e.effective, e.end_date, "
    "e.announced, e.removed, e.modifiers, e.contact, e.notes, e.published, e.source_file, "
    "e.source_url, e.categorized, e.states"
)
# Python's sqlite3 binds None slowly (it looks for an adapter first, and fails): a nullable
# column is bound as the integer 0 where its value is None and turned back into NULL here. No
# text (a date, a qualifier, a contact's JSON, a URL, a category) compares equal to the
# integer 0, so every other value is stored as given.
_NULLABLE = ("category", "qualifier", "effective", "end_date", "announced", "contact",
             "source_url")  # fmt: skip
_STORED = (
    "id", "version_id", "table_no", "table_title", "line", "page", "code", "columns", "raw",
    "product", "category_raw", "category", "description_raw", "description", "status_raw",
    "status", "platform", "notation", "qualifier", "effective", "end_date", "announced",
    "removed", "modifiers", "contact", "notes", "published", "source_file", "source_url",
    "categorized", "states",
)  # fmt: skip
_INSERT = (
    f"INSERT INTO entries ({', '.join(_STORED)}) VALUES ("
    + ", ".join("NULLIF(?, 0)" if name in _NULLABLE else "?" for name in _STORED)
    + ")"
)
# A chunk's search index rows: the i-th search text (a JSON array's element i) goes with the
# entry of id first + i; json_each is the outer loop (CROSS JOIN), each entry found by its id.
_INDEX_CHUNK = (
    "INSERT INTO entries_fts (rowid, code, description, category, notes) "
    "SELECT e.id, e.code, e.description, COALESCE(e.category, ''), j.value "
    "FROM json_each(?) AS j CROSS JOIN entries AS e ON e.id = ? + j.key ORDER BY j.key"
)
_quoted = json.encoder.encode_basestring_ascii  # one JSON string, as json.dumps writes it
_CHUNK = 5000  # rows per executemany: memory stays flat however long the list is
_FTS_AUTOMERGE = 4  # FTS5's default, for an index that never had it set
_IMPORT_CACHE = -65536  # KiB (64 MiB) of page cache during an import


def _date(text: object) -> dt.date | None:
    return dt.date.fromisoformat(str(text)) if text else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def entry_from_row(row: sqlite3.Row | tuple[object, ...]) -> Entry:
    """The Entry a ``SELECT {ENTRY_COLUMNS}`` row holds."""
    (
        table, table_title, line, page, code, columns, raw, product, category_raw, category,
        description_raw, description, status_raw, status, platform, notation, list_id, version,
        qualifier, effective, end, announced, removed, modifiers, contact, notes, published,
        source_file, source_url, categorized, states,
    ) = row  # fmt: skip
    return Entry(
        list_id=str(list_id),
        version=str(version),
        table=int(str(table)),
        table_title=str(table_title),
        line=int(str(line)),
        page=int(str(page)),
        code=str(code),
        raw=tuple(json.loads(str(raw))),
        columns=_header(str(columns)),
        product=str(product),
        category_raw=str(category_raw),
        category=None if category is None else str(category),
        description_raw=str(description_raw),
        description=str(description),
        status_raw=str(status_raw),
        status=Status(str(status)),
        platform=str(platform),
        notation=str(notation),
        qualifier=None if qualifier is None else str(qualifier),
        effective=_date(effective),
        end=_date(end),
        announced=_date(announced),
        removed=bool(removed),
        modifiers=tuple(json.loads(str(modifiers))) if modifiers else (),
        contact=Contact.from_dict(json.loads(str(contact))) if contact else None,
        notes=tuple(json.loads(str(notes))),
        published=str(published),
        source_file=str(source_file),
        source_url=None if source_url is None else str(source_url),
        categorized=bool(categorized),
        states=tuple(str(states).split(",")) if states else (),
    )


# An entry as its fields in the order Entry declares them (``Entry(*fields)`` is the entry):
# imports stream these, so that a 100,000-row list does not build 100,000 Entry objects
# only to take them apart again here.
EntryFields = tuple[Any, ...]
_FIELD = {f.name: i for i, f in enumerate(dataclasses.fields(Entry))}
_CODE, _CATEGORY, _DESCRIPTION = _FIELD["code"], _FIELD["category"], _FIELD["description"]
_PAGE, _SOURCE_FILE = _FIELD["page"], _FIELD["source_file"]


def _values(
    entry_id: int, version_id: int, f: EntryFields, headers: dict[int, str]
) -> tuple[object, ...]:
    # One unpacking of the fields (Entry's order), not thirty subscripts: this runs per row.
    (
        _, _, table, table_title, line, page, code, raw, columns, product, category_raw,
        category, description_raw, description, status_raw, status, platform, notation,
        qualifier, effective, end, announced, removed, modifiers, contact, notes, published,
        source_file, source_url, categorized, states,
    ) = f  # fmt: skip
    header = _header_json(columns)
    # The first row of a table gives the table's header (stored once, in `headers`); a row
    # with that header stores '' instead of repeating it.
    stored = "" if headers.setdefault(table, header) == header else header
    # None goes in as 0 (see _NULLABLE).
    return (
        entry_id, version_id, table, table_title, line, page, code, stored, texts_json(raw),
        product, category_raw, 0 if category is None else category, description_raw,
        description, status_raw, status.value, platform, notation,
        0 if qualifier is None else qualifier, effective.isoformat() if effective else 0,
        end.isoformat() if end else 0, announced.isoformat() if announced else 0,
        int(removed), texts_json(modifiers) if modifiers else "",
        _contact_json(contact) if contact else 0, texts_json(notes) if notes else "[]",
        published, source_file, 0 if source_url is None else source_url, int(categorized),
        ",".join(states),
    )  # fmt: skip


def texts_json(texts: tuple[str, ...]) -> str:
    """``json.dumps(texts)`` for a tuple of strings, without building an encoder per call
    (json.dumps does; this is one C call per string)."""
    return "[" + ", ".join(map(_quoted, texts)) + "]"


@lru_cache(maxsize=1024)
def _contact_json(contact: Contact) -> str:
    """A contact as stored (rows of one list share a few contacts: encoded once each)."""
    return json.dumps(contact.to_dict())


def insert_version(
    db: sqlite3.Connection,
    version: ListVersion,
    rows: Iterable[tuple[EntryFields, str]],
    *,
    footer: str,
    list_title: str,
) -> int:
    """Insert a list (if new), one version and its entries (each as its fields, with its search
    text), streamed in chunks; the caller holds the transaction. Returns the number of entries.
    The version's page count is known once its rows are all in (see insert_entries)."""
    db.execute(
        "INSERT INTO lists (id, title, payer, line_of_business, program, platform) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
        (
            version.list_id, list_title, version.payer, version.line_of_business,
            version.program, version.platform,
        ),
    )  # fmt: skip
    cursor = db.execute(
        "INSERT INTO versions (list_id, version, title, source_name, sha256, effective, "
        "rows, pages, footer, policy) VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?)",
        (
            version.list_id, version.version, version.title, version.source_name,
            version.sha256, _iso(version.effective), footer,
            json.dumps(version.policy.to_dict()),
        ),
    )  # fmt: skip
    return insert_entries(db, int(cursor.lastrowid or 0), rows)


def insert_entries(
    db: sqlite3.Connection, version_id: int, rows: Iterable[tuple[EntryFields, str]]
) -> int:
    """Insert a version's entries (with their search text), streamed in chunks, and record
    their count and pages (the pages of its files: each file's highest page a row is on, 0
    for formats without pages) on the version; the caller holds the transaction. Returns the
    count."""
    next_id = int(db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM entries").fetchone()[0])
    count = 0
    pages: dict[str, int] = {}  # file: the highest page a row of it is on
    # A larger page cache while the rows go in: the entries' code index and the search index
    # take their pages in no order, and SQLite's default 2 MB cache spills them to the log
    # again and again. Per connection; restored however the import ends.
    cache = int(db.execute("PRAGMA cache_size").fetchone()[0])
    db.execute(f"PRAGMA cache_size = {_IMPORT_CACHE}")
    headers: dict[int, str] = {}  # table number: its header's JSON, as its first row gave it
    # The search index does not merge its segments while the rows go in (merging as it goes
    # rewrites what it has just written, ~10 % of the indexing); it holds a few more, smaller
    # segments afterwards, which searches read as fast. Set back below, within the
    # transaction: a rollback undoes both.
    merge = db.execute("SELECT v FROM entries_fts_config WHERE k = 'automerge'").fetchone()
    db.execute("INSERT INTO entries_fts (entries_fts, rank) VALUES ('automerge', 0)")
    try:
        for chunk in _chunks(iter(rows)):
            first = next_id + count
            db.executemany(
                _INSERT,
                [_values(first + i, version_id, f, headers) for i, (f, _) in enumerate(chunk)],
            )
            _index(db, first, chunk)
            count += len(chunk)
            for f, _ in chunk:
                if f[_PAGE] > pages.get(f[_SOURCE_FILE], 0):
                    pages[f[_SOURCE_FILE]] = f[_PAGE]
    finally:
        db.execute(f"PRAGMA cache_size = {cache}")
    db.execute(
        "INSERT INTO entries_fts (entries_fts, rank) VALUES ('automerge', ?)",
        (_FTS_AUTOMERGE if merge is None else merge[0],),
    )
    db.executemany(
        "INSERT INTO headers (version_id, table_no, columns) VALUES (?, ?, ?)",
        [(version_id, table, header) for table, header in headers.items()],
    )
    db.execute(
        "UPDATE versions SET rows = ?, pages = ? WHERE id = ?",
        (count, sum(pages.values()), version_id),
    )
    return count


def _index(db: sqlite3.Connection, first: int, chunk: list[tuple[EntryFields, str]]) -> None:
    """Index a chunk of entries just inserted (ids ``first`` on) for search: their code, clean
    description and category from their rows, their search text from one JSON array bound
    once, so SQLite reads the chunk in one statement instead of 5 values a row from Python.
    A text with a NUL (which SQLite's JSON would cut there) goes row by row."""
    texts = json.dumps([text for _, text in chunk], ensure_ascii=False)
    if "\\u0000" not in texts:
        db.execute(_INDEX_CHUNK, (texts, first))
        return
    db.executemany(
        "INSERT INTO entries_fts (rowid, code, description, category, notes) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (first + i, f[_CODE], f[_DESCRIPTION], f[_CATEGORY] or "", text)
            for i, (f, text) in enumerate(chunk)
        ],
    )


def refill_version(
    db: sqlite3.Connection,
    list_id: str,
    version: str,
    sha256: str,
    policy: ListPolicy,
    rows: Iterable[tuple[EntryFields, str]],
) -> int:
    """Replace one version's entries, file hash and policy in place (same version row, so its order
    among the list's versions stays); the caller holds the transaction. For versions stored
    before schema 3, whose rows lack what profiles read (contacts, dates, list policy)."""
    found = db.execute(
        "SELECT id FROM versions WHERE list_id = ? AND version = ?", (list_id, version)
    ).fetchone()
    version_id = int(found[0])
    db.execute(
        "DELETE FROM entries_fts WHERE rowid IN (SELECT id FROM entries WHERE version_id = ?)",
        (version_id,),
    )
    db.execute("DELETE FROM entries WHERE version_id = ?", (version_id,))
    db.execute("DELETE FROM headers WHERE version_id = ?", (version_id,))
    db.execute(
        "UPDATE versions SET policy = ?, sha256 = ? WHERE id = ?",
        (json.dumps(policy.to_dict()), sha256, version_id),
    )
    return insert_entries(db, version_id, rows)


@lru_cache(maxsize=256)
def _header(text: str) -> tuple[str, ...]:
    """A stored header read back (a table's rows share one: decoded once, not per row)."""
    return tuple(json.loads(text))


@lru_cache(maxsize=256)
def _header_json(columns: tuple[str, ...]) -> str:
    """A table's header as stored with each row (one encoding per table, not per row)."""
    return json.dumps(columns)


def _chunks(
    rows: Iterator[tuple[EntryFields, str]],
) -> Iterator[list[tuple[EntryFields, str]]]:
    while chunk := list(islice(rows, _CHUNK)):
        yield chunk


def policy_of(text: object) -> ListPolicy:
    """The policy stored with a version."""
    return ListPolicy.from_dict(json.loads(str(text or "{}")))
