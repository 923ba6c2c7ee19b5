"""Load a payer's published list through its profile as a new list or a new version of one.

Every file is read by the reader registered for its format (``precert.readers.read_grid``),
every row by the profile (``precert.profiles.apply``), and the entries stream into the
database inside one transaction: a row that does not read rolls everything back, so the
database is byte-identical after any error. Safety: a file becomes a version of an existing
list only when the list id names it and the payer and line of business agree.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import re
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from precert.errors import ListMismatch
from precert.models import Entry, ListPolicy, ListVersion
from precert.profiles import Profile, ProfileError, RowError, RowReading, apply, load_profile
from precert.profiles.loader import BUNDLED_DIR
from precert.readers import ReaderError
from precert.readers.grid import Grid
from precert.rules import clean_category, clean_description, row_rules
from precert.store import EntryFields, Store

BUNDLED_LIST_ID = "cigna-commercial-dme"
TEXT_LAYOUT_PROFILE = BUNDLED_DIR / "cigna-commercial-dme.toml"  # the published text layout
_LIST_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_SHOWN_ERRORS = 20


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did."""

    list_id: str
    version: str
    rows: int
    codes: int
    created: bool
    message: str


@dataclass(frozen=True, slots=True)
class Part:
    """One file of a version and the profile that reads it."""

    path: Path
    profile: Profile
    grid: Grid | None = None  # the file already read (to name its payer from its titles)


