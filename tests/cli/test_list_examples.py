"""Every example of the README's "Importing any payer's list" section and of the --help of
`import`, `lists` and `profile` runs, in a real process, over files made from real rows."""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]  # the `precert` fixture (conftest.py)
README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Importing any payer's list"


def readme_examples() -> list[tuple[str, int, list[str]]]:
    """(command, expected exit code, expected output lines) of each `$ precert …` line."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", 1)]
    examples: list[tuple[str, int, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, re.DOTALL):
        for line in block.splitlines():
            if line.startswith("$ "):
                command, _, comment = line[2:].partition("   # exit ")
                examples.append((command.strip(), int(comment or 0), []))
            elif examples and line.strip() != "...":
                examples[-1][2].append(line.rstrip())
    return examples


def run_example(precert: Run, command: str) -> subprocess.CompletedProcess[str]:
    args = shlex.split(command)
    assert args[0] == "precert", command
    return precert(*args[1:])


def assert_shows(result: subprocess.CompletedProcess[str], expected: list[str]) -> None:
    """The expected lines appear in the output in this order (a "..." stands for any lines)."""
    lines = [line.rstrip() for line in (result.stdout + result.stderr).splitlines()]
    at = 0
    for want in expected:
        assert want in lines[at:], f"{want!r} not in the output (after line {at})"
        at = lines.index(want, at) + 1


def test_the_readme_examples_run_and_print_what_the_readme_shows(
    precert: Run, example_files: Path
) -> None:
    examples = readme_examples()
    assert len(examples) >= 9
    for command, code, expected in examples:
        result = run_example(precert, command)
        assert result.returncode == code, (command, result.stdout[-2000:], result.stderr)
        assert "Traceback" not in result.stderr
        assert_shows(result, expected)


def help_examples(precert: Run, *command: str) -> list[str]:
    """The example command lines at the end of a command's --help."""
    shown = precert(*command, "--help")
    assert shown.returncode == 0
    epilog = shown.stdout.split("example:\n", 1)[1].replace("\\\n", " ")
    return [line.strip() for line in epilog.splitlines() if line.strip().startswith("precert ")]


@pytest.mark.parametrize(
    "command",
    [("import",), ("lists",), ("lists", "remove"), ("profile",), ("profile", "draft")],
)
def test_every_help_example_runs(
    precert: Run, example_files: Path, command: tuple[str, ...]
) -> None:
    examples = help_examples(precert, *command)
    assert examples, command
    if command == ("lists", "remove"):  # the list removed is the one the README imports
        for readme_command, _, _ in readme_examples():
            if " --list acme-dme " in readme_command:
                assert run_example(precert, readme_command).returncode == 0
    for example in examples:
        result = run_example(precert, example)
        assert result.returncode == 0, (example, result.stdout[-2000:], result.stderr)
