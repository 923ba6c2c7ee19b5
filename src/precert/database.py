"""Where the database lives and how it is built from the bundled files on first use."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from precert.importer import import_bundled
from precert.store import Store, StoreError

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
    """The database under ``home``, built on first use; an unusable file is moved aside and
    rebuilt (what happened is appended to ``notices``)."""
    path = home / DB_NAME
    if not path.exists():
        build_database(home)
    try:
        store = Store.open(path, create=False)
        if store.is_empty() or not store.hcpcs_loaded():
            store.close()
            build_database(home)
            store = Store.open(path, create=False)
        return store
    except StoreError as exc:
        if "newer than this precert" in str(exc):
            raise
        aside = path.with_name(f"{DB_NAME}.corrupt-{os.getpid()}")
        os.replace(path, aside)
        notices.append(
            f"the database was unusable ({exc}); moved it to {aside} and "
            "rebuilt it from the bundled list (re-import your own lists)"
        )
        build_database(home)
        return Store.open(path, create=False)


def build_database(home: Path) -> None:
    """(Re)build ``home``'s database from the bundled list and CMS file; atomic via rename."""
    from precert.readers.hcpcs import read_hcpcs

    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the data folder {home} ({exc.strerror or exc}); "
            "set PRECERT_HOME to a folder precert may write to"
        ) from exc
    path = home / DB_NAME
    temporary = path.with_name(f".{DB_NAME}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    store = Store.open(temporary)
    try:
        cms = read_hcpcs(BUNDLED_HCPCS)
        store.replace_hcpcs(cms.name, cms.sha256, cms.codes, cms.modifiers)
        import_bundled(store, DATA_DIR, frozenset(cms.codes))
    finally:
        store.close()
    os.replace(temporary, path)
