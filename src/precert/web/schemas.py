"""Pydantic models of the API's requests and (for /openapi.json only) its responses."""

from __future__ import annotations

import builtins
import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema

from precert import states
from precert.dates import FORMATS, date_of_service
from precert.models import Status

MAX_CODES = 1000
MAX_QUERY = 200  # characters in one query string; real ones are under 20
# A US state, DC or territory as postal code (TX, PR); the choices are named in errors.
STATE = re.compile(states.PATTERN)
STATE_MESSAGE = (
    "the member's state as the postal code of a US state or territory, e.g. TX: "
    + " ".join(sorted(states.CODES))
)

Query = Annotated[str, Field(max_length=MAX_QUERY, examples=["K0856-RR"])]


def _read_date(value: object) -> object:
    # Text is read as every door reads it (precert.dates); its DateError is a ValueError, which
    # pydantic reports as a 422. Anything else goes on to pydantic's own (strict) check.
    return date_of_service(value) if isinstance(value, str) else value


DATE_DESCRIPTION = f"date of service {FORMATS} (default: today)"
DATE_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "date"},
        {"type": "string", "pattern": r"^\d{1,2}/\d{1,2}/\d{4}$"},
    ],
    "examples": ["2026-07-01", "07/01/2026"],
}
# Strict: a JSON number (20260701) is refused rather than read as seconds since 1970.
ServiceDate = Annotated[
    Annotated[dt.date, Strict()] | None,
    BeforeValidator(_read_date),
    WithJsonSchema({**DATE_SCHEMA, "default": None}),
]
"""A date of service as every door reads it (ISO or US), for query parameters and bodies."""


# The query parameters of GET /v1/determinations, documented by hand because the route
# reads them itself (see precert.web.common.parse_determination_query).
DETERMINATION_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "code", "in": "query", "required": True, "style": "form", "explode": True,
        "description": "a code as typed (repeat for several; `E0466, K0856-RR` works too)",
        "schema": {"type": "array", "minItems": 1, "maxItems": MAX_CODES,
                   "items": {"type": "string", "maxLength": MAX_QUERY}},
        "example": ["E0466", "K0856-RR"],
    },
    {
        "name": "date", "in": "query", "required": False,
        "description": DATE_DESCRIPTION, "schema": DATE_SCHEMA,
    },
    {
        "name": "payer", "in": "query", "required": False,
        "description": "payer (default: the only one loaded)",
        "schema": {"type": "string", "maxLength": MAX_QUERY},
    },
    {
        "name": "line_of_business", "in": "query", "required": False,
        "description": "line of business (default: the only one loaded)",
        "schema": {"type": "string", "maxLength": MAX_QUERY},
    },
    {
        "name": "state", "in": "query", "required": False,
        "description": "the member's state (two letters): picks the contact where a list "
                       "routes requests by state, e.g. Medicare's DME MACs",
        "schema": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
    },
]  # fmt: skip


class DeterminationRequest(BaseModel):
    """Body of ``POST /v1/determinations``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"codes": ["E0466", "k0856-rr", "L5856 LT"], "date": "2026-07-01"}]
        },
    )

    codes: list[Query] = Field(
        max_length=MAX_CODES,
        description="codes as typed, with modifiers; one string may hold several codes",
    )
    date: ServiceDate = Field(default=None, description=DATE_DESCRIPTION)
    payer: str | None = Field(
        default=None, max_length=MAX_QUERY, description="default: the only one loaded"
    )
    line_of_business: str | None = Field(
        default=None, max_length=MAX_QUERY, description="default: the only one loaded"
    )
    state: str | None = Field(
        default=None, pattern=STATE.pattern, description=STATE_MESSAGE, examples=["TX"]
    )


class Contact(BaseModel):
    """Where a prior-authorization request goes."""

    name: str
    phone: str | None = None
    fax: str | None = None
    url: str | None = None
    option: str | None = None
    portal: str | None = None
    label: str | None = None
    states: list[str] = Field(default_factory=list, description="states this contact serves")


class SourceOut(BaseModel):
    """One citation: list, version, table, line and page of the published document."""

    list: str
    version: str
    table: int
    table_title: str
    line: int
    page: int = Field(description="page of the published document; 0 where it has no pages")
    file: str = ""
    url: str | None = None
    published_code: str = Field(default="", description="the code or range as the list wrote it")


class LinkOut(BaseModel):
    """A page to read next: the payer's wider precertification list or policy page."""

    label: str
    url: str


class HcpcsOut(BaseModel):
    """What the CMS HCPCS Level II code set says about the code."""

    exists: bool
    code: str
    description: str | None = None
    short_description: str | None = None
    added: dt.date | None = None
    effective: dt.date | None = None
    terminated: dt.date | None = None


class DeterminationOut(BaseModel):
    """One answer: the contract every door shares (see DESIGN.md)."""

    model_config = ConfigDict(extra="allow")

    query: str
    payer: str | None
    line_of_business: str | None
    code: str | None
    modifiers: list[str]
    status: Status
    status_label: str
    submit_to: Contact | None
    notes: list[str]
    warnings: list[str]
    warning_codes: list[str] = Field(
        default_factory=list,
        description="a stable machine code per warning, in the order of `warnings` "
        "(`rental_on_purchase_only`, `terminated_code`, ...; see docs/api.md)",
    )
    description: str | None
    category: str | None
    hcpcs: HcpcsOut | None
    effective: dt.date | None
    sources: list[SourceOut]
    system: str | None = None
    message: str | None = None
    conflict: bool = False
    date: dt.date | None = None
    qualifier: str | None = Field(
        default=None, description="voluntary, notification, suspended or removed (or null)"
    )
    description_source: str | None = None
    submit_options: list[Contact] = Field(default_factory=list)
    more_info: LinkOut | None = Field(
        default=None,
        description="for `out_of_scope` and `not_listed`: the payer's wider precertification "
        "list or policy page, where the list's profile names one (`more_info_url`); else null",
    )


