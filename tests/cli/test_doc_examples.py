"""Every command example of README.md, docs/*.md and every command's --help runs, in a real
process over a fresh home, in a folder of files made from real published rows (conftest.py),
and prints what the page shows; every relative link of the docs leads somewhere.

Examples with a test of their own are left to it: the search section (test_search_readme.py),
the REST API's curl lines (tests/web/test_readme_api.py) and the --help of import, lists and
profile (test_list_examples.py)."""

from __future__ import annotations

import csv
import gzip
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
Run = Callable[..., subprocess.CompletedProcess[str]]
# Sections whose examples another test runs, by (file name, heading).
TESTED_ELSEWHERE = {("README.md", "### Searching in staff words")}
# docs/importing.md goes on from the README's import section, in the same home.
CONTINUES = {"importing.md": ("README.md", "## Importing any payer's list")}


@dataclass
class Example:
    """One `$ precert …` line of a console block: its exit code and the lines shown after it."""

    where: str
    command: str
    code: int
    shown: list[str] = field(default_factory=list)


def sections(path: Path) -> list[tuple[str, str]]:
    """(heading, text) of each `##`/`###` section of a markdown file, in order."""
    parts = re.split(r"^(#{2,3} .*)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return [("", parts[0]), *zip(parts[1::2], parts[2::2], strict=True)]


def console_examples(path: Path, text: str) -> list[Example]:
    """The `$ precert …` lines of the text's console blocks, as `test_list_examples` reads them."""
    examples: list[Example] = []
    for block in re.findall(r"```console\n(.*?)```", text, re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                command, _, code = line[2:].partition("   # exit ")
                command = command.strip().removeprefix(".venv/bin/")
                if not command.startswith("precert "):
                    examples.append(Example(path.name, command, -1))  # not ours: curl
                    continue
                examples.append(Example(path.name, command, int(code or 0)))
            elif examples and line.strip() != "...":
                examples[-1].shown.append(line.rstrip())
    return [e for e in examples if e.code >= 0]


def example_sequences() -> list[tuple[str, list[Example]]]:
    """Examples grouped by the home they run in: one per section, docs/importing.md after the
    README's import section."""
    groups: dict[str, list[Example]] = {}
    for path in DOCS:
        for heading, text in sections(path):
            if (path.name, heading) in TESTED_ELSEWHERE:
                continue
            found = console_examples(path, text)
            if not found:
                continue
            key = f"{path.name} {heading.strip('# ') or '(top)'}"
            after = CONTINUES.get(path.name)
            if after:
                key = next(k for k in groups if k.startswith(f"{after[0]} {after[1][3:]}"))
            groups.setdefault(key, []).extend(found)
    return sorted(groups.items())


def shell(home: Path, command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run a documented command line as a reader pastes it (pipes included), `precert` on PATH."""
    env = {
        **os.environ,
        "PRECERT_HOME": str(home),
        "COLUMNS": "120",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def assert_shows(result: subprocess.CompletedProcess[str], shown: list[str], what: str) -> None:
    """The lines shown appear in the output in this order ("..." on the page: any lines)."""
    lines = [line.rstrip() for line in (result.stdout + result.stderr).splitlines()]
    at = 0
    for want in shown:
        assert want in lines[at:], f"{what}: {want!r} not in the output after line {at}:\n" + (
            "\n".join(lines[:80])
        )
        at = lines.index(want, at) + 1


def test_the_docs_have_examples_to_run() -> None:
    names = {name for name, _ in example_sequences()}
    assert any("Using the command line" in n for n in names)
    assert any("Importing" in n for n in names)
    assert any("List versions" in n for n in names)


@pytest.fixture
def next_version(example_files: Path) -> Path:
    """cigna-dme-2027-07.txt: Cigna's real list as a payer's next version might change it, for
    the versions examples: E0466 no longer requires PA, A6515 now does, A4604's note changes,
    K0553 (terminated by CMS) is dropped and a cane, E0100, is listed in its place."""
    from precert.service import BUNDLED_LIST

    cane = "Cane, includes canes of all materials, adjustable or fixed, with tip"
    edits = {
        "\tE0466\t": ("\tYes\t", "\tNo\t"),
        "\tA6515\t": ("\tNo\t", "\tYes\t"),
        "\tA4604\t": ("Part of sleep DME", "Purchase only"),
    }
    lines = []
    for line in BUNDLED_LIST.read_text(encoding="utf-8").splitlines():
        for code, (old, new) in edits.items():
            if code in line:
                line = line.replace(old, new)
        if "\tK0553\t" in line:
            line = f"Durable Medical Equipment\tCANES\tE0100\t{cane}\tYes\tCareCore National\t"
        lines.append(line)
    path = example_files / "cigna-dme-2027-07.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", [name for name, _ in example_sequences()])
def test_doc_examples_run_and_print_what_the_page_shows(
    name: str, home: Path, next_version: Path, orders: Path
) -> None:
    examples = dict(example_sequences())[name]
    for example in examples:
        result = shell(home, example.command)
        what = f"{example.where}: {example.command}"
        assert result.returncode == example.code, (what, result.stdout[-2000:], result.stderr)
        assert "Traceback" not in result.stderr, what
        assert_shows(result, example.shown, what)


def sh_lines(heading_part: str) -> list[str]:
    """The `precert …` lines of the sh blocks of the README section whose heading has this."""
    text = next(t for h, t in sections(ROOT / "README.md") if heading_part in h)
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        lines += [line for line in block.splitlines() if line.startswith("precert ")]
    return lines


@pytest.fixture
def orders(example_files: Path, cigna_rows: list[tuple[str, str, str]]) -> Path:
    """The order and claim files the batch examples name, made from real listed codes: an
    export with an `Item` column and dates of service, the same gzipped, as XLSX, and larger."""
    codes = [code for code, _, _ in cigna_rows[:200]] + ["k0856-rr", "XYZ", ""]
    payers = ("Cigna", "Medicare")  # each row's payer, for the --payer-column examples
    rows = [
        (str(i), code, f"2026-0{1 + i % 9}-15", "TX", payers[i % 2]) for i, code in enumerate(codes)
    ]
    header = ("order_id", "HCPCS", "dos", "state", "payer")
    with (example_files / "orders.csv").open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([header, *rows])
    claims = [("claim", "Procedure Code", "Date of Service"), *[r[:3] for r in rows]]
    with gzip.open(example_files / "claims.csv.gz", "wt", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(claims)
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [("Order", "Item", "Qty"), *[(r[0], r[1], 1) for r in rows]]:
        sheet.append(row)
    book.save(example_files / "orders.xlsx")
    with (example_files / "huge.csv").open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([header, *(rows * 20)])
    return example_files


def test_readme_batch_examples_run(home: Path, orders: Path) -> None:
    commands = sh_lines("## Batch screening")
    assert len(commands) >= 3
    for command in commands:
        result = shell(home, command)
        assert result.returncode in (0, 1), (command, result.stdout[-2000:], result.stderr)
        assert "Traceback" not in result.stderr, command
        output = Path(command.split(" -o ", 1)[1].split()[0])
        assert (orders / output).stat().st_size > 0, command


def python_blocks() -> list[tuple[str, str]]:
    """(file name, code) of every ```python block of README.md and docs/*.md."""
    return [
        (path.name, block)
        for path in DOCS
        for block in re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL)
    ]


@pytest.mark.parametrize("where,code", python_blocks())
def test_doc_python_examples_run(where: str, code: str, home: Path, orders: Path) -> None:
    code = code.replace('"/path/to/home"', repr(str(home)))
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PRECERT_HOME": str(home)},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (where, code, result.stderr[-3000:])


def help_examples(home: Path, *command: str) -> list[str]:
    """The example command lines at the end of a command's --help (continuations joined)."""
    shown = shell(home, f"precert {' '.join(command)} --help")
    assert shown.returncode == 0, command
    epilog = shown.stdout.split("example:\n", 1)[1].replace("\\\n", " ")
    return [line.strip() for line in epilog.splitlines() if line.strip().startswith("precert ")]


# Each command's --help examples, with what must be loaded first and the exit codes allowed
# (lint exits 1 when a finding reaches --fail-on, which is the example's point).
HELP = {
    ("check",): ([], {0}),
    ("search",): ([], {0}),
    ("show",): ([], {0}),
    ("categories",): ([], {0}),
    ("versions",): ([], {0}),
    ("diff",): (["precert import cigna-dme-2027.txt --list cigna-commercial-dme"], {0}),
    ("lint",): ([], {0, 1}),
    ("rebuild",): ([], {0}),
    ("hcpcs", "import"): ([], {0}),
    ("batch",): ([], {0, 1}),
}


@pytest.mark.parametrize("command", sorted(HELP))
def test_every_help_example_runs(home: Path, orders: Path, command: tuple[str, ...]) -> None:
    before, codes = HELP[command]
    from precert.service import BUNDLED_HCPCS

    shutil.copy(BUNDLED_HCPCS, orders / "HCPC2026_JAN_ANWEB.xlsx")  # named as CMS names them
    for step in before:
        assert shell(home, step).returncode == 0, step
    examples = help_examples(home, *command)
    assert examples, command
    for example in examples:
        result = shell(home, example)
        assert result.returncode in codes, (example, result.stdout[-2000:], result.stderr)
        assert "Traceback" not in result.stderr, example


def test_every_command_with_help_examples_is_run_by_a_test(home: Path) -> None:
    shown = shell(home, "precert --help").stdout
    commands = set(re.findall(r"^    ([a-z]+)\s", shown, re.MULTILINE))
    run_elsewhere = {"import", "lists", "profile", "serve"}
    assert commands, shown
    assert commands <= {c[0] for c in HELP} | run_elsewhere


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_help_example_serves(home: Path) -> None:
    (example,) = help_examples(home, "serve")
    port = free_port()
    command = example.replace("--port 8000", f"--port {port}")
    path = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    env = {**os.environ, "PRECERT_HOME": str(home), "PATH": path}
    server = subprocess.Popen(["bash", "-c", f"exec {command}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)


LINK = re.compile(r"\]\(([^)\s]+)\)|src=\"([^\"]+)\"")


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a markdown file."""
    out = set()
    for heading in re.findall(r"^#+ (.*)$", path.read_text(encoding="utf-8"), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        out.add(slug)
    return out


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_relative_links_lead_somewhere(path: Path) -> None:
    for match in LINK.finditer(path.read_text(encoding="utf-8")):
        target = match.group(1) or match.group(2)
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        assert dest.exists(), f"{path.name}: {target} leads nowhere"
        if anchor and dest.suffix == ".md":
            assert anchor in anchors(dest), f"{path.name}: no heading for #{anchor} in {dest.name}"
