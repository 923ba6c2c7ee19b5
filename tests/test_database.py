"""The database file under stress: locked by another process, damaged, full, read-only.

A lock held by another process is waited for and then reported as busy, never taken for damage;
only a file that is not SQLite at all is moved aside; a damaged one is reported with what to do;
a full or read-only disk names its cause and changes nothing.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from precert import Precert, Status
from precert.cli import main
from precert.service import BUNDLED_LIST, DB_NAME
from precert.store import Store, StoreError

BUSY = "another precert import may be running"
PRECERT = str(Path(sys.executable).with_name("precert"))


def run(
    home: Path, *args: str, timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PRECERT, *args],
        env={**os.environ, "PRECERT_HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextmanager
def locked(path: Path, begin: str, seconds: float, sql: str = "") -> Iterator[None]:
    """Another process holds ``begin`` (e.g. BEGIN EXCLUSIVE) on ``path`` for ``seconds``."""
    script = (
        "import sqlite3, sys, time\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        f"db.execute({begin!r})\n"
        f"if {sql!r}: db.execute({sql!r})\n"
        "print('locked', flush=True)\n"
        f"time.sleep({seconds})\n"
        "db.execute('ROLLBACK')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        yield
    finally:
        holder.wait(timeout=seconds + 30)


def journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("PRAGMA journal_mode").fetchone()[0])


def files(home: Path) -> list[str]:
    return sorted(p.name for p in home.iterdir() if not p.name.endswith(("-wal", "-shm")))


def test_a_lock_held_by_another_process_is_reported_busy_and_the_database_kept(
    home: Path,
) -> None:
    # The repro: a database as earlier precert built them (rollback journal), held
    # with BEGIN EXCLUSIVE by another process, while `precert check` runs.
    path = home / DB_NAME
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode = DELETE")
    before = path.read_bytes()
    with locked(path, "BEGIN EXCLUSIVE", 4):
        started = time.monotonic()
        result = run(home, "check", "E0466", PRECERT_BUSY_TIMEOUT="1")
        waited = time.monotonic() - started
        assert result.returncode == 4, result.stderr
        assert BUSY in result.stderr and "Traceback" not in result.stderr
        assert "PRECERT_BUSY_TIMEOUT" in result.stderr
        assert waited >= 1  # it waited for the lock before giving up
        assert files(home) == [DB_NAME] and path.read_bytes() == before  # not moved, not touched
    after = run(home, "check", "E0466")
    assert after.returncode == 0 and "REQUIRED" in after.stdout
    assert files(home) == [DB_NAME] and journal_mode(path) == "wal"


def test_a_lock_released_within_the_busy_timeout_is_waited_for(home: Path) -> None:
    path = home / DB_NAME
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode = DELETE")
    with locked(path, "BEGIN EXCLUSIVE", 1.5):
        result = run(home, "check", "E0466", PRECERT_BUSY_TIMEOUT="30")
    assert result.returncode == 0, result.stderr
    assert "REQUIRED" in result.stdout and files(home) == [DB_NAME]


def test_readers_answer_from_the_last_commit_while_another_process_writes(
    service: Precert, home: Path
) -> None:
    path = home / DB_NAME
    assert service.determine_one("E0466").status is Status.REQUIRED
    assert journal_mode(path) == "wal"
    # Another process is in the middle of a write that turns E0466 into "not required".
    change = "UPDATE entries SET status = 'not_required' WHERE code = 'E0466'"
    with locked(path, "BEGIN IMMEDIATE", 6, change):
        started = time.monotonic()
        # A reader in this process (the server's path: data-version check, then the answer) ...
        assert service.determine_one("E0466").status is Status.REQUIRED
        # ... and in another process answer at once from the last committed state.
        check = run(home, "check", "E0466", PRECERT_BUSY_TIMEOUT="30")
        assert check.returncode == 0 and "REQUIRED" in check.stdout, check.stderr
        assert time.monotonic() - started < 5  # did not wait for the writer
        # A second writer waits, then is told the database is busy, not damaged.
        second = run(home, "import", str(BUNDLED_LIST), "--list", "x", PRECERT_BUSY_TIMEOUT="1")
        assert second.returncode == 4 and BUSY in second.stderr, second.stderr
    assert files(home) == [DB_NAME]
    assert service.determine_one("E0466").status is Status.REQUIRED  # the writer rolled back


def test_a_file_that_is_not_sqlite_is_moved_aside_and_rebuilt_saying_so(home: Path) -> None:
    path = home / DB_NAME
    path.write_bytes(b"PK\x03\x04 a zip file saved under the database's name" * 100)
    result = run(home, "check", "E0466")
    assert result.returncode == 0 and "REQUIRED" in result.stdout
    assert "was not a SQLite database" in result.stderr and "moved it to" in result.stderr
    aside = [p for p in home.iterdir() if p.name.startswith(f"{DB_NAME}.corrupt-")]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"PK\x03\x04")


def damage(path: Path, *names: str) -> None:
    """Overwrite the root pages of these tables and indexes; the header stays intact."""
    with sqlite3.connect(path) as db:
        size = int(db.execute("PRAGMA page_size").fetchone()[0])
        marks = ",".join("?" * len(names))
        roots = [
            int(r[0])
            for r in db.execute(
                f"SELECT rootpage FROM sqlite_master WHERE name IN ({marks})", names
            )
        ]
    assert len(roots) == len(names)
    with path.open("r+b") as file:
        for page in roots:
            file.seek((page - 1) * size)
            file.write(b"\x99" * size)


def test_corrupt_pages_with_an_intact_header_are_exit_4_with_what_to_do(home: Path) -> None:
    path = home / DB_NAME
    damage(path, "entries", "entries_code")
    damaged = path.read_bytes()
    assert damaged.startswith(b"SQLite format 3\x00")
    result = run(home, "check", "E0466")
    assert result.returncode == 4, result.stderr
    assert "is damaged" in result.stderr and "precert rebuild" in result.stderr
    assert "Traceback" not in result.stderr
    serve = run(home, "serve", "--port", "0", timeout=60)
    assert serve.returncode == 4 and "is damaged" in serve.stderr, serve.stderr
    assert "Traceback" not in serve.stderr
    # Nothing was discarded behind the user's back.
    assert files(home) == [DB_NAME] and path.read_bytes() == damaged
    rebuilt = run(home, "rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "damaged" in rebuilt.stdout and "moved the old database" in rebuilt.stdout
    aside = [p for p in home.iterdir() if p.name.startswith(f"{DB_NAME}.aside-")]
    # Kept as it was, but for page 1 (the header now says rollback journal, not WAL).
    assert len(aside) == 1 and aside[0].read_bytes()[4096:] == damaged[4096:]
    again = run(home, "check", "E0466")
    assert again.returncode == 0 and "REQUIRED" in again.stdout


def test_serve_refuses_at_start_a_database_damaged_where_first_requests_would_not_look(
    home: Path,
) -> None:
    path = home / DB_NAME
    damage(path, "entries_fts_idx")  # only search reads the search index
    assert run(home, "check", "E0466").returncode == 0
    serve = run(home, "serve", "--port", "0", timeout=60)
    assert serve.returncode == 4, serve.stderr
    assert "is damaged" in serve.stderr and "precert rebuild" in serve.stderr
    assert "Traceback" not in serve.stderr
    search = run(home, "search", "wheelchair")
    assert search.returncode == 4 and "is damaged" in search.stderr, search.stderr


def test_rebuild_refuses_while_another_process_has_the_database_open(home: Path) -> None:
    path = home / DB_NAME
    with locked(path, "BEGIN", 4, "SELECT count(*) FROM entries"):
        result = run(home, "rebuild", PRECERT_BUSY_TIMEOUT="1")
        assert result.returncode == 4 and "open in another process" in result.stderr
        assert files(home) == [DB_NAME]
    example = run(home, "rebuild", "--help")
    assert "example:\n  precert rebuild" in example.stdout
    healthy = run(home, "rebuild")  # the help's example
    assert healthy.returncode == 0 and "sound" in healthy.stdout


def full_after(service: Precert, pages: int) -> None:
    """The disk fills up ``pages`` pages from now (SQLite's own page limit, per connection)."""
    db = service.store.db
    count = int(db.execute("PRAGMA page_count").fetchone()[0])
    db.execute(f"PRAGMA max_page_count = {count + pages}")


def test_a_full_disk_during_an_import_names_the_cause_and_changes_nothing(
    service: Precert,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = service.store.dump()
    full_after(service, 5)
    with pytest.raises(StoreError, match="database or disk is full") as caught:
        service.import_list(BUNDLED_LIST, list_id="acme-dme")
    assert "no transaction is active" not in str(caught.value)
    assert service.store.dump() == before
    # The command line says the same and exits 4 (README: the database cannot be used).
    import precert.service

    monkeypatch.setattr(precert.service, "_default", service)
    assert main(["import", str(BUNDLED_LIST), "--list", "acme-dme"]) == 4
    error = capsys.readouterr().err
    assert "database or disk is full" in error and "nothing was changed" in error
    assert service.store.dump() == before
    assert service.determine_one("E0466").status is Status.REQUIRED


def test_a_read_only_home_answers_and_refuses_imports_with_the_cause(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A read-only mount: the folder cannot be written (root ignores chmod, so the operating
    # system's answer is what is replaced here).
    import precert.database

    real_access = os.access
    monkeypatch.setattr(
        precert.database.os,
        "access",
        lambda p, mode: False if Path(p) == home and mode == os.W_OK else real_access(p, mode),
    )
    before = (home / DB_NAME).read_bytes()
    service = Precert(home)
    assert service.determine_one("E0466").status is Status.REQUIRED
    assert any("read-only" in n for n in service.notices)
    with pytest.raises(StoreError, match="readonly database") as caught:
        service.import_list(BUNDLED_LIST, list_id="acme-dme")
    assert "read-only" in str(caught.value) and "PRECERT_HOME" in str(caught.value)
    service.close()
    assert (home / DB_NAME).read_bytes() == before


def test_a_bad_busy_timeout_is_named(home: Path) -> None:
    result = run(home, "check", "E0466", PRECERT_BUSY_TIMEOUT="soon")
    assert result.returncode == 4 and "PRECERT_BUSY_TIMEOUT" in result.stderr


def test_a_store_left_in_a_failed_transaction_stays_usable(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "x.db")
    with pytest.raises(ZeroDivisionError), store.transaction() as db:
        db.execute("INSERT INTO hcpcs_files VALUES ('s', 'n', 1, 1)")
        _ = 1 / 0
    assert not store.hcpcs_loaded()
    with store.transaction() as db:
        db.execute("INSERT INTO hcpcs_files VALUES ('s', 'n', 1, 1)")
    assert store.hcpcs_loaded()
    store.close()


def test_two_imports_into_one_list_at_once_never_fail_on_a_constraint(
    home: Path, tmp_path: Path
) -> None:
    lines = BUNDLED_LIST.read_text().splitlines()
    sources = []
    for number, status in enumerate(("No", "Out Of Scope")):
        changed = [
            line.replace("\tYes\t", f"\t{status}\t") if "\tE0466\t" in line else line
            for line in lines
        ]
        sources.append(tmp_path / f"cigna-{number}.txt")
        sources[-1].write_text("\n".join(changed))
    env = {**os.environ, "PRECERT_HOME": str(home), "PRECERT_BUSY_TIMEOUT": "60"}
    # Both imports read their file and wait for the write lock another process holds.
    with locked(home / DB_NAME, "BEGIN IMMEDIATE", 5):
        imports = [
            subprocess.Popen(
                [PRECERT, "import", str(source), "--list", "cigna-commercial-dme"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for source in sources
        ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in imports]
    assert sorted(code for code, _, _ in results) in ([0, 0], [0, 4]), results
    for code, _, err in results:
        assert "UNIQUE constraint" not in err and "Traceback" not in err
        if code == 4:
            assert "changed while this import was reading its file" in err
            assert "run the import again" in err
    assert integrity_ok(home / DB_NAME)


def integrity_ok(path: Path) -> bool:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("PRAGMA integrity_check")] == ["ok"]


def test_two_first_uses_at_once_build_one_database(tmp_path: Path) -> None:
    home = tmp_path / "new"
    env = {**os.environ, "PRECERT_HOME": str(home)}
    runs = [
        subprocess.Popen(
            [PRECERT, "check", "E0466"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    for process in runs:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0 and b"REQUIRED" in out, err
    assert files(home) == [DB_NAME]  # no temporary file left, nothing moved aside
    assert integrity_ok(home / DB_NAME) and journal_mode(home / DB_NAME) == "wal"


def test_first_use_on_a_file_system_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import precert.database

    def no_links(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(precert.database.os, "link", no_links)
    service = Precert(tmp_path / "fat")
    assert service.determine_one("E0466").status is Status.REQUIRED
    service.close()
    assert files(tmp_path / "fat") == [DB_NAME]


def test_a_log_left_by_a_database_deleted_by_hand_is_not_replayed_into_a_new_one(
    home: Path, tmp_path: Path
) -> None:
    # A user deletes precert.db while its write-ahead log still holds an import.
    path = home / DB_NAME
    keep = sqlite3.connect(path, isolation_level=None)
    keep.execute("PRAGMA wal_autocheckpoint = 0")  # the import stays in the log
    keep.execute("UPDATE entries SET status = 'not_required' WHERE code = 'E0466'")
    assert (home / f"{DB_NAME}-wal").stat().st_size > 0
    path.unlink()
    result = run(home, "check", "--payer", "Cigna", "E0466")
    keep.close()
    assert result.returncode == 0 and "REQUIRED" in result.stdout, result.stderr
    assert "NOT REQUIRED" not in result.stdout
    assert any(p.name.startswith(f"{DB_NAME}-wal.stale-") for p in home.iterdir())
    assert integrity_ok(path)
