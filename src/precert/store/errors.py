"""The store's one error type and the translation of SQLite's errors into messages people act on.

``StoreError``: the database cannot be used; the message says why and what to do.
  ``DatabaseBusy``: another process holds the write lock longer than the busy timeout.
  ``DatabaseDamaged``: the file is a SQLite database with corrupt pages (or not one at all).
Everything else (disk full, read-only folder, I/O error) is a plain ``StoreError`` that names
SQLite's own words, so the real cause is never hidden behind a later symptom.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

DEFAULT_BUSY_TIMEOUT = 30.0  # seconds: long enough for a large import's commit to finish
BUSY_TIMEOUT_ENV = "PRECERT_BUSY_TIMEOUT"

# SQLite's primary result codes (https://sqlite.org/rescode.html).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT = 3, 5, 6, 8, 10, 11
_FULL, _CANTOPEN, _NOTADB = 13, 14, 26


class StoreError(RuntimeError):
    """The database cannot be used (corrupt, busy, full, newer than this program, …); says what
    to do."""


class DatabaseBusy(StoreError):
    """Another process kept the database locked for longer than the busy timeout."""


class DatabaseDamaged(StoreError):
    """The database file has corrupt pages, or is not a SQLite database."""


def busy_timeout() -> float:
    """Seconds to wait for another process's lock: ``PRECERT_BUSY_TIMEOUT``, else 30."""
    text = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_BUSY_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400:
        raise StoreError(f"{BUSY_TIMEOUT_ENV} must be a number of seconds, got {text!r}")
    return value


def rebuild_hint(path: Path) -> str:
    """What to do about a damaged database file."""
    return (
        f"run `precert rebuild` to move it aside and rebuild it from the bundled lists "
        f"(then re-import your own lists), or restore {path.name} from a backup"
    )


def store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """The StoreError that says what ``exc`` means for the database at ``path``."""
    code = getattr(exc, "sqlite_errorcode", -1) & 0xFF
    if code in (_BUSY, _LOCKED):
        return DatabaseBusy(
            f"{path} is locked by another process (another precert import may be running); "
            f"waited {busy_timeout():g} s for it. Try again when it has finished "
            f"({BUSY_TIMEOUT_ENV} sets how many seconds to wait)"
        )
    if code in (_CORRUPT, _NOTADB):
        return DatabaseDamaged(f"{path} is damaged ({exc}); {rebuild_hint(path)}")
    if code == _FULL:
        return StoreError(
            f"cannot write {path}: {exc}; nothing was changed. Free some space (or point "
            "PRECERT_HOME to a larger disk) and try again"
        )
    if code in (_READONLY, _PERM, _CANTOPEN):
        return StoreError(
            f"cannot write {path}: {exc}; is {path.parent} read-only? Nothing was changed. "
            "Set PRECERT_HOME to a folder precert may write to"
        )
    if code == _IOERR:
        return StoreError(f"cannot read or write {path}: {exc} (a disk or file system error)")
    return StoreError(f"{path}: {exc}")
