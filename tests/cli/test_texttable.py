"""The terminal table of `precert search` and `precert lists` (precert.cli.texttable)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from precert.cli.texttable import render, wrap
from precert.readers.hcpcs import read_hcpcs
from precert.service import BUNDLED_HCPCS

PRECERT = Path(sys.executable).with_name("precert")

HEADERS = ("Code", "Payer", "Prior authorization", "Description")
ROWS = [
    ("E0250", "Cigna", "Outside this program", "Hospital bed, fixed height, with any type "
     "side rails, with mattress"),
    ("E0260", "Medicare", "Not required", "Hospital bed, semi-electric (head and foot "
     "adjustment), with any type side rails, with mattress"),
]  # fmt: skip


@pytest.mark.parametrize("width", [30, 50, 80, 200])
def test_the_table_fits_the_terminal_and_never_cuts_a_code(width: int) -> None:
    text = render(HEADERS, ROWS, width, title="results 1-2 for 'hospital bed'", keep=(0,))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    starts = [line.split()[0] for line in lines if line[:1] == "E"]
    assert starts == ["E0250", "E0260"]  # each code whole, at the start of its row
    words = " ".join(lines)
    for word in ("semi-electric", "adjustment),", "mattress"):
        assert word in words or width < 50  # a narrow column may break a long word
    if width >= 200:  # room enough: a line per row
        assert len([line for line in lines if "Hospital bed" in line]) == 2


def test_a_description_wraps_at_words_in_its_column() -> None:
    lines = render(HEADERS, ROWS, 70, keep=(0,)).splitlines()
    column = lines[0].index("Description")
    assert lines[1] == "─" * len(lines[1])
    text = " ".join(line[column:].strip() for line in lines[2:] if line[column:].strip())
    assert text == " ".join(row[3] for row in ROWS)  # every word, in order, none broken
    assert all(len(line) <= 70 for line in lines)


def test_search_at_a_terminal_whose_encoding_has_no_box_drawing_gets_a_plain_rule(
    home: Path,
) -> None:
    env = {**os.environ, "PRECERT_HOME": str(home), "COLUMNS": "100", "PYTHONIOENCODING": "ascii"}
    run = subprocess.run(
        [str(PRECERT), "search", "--format", "table", "cane", "--limit", "1"],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.decode("ascii").splitlines()
    rule = next(line for line in lines if line.startswith("--"))
    assert set(rule) == {"-"} and any(line.startswith("E0100") for line in lines)


def test_lines_break_where_textwrap_breaks_them_on_every_cms_description() -> None:
    # (Runs of spaces become one: "(list drugs  separately)" is laid out as single-spaced.)
    texts = [" ".join(r.long_description.split()) for r in read_hcpcs(BUNDLED_HCPCS).codes.values()]
    for width in (1, 7, 24, 60):
        for text in texts:
            expected = [
                line.rstrip() for line in textwrap.wrap(text, width, break_on_hyphens=False)
            ]
            assert wrap(text, width) == (expected or [""]), (width, text)
