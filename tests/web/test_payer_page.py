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
    bad_state = page.get("/?q=K0856&payer=Medicare&state=Texas").text
    assert not statuses(bad_state) and "two letters" in bad_state


def test_export_has_every_result_of_the_query_for_the_chosen_payer(page: Api) -> None:
    shown = page.get("/?q=wheelchair&payer=Cigna&limit=5").text
    assert len(statuses(shown)) == 5
    export = re.search(r'href="(/export\.csv\?[^"]*)"', shown)
    assert export is not None and "payer=Cigna" in export.group(1)
    text = page.get(export.group(1).replace("&amp;", "&")).text.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) > 5  # the whole query, not the page of five
    assert {r["payer"] for r in rows} == {"Cigna"}
