"""`precert lists` and `precert lists remove` in a real process, over real published lists."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from precert.service import BUNDLED_LIST, DATA_DIR, Precert
from precert.store import Store

Run = Callable[..., subprocess.CompletedProcess[str]]  # the `precert` fixture (conftest.py)
# FTS5 keeps deletions as new index segments: its b-tree pages differ after a removal even
# when every indexed row is back to what it was, so the comparison leaves those two out.
FTS_PAGES = ('"entries_fts_data"', '"entries_fts_idx"')


def rows_of(home: Path) -> list[str]:
    """The database dump, without FTS5's internal pages."""
    store = Store.open(home / "precert.db", create=False)
    try:
        return [line for line in store.dump() if not line.startswith(FTS_PAGES, 12)]
    finally:
        store.close()


def a_later_cigna_version(tmp_path: Path) -> Path:
    """Cigna's real document with E0466 changed from Yes to No: a plausible next version."""
    rows = BUNDLED_LIST.read_text().splitlines()
    rows = [r.replace("\tYes\t", "\tNo\t") if "\tE0466\t" in r else r for r in rows]
    newer = tmp_path / "cigna-dme-2099.txt"
    newer.write_text("\n".join(rows))
    return newer


def test_lists_shows_payer_lob_program_versions_in_force_and_rows(
    precert: Run, tmp_path: Path
) -> None:
    later = a_later_cigna_version(tmp_path)
    imported = precert(
        "import", str(later), "--list", "cigna-commercial-dme", "--effective", "2099-01-01"
    )
    assert imported.returncode == 0, imported.stderr
    plain = precert("lists")
    assert plain.returncode == 0, plain.stderr
    header, *rows = plain.stdout.splitlines()
    assert header.split() == ["List", "Payer", "LOB", "Program", "Versions", "In", "force", "Rows"]
    row = next(r for r in rows if r.split("  ")[0] == "cigna-commercial-dme")
    for text in ("Cigna", "Commercial", "DME", "v1 v2", "v1; v2 from 2099-01-01", "643"):
        assert text in row, text
    listed = json.loads(precert("lists", "--json").stdout)["lists"]
    cigna = next(i for i in listed if i["list"] == "cigna-commercial-dme")
    assert (cigna["payer"], cigna["line_of_business"], cigna["program"]) == (
        "Cigna",
        "Commercial",
        "DME",
    )
    assert cigna["in_force"] == "v1" and cigna["rows"] == 643
    assert [(v["version"], v["current"], v["in_force_from"]) for v in cigna["versions"]] == [
        ("v1", True, None),
        ("v2", False, "2099-01-01"),
    ]
    assert cigna["versions"][0]["in_force_until"] == "2098-12-31"


@pytest.mark.parametrize("columns", [40, 80])
def test_lists_on_a_narrow_terminal_never_cuts_an_id(precert: Run, columns: int) -> None:
    result = precert("lists", "--format", "table", columns=columns)
    assert result.returncode == 0, result.stderr
    assert "cigna-commercial-dme" in result.stdout
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= columns
    if columns >= 80:  # room enough: one line per list, no word broken
        lines = [line for line in result.stdout.splitlines() if "cigna-commercial-dme" in line]
        assert len(lines) == 1 and "Commercial" in lines[0]


def test_lists_remove_asks_for_yes_and_shows_the_exact_command(
    precert: Run, home: Path, tmp_path: Path
) -> None:
    before = rows_of(home)
    result = precert("lists", "remove", "cigna-commercial-dme")
    assert result.returncode == 2
    assert "precert lists remove cigna-commercial-dme --yes" in result.stderr
    assert "1 version(s), 643 rows" in result.stderr
    assert rows_of(home) == before


def test_lists_remove_of_an_unknown_id_is_exit_4_naming_the_loaded_lists(
    precert: Run, home: Path
) -> None:
    before = rows_of(home)
    for args in (("lists", "remove", "cigna-dme"), ("lists", "remove", "cigna-dme", "--yes")):
        result = precert(*args)
        assert result.returncode == 4, result.stderr
        assert "no list 'cigna-dme'" in result.stderr
        assert "loaded lists: cigna-commercial-dme" in result.stderr
        assert "Traceback" not in result.stderr
    assert rows_of(home) == before


