"""Reading a grid with a profile: header cells compared as the profile's header text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from precert.profiles.apply import header_index, header_key


def regex_header_key(cell: str) -> str:
    """The definition header_key implements: whitespace runs as one space (regex \\s), ®
    dropped, case folded, trailing ':' and '*' ignored."""
    text = re.sub(r"\s+", " ", cell.replace("\u00ae", "")).strip().casefold()
    return text.rstrip(":*").strip().rstrip(":*").strip()


# Every character str.isspace() or the regex \s knows, letters that case-fold to several
# (ß, ŉ, ﬃ), the registered sign and the stripped marks.
_SPACES = "".join(chr(i) for i in range(0x3100) if chr(i).isspace() or re.match(r"\s", chr(i)))
_ALPHABET = st.sampled_from(list(_SPACES + "aZß\u0149\ufb03®:*-?Code"))


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(_ALPHABET, max_size=20), st.text(max_size=20)))
def test_header_keys_are_the_regex_definition(cell: str) -> None:
    assert header_key(cell) == regex_header_key(cell)


def test_published_header_cells_match_the_profile_header_text() -> None:
    header = ("Product", "CPT\u00ae  Code:", "Commercial Prior Authorization\nRequired? *")
    assert header_index(header, "CPT® Code") == 1
    assert header_index(header, "commercial prior authorization required?") == 2
    assert header_index(header, "Category") == -1
