"""The CMS code set's search index: built by migration 2 from an older database, and rebuilt
whenever the code set is replaced."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from precert.models import HcpcsCode
from precert.service import DB_NAME, Precert
from precert.store import Store
from precert.store.schema import MIGRATIONS


def test_a_database_from_before_the_index_gets_it_filled_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(MIGRATIONS[0])
        db.execute(
            "INSERT INTO hcpcs VALUES ('E0100', 'code', 'Cane, includes canes of all materials', "
            "'Cane adjust/fixed with tip', NULL, NULL, NULL, '')"
        )
        db.execute("PRAGMA user_version = 1")
    store = Store.open(path)
    try:
        assert store.hcpcs_matches('"cane"*', 10)[0][:2] == (
            "E0100",
            "Cane, includes canes of all materials",
        )
        assert store.term_counts(["cane", "canes", "care"]) == {"cane": 1, "canes": 1}
    finally:
        store.close()


def test_replacing_the_code_set_rebuilds_the_index(home: Path) -> None:
    service = Precert(home)
    try:
        store = service.store
        codes = store.hcpcs()
        codes["E0100"] = HcpcsCode("E0100", "Zyzzyva walking stick", "Zyzzyva stick")
        store.replace_hcpcs("test.xlsx", "0" * 64, codes, store.hcpcs(kind="modifier"))
        assert [c for c, *_ in store.hcpcs_matches('"zyzzyva"*', 5)] == ["E0100"]
        assert {h.code for h in service.search("zyzzyva").hits} == {"E0100"}
        assert store.hcpcs_count() == len(codes)
    finally:
        service.close()
    assert (home / DB_NAME).exists()
