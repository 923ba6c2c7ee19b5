"""The public library API every interface calls: determine, search, show, lists, categories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from precert import codes as codes_mod
from precert.caching import LRU

# Re-exported ("X as X"): callers import the bundled paths and DB name from precert.service.
from precert.database import BUNDLED_HCPCS as BUNDLED_HCPCS
from precert.database import BUNDLED_LIST as BUNDLED_LIST
from precert.database import DATA_DIR as DATA_DIR
from precert.database import DB_NAME as DB_NAME
from precert.database import default_home, open_database, rebuild_database

# Re-exported: the doors catch these from precert.service (defined below it for the importer).
from precert.errors import ScopeError as ScopeError
from precert.errors import UnknownListError as UnknownListError
from precert.models import Determination, Entry, HcpcsCode, ListVersion, ParsedCode, Status
from precert.rules import NOTE_NOT_LISTED, apply_modifiers, determine_code, invalid
from precert.store import Store

if TYPE_CHECKING:
    # Importing reads profiles and readers: only imports need them, so `precert check` and
    # `precert search` start without (they are imported where used).
    from precert.importer import ImportResult
    from precert.profiles import Profile, RowError, RowReading
    from precert.reports import CodeReport, SearchResults  # show and search only

BUNDLED_LIST_ID = "cigna-commercial-dme"  # the list loaded first (one-payer views' default)

# Memo bounds: a server is asked about any date and any text, so every memo forgets, least
# recently used first (20,000 distinct dates or 500 requests of 1,000 made-up codes must not
# grow the process; see bench/bench_web.py for the RSS figures).
_SCOPES_KEPT = 256  # (payer, line of business, date) resolutions
_SCOPE_MEMOS = 4  # scopes whose answers and templates are kept
_FOUND_KEPT = 512  # word searches whose ranked codes are kept
_ANSWERS_KEPT = 10_000  # answers per scope (a text may hold many codes), ~1 kB each
_TEMPLATES_KEPT = 5_000  # codes per scope (a list has hundreds; made-up codes are evicted)


_NO_MODIFIERS: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Scope:
    """Whom a question is asked for, and the list versions in force for it on a date."""

    payer: str
    line_of_business: str
    date: dt.date
    versions: tuple[ListVersion, ...]
    missing: tuple[str, ...] = ()  # lists of this scope with no version in force on the date
    state: str | None = None  # the member's state (routes requests where a list says so)

    @property
    def keys(self) -> frozenset[tuple[str, str]]:
        """(list id, version label) pairs in force."""
        return _scope_keys(self.versions)


class Precert:
    """One database and the determination over it. Thread-safe for reads."""

    def __init__(self, home: str | Path | None = None) -> None:
        self.home = Path(home).expanduser() if home is not None else default_home()
        self.path = self.home / DB_NAME
        self.notices: list[str] = []
        self._store: Store | None = None
        self._data_version = -1
        self._reset()

    # -- database -----------------------------------------------------------------------

    @property
    def store(self) -> Store:
        """The open database, created and loaded with the bundled data on first use."""
        if self._store is None:
            self._store = self._open()
        return self._store

    def _open(self) -> Store:
        return open_database(self.home, self.notices)

    def build(self) -> tuple[Path | None, str]:
        """Move the database aside and build a new one from the bundled list and CMS file;
        returns where the old one went and whether it was sound (see ``rebuild_database``)."""
        self.close()
        moved = rebuild_database(self.home)
        self._reset()
        return moved

    def verify(self) -> None:
        """Raise DatabaseDamaged unless the database passes ``PRAGMA quick_check`` (a server
        checks once at start rather than failing on the first request that meets a bad page)."""
        self.store.verify()

    def close(self) -> None:
        """Close the database connection."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def _reset(self) -> None:
        self._versions: list[ListVersion] | None = None
        self._entries: dict[str, list[Entry]] = {}
        self._hcpcs: dict[str, HcpcsCode | None] = {}
        self._modifiers: dict[str, HcpcsCode] | None = None
        self._known: frozenset[str] | None = None  # the CMS code set, for typed ranges
        # Word searches: (text, scope) -> ranked codes (a server sees the same words often).
        self._found: LRU[tuple[str, tuple[Scope, ...]], Any] = LRU(_FOUND_KEPT)
        # Memos per scope: raw text -> answers, and (code, modifiers) -> answer template.
        self._answers: LRU[Scope, LRU[str, list[Determination]]] = LRU(_SCOPE_MEMOS)
        self._templates: LRU[Scope, LRU[str, Determination]] = LRU(_SCOPE_MEMOS)
        self._scopes: LRU[tuple[Any, ...], tuple[Scope, ...]] = LRU(_SCOPES_KEPT)
        # Bumped whenever the memos are dropped: callers holding answer-derived caches (the
        # web's serialized bodies) compare it to know their entries are stale.
        self.generation: int = getattr(self, "generation", -1) + 1
        self._complete = False

    def _fresh(self) -> Store:
        """The store, with caches dropped if another connection changed the data."""
        store = self.store
        version = store.data_version()
        if version != self._data_version:
            self._reset()
            self._data_version = version
        return store

    def preload(self) -> None:
        """Load every entry and CMS record into memory (servers and batch jobs call this)."""
        store = self._fresh()
        entries: dict[str, list[Entry]] = {}
        for entry in store.entries():
            entries.setdefault(entry.code, []).append(entry)
        self._entries = entries
        self._hcpcs = dict(store.hcpcs())
        self._complete = True

    # -- scope --------------------------------------------------------------------------

    def versions(self, list_id: str | None = None) -> list[ListVersion]:
        """Every imported list version (of one list)."""
        store = self._fresh()
        if self._versions is None:
            self._versions = store.versions()
        return [v for v in self._versions if list_id is None or v.list_id == list_id]

    def scope(
        self,
        payer: str | None = None,
        line_of_business: str | None = None,
        date: dt.date | None = None,
        state: str | None = None,
    ) -> Scope:
        """Resolve payer and line of business (default: the only one loaded) and the versions
        in force on ``date`` (default: today)."""
        found = self.scopes(payer, line_of_business, date, state)
        if len(found) > 1:
            known = ", ".join(f"{s.payer} / {s.line_of_business}" for s in found)
            raise ScopeError(
                f"several payers / lines of business are loaded ({known}); "
                "say which one (--payer / --lob on the command line; payer, line_of_business in "
                "the library and the API)"
            )
        return found[0]

    def browse_scope(
        self,
        payer: str | None = None,
        line_of_business: str | None = None,
        date: dt.date | None = None,
    ) -> Scope:
        """The scope a one-payer view uses when it must pick one (the library's ``show``, the
        web upload): the payer named, else the only one loaded, else the bundled first list's
        payer (Cigna Commercial) or the first loaded in name order. Each answer names its
        payer; ``determine``, ``show_all`` and ``categories`` answer every payer when none is
        named."""
        found = self.scopes(payer, line_of_business, date)
        if len(found) == 1 or payer is not None or line_of_business is not None:
            return self.scope(payer, line_of_business, date)  # names the choice to make
        preferred = next((v for v in self.versions() if v.list_id == BUNDLED_LIST_ID), None)
        for scope in found:
            if preferred is not None and (scope.payer, scope.line_of_business) == (
                preferred.payer,
                preferred.line_of_business,
            ):
                return scope
        return found[0]

    def scopes(
        self,
        payer: str | None = None,
        line_of_business: str | None = None,
        date: dt.date | None = None,
        state: str | None = None,
    ) -> tuple[Scope, ...]:
        """One scope per loaded payer and line of business matching (all when none is named),
        each with the versions in force on ``date`` (default: today)."""
        when = date or dt.date.today()
        # Names pasted or passed from scripts carry stray spaces; they name the same payer.
        payer = payer.strip() if payer is not None else None
        line_of_business = line_of_business.strip() if line_of_business is not None else None
        state = state.strip().upper() or None if state is not None else None
        key = (payer, line_of_business, when, state)
        cached = self._scopes.get(key)
        if cached is not None:
            return cached
        all_versions = self.versions()
        pairs = sorted({(v.payer, v.line_of_business) for v in all_versions})
        chosen = [
            p
            for p in pairs
            if (payer is None or p[0].lower() == payer.lower())
            and (line_of_business is None or p[1].lower() == line_of_business.lower())
        ]
        if not chosen:
            known = ", ".join(f"{p} / {lob}" for p, lob in pairs) or "none"
            raise ScopeError(
                f"no list loaded for payer {'any' if payer is None else payer!r} and line of "
                f"business {'any' if line_of_business is None else line_of_business!r}; "
                f"loaded: {known}"
            )
        order = {id(v): i for i, v in enumerate(all_versions)}
        result: list[Scope] = []
        for the_payer, the_lob in chosen:
            in_force: list[ListVersion] = []
            missing: list[str] = []
            lists = sorted(
                {
                    v.list_id
                    for v in all_versions
                    if (v.payer, v.line_of_business) == (the_payer, the_lob)
                }
            )
            for list_id in lists:
                candidates = [
                    v
                    for v in all_versions
                    if v.list_id == list_id and (v.effective is None or v.effective <= when)
                ]
                if not candidates:
                    missing.append(list_id)
                    continue
                # Latest effective date wins; an unknown date counts as "since always".
                in_force.append(
                    max(candidates, key=lambda v: (v.effective or dt.date.min, order[id(v)]))
                )
            result.append(Scope(the_payer, the_lob, when, tuple(in_force), tuple(missing), state))
        self._scopes[key] = tuple(result)
        return tuple(result)

    # -- determination ------------------------------------------------------------------

    def _load(self, codes: Iterable[str]) -> None:
        wanted = [c for c in set(codes) if c not in self._hcpcs]
        if not wanted or self._complete:
            return
        store = self.store
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for code in chunk:
                self._entries.setdefault(code, [])
            for entry in store.entries(chunk):
                self._entries[entry.code].append(entry)
            found = store.hcpcs(chunk)
            for code in chunk:
                self._hcpcs[code] = found.get(code)

    def _modifier_set(self) -> dict[str, HcpcsCode]:
        if self._modifiers is None:
            self._modifiers = self.store.hcpcs(kind="modifier")
        return self._modifiers

    def determine(
        self,
        queries: str | Iterable[str],
        *,
        payer: str | None = None,
        line_of_business: str | None = None,
        date: dt.date | None = None,
        state: str | None = None,
    ) -> list[Determination]:
        """Answer every code in ``queries`` (a string of one or more codes, or a list of them),
        in order. Never raises for bad codes: they come back as ``invalid``.

        With no payer named and several loaded, each query is answered once per payer and
        line of business (each answer naming its payer; never one payer's list for another).
        ``state`` (the member's, e.g. "TX") picks the contact where a list routes by state.
        """
        self._fresh()
        scopes = self.scopes(payer, line_of_business, date, state)
        texts = [queries] if isinstance(queries, str) else list(queries)
        if len(scopes) == 1:
            return [a for answers in self._determine(texts, scopes[0]) for a in answers]
        per_scope = [self._determine(texts, scope) for scope in scopes]
        return [a for i in range(len(texts)) for answers in per_scope for a in answers[i]]

    def _determine(self, texts: list[str], scope: Scope) -> list[list[Determination]]:
        memo = self._answers.setdefault(
            scope, lambda: LRU(_ANSWERS_KEPT, max_size=_ANSWERS_KEPT, size=len)
        )
        if not self._complete:
            wanted: set[str] = set()
            for text in texts:
                if text not in memo:
                    wanted.update(p.code for p in self._parse(text) if p.code is not None)
            self._load(wanted)
        templates = self._templates.setdefault(scope, lambda: LRU(_TEMPLATES_KEPT))
        out: list[list[Determination]] = []
        for text in texts:
            answers = memo.get(text)
            if answers is None:
                answers = []
                for parsed in self._parse(text):
                    if parsed.code is None:
                        answers.append(
                            invalid(parsed, scope.payer, scope.line_of_business, scope.date)
                        )
                        continue
                    rows = self._in_force(parsed.code, scope)
                    cached = templates.get(parsed.code)
                    if any(e.modifiers for e in rows):
                        # Rows that apply only with some modifiers: the answer depends on them.
                        base = self._answer(parsed.code, scope, parsed.modifiers)
                    elif cached is None:
                        base = templates[parsed.code] = self._answer(parsed.code, scope)
                    else:
                        base = cached
                    answer = apply_modifiers(
                        base,
                        parsed,
                        # Only modifiers need the rows again (rental on purchase-only codes).
                        rows if parsed.modifiers else (),
                        # Read the CMS modifiers only when a query has some (not at start).
                        self._modifier_set() if parsed.modifiers else _NO_MODIFIERS,
                    )
                    if parsed.range:  # a typed range: say it was expanded, on every answer
                        note = codes_mod.range_note(parsed.query, parsed.range)
                        answer = replace(answer, notes=(*answer.notes, note))
                    answers.append(answer)
                memo[text] = answers
            out.append(answers)
        return out

    def _parse(self, text: str) -> list[ParsedCode]:
        """Split a text into queries and parse each (a blank text is one invalid query); a
        typed range (K0813-K0816) is each code of it in the CMS set."""
        parsed = codes_mod.parse_queries(text, self._known_codes)
        return parsed or [codes_mod.parse_code(text)]

    def _known_codes(self) -> frozenset[str]:
        if self._known is None:
            self._known = frozenset(self._hcpcs) if self._complete else self.store.hcpcs_codes()
        return self._known

    def _in_force(self, code: str, scope: Scope) -> list[Entry]:
        keys = scope.keys
        return [e for e in self._entries.get(code, ()) if (e.list_id, e.version) in keys]

    def _answer(self, code: str, scope: Scope, modifiers: tuple[str, ...] = ()) -> Determination:
        entries = self._in_force(code, scope)
        effective = {v.list_id: v.effective for v in scope.versions}
        answer = determine_code(
            code,
            entries,
            payer=scope.payer,
            line_of_business=scope.line_of_business,
            hcpcs=self._hcpcs.get(code),
            date=scope.date,
            version_effective=next((effective[e.list_id] for e in entries), None),
            program=" / ".join(sorted({v.program for v in scope.versions}))
            or "prior-authorization",
            policies={v.list_id: v.policy for v in scope.versions},
            state=scope.state,
            modifiers=modifiers,
        )
        if not answer.versions:
            # Every answer names the versions it used; for an unlisted code, those consulted.
            answer = replace(answer, versions=tuple(f"{lid}@{v}" for lid, v in sorted(scope.keys)))
        if scope.missing:
            absent = ", ".join(scope.missing)
            when = scope.date.isoformat()
            note = f"No version of {absent} is in force on {when}; that list was not consulted."
            answer = replace(
                answer,
                warnings=(*answer.warnings, note),
                warning_codes=(*answer.warning_codes, "list_not_in_force"),
            )
            if answer.status is Status.NOT_LISTED:
                # "No list mentions it" would be a guess: a list that may is not in force yet.
                honest = (
                    f"No list in force on {when} mentions this code, but {absent} has no version "
                    "in force on that date and was not consulted, so this answer is incomplete."
                )
                answer = replace(
                    answer,
                    notes=tuple(n.replace(NOTE_NOT_LISTED, honest) for n in answer.notes),
                    message=honest,
                )
        return answer

    def determine_one(self, query: str, **kwargs: Any) -> Determination:
        """The first answer for one query string."""
        return self.determine([query], **kwargs)[0]

    # -- other reads --------------------------------------------------------------------

    def show(
        self,
        query: str,
        *,
        payer: str | None = None,
        line_of_business: str | None = None,
        date: dt.date | None = None,
        state: str | None = None,
    ) -> CodeReport:
        """Everything known about one code for one payer: answer, every published row of its
        lists (all versions), CMS. With no payer named and several loaded, the payer
        :meth:`browse_scope` picks, and the answer says so (:meth:`show_all` answers each).
        ``state`` (the member's) picks the contact where a list routes by state."""
        scope = self.browse_scope(payer, line_of_business, date)
        report = self._report(query, scope, date, state)
        answer = report.determination
        if answer.code is None or payer is not None or line_of_business is not None:
            return report
        others = [
            f"{s.payer} / {s.line_of_business}"
            for s in self.scopes(None, None, date)
            if (s.payer, s.line_of_business) != (scope.payer, scope.line_of_business)
        ]
        if not others:
            return report
        note = (
            f"Answered for {scope.payer} / {scope.line_of_business} only; "
            f"{', '.join(others)} {'is' if len(others) == 1 else 'are'} loaded too: "
            "name the payer for its answer."
        )
        return replace(report, determination=replace(answer, notes=(*answer.notes, note)))

    def show_all(
        self,
        query: str,
        *,
        payer: str | None = None,
        line_of_business: str | None = None,
        date: dt.date | None = None,
        state: str | None = None,
    ) -> list[CodeReport]:
        """:meth:`show` once per payer and line of business asked (every loaded one when none
        is named), each report naming its payer and holding only its own lists' rows. A query
        that is not a code gets one report: the same for every payer, said once."""
        reports: list[CodeReport] = []
        for scope in self.scopes(payer, line_of_business, date, state):
            reports.append(self._report(query, scope, date, state))
            if reports[0].determination.code is None:
                break
        return reports

    def _report(
        self, query: str, scope: Scope, date: dt.date | None, state: str | None
    ) -> CodeReport:
        """One payer's report: the answer and the rows come from one scope (determine alone
        would answer every payer, and its first answer need not be the payer whose rows are
        shown)."""
        from precert.reports import CodeReport

        answer = self.determine_one(
            query, payer=scope.payer, line_of_business=scope.line_of_business, date=date,
            state=state,
        )  # fmt: skip
        if answer.code is None:
            return CodeReport(answer, (), None)
        lists = {
            v.list_id
            for v in self.versions()
            if (v.payer, v.line_of_business) == (scope.payer, scope.line_of_business)
        }
        rows = tuple(e for e in self.store.entries([answer.code]) if e.list_id in lists)
        return CodeReport(answer, rows, answer.hcpcs)

    def search(
        self,
        text: str,
        *,
        status: str | Status | None = None,
        category: str | None = None,
        limit: int = 20,
        offset: int = 0,
        payer: str | None = None,
        line_of_business: str | None = None,
        date: dt.date | None = None,
        state: str | None = None,
    ) -> SearchResults:
        """Codes of the whole CMS HCPCS set and the lists in scope, ranked by relevance to
        words (staff vocabulary, order, case, plurals and typos forgiven), each with the answers
        ``determine`` gives it (one per payer when several are in scope). Codes or ranges typed
        are answered as they are. ``offset`` and ``limit`` count codes; ``more`` says whether
        another page follows."""
        from precert.reports import SearchResults

        store = self._fresh()
        scopes = self.scopes(payer, line_of_business, date)
        versions = sorted({key for scope in scopes for key in scope.keys})
        wanted_status = Status(status) if status else None
        want_category = category.strip().lower() if category else None
        corrections: dict[str, list[str]] = {}
        notes: list[str] = []
        queries = codes_mod.split_queries(text)
        if not text.strip():
            # No words: every code of the lists in scope (of the status / category asked).
            codes = list(dict.fromkeys(e.code for e in store.entries(versions=versions)))
        elif queries and all(
            codes_mod.parse_range(q) is not None or codes_mod.parse_code(q).code is not None
            for q in queries
        ):
            # Codes typed in the search box are answered as `check` answers them.
            codes = list(dict.fromkeys(p.code for p in self._parse(text) if p.code is not None))
            for query in queries:
                span = codes_mod.parse_range(query)
                if span is not None:
                    expanded = codes_mod.expand_range(span[0], span[1], self._known_codes())
                    notes.append(codes_mod.range_note(query, expanded))
        else:
            from precert import finding  # `precert check` need not load the search modules

            key = (text, scopes)
            found = self._found.get(key)
            if found is None:
                analysed = finding.analyse(store, text, versions)
                found = finding.find_codes(store, analysed, versions, scopes[0].date)
                self._found[key] = found
            codes = list(found.codes)
            corrections = dict(found.query.corrections)
            notes.extend(finding.correction_notes(found.query))
            if found.query.dropped:
                notes.append(
                    f"only the first {len(found.query.words)} words were searched; "
                    f"{found.query.dropped} more were left out"
                )
        hits: list[Determination] = []
        matched = 0  # codes with at least one answer that passes the filters
        more = False
        # Determine only as far as needed: the page and one code more (is there another
        # page?), then, when filters leave too few, a hundred at a time.
        start, size = 0, offset + limit + 1
        while start < len(codes):
            chunk = codes[start : start + size]
            start, size = start + size, 100
            answers = self.determine(
                chunk, payer=payer, line_of_business=line_of_business, date=date, state=state
            )
            for code in chunk:
                group = [a for a in answers if a.code == code]
                kept = [
                    a
                    for a in group
                    if (wanted_status is None or a.status is wanted_status)
                    and (not want_category or (a.category or "").lower() == want_category)
                ]
                if not kept:
                    continue
                matched += 1
                if matched > offset + limit:
                    more = True
                    break
                if matched > offset:
                    hits.extend(kept)
            if more:
                break
        return SearchResults(
            text,
            tuple(hits),
            corrections,
            offset=offset,
            limit=limit,
            more=more,
            notes=tuple(notes),
        )

    def lists(self) -> list[ListVersion]:
        """Every list version loaded."""
        return self.versions()

    def categories(
        self,
        *,
        payer: str | None = None,
        line_of_business: str | None = None,
        date: dt.date | None = None,
    ) -> list[dict[str, Any]]:
        """Clean categories in force with code counts, status counts and published spellings,
        for the payer and line of business asked (every loaded one when none is named: each
        item names its ``payer`` and ``line_of_business``; never one payer for all)."""
        return [
            item
            for scope in self.scopes(payer, line_of_business, date)
            for item in self._categories(scope, date)
        ]

    def _categories(self, scope: Scope, date: dt.date | None) -> list[dict[str, Any]]:
        entries = self.store.entries(versions=sorted(scope.keys))
        answers = {
            a.code: a
            for a in self.determine(
                sorted({e.code for e in entries}),
                payer=scope.payer,
                line_of_business=scope.line_of_business,
                date=date,
            )
        }
        table: dict[str, dict[str, Any]] = {}
        for entry in entries:
            name = entry.category or "(none)"
            item = table.setdefault(
                name,
                {"category": entry.category, "codes": set(), "published": set(), "statuses": {}},
            )
            item["published"].add(entry.category_raw)
            if entry.code not in item["codes"]:
                item["codes"].add(entry.code)
                status = answers[entry.code].status.value
                item["statuses"][status] = item["statuses"].get(status, 0) + 1
        return [
            {
                "payer": scope.payer,
                "line_of_business": scope.line_of_business,
                "category": v["category"],
                "codes": len(v["codes"]),
                "statuses": v["statuses"],
                "published": sorted(v["published"]),
            }
            for _, v in sorted(table.items(), key=lambda kv: (-len(kv[1]["codes"]), kv[0]))
        ]

    # -- imports ------------------------------------------------------------------------

    def import_list(
        self,
        path: str | Path,
        *,
        list_id: str | None = None,
        effective: dt.date | None = None,
        payer: str | None = None,
        line_of_business: str | None = None,
        program: str | None = None,
        profile: Profile | str | Path | None = None,
    ) -> ImportResult:
        """Load a file as a list or a new version of one (atomic), read through ``profile``
        (a Profile, a TOML file or a bundled profile's name); without one, the bundled profile
        of ``list_id`` or the published text layout. The list id is ``list_id`` or the
        profile's, never a default; an existing list must have the same payer and line of
        business."""
        from precert.importer import import_file

        result = import_file(
            self.store,
            path,
            known=self.store.hcpcs_codes(),
            profile=profile,
            list_id=list_id,
            effective=effective,
            payer=payer,
            line_of_business=line_of_business,
            program=program,
        )
        self._reset()
        return result

    def dry_run(
        self,
        path: str | Path,
        *,
        list_id: str | None = None,
        payer: str | None = None,
        line_of_business: str | None = None,
        program: str | None = None,
        profile: Profile | str | Path | None = None,
    ) -> Iterator[RowReading | RowError]:
        """How every row of a file reads through its profile, changing nothing."""
        from precert.importer import dry_run_file

        return dry_run_file(
            self.store,
            path,
            known=self.store.hcpcs_codes(),
            profile=profile,
            list_id=list_id,
            payer=payer,
            line_of_business=line_of_business,
            program=program,
        )

    def read_profile(
        self,
        path: str | Path,
        *,
        list_id: str | None = None,
        payer: str | None = None,
        line_of_business: str | None = None,
        program: str | None = None,
    ) -> Profile:
        """The profile :meth:`import_list` reads a file with when given none."""
        from precert.importer import profile_of_file

        return profile_of_file(
            self.store,
            path,
            list_id=list_id,
            payer=payer,
            line_of_business=line_of_business,
            program=program,
        )

    def list_versions(self, list_id: str) -> list[ListVersion]:
        """The versions of one loaded list; UnknownListError (naming the loaded lists) if none."""
        versions = self.versions(list_id)
        if not versions:
            loaded = ", ".join(sorted({v.list_id for v in self.versions()})) or "none"
            raise UnknownListError(f"no list {list_id!r} is loaded (loaded lists: {loaded})")
        return versions

    def remove_list(self, list_id: str) -> tuple[int, int]:
        """Remove a list with all its versions and rows (atomic); returns (versions, rows)."""
        self.list_versions(list_id)
        removed = self.store.remove_list(list_id)
        self._reset()
        return removed

    def import_hcpcs(self, path: str | Path) -> tuple[int, int]:
        """Replace the CMS code set with a newer quarterly file; returns (codes, modifiers)."""
        from precert.readers.hcpcs import read_hcpcs

        cms = read_hcpcs(path)
        self.store.replace_hcpcs(cms.name, cms.sha256, cms.codes, cms.modifiers)
        self._reset()
        return len(cms.codes), len(cms.modifiers)


@lru_cache(maxsize=256)
def _scope_keys(versions: tuple[ListVersion, ...]) -> frozenset[tuple[str, str]]:
    return frozenset((v.list_id, v.version) for v in versions)


_default: Precert | None = None


def default() -> Precert:
    """The process-wide instance over ``PRECERT_HOME``."""
    global _default
    if _default is None:
        _default = Precert()
    return _default


def determine(queries: str | Iterable[str], **kwargs: Any) -> list[Determination]:
    """Answer codes with the default database (see :meth:`Precert.determine`)."""
    return default().determine(queries, **kwargs)


def search(text: str, **kwargs: Any) -> SearchResults:
    """Search the default database (see :meth:`Precert.search`)."""
    return default().search(text, **kwargs)


def show(query: str, **kwargs: Any) -> CodeReport:
    """Everything known about one code (see :meth:`Precert.show`)."""
    return default().show(query, **kwargs)


def lists() -> list[ListVersion]:
    """Loaded list versions (see :meth:`Precert.lists`)."""
    return default().lists()


def categories(**kwargs: Any) -> list[dict[str, Any]]:
    """Categories in force (see :meth:`Precert.categories`)."""
    return default().categories(**kwargs)
