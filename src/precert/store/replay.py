"""A small SQLite ledger of token ids already used, shared by every worker of one server.

CDS Hooks clients sign a fresh JWT (with a unique ``jti``) per call; a token seen twice is a
replay. Each `precert serve --workers N` worker is its own process, so a memory-only record
would let a replay through on another worker: the record lives in a file they all open.
This is not the list database: it holds nothing but (issuer, jti, expiry), and rows are
deleted once their token could no longer pass.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS used (
    issuer TEXT NOT NULL,
    jti TEXT NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (issuer, jti)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS used_expires ON used (expires);
"""


class ReplayLedger:
    """Records (issuer, jti) pairs until they expire; :meth:`first_use` is atomic across
    processes (one write transaction per check)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 10000")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(_SCHEMA)

    def first_use(self, issuer: str, jti: str, expires: float, now: float) -> bool:
        """Record the token; False when it was already used and has not expired."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM used WHERE expires <= ?", (now,))
                inserted = self._db.execute(
                    "INSERT OR IGNORE INTO used (issuer, jti, expires) VALUES (?, ?, ?)",
                    (issuer, jti, expires),
                ).rowcount
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return inserted == 1

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()
