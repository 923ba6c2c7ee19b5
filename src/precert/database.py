"""Where the database lives, how it is built from the bundled files on first use, and what is
done with a file that is not a usable database."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from precert.store import SQLITE_HEADER, DatabaseBusy, DatabaseDamaged, Store, StoreError

DATA_DIR = Path(__file__).parent / "data"
BUNDLED_LIST = DATA_DIR / "cigna-commercial-dme.txt"
BUNDLED_HCPCS = DATA_DIR / "HCPC2025_OCT_ANWEB.xlsx"
DB_NAME = "precert.db"


def default_home() -> Path:
    """``PRECERT_HOME``, else the user's data directory (XDG on Linux)."""
    env = os.environ.get("PRECERT_HOME")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "precert"


def open_database(home: Path, notices: list[str]) -> Store:
    """The database under ``home``, built on first use.

    A busy database is waited for (``PRECERT_BUSY_TIMEOUT``) and then reported as busy; a
    damaged one is reported with what to do. Only a file that is verifiably not a SQLite
    database (its first bytes are not SQLite's header) is moved aside and rebuilt, and
    ``notices`` says so: a live database is never moved because another process holds it.
    """
    path = home / DB_NAME
    if path.exists() and not _sqlite_header(path):
        aside = _move_aside(path, "corrupt")
        notices.append(
            f"{path} was not a SQLite database (its first bytes are not SQLite's header); "
            f"moved it to {aside} and rebuilt it from the bundled list (re-import your own lists)"
        )
    if not path.exists():
        build_database(home)
    writable = os.access(home, os.W_OK)
    if not writable:
        notices.append(f"{home} is read-only: answering from {path} as it is (imports will fail)")
    store = Store.open(path, create=False, readonly=not writable)
    try:
        if store.is_empty() or not store.hcpcs_loaded():
            # A schema without data (e.g. made by Store.open elsewhere): load it where it is,
            # in transactions, since another process may have the file open.
            _load_bundled(store)
        elif store.legacy_versions():
            _upgrade_legacy(store, path, writable, notices)
        elif writable and store.migrated_from is not None:
            _refresh_bundled(store, path, notices)
    except BaseException:
        store.close()
        raise
    return store


def rebuild_database(home: Path) -> tuple[Path | None, str]:
    """Move the database under ``home`` aside (with its write-ahead log) and build a new one from
    the bundled files. Returns where the old file went and what ``PRAGMA quick_check`` said of
    it. Refuses (DatabaseBusy) while another process has the database open."""
    path = home / DB_NAME
    if not path.exists():
        build_database(home)
        return None, "there was no database"
    state = "not a SQLite database"
    if _sqlite_header(path):
        try:
            store = Store.open(path, create=False)
        except DatabaseDamaged as exc:
            state = f"damaged ({exc})"
        else:
            try:
                store.verify()
                state = "sound (PRAGMA quick_check: ok)"
            except DatabaseDamaged as exc:
                state = f"damaged ({exc})"
            # Leaving WAL mode needs every other connection closed: the proof that no server
            # or import still uses the file we are about to move.
            if not store.exclusive():
                store.close()
                raise DatabaseBusy(
                    f"{path} is open in another process (a running precert serve or import?); "
                    "stop it, then run precert rebuild again"
                )
            store.close()
    aside = _move_aside(path, "aside")
    build_database(home)
    return aside, state


def build_database(home: Path) -> None:
    """Build ``home``'s database from the bundled list and CMS file, in a temporary file linked
    into place only if no database is there yet (two first uses at once build one database)."""
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the data folder {home} ({exc.strerror or exc}); "
            "set PRECERT_HOME to a folder precert may write to"
        ) from exc
    path = home / DB_NAME
    temporary = path.with_name(f".{DB_NAME}.{os.getpid()}.tmp")
    try:
        temporary.unlink(missing_ok=True)
        store = Store.open(temporary)
        try:
            _load_bundled(store)
        finally:
            store.close()  # the last connection checkpoints: the file holds everything
        if not path.exists():
            # A log left by a database deleted by hand would be replayed into the new one. (Once
            # the database exists, its -wal and -shm belong to whoever has it open: leave them.)
            for stale in _companions(path):
                if stale.exists():
                    _move_aside(stale, "stale")
            _place(temporary, path)
    except OSError as exc:
        raise StoreError(
            f"cannot write the database in {home} ({exc.strerror or exc}); "
            "set PRECERT_HOME to a folder precert may write to"
        ) from exc
    finally:
        temporary.unlink(missing_ok=True)


