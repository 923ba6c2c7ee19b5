"""The one module that speaks SQL: an embedded SQLite database of lists, versions and CMS codes."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from precert.models import Entry, HcpcsCode, ListPolicy, ListVersion
from precert.store.entries import ENTRY_COLUMNS as _ENTRY_COLUMNS
from precert.store.entries import EntryFields, insert_version, policy_of, refill_version
from precert.store.entries import entry_from_row as _entry
from precert.store.errors import (
    DatabaseBusy,
    DatabaseDamaged,
    StoreError,
    busy_timeout,
    rebuild_hint,
    store_error,
)
from precert.store.schema import MIGRATIONS, SCHEMA_VERSION
from precert.store.search import SearchMixin

__all__ = [
    "DatabaseBusy",
    "DatabaseDamaged",
    "DatabaseError",
    "EntryFields",
    "Store",
    "StoreError",
]

# Bytes every SQLite 3 database file starts with (https://sqlite.org/fileformat.html).
SQLITE_HEADER = b"SQLite format 3\x00"
# After a checkpoint the write-ahead log is truncated to this size, so one large import does not
# leave a file as large as itself beside the database for good.
_WAL_LIMIT = 64 * 1024 * 1024

DatabaseError = sqlite3.DatabaseError


def _date(text: object) -> dt.date | None:
    return dt.date.fromisoformat(str(text)) if text else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _hcpcs(row: tuple[object, ...]) -> HcpcsCode:
    code, long_d, short_d, added, effective, terminated, action = row
    return HcpcsCode(
        str(code),
        str(long_d),
        str(short_d),
        _date(added),
        _date(effective),
        _date(terminated),
        str(action),
    )


class Store(SearchMixin):
    """A SQLite file with the precert schema. Open with :meth:`open`."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.db = connection
        # The schema version the file had when this open migrated it (None: not migrated).
        self.migrated_from: int | None = None

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True, readonly: bool = False) -> Store:
        """Open (and migrate) a database file in WAL mode; ``create=False`` refuses a missing
        file; ``readonly`` opens an existing file for reading only (a read-only folder: no
        write-ahead log can be made there, so the file is read as immutable)."""
        path = Path(path)
        if (not create or readonly) and not path.exists():
            raise StoreError(f"no database at {path}")
        timeout = busy_timeout()
        # Read-only: no write-ahead log can be made in a read-only folder, so the file is read
        # as immutable (nothing can change it there anyway).
        target = f"{path.resolve().as_uri()}?mode=ro&immutable=1" if readonly else str(path)
        try:
            # One connection is shared by a server's threads; sqlite3 serializes its calls.
            db = sqlite3.connect(
                target,
                uri=readonly,
                isolation_level=None,
                timeout=timeout,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise store_error(exc, path) from exc
        store = cls(path, db)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                store._wal()
            store._migrate()
        except sqlite3.Error as exc:
            db.close()
            raise store_error(exc, path) from exc
        except BaseException:
            db.close()
            raise
        return store

    def _wal(self) -> None:
        # Write-ahead logging: readers (a server, `precert check`) keep answering from the last
        # committed state while an import writes, instead of waiting for its lock. The mode is
        # stored in the file, so this converts a database built before WAL once.
        if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute(f"PRAGMA journal_size_limit = {_WAL_LIMIT}")

    def verify(self) -> None:
        """Raise DatabaseDamaged unless ``PRAGMA quick_check`` finds the file sound."""
        try:
            problems = [str(r[0]) for r in self.db.execute("PRAGMA quick_check(5)")]
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc
        if problems != ["ok"]:
            raise DatabaseDamaged(
                f"{self.path} is damaged (PRAGMA quick_check: {'; '.join(problems)}); "
                f"{rebuild_hint(self.path)}"
            )

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def _migrate(self) -> None:
        current = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {current}, newer than this precert "
                f"({SCHEMA_VERSION}); upgrade precert or point PRECERT_HOME elsewhere"
            )
        if current == SCHEMA_VERSION:
            return
        with self.transaction():
            # Another process may have migrated while this one waited for the write lock.
            current = int(self.db.execute("PRAGMA user_version").fetchone()[0])
            if current < SCHEMA_VERSION:
                self.migrated_from = current
            for number in range(current, SCHEMA_VERSION):
                # executescript() would COMMIT first; run statement by statement instead.
                for statement in MIGRATIONS[number].split(";\n"):
                    if statement.strip():
                        self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def exclusive(self) -> bool:
        """True when no other connection has the file open, proved by leaving WAL mode (SQLite
        allows it only then); the file is left in rollback-journal mode. For moving it away."""
        self.db.execute("PRAGMA busy_timeout = 0")
        try:
            self.db.execute("PRAGMA journal_mode = DELETE").fetchone()
        except sqlite3.Error as exc:
            return not isinstance(store_error(exc, self.path), DatabaseBusy)
        return True

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: everything inside commits together or rolls back. SQLite's errors
        leave as StoreError naming their cause (busy, disk full, read-only, damaged)."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as exc:
            self._abort()
            if isinstance(exc, sqlite3.Error):
                raise store_error(exc, self.path) from exc
            raise

    def _abort(self) -> None:
        # After some errors (disk full, I/O error) SQLite has already rolled the transaction
        # back; a ROLLBACK then fails with "no transaction is active" and would hide the cause.
        if self.db.in_transaction:
            # The error being raised says what went wrong; a failed ROLLBACK's would not.
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

    def data_version(self) -> int:
        """Changes when another connection commits; lets caches notice imports elsewhere."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def is_empty(self) -> bool:
        """True before any list has been loaded."""
        return self.db.execute("SELECT 1 FROM versions LIMIT 1").fetchone() is None

    # -- lists and versions -------------------------------------------------------------

    def versions(self, list_id: str | None = None) -> list[ListVersion]:
        """All versions (of one list), in import order."""
        sql = (
            "SELECT v.list_id, v.version, v.title, l.payer, l.line_of_business, l.program, "
            "v.source_name, v.sha256, v.effective, v.rows, l.platform, v.policy FROM versions v "
            "JOIN lists l ON l.id = v.list_id"
        )
        args: tuple[str, ...] = ()
        if list_id is not None:
            sql += " WHERE v.list_id = ?"
            args = (list_id,)
        rows = self.db.execute(sql + " ORDER BY v.list_id, v.id", args).fetchall()
        return [
            ListVersion(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                _date(r[8]),
                r[9],
                r[10],
                policy_of(r[11]),
            )
            for r in rows
        ]

    def version_ids(self) -> dict[tuple[str, str], int]:
        """Map (list id, version label) to the row id."""
        rows = self.db.execute("SELECT list_id, version, id FROM versions")
        return {(r[0], r[1]): r[2] for r in rows}

    def find_version_by_sha(self, list_id: str, sha256: str) -> str | None:
        """The version label of a list already imported from a file with this hash."""
        row = self.db.execute(
            "SELECT version FROM versions WHERE list_id = ? AND sha256 = ?", (list_id, sha256)
        ).fetchone()
        return None if row is None else str(row[0])

    def insert_version(
        self,
        version: ListVersion,
        rows: Iterable[tuple[EntryFields, str]],
        *,
        footer: str,
        list_title: str,
    ) -> int:
        """Insert a list (if new), one version and its entries (each as Entry's fields, see
        :data:`EntryFields`) with their search text, in one transaction; rows are streamed (an
        exception while reading them rolls back). The version's pages are counted from its rows."""
        with self.transaction() as db:
            # Checked under the write lock: another import may have added this version (or this
            # file) while the caller was reading its file.
            taken = db.execute(
                "SELECT version FROM versions WHERE list_id = ? AND (version = ? OR sha256 = ?)",
                (version.list_id, version.version, version.sha256),
            ).fetchone()
            if taken is not None:
                raise StoreError(
                    f"list {version.list_id} changed while this import was reading its file "
                    f"(another import added {version.list_id} {taken[0]}); nothing was imported: "
                    "run the import again"
                )
            return insert_version(db, version, rows, footer=footer, list_title=list_title)

    def legacy_versions(self) -> list[tuple[str, str, str]]:
        """(list id, version, file hash) of versions stored before schema 3: their policy is
        empty and their rows lack contacts, dates and what else profiles read."""
        rows = self.db.execute(
            "SELECT list_id, version, sha256 FROM versions WHERE policy = '{}' ORDER BY id"
        )
        return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]

    def refill_version(
        self,
        list_id: str,
        version: str,
        sha256: str,
        policy: ListPolicy,
        rows: Iterable[tuple[EntryFields, str]],
    ) -> int:
        """Replace one version's rows, file hash and policy in one transaction (rows are
        streamed; an exception while reading them rolls back). Returns the number of rows."""
        with self.transaction() as db:
            return refill_version(db, list_id, version, sha256, policy, rows)

    def list_row(self, list_id: str) -> tuple[str, str, str, str, str] | None:
        """(title, payer, line of business, program, platform) of a list, or None."""
        row = self.db.execute(
            "SELECT title, payer, line_of_business, program, platform FROM lists WHERE id = ?",
            (list_id,),
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def remove_list(self, list_id: str) -> tuple[int, int]:
        """Remove a list with all its versions and rows, atomically; returns (versions, rows).

        Raises StoreError when no list has this id (nothing is changed)."""
        from precert.store.removal import remove_list

        with self.transaction() as db:
            if db.execute("SELECT 1 FROM lists WHERE id = ?", (list_id,)).fetchone() is None:
                raise StoreError(f"no list {list_id!r}")
            return remove_list(db, list_id)

    # -- entries --------------------------------------------------------------------------

    def entries(
        self, codes: Iterable[str] | None = None, versions: Sequence[tuple[str, str]] | None = None
    ) -> list[Entry]:
        """Entries for some codes (or all), of some versions (or all), in source order."""
        sql = f"SELECT {_ENTRY_COLUMNS} FROM entries e JOIN versions v ON v.id = e.version_id"
        where: list[str] = []
        args: list[object] = []
        if codes is not None:
            code_list = list(codes)
            if not code_list:
                return []
            where.append(f"e.code IN ({','.join('?' * len(code_list))})")
            args.extend(code_list)
        if versions is not None:
            if not versions:
                return []
            where.append(
                "(" + " OR ".join("(v.list_id = ? AND v.version = ?)" for _ in versions) + ")"
            )
            for list_id, version in versions:
                args.extend((list_id, version))
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY v.list_id, v.id, e.table_no, e.line"
        return [_entry(r) for r in self.db.execute(sql, args)]

    def entry_ids(self, ids: Sequence[int]) -> dict[int, Entry]:
        """Entries by row id (used by search)."""
        if not ids:
            return {}
        sql = (
            f"SELECT e.id, {_ENTRY_COLUMNS} FROM entries e JOIN versions v "
            f"ON v.id = e.version_id WHERE e.id IN ({','.join('?' * len(ids))})"
        )
        return {int(r[0]): _entry(r[1:]) for r in self.db.execute(sql, list(ids))}

    def version_rows(self, list_id: str, version: str) -> list[tuple[Any, ...]]:
        """Light rows of one version, in source order, for comparing versions quickly:
        (code, table, status_raw, notation, description_raw, category_raw, platform, states,
        line, status, id) -- no JSON cells, so 50,000 rows read in a fraction of a second."""
        sql = (
            "SELECT e.code, e.table_no, e.status_raw, e.notation, e.description_raw, "
            "e.category_raw, e.platform, e.states, e.line, e.status, e.id FROM entries e WHERE "
            "e.version_id = (SELECT id FROM versions WHERE list_id = ? AND version = ?) "
            "ORDER BY e.id"
        )
        return self.db.execute(sql, (list_id, version)).fetchall()

    # -- CMS HCPCS --------------------------------------------------------------------------

    def hcpcs(self, codes: Iterable[str] | None = None, kind: str = "code") -> dict[str, HcpcsCode]:
        """CMS records for some codes (or all) of a kind ("code" or "modifier")."""
        sql = (
            "SELECT code, long_description, short_description, added, effective, terminated, "
            "action FROM hcpcs WHERE kind = ?"
        )
        args: list[object] = [kind]
        if codes is not None:
            code_list = list(codes)
            if not code_list:
                return {}
            sql += f" AND code IN ({','.join('?' * len(code_list))})"
            args.extend(code_list)
        return {str(r[0]): _hcpcs(r) for r in self.db.execute(sql, args)}

    def hcpcs_codes(self) -> frozenset[str]:
        """Every code of the CMS code set (lists' ranges are expanded against it)."""
        return frozenset(
            r[0] for r in self.db.execute("SELECT code FROM hcpcs WHERE kind = 'code'")
        )

    def hcpcs_loaded(self) -> bool:
        """True once a CMS file has been loaded."""
        return self.db.execute("SELECT 1 FROM hcpcs_files LIMIT 1").fetchone() is not None

    def hcpcs_files(self) -> list[tuple[str, str, int, int]]:
        """(name, sha256, codes, modifiers) of the loaded CMS file(s)."""
        return [
            (r[0], r[1], r[2], r[3])
            for r in self.db.execute("SELECT name, sha256, codes, modifiers FROM hcpcs_files")
        ]

    def replace_hcpcs(
        self, name: str, sha256: str, codes: dict[str, HcpcsCode], modifiers: dict[str, HcpcsCode]
    ) -> None:
        """Replace the CMS code set with a newer file, atomically."""
        with self.transaction() as db:
            db.execute("DELETE FROM hcpcs")
            db.execute("DELETE FROM hcpcs_files")
            for kind, records in (("code", codes), ("modifier", modifiers)):
                db.executemany(
                    "INSERT INTO hcpcs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            r.code,
                            kind,
                            r.long_description,
                            r.short_description,
                            _iso(r.added),
                            _iso(r.effective),
                            _iso(r.terminated),
                            r.action,
                        )
                        for r in records.values()
                    ],
                )
            db.execute(
                "INSERT INTO hcpcs_files VALUES (?, ?, ?, ?)",
                (sha256, name, len(codes), len(modifiers)),
            )
            self.index_hcpcs()

    # -- maintenance ----------------------------------------------------------------------

    def dump(self) -> list[str]:
        """The whole database as SQL statements (tests compare dumps before and after)."""
        return list(self.db.iterdump())


def _mapped(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from exc

    return call


# Every public method turns SQLite's errors into StoreError (a corrupt page met by a read, a
# disk filling up during a write), so the doors map one error type and never show a traceback.
# transaction() maps its own (it is a context manager); open() and verify() do too.
_OWN_MAPPING = ("transaction", "verify")
for _name in dir(Store):  # dir(): methods from mixins (search) too
    _member = getattr(Store, _name)
    if not _name.startswith("_") and inspect.isfunction(_member) and _name not in _OWN_MAPPING:
        setattr(Store, _name, _mapped(_member))
