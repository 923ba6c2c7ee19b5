"""Parsing what people type: examples from intake desks and Hypothesis round-trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from precert.codes import (
    expand_range,
    parse_code,
    parse_queries,
    parse_range,
    split_queries,
    system_of,
)

LETTERS = "ABCEGHJKLMPQRSTUV"
hcpcs_codes = st.builds(
    lambda letter, digits: letter + digits,
    st.sampled_from(LETTERS),
    st.text("0123456789", min_size=4, max_size=4),
)
modifiers = st.lists(
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=2), max_size=3
)
separators = st.sampled_from(["", "-", " ", ":", " - ", "  "])


@pytest.mark.parametrize(
    ("typed", "code", "mods"),
    [
        ("e0466", "E0466", ()),
        (" K0856-RR", "K0856", ("RR",)),
        ("K0856 NU", "K0856", ("NU",)),
        ("K0856RR", "K0856", ("RR",)),
        ("L5856:LT", "L5856", ("LT",)),
        ("k0856-rr-kx", "K0856", ("RR", "KX")),
        ("99213", "99213", ()),
        ("0001F", "0001F", ()),
    ],
)
def test_typed_codes_parse_to_base_code_and_modifiers(
    typed: str, code: str, mods: tuple[str, ...]
) -> None:
    parsed = parse_code(typed)
    assert (parsed.code, parsed.modifiers, parsed.error) == (code, mods, None)
    assert parsed.query == typed


@pytest.mark.parametrize("typed", ["XYZ", "", "   ", "E04661", "W1234", "E046", "hospital bed"])
def test_non_codes_are_invalid_with_a_message_saying_what_a_code_looks_like(typed: str) -> None:
    parsed = parse_code(typed)
    assert parsed.code is None
    assert parsed.error is not None and "E0466" in parsed.error


@pytest.mark.parametrize(
    ("typed", "queries", "code", "mods"),
    [
        ("K0856 - RR", ["K0856 - RR"], "K0856", ("RR",)),  # a spaced dash joins, not a query
        ("K0856 : LT", ["K0856 : LT"], "K0856", ("LT",)),
        ("K0856–RR", ["K0856–RR"], "K0856", ("RR",)),  # en dash, as Word and PDFs paste it
        ("K0856 — RR", ["K0856 — RR"], "K0856", ("RR",)),  # em dash, spaced
        ("K0856‑RR", ["K0856‑RR"], "K0856", ("RR",)),  # non-breaking hyphen
        ("Ｋ０８５６－ＲＲ", ["Ｋ０８５６－ＲＲ"], "K0856", ("RR",)),  # full-width
        ("﻿E0466", ["﻿E0466"], "E0466", ()),  # byte-order mark of a Windows file
        ("E0466​", ["E0466​"], "E0466", ()),  # zero-width space from a web page
    ],
)
def test_look_alike_dashes_and_characters_parse_as_typed_meant(
    typed: str, queries: list[str], code: str, mods: tuple[str, ...]
) -> None:
    assert split_queries(typed) == queries
    parsed = parse_code(typed)
    assert (parsed.code, parsed.modifiers, parsed.query) == (code, mods, typed)


def test_hcpcs_level_ii_is_told_from_cpt() -> None:
    assert system_of("E0466") == "HCPCS"
    assert system_of("99213") == "CPT"
    assert system_of("0001F") == "CPT"
    assert system_of("1234X") is None


def test_pasted_order_lines_split_into_one_query_per_code() -> None:
    assert split_queries("E0466, k0856-rr; L5856 LT K0856 NU\nA4239|E0100") == [
        "E0466",
        "k0856-rr",
        "L5856 LT",
        "K0856 NU",
        "A4239",
        "E0100",
    ]
    assert split_queries("hospital bed E0100") == ["hospital bed", "E0100"]


@given(hcpcs_codes, modifiers, separators, st.booleans())
def test_any_code_with_modifiers_round_trips(
    code: str, mods: list[str], sep: str, lower: bool
) -> None:
    typed = code + "".join(sep + m for m in mods)
    if lower:
        typed = typed.lower()
    parsed = parse_code(typed)
    assert parsed.code == code
    assert parsed.modifiers == tuple(mods)
    assert parsed.system == "HCPCS"


@given(
    st.lists(st.tuples(hcpcs_codes, modifiers), min_size=1, max_size=6),
    st.sampled_from([", ", "; ", "\n", " | ", ",", "\t"]),
)
def test_pasted_lists_keep_every_code_in_order(
    items: list[tuple[str, list[str]]], joiner: str
) -> None:
    text = joiner.join(code + "".join("-" + m for m in mods) for code, mods in items)
    parsed = [parse_code(q) for q in split_queries(text)]
    assert [(p.code, list(p.modifiers)) for p in parsed] == [(c, m) for c, m in items]


@given(st.text(max_size=40))
def test_parse_never_raises(text: str) -> None:
    parsed = parse_code(text)
    assert (parsed.code is None) == (parsed.error is not None)
    for query in split_queries(text):
        parse_code(query)


@pytest.mark.parametrize(
    ("typed", "queries"),
    [
        ("E0466K0856L5856", ["E0466", "K0856", "L5856"]),  # codes run together by OCR
        ("e0466k0856", ["e0466", "k0856"]),
        ("E0466K0856RR L5856 LT", ["E0466", "K0856RR", "L5856 LT"]),
        ("99213E0466", ["99213", "E0466"]),
        ("K0856RRKX", ["K0856RRKX"]),  # one code, two modifiers
        ("E0466E1", ["E0466E1"]),  # modifier E1, not a code
        ("E0466A12345", ["E0466A12345"]),  # no clean split: left whole
    ],
)
def test_codes_run_together_are_split_only_when_they_split_cleanly(
    typed: str, queries: list[str]
) -> None:
    assert split_queries(typed) == queries


@given(st.lists(st.tuples(hcpcs_codes, modifiers), min_size=2, max_size=5))
def test_glued_codes_with_letter_modifiers_round_trip(items: list[tuple[str, list[str]]]) -> None:
    # Modifiers of letters only can never look like a code (a letter and four digits).
    letters_only = [(c, [m for m in mods if m.isalpha()]) for c, mods in items]
    text = "".join(code + "".join(mods) for code, mods in letters_only)
    parsed = [parse_code(q) for q in split_queries(text)]
    assert [(p.code, list(p.modifiers)) for p in parsed] == letters_only


@pytest.mark.parametrize(
    "typed",
    [
        "K0813-K0816",
        "K0813 – K0816",
        "K0813 - K0816",
        "k0813—k0816",
        "K0813 to K0816",
        "K0813 -K0816",
    ],
)
def test_a_typed_range_is_one_query_spanning_its_codes(typed: str) -> None:
    assert split_queries(typed) == [typed]
    assert parse_range(typed) == ("K0813", "K0816", ())
    assert split_queries(f"E0466, {typed} L5856") == ["E0466", typed, "L5856"]


def test_what_is_not_a_range_stays_as_before() -> None:
    assert parse_range("K0856-RR") is None and split_queries("K0856 - RR") == ["K0856 - RR"]
    assert parse_range("E0466-K0856") is None  # two letters: two codes, not a range
    assert parse_range("K0816-K0813") is None  # descending
    assert parse_range("K0813-K0816 RR") == ("K0813", "K0816", ("RR",))


def test_expand_range_uses_the_code_set_and_keeps_the_ends() -> None:
    known = {"K0813", "K0814", "K0815", "K0816", "K0820", "E0100"}
    assert expand_range("K0813", "K0816", known) == ["K0813", "K0814", "K0815", "K0816"]
    assert expand_range("K0810", "K0820", known) == [
        "K0810", "K0813", "K0814", "K0815", "K0816", "K0820",
    ]  # fmt: skip
    assert expand_range("e0100", "e0102") == ["E0100", "E0101", "E0102"]
    for first, last in (("K0816", "K0813"), ("E0100", "K0100"), ("99213", "99215")):
        with pytest.raises(ValueError, match="range"):
            expand_range(first, last, known)


@given(hcpcs_codes, st.integers(0, 40), st.sampled_from(["-", " - ", "–", " – ", " to "]))
def test_any_ascending_range_expands_to_every_code_between(
    first: str, width: int, dash: str
) -> None:
    number = min(int(first[1:]) + width + 1, 9999)
    last = f"{first[0]}{number:04d}"
    if last == first:
        return
    parsed = parse_queries(f"{first}{dash}{last}", lambda: ())
    assert [p.code for p in parsed] == [first, last]  # nothing known between: the ends
    every = [f"{first[0]}{n:04d}" for n in range(int(first[1:]), number + 1)]
    assert [p.code for p in parse_queries(f"{first}{dash}{last}", lambda: every)] == every
