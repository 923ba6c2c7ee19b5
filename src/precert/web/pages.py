"""The staff page: search box, code pages, categories, lists, CSV export and CSV upload."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from precert import states
from precert.codes import parse_code, several_codes, split_queries
from precert.dates import DateError, date_of_service
from precert.models import Determination, Status
from precert.searching import words as words_of
from precert.service import Precert, ScopeError
from precert.web import csvout
from precert.web.common import (
    answer_grid,
    answer_text,
    cached_categories,
    code_url,
    list_entries,
    list_version,
    where_to_send,
)
from precert.web.schemas import MAX_CODES
from precert.web.screening import MAX_UPLOAD, UploadError, screen, screened_csv
from precert.web.templating import render, templates

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
MAX_TEXT = 20_000  # characters pasted into the box; 1,000 codes with modifiers fit easily
# Links other modules add under each list on /lists: (label, URL pattern with {id}).
LIST_LINKS: list[tuple[str, str]] = []
_STATUS_VALUES = {s.value for s in Status}
# Page parts the answer templates use: an answer as plain text (copy), where it goes (a cell).
templates.env.filters["as_text"] = answer_text
templates.env.filters["where_to_send"] = where_to_send
templates.env.filters["code_url"] = code_url


def _service(request: Request) -> Precert:
    service: Precert = request.app.state.service
    return service


@dataclass
class Outcome:
    """What the search box found for one set of parameters."""

    mode: str = "empty"  # empty, codes or words
    answers: list[Determination] = field(default_factory=list)
    error: str | None = None
    notes: tuple[str, ...] = ()  # the search's own: what it corrected, expanded, left out
    more: bool = False
    word_hint: str | None = None


def _error(request: Request, title: str, message: str) -> Response:
    return render(
        request, "error.html", {"title": title, "status": 422, "message": message}, status_code=422
    )


def _int(text: str, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(text), low), high)
    except ValueError:
        return default


@dataclass(frozen=True, slots=True)
class Whom:
    """The payer, line of business and member state chosen on the page ('' = all / none)."""

    payer: str = ""
    lob: str = ""
    state: str = ""

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments of the service's answering methods."""
        return {
            "payer": self.payer.strip() or None,
            "line_of_business": self.lob.strip() or None,
            "state": states.postal(self.state),  # a postal code or a name: "TX", "Texas"
        }

    def state_error(self) -> str | None:
        """Why the state typed names no state (the choices), or None when it does or is blank."""
        try:
            states.member_state(self.state)
        except states.StateError as exc:
            return f"{exc}."
        return None

    def params(self) -> dict[str, str]:
        """The URL parameters that carry the choice (so a link shows the same answer)."""
        return {k: v for k, v in (("payer", self.payer), ("lob", self.lob),
                                  ("state", self.state)) if v}  # fmt: skip


def answer_query(
    service: Precert, q: str, status: str, category: str, date: str, limit: int,
    words: bool = False, whom: Whom = Whom(),
) -> Outcome:  # fmt: skip
    """Codes typed or pasted are answered; otherwise words are searched (never raises)."""
    q = q.strip()
    if (problem := whom.state_error()) is not None:
        return Outcome(error=problem)
    scope = whom.kwargs()
    if len(q) > MAX_TEXT:
        return Outcome(error=f"That is {len(q):,} characters; paste at most {MAX_TEXT:,} here "
                       "or screen the file with the upload or the batch screener.")  # fmt: skip
    if status and status not in _STATUS_VALUES:
        return Outcome(error=f"Unknown status {status!r}; choose one from the list.")
    when: dt.date | None = None
    if date:
        try:
            when = date_of_service(date)
        except DateError as exc:
            return Outcome(error=f"{exc}.")
    queries = split_queries(q) if q else []
    try:
        if not words and any(parse_code(x).code is not None for x in queries):
            if len(queries) > MAX_CODES:
                return Outcome(error=f"That is {len(queries):,} codes; the page answers up to "
                               f"{MAX_CODES:,} at once. Upload them as a CSV instead.")  # fmt: skip
            answers = service.determine(queries, date=when, **scope)
            if status:
                answers = [a for a in answers if a.status.value == status]
            if category:
                answers = [a for a in answers if (a.category or "").lower() == category.lower()]
            hint = next((a.query.strip() for a in answers if a.code is None), None)
            return Outcome("codes", answers, word_hint=hint)
        if not (q or status or category):
            return Outcome()
        if q and not words_of(q) and not (status or category):
            # Only punctuation: nothing to search for (an empty search would list everything).
            return Outcome("words")
        results = service.search(
            q, status=status or None, category=category or None, limit=limit + 1, date=when,
            **scope,
        )  # fmt: skip
    except ScopeError as exc:
        return Outcome(error=str(exc))
    hits = list(results.hits)
    return Outcome("words", hits[:limit], notes=results.notes, more=len(hits) > limit)


