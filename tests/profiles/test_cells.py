"""The code-cell grammar, on cells exactly as the DME MAC tables publish them."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precert.database import BUNDLED_HCPCS, DATA_DIR
from precert.models import Status
from precert.profiles import load_profile
from precert.profiles.cells import CellCode, CellError, CellReader, read_cell
from precert.profiles.model import Clause, CodeGrammar, Meaning
from precert.readers.hcpcs import read_hcpcs

KNOWN = frozenset(read_hcpcs(BUNDLED_HCPCS).codes)
GRAMMAR = load_profile("medicare-dmepos-cgs-table").codes
PLAIN = CodeGrammar()


def published_cell(name: str, program: str) -> str:
    """The HCPCS Codes cell of one program row of a bundled DME MAC table."""
    with (DATA_DIR / "medicare" / name).open(encoding="utf-8") as file:
        rows = list(csv.reader(file, delimiter="\t"))
    return next(r[1] for r in rows if r[0].startswith(program))


def test_ranges_expand_against_the_cms_code_set_keeping_the_range_as_published() -> None:
    cell = published_cell("cgs-jc-pa-table-2025.tsv", "Power Mobility Devices")
    codes = read_cell(cell, GRAMMAR, KNOWN)
    required = [c.code for c in codes if c.meaning is None]
    assert required[:3] == ["K0800", "K0801", "K0802"]
    assert {c.published for c in codes if c.code == "K0814"} == {"K0813-K0816"}
    # Only real codes come in: K0830-K0834 are not in the CMS set inside K0820-K0829 … ranges.
    assert all(c.code in KNOWN for c in codes)
    assert "K0817" not in required and "K0830" not in required
    assert [c.code for c in read_cell("K0813 – K0816", PLAIN, KNOWN)] == [
        "K0813",
        "K0814",
        "K0815",
        "K0816",
    ]


def test_a_clause_changes_the_codes_after_it_and_lists_none_of_its_own() -> None:
    cell = published_cell("cgs-jc-pa-table-2025.tsv", "Power Mobility Devices")
    codes = read_cell(cell, GRAMMAR, KNOWN)
    voluntary = [c.code for c in codes if c.meaning and c.meaning.qualifier == "voluntary"]
    assert voluntary[:2] == ["E0950", "E0955"] and voluntary[-1] == "K0195"
    assert "K0817" not in {c.code for c in codes}  # named in the clause's base list only
    without = CodeGrammar(clauses=())
    with pytest.raises(CellError, match="cannot read 'You may voluntarily"):
        read_cell(cell, without, KNOWN)


def test_inline_dates_and_removal_notes() -> None:
    cell = published_cell("cgs-jc-pa-table-2025.tsv", "Orthoses")
    codes = {c.code: c for c in read_cell(cell, GRAMMAR, KNOWN)}
    assert codes["L0648"].effective is None
    assert codes["L0631"].effective == dt.date(2024, 8, 12)
    assert codes["L1951"].effective == dt.date(2024, 8, 12)
    removed = codes["L1833"]
    assert removed.removed and removed.end == dt.date(2024, 8, 12)
    listed_then_removed = {
        c.code: c
        for c in read_cell(published_cell("cgs-jc-pa-table-2024.tsv", "Orthoses"), GRAMMAR, KNOWN)
    }["L1833"]
    assert listed_then_removed.published == "*L1833" and listed_then_removed.removed


def test_prose_clauses_with_a_date_suspend_codes() -> None:
    cell = published_cell("cgs-jc-pa-table-2024.tsv", "Osteogenesis")
    codes = read_cell(cell, GRAMMAR, KNOWN)
    assert [c.code for c in codes] == ["E0747", "E0748", "E0760"]
    assert {(c.meaning.status, c.meaning.qualifier) for c in codes if c.meaning} == {
        (Status.NOT_REQUIRED, "suspended")
    }
    assert {c.effective for c in codes} == {dt.date(2024, 8, 28)}


def test_modifier_conditions() -> None:
    rental = read_cell("K0001-K0002 with RR modifier", PLAIN, KNOWN)
    assert [(c.code, c.modifiers) for c in rental] == [("K0001", ("RR",)), ("K0002", ("RR",))]
    assert [(c.code, c.modifiers) for c in read_cell("B9004 RR, B9002", PLAIN, KNOWN)] == [
        ("B9004", ("RR",)),
        ("B9002", ()),
    ]
    (any_of,) = read_cell("E0100 with no modifiers, or RR, or NU", PLAIN, KNOWN)
    assert any_of.modifiers == ("", "RR", "NU")


def test_separators_and_bad_cells() -> None:
    assert [c.code for c in read_cell("E0100; E0105 and e0110", PLAIN, KNOWN)] == [
        "E0100",
        "E0105",
        "E0110",
    ]
    with pytest.raises(CellError, match="E9999 is not a code in the CMS HCPCS code set"):
        read_cell("E0100-E9999", PLAIN, KNOWN)
    with pytest.raises(CellError, match="spans 501 codes, more than 200"):
        read_cell("E0100-E0600", PLAIN, KNOWN)
    with pytest.raises(CellError, match="both ends need the same letter"):
        read_cell("E0100-K0001", PLAIN, KNOWN)
    with pytest.raises(CellError, match="cannot read 'X1234"):
        read_cell("E0100, X1234", PLAIN, KNOWN)
    with pytest.raises(CellError, match="empty"):
        read_cell("  ", PLAIN, KNOWN)
    with pytest.raises(CellError, match="one per cell"):
        read_cell("E0100, E0105", CodeGrammar(many=False), KNOWN)


# -- the fast path for one plain code agrees with the full grammar ---------------------------

_CODES = st.sampled_from(sorted(KNOWN))
# Cells as lists write them: plain codes (any case, padded), several codes, ranges, markers,
# modifiers, inline dates, prose, and arbitrary text.
_CELLS = st.one_of(
    _CODES,
    _CODES.map(str.lower),
    st.builds(lambda c, pad: pad + c + pad, _CODES, st.sampled_from([" ", "\t", "\u00a0", ""])),
    st.builds(lambda a, b, sep: a + sep + b, _CODES, _CODES, st.sampled_from([", ", "-", " – "])),
    st.builds(lambda c, m: c + m, _CODES, st.sampled_from(["*", "**", " RR", "-RR", " with RR"])),
    st.builds(lambda c: "Effective August 12, 2024: " + c, _CODES),
    st.from_regex(r"[A-Za-z][0-9٣]{4}", fullmatch=True),
    st.text(alphabet="EKLAVZ0123456789 -,;*:.", max_size=14),
    st.text(max_size=10),
)
# Grammars: the bundled ones, the plain one, and profiles whose clause or ignored prose would
# claim a plain code (or the empty string) before the code token does.
_GRAMMARS = st.sampled_from(
    [
        PLAIN,
        GRAMMAR,
        load_profile("cigna-commercial-dme").codes,
        CodeGrammar(many=False, ranges=False),
        CodeGrammar(clauses=(Clause(match=r"E0\d{3}", meaning=Meaning(Status.NOT_REQUIRED)),)),
        CodeGrammar(ignore=(r"K08",)),
        CodeGrammar(ignore=(r"\s*",)),
    ]
)


def _outcome(read: Callable[[str], list[CellCode]], text: str) -> object:
    try:
        return read(text)
    except CellError as exc:
        return ("error", str(exc))


@settings(max_examples=600, deadline=None)
@given(_CELLS, _GRAMMARS)
def test_the_plain_code_fast_path_reads_every_cell_as_the_full_grammar_does(
    text: str, grammar: CodeGrammar
) -> None:
    reader = CellReader(grammar, KNOWN)
    assert _outcome(reader.read, text) == _outcome(reader.parse, text)


def test_a_clause_matching_a_plain_code_keeps_it_from_the_fast_path() -> None:
    clause = Clause(match=r"E0466", meaning=Meaning(Status.NOT_REQUIRED, "voluntary"))
    # The clause takes the whole cell: it changes what follows and lists nothing itself.
    with pytest.raises(CellError, match="no code in 'E0466'"):
        read_cell("E0466", CodeGrammar(clauses=(clause,)), KNOWN)
    assert read_cell("E0466", PLAIN, KNOWN) == [CellCode("E0466", "E0466")]
