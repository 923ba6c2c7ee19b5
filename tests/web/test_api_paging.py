"""Pages of entries, search results, changes and lint findings, each with a `next` link; and
every /v1 route refusing a query parameter it does not take."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from precert import Precert
from precert.web.app import create_app

from .conftest import Api
from .test_changes import LIST, derived


def follow(api: Api, url: str, key: str) -> tuple[list[Any], list[dict[str, Any]]]:
    """Every item of ``key`` across the pages from ``url`` on, and each page's body."""
    items: list[Any] = []
    bodies: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url is not None:
        assert next_url.startswith("/v1/")  # relative: valid on whichever server answered
        response = api.get(next_url)
        assert response.status_code == 200, response.text
        body = response.json()
        bodies.append(body)
        items.extend(body[key])
        next_url = body["next"]
        assert len(bodies) < 100
    return items, bodies


def test_entries_come_in_pages_with_a_next_link(api: Api) -> None:
    whole = api.get(f"/v1/lists/{LIST}/entries").json()
    assert whole["total"] == 643 and len(whole["entries"]) == 643
    assert whole["next"] is None and whole["offset"] == 0 and whole["limit"] == 1000
    first = api.get(f"/v1/lists/{LIST}/entries?limit=100").json()
    assert len(first["entries"]) == 100 and first["total"] == 643
    assert first["next"] == f"/v1/lists/{LIST}/entries?limit=100&offset=100"
    rows, pages = follow(api, f"/v1/lists/{LIST}/entries?limit=100&version=v1", "entries")
    assert rows == whole["entries"]  # every row once, in source order
    assert [len(p["entries"]) for p in pages] == [100] * 6 + [43]
    assert all("version=v1" in p["next"] for p in pages[:-1])  # other parameters kept
    tail = api.get(f"/v1/lists/{LIST}/entries?offset=640").json()
    assert [e["code"] for e in tail["entries"]] == [e["code"] for e in whole["entries"][640:]]
    past = api.get(f"/v1/lists/{LIST}/entries?offset=5000").json()
    assert past["entries"] == [] and past["next"] is None and past["total"] == 643
    for bad in ("limit=0", "limit=10001", "offset=-1", "limit=ten"):
        refused = api.get(f"/v1/lists/{LIST}/entries?{bad}")
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == bad.split("=")[0]


def test_a_csv_download_is_whole_unless_a_page_is_asked_for(api: Api) -> None:
    whole = api.get(f"/v1/lists/{LIST}/entries?format=csv")
    assert len(list(csv.reader(io.StringIO(whole.text.lstrip("\ufeff"))))) == 644
    assert "link" not in whole.headers
    part = api.get(f"/v1/lists/{LIST}/entries?format=csv&limit=10&offset=20")
    rows = list(csv.reader(io.StringIO(part.text.lstrip("\ufeff"))))
    assert len(rows) == 11
    assert part.headers["link"] == (
        f'</v1/lists/{LIST}/entries?format=csv&limit=10&offset=30>; rel="next"'
    )


def test_search_has_a_next_link(api: Api) -> None:
    first = api.get("/v1/search?q=wheelchair&payer=Cigna&limit=5").json()
    assert first["more"] is True and len(first["results"]) == 5
    assert first["next"] == "/v1/search?q=wheelchair&payer=Cigna&limit=5&offset=5"
    second = api.get(first["next"]).json()
    assert second["offset"] == 5
    assert {r["code"] for r in second["results"]}.isdisjoint({r["code"] for r in first["results"]})
    results, pages = follow(api, "/v1/search?q=wheelchair&payer=Cigna&limit=50", "results")
    assert pages[-1]["more"] is False and pages[-1]["next"] is None
    assert len(results) == len({r["code"] for r in results})


@pytest.fixture
def two(service: Precert, tmp_path: Path) -> Iterator[Api]:
    """A client over the real list (v1) and a derived v2 with four codes changed."""
    service.import_list(derived(tmp_path), list_id=LIST, effective=dt.date(2027, 1, 1))
    client = Api(create_app(service))
    yield client
    client.close()


def test_changes_and_lint_come_in_pages(two: Api) -> None:
    whole = two.get(f"/v1/lists/{LIST}/changes").json()
    everything = [c["code"] for k in ("added", "removed", "changed") for c in whole[k]]
    assert (
        whole["total"]
        == len(everything)
        == sum(whole["summary"][k] for k in ("added", "removed", "changed"))
    )
    assert whole["next"] is None
    pages = []
    url: str | None = f"/v1/lists/{LIST}/changes?from=v1&to=v2&limit=1"
    while url is not None:
        body = two.get(url).json()
        assert body["summary"] == whole["summary"]  # the summary counts every change
        pages.append([c["code"] for k in ("added", "removed", "changed") for c in body[k]])
        url = body["next"]
    assert [code for p in pages for code in p] == everything and len(pages) == len(everything)
    csv_page = two.get(f"/v1/lists/{LIST}/changes?format=csv&limit=2")
    assert 'offset=2>; rel="next"' in csv_page.headers["link"]
    assert len(list(csv.reader(io.StringIO(csv_page.text.lstrip("\ufeff"))))) == 3

    lint = two.get(f"/v1/lists/{LIST}/lint?version=v1").json()
    assert lint["total"] == len(lint["findings"]) == sum(lint["counts"].values()) > 3
    findings, _ = follow(two, f"/v1/lists/{LIST}/lint?version=v1&limit=3", "findings")
    assert findings == lint["findings"]


def _example_path(path: str, operation: dict[str, Any]) -> str:
    """``path`` with each path parameter set to its documented example."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            example = parameter.get("example") or parameter["schema"].get("examples", [None])[0]
            path = path.replace("{" + parameter["name"] + "}", str(example))
    return path


def test_every_v1_route_refuses_an_unknown_query_parameter(api: Api) -> None:
    schema = api.get("/openapi.json").json()
    checked = []
    for path, item in schema["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in item.items():
            url = _example_path(path, operation)
            assert "{" not in url, (path, "no example for a path parameter")
            kwargs: dict[str, Any] = {"json": {"codes": ["E0466"]}} if method == "post" else {}
            if method == "get" and path == "/v1/determinations":
                url += "?code=E0466"
            separator = "&" if "?" in url else "?"
            response = api.request(method.upper(), f"{url}{separator}bogus=1", **kwargs)
            assert response.status_code == 422, (method, url, response.text[:200])
            assert response.headers["content-type"] == "application/problem+json"
            body = response.json()
            assert body["code"] == "validation_failed"
            assert [(e["field"], e["code"]) for e in body["errors"]] == [
                ("bogus", "unknown_parameter")
            ]
            checked.append(f"{method.upper()} {path}")
    for route in ("/v1/lists/{list_id}/entries", "/v1/lists/{list_id}/changes",
                  "/v1/lists/{list_id}/versions", "/v1/lists/{list_id}/lint", "/v1/lists",
                  "/v1/search", "/v1/version"):  # fmt: skip
        assert f"GET {route}" in checked
    assert "POST /v1/determinations" in checked


def test_the_old_silent_case_entries_limit_is_honoured_not_ignored(api: Api) -> None:
    """The issue's repro: limit and offset on entries gave every one of 643 rows."""
    body = api.get(f"/v1/lists/{LIST}/entries?limit=5&offset=10").json()
    assert len(body["entries"]) == 5 and body["offset"] == 10
    assert re.search(r"offset=15$", body["next"])
