"""Helpers shared by the page and API modules: JSON bodies, scope errors, list versions."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from weakref import WeakKeyDictionary

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.responses import Response

from precert.caching import LRU
from precert.codes import split_queries
from precert.dates import DateError, parse_date
from precert.models import Determination, Entry, ListVersion, Status
from precert.service import Precert, ScopeError
from precert.web.problems import ApiProblem
from precert.web.schemas import MAX_CODES, MAX_QUERY, STATE, STATE_MESSAGE

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def check_public_url(url: str) -> str:
    """``url`` without a trailing slash, or ValueError saying what a public URL looks like."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"public URL {url!r} must be http(s)://host[:port][/path], "
            "without a query or fragment, e.g. https://precert.example.org"
        )
    return url.strip().rstrip("/")


def public_url(request: Request) -> str:
    """The server's public URL (``--public-url`` / PRECERT_PUBLIC_URL), for absolute links."""
    url: str = getattr(request.app.state, "public_url", DEFAULT_PUBLIC_URL)
    return url


def dumps(payload: Any) -> bytes:
    """Compact UTF-8 JSON (what FastAPI would send, without its encoder's walk)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


_JSON_TYPE = (b"content-type", b"application/json")


class JSONBytes(Response):
    """A response whose body is already-serialized JSON."""

    media_type = "application/json"

    def __init__(
        self,
        content: bytes,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        if status_code != 200 or headers is not None or media_type is not None or background:
            super().__init__(content, status_code, headers, media_type, background)
            return
        # Every cached answer takes this path: the headers Response would work out for a
        # 200 of bytes, without its generic header building (~2 µs of ~27 in the app).
        self.status_code = 200
        self.background = None
        self.body = content
        self.raw_headers = [(b"content-length", str(len(content)).encode()), _JSON_TYPE]


class AnswerBodies:
    """Serialized ``{"determinations": [...]}`` bodies by request, bounded in bytes.

    A repeated query is answered from here without touching the service (no SQL, no thread
    hop). An entry belongs to one generation of the service's data and to one day (a query
    without a date means today); the generation is re-read through the service at most every
    ``recheck`` seconds, so an import made by another process shows within that time. When
    the time is up, one check of the data version (:meth:`revalidate`) serves every request
    waiting on it: under load, a burst of requests would otherwise each determine its answer
    afresh in the thread pool (measured: ~5 % of requests, ~15 % of the throughput).
    """

    def __init__(
        self,
        service: Precert,
        *,
        max_entries: int = 4096,
        max_bytes: int = 16 * 1024 * 1024,
        recheck: float = 0.5,
    ) -> None:
        self.service = service
        self.recheck = recheck
        self.checked_at = float("-inf")
        # The check in flight, and the event loop it runs on (tests run several loops).
        self._check: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = None
        self._day, self._day_ends = dt.date.min, float("-inf")  # see _today
        # Value: (generation, body, bytes charged: the body and its key).
        self._cache: LRU[tuple[bytes, dt.date], tuple[int, bytes, int]] = LRU(
            max_entries, max_size=max_bytes, size=lambda v: v[2]
        )

    def stale(self) -> bool:
        """True when the data version was last checked over ``recheck`` seconds ago."""
        return time.monotonic() - self.checked_at > self.recheck

    def cached(self, key: bytes) -> bytes | None:
        """The body for this request key, if held, current, and recently checked."""
        if self.stale():
            return None
        hit = self._cache.get((key, self._today()))
        if hit is None or hit[0] != self.service.generation:
            return None
        return hit[1]

    def _today(self) -> dt.date:
        """Today's date, recomputed only after local midnight (``date.today()`` costs more
        than the rest of a cache lookup)."""
        if time.time() >= self._day_ends:
            today = dt.date.today()
            tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
            self._day, self._day_ends = today, tomorrow.timestamp()
        return self._day

    async def revalidate(self) -> None:
        """Re-read the data version (in the thread pool: SQLite never runs on the event loop),
        once for all the requests that ask while a check is running."""
        loop = asyncio.get_running_loop()
        check = self._check
        if check is None or check[0] is not loop or check[1].done():
            future: asyncio.Future[None] = loop.create_task(run_in_threadpool(self._refresh))
            self._check = check = (loop, future)
        # Shielded: a client that goes away does not cancel the others' check.
        await asyncio.shield(check[1])

    def _refresh(self) -> None:
        started = time.monotonic()
        self.service.versions()  # drops the service's memos (a new generation) if data changed
        self.checked_at = max(self.checked_at, started)

    def answer(self, key: bytes, params: QueryParams | DeterminationQuery) -> bytes:
        """Determine and serialize (blocking: SQLite may be read), keeping the body.

        ``params`` are a GET's query parameters or a POST's parsed body; 422 (as
        RequestValidationError) for malformed ones, or for a payer not loaded.
        """
        today = self._today()
        started = time.monotonic()
        query = params if isinstance(params, DeterminationQuery) else parse_query(params)
        try:
            answers = self.service.determine(
                query.codes,
                payer=query.payer,
                line_of_business=query.lob,
                date=query.date,
                state=query.state,
            )
        except ScopeError as exc:
            raise scope_problem(exc, query.where, query.payer, query.lob) from None
        # The service checked the data version just now: what it holds is current.
        generation = self.service.generation
        self.checked_at = max(self.checked_at, started)
        body = dumps({"determinations": [a.to_dict() for a in answers]})
        if key:
            self._cache.put((key, today), (generation, body, len(body) + len(key)))
        return body

    @property
    def bytes(self) -> int:
        """Bytes of bodies (and keys) held."""
        return self._cache.total

    def __len__(self) -> int:
        return len(self._cache)


@dataclass(frozen=True, slots=True)
class DeterminationQuery:
    """A determination request, validated: codes as typed, date, payer, line of business."""

    codes: list[str]
    date: dt.date | None
    payer: str | None
    lob: str | None
    where: str = "query"  # "query" or "body": where a 422 says the problem is
    state: str | None = None  # the member's state (routes requests where a list says so)


def count_codes(texts: list[str]) -> int:
    """How many answers ``texts`` make: each text holds one or more codes (a blank one is
    one invalid answer), so a limit on codes counts them after splitting."""
    return sum(max(1, len(split_queries(text))) for text in texts)


def too_many_codes(count: int) -> str:
    """The message for a request over :data:`MAX_CODES` codes."""
    return (
        f"at most {MAX_CODES:,} codes per request, counted after splitting pasted text "
        f"(this one holds {count:,}); send several requests or use the batch screener"
    )


DETERMINATION_QUERY = ("code", "date", "payer", "line_of_business", "state")


def unknown_parameters(params: QueryParams, known: Iterable[str]) -> list[dict[str, Any]]:
    """A 422 problem for each query parameter the endpoint does not take (a misspelt
    ``lmit`` or ``payor`` would otherwise be ignored, and the answer look like an answer
    to the question asked)."""
    allowed = sorted(set(known))
    return [
        _problem("unknown_parameter", name, f"unknown query parameter {name!r}; this endpoint "
                 f"takes {', '.join(allowed) or 'none'}", params.get(name, "")[:40])
        for name in dict.fromkeys(params.keys())
        if name not in allowed
    ]  # fmt: skip


def parse_query(params: QueryParams) -> DeterminationQuery:
    """The parameters of ``GET /v1/determinations``, validated with FastAPI's 422 error shape
    (``loc`` names the field)."""
    errors: list[dict[str, Any]] = unknown_parameters(params, DETERMINATION_QUERY)
    codes = params.getlist("code")
    if not codes:
        errors.append(_problem("missing", "code", "Field required", None))
    elif len(codes) > MAX_CODES:
        errors.append(_problem("too_long", "code", f"List should have at most {MAX_CODES} "
                               f"items after validation, not {len(codes)}", None))  # fmt: skip
    else:
        for index, code in enumerate(codes):
            if len(code) > MAX_QUERY:
                errors.append(_problem("string_too_long", "code", f"String should have at most "
                              f"{MAX_QUERY} characters", code[:40], index))  # fmt: skip
        if not errors and (count := count_codes(codes)) > MAX_CODES:
            errors.append(_problem("too_long", "code", too_many_codes(count), None))
    date: dt.date | None = None
    text = params.get("date")
    if text:
        date = parse_date(text)
        if date is None:
            errors.append(_problem("date_parsing", "date", str(DateError(text)), text[:40]))
    payer = params.get("payer") or None
    lob = params.get("line_of_business") or None
    for name, value in (("payer", payer), ("line_of_business", lob)):
        if value is not None and len(value) > MAX_QUERY:
            errors.append(_problem("string_too_long", name, f"String should have at most "
                                   f"{MAX_QUERY} characters", value[:40]))  # fmt: skip
    state = params.get("state") or None
    if state is not None and not STATE.fullmatch(state):
        errors.append(_problem("string_pattern_mismatch", "state", STATE_MESSAGE, state[:40]))
    if errors:
        raise RequestValidationError(errors)
    return DeterminationQuery(codes, date, payer, lob, state=state.upper() if state else None)


def _problem(
    kind: str, field: str, message: str, value: object, index: int | None = None
) -> dict[str, Any]:
    loc: tuple[str | int, ...] = ("query", field) if index is None else ("query", field, index)
    return {"type": kind, "loc": loc, "msg": message, "input": value}


def scope_problem(exc: ScopeError, where: str, payer: str | None, lob: str | None) -> Exception:
    """A 422 naming the payer (or line of business) field that could not be resolved."""
    field = "line_of_business" if payer is None and lob is not None else "payer"
    return RequestValidationError(
        [{"type": f"unknown_{field}", "loc": (where, field), "msg": str(exc),
          "input": payer or lob}]
    )  # fmt: skip


def cached_categories(
    service: Precert, payer: str | None, lob: str | None, date: dt.date | None
) -> list[dict[str, Any]]:
    """``service.categories(...)``, memoized until the loaded lists change (it walks them all)."""
    cache = _CATEGORIES.setdefault(service, {})
    key = (tuple(service.lists()), payer, lob, date or dt.date.today())
    items = cache.get(key)
    if items is None:
        if len(cache) > 64:
            cache.clear()
        items = cache[key] = service.categories(payer=payer, line_of_business=lob, date=date)
    return items


_CATEGORIES: WeakKeyDictionary[Precert, dict[tuple[Any, ...], list[dict[str, Any]]]] = (
    WeakKeyDictionary()
)


def list_version(service: Precert, list_id: str, version: str | None) -> ListVersion:
    """A version of a list: the one asked for, else the one in force today, else the latest."""
    versions = service.versions(list_id)
    if not versions:
        known = ", ".join(sorted({v.list_id for v in service.lists()})) or "none"
        raise ApiProblem("unknown_list", f"no list {list_id!r}; loaded lists: {known}")
    if version is not None:
        for candidate in versions:
            if candidate.version == version:
                return candidate
        known = ", ".join(v.version for v in versions)
        raise ApiProblem(
            "unknown_version", f"list {list_id!r} has no version {version!r}; it has {known}"
        )
    first = versions[0]
    try:
        scope = service.scope(first.payer, first.line_of_business)
    except ScopeError:
        return versions[-1]
    for candidate in scope.versions:
        if candidate.list_id == list_id:
            return candidate
    return versions[-1]


def list_entries(service: Precert, version: ListVersion) -> list[Entry]:
    """Every published row of one list version, in source order."""
    return service.store.entries(versions=[(version.list_id, version.version)])


# -- page parts: the all-payers table and answers as plain text -----------------------------


@dataclass(frozen=True, slots=True)
class GridRow:
    """One pasted code across the payers: a cell per column (None: no answer for that payer,
    e.g. filtered out by status)."""

    query: str
    code: str | None
    modifiers: tuple[str, ...]
    cells: tuple[Determination | None, ...]

    @property
    def description(self) -> str | None:
        """What the code is (the first payer's answer that says)."""
        return next((a.description for a in self.cells if a is not None and a.description), None)


def answer_grid(
    answers: list[Determination], payers: list[tuple[str, str]] | None = None
) -> tuple[list[tuple[str, str]], list[GridRow]]:
    """Answers to pasted codes for every payer as (columns, rows): ``payers`` (payer, line of
    business; default: those answering, in order) across, codes down in the order typed. The
    service answers each query once per payer in turn, so a row ends where a payer repeats or
    the query changes (a code typed twice stays two rows, as on the one-payer page)."""
    answering = ((a.payer or "", a.line_of_business or "") for a in answers)
    columns = list(dict.fromkeys([*(payers or ()), *answering]))
    index = {column: i for i, column in enumerate(columns)}
    rows: list[GridRow] = []
    current: dict[int, Determination] = {}

    def flush() -> None:
        first = next(iter(current.values()))
        cells = tuple(current.get(i) for i in range(len(columns)))
        rows.append(GridRow(first.query, first.code, first.modifiers, cells))
        current.clear()

    for answer in answers:
        column = index[(answer.payer or "", answer.line_of_business or "")]
        if current and (column in current or next(iter(current.values())).query != answer.query):
            flush()
        current[column] = answer
    if current:
        flush()
    return columns, rows


def code_url(answer: Determination, name_payer: object, state: str = "") -> str:
    """The link from an answer to its code page: with its payer (and the member's state)
    when several payers are loaded or one was chosen, so the page shows the same answer."""
    if not answer.payer or not name_payer:
        return f"/codes/{quote(answer.code or '')}"
    query = {"payer": answer.payer, "lob": answer.line_of_business or ""}
    if state:
        query["state"] = state
    return f"/codes/{quote(answer.code or '')}?{urlencode(query)}"


def where_to_send(answer: Determination) -> str:
    """Where the request goes, in a few words (the all-payers table's cell)."""
    if answer.submit_to is not None:
        return answer.submit_to.name
    if answer.more_info is not None and answer.status in (Status.OUT_OF_SCOPE, Status.NOT_LISTED):
        return f"Next step: {answer.more_info.label}"
    return ""


def answer_text(answer: Determination, today: dt.date | None = None) -> str:
    """One answer as plain text for the clipboard, in the CLI's plain layout: code, status,
    where to send it, then payer, sources, the date of service and the next step."""
    code = (answer.code or answer.query.strip()) + (
        "-" + "-".join(answer.modifiers) if answer.modifiers else ""
    )
    to = answer.submit_to.describe() if answer.submit_to is not None else "-"
    lines = [f"{code}  {answer.status.label.upper()}  submit to: {to}"]
    if answer.payer is not None:
        lines.append(f"    payer: {answer.payer} / {answer.line_of_business}")
    if answer.qualifier is not None:
        lines.append(f"    qualifier: {answer.qualifier}")
    if answer.description:
        lines.append(f"    {answer.description}")
    lines.extend(
        f"    by the member's state: {c.name}: {' '.join(c.states)}" for c in answer.submit_options
    )
    if answer.message:
        lines.append(f"    {answer.message}")
    lines.extend(f"    warning: {w}" for w in answer.warnings)
    lines.extend(f"    source: {s.cite()}" for s in answer.sources)
    when = answer.date or today or dt.date.today()
    lines.append(f"    date of service: {when.isoformat()}")
    if answer.more_info is not None:
        lines.append(f"    next step: {answer.more_info.label}: {answer.more_info.url}")
    return "\n".join(lines) + "\n"


def known_query(request: Request) -> None:
    """Refuse query parameters the route does not declare (422 naming them)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known: list[str] = []
    stack = [dependant]
    while stack:  # the route's own parameters and those of its dependencies
        current = stack.pop()
        known.extend(p.alias for p in current.query_params)
        stack.extend(current.dependencies)
    problems = unknown_parameters(request.query_params, known)
    if problems:
        raise RequestValidationError(problems)


# Every /v1 route but GET /v1/determinations (which reads and checks its parameters itself,
# on the hot path) declares its query parameters and takes this dependency: others are refused.
CHECKED = [Depends(known_query)]