class ImportFailed(ReaderError):
    """Rows that did not read: every one is listed (file, line, page, what was expected)."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = tuple(errors)
        first = errors[0]
        lines = [str(e) for e in errors[:_SHOWN_ERRORS]]
        if len(errors) > _SHOWN_ERRORS:
            lines.append(f"… and {len(errors) - _SHOWN_ERRORS} more rows that do not read")
        message = first.message if len(errors) == 1 else "\n".join(lines)
        super().__init__(first.file, first.line, message, page=first.page)
        if len(errors) > 1:
            self.args = ("\n".join(lines),)


def check_list_id(list_id: str) -> str:
    """List ids are short lowercase slugs (used in URLs and file names)."""
    if not _LIST_ID.fullmatch(list_id):
        raise ValueError(
            f"list id {list_id!r} is not valid: use lowercase letters, digits, '.', '_' and '-' "
            "(e.g. cigna-commercial-dme)"
        )
    return list_id


def read(part: Part, known: Collection[str]) -> tuple[Grid, Iterator[RowReading | RowError]]:
    """Read one file with its profile: the grid and the lazy readings of its rows."""
    from precert.readers import read_grid

    grid = part.grid or read_grid(part.path, part.profile.format)
    return grid, apply(grid, part.profile, known)


def entry_fields(
    reading: RowReading, list_id: str, version: str, table_offset: int = 0
) -> EntryFields:
    """The stored entry of one reading, as :class:`Entry`'s fields in their order (raw cells
    kept, clean values added): what an import streams into the store, and what
    :func:`entry_of` builds an Entry from."""
    # One unpacking of the reading, not twenty-six attribute reads: this runs per row.
    (
        code, published, meaning, status_raw, file, table, table_title, line, page, columns,
        cells, category_raw, categorized, description_raw, product, platform, notation, notes,
        effective, end, removed, announced, modifiers, contact, source_url, states,
    ) = reading  # fmt: skip
    # Readers drop trailing empty cells; the stored row pairs every cell with its header.
    if len(cells) < len(columns):
        cells = cells + ("",) * (len(columns) - len(cells))
    elif len(cells) > len(columns):
        columns = columns + tuple(f"column {i + 1}" for i in range(len(columns), len(cells)))
    return (
        list_id, version, table + table_offset, table_title, line, page, code, cells, columns,
        product, category_raw, clean_category(category_raw), description_raw,
        clean_description(description_raw), status_raw, meaning.status, platform, notation,
        meaning.qualifier, effective, end, announced, removed, modifiers, contact, notes,
        published, file, source_url, categorized, states,
    )  # fmt: skip


def entry_of(reading: RowReading, list_id: str, version: str, table_offset: int = 0) -> Entry:
    """The stored entry of one reading (raw cells kept, clean values added)."""
    return Entry(*entry_fields(reading, list_id, version, table_offset))


def search_text(entry: Entry) -> str:
    """The notes a search finds an entry by."""
    return reading_search_text(entry.notation, entry.description_raw, entry.notes)


def reading_search_text(notation: str, description_raw: str, notes: tuple[str, ...]) -> str:
    """The notes a search finds an entry by: its notes cell (or the note its description
    repeats) and the notes its profile adds."""
    return " ".join((*row_rules(notation, description_raw).notes, *notes))


def policy_of(profile: Profile) -> ListPolicy:
    """What the list says beyond its rows, kept with the version."""
    info = profile.list
    return ListPolicy(
        unlisted=info.unlisted,
        unlisted_scope=info.unlisted_scope,
        unlisted_note=info.unlisted_note,
        contact=profile.contacts.default,
        by_state=tuple(s.contact for s in profile.contacts.by_state),
        source_url=info.source_url,
        more_info_url=info.more_info_url,
        more_info_label=info.more_info_label,
        scope=info.scope,
    )


def profile_for(
    list_id: str,
    store: Store,
    payer: str | None = None,
    line_of_business: str | None = None,
    program: str | None = None,
    titles: Sequence[str] = (),
) -> Profile:
    """The profile for a file imported without one: the bundled profile of that list id, or
    the published text layout with no payer-specific rules, named by the options or the
    title block ("Cigna Commercial" -> payer Cigna, line of business Commercial)."""
    bundled = BUNDLED_DIR / f"{list_id}.toml"
    if bundled.exists():
        profile = load_profile(bundled)
        return _identity(profile, list_id, payer, line_of_business, program)
    layout = load_profile(TEXT_LAYOUT_PROFILE)
    known = store.list_row(list_id)
    if known is not None:
        _, known_payer, known_lob, known_program, _ = known
        payer, line_of_business = payer or known_payer, line_of_business or known_lob
        program = program or known_program
    issuer = titles[0].strip() if titles else ""
    read_payer, _, read_lob = issuer.rpartition(" ")
    payer = payer or read_payer or None
    line_of_business = line_of_business or (read_lob if read_payer else None)
    if payer is None or line_of_business is None:
        raise ValueError(
            "the file has no title rows naming the payer and line of business; for a new "
            "list give them: --payer NAME --lob NAME (or a profile: --profile FILE)"
        )
    if program is None and len(titles) > 1:
        title = titles[-1]
        program = title.split(":", 1)[1].strip() if ":" in title else title
        if program.lower().startswith("durable medical equipment"):
            program = "DME"
    # Another payer's list in this layout: none of Cigna's contacts or rules apply to it.
    return replace(
        _identity(layout, list_id, payer, line_of_business, program),
        contacts=replace(layout.contacts, default=None),
        rules=(),
    )


def _identity(
    profile: Profile,
    list_id: str,
    payer: str | None,
    line_of_business: str | None,
    program: str | None,
) -> Profile:
    info = replace(
        profile.list,
        id=list_id,
        payer=payer or profile.list.payer,
        line_of_business=line_of_business or profile.list.line_of_business,
        program=program or profile.list.program,
    )
    return replace(profile, list=info)


def import_parts(
    store: Store,
    parts: Sequence[Part],
    *,
    known: Collection[str],
    list_id: str | None = None,
    effective: dt.date | None = None,
) -> ImportResult:
    """Load one version of a list from one or more files (each read by its profile).

    The list id is ``list_id`` or the first profile's; the payer and line of business are
    the profile's and must be those of an existing list of that id.
    """
    first = parts[0].profile.list
    list_id = check_list_id((list_id or first.id).strip())
    payer, lob = first.payer.strip(), first.line_of_business.strip()
    for part in parts[1:]:
        other = part.profile.list
        if (other.payer.lower(), other.line_of_business.lower()) != (payer.lower(), lob.lower()):
            raise ProfileError(part.profile.where, "list.payer", "the parts name other payers")
    known_list = store.list_row(list_id)
    platform = first.platform
    program = first.program.strip()
    if known_list is not None:
        _, known_payer, known_lob, known_program, platform = known_list
        for given, have, what in (
            (payer, known_payer, "payer"),
            (lob, known_lob, "line of business"),
        ):
            if given.lower() != have.lower():
                raise ListMismatch(
                    f"list {list_id} belongs to {what} {have!r}, not {given!r}: this file is "
                    f"not a version of it (import it as a new list: --list NEW-ID)"
                )
        payer, lob, program = known_payer, known_lob, known_program
    grids: list[tuple[Grid, Iterator[RowReading | RowError]]] = [read(p, known) for p in parts]
    sha = grids[0][0].sha256
    if len(grids) > 1:
        sha = hashlib.sha256("".join(g.sha256 for g, _ in grids).encode()).hexdigest()
    names = " + ".join(g.name for g, _ in grids)
    existing = store.find_version_by_sha(list_id, sha)
    if existing is not None:
        return ImportResult(
            list_id, existing, 0, 0, False,
            f"{names} is already {list_id} {existing}; nothing to do"
            + (
                f" (versions are immutable: --effective {effective.isoformat()} was not applied)"
                if effective is not None
                else ""
            ),
        )  # fmt: skip
    version = f"v{len(store.versions(list_id)) + 1}"
    effective = effective or first.effective
    codes: set[str] = set()
    errors: list[RowError] = []

    def rows() -> Iterator[tuple[EntryFields, str]]:
        offset = 0
        for _, readings in grids:
            top = 0
            for item in readings:
                if isinstance(item, RowError):
                    errors.append(item)
                    continue
                if errors:
                    continue  # keep reading to report every bad row; nothing will be kept
                if item.table > top:
                    top = item.table
                codes.add(item.code)
                search = reading_search_text(item.notation, item.description_raw, item.notes)
                yield entry_fields(item, list_id, version, offset), search
            offset += top
        if errors:
            raise ImportFailed(errors)  # rolls the transaction back

    record = ListVersion(
        list_id, version, first.title or names, payer, lob, program, names, sha, effective, 0,
        platform, policy_of(parts[0].profile),
    )  # fmt: skip
    footer = " ".join(g.footer for g, _ in grids if getattr(g, "footer", ""))
    with _collector_paused():
        count = store.insert_version(record, rows(), footer=footer, list_title=first.title or names)
    when = effective.isoformat() if effective else "unknown (in force until a later version)"
    return ImportResult(
        list_id, version, count, len(codes), True,
        f"imported {names} as {list_id} {version}: {count} rows, {len(codes)} codes, "
        f"effective {when}",
    )  # fmt: skip


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while the rows stream in: an import makes millions of
    short-lived tuples and strings, none in a cycle (reference counting frees them), and the
    collector, started by their number, would walk every live object again and again (~5 % of
    a 100,000-row import's time). It resumes however the import ends, unless it was off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def dry_run(parts: Sequence[Part], known: Collection[str]) -> Iterator[RowReading | RowError]:
    """How every row of the files reads, changing nothing."""
    for part in parts:
        _, readings = read(part, known)
        yield from readings


def import_file(
    store: Store,
    path: str | Path,
    *,
    known: Collection[str],
    profile: Profile | str | Path | None = None,
    list_id: str | None = None,
    effective: dt.date | None = None,
    payer: str | None = None,
    line_of_business: str | None = None,
    program: str | None = None,
) -> ImportResult:
    """Import one file: through ``profile`` (a Profile, a file or a bundled name), or, with
    none, the bundled profile of ``list_id`` or the published text layout."""
    return import_parts(
        store,
        [_part(store, path, profile, list_id, payer, line_of_business, program)],
        known=known,
        list_id=list_id,
        effective=effective,
    )


def _part(
    store: Store,
    path: str | Path,
    profile: Profile | str | Path | None,
    list_id: str | None,
    payer: str | None,
    line_of_business: str | None,
    program: str | None,
) -> Part:
    from precert.readers import read_grid

    payer = payer.strip() or None if payer is not None else None
    line_of_business = line_of_business.strip() or None if line_of_business else None
    if profile is not None:
        chosen = profile if isinstance(profile, Profile) else load_profile(profile)
        for given, have, option in (
            (payer, chosen.list.payer, "--payer"),
            (line_of_business, chosen.list.line_of_business, "--lob"),
        ):
            if given is not None and given.lower() != have.lower():
                raise ValueError(
                    f"the profile ({chosen.where}) is for {have!r}, but {option} says {given!r}"
                )
        return Part(Path(path), chosen)
    if not list_id:
        raise ValueError(
            "say which list the file is: --list ID (a loaded list, or a new id) or a profile "
            "(--profile FILE) naming it"
        )
    grid = read_grid(path)
    titles = _titles(grid)
    chosen = profile_for(
        check_list_id(list_id.strip()), store, payer, line_of_business, program, titles
    )
    return Part(Path(path), chosen, grid)


def _titles(grid: Grid) -> tuple[str, ...]:
    """The title lines of a file: its reader's, else the one-cell rows before the header (an
    export's title rows)."""
    if not grid.tables:
        return ()
    if grid.tables[0].titles:
        return grid.tables[0].titles
    titles: list[str] = []
    for row in grid.tables[0].rows:
        filled = [c for c in row.cells if c.strip()]
        if len(filled) != 1 or len(titles) >= 5:
            break
        titles.append(filled[0].strip().strip("*").strip())
    return tuple(titles)


def dry_run_file(
    store: Store,
    path: str | Path,
    *,
    known: Collection[str],
    profile: Profile | str | Path | None = None,
    list_id: str | None = None,
    payer: str | None = None,
    line_of_business: str | None = None,
    program: str | None = None,
) -> Iterator[RowReading | RowError]:
    """How every row of the file reads (codes, status, dates, contact, notes), changing
    nothing; rows that do not read come as RowError."""
    part = _part(store, path, profile, list_id, payer, line_of_business, program)
    return dry_run([part], known)


def profile_of_file(
    store: Store,
    path: str | Path,
    *,
    list_id: str | None = None,
    payer: str | None = None,
    line_of_business: str | None = None,
    program: str | None = None,
) -> Profile:
    """The profile a file imported without one is read with (as :func:`import_file` picks it:
    the bundled profile of ``list_id``, or the published text layout named by the options or
    the file's title rows), so a dry run can show whose list it reads."""
    return _part(store, path, None, list_id, payer, line_of_business, program).profile
