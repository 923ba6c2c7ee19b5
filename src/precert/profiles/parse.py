"""Build a :class:`Profile` from a TOML table, checking every key and value (pure: no I/O).

Unknown keys are errors naming the file and the key, so a typo never silently changes what a
list means; a bad value names its key and what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from precert.models import Contact, Status
from precert.profiles.dates import parse_date
from precert.profiles.model import (
    QUALIFIERS,
    ROW_STATUSES,
    Clause,
    CodeGrammar,
    Columns,
    Contacts,
    Fact,
    Footnote,
    ListInfo,
    Meaning,
    Profile,
    ProfileError,
    RowRule,
    Section,
    StateContact,
    TableSpec,
)

T = TypeVar("T")
FORMATS = ("csv", "tsv", "xlsx", "html", "pdf", "text")
_LIST_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_LETTERS = re.compile(r"[A-V]|[A-V]\d{4}-[A-V]\d{4}")
_CONTACT_KEYS = ("name", "phone", "fax", "option", "url", "portal")


class _Table:
    """One TOML table being read: tracks its keys so that leftovers are reported."""

    def __init__(self, data: object, where: str, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ProfileError(where, path or None, f"expected a table, found {_kind(data)}")
        self.data: Mapping[str, Any] = data
        self.where = where
        self.path = path
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def get(self, name: str, kind: type[T], default: T) -> T:
        self.seen.add(name)
        if name not in self.data:
            return default
        value = self.data[name]
        # TOML gives int for 200 and bool for true: keep them apart (bool is an int in Python).
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ProfileError(
                self.where, self.key(name), f"expected {kind.__name__}, found {_kind(value)}"
            )
        return value

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.get(name, str, default or "")
        return value.strip() or default if isinstance(value, str) else default

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise ProfileError(self.where, self.key(name), "is required (a non-empty string)")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        """A string or a list of strings."""
        self.seen.add(name)
        value = self.data.get(name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ProfileError(self.where, self.key(name), "expected a string or a list of strings")
        return tuple(v.strip() for v in value if v.strip())

    def date(self, name: str) -> dt.date | None:
        self.seen.add(name)
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        parsed = parse_date(value) if isinstance(value, str) else None
        if parsed is None:
            raise ProfileError(
                self.where, self.key(name), f"expected a date (2025-01-01), found {value!r}"
            )
        return parsed

    def regex(self, name: str, *, required: bool = True) -> str | None:
        value = self.required(name) if required else self.text(name)
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ProfileError(
                    self.where, self.key(name), f"not a valid regular expression ({exc})"
                ) from None
        return value

    def tables(self, name: str) -> list[_Table]:
        """An array of tables ([[name]])."""
        self.seen.add(name)
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise ProfileError(self.where, self.key(name), "expected an array of tables [[…]]")
        return [_Table(v, self.where, f"{self.key(name)}[{i + 1}]") for i, v in enumerate(value)]

    def sub(self, name: str) -> _Table | None:
        self.seen.add(name)
        if name not in self.data:
            return None
        return _Table(self.data[name], self.where, self.key(name))

    def done(self) -> None:
        """Every key was understood, or the first stray one is an error."""
        for name in self.data:
            if name not in self.seen:
                raise ProfileError(self.where, self.key(name), "unknown key (see docs/profiles.md)")


def _kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def status_of(value: str, where: str, key: str) -> Status:
    """A status a published value may mean (not "invalid", which is for input only)."""
    status = next(
        (s for s in ROW_STATUSES if s.value == value.strip().lower().replace(" ", "_")), None
    )
    if status is None:
        allowed = ", ".join(s.value for s in ROW_STATUSES)
        raise ProfileError(where, key, f"expected one of {allowed}, found {value!r}")
    return status


def qualifier_of(value: str | None, where: str, key: str) -> str | None:
    """A qualifier (voluntary, notification, suspended, removed) or None."""
    if value is None:
        return None
    if value not in QUALIFIERS:
        raise ProfileError(where, key, f"expected one of {', '.join(QUALIFIERS)}, found {value!r}")
    return value


def _meaning(table: _Table, status_key: str = "status") -> Meaning | None:
    status = table.text(status_key)
    qualifier = qualifier_of(table.text("qualifier"), table.where, table.key("qualifier"))
    note = table.text("note")
    if status is None:
        if qualifier is not None:
            raise ProfileError(table.where, table.key(status_key), "a qualifier needs a status")
        return None
    return Meaning(status_of(status, table.where, table.key(status_key)), qualifier, note)


def meaning_value(value: object, where: str, key: str) -> Meaning:
    """``"required"`` or ``{status, qualifier, note}``."""
    if isinstance(value, str):
        return Meaning(status_of(value, where, key))
    table = _Table(value, where, key)
    meaning = _meaning(table)
    table.done()
    if meaning is None:
        raise ProfileError(where, f"{key}.status", "is required")
    return meaning


def contact_of(table: _Table) -> Contact:
    """A contact table: name (required), phone, fax, option, url, portal."""
    contact = Contact(
        table.required("name"),
        phone=table.text("phone"),
        fax=table.text("fax"),
        url=table.text("url"),
        option=table.text("option"),
        portal=table.text("portal"),
    )
    table.done()
    return contact


def _each(items: list[_Table], build: Callable[[_Table], T]) -> tuple[T, ...]:
    out = []
    for item in items:
        out.append(build(item))
        item.done()
    return tuple(out)


def _list_info(table: _Table) -> ListInfo:
    list_id = table.required("id")
    if not _LIST_ID.fullmatch(list_id):
        raise ProfileError(
            table.where,
            table.key("id"),
            f"{list_id!r} is not a list id: lowercase letters, digits, '.', '_' and '-'",
        )
    unlisted = status_of(table.text("unlisted") or "not_listed", table.where, table.key("unlisted"))
    scope = table.texts("unlisted_scope")
    for item in scope:
        if not _LETTERS.fullmatch(item.upper()):
            raise ProfileError(
                table.where,
                table.key("unlisted_scope"),
                f'expected HCPCS letters ("E") or ranges ("E0100-E8002"), found {item!r}',
            )
    if unlisted is not Status.NOT_LISTED and not scope:
        raise ProfileError(
            table.where,
            table.key("unlisted_scope"),
            f'unlisted = {unlisted.value!r} needs the codes it covers (e.g. ["E", "K"])',
        )
    info = ListInfo(
        id=list_id,
        payer=table.required("payer"),
        line_of_business=table.required("line_of_business"),
        program=table.required("program"),
        title=table.text("title") or "",
        source_url=table.text("source_url"),
        published=table.date("published"),
        effective=table.date("effective"),
        platform=table.text("platform") or "",
        unlisted=unlisted,
        unlisted_scope=tuple(s.upper() for s in scope),
        unlisted_note=table.text("unlisted_note"),
        more_info_url=table.text("more_info_url"),
    )
    table.done()
    return info


def _columns(table: _Table) -> Columns:
    columns = Columns(
        code=table.required("code"),
        description=table.text("description"),
        status=table.text("status"),
        notes=table.texts("notes"),
        category=table.text("category"),
        effective=table.text("effective"),
        end=table.text("end"),
        contact=table.text("contact"),
        product=table.text("product"),
        platform=table.text("platform"),
    )
    table.done()
    return columns


def _table_spec(table: _Table) -> TableSpec:
    header = table.texts("header")
    columns_table = table.sub("columns")
    if columns_table is None:
        raise ProfileError(table.where, table.key("columns"), "is required (the column roles)")
    columns = _columns(columns_table)
    if not header:
        header = (columns.code,)
    which = table.get("which", int, 0) or None
    where_table = table.sub("where")
    where: tuple[tuple[str, str], ...] = ()
    if where_table is not None:
        pairs = []
        for name in list(where_table.data):
            pairs.append((name, str(where_table.get(name, str, ""))))
        where_table.done()
        where = tuple(pairs)
    return TableSpec(
        header=header,
        columns=columns,
        which=which,
        where=where,
        number=table.get("number", int, 0) or None,
        title=table.text("title"),
        category=table.text("category"),
        meaning=_meaning(table),
        effective=table.date("effective"),
        end=table.date("end"),
        notes=table.texts("notes"),
    )


def _codes(table: _Table | None) -> CodeGrammar:
    if table is None:
        return CodeGrammar()
    clauses = _each(
        table.tables("clauses"),
        lambda t: Clause(
            str(t.regex("match")), _meaning(t), effective=t.date("effective"), end=t.date("end")
        ),
    )
    max_range = table.get("max_range", int, 200)
    if max_range < 1:
        raise ProfileError(table.where, table.key("max_range"), "must be at least 1")
    grammar = CodeGrammar(
        many=table.get("many", bool, True),
        ranges=table.get("ranges", bool, True),
        max_range=max_range,
        dated=table.get("dated", bool, True),
        removals=table.get("removals", bool, True),
        modifiers=table.get("modifiers", bool, True),
        clauses=clauses,
        ignore=table.texts("ignore"),
    )
    for pattern in grammar.ignore:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ProfileError(
                table.where, table.key("ignore"), f"not a valid regex ({exc})"
            ) from None
    table.done()
    return grammar


def _status(table: _Table | None) -> tuple[Meaning | None, dict[str, Meaning]]:
    if table is None:
        return None, {}
    listed_value = table.data.get("listed")
    table.seen.add("listed")
    listed = (
        meaning_value(listed_value, table.where, table.key("listed"))
        if listed_value is not None
        else None
    )
    values: dict[str, Meaning] = {}
    values_table = table.sub("values")
    if values_table is not None:
        for name, value in values_table.data.items():
            values[status_key(name)] = meaning_value(
                value, table.where, f"{values_table.key(_quote(name))}"
            )
            values_table.seen.add(name)
        values_table.done()
    table.done()
    return listed, values


def _quote(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else f'"{name}"'


def status_key(value: str) -> str:
    """How published status values are compared: case, spaces and a trailing '*' ignored."""
    return re.sub(r"\s+", " ", value).strip().rstrip("*").strip().casefold()


def _contacts(table: _Table | None, by_state: tuple[StateContact, ...]) -> Contacts:
    if table is None:
        return Contacts(by_state=by_state)
    default_table = table.sub("default")
    default = contact_of(default_table) if default_table is not None else None
    source = table.text("by_state")  # the loader has read the file it names
    table.text("by_state_url")
    table.done()
    return Contacts(default=default, by_state=by_state, by_state_source=source)


def _rule(table: _Table) -> RowRule:
    contact_table = table.sub("contact")
    return RowRule(
        match=str(table.regex("match")),
        contact=contact_of(contact_table) if contact_table is not None else None,
        note=table.text("note"),
        effective_group=table.text("effective_group"),
        holds=table.get("holds", bool, True),
    )


def _section(table: _Table) -> Section:
    contact_table = table.sub("contact")
    return Section(
        match=str(table.regex("match")),
        category=table.text("category"),
        meaning=_meaning(table),
        effective=table.date("effective"),
        end=table.date("end"),
        contact=contact_of(contact_table) if contact_table is not None else None,
        notes=table.texts("notes"),
    )


def _footnote(table: _Table) -> Footnote:
    return Footnote(
        marker=table.required("marker"),
        note=table.text("note"),
        meaning=_meaning(table),
        effective=table.date("effective"),
        end=table.date("end"),
    )


def profile_from_dict(
    data: Mapping[str, Any], where: str, by_state: tuple[StateContact, ...] = ()
) -> Profile:
    """Check and build a profile from parsed TOML (``where`` names the file in errors)."""
    root = _Table(data, where, "")
    list_table = root.sub("list")
    if list_table is None:
        raise ProfileError(where, "list", "is required ([list] with id, payer, line_of_business …)")
    info = _list_info(list_table)
    read = root.sub("read")
    fmt = None
    skip: tuple[str, ...] = ()
    pages_by_header = False
    if read is not None:
        fmt = read.text("format")
        if fmt is not None and fmt not in FORMATS:
            raise ProfileError(
                where, "read.format", f"expected one of {', '.join(FORMATS)}, found {fmt!r}"
            )
        skip = read.texts("skip")
        for pattern in skip:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ProfileError(where, "read.skip", f"not a valid regex ({exc})") from None
        pages_by_header = read.get("pages_by_header", bool, False)
        read.done()
    tables = _each(root.tables("tables"), _table_spec)
    if not tables:
        raise ProfileError(where, "tables", "at least one [[tables]] is required")
    listed, values = _status(root.sub("status"))
    for spec in tables:
        if spec.columns.status is None and spec.meaning is None and listed is None:
            raise ProfileError(
                where,
                "status.listed",
                'a table without a status column needs [status] listed = "required" '
                "(what a listed code means)",
            )
        if spec.columns.status is not None and not values:
            raise ProfileError(
                where,
                "status.values",
                f"column {spec.columns.status!r} holds statuses: map its values "
                '([status.values] "Yes" = "required" …)',
            )
    profile = Profile(
        list=info,
        tables=tables,
        codes=_codes(root.sub("codes")),
        listed=listed,
        values=values,
        contacts=_contacts(root.sub("contacts"), by_state),
        sections=_each(root.tables("sections"), _section),
        footnotes=_each(root.tables("footnotes"), _footnote),
        rules=_each(root.tables("rules"), _rule),
        facts=_each(
            root.tables("facts"),
            lambda t: Fact(t.regex("category", required=False), t.texts("notes")),
        ),
        format=fmt,
        skip=skip,
        pages_by_header=pages_by_header,
        where=where,
    )
    root.done()
    return profile
