"""Versions, changes, lint and the Atom feed on the web, over derived copies of the real list."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from precert import Precert
from precert.service import BUNDLED_LIST
from precert.web.app import create_app
from precert.web.changes import ChangesOut, LintOut, VersionsOut
from precert.web.templating import PAGE_HEADERS

from .conftest import Api

LIST = "cigna-commercial-dme"
A = "{http://www.w3.org/2005/Atom}"


def derived(tmp_path: Path) -> Path:
    """The real list with E0466 no longer requiring PA, A6515 newly requiring it, K0553
    removed and E0100 added."""
    lines = BUNDLED_LIST.read_text(encoding="utf-8").split("\n")
    out = []
    for line in lines:
        cells = line.split("\t")
        if len(cells) == 7 and cells[2] == "K0553":
            continue
        if len(cells) == 7 and cells[2] in ("E0466", "A6515"):
            cells[4] = {"E0466": "No", "A6515": "Yes"}[cells[2]]
        out.append("\t".join(cells))
        if len(cells) == 7 and cells[2] == "E0466":
            out.append("\t".join(["Durable Medical Equipment", "CANES", "E0100", "Cane", "Yes",
                                  "CareCore National", ""]))  # fmt: skip
    path = tmp_path / "cigna-dme-2027.txt"
    path.write_text("\n".join(out), encoding="utf-8")
    return path


@pytest.fixture
def two(service: Precert, tmp_path: Path) -> Iterator[Api]:
    """A client over a database holding v1 (effective unknown) and v2 (2027-01-01)."""
    service.import_list(derived(tmp_path), list_id=LIST, effective=dt.date(2027, 1, 1))
    client = Api(create_app(service, public_url="https://precert.example.org/"))
    yield client
    client.close()


def test_one_version_only(api: Api) -> None:
    one = api.get(f"/v1/lists/{LIST}/versions").json()
    assert [(v["version"], v["in_force_from"], v["current"], v["previous"]) for v in
            one["versions"]] == [("v1", None, True, None)]  # fmt: skip
    single = api.get(f"/v1/lists/{LIST}/changes")
    assert single.status_code == 404 and "only one version (v1)" in single.json()["detail"]
    only = api.get(f"/lists/{LIST}/changes").text
    assert "Only one version of this list is loaded" in only
    feed = ET.fromstring(api.get("/feeds/changes.xml").content)
    # Cigna's one version (no date: 1970) and Medicare's three bundled versions.
    assert [e.findtext(f"{A}updated") for e in feed.findall(f"{A}entry")] == [
        "2025-01-01T00:00:00Z", "2024-08-28T00:00:00Z", "2024-06-20T00:00:00Z",
        "1970-01-01T00:00:00Z"]  # fmt: skip


def test_versions_api(two: Api) -> None:
    body = two.get(f"/v1/lists/{LIST}/versions").json()
    VersionsOut.model_validate(body)
    assert body["list"] == LIST
    assert [
        (v["version"], v["effective"], v["in_force_from"], v["in_force_until"], v["previous"])
        for v in body["versions"]
    ] == [("v1", None, None, "2026-12-31", None), ("v2", "2027-01-01", "2027-01-01", None, "v1")]
    assert body["versions"][1]["changes_url"] == f"/v1/lists/{LIST}/changes?from=v1&to=v2"
    missing = two.get("/v1/lists/nope/versions")
    assert missing.status_code == 404 and "no list 'nope'" in missing.json()["detail"]


def test_changes_api_json_and_csv(two: Api) -> None:
    body = two.get(f"/v1/lists/{LIST}/changes").json()
    ChangesOut.model_validate(body)  # the documented schema
    schema = two.get("/openapi.json").json()["components"]["schemas"]["ChangesOut"]
    assert "from" in schema["required"] and "from_" not in schema["properties"]
    assert (body["from"]["version"], body["to"]["version"]) == ("v1", "v2")
    assert body["summary"] == {"added": 1, "removed": 1, "changed": 2,
                               "newly_requires_pa": 2, "no_longer_requires_pa": 1}  # fmt: skip
    assert [i["code"] for i in body["added"]] == ["E0100"]
    assert [i["code"] for i in body["removed"]] == ["K0553"]
    assert {i["code"]: i["direction"] for i in body["changed"]} == {
        "A6515": "newly_requires_pa", "E0466": "no_longer_requires_pa"}  # fmt: skip
    e0466 = next(i for i in body["changed"] if i["code"] == "E0466")
    assert e0466["changes"] == [{"field": "status", "table": 1, "from": "Yes", "to": "No",
                                 "from_line": 169, "to_line": 169,
                                 "direction": "no_longer_requires_pa"}]  # fmt: skip
    back = two.get(f"/v1/lists/{LIST}/changes", params={"from": "v2", "to": "v1"}).json()
    assert [i["code"] for i in back["added"]] == ["K0553"]
    response = two.get(f"/v1/lists/{LIST}/changes", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert [(r["change"], r["code"], r["field"]) for r in rows] == [
        ("added", "E0100", "row"), ("removed", "K0553", "row"),
        ("changed", "A6515", "status"), ("changed", "E0466", "status"),
    ]  # fmt: skip


def test_changes_api_errors(two: Api) -> None:
    for params, text in (({"from": "v9"}, "has no version 'v9'; it has v1, v2"),
                         ({"to": "v1"}, "first version")):  # fmt: skip
        response = two.get(f"/v1/lists/{LIST}/changes", params=params)
        assert response.status_code == 404 and text in response.json()["detail"]
    assert two.get("/v1/lists/nope/changes").status_code == 404
    assert two.get(f"/v1/lists/{LIST}/changes", params={"format": "xml"}).status_code == 422


def test_lint_api(api: Api) -> None:
    body = api.get(f"/v1/lists/{LIST}/lint").json()
    LintOut.model_validate(body)
    assert (body["list"], body["version"], body["rows"]) == (LIST, "v1", 643)
    terminated = [(f["code"], f["line"]) for f in body["findings"] if f["kind"] == "cms-terminated"]
    assert terminated == [("E2300", 316), ("K0553", 378), ("K1001", 444)]
    assert {"code": "L2006", "line": 499, "kind": "category-missing", "severity": "warning",
            "message": 'category is "#N/A": the list does not say what L2006 is filed under',
            "table": 1, "page": 29} in body["findings"]  # fmt: skip
    assert api.get(f"/v1/lists/{LIST}/lint", params={"version": "v5"}).status_code == 404


def test_changes_page(two: Api) -> None:
    page = two.get(f"/lists/{LIST}/changes")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == PAGE_HEADERS["Content-Security-Policy"]
    html = page.text
    assert "cigna-commercial-dme v1 → v2: 1 added, 1 removed, 2 changed" in html
    assert re.findall(r'<tr data-version="(v\d)"', html) == ["v1", "v2"]
    # v2 takes effect 2027-01-01: before that day it is "not yet in force", as the CLI says.
    future = dt.date.today() < dt.date(2027, 1, 1)
    assert "always to 2026-12-31" in html
    assert ("from 2027-01-01 (not yet in force)" if future else "2027-01-01 to now") in html
    assert ("2027-01-01 to now" in html) is not future
    assert re.findall(r'<table id="(\w+)"', html) == ["versions", "added", "removed", "changed"]
    added = html[html.index('id="added"') : html.index('id="removed"')]
    assert 'data-code="E0100"' in added and "newly requires PA" in added
    changed = html[html.index('id="changed"') :]
    assert 'data-code="E0466" data-field="status"' in changed
    assert "no longer requires PA" in changed
    assert 'type="application/atom+xml"' in html and "/feeds/changes.xml?list=" in html
    assert not re.search(r"<script(?![^>]*src=)|style=", html)  # nothing inline (CSP)
    same = two.get(f"/lists/{LIST}/changes", params={"from": "v2", "to": "v2"}).text
    assert "publish the same rows" in same
    missing = two.get(f"/lists/{LIST}/changes", params={"from": "v7"})
    assert missing.status_code == 404 and "has no version" in missing.text
    assert missing.headers["content-type"].startswith("text/html")


def test_lint_page(api: Api) -> None:
    html = api.get(f"/lists/{LIST}/lint").text
    rows = re.findall(r'data-code="(\w+)" data-kind="([\w-]+)" data-severity="(\w+)" '
                      r'data-line="(\d+)"', html)  # fmt: skip
    assert ("K0553", "cms-terminated", "error", "378") in rows
    assert ("L2006", "category-missing", "warning", "499") in rows
    assert {s for _, _, s, _ in rows} == {"error", "warning"}  # info hidden by default
    everything = api.get(f"/lists/{LIST}/lint", params={"severity": "info"}).text
    assert 'data-kind="description-differs"' in everything
    errors = api.get(f"/lists/{LIST}/lint", params={"severity": "error"}).text
    assert errors.count('data-severity="error"') == 3
    assert "3 error(s)" in errors
    assert api.get(f"/lists/{LIST}/lint", params={"severity": "bogus"}).status_code == 200
    assert api.get("/lists/nope/lint").status_code == 404


def test_lists_page_links_changes_and_lint(api: Api) -> None:
    html = api.get("/lists").text
    assert f'href="/lists/{LIST}/changes"' in html and f'href="/lists/{LIST}/lint"' in html
    create_app(api_service(api))  # a second app must not repeat the links
    assert api.get("/lists").text.count(f'href="/lists/{LIST}/lint"') == 1


def api_service(api: Api) -> Precert:
    app = api.client._transport.app  # type: ignore[attr-defined]
    service: Precert = app.state.service
    return service


def test_atom_feed(two: Api) -> None:
    response = two.get("/feeds/changes.xml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{A}feed"
    for tag in ("id", "title", "updated", "author"):
        assert feed.find(f"{A}{tag}") is not None, tag
    assert feed.findtext(f"{A}updated") == "2027-01-01T00:00:00Z"
    self_link = feed.find(f"{A}link[@rel='self']")
    assert (
        self_link is not None
        and self_link.get("href") == "https://precert.example.org/feeds/changes.xml"
    )
    entries = feed.findall(f"{A}entry")
    assert [e.findtext(f"{A}updated") for e in entries] == [
        "2027-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "2024-08-28T00:00:00Z",
        "2024-06-20T00:00:00Z", "1970-01-01T00:00:00Z"]  # fmt: skip
    newest = entries[0]
    assert newest.findtext(f"{A}title") == (
        "cigna-commercial-dme v1 → v2: 1 added, 1 removed, 2 changed (2 newly requires PA, "
        "1 no longer requires PA) (effective 2027-01-01)"
    )
    ids = [e.findtext(f"{A}id") for e in entries]
    assert all(i and i.startswith("urn:uuid:") for i in ids) and len(set(ids)) == 5
    alternate = newest.find(f"{A}link[@rel='alternate']")
    assert alternate is not None
    assert (
        alternate.get("href") == f"https://precert.example.org/lists/{LIST}/changes?from=v1&to=v2"
    )
    items = [li.text for li in newest.iter("{http://www.w3.org/1999/xhtml}li")]
    assert "E0466 status: Not required (no longer requires PA)" in items
    assert "E0100 added: Required (newly requires PA)" in items
    assert "first version" in (entries[-1].findtext(f"{A}title") or "")
    # The same data gives the same feed (ids are stable for feed readers).
    assert two.get("/feeds/changes.xml").content == response.content
    one_list = ET.fromstring(two.get("/feeds/changes.xml", params={"list": LIST}).content)
    assert len(one_list.findall(f"{A}entry")) == 2
    missing = two.get("/feeds/changes.xml", params={"list": "nope"})
    assert missing.status_code == 404 and "no list 'nope'" in missing.json()["detail"]


def test_the_feed_never_takes_links_from_the_host_header(two: Api) -> None:
    """A client (or a cache in front) sending another Host must not get that host's links."""
    plain = two.get("/feeds/changes.xml", params={"list": LIST})
    evil = two.get("/feeds/changes.xml", params={"list": LIST}, headers={"Host": "evil.example"})
    assert evil.content == plain.content
    assert b"evil.example" not in evil.content and b"precert.test" not in evil.content
    feed = ET.fromstring(evil.content)
    assert feed.findtext(f"{A}id") == f"https://precert.example.org/feeds/changes.xml?list={LIST}"


def test_the_public_url_comes_from_the_environment(
    service: Precert, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRECERT_PUBLIC_URL", "https://pa.example.net/precert")
    client = Api(create_app(service))
    feed = ET.fromstring(client.get("/feeds/changes.xml").content)
    link = feed.find(f"{A}link[@rel='alternate']")
    assert link is not None and link.get("href") == "https://pa.example.net/precert/lists"
    client.close()
    monkeypatch.setenv("PRECERT_PUBLIC_URL", "precert.example.org")
    with pytest.raises(ValueError, match="must be http"):
        create_app(service)
