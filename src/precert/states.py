"""The member's state as every door reads it: a US state, DC or territory, by its two-letter
postal code (``TX``) or its name (``Texas``), one reading for the command line, the REST API,
the staff page and CDS Hooks (pure).

A state that is none of these is refused with the choices named, never answered as "another
state": Medicare's DME MAC routing would otherwise list every contractor under a warning.
"""

from __future__ import annotations

NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming", "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
}  # fmt: skip
"""Postal code -> name: the 50 states, DC and the five inhabited territories (the DME MACs'
jurisdictions cover exactly these)."""

CODES = frozenset(NAMES)
_BY_NAME = {name.casefold(): code for code, name in NAMES.items()} | {
    "us virgin islands": "VI",
    "virgin islands": "VI",
}
# The same choices as a pattern (OpenAPI / pydantic): upper or lower case postal codes.
PATTERN = "^(?:" + "|".join(sorted(CODES) + sorted(c.lower() for c in CODES)) + ")$"
HELP = "the member's state: its two-letter postal code (TX) or its name (Texas)"


class StateError(ValueError):
    """Text that names no US state, DC or territory; the message gives the choices."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(
            f"{text[:40]!r} is not a US state or territory; give its postal code "
            f"({' '.join(sorted(CODES))}) or its name, e.g. TX or Texas"
        )


def postal(text: str) -> str | None:
    """The postal code ``text`` names (code or name, any case), or None."""
    value = " ".join(text.split())
    if value.upper() in CODES:
        return value.upper()
    return _BY_NAME.get(value.casefold())


def member_state(text: str | None) -> str | None:
    """A typed state read for a question: None when blank, else its postal code;
    :class:`StateError` when it names none."""
    if text is None or not text.strip():
        return None
    code = postal(text)
    if code is None:
        raise StateError(text)
    return code
