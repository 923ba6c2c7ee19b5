"""The README's curl examples of the REST API, run as written against a real server."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def api_examples() -> list[str]:
    """The `$ curl ...` commands of README's "The API, for systems" (continuations joined)."""
    text = README.read_text()
    section = text.split("### The API, for systems", 1)[1].split("\n### ", 1)[0]
    commands: list[str] = []
    pending = ""
    for line in section.splitlines():
        if pending:
            pending += " " + line.strip()
        elif line.startswith("$ curl"):
            pending = line[2:]
        else:
            continue
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        commands.append(pending)
        pending = ""
    return commands


def test_the_readme_shows_the_api_examples() -> None:
    commands = api_examples()
    assert len(commands) >= 8
    assert any('"date": "2026-07-01"' in c for c in commands)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("command", api_examples())
def test_readme_api_example_answers(live_server: str, tmp_path: Path, command: str) -> None:
    args = shlex.split(command.replace("http://127.0.0.1:8000", live_server))
    # -f: an HTTP error fails the command; -w: print the status after the body.
    run = subprocess.run([args[0], "-f", "-w", "\n%{http_code}", *args[1:]], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert run.returncode == 0, (command, run.stderr)
    body, status = run.stdout.rsplit("\n", 1)
    assert status == "200", command
    if "-o" in args:
        assert "E0466" in (tmp_path / args[args.index("-o") + 1]).read_text()
    else:
        assert isinstance(json.loads(body), dict)
    assert not re.search(r'"status":\s*"(error|internal)"', body)


def cds_examples() -> list[str]:
    """The `curl` lines of the sh block of README's CDS Hooks section (continuations joined)."""
    section = README.read_text().split("## CDS Hooks", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [c.strip() for c in block.replace("\\\n", " ").splitlines() if c.startswith("curl")]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_readme_cds_examples_answer(live_server: str) -> None:
    commands = cds_examples()
    assert len(commands) >= 2
    for command in commands:
        args = shlex.split(command.replace("http://127.0.0.1:8000", live_server))
        run = subprocess.run([args[0], "-f", *args[1:]], cwd=README.parent, capture_output=True,
                             text=True, timeout=60, check=False)  # fmt: skip
        assert run.returncode == 0, (command, run.stderr)
        body = json.loads(run.stdout)
        assert "services" in body or "cards" in body, command
