"""The README's search examples, run: each shown line's code and answer, in the order shown."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
PRECERT = Path(sys.executable).with_name("precert")
_ROW = re.compile(r"([A-Z]\d{4})\s{2,}(\S.*?)\s{2,}")


def examples() -> list[tuple[str, list[str]]]:
    """(command, shown output lines) for each `$ precert search` in the README."""
    section = README.read_text().split("### Searching in staff words", 1)[1]
    block = section.split("```console", 1)[1].split("```", 1)[0]
    out: list[tuple[str, list[str]]] = []
    for line in block.strip().splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif line.strip() and out:
            out[-1][1].append(line)
    return out


def test_the_readme_shows_three_searches_and_they_find_what_it_says(home: Path) -> None:
    shown = examples()
    assert len(shown) >= 3
    for command, lines in shown:
        argv = shlex.split(command)
        assert argv[:2] == ["precert", "search"], command
        result = subprocess.run(
            [str(PRECERT), *argv[1:]],
            capture_output=True,
            text=True,
            env={**os.environ, "PRECERT_HOME": str(home), "COLUMNS": "200"},
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        expected = [m.groups() for line in lines if (m := _ROW.match(line))]
        got = [m.groups() for line in result.stdout.splitlines() if (m := _ROW.match(line))]
        assert expected and got == expected, command
