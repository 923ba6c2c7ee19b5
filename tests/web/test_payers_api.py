"""The REST API with Cigna's and Medicare's real lists: GET /v1/payers, and `payer`,
`line_of_business` and `state` on the answering endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

import precert
from precert.service import Precert
from precert.web.app import create_app

from .conftest import Api

MEDICARE_TABLE = Path(precert.__file__).parent / "data" / "medicare" / "cgs-jc-pa-table-2025.tsv"


@pytest.fixture
def two(service: Precert) -> Iterator[Api]:
    """An API client over Cigna's bundled list and Medicare's DMEPOS list."""
    if ("Medicare", "FFS") not in {(s.payer, s.line_of_business) for s in service.scopes()}:
        service.import_list(MEDICARE_TABLE, profile="medicare-dmepos-cgs-table")
    app: FastAPI = create_app(service)
    client = Api(app)
    yield client
    client.close()


def test_payers_names_each_payer_its_programs_and_lists_in_force(two: Api) -> None:
    body = two.get("/v1/payers").json()
    by_payer = {p["payer"]: p["lines_of_business"] for p in body["payers"]}
    assert sorted(by_payer) == ["Cigna", "Medicare"]
    (cigna,) = by_payer["Cigna"]
    assert cigna["line_of_business"] == "Commercial" and cigna["programs"] == ["DME"]
    assert [v["list"] for v in cigna["lists"]] == ["cigna-commercial-dme"]
    (medicare,) = by_payer["Medicare"]
    assert (medicare["line_of_business"], medicare["programs"]) == ("FFS", ["DMEPOS"])
    assert [v["list"] for v in medicare["lists"]] == ["medicare-dmepos-pa"]
    assert two.get("/v1/payers", params={"date": "07/01/2026"}).json()["date"] == "2026-07-01"


def test_state_picks_the_dme_mac_at_every_answering_endpoint(two: Api) -> None:
    texas = {"payer": "Medicare", "state": "tx"}
    got = two.get("/v1/determinations", params={"code": "K0856", **texas}).json()
    (answer,) = got["determinations"]
    assert answer["submit_to"]["name"] == "CGS Administrators (Jurisdiction C)"
    posted = two.post(
        "/v1/determinations", json={"codes": ["K0856"], "payer": "Medicare", "state": "NY"}
    ).json()["determinations"][0]
    assert posted["submit_to"]["name"] == "Noridian Healthcare Solutions (Jurisdiction A)"
    code = two.get("/v1/codes/K0856", params=texas).json()
    assert "Jurisdiction C" in str(code)
    found = two.get("/v1/search", params={"q": "K0856", **texas}).json()
    assert "Jurisdiction C" in str(found)
    # Without the state, Medicare's answer does not guess a contractor.
    (plain,) = two.get("/v1/determinations", params={"code": "K0856", "payer": "Medicare"}).json()[
        "determinations"
    ]
    assert "Jurisdiction" not in plain["submit_to"]["name"]


def test_no_payer_answers_once_per_payer_and_a_bad_state_is_a_422(two: Api) -> None:
    answers = two.get("/v1/determinations", params={"code": "E0466"}).json()["determinations"]
    assert {(a["payer"], a["status"]) for a in answers} == {
        ("Cigna", "required"),
        ("Medicare", "not_required"),
    }
    for path, params in (
        ("/v1/determinations", {"code": "K0856", "state": "Texas"}),
        ("/v1/codes/K0856", {"state": "T1"}),
    ):
        response = two.get(path, params=params)
        assert response.status_code == 422 and "state" in response.text
    unknown = two.get("/v1/determinations", params={"code": "E0466", "payer": "Aetna"})
    assert unknown.status_code == 422
    assert "Cigna / Commercial, Medicare / FFS" in unknown.text  # the choices, named


@pytest.mark.parametrize(
    ("path", "unknown"),
    [
        ("/v1/determinations?code=E0466", "payor"),
        ("/v1/codes/E0466?payer=Cigna", "dat"),
        ("/v1/search?q=bed", "lmit"),
        ("/v1/lists/cigna-commercial-dme/entries?format=json", "page"),
        ("/v1/categories?payer=Cigna", "payers"),
        ("/v1/payers?date=2026-07-01", "when"),
        ("/v1/lists?", "all"),
    ],
)
def test_an_unknown_query_parameter_is_a_422_naming_it(two: Api, path: str, unknown: str) -> None:
    assert two.get(path).status_code == 200
    response = two.get(f"{path}&{unknown}=1")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    (problem,) = response.json()["errors"]
    assert problem["loc"] == ["query", unknown] and problem["code"] == "unknown_parameter"
    assert problem["field"] == unknown and problem["in"] == "query"
    assert f"unknown query parameter {unknown!r}" in problem["message"]
    assert "takes" in problem["message"]  # and says what the endpoint takes


def test_state_decides_rows_for_members_of_some_states_only(two: Api) -> None:
    # Medicare's Phase 1 osteogenesis stimulators: CA, FL, OH and PA only, from 2024-08-12.
    asked = {"code": "E0748", "payer": "Medicare", "date": "2024-08-20"}
    (texas,) = two.get("/v1/determinations", params={**asked, "state": "TX"}).json()[
        "determinations"
    ]
    assert texas["status"] == "not_required" and texas["submit_to"] is None
    assert any("only for members in CA, FL, OH, PA" in n for n in texas["notes"])
    posted = two.post(
        "/v1/determinations",
        json={"codes": ["E0748"], "payer": "Medicare", "date": "2024-08-20", "state": "PA"},
    ).json()["determinations"][0]
    assert posted["status"] == "required"
    assert "Jurisdiction A" in posted["submit_to"]["name"]
    (anywhere,) = two.get("/v1/determinations", params=asked).json()["determinations"]
    assert anywhere["status"] == "required" and "depends_on_state" in anywhere["warning_codes"]
    # The rows of the June 2024 notice (v1) say which states they are for.
    rows = two.get("/v1/lists/medicare-dmepos-pa/entries", params={"version": "v1"}).json()
    phase_one = [r for r in rows["entries"] if r["states"]]
    assert {(r["code"], r["line"], tuple(r["states"])) for r in phase_one} == {
        (code, 8, ("CA", "FL", "OH", "PA")) for code in ("E0747", "E0748", "E0760")
    }
