"""Pydantic models of the API's requests and (for /openapi.json only) its responses."""

from __future__ import annotations

import builtins
import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema

from precert.dates import FORMATS, date_of_service
from precert.models import Status

MAX_CODES = 1000
MAX_QUERY = 200  # characters in one query string; real ones are under 20
STATE = re.compile(r"[A-Za-z]{2}")  # a US state or territory, as postal code (TX, PR)
STATE_MESSAGE = "the member's state as a two-letter postal code, e.g. TX"

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


class SearchOut(BaseModel):
    """Ranked answers for a word search, with typo corrections used."""

    query: str
    corrections: dict[str, list[str]]
    results: list[DeterminationOut]
    offset: int
    limit: int
    more: bool
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


class EntriesOut(BaseModel):
    """The rows of one list version, in source order."""

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


class Problem(BaseModel):
    """An error a client can act on."""

    detail: Any


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI descriptions for error statuses a route can return."""
    text = {
        400: "the body could not be parsed (not JSON, or the wrong content type)",
        404: "not found (unknown list or path)",
        413: "request body too large",
        422: "a parameter or the body is malformed; `detail[].loc` names the field",
    }
    return {code: {"model": Problem, "description": text[code]} for code in codes}
