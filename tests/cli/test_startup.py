"""What `precert` loads at start (structure, not timing: the figures are in bench/bench_core.py
and docs/benchmarks.md). A command run from a fresh process imports what it needs and nothing
heavy: no Rich when the output is not a terminal, no web, batch, reader or profile stack."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from precert.cli import COMMAND_MODULES, COMMANDS, build_parser

# Third-party packages only some commands use (each in an optional extra or for a terminal).
HEAVY = ("rich", "fastapi", "uvicorn", "starlette", "duckdb", "pyspark", "pyarrow", "pandas",
         "openpyxl", "python_calamine", "pdfplumber", "jinja2", "httpx")  # fmt: skip
# precert's own modules that answering a code never needs: imports, profiles, readers of
# files, search ranking, versions, the web and batch doors, the other commands' parsers.
NOT_FOR_CHECK = ("precert.importer", "precert.profiles", "precert.readers.", "precert.bundled",
                 "precert.finding", "precert.ranking", "precert.searching", "precert.spelling",
                 "precert.versioning",
                 "precert.lint", "precert.dryrun", "precert.web", "precert.batch",
                 "precert.cli.imports", "precert.cli.batch", "precert.cli.serve",
                 "precert.cli.versions", "precert.cli.lists", "precert.cli.profile",
                 "tomllib", "shutil")  # fmt: skip


def loaded_by(home: Path, *args: str) -> tuple[int, str, list[str]]:
    """(exit code, stdout, modules loaded) of ``precert.cli.main(args)`` in a fresh process
    whose stdout is a pipe, as in a script."""
    code = (
        "import json, sys\n"
        "from precert.cli import main\n"
        f"status = main({list(args)!r})\n"
        "sys.stdout.flush()\n"
        "sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + '\\n')\n"
        "sys.exit(status)\n"
    )
    env = {**os.environ, "PRECERT_HOME": str(home)}
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    modules = json.loads(run.stderr.rsplit("MODULES ", 1)[1])
    return run.returncode, run.stdout, modules


def among(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """The modules that are one of ``names`` or inside one of them (``precert.readers.``, with
    its dot, stands for the modules inside that package but not the package itself)."""
    return [
        m
        for m in modules
        if any(
            m.startswith(n) if n.endswith(".") else m == n or m.startswith(n + ".") for n in names
        )
    ]


@pytest.mark.parametrize(
    "args",
    [
        ("check", "E0466", "--payer", "Cigna"),
        ("check", "E0466"),
        ("check", "--json", "E0466", "K0856-RR"),
    ],
)
def test_check_loads_no_heavy_module(home: Path, args: tuple[str, ...]) -> None:
    status, out, modules = loaded_by(home, *args)
    assert status == 0 and "E0466" in out
    assert among(modules, HEAVY) == []
    assert among(modules, NOT_FOR_CHECK) == []


def test_check_answers_both_bundled_payers_with_what_it_loads(home: Path) -> None:
    # The structural test above must be about the real thing: both lists loaded and answered.
    status, out, _ = loaded_by(home, "check", "--json", "E0466")
    payers = {d["payer"] for d in json.loads(out)["determinations"]}
    assert status == 0 and payers == {"Cigna", "Medicare"}


@pytest.mark.parametrize("table", [(), ("--format", "table")])
def test_search_loads_the_search_modules_but_no_heavy_one(
    home: Path, table: tuple[str, ...]
) -> None:
    # The table a terminal gets is drawn without Rich too: a page of results laid out by Rich
    # cost more than the search itself.
    status, out, modules = loaded_by(home, "search", "walker", *table)
    assert "textwrap" not in modules  # its regular expressions cost more than the layout
    assert status == 0 and "walker" in out.lower()
    assert among(modules, HEAVY) == []
    assert "precert.finding" in modules  # the real search ran
    # Not tomllib: the vocabulary is read with json (already loaded), ~10 ms less per search.
    searching = ("precert.finding", "precert.ranking", "precert.searching", "precert.spelling")
    others = tuple(n for n in NOT_FOR_CHECK if n not in searching)
    assert among(modules, others) == []


def test_import_precert_loads_only_the_package() -> None:
    code = "import json, sys, precert; print(json.dumps(sorted(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert [m for m in json.loads(run.stdout) if m.startswith("precert")] == ["precert"]
    import precert

    for name in precert.__all__:  # every public name still resolves, lazily
        assert getattr(precert, name) is not None, name


def test_each_command_is_mapped_to_the_module_that_adds_it() -> None:
    registered: dict[str, str] = {}
    for module in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        registered.update(dict.fromkeys(sub.choices, module))
    assert registered == COMMANDS


def test_help_lists_every_command_though_a_command_builds_only_its_own_module() -> None:
    help_text = build_parser(["--help"]).format_help()
    for name in COMMANDS:
        assert re.search(rf"\n    {name}\s", help_text), name
    only_check = build_parser(["check", "E0466"])
    choices = next(
        a.choices for a in only_check._actions if isinstance(a, argparse._SubParsersAction)
    )
    assert set(choices) == {c for c, m in COMMANDS.items() if m == "precert.cli.core"}


@pytest.mark.parametrize("columns", ["57", "200", "", "0", "-3", "wide"])
def test_help_width_is_the_one_shutil_gives(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The formatter reads the terminal width itself (so argparse need not import shutil);
    # it must read it as shutil.get_terminal_size does, which argparse used before.
    import shutil

    from precert.cli import _columns

    monkeypatch.setenv("COLUMNS", columns)
    assert _columns() == shutil.get_terminal_size().columns
