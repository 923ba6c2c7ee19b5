"""Helpers shared by the page and API modules: JSON bodies, scope errors, list versions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from weakref import WeakKeyDictionary

from fastapi.exceptions import RequestValidationError
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.responses import Response

from precert.dates import DateError, parse_date
from precert.models import Determination, Entry, ListVersion
from precert.service import Precert, ScopeError
from precert.web.schemas import MAX_CODES, MAX_QUERY


def dumps(payload: Any) -> bytes:
    """Compact UTF-8 JSON (what FastAPI would send, without its encoder's walk)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class JSONBytes(Response):
    """A response whose body is already-serialized JSON."""

    media_type = "application/json"


class AnswerBodies:
    """Serialized ``{"determinations": [...]}`` bodies for answer lists the service memoized.

    The service returns the same Determination objects for a repeated query, so a body is
    keyed by their identities; the cache holds those objects, so an id cannot be reused by
    another answer while its body is cached.
    """

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._bodies: dict[tuple[int, ...], tuple[list[Determination], bytes]] = {}

    def body(self, answers: list[Determination]) -> bytes:
        """The JSON body for ``answers``."""
        key = tuple(map(id, answers))
        hit = self._bodies.get(key)
        if hit is not None:
            return hit[1]
        body = dumps({"determinations": [a.to_dict() for a in answers]})
        if len(self._bodies) >= self.limit:
            self._bodies.clear()
        self._bodies[key] = (answers, body)
        return body


def parse_determination_query(
    params: QueryParams,
) -> tuple[list[str], dt.date | None, str | None, str | None]:
    """(codes, date, payer, line of business) of ``GET /v1/determinations``, validated with
    FastAPI's 422 error shape (``loc`` names the field)."""
    errors: list[dict[str, Any]] = []
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
    if errors:
        raise RequestValidationError(errors)
    return codes, date, payer, lob


def _problem(
    kind: str, field: str, message: str, value: object, index: int | None = None
) -> dict[str, Any]:
    loc: tuple[str | int, ...] = ("query", field) if index is None else ("query", field, index)
    return {"type": kind, "loc": loc, "msg": message, "input": value}


def scope_problem(exc: ScopeError, where: str, payer: str | None, lob: str | None) -> Exception:
    """A 422 naming the payer (or line of business) field that could not be resolved."""
    field = "line_of_business" if payer is None and lob is not None else "payer"
    return RequestValidationError(
        [{"type": "scope", "loc": (where, field), "msg": str(exc), "input": payer or lob}]
    )


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
        raise HTTPException(404, f"no list {list_id!r}; loaded lists: {known}")
    if version is not None:
        for candidate in versions:
            if candidate.version == version:
                return candidate
        known = ", ".join(v.version for v in versions)
        raise HTTPException(404, f"list {list_id!r} has no version {version!r}; it has {known}")
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
