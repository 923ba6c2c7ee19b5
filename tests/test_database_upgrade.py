"""A database made before schema 3 (before lists were read through profiles): the first open
fills in the bundled Cigna version from the bundled file (contacts, routing, dates, the list's
policy), loads the bundled lists it predates, and says what to do about lists the user imported.

The old database is made here the way precert 0.1 left it: schema 2 (migrations 1 and 2 only),
the real CMS code set, Cigna's real list with only the columns schema 2 had, and a user's list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
from pathlib import Path

from precert import Precert, Status
from precert.readers import read_grid
from precert.service import BUNDLED_LIST, DB_NAME
from precert.store.schema import MIGRATIONS

CIGNA = "cigna-commercial-dme"
OLD_ENTRY_COLUMNS = (
    "id, version_id, table_no, table_title, line, page, code, columns, raw, product, "
    "category_raw, category, description_raw, description, status_raw, status, platform, notation"
)
# The built database's rows with their header in place (schema 5 stores a table's header once,
# in `headers`, and '' in the rows that share it), as every row held it before schema 5.
OWN_HEADER = (
    "CASE e.columns WHEN '' THEN (SELECT h.columns FROM {db}headers h "
    "WHERE h.version_id = e.version_id AND h.table_no = e.table_no) ELSE e.columns END"
)
VERSION_COLUMNS = "list_id, version, title, source_name, sha256, effective, rows, pages, footer"


def schema_2_database(path: Path, built: Path) -> None:
    """Schema 2 holding Cigna's list and the CMS codes copied from ``built``, plus acme-dme
    (30 of Cigna's rows, imported by a user under another payer)."""
    db = sqlite3.connect(path)
    for migration in MIGRATIONS[:2]:
        db.executescript(migration)
    db.execute("ATTACH DATABASE ? AS new", (str(built),))
    db.executescript(
        f"""
        INSERT INTO hcpcs SELECT * FROM new.hcpcs;
        INSERT INTO hcpcs_files SELECT * FROM new.hcpcs_files;
        INSERT INTO hcpcs_fts (code, long_description, short_description)
            SELECT code, long_description, short_description FROM hcpcs WHERE kind = 'code';
        INSERT INTO lists SELECT * FROM new.lists WHERE id = '{CIGNA}';
        INSERT INTO versions (id, {VERSION_COLUMNS})
            SELECT id, {VERSION_COLUMNS} FROM new.versions WHERE list_id = '{CIGNA}';
        INSERT INTO entries ({OLD_ENTRY_COLUMNS})
            SELECT {OLD_ENTRY_COLUMNS.replace("columns", OWN_HEADER.format(db="new."))}
            FROM new.entries e WHERE version_id IN (SELECT id FROM versions);
        INSERT INTO lists VALUES ('acme-dme', 'Acme DME', 'Acme', 'Commercial', 'DME', '');
        INSERT INTO versions ({VERSION_COLUMNS})
            VALUES ('acme-dme', 'v1', 'Acme DME', 'acme.csv', 'abc123', NULL, 30, 0, '');
        INSERT INTO entries ({OLD_ENTRY_COLUMNS})
            SELECT id + 100000, (SELECT id FROM versions WHERE list_id = 'acme-dme'), table_no,
                   table_title, line, page, code, columns, raw, product, category_raw, category,
                   description_raw, description, status_raw, status, platform, notation
            FROM entries ORDER BY id LIMIT 30;
        INSERT INTO entries_fts (rowid, code, description, category, notes)
            SELECT id, code, description, COALESCE(category, ''), '' FROM entries;
        """
    )
    # precert 0.1 recorded the hash of the text file's bytes (today's reader hashes its lines).
    db.execute(
        "UPDATE versions SET sha256 = ? WHERE list_id = ?",
        (hashlib.sha256(BUNDLED_LIST.read_bytes()).hexdigest(), CIGNA),
    )
    db.commit()
    db.execute("DETACH DATABASE new")
    db.execute("PRAGMA user_version = 2")
    db.close()


def test_a_schema_2_database_gets_cignas_contacts_and_medicare_on_first_open(
    tmp_path: Path, built_db: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    schema_2_database(home / DB_NAME, built_db)
    service = Precert(home)
    _ = service.store
    filled, left = service.notices
    assert f"filled in {CIGNA} v1 from the bundled files" in filled
    assert "loaded the bundled lists it lacked: medicare-dmepos-pa" in filled
    assert "acme-dme v1 was imported by an earlier precert" in left
    assert "precert lists remove ID --yes" in left and "precert rebuild" in left
    # Cigna's answers route again: eviCore by default, Cigna's phone where a row says so.
    vent = service.determine_one("E0466", payer="Cigna")
    assert vent.status is Status.REQUIRED and vent.submit_to is not None
    assert vent.submit_to.name.startswith("eviCore")
    phone_row = next(
        line.split("\t") for line in BUNDLED_LIST.read_text(encoding="utf-8").splitlines()
        if "888-454-0013" in line
    )  # fmt: skip
    cigna_phone = service.determine_one(phone_row[2], payer="Cigna")
    assert cigna_phone.submit_to is not None and cigna_phone.submit_to.phone == "888-454-0013"
    unlisted = service.determine_one("E0100", payer="Cigna")
    assert unlisted.status is Status.NOT_LISTED
    assert unlisted.more_info is not None  # the list's policy is back
    # The same version (label, file, place among versions), its rows read again.
    (cigna,) = service.versions(CIGNA)
    assert (cigna.version, cigna.rows) == ("v1", 643)
    assert cigna.sha256 == read_grid(BUNDLED_LIST).sha256  # the same file imports as a no-op
    assert not service.import_list(BUNDLED_LIST, list_id=CIGNA).created
    medicare = service.determine_one("K0856", payer="Medicare", state="TX")
    assert medicare.submit_to is not None and "Jurisdiction C" in medicare.submit_to.name
    assert service.search("ventilator", payer="Cigna").hits  # the search index follows
    service.close()
    # Once: the next open fills nothing again, and still says what to do about acme-dme.
    again = Precert(home)
    _ = again.store
    assert len(again.notices) == 1 and "acme-dme v1" in again.notices[0]
    assert [v.list_id for v in again.versions()].count("medicare-dmepos-pa") == 3
    again.close()


def test_a_schema_3_database_reads_its_bundled_lists_again_for_the_states_rows_are_for(
    tmp_path: Path, built_db: Path
) -> None:
    # Schema 3 as precert left it before rows could be for members of some states only: the
    # built database without the states column, its rows therefore for every state.
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(built_db, home / DB_NAME)
    db = sqlite3.connect(home / DB_NAME)
    db.execute("ALTER TABLE entries DROP COLUMN states")
    db.execute(f"UPDATE entries AS e SET columns = {OWN_HEADER.format(db='')}")
    db.execute("DROP TABLE headers")
    db.execute("PRAGMA user_version = 3")
    db.commit()
    db.close()
    service = Precert(home)
    texas = service.determine_one("E0748", payer="Medicare", state="TX", date=dt.date(2024, 8, 20))
    assert texas.status is Status.NOT_REQUIRED
    (notice,) = service.notices
    assert "medicare-dmepos-pa v1" in notice and "read" in notice
    assert "cigna-commercial-dme v1" in notice  # every bundled version, read the same way
    assert [v.list_id for v in service.versions()].count("medicare-dmepos-pa") == 3
    service.close()
    again = Precert(home)  # once
    _ = again.store
    assert again.notices == []
    again.close()