def _summary(outcome: Outcome, q: str) -> str:
    count = len(outcome.answers)
    if outcome.mode == "codes":
        return f"{count} answer{'s' if count != 1 else ''}"
    plus = "+" if outcome.more else ""
    about = f" for “{q}”" if q else ""
    return f"{count}{plus} code{'s' if count != 1 else ''}{about}"


@router.get("/", response_class=HTMLResponse)
def index(
    request: Request, q: str = "", status: str = "", category: str = "", date: str = "",
    limit: str = "", words: str = "", partial: str = "", payer: str = "", lob: str = "",
    state: str = "",
) -> Response:  # fmt: skip
    """The search box and its results (``partial=1``: the results fragment only, for JS)."""
    started = time.perf_counter()
    service = _service(request)
    size = _int(limit, PAGE_SIZE, 1, MAX_CODES)
    whom = Whom(payer[:200], lob[:200], state[:20])
    outcome = answer_query(service, q, status, category, date, size, bool(words), whom)
    params = {k: v for k, v in (("q", q), ("status", status), ("category", category),
                                ("date", date), ("words", words)) if v} | whom.params()  # fmt: skip
    more_url = (
        "/?" + urlencode({**params, "limit": min(size * 4, MAX_CODES)}) if outcome.more else None
    )
    context: dict[str, Any] = {
        "nav": "search", "q": q, "status": status, "category": category, "date": date,
        "mode": outcome.mode, "answers": outcome.answers, "error": outcome.error,
        "notes": outcome.notes, "summary": _summary(outcome, q.strip()),
        "export_query": urlencode({**params, "limit": size}), "more_url": more_url,
        "word_hint": outcome.word_hint, "whom": whom, "who": whom.params(),
    }  # fmt: skip
    scopes = sorted({(s.payer, s.line_of_business) for s in service.scopes()})
    # With several payers, a card's link names its payer: the code page answers for one.
    context["several"] = len(scopes) > 1
    context["as_of"] = next((a.date for a in outcome.answers if a.date), None) or dt.date.today()
    if outcome.mode == "codes" and not whom.payer.strip():
        # Codes for every payer: one table, codes down, payers across.
        # A column per payer asked, even where a status filter left it no answer.
        lob = whom.lob.strip().lower()
        asked = [s for s in scopes if not lob or s[1].lower() == lob]
        columns, rows = answer_grid(outcome.answers, asked)
        if len(columns) > 1 and rows:
            context.update(columns=columns, grid=rows)
            context["summary"] = (
                f"{len(rows)} code{'s' if len(rows) != 1 else ''} × {len(columns)} payers "
                f"({context['summary']})"
            )
    if partial:
        return render(request, "_results.html", context, started=started)
    context["scopes"] = scopes
    try:
        scope = whom.kwargs()
        context["categories"] = cached_categories(
            service, scope["payer"], scope["line_of_business"], None
        )
    except ScopeError:
        context["categories"] = []
    return render(request, "index.html", context, started=started)


@router.get("/export.csv")
def export_csv(
    request: Request, q: str = "", status: str = "", category: str = "", date: str = "",
    limit: str = "", words: str = "", payer: str = "", lob: str = "", state: str = "",
) -> Response:  # fmt: skip
    """Every result of the search box's query as CSV, not only the page shown (up to the
    page's limit of 1,000 codes; formula-like cells neutralized)."""
    del limit  # the page shown; the export is the whole query
    whom = Whom(payer[:200], lob[:200], state[:20])
    outcome = answer_query(
        _service(request), q, status, category, date, MAX_CODES, bool(words), whom
    )
    if outcome.error:
        return _error(request, "Cannot export", outcome.error)
    text = csvout.to_csv(
        csvout.DETERMINATION_COLUMNS, (csvout.determination_row(a) for a in outcome.answers)
    )
    return csvout.csv_response(text, "precert-results.csv")


@router.get("/codes/{code}", response_class=HTMLResponse)
def code_page(
    request: Request, code: str, date: str = "", payer: str = "", lob: str = "", state: str = ""
) -> Response:
    """Everything known about one code: answer, CMS record, the exact published rows; for the
    payer chosen, else for every loaded payer (one section each, as the search page answers)."""
    started = time.perf_counter()
    when: dt.date | None = None
    if date:
        try:
            when = date_of_service(date)
        except DateError as exc:
            return _error(request, "Not a date", f"{exc}.")
    if several_codes(code[:200]):  # several codes: answer them all on the search page
        return RedirectResponse(f"/?q={quote(code[:200])}", status_code=303)
    whom = Whom(payer[:200], lob[:200], state[:20])
    if (problem := whom.state_error()) is not None:
        return _error(request, "Not a state", problem)
    scope = whom.kwargs()
    try:
        reports = _service(request).show_all(code[:200], date=when, **scope)
    except ScopeError as exc:
        return _error(request, "Which payer?", str(exc))
    first = reports[0]
    # The same question as JSON: the API's names for the page's parameters.
    asked = {"payer": payer, "line_of_business": lob, "state": state, "date": date}
    query = urlencode({k: v[:200] for k, v in asked.items() if v.strip()})
    api_url = f"/v1/codes/{quote(first.determination.code or code[:200])}"
    context = {
        "a": first.determination, "h": first.hcpcs, "reports": reports,
        "several": len(reports) > 1,
        "api_url": f"{api_url}?{query}" if query else api_url,
    }  # fmt: skip
    return render(request, "code.html", context, started=started)


