"""List profiles: what a payer's published layout means (tables, column roles, the code-cell
grammar, the status vocabulary, contacts, dates). See docs/profiles.md for the format.

The engine knows no payer by name: Cigna's text layout and Medicare's DME MAC tables are
bundled profiles in ``profiles/bundled/``; users write their own or pass the same as options.
"""

from __future__ import annotations

from precert.profiles.apply import RowError, RowReading, apply
from precert.profiles.loader import BUNDLED_DIR, bundled_names, find_profile, load_profile
from precert.profiles.model import (
    QUALIFIER_NOTES,
    QUALIFIERS,
    Meaning,
    Profile,
    ProfileError,
)
from precert.profiles.options import parse_contact, profile_from_options
from precert.profiles.parse import profile_from_dict

__all__ = [
    "BUNDLED_DIR",
    "QUALIFIERS",
    "QUALIFIER_NOTES",
    "Meaning",
    "Profile",
    "ProfileError",
    "RowError",
    "RowReading",
    "apply",
    "bundled_names",
    "find_profile",
    "load_profile",
    "parse_contact",
    "profile_from_dict",
    "profile_from_options",
]
