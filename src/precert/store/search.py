"""The search SQL: full-text candidates over the CMS HCPCS set and the lists' rows (FTS5)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence


class SearchMixin:
    """Search reads of :class:`precert.store.Store` (kept here so the SQL stays in one place)."""

    db: sqlite3.Connection

    def hcpcs_codes(self) -> frozenset[str]:
        """Every code (not modifier) of the loaded CMS HCPCS set."""
        rows = self.db.execute("SELECT code FROM hcpcs WHERE kind = 'code'")
        return frozenset(str(r[0]) for r in rows)

    def search(self, match: str, limit: int) -> list[tuple[int, float]]:
        """FTS5 match expression -> (entry id, bm25 rank), best first (code column weighs most)."""
        sql = (
            "SELECT rowid, bm25(entries_fts, 10.0, 2.0, 3.0, 1.0) AS rank FROM entries_fts "
            "WHERE entries_fts MATCH ? ORDER BY rank LIMIT ?"
        )
        return [(int(r[0]), float(r[1])) for r in self.db.execute(sql, (match, limit))]

    def vocabulary(self) -> list[tuple[str, int]]:
        """Every indexed term with its document count (for typo correction)."""
        return [
            (str(r[0]), int(r[1])) for r in self.db.execute("SELECT term, doc FROM entries_vocab")
        ]


def _placeholders(values: Sequence[object] | Iterable[object]) -> str:
    return ",".join("?" * len(list(values)))
