"""List versions on the web: changes and lint pages, the versions/changes/lint API, Atom feed."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from weakref import WeakKeyDictionary
from xml.etree import ElementTree as ET

from fastapi import APIRouter, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.responses import HTMLResponse, Response

from precert import __version__
from precert.lint import SEVERITIES, LintReport
from precert.linting import lint_version
from precert.models import ListVersion
from precert.service import Precert
from precert.versioning import (
    CSV_COLUMNS,
    DIRECTION_LABELS,
    Diff,
    FeedItem,
    VersionError,
    csv_rows,
    diff_versions,
    feed_items,
    list_versions,
    timeline,
)
from precert.web import csvout
from precert.web.changes_schemas import ChangesOut, LintOut, VersionsOut
from precert.web.common import CHECKED, JSONBytes, dumps, public_url
from precert.web.paging import PageLimit, PageOffset, link_header, page
from precert.web.problems import ApiProblem
from precert.web.schemas import MAX_QUERY, responses
from precert.web.templating import render

router = APIRouter()
ATOM = "http://www.w3.org/2005/Atom"
XHTML = "http://www.w3.org/1999/xhtml"
FEED_ITEMS = 30  # versions announced by the feed, newest first
FEED_CHANGES = 40  # changed codes spelled out in one feed entry
# Examples run against the bundled lists (Medicare's has three versions).
ListId = Annotated[str, Path(max_length=MAX_QUERY, examples=["medicare-dmepos-pa"])]
VersionParam = Annotated[str | None, Query(max_length=MAX_QUERY, examples=["v3"])]


# -- helpers ----------------------------------------------------------------------------------


def _service(request: Request) -> Precert:
    service: Precert = request.app.state.service
    return service


_DIFFS: WeakKeyDictionary[Precert, dict[tuple[str, ...], Diff]] = WeakKeyDictionary()


def _diff(service: Precert, list_id: str, old: str | None, new: str | None) -> Diff:
    """The diff, memoized: versions are immutable, so their hashes identify a diff forever."""
    try:
        diff_key = _pair_key(service, list_id, old, new)
        cache = _DIFFS.setdefault(service, {})
        found = cache.get(diff_key)
        if found is None:
            if len(cache) > 256:
                cache.clear()
            found = cache[diff_key] = diff_versions(service, list_id, old, new)
        return found
    except VersionError as exc:
        raise _missing(service, list_id, exc) from None


def _pair_key(service: Precert, list_id: str, old: str | None, new: str | None) -> tuple[str, ...]:
    from precert.versioning import pick

    first, second = pick(list_versions(service, list_id), old, new)
    return (list_id, first.version, first.sha256, second.version, second.sha256)


def _spans(service: Precert, list_id: str) -> list[dict[str, Any]]:
    try:
        spans = timeline(list_versions(service, list_id))
    except VersionError as exc:
        raise _missing(service, list_id, exc) from None
    today = dt.date.today()
    out = []
    for index, span in enumerate(spans):
        previous = spans[index - 1].version.version if index else None
        url = None
        if previous is not None:
            url = f"/v1/lists/{list_id}/changes?from={previous}&to={span.version.version}"
        out.append({**span.to_dict(today), "previous": previous, "changes_url": url})
    return out


def _lint(service: Precert, list_id: str, version: str | None) -> LintReport:
    try:
        return lint_version(service, list_id, version)
    except VersionError as exc:
        raise _missing(service, list_id, exc) from None


def _missing(service: Precert, list_id: str, exc: VersionError) -> ApiProblem:
    """A 404 whose code says whether the list or only the version(s) asked for is missing."""
    code = "not_found" if service.versions(list_id) else "unknown_list"
    return ApiProblem(code, str(exc))


def setup(app: FastAPI) -> None:
    """Link the changes and lint pages from every list on /lists."""
    from precert.web import pages

    for link in (("Changes between versions", "/lists/{id}/changes"), ("Lint", "/lists/{id}/lint")):
        if link not in pages.LIST_LINKS:
            pages.LIST_LINKS.append(link)


# -- API --------------------------------------------------------------------------------------


@router.get(
    "/v1/lists/{list_id}/versions",
    dependencies=CHECKED,
    tags=["lists"],
    summary="Versions of a list and the dates each is in force",
    response_class=JSONResponse,
    responses={200: {"model": VersionsOut}, **responses(404, 422)},
)
def get_versions(request: Request, list_id: ListId) -> Response:
    """Every version in the order they take effect, with the first and last day it is in
    force (`null`: unknown / still in force) and a link to its changes.

    Example: `GET /v1/lists/cigna-commercial-dme/versions`
    """
    return JSONBytes(dumps({"list": list_id, "versions": _spans(_service(request), list_id)}))


@router.get(
    "/v1/lists/{list_id}/changes",
    dependencies=CHECKED,
    tags=["lists"],
    summary="What changed between two versions of a list (JSON or CSV)",
    response_class=JSONResponse,
    responses={
        200: {"model": ChangesOut, "content": {"text/csv": {"schema": {"type": "string"}}}},
        **responses(404, 422),
    },
)
def get_changes(
    request: Request,
    list_id: ListId,
    from_: Annotated[str | None, Query(alias="from", max_length=MAX_QUERY)] = None,
    to: VersionParam = None,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
    limit: PageLimit = None,
    offset: PageOffset = 0,
) -> Response:
    """Codes added, removed and changed (status, notes, description, category, platform,
    rows), each status move flagged `newly_requires_pa` / `no_longer_requires_pa`. Default:
    the two latest versions to take effect. 404 when the list has a single version.

    JSON comes in pages of `limit` changes (default 1,000; added, then removed, then
    changed) from `offset`, with `total` and `next` (relative URL, null on the last page);
    `summary` counts them all. CSV holds every change unless `limit` or `offset` is given.

    Example: `GET /v1/lists/medicare-dmepos-pa/changes?from=v2&to=v3`
    """
    diff = _diff(_service(request), list_id, from_, to)
    shown, paging = page(request, diff.items, offset, limit)
    if format == "csv":
        whole = limit is None and not offset
        part = diff if whole else replace(
            diff, added=tuple(i for i in shown if i.change == "added"),
            removed=tuple(i for i in shown if i.change == "removed"),
            changed=tuple(i for i in shown if i.change == "changed"),
        )  # fmt: skip
        text = csvout.to_csv(CSV_COLUMNS, csv_rows(part))
        response = csvout.csv_response(text, f"{list_id}-{diff.old.version}-{diff.new.version}.csv")
        response.headers.update(link_header(None if whole else paging["next"]))
        return response
    body = {
        "list": diff.list_id, "from": diff.old.to_dict(), "to": diff.new.to_dict(),
        "summary": diff.summary(), **paging,
    }  # fmt: skip
    for kind in ("added", "removed", "changed"):
        body[kind] = [i.to_dict() for i in shown if i.change == kind]
    return JSONBytes(dumps(body))


@router.get(
    "/v1/lists/{list_id}/lint",
    dependencies=CHECKED,
    tags=["lists"],
    summary="Data-quality problems of a list version, each with its line",
    response_class=JSONResponse,
    responses={200: {"model": LintOut}, **responses(404, 422)},
)
def get_lint(
    request: Request,
    list_id: ListId,
    version: VersionParam = None,
    limit: PageLimit = None,
    offset: PageOffset = 0,
) -> Response:
    """Findings (`code`, `line`, `kind`, `severity`, `message`) for one version (default:
    the newest to take effect); CMS terminations are judged as of today. In pages of `limit`
    findings (default 1,000) from `offset`, with `total` and `next`; `counts` counts them all.

    Example: `GET /v1/lists/cigna-commercial-dme/lint`
    """
    report = _lint(_service(request), list_id, version)
    shown, paging = page(request, report.findings, offset, limit)
    body = {**report.to_dict(), **paging, "findings": [f.to_dict() for f in shown]}
    return JSONBytes(dumps(body))


# -- pages ------------------------------------------------------------------------------------


@router.get("/lists/{list_id}/changes", response_class=HTMLResponse, include_in_schema=False)
def changes_page(
    request: Request, list_id: str, from_: Annotated[str, Query(alias="from")] = "",
    to: str = "",
) -> Response:  # fmt: skip
    """The versions of a list and what changed between two of them."""
    service = _service(request)
    spans = _spans(service, list_id)
    diff: Diff | None = None
    if len(spans) > 1 or from_ or to:
        diff = _diff(service, list_id, from_ or None, to or None)
    context = {
        "nav": "lists", "list_id": list_id, "spans": spans, "diff": diff,
        "labels": DIRECTION_LABELS, "title": _title(service, list_id),
    }  # fmt: skip
    return render(request, "changes_list.html", context)


@router.get("/lists/{list_id}/lint", response_class=HTMLResponse, include_in_schema=False)
def lint_page(
    request: Request, list_id: str, version: str = "", severity: str = "warning"
) -> Response:
    """The data-quality problems of a list version (errors and warnings by default)."""
    service = _service(request)
    report = _lint(service, list_id, version or None)
    if severity not in SEVERITIES:
        severity = "warning"
    worst = SEVERITIES.index(severity)
    shown = [f for f in report.findings if SEVERITIES.index(f.severity) <= worst]
    context = {
        "nav": "lists", "list_id": list_id, "report": report, "findings": shown,
        "severity": severity, "severities": SEVERITIES, "title": _title(service, list_id),
        "versions": [v.version for v in list_versions(service, list_id)],
    }  # fmt: skip
    return render(request, "lint_list.html", context)


def _title(service: Precert, list_id: str) -> str:
    versions = service.versions(list_id)
    return versions[-1].title if versions else list_id


# -- Atom feed --------------------------------------------------------------------------------


@router.get("/feeds/changes.xml", include_in_schema=False)
def changes_feed(
    request: Request, list_id: Annotated[str, Query(alias="list", max_length=MAX_QUERY)] = ""
) -> Response:
    """An Atom feed of list versions, newest to take effect first, with what each changed."""
    service = _service(request)
    try:
        items = feed_items(service, list_id or None, limit=FEED_ITEMS)
    except VersionError as exc:
        raise _missing(service, list_id, exc) from None
    # Links and ids come from the configured public URL, never from the request's Host
    # header: a feed reader or a cache must not be handed another host's links.
    base = public_url(request)
    self_url = f"{base}/feeds/changes.xml" + (f"?{urlencode({'list': list_id})}" if list_id else "")
    body = atom(items, base, self_url)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def atom(items: list[FeedItem], base: str, self_url: str) -> bytes:
    """The Atom document (RFC 4287) for feed items; ``base`` makes links absolute."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", self_url)
    _text(feed, "title", "precert: changes to payer prior-authorization lists")
    updated = max((_stamp(i.version) for i in items), default=_stamp(None))
    _text(feed, "updated", updated)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url,
                  type="application/atom+xml")  # fmt: skip
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=f"{base}/lists", type="text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "precert")
    generator = _text(feed, "generator", "precert")
    generator.set("version", __version__)
    for item in items:
        feed.append(_entry(item, base))
    text = ET.tostring(feed, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode()


def _entry(item: FeedItem, base: str) -> ET.Element:
    v = item.version
    entry = ET.Element(f"{{{ATOM}}}entry")
    # Versions never change once imported: their hash names them forever.
    name = f"precert:{v.list_id}:{v.version}:{v.sha256}"
    _text(entry, "id", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}")
    _text(entry, "title", item.title())
    _text(entry, "updated", _stamp(v))
    ET.SubElement(entry, f"{{{ATOM}}}category", term=v.list_id)
    page = f"{base}/lists/{v.list_id}"
    if item.diff is not None:
        query = f"from={item.diff.old.version}&to={v.version}"
        page = f"{base}/lists/{v.list_id}/changes?{query}"
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", type="application/json",
                      href=f"{base}/v1/lists/{v.list_id}/changes?{query}")  # fmt: skip
    ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=page)
    _text(entry, "summary", _summary(item))
    content = ET.SubElement(entry, f"{{{ATOM}}}content", type="xhtml")
    div = ET.SubElement(content, f"{{{XHTML}}}div")
    lines = ET.SubElement(div, f"{{{XHTML}}}ul")
    for text in _lines(item):
        _text(lines, "li", text, XHTML)
    return entry


