"""The API and the page read a date of service as every door does (precert.dates)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from precert.service import BUNDLED_LIST, Precert

from .conftest import Api


@pytest.fixture
def dated(service: Precert, tmp_path: Path) -> Precert:
    """A second version from 2027-01-01 on, in which E0466 no longer needs PA."""
    rows = BUNDLED_LIST.read_text().splitlines()
    rows = [r.replace("\tYes\t", "\tNo\t") if "\tE0466\t" in r else r for r in rows]
    newer = tmp_path / "cigna-dme-2027.txt"
    newer.write_text("\n".join(rows))
    service.import_list(newer, list_id="cigna-commercial-dme", effective=dt.date(2027, 1, 1))
    return service


@pytest.mark.parametrize(
    ("before", "after"), [("2026-12-31", "2027-01-15"), ("12/31/2026", "1/15/2027")]
)
def test_the_api_answers_for_iso_and_us_dates(
    dated: Precert, api: Api, before: str, after: str
) -> None:
    def status(path: str, **params: str) -> str:
        response = api.get(path, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        return str((body["determinations"][0] if "determinations" in body else body)["status"])

    assert status("/v1/determinations", code="E0466", date=before) == "required"
    assert status("/v1/determinations", code="E0466", date=after) == "not_required"
    assert status("/v1/codes/E0466", date=after, payer="Cigna") == "not_required"
    posted = api.post("/v1/determinations", json={"codes": ["E0466"], "date": after})
    assert posted.json()["determinations"][0]["status"] == "not_required"


def test_the_page_answers_for_a_us_date(dated: Precert, api: Api) -> None:
    assert ">Not required</span>" in api.get("/?q=E0466&date=01/15/2027").text
    assert ">Required</span>" in api.get("/?q=E0466&date=12/31/2026").text
    assert ">Not required</span>" in api.get("/codes/E0466?date=1/15/2027&payer=Cigna").text
    assert ">Required</span>" in api.get("/codes/E0466?date=12/31/2026&payer=Cigna").text


@pytest.mark.parametrize("bad", ["31/12/2026", "2026-02-30", "tomorrow"])
def test_a_bad_date_names_the_formats_at_every_door(api: Api, bad: str) -> None:
    for response in (
        api.get("/v1/determinations", params={"code": "E0466", "date": bad}),
        api.get("/v1/codes/E0466", params={"date": bad}),
        api.post("/v1/determinations", json={"codes": ["E0466"], "date": bad}),
    ):
        assert response.status_code == 422
        assert "YYYY-MM-DD or MM/DD/YYYY" in response.text
    assert "YYYY-MM-DD or MM/DD/YYYY" in api.get("/", params={"q": "E0466", "date": bad}).text
    assert (
        api.post("/v1/determinations", json={"codes": ["E0466"], "date": 20261231}).status_code
        == 422
    )
