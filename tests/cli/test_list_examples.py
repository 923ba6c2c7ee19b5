"""Every example of the --help of `import`, `lists` and `profile` runs, in a real process, over
files made from real rows (the README's and docs' examples: test_doc_examples.py)."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]  # the `precert` fixture (conftest.py)


def run_example(precert: Run, command: str) -> subprocess.CompletedProcess[str]:
    args = shlex.split(command)
    assert args[0] == "precert", command
    return precert(*args[1:])


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
    if command == ("lists", "remove"):  # the list removed is the one the import help makes
        (making,) = [e for e in help_examples(precert, "import") if " --list acme-dme " in e]
        assert run_example(precert, making).returncode == 0
    for example in examples:
        result = run_example(precert, example)
        assert result.returncode == 0, (example, result.stdout[-2000:], result.stderr)
