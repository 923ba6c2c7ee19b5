"""`make serve` installs only the package and its web extra: serving must import nothing else.

The test environment holds every extra and the test tools, so a stray import of one of them
(pandas, httpx, duckdb …) in the serving path would pass every other test and fail only on a
slim install. Here `precert serve` runs with every module outside the locked closure of
``precert[web]`` made unimportable, and answers the page, the API, the upload, the docs and
CDS Hooks.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import tomllib
from pathlib import Path

import httpx
import pytest

from precert.cli import main

from ..conftest import REPO
from ..web.conftest import free_port, start_server, stop_server


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def serve_closure() -> set[str]:
    """The distributions `uv sync --no-dev --extra web` installs, read from uv.lock."""
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    packages = {_normalize(p["name"]): p for p in lock["package"]}
    wanted: list[tuple[str, tuple[str, ...]]] = [("precert", ("web",))]
    seen: set[str] = set()
    while wanted:
        name, extras = wanted.pop()
        package = packages[name]
        deps = list(package.get("dependencies", []))
        for extra in extras:
            deps += package.get("optional-dependencies", {}).get(extra, [])
        if name in seen and not extras:
            continue
        seen.add(name)
        for dep in deps:
            wanted.append((_normalize(dep["name"]), tuple(dep.get("extra", ()))))
    return seen


def modules_outside(closure: set[str]) -> list[str]:
    """Top-level modules installed here that only distributions outside ``closure`` provide."""
    providers = importlib.metadata.packages_distributions()
    return sorted(
        module
        for module, dists in providers.items()
        if module.isidentifier() and not any(_normalize(d) in closure for d in dists)
    )


def test_the_serving_closure_leaves_out_the_test_tools_and_batch_engines() -> None:
    closure = serve_closure()
    assert {"fastapi", "uvicorn", "jinja2", "python-calamine", "swagger-ui-py"} <= closure
    for heavy in ("pytest", "mypy", "pandas", "pyspark", "duckdb", "playwright", "datasette"):
        assert heavy not in closure
    blocked = modules_outside(closure)
    assert {"pytest", "pandas", "httpx", "duckdb", "pyspark"} <= set(blocked)
    assert "fastapi" not in blocked


def test_serve_works_with_only_the_web_extra(home: Path, tmp_path: Path) -> None:
    blocked = modules_outside(serve_closure())
    # sitecustomize runs at interpreter start, before precert imports anything; a None in
    # sys.modules makes `import name` fail as if the package were not installed.
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        f"import sys\nfor name in {json.dumps(blocked)}:\n    sys.modules[name] = None\n"
    )
    port = free_port()
    process = start_server(home, port, env={"PYTHONPATH": str(site)})
    try:
        base = f"http://127.0.0.1:{port}"
        answer = httpx.get(f"{base}/v1/determinations?code=E0466").json()
        assert answer["determinations"][0]["status"] == "required"
        assert ">Required</span>" in httpx.get(f"{base}/?q=E0466").text
        assert httpx.get(f"{base}/docs").status_code == 200
        assert httpx.get(f"{base}/static/swagger-ui/swagger-ui.css").status_code == 200
        services = httpx.get(f"{base}/cds-services").json()["services"]
        assert services
        upload = httpx.post(
            f"{base}/upload",
            files={"file": ("orders.csv", b"HCPCS\nE0466\nK0856\n", "text/csv")},
            data={"action": "page", "column": ""},
        )
        assert upload.status_code == 200 and "K0856" in upload.text
    finally:
        stop_server(process)


def test_serve_without_the_web_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "fastapi", None)
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "needs fastapi" in err and "pip install 'precert[web]'" in err
