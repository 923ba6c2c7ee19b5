"""TOML tables as a profile reads them: every key checked, every stray key named, and the
small values (statuses, qualifiers, meanings, contacts) shared by the profile's tables."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, TypeVar

from precert.models import Contact, Status
from precert.profiles.dates import parse_date
from precert.profiles.model import QUALIFIERS, ROW_STATUSES, Meaning, ProfileError

T = TypeVar("T")


class TomlTable:
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

    def tables(self, name: str) -> list[TomlTable]:
        """An array of tables ([[name]])."""
        self.seen.add(name)
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise ProfileError(self.where, self.key(name), "expected an array of tables [[…]]")
        return [TomlTable(v, self.where, f"{self.key(name)}[{i + 1}]") for i, v in enumerate(value)]

    def sub(self, name: str) -> TomlTable | None:
        self.seen.add(name)
        if name not in self.data:
            return None
        return TomlTable(self.data[name], self.where, self.key(name))

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


def _meaning(table: TomlTable, status_key: str = "status") -> Meaning | None:
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
    table = TomlTable(value, where, key)
    meaning = _meaning(table)
    table.done()
    if meaning is None:
        raise ProfileError(where, f"{key}.status", "is required")
    return meaning


def contact_of(table: TomlTable) -> Contact:
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


def _each(items: list[TomlTable], build: Callable[[TomlTable], T]) -> tuple[T, ...]:
    out = []
    for item in items:
        out.append(build(item))
        item.done()
    return tuple(out)


def _quote(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else f'"{name}"'


@lru_cache(maxsize=4096)  # a list has a handful of status values, repeated on every row
def status_key(value: str) -> str:
    """How published status values are compared: case, spaces and a trailing '*' ignored."""
    return re.sub(r"\s+", " ", value).strip().rstrip("*").strip().casefold()
