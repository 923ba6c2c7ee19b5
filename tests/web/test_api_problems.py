"""One error shape for the REST API: RFC 9457 problem details with stable machine codes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from precert.service import DB_NAME
from precert.web.problems import FIELD_CODES, MEDIA_TYPE, PROBLEMS
from precert.web.schemas import Problem

from .conftest import Api, free_port, start_server, stop_server

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The body of ``response``, checked to be a problem of ``status`` and ``code``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    body: dict[str, Any] = response.json()
    Problem.model_validate(body)  # the documented schema
    assert body["code"] == code and body["status"] == status
    assert body["type"] == f"urn:precert:problem:{code}"
    assert body["title"] == PROBLEMS[code][1]
    assert body["instance"] == response.request.url.path
    return body


@pytest.mark.parametrize(
    ("path", "field", "code"),
    [
        ("/v1/determinations?code=E0466&date=2026-02-30", "date", "date_parsing"),
        ("/v1/determinations", "code", "missing"),
        ("/v1/determinations?code=E0466&payer=Aetna", "payer", "unknown_payer"),
        ("/v1/determinations?code=E0466&state=Texas", "state", "string_pattern_mismatch"),
        ("/v1/determinations?code=E0466&state=ZZ", "state", "string_pattern_mismatch"),
        ("/v1/codes/K0856?state=zz", "state", "string_pattern_mismatch"),
        ("/v1/search?q=bed&status=maybe", "status", "enum"),
        ("/v1/search?q=bed&lmit=5", "lmit", "unknown_parameter"),
        ("/v1/codes/E0250,E0466", "code", "several_codes"),
        ("/v1/categories?line_of_business=Medicaid", "line_of_business",
         "unknown_line_of_business"),
        ("/v1/lists/cigna-commercial-dme/entries?limit=0", "limit", "greater_than_equal"),
    ],
)  # fmt: skip
def test_422_names_the_field_and_its_code(api: Api, path: str, field: str, code: str) -> None:
    body = problem(api.get(path), 422, "validation_failed")
    (error,) = body["errors"]
    assert (error["field"], error["in"], error["code"]) == (field, error["loc"][0], code)
    assert error["message"] and error["message"] in body["detail"]


def test_several_problems_are_each_named(api: Api) -> None:
    response = api.post(
        "/v1/determinations", json={"codes": ["E0466", 7], "date": "tomorrow", "colour": "red"}
    )
    body = problem(response, 422, "validation_failed")
    fields = {(e["field"], e["code"]) for e in body["errors"]}
    assert ("codes[1]", "string_type") in fields and ("colour", "extra_forbidden") in fields
    assert any(f == "date" for f, _ in fields)
    assert body["detail"].startswith(f"{len(body['errors'])} problems: ")


def test_each_status_has_its_code(api: Api) -> None:
    missing = problem(api.get("/v1/lists/nope/entries"), 404, "unknown_list")
    assert "cigna-commercial-dme" in missing["detail"]  # names the loaded lists
    version = problem(api.get("/v1/lists/cigna-commercial-dme/entries?version=v9"), 404,
                      "unknown_version")  # fmt: skip
    assert "v1" in version["detail"]
    problem(api.get("/v1/lists/nope/versions"), 404, "unknown_list")
    problem(api.get("/v1/lists/cigna-commercial-dme/changes"), 404, "not_found")
    problem(api.get("/v1/lists/cigna-commercial-dme/lint?version=v7"), 404, "not_found")
    problem(api.get("/v1/nothing-here"), 404, "unknown_endpoint")
    problem(api.request("PUT", "/v1/payers"), 405, "method_not_allowed")
    bad_json = problem(
        api.post("/v1/determinations", content=b"{codes", headers={"content-type":
                 "application/json"}), 400, "invalid_json",
    )  # fmt: skip
    assert bad_json["errors"][0]["code"] == "json_invalid"
    too_big = api.post("/v1/determinations", content=b" " * (7 * 1024 * 1024),
                       headers={"content-type": "application/json"})  # fmt: skip
    assert "bytes" in problem(too_big, 413, "body_too_large")["detail"]


def test_pages_keep_html_errors_and_cds_its_own(api: Api) -> None:
    page = api.get("/lists/nope")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    cds = api.post("/cds-services/precert-order-sign", json={})
    assert cds.status_code == 400 and cds.headers["content-type"] == "application/json"


def test_the_schema_documents_problems_on_every_rest_route(api: Api) -> None:
    schema = api.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"] or any(
        p.startswith("/cds-services") for p in schema["paths"]
    )
    for path, item in schema["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in item.items():
            responses = operation["responses"]
            assert {"422", "503"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            for status, answer in responses.items():
                if int(status) >= 400:
                    assert list(answer["content"]) == [MEDIA_TYPE], (method, path, status)
                    assert answer["content"][MEDIA_TYPE]["schema"]["$ref"].endswith("/Problem")
            assert "Retry-After" in responses["503"]["headers"]


def test_every_code_is_documented() -> None:
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", DOCS.read_text(), re.MULTILINE))
    assert set(PROBLEMS) <= set(rows), set(PROBLEMS) - set(rows)
    assert set(FIELD_CODES) <= set(rows), set(FIELD_CODES) - set(rows)
    for code, (status, _) in PROBLEMS.items():
        assert rows[code].startswith(f"{status} |"), code


def test_a_database_damaged_mid_request_is_503_with_retry_after(
    built_db: Path, tmp_path: Path
) -> None:
    """A real server whose database file is damaged while it runs: 503 problem, not 500."""
    shutil.copy(built_db, tmp_path / DB_NAME)
    port = free_port()
    server = start_server(tmp_path, port, log=tmp_path / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        assert httpx.get(f"{base}/v1/lists/medicare-dmepos-pa/entries").status_code == 200
        with (tmp_path / DB_NAME).open("r+b") as file:
            file.truncate(8192)  # every page but the first two gone, the header intact
        for path in ("/v1/lists/cigna-commercial-dme/entries", "/v1/search?q=zzzunusual+walker",
                     "/v1/codes/A4239"):  # fmt: skip
            response = httpx.get(base + path, timeout=30)
            body = problem(response, 503, "database_damaged")
            assert response.headers["retry-after"] == "60"
            assert "precert rebuild" in body["detail"]
            assert str(tmp_path) not in response.text  # the server's paths stay in its log
        page = httpx.get(f"{base}/codes/A4239", timeout=30)
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
        assert page.headers["retry-after"] == "60"
    finally:
        stop_server(server)
    log = (tmp_path / "serve.log").read_text()
    assert "is damaged" in log and "Traceback" not in log
