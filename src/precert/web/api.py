"""The REST API for systems: determinations, codes, search, lists, categories, entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from precert import __version__
from precert.codes import several_codes
from precert.models import Entry, Status
from precert.service import Precert, ScopeError
from precert.web import csvout
from precert.web.common import (
    CHECKED,
    AnswerBodies,
    DeterminationQuery,
    JSONBytes,
    cached_categories,
    count_codes,
    dumps,
    list_entries,
    list_version,
    scope_problem,
    too_many_codes,
)
from precert.web.paging import PageLimit, PageOffset, link_header, next_url, page
from precert.web.routing import RequestRoute
from precert.web.schemas import (
    DATE_DESCRIPTION,
    DETERMINATION_PARAMETERS,
    MAX_CODES,
    MAX_QUERY,
    STATE,
    CategoriesOut,
    CodeOut,
    CodeReportsOut,
    DeterminationRequest,
    DeterminationsOut,
    EntriesOut,
    Health,
    ListsOut,
    PayersOut,
    SearchOut,
    ServiceDate,
    Version,
    responses,
)

# Every route but GET /v1/determinations (which reads and checks its parameters itself, on
# the hot path) declares its query parameters to FastAPI; the others are refused.
# RequestRoute: GET /v1/determinations takes only the Request, so it skips FastAPI's
# parameter solver (precert.web.routing); the other routes are FastAPI's as declared.
router = APIRouter(route_class=RequestRoute)

DateParam = Annotated[ServiceDate, Query(description=DATE_DESCRIPTION)]
PayerParam = Annotated[
    str | None,
    Query(max_length=MAX_QUERY, description="payer (default: the only one loaded)"),
]
LobParam = Annotated[
    str | None,
    Query(max_length=MAX_QUERY, description="line of business (default: the only one loaded)"),
]
StateParam = Annotated[
    str | None,
    Query(pattern=STATE.pattern, description="the member's state (two letters, e.g. TX): picks "
          "the contact where a list routes requests by state, and decides rows for members of "
          "some states only"),
]  # fmt: skip


def setup(app: FastAPI) -> None:
    """Keep the serialized bodies of repeated determinations (bounded; see AnswerBodies)."""
    app.state.answer_bodies = AnswerBodies(app.state.service)


def _service(request: Request) -> Precert:
    service: Precert = request.app.state.service
    return service


def _bodies(request: Request) -> AnswerBodies:
    state = request.app.state
    bodies: AnswerBodies | None = getattr(state, "answer_bodies", None)
    if bodies is None:
        bodies = state.answer_bodies = AnswerBodies(_service(request))
    return bodies


@router.get(
    "/v1/determinations",
    tags=["determinations"],
    summary="Answer codes (query string)",
    response_class=JSONResponse,
    responses={200: {"model": DeterminationsOut}, **responses(422)},
    openapi_extra={"parameters": DETERMINATION_PARAMETERS},
)
async def get_determinations(request: Request) -> Response:
    """Whether each code needs prior authorization and where to send it, in request order.

    A query that is not a code is answered with status `invalid`, never an error. At most
    1,000 codes, counted after splitting (`code=E0466,K0856` is two).
    Example: `GET /v1/determinations?code=E0466&code=K0856-RR`
    """
    # The hot path. A repeated query is a memory lookup on the event loop; anything else
    # (parsing, the service, SQLite) runs in the thread pool, never on the loop. Parameters
    # are read by hand: FastAPI's per-parameter validation would cost as much as the rest,
    # and the errors keep FastAPI's 422 shape.
    bodies = _bodies(request)
    key: bytes = request.scope["query_string"]
    body = bodies.cached(key)
    if body is None and bodies.stale():
        await bodies.revalidate()  # one data-version check for every request waiting on it
        body = bodies.cached(key)
    if body is None:
        body = await run_in_threadpool(bodies.answer, key, request.query_params)
    return JSONBytes(body)


@router.post(
    "/v1/determinations",
    dependencies=CHECKED,
    tags=["determinations"],
    summary="Answer up to 1,000 codes (JSON body)",
    response_class=JSONResponse,
    responses={200: {"model": DeterminationsOut}, **responses(400, 413)},
)
def post_determinations(
    request: Request, body: Annotated[DeterminationRequest, Body()]
) -> Response:
    """The same answers as the GET form, for a JSON body
    ``{"codes": [...], "date": "2026-07-01"}`` (``date`` optional, default today).

    At most 1,000 codes, counted after splitting (`"E0466, K0856"` is two).
    Example: `POST /v1/determinations` with
    `{"codes": ["E0466", "k0856-rr"], "date": "2026-07-01"}`
    """
    count = count_codes(body.codes)
    if count > MAX_CODES:
        raise RequestValidationError(
            [{"type": "too_long", "loc": ("body", "codes"), "msg": too_many_codes(count),
              "input": None}]
        )  # fmt: skip
    query = DeterminationQuery(
        body.codes,
        body.date,
        body.payer,
        body.line_of_business,
        where="body",
        state=body.state.upper() if body.state else None,
    )
    return JSONBytes(_bodies(request).answer(b"", query))


@router.get(
    "/v1/codes/{code}",
    dependencies=CHECKED,
    tags=["codes"],
    summary="Everything known about one code",
    response_class=JSONResponse,
    responses={
        200: {
            "model": CodeOut | CodeReportsOut,
            "description": "one payer in scope: its report; several: `{query, reports}`",
        }
    },
)
def get_code(
    request: Request,
    code: Annotated[str, Path(max_length=MAX_QUERY, examples=["E0466"])],
    date: DateParam = None,
    payer: PayerParam = None,
    line_of_business: LobParam = None,
    state: StateParam = None,
) -> Response:
    """The answer, every published row (all versions, exactly as printed) and CMS's record.

    For one payer and line of business (`payer`, `line_of_business`, or the only one loaded):
    its report. With several in scope (none named), one report per payer and line of business,
    each naming its payer, as `{"query", "reports": [...]}` (what `precert show --json`
    prints); a query that is not a code is one report. An unknown payer is a 422 naming the
    loaded ones. Example: `GET /v1/codes/E0466?payer=Cigna`
    """
    if several_codes(code):  # else only the first code would be answered, silently
        raise RequestValidationError(
            [{"type": "several_codes", "loc": ("path", "code"), "input": code,
              "msg": "one code per request here; GET /v1/determinations answers several"}]
        )  # fmt: skip
    try:
        reports = _service(request).show_all(
            code, payer=payer, line_of_business=line_of_business, date=date,
            state=state.upper() if state else None,
        )  # fmt: skip
    except ScopeError as exc:
        raise scope_problem(exc, "query", payer, line_of_business) from None
    if len(reports) == 1:
        return JSONBytes(dumps(reports[0].to_dict()))
    return JSONBytes(dumps({"query": code, "reports": [r.to_dict() for r in reports]}))


@router.get(
    "/v1/search",
    dependencies=CHECKED,
    tags=["codes"],
    summary="Find codes by words",
    response_class=JSONResponse,
    responses={200: {"model": SearchOut}},
)
def search(
    request: Request,
    q: Annotated[str, Query(max_length=MAX_QUERY, description="words, e.g. hospital bed")] = "",
    status: Annotated[Status | None, Query(description="only this status")] = None,
    category: Annotated[
        str | None, Query(max_length=MAX_QUERY, description="only this clean category")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_CODES, description="most results")] = 20,
    offset: Annotated[
        int, Query(ge=0, le=100_000, description="results to skip (the next page)")
    ] = 0,
    date: DateParam = None,
    payer: PayerParam = None,
    line_of_business: LobParam = None,
    state: StateParam = None,
) -> Response:
    """Codes of the whole CMS HCPCS set and the lists, ranked by relevance to words, each
    with its determination.

    Staff words (hoyer lift, cpap, AFO), order, case, plurals and typos are forgiven; codes
    and ranges (K0813-K0816) are answered as typed. Without words, every code (of the
    status / category asked) in list order. `more` says whether another page follows and
    `next` is its URL (relative; null on the last page).
    Example: `GET /v1/search?q=hospital+bed&status=required&limit=5`
    """
    try:
        results = _service(request).search(
            q, status=status, category=category, limit=limit, offset=offset, payer=payer,
            line_of_business=line_of_business, date=date, state=state.upper() if state else None,
        )  # fmt: skip
    except ScopeError as exc:
        raise scope_problem(exc, "query", payer, line_of_business) from None
    body = results.to_dict()
    body["next"] = next_url(request, offset + limit, limit) if body.get("more") else None
    return JSONBytes(dumps(body))


@router.get(
    "/v1/lists",
    dependencies=CHECKED,
    tags=["lists"],
    summary="Lists loaded and their versions",
    response_class=JSONResponse,
    responses={200: {"model": ListsOut}},
)
def get_lists(request: Request) -> Response:
    """Every imported list version: payer, line of business, program, effective date, rows.

    Example: `GET /v1/lists`
    """
    return JSONBytes(dumps({"lists": [v.to_dict() for v in _service(request).lists()]}))


@router.get(
    "/v1/payers",
    dependencies=CHECKED,
    tags=["lists"],
    summary="Payers, lines of business, programs and the lists in force",
    response_class=JSONResponse,
    responses={200: {"model": PayersOut}},
)
def get_payers(request: Request, date: DateParam = None) -> Response:
    """Whom precert can answer for: each payer and line of business loaded (the values
    `payer` and `line_of_business` take everywhere), their programs and the list versions in
    force on `date` (default today).

    Example: `GET /v1/payers`
    """
    scopes = _service(request).scopes(date=date)
    payers: dict[str, list[dict[str, Any]]] = {}
    for scope in scopes:
        payers.setdefault(scope.payer, []).append(
            {
                "line_of_business": scope.line_of_business,
                "programs": sorted({v.program for v in scope.versions if v.program}),
                "lists": [v.to_dict() for v in scope.versions],
                "not_in_force": list(scope.missing),
            }
        )
    when = scopes[0].date if scopes else (date or dt.date.today())
    return JSONBytes(
        dumps({"date": when.isoformat(),
               "payers": [{"payer": p, "lines_of_business": lobs} for p, lobs in payers.items()]})
    )  # fmt: skip


@router.get(
    "/v1/categories",
    dependencies=CHECKED,
    tags=["lists"],
    summary="Categories with counts",
    response_class=JSONResponse,
    responses={200: {"model": CategoriesOut}},
)
def get_categories(
    request: Request,
    date: DateParam = None,
    payer: PayerParam = None,
    line_of_business: LobParam = None,
) -> Response:
    """Clean categories in force with code and status counts and the published spellings.

    Example: `GET /v1/categories`
    """
    try:
        items = cached_categories(_service(request), payer, line_of_business, date)
    except ScopeError as exc:
        raise scope_problem(exc, "query", payer, line_of_business) from None
    return JSONBytes(dumps({"categories": items}))


@router.get(
    "/v1/lists/{list_id}/entries",
    dependencies=CHECKED,
    tags=["lists"],
    summary="Every published row of a list version (JSON or CSV)",
    response_class=JSONResponse,
    responses={
        200: {
            "model": EntriesOut,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **responses(404),
    },
)
def get_entries(
    request: Request,
    list_id: Annotated[str, Path(examples=["cigna-commercial-dme"])],
    version: Annotated[
        str | None, Query(max_length=MAX_QUERY, description="default: the one in force today")
    ] = None,
    format: Annotated[
        Literal["json", "csv"] | None,
        Query(description="json or csv (default: from the Accept header, else json)"),
    ] = None,
    limit: PageLimit = None,
    offset: PageOffset = 0,
) -> Response:
    """The rows of one list version in source order, with citations, clean and raw values.

    JSON comes in pages (`limit`, default 1,000; `offset`): `total` rows, and `next`, the
    URL of the next page (relative; null on the last). CSV holds every row unless `limit` or
    `offset` is given (then a `Link: <...>; rel="next"` header points to the next page).
    CSV cells a spreadsheet would run as formulas are neutralized with a leading `'`.
    Example: `GET /v1/lists/cigna-commercial-dme/entries?format=csv`
    """
    service = _service(request)
    chosen = list_version(service, list_id, version)
    entries = list_entries(service, chosen)
    wants_csv = format == "csv" or (
        format is None and "text/csv" in request.headers.get("accept", "")
    )
    paging: dict[str, Any] = {}
    if wants_csv and limit is None and not offset:
        shown: Sequence[Entry] = entries  # a download: the whole version
        link = None
    else:
        shown, paging = page(request, entries, offset, limit)
        link = paging["next"]
    if wants_csv:
        text = csvout.to_csv(csvout.ENTRY_COLUMNS, (csvout.entry_row(e) for e in shown))
        response = csvout.csv_response(text, f"{chosen.list_id}-{chosen.version}.csv")
        response.headers.update(link_header(link))
        return response
    return JSONBytes(
        dumps({"list": chosen.list_id, "version": chosen.version, **paging,
               "entries": [csvout.entry_dict(e) for e in shown]})
    )  # fmt: skip


@router.get("/healthz", tags=["service"], summary="Liveness", response_model=Health)
def healthz(request: Request) -> Health:
    """`ok` with the version and what is loaded (for load balancers and monitors).

    Example: `GET /healthz`
    """
    versions = _service(request).lists()
    return Health(
        status="ok", version=__version__, lists=len(versions), entries=sum(v.rows for v in versions)
    )


@router.get(
    "/v1/version", dependencies=CHECKED, tags=["service"], summary="Version", response_model=Version
)
async def version() -> Version:
    """The precert version and API generation.

    Example: `GET /v1/version`
    """
    return Version(version=__version__, api="v1")
