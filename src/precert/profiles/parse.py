"""Build a :class:`Profile` from a TOML table, checking every key and value (pure: no I/O).

Unknown keys are errors naming the file and the key, so a typo never silently changes what a
list means; a bad value names its key and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from precert.models import Status
from precert.profiles.model import (
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
from precert.profiles.tables import (
    TomlTable,
    _each,
    _meaning,
    _quote,
    contact_of,
    meaning_value,
    status_key,
    status_of,
)

FORMATS = ("csv", "tsv", "xlsx", "html", "pdf", "text")
_LIST_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_LETTERS = re.compile(r"[A-V]|[A-V]\d{4}-[A-V]\d{4}")
_STATE = re.compile(r"[A-Za-z]{2}")
_CONTACT_KEYS = ("name", "phone", "fax", "option", "url", "portal")


def _list_info(table: TomlTable) -> ListInfo:
    list_id = table.required("id")
    if not _LIST_ID.fullmatch(list_id):
        raise ProfileError(
            table.where,
            table.key("id"),
            f"{list_id!r} is not a list id: lowercase letters, digits, '.', '_' and '-'",
        )
    unlisted = status_of(table.text("unlisted") or "not_listed", table.where, table.key("unlisted"))
    scope = _code_scope(table, "unlisted_scope")
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
        unlisted_scope=scope,
        scope=_code_scope(table, "scope"),
        unlisted_note=table.text("unlisted_note"),
        more_info_url=_web_address(table, "more_info_url"),
        more_info_label=table.text("more_info_label"),
    )
    table.done()
    return info


def _code_scope(table: TomlTable, key: str) -> tuple[str, ...]:
    """HCPCS letters ("E") or ranges ("E0100-E8002"), upper-cased."""
    items = table.texts(key)
    for item in items:
        if not _LETTERS.fullmatch(item.upper()):
            raise ProfileError(
                table.where,
                table.key(key),
                f'expected HCPCS letters ("E") or ranges ("E0100-E8002"), found {item!r}',
            )
    return tuple(s.upper() for s in items)


def _web_address(table: TomlTable, key: str) -> str | None:
    """An optional http(s) address: a page a user is sent to must be one a browser opens."""
    value = table.text(key)
    if value is not None and not re.fullmatch(r"https?://\S+", value):
        raise ProfileError(
            table.where, table.key(key), f"expected a web address (https://…), found {value!r}"
        )
    return value


def _columns(table: TomlTable) -> Columns:
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


def _table_spec(table: TomlTable) -> TableSpec:
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
        states=_states(table),
    )


def _states(table: TomlTable) -> tuple[str, ...]:
    """Two-letter postal codes of the states (and territories) the rows apply to, upper-cased:
    a typo must not silently make a row apply to nobody."""
    items = table.texts("states")
    for item in items:
        if not _STATE.fullmatch(item.strip()):
            raise ProfileError(
                table.where,
                table.key("states"),
                f'expected two-letter postal codes (["CA", "FL"]), found {item!r}',
            )
    return tuple(dict.fromkeys(s.strip().upper() for s in items))


def _codes(table: TomlTable | None) -> CodeGrammar:
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


def _status(table: TomlTable | None) -> tuple[Meaning | None, dict[str, Meaning]]:
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


def _contacts(table: TomlTable | None, by_state: tuple[StateContact, ...]) -> Contacts:
    if table is None:
        return Contacts(by_state=by_state)
    default_table = table.sub("default")
    default = contact_of(default_table) if default_table is not None else None
    source = table.text("by_state")  # the loader has read the file it names
    table.text("by_state_url")
    table.done()
    return Contacts(default=default, by_state=by_state, by_state_source=source)


def _rule(table: TomlTable) -> RowRule:
    contact_table = table.sub("contact")
    return RowRule(
        match=str(table.regex("match")),
        contact=contact_of(contact_table) if contact_table is not None else None,
        note=table.text("note"),
        effective_group=table.text("effective_group"),
        holds=table.get("holds", bool, True),
    )


def _section(table: TomlTable) -> Section:
    contact_table = table.sub("contact")
    return Section(
        match=str(table.regex("match")),
        category=table.text("category"),
        meaning=_meaning(table),
        effective=table.date("effective"),
        end=table.date("end"),
        contact=contact_of(contact_table) if contact_table is not None else None,
        notes=table.texts("notes"),
        states=_states(table),
    )


def _footnote(table: TomlTable) -> Footnote:
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
    root = TomlTable(data, where, "")
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
