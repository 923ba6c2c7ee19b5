"""The member's state, read alike by every door (precert.states)."""

from __future__ import annotations

import re

import pytest

from precert import states
from precert.database import DATA_DIR
from precert.web.schemas import STATE


def test_postal_codes_and_names_read_as_the_code() -> None:
    assert states.postal("TX") == states.postal(" tx ") == states.postal("Texas") == "TX"
    assert states.postal("new  york") == "NY" and states.postal("Puerto Rico") == "PR"
    assert states.postal("U.S. Virgin Islands") == states.postal("virgin islands") == "VI"
    for bad in ("ZZ", "T", "Tex", "XX", "", "Ontario"):
        assert states.postal(bad) is None, bad


def test_member_state_refuses_what_is_no_state_and_names_the_choices() -> None:
    assert states.member_state(None) is None and states.member_state("  ") is None
    assert states.member_state("ca") == "CA"
    with pytest.raises(states.StateError) as caught:
        states.member_state("ZZ")
    message = str(caught.value)
    assert message.startswith("'ZZ' is not a US state or territory")
    assert set(re.findall(r"\b[A-Z]{2}\b", message)) == states.CODES | {"ZZ", "US"}


def test_the_api_pattern_takes_exactly_the_postal_codes_in_either_case() -> None:
    assert len(states.CODES) == 56  # 50 states, DC and five territories
    for code in states.CODES:
        assert STATE.fullmatch(code) and STATE.fullmatch(code.lower())
    assert not STATE.fullmatch("ZZ") and not STATE.fullmatch("Texas")
    assert not STATE.fullmatch("Tx")  # the OpenAPI pattern has no case-insensitive flag
    assert re.fullmatch(states.PATTERN.strip("^$"), "GU")


def test_the_dme_mac_jurisdictions_cover_exactly_these_states() -> None:
    table = (DATA_DIR / "medicare" / "dme-mac-jurisdictions.tsv").read_text(encoding="utf-8")
    served = set(re.findall(r"\b[A-Z]{2}\b", table.split("\n", 1)[1]))
    assert served == states.CODES
