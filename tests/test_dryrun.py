"""The dry run's JSON report: streamed row by row, the same text as the whole report dumped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from precert.database import DATA_DIR
from precert.dryrun import json_text
from precert.importer import Part, read
from precert.profiles import RowError, RowReading, load_profile
from precert.readers.hcpcs import read_hcpcs

CGS_2025 = DATA_DIR / "medicare" / "cgs-jc-pa-table-2025.tsv"
PROFILE = load_profile("medicare-dmepos-cgs-table")
KNOWN = frozenset(read_hcpcs(DATA_DIR / "HCPC2025_OCT_ANWEB.xlsx").codes)


def report(path: Path) -> tuple[str, list[RowError]]:
    errors: list[RowError] = []
    items = read(Part(path, PROFILE), KNOWN)[1]
    return "".join(json_text(path.name, PROFILE, items, "nothing imported", errors)), errors


def test_the_streamed_report_is_the_whole_report_as_json_dumps_lays_it_out() -> None:
    text, errors = report(CGS_2025)
    whole = json.loads(text)
    assert text == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"
    assert list(whole) == [
        "file", "profile", "list", "rows", "repeats", "errors", "statuses", "import",
    ]  # fmt: skip
    readings = [r for r in read(Part(CGS_2025, PROFILE), KNOWN)[1] if isinstance(r, RowReading)]
    assert sum(len(row["codes"]) for row in whole["rows"]) == len(readings) > 100
    assert sum(whole["statuses"].values()) == len(readings)
    assert whole["errors"] == [] == errors and whole["import"] == "nothing imported"


def test_rows_that_do_not_read_are_reported_and_counted(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text(CGS_2025.read_text(encoding="utf-8").replace("L0648,", "L0648, Q", 1))
    text, errors = report(bad)
    whole = json.loads(text)
    assert text == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"
    assert (
        len(errors) == len(whole["errors"]) == 1
        and "cannot read 'Q L0650" in whole["errors"][0]["message"]
    )


def test_no_row_read_is_an_empty_list_of_rows(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("Code,Answer\nE0466,Yes\n")
    text, errors = report(other)
    whole = json.loads(text)
    assert text == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"
    assert whole["rows"] == [] and len(errors) == 1


def test_the_report_is_written_as_the_rows_are_read() -> None:
    read_so_far = 0

    def counted() -> Iterator[RowReading | RowError]:
        nonlocal read_so_far
        for item in read(Part(CGS_2025, PROFILE), KNOWN)[1]:
            read_so_far += 1
            yield item

    pieces = json_text(CGS_2025.name, PROFILE, counted(), "nothing imported", [])
    next(pieces), next(pieces)  # the head, then the first row
    assert 0 < read_so_far < 20  # not the whole file (over 100 readings)
