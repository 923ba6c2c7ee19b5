"""The staff page without JavaScript: server-rendered search, code pages, CSV in and out."""

from __future__ import annotations

import csv
import io
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from precert.service import BUNDLED_LIST
from precert.web.templating import PAGE_HEADERS

from .conftest import Api


def badges(html: str) -> list[tuple[str, str]]:
    """(code or query, status) of each answer card, in page order."""
    return re.findall(r'<article class="answer (\w+)" data-code="([^"]*)"', html)


def statuses(html: str) -> list[tuple[str, str]]:
    """(code, status) pairs of the cards on a page."""
    return [(code, status) for status, code in badges(html)]


def test_home_page_is_a_search_box(api: Api) -> None:
    page = api.get("/")
    assert page.status_code == 200
    assert '<label for="q">' in page.text and 'id="q" name="q"' in page.text
    assert page.headers["content-security-policy"] == PAGE_HEADERS["Content-Security-Policy"]
    # Every asset is precert's own: no script, stylesheet or font from elsewhere.
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page.text)
    assert 'href="/lists"' in page.text


def test_one_code_shows_its_badge_and_where_to_send_it(api: Api) -> None:
    html = api.get("/?q=e0466").text
    # No payer named: one answer per loaded payer (Cigna, then Medicare), each naming it.
    assert statuses(html) == [("E0466", "required"), ("E0466", "not_required")]
    assert "Medicare" in html and "Cigna" in html
    assert '<span class="badge required" data-status="required">Required</span>' in html
    assert "eviCore healthcare (CareCore National)" in html
    assert "Home ventilator, any type" in html
    assert "cigna-commercial-dme v1, table 1, page 9, line 169" in html


def test_pasted_codes_in_any_format(api: Api) -> None:
    html = api.get("/", params={"q": "E0466, k0856-rr; L5856\nA4239 E0100 XYZ"}).text
    assert statuses(html)[::2] == [
        ("E0466", "required"),
        ("K0856", "required"),
        ("L5856", "required"),
        ("A4239", "out_of_scope"),
        ("E0100", "not_listed"),
        ("", "invalid"),
    ]  # fmt: skip  (Cigna's answers; each is followed by Medicare's)
    assert statuses(html)[1::2] == [
        ("E0466", "not_required"), ("K0856", "required"), ("L5856", "required"),
        ("A4239", "not_required"), ("E0100", "not_required"), ("", "invalid"),
    ]  # fmt: skip
    for label in ("Required", "Outside this program", "Not on the list", "Not a code"):
        assert f">{label}</span>" in html
    # Phone and fax are tap-to-call links; the rental warning is shown.
    assert 'href="tel:+18884540013"' in html and 'href="tel:+18777303858"' in html
    assert "purchase only" in html
    assert "12 answers" in html
    # A word among codes gets an offer to search it as words.
    assert "/?q=XYZ&amp;words=1" in html


def test_words_search(api: Api) -> None:
    html = api.get("/?q=hospital+bed").text
    found = statuses(html)
    assert ("E0250", "out_of_scope") in found
    assert len(found) >= 5
    assert "codes for “hospital bed”" in html
    none = api.get("/?q=zzzzqqq").text
    assert "Nothing found" in none and "A code looks like E0466" in none
    punctuation = api.get("/?q=%21%3F%00").text  # "!?\0": no word, so no list of everything
    assert "Nothing found" in punctuation and not badges(punctuation)


def test_filters_by_status_and_category(api: Api) -> None:
    html = api.get("/?q=wheelchair&status=required&limit=200").text
    assert {s for _, s in statuses(html)} == {"required"}
    vent = api.get("/?category=Ventilators").text
    assert ("E0466", "required") in statuses(vent)
    assert '<option value="Ventilators" selected>' in vent
    bad = api.get("/?q=bed&status=perhaps").text
    assert "Unknown status" in bad and not badges(bad)
    date = api.get("/?q=E0466&date=2026-13-01").text
    assert "is not a date" in date and not badges(date)
    dated = api.get("/?q=E0466&date=2026-02-01").text
    assert statuses(dated) == [("E0466", "required"), ("E0466", "not_required")]


def test_more_results_link(api: Api) -> None:
    html = api.get("/?q=wheelchair&limit=5").text
    assert len(badges(html)) == 5
    assert "Show more results" in html and "limit=20" in html