def _place(temporary: Path, path: Path) -> None:
    """Put the built file at ``path`` unless a database appeared there meanwhile."""
    try:
        os.link(temporary, path)  # fails if the name exists: never replaces an open database
    except FileExistsError:
        pass  # another process built it first: use theirs
    except OSError:
        # File systems without hard links (FAT, some network shares): rename instead.
        if not path.exists():
            os.replace(temporary, path)


def _load_bundled(store: Store) -> None:
    from precert.bundled import import_bundled  # profiles and readers: only when building
    from precert.readers.hcpcs import read_hcpcs

    cms = read_hcpcs(BUNDLED_HCPCS)
    store.replace_hcpcs(cms.name, cms.sha256, cms.codes, cms.modifiers)
    import_bundled(store, DATA_DIR, frozenset(cms.codes))


def _upgrade_legacy(store: Store, path: Path, writable: bool, notices: list[str]) -> None:
    """A database made before schema 3 (lists read through profiles) has versions whose rows
    lack contacts, routing, dates and the list's policy: fill in the bundled ones from the
    bundled files (once), and say what to do about the others (every open, until done)."""
    rebuild = "or run `precert rebuild` to start over from the bundled lists"
    if not writable:
        notices.append(
            f"{path} was made by an earlier precert: its lists lack contacts, routing and dates; "
            f"open it once where it can be written to fill in the bundled lists, {rebuild}"
        )
        return
    from precert.bundled import upgrade_legacy

    filled, added, left = upgrade_legacy(store, DATA_DIR, store.hcpcs_codes())
    if filled:
        notices.append(
            f"{path} was made by an earlier precert: filled in {', '.join(filled)} from the "
            "bundled files (contacts, routing, dates, list policy)"
            + (f" and loaded the bundled lists it lacked: {', '.join(added)}" if added else "")
        )
    if left:
        notices.append(
            f"{', '.join(left)} {'was' if len(left) == 1 else 'were'} imported by an earlier "
            "precert: answers from it lack contacts, dates and the list's policy; import the "
            f"file again (`precert lists remove ID --yes`, then `precert import …`), {rebuild}"
        )


def _refresh_bundled(store: Store, path: Path, notices: list[str]) -> None:
    """A database of schema 3 lacks what later schemas store per row (schema 4: the states a
    row is for): read its bundled versions again from the bundled files, once, and say so."""
    from precert.bundled import refresh_bundled

    refreshed = refresh_bundled(store, DATA_DIR, store.hcpcs_codes())
    if refreshed:
        notices.append(
            f"{path} was made by an earlier precert: read {', '.join(refreshed)} again from "
            "the bundled files (rows that apply to members of some states only)"
        )


def _sqlite_header(path: Path) -> bool:
    """True when the file starts as every SQLite database does (an empty file is one, too)."""
    try:
        with path.open("rb") as file:
            start = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read {path} ({exc.strerror or exc})") from exc
    return not start or start == SQLITE_HEADER


def _companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _move_aside(path: Path, why: str) -> Path:
    """Rename ``path`` (and its -wal / -shm files) to ``NAME.WHY-STAMP``; returns the new name."""
    stamp = f"{dt.datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}"
    aside = path.with_name(f"{path.name}.{why}-{stamp}")
    try:
        os.replace(path, aside)
        for companion, suffix in zip(_companions(path), ("-wal", "-shm"), strict=True):
            if companion.exists():
                os.replace(companion, aside.with_name(aside.name + suffix))
    except OSError as exc:
        raise StoreError(f"cannot move {path} aside ({exc.strerror or exc})") from exc
    return aside