def _summary(item: FeedItem) -> str:
    v = item.version
    when = v.effective.isoformat() if v.effective else "an unknown date (since always)"
    head = f"{v.list_id} {v.version} ({v.source_name}, {v.rows} rows) is in force from {when}."
    return head if item.diff is None else f"{head} {item.diff.headline()}."


def _lines(item: FeedItem) -> list[str]:
    if item.diff is None:
        return [f"First version of {item.version.list_id}: {item.version.rows} rows."]
    out = []
    for change in item.diff.items[:FEED_CHANGES]:
        flag = DIRECTION_LABELS.get(change.direction or "")
        what = ", ".join(change.fields) if change.change == "changed" else change.change
        status = change.new_status or change.old_status
        label = status.label if status else ""
        out.append(f"{change.code} {what}: {label}" + (f" ({flag})" if flag else ""))
    more = len(item.diff.items) - FEED_CHANGES
    if more > 0:
        out.append(f"… and {more} more; see the linked page.")
    return out


def _text(parent: ET.Element, tag: str, text: str, ns: str = ATOM) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{tag}")
    element.text = text
    return element


def _stamp(version: ListVersion | None) -> str:
    """An entry's date: the day the version takes effect (unknown: the Unix epoch, i.e.
    "since always"), as Atom wants it (RFC 3339)."""
    day = version.effective if version is not None and version.effective else dt.date(1970, 1, 1)
    return f"{day.isoformat()}T00:00:00Z"
