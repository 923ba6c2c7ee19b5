"""One code for every loaded payer: `/codes/{code}` (page) and `/v1/codes/{code}` (API) with
no payer named answer once per loaded payer and line of business, each naming its payer and
citing only its own lists' rows, as `/v1/determinations` answers; `payer`, `line_of_business`,
`state` and `date` as at the other answering endpoints. Over the bundled lists (Cigna's DME
list and Medicare's DMEPOS list)."""

from __future__ import annotations

import re
from typing import Any

from .conftest import Api
from .test_pages import statuses

# Cigna's list requires E0747; Medicare's June 2024 notice (Phase 1) too, on its own rows.
PHASE_1 = {"date": "2024-08-20"}
LISTS = {"Cigna": {"cigna-commercial-dme"}, "Medicare": {"medicare-dmepos-pa"}}


def determinations(api: Api, code: str, **params: str) -> list[dict[str, Any]]:
    body = api.get("/v1/determinations", params={"code": code, **params}).json()
    answers: list[dict[str, Any]] = body["determinations"]
    return answers


def test_the_api_answers_once_per_loaded_payer_with_its_own_rows(api: Api) -> None:
    body = api.get("/v1/codes/E0747", params=PHASE_1).json()
    assert body["query"] == "E0747"
    reports = body["reports"]
    # The same payers, in the same order and with the same answers as /v1/determinations.
    expected = determinations(api, "E0747", **PHASE_1)
    assert [(r["payer"], r["line_of_business"]) for r in reports] == [
        (a["payer"], a["line_of_business"]) for a in expected
    ]
    assert [r["status"] for r in reports] == [a["status"] for a in expected]
    assert {r["payer"] for r in reports} == set(LISTS)
    for report in reports:
        assert report["rows"], report["payer"]
        assert {row["list"] for row in report["rows"]} == LISTS[report["payer"]]
        assert not any("Answered for" in n for n in report["notes"])  # nothing left out
    # Naming the payer (or its line of business) gives that payer's report alone, as listed.
    by_payer = {r["payer"]: r for r in reports}
    medicare = api.get("/v1/codes/E0747", params={**PHASE_1, "payer": "Medicare"}).json()
    assert "reports" not in medicare and medicare == by_payer["Medicare"]
    ffs = api.get("/v1/codes/E0747", params={**PHASE_1, "line_of_business": "ffs"}).json()
    assert ffs == by_payer["Medicare"]


def test_the_api_takes_the_members_state_and_the_date(api: Api) -> None:
    texas = {r["payer"]: r for r in api.get("/v1/codes/K0856?state=tx").json()["reports"]}
    assert texas["Medicare"]["submit_to"]["name"] == "CGS Administrators (Jurisdiction C)"
    assert "eviCore" in texas["Cigna"]["submit_to"]["name"]  # never a DME MAC for Cigna
    for when in ("2024-08-20", "08/20/2024"):
        dated = api.get("/v1/codes/E0747", params={"date": when}).json()["reports"]
        assert {r["date"] for r in dated} == {"2024-08-20"}


def test_the_api_names_the_choices_for_an_unknown_payer(api: Api) -> None:
    for field, value in (("payer", "Aetna"), ("line_of_business", "HMO")):
        response = api.get("/v1/codes/E0466", params={field: value})
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        (error,) = response.json()["errors"]
        assert error["field"] == field and error["code"] == f"unknown_{field}"
        assert "Cigna / Commercial, Medicare / FFS" in error["message"]
    # Not a code: one answer, the same for every payer.
    invalid = api.get("/v1/codes/hello").json()
    assert invalid["status"] == "invalid" and "reports" not in invalid


def test_the_openapi_schema_gives_both_shapes(api: Api) -> None:
    spec = api.get("/openapi.json").json()
    get = spec["paths"]["/v1/codes/{code}"]["get"]
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert {s["$ref"] for s in schema["anyOf"]} == {
        "#/components/schemas/CodeOut",
        "#/components/schemas/CodeReportsOut",
    }
    reports = spec["components"]["schemas"]["CodeReportsOut"]
    assert reports["properties"]["reports"]["items"] == {"$ref": "#/components/schemas/CodeOut"}
    assert {p["name"] for p in get["parameters"]} >= {
        "code", "date", "payer", "line_of_business", "state",
    }  # fmt: skip


def sections(html: str) -> dict[str, str]:
    """The code page's part for each payer (its answer), by payer."""
    found = re.findall(
        r'<section class="payer-report"[^>]*data-payer="([^"]*)"[^>]*>(.*?)</section>', html, re.S
    )
    return dict(found)


def test_the_page_answers_once_per_loaded_payer(api: Api) -> None:
    html = api.get("/codes/E0747", params=PHASE_1).text
    expected = determinations(api, "E0747", **PHASE_1)
    assert statuses(html) == [("E0747", a["status"]) for a in expected]
    parts = sections(html)
    assert list(parts) == [a["payer"] for a in expected]
    for payer, part in parts.items():
        assert f'<dd class="payer">{payer} ' in part
    # Each payer's published rows under its own heading, none of another payer's lists.
    rows = html.split("<h2>Published rows</h2>", 1)[1]
    cigna, medicare = rows.split('<h3 class="rows-of" data-payer="Medicare">', 1)
    assert "cigna-commercial-dme v1" in cigna and "medicare-dmepos-pa" not in cigna
    assert "medicare-dmepos-pa v1" in medicare and "cigna-commercial-dme" not in medicare
    assert html.count('<dl class="facts" id="cms">') == 1  # CMS's record once
    assert 'href="/v1/codes/E0747?date=2024-08-20"' in html
    # One payer named: its answer alone, as before.
    one = api.get("/codes/E0747", params={**PHASE_1, "payer": "Medicare", "lob": "FFS"}).text
    assert statuses(one) == [("E0747", by["status"]) for by in expected[1:]]
    assert "Answered for" not in one and 'class="rows-of"' not in one
    assert "medicare-dmepos-pa v1" in one and "cigna-commercial-dme v1" not in one


def test_the_page_takes_the_members_state_and_names_the_choices(api: Api) -> None:
    parts = sections(api.get("/codes/K0856?state=TX").text)
    assert "CGS Administrators (Jurisdiction C)" in parts["Medicare"]
    assert "eviCore" in parts["Cigna"] and "Jurisdiction" not in parts["Cigna"]
    unknown = api.get("/codes/K0856?payer=Aetna")
    assert unknown.status_code == 422 and "Cigna / Commercial, Medicare / FFS" in unknown.text
    bad_state = api.get("/codes/K0856?state=ZZ")
    assert bad_state.status_code == 422 and "not a US state or territory" in bad_state.text
    assert "TX" in bad_state.text and "WY" in bad_state.text  # the choices
    named = sections(api.get("/codes/K0856?state=Texas").text)
    assert "CGS Administrators (Jurisdiction C)" in named["Medicare"]
