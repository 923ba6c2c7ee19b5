"""The ``precert import`` options form of a profile: the same Profile a TOML file gives."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from precert.profiles.model import Profile, ProfileError
from precert.profiles.parse import profile_from_dict

# TOML key -> the option that sets it, so an error names what the user typed.
_OPTION_OF = {
    "list.id": "--list",
    "list.payer": "--payer",
    "list.line_of_business": "--lob",
    "list.program": "--program",
    "tables[1].columns.code": "--code-column",
    "status.listed": "--listed-means",
    "status.values": "--status-map",
    "read.format": "--format",
}
_CONTACT_KEYS = ("phone", "fax", "option", "url", "portal")


def parse_contact(text: str) -> dict[str, str]:
    """``"NAME; phone 800-…; fax 800-…; url https://…"`` -> a contact table."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if not parts:
        raise ProfileError("--contact", None, 'expected "NAME; phone …; fax …; url …"')
    if parts[0].split(" ", 1)[0].lower().rstrip(":") in _CONTACT_KEYS:
        raise ProfileError("--contact", None, f"the name comes first, found {parts[0]!r}")
    out = {"name": parts[0]}
    for part in parts[1:]:
        key, _, value = part.partition(" ")
        key = key.lower().rstrip(":")
        value = value.strip()
        if key not in _CONTACT_KEYS or not value:
            raise ProfileError(
                "--contact",
                None,
                f"expected 'phone …', 'fax …', 'option …', 'url …' or 'portal …' after the "
                f"name, found {part!r}",
            )
        if key in out:
            raise ProfileError("--contact", None, f"{key} is given twice")
        problem = _CONTACT_CHECKS[key](value)
        if problem:
            raise ProfileError("--contact", None, f"{key} {value!r} {problem}")
        out[key] = value
    return out


def _phone(value: str) -> str | None:
    digits = sum(c.isdigit() for c in value)
    if _PHONE.fullmatch(value) and 7 <= digits <= 15:
        return None
    return "is not a phone number (e.g. 800-555-0134)"


def _url(value: str) -> str | None:
    if re.fullmatch(r"https?://\S+", value):
        return None
    return "is not a web address (e.g. https://example.org/prior-auth)"


# What each part of --contact must look like (None: fine; else what is wrong).
_PHONE = re.compile(r"\+?[\d\s().-]+")
_CONTACT_CHECKS: dict[str, Callable[[str], str | None]] = {
    "phone": _phone,
    "fax": _phone,
    "option": lambda v: None if v.isdigit() else "is not a menu option number (e.g. 5)",
    "url": _url,
    "portal": lambda v: None,  # a portal is named ("Availity") or given as an address
}


def profile_from_options(
    *,
    payer: str | None,
    line_of_business: str | None,
    list_id: str | None,
    code_column: str,
    program: str | None = None,
    status_column: str | None = None,
    status_map: Sequence[str] = (),
    listed_means: str | None = None,
    description_column: str | None = None,
    notes_column: Sequence[str] | str | None = None,
    category_column: str | None = None,
    effective_column: str | None = None,
    end_column: str | None = None,
    contact: str | None = None,
    title: str | None = None,
    source_url: str | None = None,
    format: str | None = None,
) -> Profile:
    """Build the profile the options describe (checked exactly as a profile file is)."""
    for value, option in ((payer, "--payer"), (line_of_business, "--lob"), (list_id, "--list")):
        if not value or not value.strip():
            raise ProfileError("options", None, f"{option} is required with --code-column")
    columns: dict[str, Any] = {"code": code_column}
    for key, value in (
        ("status", status_column),
        ("description", description_column),
        ("category", category_column),
        ("effective", effective_column),
        ("end", end_column),
    ):
        if value:
            columns[key] = value
    if notes_column:
        columns["notes"] = [notes_column] if isinstance(notes_column, str) else list(notes_column)
    values: dict[str, str] = {}
    for item in status_map:
        published, sep, meaning = item.rpartition("=")
        if not sep or not published.strip() or not meaning.strip():
            raise ProfileError(
                "options", None, f"--status-map expects VALUE=STATUS (X=required), found {item!r}"
            )
        values[published.strip()] = meaning.strip()
    status: dict[str, Any] = {}
    if listed_means:
        status["listed"] = listed_means
    if values:
        status["values"] = values
    data: dict[str, Any] = {
        "list": {
            "id": list_id,
            "payer": payer,
            "line_of_business": line_of_business,
            "program": program or "prior-authorization",
        },
        "tables": [{"header": [code_column], "columns": columns}],
    }
    if title:
        data["list"]["title"] = title
    if source_url:
        data["list"]["source_url"] = source_url
    if status:
        data["status"] = status
    if format:
        data["read"] = {"format": format}
    if contact:
        data["contacts"] = {"default": parse_contact(contact)}
    try:
        return profile_from_dict(data, "options")
    except ProfileError as exc:
        key = exc.key or ""
        flag: str | None = next(
            (o for k, o in _OPTION_OF.items() if key == k or key.startswith(k + ".")), None
        )
        if flag is None and key.startswith("tables[1].columns."):
            flag = "--" + key.rsplit(".", 1)[1] + "-column"
        if flag is None:
            raise
        message = re.sub(r"\(\[status\][^)]*\)", "(--status-map VALUE=STATUS)", exc.message)
        message = message.replace('needs [status] listed = "required"', "needs --listed-means")
        raise ProfileError("options", flag, message) from None
