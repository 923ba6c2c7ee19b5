"""The next step of "Outside this program" and "Not on the list" (an answer's ``more_info``:
the payer's wider precertification list or policy page its list's profile names) at every
door that shows answers: the OpenAPI schema, the page's CSV export, the upload's download."""

from __future__ import annotations

import csv
import io

from precert.service import Precert

from .conftest import Api

# Over the bundled lists: Cigna does not settle E0100 (not listed) and leaves A4239 to other
# programs (out of scope); E0466 needs PA (no next step).
UNSETTLED = ("E0100", "A4239")


def _cigna_page(service: Precert) -> str:
    link = service.determine_one("E0100", payer="Cigna").more_info
    assert link is not None and link.url.startswith("https://www.cigna.com/")
    return link.url


def test_the_openapi_schema_declares_more_info(api: Api) -> None:
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    field = schemas["DeterminationOut"]["properties"]["more_info"]
    refs = [f.get("$ref") for f in field.get("anyOf", [field])]
    assert "#/components/schemas/LinkOut" in refs and {"type": "null"} in field["anyOf"]
    assert schemas["LinkOut"]["required"] == ["label", "url"]
    assert "wider precertification" in field["description"]
    # What the API answers fits it.
    (answer,) = api.get("/v1/determinations?code=E0100&payer=Cigna").json()["determinations"]
    assert set(answer["more_info"]) == set(schemas["LinkOut"]["properties"])


def test_the_pages_csv_export_has_the_next_step(api: Api, service: Precert) -> None:
    url = _cigna_page(service)
    response = api.get("/export.csv", params={"q": "E0466 E0100 A4239", "payer": "Cigna"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert {r["code"]: r["more_info"] for r in rows} == {"E0466": "", "E0100": url, "A4239": url}
    # All payers: each row its own payer's page (Medicare settles all three: none).
    every = api.get("/export.csv", params={"q": "E0100"}).text.lstrip("\ufeff")
    by_payer = {r["payer"]: r["more_info"] for r in csv.DictReader(io.StringIO(every))}
    assert by_payer == {"Cigna": url, "Medicare": ""}


def test_the_uploads_download_has_the_next_step_per_payer(api: Api, service: Precert) -> None:
    url = _cigna_page(service)
    orders = "Order,HCPCS\n" + "".join(f"SO-{i},{c}\n" for i, c in enumerate(["E0466", *UNSETTLED]))
    response = api.post(
        "/upload",
        data={"action": "csv"},
        files={"file": ("orders.csv", orders.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert [r["pa_more_info_cigna_commercial"] for r in rows] == ["", url, url]
    assert [r["pa_more_info_medicare_ffs"] for r in rows] == ["", "", ""]
    one = api.post(
        "/upload",
        data={"action": "csv", "payer": "Cigna"},
        files={"file": ("orders.csv", orders.encode(), "text/csv")},
    ).text.lstrip("\ufeff")
    assert [r["pa_more_info"] for r in csv.DictReader(io.StringIO(one))] == ["", url, url]
