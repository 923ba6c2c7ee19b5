"""`precert check` on a terminal: several answers get one line each, `--long` every detail."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from precert.cli.output import COMPACT_FROM

Run = Callable[..., subprocess.CompletedProcess[str]]  # the `precert` fixture (conftest.py)

CODES = ("E0466", "K0856-RR", "A4239", "E0100")


def test_several_answers_at_80_columns_get_one_line_each(precert: Run) -> None:
    result = precert("check", *CODES, "--payer", "Cigna", "--format", "table", columns=80)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # Four answers, two of them with a long "submit to" that wraps once: not 47 lines.
    assert len(lines) <= 14, result.stdout
    rows = {line.split()[0]: line for line in lines if line.startswith((" E", " K", " A"))}
    assert rows["E0466"].split()[1] == "Required"
    assert "Outside this program" in rows["A4239"]
    assert "Not on the list" in rows["E0100"]
    assert "1 warning" in result.stdout  # K0856-RR: rental of a purchase-only item, counted
    assert "Purchase only" not in result.stdout  # ... but the note itself is left to --long
    assert "the same command with --long" in " ".join(result.stdout.split())


def test_several_payers_get_a_payer_column(precert: Run) -> None:
    result = precert("check", "E0466", "K0856", "--format", "table", columns=100)
    assert result.returncode == 0, result.stderr
    assert "Payer" in result.stdout.splitlines()[1]
    answers = [line.split()[:2] for line in result.stdout.splitlines() if line.startswith(" E0")]
    assert ["E0466", "Cigna"] in answers and ["E0466", "Medicare"] in answers


def test_long_and_few_answers_show_every_detail(precert: Run) -> None:
    long = precert("check", *CODES, "--payer", "Cigna", "--format", "table", "--long")
    assert "Purchase only" in long.stdout and "source: cigna-commercial-dme v1" in long.stdout
    few = precert("check", *CODES[: COMPACT_FROM - 1], "--payer", "Cigna", "--format", "table")
    assert "Purchase only" in few.stdout


def test_pipes_always_get_every_detail(precert: Run) -> None:
    plain = precert("check", *CODES, "--payer", "Cigna")
    assert plain.stdout.count("source: ") == 3 and "Purchase only" in plain.stdout


def test_the_help_says_what_long_does(precert: Run) -> None:
    assert "one line each" in precert("check", "--help").stdout
