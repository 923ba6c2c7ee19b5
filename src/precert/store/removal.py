"""Removing a whole list (every version, entry and search row) in one transaction."""

from __future__ import annotations

import sqlite3


def remove_list(db: sqlite3.Connection, list_id: str) -> tuple[int, int]:
    """Delete list ``list_id`` and everything that hangs off it; returns (versions, rows).

    The caller holds the transaction. Children go first (foreign keys are enforced), the
    search index rows by the ids of the entries they index.
    """
    version_ids = [
        int(r[0]) for r in db.execute("SELECT id FROM versions WHERE list_id = ?", (list_id,))
    ]
    rows = 0
    for version_id in version_ids:
        db.execute(
            "DELETE FROM entries_fts WHERE rowid IN (SELECT id FROM entries WHERE version_id = ?)",
            (version_id,),
        )
        rows += db.execute("DELETE FROM entries WHERE version_id = ?", (version_id,)).rowcount
        db.execute("DELETE FROM headers WHERE version_id = ?", (version_id,))
    db.execute("DELETE FROM versions WHERE list_id = ?", (list_id,))
    db.execute("DELETE FROM lists WHERE id = ?", (list_id,))
    return len(version_ids), rows
