"""The staff page with Cigna's and Medicare's real lists: a payer, line of business and member
state chosen on the page and carried in the URL; links and the export keep the choice."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import precert
from precert.service import Precert
from precert.web.app import create_app

from .conftest import Api
from .test_pages import statuses

MEDICARE_TABLE = Path(precert.__file__).parent / "data" / "medicare" / "cgs-jc-pa-table-2025.tsv"


@pytest.fixture
def page(service: Precert) -> Iterator[Api]:
    """The page over Cigna's bundled list and Medicare's DMEPOS list."""
    if ("Medicare", "FFS") not in {(s.payer, s.line_of_business) for s in service.scopes()}:
        service.import_list(MEDICARE_TABLE, profile="medicare-dmepos-cgs-table")
    client = Api(create_app(service))
    yield client
    client.close()


def payers_of(html: str) -> list[str]:
    return re.findall(r'<article class="answer[^"]*"[^>]*>.*?(Cigna|Medicare)', html, re.S)


def test_the_selector_lists_every_payer_and_defaults_to_all(page: Api) -> None:
    html = page.get("/").text
    select = html.split('<select id="payer" name="payer">', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "Cigna", "Medicare"]
    assert ">All payers</option>" in select
    both = page.get("/?q=E0466").text
    assert statuses(both) == [("E0466", "required"), ("E0466", "not_required")]


def test_one_payer_and_the_members_state_come_from_the_url(page: Api) -> None:
    html = page.get("/?q=K0856&payer=Medicare&lob=FFS&state=tx").text
    assert statuses(html) == [("K0856", "required")]
    assert "CGS Administrators (Jurisdiction C)" in html and "eviCore" not in html
    assert '<option value="Medicare" selected>' in html and 'value="tx"' in html
    # The card's link opens the same answer: same payer, line of business and state.
    link = re.search(r'href="(/codes/K0856\?[^"]*)"', html)
    assert link is not None
    code = page.get(link.group(1).replace("&amp;", "&")).text
    assert "CGS Administrators (Jurisdiction C)" in code and "eviCore" not in code
    cigna = page.get("/?q=K0856&payer=Cigna").text
    assert "eviCore" in cigna and "Jurisdiction" not in cigna


def test_an_unknown_payer_or_state_says_what_to_choose(page: Api) -> None:
    unknown = page.get("/?q=K0856&payer=Aetna").text
    assert not statuses(unknown)
    assert "Cigna / Commercial, Medicare / FFS" in unknown
    bad_state = page.get("/?q=K0856&payer=Medicare&state=ZZ").text
    assert not statuses(bad_state) and "not a US state or territory" in bad_state
    assert "AK AL AR AS AZ CA" in bad_state  # the choices
    named = page.get("/?q=K0856&payer=Medicare&state=texas").text  # a name reads as TX
    assert statuses(named) and "CGS Administrators (Jurisdiction C)" in named


def test_export_has_every_result_of_the_query_for_the_chosen_payer(page: Api) -> None:
    shown = page.get("/?q=wheelchair&payer=Cigna&limit=5").text
    assert len(statuses(shown)) == 5
    export = re.search(r'href="(/export\.csv\?[^"]*)"', shown)
    assert export is not None and "payer=Cigna" in export.group(1)
    text = page.get(export.group(1).replace("&amp;", "&")).text.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) > 5  # the whole query, not the page of five
    assert {r["payer"] for r in rows} == {"Cigna"}


CIGNA_MORE = "https://www.cigna.com/health-care-providers/coverage-and-claims/precertification"


def grid_of(html: str) -> list[tuple[str, list[str]]]:
    """(row, [status of each payer's cell]) of the all-payers table."""
    table = html.split('<table class="grid" id="grid">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-row="([^"]*)">(.*?)</tr>', table, re.S)
    return [(code, re.findall(r'<details class="cell (\w+)">', cells)) for code, cells in rows]


def test_pasted_codes_for_all_payers_make_one_table(page: Api) -> None:
    html = page.get("/", params={"q": "E0466, A4239 XYZ E0466"}).text
    assert "4 codes × 2 payers (8 answers)" in html
    head = re.findall(r'<th scope="col"(?: data-payer="(\w+)")?>', html)
    assert head == ["", "Cigna", "Medicare"]
    assert grid_of(html) == [
        ("E0466", ["required", "not_required"]),
        ("A4239", ["out_of_scope", "not_required"]),
        ("", ["invalid", "invalid"]),
        ("E0466", ["required", "not_required"]),
    ]
    # Each cell: the badge and where to send it; the full answer opens from it.
    cell = html.split('<tr data-row="A4239">', 1)[1].split("</tr>", 1)[0]
    assert '<span class="to">Cigna</span>' in cell
    assert 'data-code="A4239"' in cell and "cigna-commercial-dme v1, table 1, page 1" in cell
    # One payer: today's cards, no table.
    one = page.get("/", params={"q": "E0466, A4239", "payer": "Cigna"}).text
    assert 'id="grid"' not in one and statuses(one) == [
        ("E0466", "required"), ("A4239", "out_of_scope"),
    ]  # fmt: skip
    # Filtered by status, a payer whose answer is filtered out shows a dash.
    required = page.get("/", params={"q": "E0466", "status": "required"}).text
    assert grid_of(required) == [("E0466", ["required"])]
    assert 'class="none"' in required


def test_out_of_scope_and_unlisted_answers_link_the_payers_wider_rules(page: Api) -> None:
    html = page.get("/", params={"q": "A4239 E0100 E0466", "payer": "Cigna"}).text
    cards = dict(
        re.findall(r'<article class="answer \w+" data-code="(\w+)"(.*?)</article>', html, re.S)
    )
    for code in ("A4239", "E0100"):
        assert f'<dd class="next-step"><a href="{CIGNA_MORE}"' in cards[code]
    assert "next-step" not in cards["E0466"]  # required: the request goes to eviCore
    medicare = page.get("/", params={"q": "G0008", "payer": "Medicare"}).text
    assert 'class="next-step"><a href="https://www.cms.gov/' in medicare


def test_each_answer_carries_its_plain_text_for_copying(page: Api) -> None:
    html = page.get("/", params={"q": "K0856-RR", "payer": "Medicare", "state": "TX"}).text
    text = re.search(r'data-copy-text="([^"]*)"', html)
    assert text is not None
    lines = text.group(1).replace("&#39;", "'").splitlines()
    assert lines[0] == "K0856-RR  REQUIRED  submit to: CGS Administrators (Jurisdiction C)"
    assert "    payer: Medicare / FFS" in lines
    assert any(line.startswith("    source: medicare-dmepos-pa v3, ") for line in lines)
    assert lines[-1].startswith("    date of service: ")
    assert 'id="copy-all"' in html


def test_the_lists_page_links_each_payers_wider_rules(page: Api) -> None:
    html = page.get("/lists").text
    cigna = html.split('id="list-cigna-commercial-dme"', 1)[1].split("</section>", 1)[0]
    assert f'<dd class="next-step"><a href="{CIGNA_MORE}"' in cigna
    medicare = html.split('id="list-medicare-dmepos-pa"', 1)[1].split("</section>", 1)[0]
    assert '<dd class="next-step"><a href="https://www.cms.gov/' in medicare
