"""`precert import` in a real process: which list a file becomes, errors, exit codes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from precert.service import BUNDLED_LIST
from precert.store import Store

Run = Callable[..., subprocess.CompletedProcess[str]]  # the `precert` fixture (conftest.py)


def dump(home: Path) -> list[str]:
    store = Store.open(home / "precert.db", create=False)
    try:
        return store.dump()
    finally:
        store.close()


def test_an_import_without_a_list_id_is_refused_and_never_joins_cignas_list(
    precert: Run, home: Path, tmp_path: Path
) -> None:
    rows = BUNDLED_LIST.read_text().splitlines()
    rows = [r.replace("\tYes\t", "\tNo\t") if "\tE0466\t" in r else r for r in rows]
    other = tmp_path / "some-plan-list.txt"
    other.write_text("\n".join(rows))
    before = dump(home)
    result = precert("import", str(other))
    assert result.returncode == 2, result.stdout
    assert "--list ID" in result.stderr and "some-plan-list.txt" in result.stderr
    assert dump(home) == before
    versions = json.loads(precert("lists", "--json").stdout)["lists"][0]["versions"]
    assert [v["version"] for v in versions] == ["v1"]


def test_import_errors_name_file_and_line_and_exit_3(precert: Run, tmp_path: Path) -> None:
    bad = tmp_path / "broken.txt"
    lines = BUNDLED_LIST.read_text().splitlines()
    lines[9] = "Durable Medical Equipment\tX\tA4335\td\tMaybe\tCareCore National\t"
    bad.write_text("\n".join(lines))
    result = precert("import", str(bad), "--list", "cigna-commercial-dme")
    assert result.returncode == 3
    assert "broken.txt:10:" in result.stderr and "Traceback" not in result.stderr
    missing = precert("hcpcs", "import", str(tmp_path / "nope.xlsx"))
    assert missing.returncode == 3 and "cannot read" in missing.stderr


def test_the_same_file_twice_is_a_no_op_that_says_so(precert: Run) -> None:
    again = precert(
        "import", str(BUNDLED_LIST), "--list", "cigna-commercial-dme", "--effective", "2027-01-01"
    )
    assert again.returncode == 0
    assert "nothing to do" in again.stdout and "2027-01-01 was not applied" in again.stdout


def test_a_version_whose_payer_differs_from_the_lists_is_refused(precert: Run, home: Path) -> None:
    before = dump(home)
    result = precert(
        "import", str(BUNDLED_LIST), "--list", "cigna-commercial-dme", "--payer", "Aetna"
    )
    assert result.returncode != 0
    assert "belongs to payer 'Cigna', not 'Aetna'" in result.stderr
    assert dump(home) == before
