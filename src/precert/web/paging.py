"""Pagination of the REST API's lists: ``limit`` and ``offset`` in, ``next`` out.

``next`` is a relative URL (the same path and parameters, ``offset`` moved on), so it works
against whichever server answered, behind any proxy; it is null on the last page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import Query, Request

MAX_PAGE = 10_000  # rows in one page of entries, changes or findings
DEFAULT_PAGE = 1_000  # every row of the bundled lists in one page
MAX_OFFSET = 10_000_000

T = TypeVar("T")

PageLimit = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_PAGE,
        description=f"most items in the page (JSON default {DEFAULT_PAGE:,}; CSV: every row "
        "unless given)",
    ),
]
PageOffset = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description="items to skip (follow `next` for the next page)")
]


def next_url(request: Request, offset: int, limit: int) -> str:
    """The request's path and parameters with ``offset`` (and ``limit``) set, relative."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("offset", "limit")]
    params += [("limit", str(limit)), ("offset", str(offset))]
    return f"{request.url.path}?{urlencode(params)}"


def page(
    request: Request, items: Sequence[T], offset: int, limit: int | None
) -> tuple[Sequence[T], dict[str, Any]]:
    """One page of ``items`` and what the body says of it: ``total``, ``offset``, ``limit``,
    ``next`` (null on the last page). ``limit`` None: :data:`DEFAULT_PAGE`."""
    size = DEFAULT_PAGE if limit is None else limit
    shown = items[offset : offset + size]
    following = offset + size
    link = next_url(request, following, size) if following < len(items) else None
    return shown, {"total": len(items), "offset": offset, "limit": size, "next": link}


def link_header(url: str | None) -> dict[str, str]:
    """An RFC 8288 ``Link`` header to the next page, for bodies that cannot carry it (CSV)."""
    return {"Link": f'<{url}>; rel="next"'} if url else {}
