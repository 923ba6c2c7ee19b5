"""OPTIONS and 405 name every method of a path; every response carries nosniff."""

from __future__ import annotations

import pytest

from .conftest import Api


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/v1/determinations", "GET, HEAD, POST, OPTIONS"),
        ("/upload", "GET, HEAD, POST, OPTIONS"),
        ("/v1/codes/E0466", "GET, HEAD, OPTIONS"),
        ("/cds-services/precert-order-sign", "POST, OPTIONS"),
        ("/static/precert.css", "GET, HEAD, OPTIONS"),
    ],
)
def test_options_and_405_list_every_method_of_the_path(api: Api, path: str, allowed: str) -> None:
    options = api.request("OPTIONS", path)
    assert options.status_code == 204 and options.headers["allow"] == allowed
    refused = api.request("DELETE", path)
    assert refused.status_code == 405 and refused.headers["allow"] == allowed
    if path.startswith("/v1/"):
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "method_not_allowed"
        assert "DELETE" in refused.json()["detail"]


def test_options_on_an_unknown_path_is_a_404(api: Api) -> None:
    assert api.request("OPTIONS", "/no/such/path").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/v1/<script>alert(1)</script>",
        "/v1/lists/<img src=x onerror=alert(1)>/entries",
        "/v1/determinations?code=E0466",
        "/",
    ],
)
def test_every_response_says_nosniff(api: Api, path: str) -> None:
    response = api.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    if response.status_code == 404:
        assert response.headers["content-type"] == "application/problem+json"
