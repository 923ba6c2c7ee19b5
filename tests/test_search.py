"""Search over the whole CMS HCPCS set in staff words, each hit answered as `check` answers it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from precert.models import Status
from precert.reports import SearchResults
from precert.service import BUNDLED_LIST, Precert


def search(service: Precert, text: str, **options: Any) -> SearchResults:
    """A search asked of Cigna (the bundled Medicare list answers beside it otherwise)."""
    return service.search(text, **{"payer": "Cigna", **options})


def codes(service: Precert, text: str, limit: int = 10) -> list[str]:
    return [h.code or "" for h in search(service, text, limit=limit).hits]


def test_real_words_are_never_corrected_and_codes_no_list_mentions_are_found(
    service: Precert,
) -> None:
    results = search(service, "cane")
    assert results.corrections == {} and results.notes == ()
    assert [h.code for h in results.hits[:2]] == ["E0100", "E0105"]
    # Cigna's list does not mention canes: the honest answer is "Not on the list".
    assert results.hits[0].status is Status.NOT_LISTED
    assert results.hits[0].hcpcs is not None and results.hits[0].hcpcs.code == "E0100"


def test_every_hit_is_exactly_the_answer_check_gives(service: Precert) -> None:
    for text in ("cpap", "hospital bed", "power wheelchair group 3", "walker"):
        for hit in search(service, text, limit=8).hits:
            assert (
                hit.to_dict() == service.determine_one(hit.code or "", payer="Cigna").to_dict()
            ), hit.code


def test_a_word_of_neither_the_code_set_nor_the_vocabulary_is_corrected_and_said_so(
    service: Precert,
) -> None:
    results = search(service, "wheelchiar cushion", limit=5)
    assert results.corrections == {"wheelchiar": ["wheelchair"]}
    assert results.notes and "'wheelchiar' is not a word" in results.notes[0]
    assert "searched for wheelchair" in results.notes[0]
    assert all("cushion" in (h.hcpcs.long_description if h.hcpcs else "").lower()
               for h in results.hits)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("hoyer lift", {"E0625", "E0630", "E0635"}),  # staff word -> "Patient lift"
        ("bipap", {"E0470", "E0471"}),  # -> "Respiratory assist device, bi-level"
        ("tens unit", {"E0720", "E0730"}),
        ("glucose meter", {"E0607", "E2100", "E2101", "E2104"}),
        ("AFO", {"L1900", "L1902", "L1904", "L1906", "L1930", "L1932"}),
        ("knee brace", {"L1810", "L1812", "L1820", "L1830", "L1831", "L1832"}),
        ("oxygen concentrater", {"E1390", "E1391", "E1392"}),  # a typo, corrected
        # "machine" names no thing: the CPAP is asked for, not "Ippb machine".
        ("cpap machine", {"E0601"}),
        ("bipap machine", {"E0470", "E0471"}),
        ("tens machine", {"E0720", "E0730"}),
    ],
)
def test_staff_words_find_what_they_mean(service: Precert, text: str, first: set[str]) -> None:
    assert codes(service, text, 3)[0] in first


def test_the_query_words_tell_a_device_from_its_supplies(service: Precert) -> None:
    assert codes(service, "cpap", 1) == ["E0601"]  # the device
    masks = codes(service, "CPAP mask", 2)
    assert set(masks) <= {"A7030", "A7031", "A7034", "A7027"}  # masks and interfaces
    assert codes(service, "mask for cpap", 2) == masks
    assert codes(service, "cpap tubing", 2) == ["A7037", "A4604"]


def test_own_description_outranks_category_and_words_together_outrank_apart(
    service: Precert,
) -> None:
    beds = search(service, "hospital bed", limit=30).hits
    # E0935 (a knee motion device) sits in Cigna's "Hospital beds and accessories" category;
    # only its category says "bed", so it is no answer to "hospital bed".
    assert "E0935" not in [h.code for h in beds]
    assert all((h.hcpcs.long_description if h.hcpcs else "").startswith("Hospital bed")
               for h in beds[:10])  # fmt: skip
    # "Sling or seat, patient lift" (words together) before lifts that merely include a sling.
    assert codes(service, "patient lift sling", 1) == ["E0621"]


def test_a_note_is_searchable_when_the_query_is_all_it_says(service: Precert) -> None:
    found = codes(service, "purchase only", 30)
    assert "K0856" in found  # its note reads "Purchase only"


def test_results_paginate(service: Precert) -> None:
    whole = codes(service, "wheelchair", 30)
    first = search(service, "wheelchair", limit=10)
    second = search(service, "wheelchair", limit=10, offset=10)
    assert first.more and second.more and (first.offset, second.offset) == (0, 10)
    assert [h.code for h in first.hits + second.hits] == whole[:20]
    last = search(service, "trapeze", limit=10)
    assert not last.more and len(last.hits) == 4
    assert search(service, "trapeze", limit=10, offset=10).hits == ()


def test_filters_apply_to_the_whole_code_set(service: Precert) -> None:
    required = search(service, "wheelchair", status="required", limit=50).hits
    assert required and all(h.status is Status.REQUIRED for h in required)
    unlisted = search(service, "walker", status="not_listed", limit=50).hits
    assert "E0130" in [h.code for h in unlisted]


@pytest.mark.parametrize("typed", ["K0813-K0816", "K0813 – K0816", "k0813 - k0816"])
def test_a_range_typed_as_a_search_is_each_code_in_it(service: Precert, typed: str) -> None:
    results = search(service, typed)
    assert [h.code for h in results.hits] == ["K0813", "K0814", "K0815", "K0816"]
    assert results.notes and "is a range" in results.notes[0]
    assert results.hits[2].to_dict() == service.determine_one("K0815", payer="Cigna").to_dict()


def test_the_json_shape_keeps_its_fields_and_adds_paging(service: Precert) -> None:
    body = search(service, "walker", limit=3).to_dict()
    assert set(body) == {"query", "corrections", "results", "offset", "limit", "more", "notes"}
    assert (body["offset"], body["limit"], body["more"]) == (0, 3, True)
    assert len(body["results"]) == 3


def test_with_several_payers_each_hit_is_answered_for_each_payer_apart(
    service: Precert, tmp_path: Path
) -> None:
    rows = BUNDLED_LIST.read_text().splitlines()
    # A second payer whose list says "No" wherever Cigna's says "Yes".
    other = tmp_path / "acme-dme.txt"
    other.write_text("\n".join(r.replace("\tYes\t", "\tNo\t") for r in rows))
    service.import_list(other, list_id="acme-dme", payer="Acme", line_of_business="Commercial")
    hits = service.search("patient lift", limit=3).hits
    by_code: dict[str, dict[str, Status]] = {}
    for hit in hits:
        by_code.setdefault(hit.code or "", {})[hit.payer or ""] = hit.status
    payers = {"Acme", "Cigna", "Medicare"}  # Medicare's list is bundled beside Cigna's
    assert len(by_code) == 3 and all(set(p) == payers for p in by_code.values())
    assert by_code["E0635"]["Cigna"] is Status.REQUIRED
    assert by_code["E0635"]["Acme"] is Status.NOT_REQUIRED
    for hit in hits:
        assert hit.to_dict() == service.determine_one(hit.code or "", payer=hit.payer).to_dict()
    # A payer named: only its answers.
    assert {h.payer for h in service.search("patient lift", payer="Acme").hits} == {"Acme"}


def test_a_pasted_paragraph_is_searched_by_its_first_words_and_says_so(service: Precert) -> None:
    text = "hospital bed " + " ".join(["with side rails and a mattress for home use"] * 40)
    results = search(service, text, limit=5)
    assert results.notes[-1].startswith("only the first 12 words were searched")
    assert results.hits and all(h.code and h.code.startswith("E0") for h in results.hits)


def test_words_run_together_are_split_into_the_code_set_words_and_said_so(
    service: Precert,
) -> None:
    results = search(service, "bedpan")
    assert results.corrections == {"bedpan": ["bed pan"]}
    assert "searched for bed pan" in results.notes[0]
    assert [h.code for h in results.hits[:2]] == ["E0275", "E0276"]  # "Bed pan, standard"
    assert search(service, "bedpans").corrections == {"bedpans": ["bed pan"]}
    # Split only into words CMS writes side by side: "colostomy" is no "col ostomy".
    assert "colostomy" not in search(service, "colostomy").corrections


def test_a_word_only_the_clipped_short_descriptions_use_is_searched_corrected_too(
    service: Precert,
) -> None:
    # CMS's short description of E0650 reads "Pneuma compresor": a word of the code set, but
    # a misspelling all the same, so "compressor" is searched beside it.
    results = search(service, "nebulizer compresor", limit=5)
    assert results.corrections == {"compresor": ["compressor"]}
    assert "only in the code set's abbreviated short descriptions" in results.notes[0]
    assert "searched for compresor or compressor" in results.notes[0]
    assert results.hits[0].code == "E0570"  # "Nebulizer, with compressor"


def test_an_accessory_is_found_by_what_it_is_not_by_what_it_is_part_of(
    service: Precert,
) -> None:
    found = codes(service, "wheelchair battery", 4)
    # Batteries ("Power wheelchair accessory, ... battery, each"), not only battery chargers.
    assert {"E2359", "E2397"} & set(found[:3])


def test_a_short_word_nothing_explains_is_read_as_initials_and_said_so(
    service: Precert,
) -> None:
    results = search(service, "hfcwo vest", limit=3)
    assert results.corrections == {"hfcwo": ["high frequency chest wall oscillation"]}
    assert results.notes == (
        "'hfcwo' was read as the initials of high frequency chest wall oscillation",
    )
    assert {h.code for h in results.hits} & {"E0483", "A7025"}
    # A word of the code set is never read as initials, however short.
    assert search(service, "iv pole", limit=1).corrections == {}


def test_a_short_singular_does_not_match_the_start_of_other_words(service: Precert) -> None:
    # "tens" is "ten" once singular; "Face tent" and "Tendon ..." are no TENS answers.
    found = codes(service, "tens machine", 10)
    assert not {"A4619", "C9356"} & set(found)


def test_two_words_cms_writes_as_one_are_found_either_way(service: Precert) -> None:
    assert codes(service, "cpap chin strap", 1) == ["A7036"]  # "Chinstrap used with ..."
    assert codes(service, "under pads", 1)[0] in {"A4553", "A4554"}  # "underpads"
    assert search(service, "under pads").corrections == {}


def test_a_typo_of_a_staff_term_means_that_term(service: Precert) -> None:
    # Corrected before the vocabulary's phrases are looked up: "defibrillator vest" is one.
    vest = search(service, "defibrilator vest", limit=3)
    assert vest.corrections == {"defibrilator": ["defibrillator"]}
    assert vest.hits[0].code == "K0606"  # "Automatic external defibrillator, ... garment type"
    # "rolator" is one edit from "rotator" (a CMS word) too; the staff term wins.
    rollator = search(service, "rolator", limit=3)
    assert rollator.corrections == {"rolator": ["rollator"]}
    assert {h.code for h in rollator.hits} <= {"E0141", "E0143", "E0144", "E0147", "E0149"}
