"""The REST API in-process (httpx ASGITransport) over the real bundled Cigna list."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import sys
import threading
import time
import types
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import QueryParams
from starlette.responses import Response

from precert.cli import main as cli_main
from precert.service import Precert
from precert.web.app import create_app
from precert.web.common import AnswerBodies, JSONBytes
from precert.web.errors import MAX_BODY

from ..conftest import PUBLISHED
from .conftest import Api


def codes(response_json: dict[str, list[dict[str, object]]]) -> list[object]:
    """The codes of a determinations response, in order."""
    return [d["code"] for d in response_json["determinations"]]


def test_one_code_answer_is_the_cli_json(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    response = api.get("/v1/determinations", params={"code": "E0466", "payer": "Cigna"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    answer = response.json()["determinations"][0]
    assert answer["status"] == "required"
    assert answer["submit_to"]["name"].startswith("eviCore")
    assert answer["sources"][0] | {"table_title": ""} == {
        "list": "cigna-commercial-dme", "version": "v1", "table": 1, "line": 169, "page": 9,
        "table_title": "", "file": "cigna-commercial-dme.txt", "url": None,
        "published_code": "E0466",
    }  # fmt: skip
    # Same determination, same JSON fields as `precert check --json`.
    assert cli_main(["check", "--json", "E0466", "K0856-RR", "xyz", "--payer", "Cigna"]) == 1
    from_cli = json.loads(capsys.readouterr().out)
    from_api = api.get("/v1/determinations?payer=Cigna&code=E0466&code=K0856-RR&code=xyz").json()
    assert from_api == from_cli


def test_several_codes_keep_request_order_and_split_pasted_text(api: Api) -> None:
    response = api.get(
        "/v1/determinations?payer=Cigna&code=L5856&code=e0466,%20k0856-rr;A4239&code=XYZ"
    )
    body = response.json()
    assert codes(body) == ["L5856", "E0466", "K0856", "A4239", None]
    statuses = [d["status"] for d in body["determinations"]]
    assert statuses == ["required", "required", "required", "out_of_scope", "invalid"]
    # An input that is not a code is an answer, not an error.
    assert "is not a code" in body["determinations"][-1]["message"]
    # Modifiers kept, and the rule they trigger reported.
    rental = api.get("/v1/determinations?payer=Cigna&code=K0856-RR").json()["determinations"][0]
    assert rental["modifiers"] == ["RR"]
    assert any("purchase only" in w for w in rental["warnings"])


def test_cigna_contact_and_not_listed(api: Api) -> None:
    body = api.get("/v1/determinations?payer=Cigna&code=A4239&code=E0100").json()["determinations"]
    assert body[0]["submit_to"] == {
        "name": "Cigna", "phone": "888-454-0013", "fax": "877-730-3858", "option": "5",
    }  # fmt: skip
    assert body[1]["status"] == "not_listed"
    assert any('not "no prior authorization"' in n for n in body[1]["notes"])


def test_date_of_service(api: Api) -> None:
    body = api.get("/v1/determinations?payer=Cigna&code=E0466&date=2026-02-01").json()
    assert body["determinations"][0]["date"] == "2026-02-01"
    bad = api.get("/v1/determinations?payer=Cigna&code=E0466&date=2026-02-30")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["query", "date"]


def test_malformed_parameters_are_422_naming_the_field(api: Api) -> None:
    missing = api.get("/v1/determinations")
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["loc"] == ["query", "code"]
    too_many = api.get("/v1/determinations", params=[("code", "E0466")] * 1001)
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["loc"] == ["query", "code"]
    payer = api.get("/v1/determinations?payer=Cigna&code=E0466&payer=Aetna")
    assert payer.status_code == 422
    assert payer.json()["errors"][0]["loc"] == ["query", "payer"]
    assert "Cigna / Commercial" in payer.json()["errors"][0]["message"]
    assert api.get("/v1/search?q=bed&status=maybe").json()["errors"][0]["loc"] == [
        "query", "status",
    ]  # fmt: skip
    assert api.get("/v1/search?q=bed&limit=0").status_code == 422
    assert api.get("/v1/search?q=bed&limit=1001").status_code == 422


def test_post_determinations(api: Api) -> None:
    response = api.post(
        "/v1/determinations",
        json={"codes": ["E0466", "k0856-rr", "L5856 LT"], "date": None, "payer": "Cigna"},
    )
    assert response.status_code == 200
    body = response.json()
    assert codes(body) == ["E0466", "K0856", "L5856"]
    assert body["determinations"][2]["modifiers"] == ["LT"]
    # The same answers as the GET form.
    assert (
        body
        == api.get(
            "/v1/determinations",
            params=[("code", c) for c in ("E0466", "k0856-rr", "L5856 LT")] + [("payer", "Cigna")],
        ).json()
    )
    thousand = [f"E{n:04d}" for n in range(1000)]
    big = api.post("/v1/determinations", json={"codes": thousand, "payer": "Cigna"})
    assert big.status_code == 200
    assert codes(big.json()) == thousand
    assert api.post("/v1/determinations", json={"codes": []}).json() == {"determinations": []}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"codes": ["E0466"] * 1001}, ["body", "codes"]),
        ({"codes": "E0466"}, ["body", "codes"]),
        ({"codes": [7]}, ["body", "codes", 0]),
        ({"codes": ["E0466"], "date": "tomorrow"}, ["body", "date"]),
        ({"codes": ["E0466"], "date": 20260101}, ["body", "date"]),
        ({"codes": ["E0466"], "colour": "red"}, ["body", "colour"]),
        ({"code": ["E0466"]}, ["body", "codes"]),
        ({"codes": ["E0466"], "payer": "Aetna"}, ["body", "payer"]),
    ],
)
def test_post_malformed_body_is_422_naming_the_field(
    api: Api, body: dict[str, object], loc: list[object]
) -> None:
    response = api.post("/v1/determinations", json=body)
    assert response.status_code == 422
    assert loc in [d["loc"] for d in response.json()["errors"]]


def test_post_not_json(api: Api) -> None:
    response = api.post(
        "/v1/determinations", content=b"{codes: E0466", headers={"content-type": "application/json"}
    )
    # Not JSON is a syntax error of the request: 400, not a bad value (422).
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_json"
    assert response.json()["errors"][0]["code"] == "json_invalid"


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        (b'{"codes": ["E0466"], "date": NaN}', "nan"),
        (b'{"codes": ["E0466"], "date": -Infinity}', "-inf"),
        (b'{"codes": ["E0466"], "date": 1e400}', "inf"),
        (b'{"codes": ["\\ud800"]}', "\\ud800"),
    ],
)
def test_422_echoes_values_json_cannot_carry(api: Api, content: bytes, shown: str) -> None:
    """Python's JSON reader accepts NaN and lone surrogates; the 422 still names the field."""
    response = api.post(
        "/v1/determinations", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["input"] == shown


def test_body_over_the_limit_is_413(api: Api) -> None:
    declared = api.post(
        "/v1/determinations",
        content=b" " * (MAX_BODY + 1),
        headers={"content-type": "application/json"},
    )
    assert declared.status_code == 413
    assert "bytes" in declared.json()["detail"]

    async def chunks() -> AsyncIterator[bytes]:
        # No Content-Length: the limit must hold while the body streams in.
        yield b'{"codes": ["'
        for _ in range(MAX_BODY // 65536 + 2):
            yield b"E" * 65536
        yield b'"]}'

    streamed = api.post(
        "/v1/determinations", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413


def test_code_report(api: Api) -> None:
    body = api.get("/v1/codes/K0553", params={"payer": "Cigna"}).json()
    assert body["code"] == "K0553"
    assert body["status"] == "required"
    assert body["submit_to"]["name"] == "Cigna"
    assert body["hcpcs"]["terminated"] == "2022-12-31"
    assert body["effective"] == "2021-07-01"
    [row] = body["rows"]
    assert row["line"] == 378
    assert row["category_raw"] == "0"
    assert row["published"]["CPT® Code"] == "K0553"
    l2006 = api.get("/v1/codes/L2006", params={"payer": "Cigna"}).json()
    assert [r["table"] for r in l2006["rows"]] == [1, 2]
    assert l2006["rows"][0]["category_raw"] == "#N/A"
    invalid = api.get("/v1/codes/hello")
    assert invalid.status_code == 200
    assert invalid.json()["status"] == "invalid"
    assert invalid.json()["rows"] == []


def test_search(api: Api) -> None:
    body = api.get("/v1/search", params={"q": "hospital beds", "limit": 50}).json()
    found = [r["code"] for r in body["results"]]
    assert "E0250" in found
    # Every hit says "bed" in its own description (CMS's, for codes no list mentions): E0935,
    # a knee motion device Cigna files under "Hospital beds and accessories", is no bed.
    assert all(
        "bed" in (r["description"] or r["hcpcs"]["description"]).lower() for r in body["results"]
    )
    assert "E0935" not in found and {"E0290", "E0297"} <= set(found)
    required = api.get("/v1/search?q=wheelchair&status=required&limit=100").json()["results"]
    assert required and {r["status"] for r in required} == {"required"}
    typo = api.get("/v1/search?q=wheelchiar").json()
    assert typo["corrections"] == {"wheelchiar": ["wheelchair"]}
    assert "K0001" in [r["code"] for r in typo["results"]]
    vent = api.get("/v1/search?category=Ventilators&limit=100").json()["results"]
    assert "E0466" in [r["code"] for r in vent]
    assert {r["category"] for r in vent} == {"Ventilators"}


def test_lists_categories_and_entries(api: Api) -> None:
    listed, *medicare = api.get("/v1/lists").json()["lists"]
    assert listed["list"] == "cigna-commercial-dme"
    assert {(m["list"], m["payer"], m["version"]) for m in medicare} == {
        ("medicare-dmepos-pa", "Medicare", v) for v in ("v1", "v2", "v3")
    }
    assert listed["payer"] == "Cigna" and listed["rows"] == 643
    categories = api.get("/v1/categories").json()["categories"]
    spellings = {p for c in categories for p in c["published"]}
    assert {"Neuromuscular electrical stimulators", "NEUROMUSCULAR ELECTRICAL STIMULATORS"} <= (
        spellings
    )
    entries = api.get("/v1/lists/cigna-commercial-dme/entries").json()
    assert entries["version"] == "v1"
    assert len(entries["entries"]) == 643
    first = entries["entries"][0]
    assert first["code"] == "A4239" and first["line"] == 7 and first["page"] == 1
    as_csv = api.get("/v1/lists/cigna-commercial-dme/entries?format=csv")
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    assert len(rows) == 643
    assert rows[0]["code"] == "A4239" and rows[0]["status_raw"] == "Out Of Scope"
    by_accept = api.get("/v1/lists/cigna-commercial-dme/entries", headers={"accept": "text/csv"})
    assert by_accept.text == as_csv.text
    assert rows[0]["states"] == ""  # a row for every member
    # Medicare's first version: the osteogenesis stimulators, for phase-one states' members only.
    medicare = api.get("/v1/lists/medicare-dmepos-pa/entries?format=csv&version=v1")
    e0747 = [
        r["states"]
        for r in csv.DictReader(io.StringIO(medicare.text.lstrip("\ufeff")))
        if r["code"] == "E0747"
    ]
    assert e0747 == ["CA FL OH PA", ""]  # then, for every member, from the later date
    assert api.get("/v1/lists/nope/entries").status_code == 404
    assert api.get("/v1/lists/cigna-commercial-dme/entries?version=v9").status_code == 404


def test_health_version_openapi_and_docs_without_cdn(api: Api) -> None:
    health = api.get("/healthz").json()
    # Cigna's 643 rows and Medicare's three versions (one entry per code a row lists).
    assert health == {"status": "ok", "version": "0.1.0", "lists": 4, "entries": 1020}
    assert api.get("/v1/version").json()["version"] == "0.1.0"
    paths = api.get("/openapi.json").json()["paths"]
    for path in ("/v1/determinations", "/v1/codes/{code}", "/v1/search", "/v1/lists",
                 "/v1/categories", "/v1/lists/{list_id}/entries", "/healthz"):  # fmt: skip
        assert path in paths
    docs = api.get("/docs").text
    assert "cdn" not in docs.lower()
    assert "/static/swagger-ui/swagger-ui-bundle.js" in docs
    assert api.get("/static/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert api.get("/redoc").status_code == 404


def test_unknown_api_path_is_a_json_404(api: Api) -> None:
    response = api.get("/v1/nothing-here")
    assert response.status_code == 404
    assert "/docs" in response.json()["detail"]


def test_other_modules_keep_their_own_errors(service: Precert) -> None:
    """CDS Hooks' 400s and FastAPI's defaults under /cds-services are left alone."""
    module = types.ModuleType("precert_test_cds_stub")
    router = APIRouter()

    @router.post("/cds-services/{service_id}")
    async def hook(service_id: str) -> None:
        raise HTTPException(400, {"error": "context is missing"})

    @router.get("/cds-services/check")
    async def check(n: int) -> dict[str, int]:
        return {"n": n}

    @router.get("/cds-services/raise")
    async def raises() -> None:
        raise RequestValidationError([{"type": "x", "loc": ("body",), "msg": "bad"}])

    module.router = router  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        app = create_app(service, modules=["precert.web.api", module.__name__])
        client = Api(app)
        response = client.post("/cds-services/order-sign")
        assert response.status_code == 400
        assert response.json() == {"detail": {"error": "context is missing"}}
        assert client.get("/cds-services/check?n=x").status_code == 422
        unknown = client.get("/cds-services/nope/nope")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/json"
        client.close()
    finally:
        del sys.modules[module.__name__]


def test_app_over_default_home(home: Path) -> None:
    app: FastAPI = create_app()
    client = Api(app)
    assert client.get("/healthz").json()["entries"] == 1020
    client.close()


def test_determinations_are_answered_by_the_router_alone(service: Precert) -> None:
    """No second implementation ahead of FastAPI's router: every answer passes through it."""
    app = create_app(service)
    routes: list[str] = []

    async def outer(scope: Any, receive: Any, send: Any) -> None:
        await app(scope, receive, send)
        if scope["type"] == "http":
            route = scope.get("route")
            routes.append(getattr(route, "path", "(not routed)"))

    client = Api(outer)  # type: ignore[arg-type]
    first = client.get("/v1/determinations?payer=Cigna&code=E0466")
    again = client.get("/v1/determinations?payer=Cigna&code=E0466")  # answered from the body cache
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and first.headers == again.headers
    assert routes == ["/v1/determinations", "/v1/determinations"]
    client.close()
    import precert.web.api as api_module

    assert not hasattr(api_module, "FastDeterminations")


def test_cached_bodies_follow_an_import_made_elsewhere(service: Precert, home: Path) -> None:
    app = create_app(service)
    app.state.answer_bodies.recheck = 0.0  # check the data version on every request
    client = Api(app)
    url = "/v1/determinations?payer=Cigna&code=E0466&date=2027-02-01"
    assert client.get(url).json()["determinations"][0]["status"] == "required"
    rows = PUBLISHED.read_text().splitlines()
    rows = [r.replace("\tYes\t", "\tNo\t") if "\tE0466\t" in r else r for r in rows]
    newer = home / "newer.txt"
    newer.write_text("\n".join(rows))
    other = Precert(home)
    other.import_list(newer, list_id="cigna-commercial-dme", effective=dt.date(2027, 1, 1))
    other.close()
    assert client.get(url).json()["determinations"][0]["status"] == "not_required"
    client.close()


def test_a_burst_after_the_recheck_interval_checks_the_data_version_once(
    service: Precert, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the cached bodies are due for a data-version check, the requests arriving meanwhile
    share one check and are answered from the cache, not each determined afresh."""
    app = create_app(service)
    bodies: AnswerBodies = app.state.answer_bodies
    url = "/v1/determinations?code=E0466&payer=Cigna"
    answers: list[bytes] = []
    checks: list[float] = []
    real_answer, real_versions = bodies.answer, service.versions

    def counted_answer(*args: Any) -> bytes:
        answers.append(args[0])
        return real_answer(*args)

    def slow_versions(*args: Any) -> Any:
        checks.append(time.monotonic())
        time.sleep(0.05)  # long enough for every request of the burst to arrive meanwhile
        return real_versions(*args)

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            first = await client.get(url)
            monkeypatch.setattr(bodies, "answer", counted_answer)
            monkeypatch.setattr(service, "versions", slow_versions)
            bodies.checked_at = float("-inf")  # the check is due
            rest = await asyncio.gather(*(client.get(url) for _ in range(20)))
            return [first, *rest]

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [200] * 21
    assert {r.content for r in responses} == {responses[0].content}
    assert len(checks) == 1 and answers == []
    assert not bodies.stale()


def test_a_json_body_gets_the_headers_starlette_would_give_it() -> None:
    body = b'{"determinations":[]}'
    expected = Response(body, media_type="application/json")
    assert JSONBytes(body).raw_headers == expected.raw_headers
    assert (JSONBytes(body).status_code, JSONBytes(body).body) == (200, body)
    for kwargs in ({"status_code": 201}, {"headers": {"Link": "</next>"}}, {"status_code": 304}):
        made = JSONBytes(body, **kwargs)  # type: ignore[arg-type]
        starlettes = Response(body, media_type="application/json", **kwargs)  # type: ignore[arg-type]
        assert made.raw_headers == starlettes.raw_headers


def test_cached_bodies_are_for_today(service: Precert) -> None:
    bodies = AnswerBodies(service)
    key = b"code=E0466&payer=Cigna"
    body = bodies.answer(key, QueryParams(key))
    assert bodies.cached(key) == body
    # As if the body had been kept yesterday: past midnight, it is not today's answer.
    bodies._day, bodies._day_ends = dt.date.today() - dt.timedelta(days=1), time.time() + 60
    assert bodies.cached(key) is None
    bodies._day_ends = time.time() - 1  # midnight has passed: today is read again
    assert bodies.cached(key) == body


def test_the_body_cache_is_bounded_in_bytes(service: Precert) -> None:
    bodies = AnswerBodies(service, max_bytes=200_000)
    for n in range(300):
        key = f"code=E{n:04d}".encode()
        body = bodies.answer(key, QueryParams(key))
        assert json.loads(body)["determinations"][0]["code"] == f"E{n:04d}"
        assert bodies.bytes <= 200_000
    assert 0 < len(bodies) < 300
    # One body over the whole budget is answered, not kept.
    big = ("payer=Cigna&" + "&".join(f"code=E{n:04d}" for n in range(1000))).encode()
    assert len(json.loads(bodies.answer(big, QueryParams(big)))["determinations"]) == 1000
    assert bodies.bytes <= 200_000


def test_post_accepts_a_date_as_the_readme_shows(api: Api) -> None:
    response = api.post("/v1/determinations", json={"codes": ["E0466"], "date": "2026-07-01"})
    assert response.status_code == 200
    answer = response.json()["determinations"][0]
    assert answer["status"] == "required" and answer["date"] == "2026-07-01"
    for bad in ("2026-02-30", "2026-7-1", "20260701", "2026-07-01T00:00:00"):
        refused = api.post("/v1/determinations", json={"codes": ["E0466"], "date": bad})
        assert refused.status_code == 422, bad
        assert refused.json()["errors"][0]["loc"] == ["body", "date"]


def test_the_code_limit_counts_codes_after_splitting(api: Api) -> None:
    pasted = ",".join(f"E{n:04d}" for n in range(33))  # 197 characters: one query may hold it
    response = api.post("/v1/determinations", json={"codes": [pasted] * 1000})
    assert response.status_code == 422
    detail = response.json()["errors"][0]
    assert detail["loc"] == ["body", "codes"] and "33,000" in detail["message"]
    over = api.get("/v1/determinations", params=[("code", pasted)] * 31)
    assert over.status_code == 422 and over.json()["errors"][0]["loc"] == ["query", "code"]
    exactly = api.post(
        "/v1/determinations", json={"codes": [pasted] * 30 + ["E0466"] * 10, "payer": "Cigna"}
    )
    assert exactly.status_code == 200 and len(exactly.json()["determinations"]) == 1000


@pytest.mark.parametrize("depth", [500, 5_000, 100_000])
def test_deeply_nested_json_is_a_4xx(api: Api, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    for body in (
        nested,
        '{"codes": ' + nested + "}",
        '{"codes": ["E0466"], "date": ' + nested + "}",
    ):
        response = api.post(
            "/v1/determinations", content=body, headers={"content-type": "application/json"}
        )
        assert 400 <= response.status_code < 500, (depth, response.text[:200])
        assert len(response.content) < 10_000  # the echo is short, whatever was sent


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/v1/determinations?payer=Cigna&code=E0466",
        "/v1/lists/cigna-commercial-dme/entries?format=csv",
        "/",
        "/codes/E0466",
        "/feeds/changes.xml",
    ],
)
def test_head_answers_like_get_without_a_body(api: Api, path: str) -> None:
    """HTTP requires HEAD wherever GET works (monitors use `HEAD /healthz`)."""
    get = api.get(path)
    head = api.request("HEAD", path)
    assert head.status_code == get.status_code == 200
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.content == b""
    assert api.request("HEAD", "/no/such/page").status_code == 404


def test_a_code_path_holding_several_codes_is_refused_not_half_answered(api: Api) -> None:
    response = api.get("/v1/codes/E0250,E0466")
    assert response.status_code == 422
    detail = response.json()["errors"][0]
    assert detail["loc"] == ["path", "code"] and "/v1/determinations" in detail["message"]


def test_with_no_payer_named_each_loaded_payer_answers(api: Api) -> None:
    body = api.get("/v1/determinations?code=K0856&code=E0950&date=2026-05-01").json()
    answers = [(d["code"], d["payer"], d["status"], d["qualifier"]) for d in body["determinations"]]
    assert answers == [
        ("K0856", "Cigna", "required", None),
        ("K0856", "Medicare", "required", None),
        ("E0950", "Cigna", "not_listed", None),
        ("E0950", "Medicare", "not_required", "voluntary"),
    ]
    medicare = body["determinations"][1]
    assert medicare["submit_options"][2]["label"] == "Jurisdiction C"
    assert "TX" in medicare["submit_options"][2]["states"]


def test_a_slow_database_read_does_not_hold_up_other_requests(
    service: Precert, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite runs in the thread pool: while one request waits on the database (an import
    holding it, a cold disk), answers that need none keep coming from the event loop."""
    app = create_app(service)
    app.state.answer_bodies.recheck = 60.0
    real_entries = service.store.entries
    release = threading.Event()

    def slow_entries(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return real_entries(*args, **kwargs)

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            cached = "/v1/determinations?code=E0466"
            assert (await client.get(cached)).status_code == 200
            monkeypatch.setattr(service.store, "entries", slow_entries)
            slow = asyncio.create_task(client.get("/v1/codes/E0466"))
            await asyncio.sleep(0.2)
            started = time.monotonic()
            for path in (cached, "/v1/version"):
                response = await asyncio.wait_for(client.get(path), 5)
                assert response.status_code == 200
            assert time.monotonic() - started < 5 and not slow.done()
            release.set()
            assert (await slow).status_code == 200

    asyncio.run(scenario())
