"""The lists bundled with precert, loaded into a new database on first use."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path

from precert.importer import (
    ImportFailed,
    Part,
    entry_fields,
    import_parts,
    policy_of,
    read,
    reading_search_text,
)
from precert.profiles import Profile, RowError, RowReading, load_profile
from precert.store import EntryFields, Store

# The bundled lists, loaded on first use: (list, effective date, [(file, profile), …]).
# Medicare's list is built from several DME MAC pages; each entry cites its own file.
BundledVersion = tuple[str, dt.date | None, tuple[tuple[str, str], ...]]
BUNDLED: tuple[BundledVersion, ...] = (
    ("cigna-commercial-dme", None, (("cigna-commercial-dme.txt", "cigna-commercial-dme"),)),
    (
        "medicare-dmepos-pa",
        dt.date(2024, 6, 20),
        (("medicare/cgs-jc-news-2024-06-20.tsv", "medicare-dmepos-cgs-news"),),
    ),
    (
        "medicare-dmepos-pa",
        dt.date(2024, 8, 28),
        (("medicare/cgs-jc-pa-table-2024.tsv", "medicare-dmepos-cgs-table"),),
    ),
    (
        "medicare-dmepos-pa",
        dt.date(2025, 1, 1),
        (
            ("medicare/cgs-jc-pa-table-2025.tsv", "medicare-dmepos-cgs-table"),
            ("medicare/noridian-jd-orthoses-2026.tsv", "medicare-dmepos-orthoses-2026"),
        ),
    ),
)


def import_bundled(
    store: Store,
    data_dir: Path,
    known: Collection[str],
    load: Callable[[str], Profile] = load_profile,
) -> None:
    """Load every bundled list version (first use)."""
    for list_id, effective, files in BUNDLED:
        parts = [Part(data_dir / name, load(profile)) for name, profile in files]
        import_parts(store, parts, known=known, list_id=list_id, effective=effective)


def upgrade_legacy(
    store: Store, data_dir: Path, known: Collection[str]
) -> tuple[list[str], list[str], list[str]]:
    """Bring a database made before schema 3 up to date, once: each of its versions that is a
    bundled list's version (same list id, same file) is read again through its profile and its
    rows and policy replaced in place (contacts, routing, dates); then the bundled lists it
    lacks (it predates them) are loaded. Returns the versions filled in, the lists added, and
    the versions left as they are ("list vN": imported by the user, to import again)."""
    legacy = store.legacy_versions()
    filled = _refill(store, data_dir, known, legacy)
    added: list[str] = []
    if filled:
        present = {v.list_id for v in store.versions()}
        for list_id, effective, files in BUNDLED:
            if list_id in present:
                continue
            parts = [Part(data_dir / name, load_profile(profile)) for name, profile in files]
            import_parts(store, parts, known=known, list_id=list_id, effective=effective)
            if list_id not in added:  # a list of several bundled versions is named once
                added.append(list_id)
    left = [f"{lid} {v}" for lid, v, _ in legacy if f"{lid} {v}" not in filled]
    return filled, added, left


def refresh_bundled(store: Store, data_dir: Path, known: Collection[str]) -> list[str]:
    """After a migration that adds what profiles read (schema 4: the states a row is for),
    read each stored version of a bundled list (same list id, same files) again through its
    profile, in place. Returns the versions refreshed ("list vN"); the user's own are left."""
    versions = [(v.list_id, v.version, v.sha256) for v in store.versions()]
    return _refill(store, data_dir, known, versions)


def _refill(
    store: Store, data_dir: Path, known: Collection[str], versions: list[tuple[str, str, str]]
) -> list[str]:
    """Refill each (list id, version, file hash) that is a bundled version from its files."""
    filled: list[str] = []
    for list_id, version, sha in versions:
        for files in (f for lid, _, f in BUNDLED if lid == list_id):
            parts = [Part(data_dir / name, load_profile(profile)) for name, profile in files]
            grids = [read(part, known) for part in parts]
            digest = grids[0][0].sha256
            if len(grids) > 1:
                digest = hashlib.sha256("".join(g.sha256 for g, _ in grids).encode()).hexdigest()
            # precert 0.1 hashed the text file's bytes; today's reader hashes its lines.
            earlier = hashlib.sha256(parts[0].path.read_bytes()).hexdigest()
            if sha == digest or (len(parts) == 1 and sha == earlier):
                readings = [r for _, r in grids]
                rows = _rows(readings, list_id, version)
                policy = policy_of(parts[0].profile)
                store.refill_version(list_id, version, digest, policy, rows)
                filled.append(f"{list_id} {version}")
                break
    return filled


def _rows(
    readings: Sequence[Iterator[RowReading | RowError]], list_id: str, version: str
) -> Iterator[tuple[EntryFields, str]]:
    """The stored rows of one version read from its files, tables numbered on across files
    (as an import numbers them)."""
    offset = 0
    for items in readings:
        top = 0
        for item in items:
            if isinstance(item, RowError):
                raise ImportFailed([item])  # rolls the transaction back
            top = max(top, item.table)
            search = reading_search_text(item.notation, item.description_raw, item.notes)
            yield entry_fields(item, list_id, version, offset), search
        offset += top
