"""The examples /docs shows run, as written, against the server that shows them."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

_EXAMPLE = re.compile(r"`(GET|POST) (/[^`\s]*)`(?:\s+with\s+`(\{.*?\})`)?", re.DOTALL)


def _descriptions(schema: dict[str, Any]) -> list[str]:
    texts = [schema["info"].get("description", "")]
    for item in schema["paths"].values():
        texts.extend(op.get("description", "") for op in item.values() if isinstance(op, dict))
    return texts


def test_docs_name_no_fixed_server(live_server: str) -> None:
    """Nothing shown by /docs points at a host and port other than the one serving it."""
    for path in ("/docs", "/openapi.json"):
        text = httpx.get(live_server + path, timeout=30).text
        assert "127.0.0.1:8000" not in text and "localhost:8000" not in text, path
    schema = httpx.get(live_server + "/openapi.json", timeout=30).json()
    assert "servers" not in schema  # Swagger UI then sends requests to the page's own origin


def test_every_example_in_the_descriptions_runs(live_server: str) -> None:
    schema = httpx.get(live_server + "/openapi.json", timeout=30).json()
    examples = [m for text in _descriptions(schema) for m in _EXAMPLE.findall(text)]
    assert len(examples) >= 14
    assert ("POST", "/v1/determinations") in [(m, u) for m, u, _ in examples]
    for method, url, body in examples:
        content = json.loads(body) if body else None
        response = httpx.request(method, live_server + url, json=content, timeout=60)
        assert response.status_code == 200, (method, url, response.text[:300])
        if "format=csv" not in url:
            assert isinstance(response.json(), dict)


def _parameter_example(parameter: dict[str, Any]) -> Any:
    if "example" in parameter:
        return parameter["example"]
    schema = parameter.get("schema", {})
    return (parameter.get("examples") or schema.get("examples") or [None])[0]


def test_every_operation_answers_its_documented_example(live_server: str) -> None:
    """Each REST operation, called with its parameters' and body's examples, answers 200."""
    schema = httpx.get(live_server + "/openapi.json", timeout=30).json()
    called = []
    for path, item in schema["paths"].items():
        if not path.startswith(("/v1/", "/healthz")):
            continue
        for method, operation in item.items():
            url, params = path, []
            for parameter in operation.get("parameters", []):
                example = _parameter_example(parameter)
                if parameter["in"] == "path":
                    assert example is not None, (path, parameter["name"])
                    url = url.replace("{" + parameter["name"] + "}", str(example))
                elif parameter.get("required"):
                    values = example if isinstance(example, list) else [example]
                    params += [(parameter["name"], v) for v in values]
            body = None
            if "requestBody" in operation:
                content = operation["requestBody"]["content"]["application/json"]["schema"]
                ref = content["$ref"].rsplit("/", 1)[1]
                body = schema["components"]["schemas"][ref]["examples"][0]
            response = httpx.request(
                method.upper(), live_server + url, params=params, json=body, timeout=60
            )
            assert response.status_code == 200, (method, url, response.text[:300])
            called.append(f"{method.upper()} {path}")
    assert "POST /v1/determinations" in called and "GET /v1/lists/{list_id}/changes" in called


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_pagination_example_of_the_docs_runs(live_server: str) -> None:
    """docs/api.md's `$ curl` line answers what the page shows after it."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    section = text.split("## Pagination", 1)[1].split("\n## ", 1)[0]
    (command,) = re.findall(r"^\$ (curl .*)$", section, re.MULTILINE)
    args = shlex.split(command.replace("http://127.0.0.1:8000", live_server))
    run = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True)
    body = json.loads(run.stdout)
    shown = re.search(r"^(\{.*?)\"entries\":\[", section, re.MULTILINE | re.DOTALL)
    assert shown is not None
    expected = json.loads(shown.group(1).replace("\n", "") + '"entries":[]}')
    assert {k: body[k] for k in expected if k != "entries"} == {
        k: v for k, v in expected.items() if k != "entries"
    }
    assert len(body["entries"]) == 100
