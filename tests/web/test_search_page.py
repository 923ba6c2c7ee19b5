"""The staff page's word search over the whole CMS set, and /v1/search's pages."""

from __future__ import annotations

import re
from html import unescape

from precert import Precert

from .conftest import Api


def cards(html: str) -> list[tuple[str, str]]:
    """(code, status) of each answer card, in page order."""
    return [
        (c, s) for s, c in re.findall(r'<article class="answer (\w+)" data-code="([^"]*)"', html)
    ]


def test_a_cane_is_found_and_described_though_no_list_mentions_it(api: Api) -> None:
    html = api.get("/?q=cane").text
    # Each payer answers: not on Cigna's list, and not required by Medicare's exhaustive one.
    assert cards(html)[:2] == [("E0100", "not_listed"), ("E0100", "not_required")]
    assert [c for c, _ in cards(html)][2] == "E0105"
    # No list row describes it, so the card shows what CMS calls it.
    assert "Cane, includes canes of all materials" in html


def test_the_page_says_what_it_corrected(api: Api) -> None:
    html = api.get("/?q=wheelchiar+cushion").text
    assert notes_shown(html) == [
        "'wheelchiar' is not a word of the code set or the staff vocabulary; "
        "searched for wheelchair"
    ]
    assert cards(html) and all(code.startswith("E2") for code, _ in cards(html)[:5])


def notes_shown(html: str) -> list[str]:
    """The notes the page shows above the results, as text."""
    found = re.search(r'<p class="notice" id="search-notes">(.*?)</p>', html, re.DOTALL)
    return [unescape(n) for n in found.group(1).split("<br>")] if found else []


def test_the_page_says_what_the_search_says_it_did(api: Api, service: Precert) -> None:
    # An acronym read from the descriptions, words only CMS's short descriptions use, and a
    # query too long to search whole: the page shows the search's own notes (the ones the
    # library, `precert search` and /v1/search give), not a sentence of its own.
    long = " ".join(["walker"] * 14)
    for text in ("hfcwo vest", "pneuma compresor", long):
        notes = list(service.search(text).notes)
        assert notes, text
        assert notes_shown(api.get("/", params={"q": text}).text) == notes
        assert api.get("/v1/search", params={"q": text}).json()["notes"] == notes
    assert "not a word" not in api.get("/", params={"q": "hfcwo vest"}).text


def test_a_range_in_the_search_box_is_each_of_its_codes(api: Api) -> None:
    html = api.get("/", params={"q": "K0813 - K0816"}).text
    codes = list(dict.fromkeys(c for c, _ in cards(html)))
    assert codes == ["K0813", "K0814", "K0815", "K0816"]


def test_the_api_pages_through_results(api: Api) -> None:
    first = api.get("/v1/search", params={"q": "walker", "limit": 5}).json()
    second = api.get("/v1/search", params={"q": "walker", "limit": 5, "offset": 5}).json()
    assert (first["more"], first["offset"], second["offset"]) == (True, 0, 5)
    codes = [r["code"] for r in first["results"] + second["results"]]
    assert len(set(codes)) == 10 and codes[0] == "E0130"
    assert api.get("/v1/search?q=walker&offset=-1").status_code == 422


def test_a_range_at_a_one_code_door_is_refused_or_sent_to_the_search_page(api: Api) -> None:
    assert api.get("/v1/codes/K0813-K0816").status_code == 422
    page = api.get("/codes/K0813-K0816", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/?q=K0813-K0816"