class DeterminationsOut(BaseModel):
    """Answers in request order."""

    determinations: list[DeterminationOut]


class PublishedRow(SourceOut):
    """One published row of a list version, exactly as printed."""

    status: Status
    published: dict[str, str]
    category_raw: str
    description_raw: str


class CodeOut(DeterminationOut):
    """Everything known about one code: its answer and every published row."""

    rows: list[PublishedRow]


class CodeReportsOut(BaseModel):
    """One code for every payer in scope (no payer named and several loaded): one report per
    payer and line of business, each naming its payer and holding only its own lists' rows."""

    query: str = Field(description="the code as asked")
    reports: list[CodeOut]


class SearchOut(BaseModel):
    """Ranked answers for a word search, with typo corrections used."""

    query: str
    corrections: dict[str, list[str]]
    results: list[DeterminationOut]
    offset: int
    limit: int
    more: bool
    next: str | None = Field(
        default=None, description="URL of the next page (relative); null on the last page"
    )
    notes: list[str]


class ListVersionOut(BaseModel):
    """One imported version of a published list."""

    model_config = ConfigDict(extra="allow")

    list: str
    version: str
    title: str
    payer: str
    line_of_business: str
    program: str
    platform: str
    source_name: str
    sha256: str
    effective: dt.date | None
    rows: int


class ListsOut(BaseModel):
    """Every list version loaded."""

    lists: list[ListVersionOut]


class LineOfBusinessOut(BaseModel):
    """One payer's line of business: its programs and the list versions in force."""

    line_of_business: str
    programs: list[str]
    lists: list[ListVersionOut]
    not_in_force: list[str] = Field(description="its lists with no version in force that day")


class PayerOut(BaseModel):
    """A payer with a loaded list."""

    payer: str
    lines_of_business: list[LineOfBusinessOut]


class PayersOut(BaseModel):
    """Every payer, line of business, program and list in force on a date."""

    date: dt.date
    payers: list[PayerOut]


class CategoryOut(BaseModel):
    """A clean category of one payer's lists with its code count, status counts and published
    spellings (with no payer named, every loaded payer's categories, each naming its payer)."""

    payer: str
    line_of_business: str
    category: str | None
    codes: int
    statuses: dict[str, int]
    published: list[str]


class CategoriesOut(BaseModel):
    """Categories in force."""

    categories: list[CategoryOut]


class EntryOut(SourceOut):
    """One published row with raw and clean values."""

    code: str
    status: Status
    status_raw: str
    category: str | None
    category_raw: str
    description: str
    description_raw: str
    product: str
    platform: str
    notation: str
    published: dict[str, str]


class PageOut(BaseModel):
    """Where a page of a longer list stands (``next``: relative URL, null on the last page)."""

    total: int = Field(description="items in all pages")
    offset: int
    limit: int
    next: str | None = Field(description="URL of the next page (relative); null on the last")


class EntriesOut(PageOut):
    """One page of the rows of one list version, in source order."""

    list: str
    version: str
    entries: builtins.list[EntryOut]


class Health(BaseModel):
    """Liveness and what is loaded."""

    status: str
    version: str
    lists: int
    entries: int


class Version(BaseModel):
    """The running precert."""

    version: str
    api: str


class FieldErrorOut(BaseModel):
    """One offending field of a 400 or 422."""

    field: str | None = Field(description="the parameter or body field, e.g. `date`, `codes[2]`")
    in_: str | None = Field(alias="in", description="query, body, path or header")
    code: str = Field(description="stable machine code (see docs/api.md), e.g. `unknown_parameter`")
    message: str
    loc: builtins.list[str | int] = Field(description="FastAPI's location of the field")
    input: Any = Field(default=None, description="the value sent (shortened)")


class Problem(BaseModel):
    """An error (RFC 9457 problem details, `application/problem+json`)."""

    type: str = Field(description="`urn:precert:problem:` + `code`")
    title: str = Field(description="the same for every occurrence of `code`")
    status: int
    detail: str = Field(description="what happened this time, and what to do")
    code: str = Field(description="stable machine code (see docs/api.md), e.g. `validation_failed`")
    instance: str | None = Field(default=None, description="the path asked for")
    errors: builtins.list[FieldErrorOut] = Field(
        default_factory=builtins.list, description="the offending fields (400 and 422)"
    )


ERROR_TEXT: dict[int, str] = {
    400: "the body is not JSON (`invalid_json`); `errors[]` says where",
    404: "not found: `unknown_list`, `unknown_version`, `not_found`, `unknown_endpoint`",
    405: "method not allowed; the `Allow` header names those that are",
    413: "request body too large (`body_too_large`)",
    422: "a parameter or the body is malformed, or a query parameter is unknown "
    "(`validation_failed`); `errors[].field` names each field and `errors[].code` the problem",
    503: "the database is busy or damaged (`database_busy`, `database_damaged`, "
    "`database_unavailable`); retry after the `Retry-After` seconds",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI descriptions for error statuses a route can return (problem details)."""
    return {code: {"model": Problem, "description": ERROR_TEXT[code]} for code in codes}