@router.get("/categories", response_class=HTMLResponse)
def categories_page(request: Request) -> Response:
    """Categories with counts per status, linking to the codes of each."""
    try:
        items = cached_categories(_service(request), None, None, None)
    except ScopeError as exc:
        return _error(request, "Which payer?", str(exc))
    return render(request, "categories.html", {"nav": "categories", "categories": items})


@router.get("/lists", response_class=HTMLResponse)
def lists_page(request: Request) -> Response:
    """Each list loaded with its versions (others link their pages from here)."""
    service = _service(request)
    groups: dict[str, dict[str, Any]] = {}
    for v in service.lists():
        group = groups.setdefault(v.list_id, {
            "id": v.list_id, "title": v.title, "payer": v.payer,
            "line_of_business": v.line_of_business, "program": v.program,
            "platform": v.platform, "versions": [],
        })  # fmt: skip
        group["versions"].append(v)
    for group in groups.values():
        group["current"] = list_version(service, group["id"], None).version
    context = {"nav": "lists", "groups": list(groups.values()), "list_links": LIST_LINKS}
    return render(request, "lists.html", context)


@router.get("/lists/{list_id}", response_class=HTMLResponse)
def list_page(request: Request, list_id: str, version: str = "") -> Response:
    """Every published row of one list version."""
    service = _service(request)
    chosen = list_version(service, list_id, version or None)
    context = {"nav": "lists", "version": chosen, "entries": list_entries(service, chosen)}
    return render(request, "list.html", context)


@router.get("/upload", response_class=HTMLResponse)
async def upload_form(request: Request, payer: str = "", lob: str = "") -> Response:
    """The upload form (``?payer=…&lob=…`` chooses the payer, as on the search page)."""
    return render(request, "upload.html", _upload_context(request, payer, lob))


def _upload_context(request: Request, payer: str, lob: str) -> dict[str, Any]:
    scopes = sorted({(s.payer, s.line_of_business) for s in _service(request).scopes()})
    # With several payers, an answer's link to its code page names its payer.
    return {"nav": "upload", "column": "", "whom": Whom(payer[:200], lob[:200]), "scopes": scopes,
            "several": len(scopes) > 1}  # fmt: skip


def _form_text(form: Any, name: str) -> str:
    value = form.get(name)
    return value[:200] if isinstance(value, str) else ""


@router.post("/upload", response_class=HTMLResponse)
async def upload(request: Request) -> Response:
    """Screen an uploaded CSV or XLSX file on the page, or return it with the answers appended."""
    context = _upload_context(request, "", "")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception as exc:  # multipart errors come in several types
        from precert.web.errors import BodyTooLarge

        if isinstance(exc, BodyTooLarge):
            raise
        context["error"] = "The upload could not be read; send the form again with one file."
        return render(request, "upload.html", context, status_code=400)
    try:
        context["column"] = _form_text(form, "column")
        whom = context["whom"] = Whom(_form_text(form, "payer"), _form_text(form, "lob"))
        # The page's URL then says whom the file was screened for (the script puts it there),
        # as the search page's does: a reload or a link starts the form with the same choice.
        chosen = urlencode(whom.params())
        context["chosen_url"] = f"/upload?{chosen}" if chosen else "/upload"
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            context["error"] = "Choose a CSV or XLSX file to screen."
            return render(request, "upload.html", context, status_code=422)
        data = await upload.read(MAX_UPLOAD + 1)
        filename = upload.filename
        action = form.get("action")
    finally:
        await form.close()
    if len(data) > MAX_UPLOAD:
        context["error"] = "The file is larger than 5 MB; screen it with the batch screener."
        return render(request, "upload.html", context, status_code=413)
    try:
        # Seconds of work for a 5 MB file: off the event loop, so that API and CDS Hooks
        # calls are not held up meanwhile.
        screened = await run_in_threadpool(
            screen, _service(request), data, filename, context["column"], whom.payer, whom.lob
        )
    except (UploadError, ScopeError) as exc:
        context["error"] = str(exc)
        return render(request, "upload.html", context, status_code=422)
    if action == "csv":
        stem = filename.rsplit(".", 1)[0] or "orders"
        # ASCII only: an HTTP header is Latin-1, and "訂單".isalnum() is true.
        safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in stem)[:80]
        text = await run_in_threadpool(screened_csv, screened)
        return csvout.csv_response(text, f"{safe}-screened.csv")
    context.update(screened=screened, counts=screened.counts(), shown=min(len(screened.rows), 1000))
    return render(request, "upload.html", context)