def test_partial_results_for_scripts(api: Api) -> None:
    fragment = api.get("/?q=E0466&partial=1").text
    assert fragment.lstrip().startswith('<div id="results"')
    assert "<html" not in fragment


def test_export_matches_the_results_and_neutralizes_formulas(api: Api) -> None:
    query = "E0466, k0856-rr; A4239"
    html = api.get("/", params={"q": query}).text
    export = api.get("/export.csv", params={"q": query})
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert [(r["code"], r["status"]) for r in rows] == statuses(html)
    a4239 = [r for r in rows if r["code"] == "A4239" and r["payer"] == "Cigna"]
    assert a4239[0]["phone"] == "888-454-0013" and a4239[0]["fax"] == "877-730-3858"
    assert rows[0]["sources"] == "cigna-commercial-dme v1, table 1, page 9, line 169"
    # What a user typed comes back in the CSV: a spreadsheet must not run it.
    evil = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "E0466"]
    rows = list(csv.DictReader(io.StringIO(
        api.get("/export.csv", params={"q": "\n".join(evil)}).text.lstrip("\ufeff")
    )))  # fmt: skip
    queries = [r["query"] for r in rows if r["payer"] == "Cigna"]
    assert queries[-1] == "E0466"
    for cell in queries[:-1]:
        assert cell.startswith("'") and cell[1:] in evil


def test_code_page_has_everything_known(api: Api) -> None:
    html = api.get("/codes/K0553?payer=Cigna").text
    assert statuses(html) == [("K0553", "required")]
    assert "Terminated</dt><dd>2022-12-31" in html
    assert "Supply allowance for therapeutic continuous glucose monitor" in html
    # The exact published row, cell by cell, with its citation.
    assert "table 1 (Prior Authorization Procedure Code List: Durable Medical Equipment)" in html
    assert re.search(r"cigna-commercial-dme v1, table 1 \(.*\), page \d+, line 378", html)
    assert '<th scope="row">Category</th><td>0</td>' in html
    assert "Requires precertification through Cigna, effective 7.1.2021" in html
    both = api.get("/codes/L2006?payer=Cigna").text
    assert both.count('<table class="published">') == 2
    assert "<td>#N/A</td>" in both
    cpt = api.get("/codes/99213").text
    assert "CPT code" in cpt
    invalid = api.get("/codes/hello")
    assert invalid.status_code == 200 and statuses(invalid.text) == [("", "invalid")]


def test_categories_lists_and_list_pages(api: Api) -> None:
    html = api.get("/categories").text
    assert 'href="/?category=Ventilators"' in html
    assert "NEUROMUSCULAR ELECTRICAL STIMULATORS" in html
    lists = api.get("/lists").text
    assert "cigna-commercial-dme" in lists and ">v1</a> (in force)" in lists
    assert "unknown (in force until a later version)" in lists
    entries = api.get("/lists/cigna-commercial-dme").text
    published = sum(1 for line in BUNDLED_LIST.read_text().splitlines() if "\t" in line)
    assert entries.count('<tr>\n    <td><a class="code"') == 643 <= published
    assert api.get("/lists/nope").status_code == 404


def test_unknown_page_is_a_helpful_404(api: Api) -> None:
    page = api.get("/no/such/page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "There is no page at <code>/no/such/page</code>" in page.text
    assert 'href="/codes/E0466"' in page.text and 'href="/docs"' in page.text


@given(
    path=st.sampled_from(["/", "/export.csv", "/codes/E0466", "/lists/cigna-commercial-dme"]),
    params=st.dictionaries(
        st.sampled_from(
            ["q", "status", "category", "date", "limit", "words", "partial", "version"]
        ),
        st.text(max_size=40),
        max_size=5,
    ),
)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_pages_never_fail(api: Api, path: str, params: dict[str, str]) -> None:
    response = api.get(path, params=params)
    assert response.status_code in (200, 404, 422)


def test_a_code_page_for_several_codes_shows_them_all_on_the_search_page(api: Api) -> None:
    response = api.get("/codes/E0250%20E0466", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/?q=E0250%20E0466"
    page = api.get(response.headers["location"]).text
    assert "E0250" in page and "E0466" in page