def test_lists_remove_takes_every_version_and_leaves_the_other_lists(
    precert: Run, home: Path, tmp_path: Path
) -> None:
    before = rows_of(home)
    later = a_later_cigna_version(tmp_path)
    for args in (
        (str(BUNDLED_LIST), "--list", "cigna-copy"),
        (str(later), "--list", "cigna-copy", "--effective", "2099-01-01"),
    ):
        assert precert("import", *args).returncode == 0
    listed = json.loads(precert("lists", "--json").stdout)["lists"]
    assert [len(i["versions"]) for i in listed if i["list"] == "cigna-copy"] == [2]
    removed = precert("lists", "remove", "cigna-copy", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert "removed list cigna-copy" in removed.stdout and "2 version(s), 1286 rows" in (
        removed.stdout
    )
    assert rows_of(home) == before
    cigna = ("--payer", "Cigna", "--lob", "Commercial")
    answer = json.loads(precert("check", "--json", *cigna, "E0466").stdout)["determinations"][0]
    assert {s["list"] for s in answer["sources"]} == {"cigna-commercial-dme"}
    search = precert("search", "--json", *cigna, "home ventilator")
    hits = json.loads(search.stdout)["results"]  # the whole HCPCS set: some cite no list
    assert {s["list"] for h in hits for s in h["sources"]} == {"cigna-commercial-dme"}


def test_a_removal_that_fails_half_way_changes_nothing(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import precert.store.removal as removal

    service = Precert(home)
    service.import_list(BUNDLED_LIST, list_id="cigna-copy")
    before = rows_of(home)
    real = removal.remove_list

    def fails_after_deleting(db: object, list_id: str) -> tuple[int, int]:
        real(db, list_id)  # type: ignore[arg-type]
        raise OSError("disk full")

    monkeypatch.setattr(removal, "remove_list", fails_after_deleting)
    with pytest.raises(OSError):
        service.remove_list("cigna-copy")
    assert rows_of(home) == before
    assert "cigna-copy" in {v.list_id for v in service.versions()}
    service.close()


def test_a_list_built_from_medicares_pages_shows_each_version_and_the_one_in_force(
    precert: Run, home: Path
) -> None:
    medicare = DATA_DIR / "medicare"
    for name, profile, effective in (
        ("cgs-jc-news-2024-06-20.tsv", "medicare-dmepos-cgs-news", "2024-06-20"),
        ("cgs-jc-pa-table-2024.tsv", "medicare-dmepos-cgs-table", "2024-08-28"),
        ("cgs-jc-pa-table-2025.tsv", "medicare-dmepos-cgs-table", "2025-01-01"),
    ):
        imported = precert(
            "import", str(medicare / name), "--profile", profile, "--list", "dme-mac-copy",
            "--effective", effective,
        )  # fmt: skip
        assert imported.returncode == 0, imported.stderr
    listed = json.loads(precert("lists", "--json").stdout)["lists"]
    copy = next(i for i in listed if i["list"] == "dme-mac-copy")
    assert (copy["payer"], copy["line_of_business"], copy["program"]) == (
        "Medicare",
        "FFS",
        "DMEPOS",
    )
    assert copy["in_force"] == "v3"
    spans = [(v["version"], v["in_force_from"], v["in_force_until"]) for v in copy["versions"]]
    assert spans == [
        ("v1", "2024-06-20", "2024-08-27"),
        ("v2", "2024-08-28", "2024-12-31"),
        ("v3", "2025-01-01", None),
    ]
    assert copy["rows"] == copy["versions"][2]["rows"] > 100
    row = next(r for r in precert("lists").stdout.splitlines() if r.startswith("dme-mac-copy "))
    assert row.split() == [
        "dme-mac-copy",
        "Medicare",
        "FFS",
        "DMEPOS",
        "v1",
        "v2",
        "v3",
        "v3",
        str(copy["rows"]),
    ]
    removed = precert("lists", "remove", "dme-mac-copy", "--yes")
    assert removed.returncode == 0 and "with 3 version(s)" in removed.stdout
    assert "dme-mac-copy" not in precert("lists").stdout
