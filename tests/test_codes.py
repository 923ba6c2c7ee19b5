"""Parsing what people type: examples from intake desks and Hypothesis round-trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from precert.codes import parse_code, split_queries, system_of

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
