"""The lists bundled with precert, loaded into a new database on first use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from pathlib import Path

from precert.importer import Part, import_parts
from precert.profiles import Profile, load_profile
from precert.store import Store

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
