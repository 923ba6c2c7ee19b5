"""Versions over time on derived copies of the real Cigna list: diffs, dates in force, imports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precert import Precert, Status
from precert.cli import main
from precert.importer import Part, entry_of, read
from precert.models import ListVersion
from precert.profiles import RowReading, load_profile
from precert.readers import ReaderError
from precert.service import BUNDLED_LIST
from precert.versioning import (
    NEWLY_REQUIRED,
    NO_LONGER_REQUIRED,
    VersionError,
    diff_entries,
    diff_versions,
    feed_items,
    timeline,
)

LIST = "cigna-commercial-dme"
# Column positions of the two published tables (7 and 5 columns).
COLUMNS = {
    1: {"category": 1, "code": 2, "description": 3, "status": 4, "notes": 6},
    2: {"category": 0, "code": 1, "description": 2, "status": 3},
}


class Document:
    """The real published text, edited row by row the way a payer's next version would be."""

    def __init__(self) -> None:
        self.lines = BUNDLED_LIST.read_text(encoding="utf-8").split("\n")

    def _find(self, code: str, table: int) -> int:
        width = 7 if table == 1 else 5
        for index, line in enumerate(self.lines):
            cells = line.split("\t")
            if len(cells) == width and cells[COLUMNS[table]["code"]] == code:
                return index
        raise KeyError(f"{code} is not in table {table}")

    def set(self, code: str, column: str, value: str, table: int = 1) -> Document:
        index = self._find(code, table)
        cells = self.lines[index].split("\t")
        cells[COLUMNS[table][column]] = value
        self.lines[index] = "\t".join(cells)
        return self

    def drop(self, code: str, table: int = 1) -> Document:
        del self.lines[self._find(code, table)]
        return self

    def add_after(self, code: str, cells: list[str], table: int = 1) -> Document:
        self.lines.insert(self._find(code, table) + 1, "\t".join(cells))
        return self

    def line_of(self, code: str, table: int = 1) -> int:
        return self._find(code, table) + 1

    def write(self, path: Path) -> Path:
        path.write_text("\n".join(self.lines), encoding="utf-8")
        return path


def next_version() -> Document:
    """Statuses flipped both ways, a row added, rows removed, notes, description, category."""
    return (
        Document()
        .set("E0466", "status", "No")  # Yes -> No: no longer requires PA
        .set("A6515", "status", "Yes")  # No -> Yes: newly requires PA
        .set("A4287", "status", "No")  # Out Of Scope -> No: neither direction
        .set("A4604", "notes", "Purchase only")
        .set("E0486", "description", "Oral device (revised)")
        .set("E0486", "category", "CPAP/BIPAP")
        .drop("K0553")
        .drop("L1840", table=2)  # still in table 1
        .add_after(
            "E0466",
            ["Durable Medical Equipment", "CANES", "E0100", "Cane", "Yes", "CareCore National", ""],
        )
    )


@pytest.fixture
def two_versions(service: Precert, tmp_path: Path) -> Precert:
    result = service.import_list(
        next_version().write(tmp_path / "cigna-dme-2027.txt"),
        list_id=LIST,
        effective=dt.date(2027, 1, 1),
    )
    assert result.created and result.version == "v2"
    return service


def test_importing_the_same_file_twice_is_a_no_op_that_says_so(
    service: Precert, tmp_path: Path
) -> None:
    before = service.store.dump()
    again = service.import_list(BUNDLED_LIST, list_id=LIST)
    assert not again.created and again.version == "v1"
    assert "already cigna-commercial-dme v1; nothing to do" in again.message
    assert service.store.dump() == before
    path = next_version().write(tmp_path / "next.txt")
    assert service.import_list(
        path, effective=dt.date(2027, 1, 1), list_id="cigna-commercial-dme"
    ).created
    after = service.store.dump()
    repeat = service.import_list(
        path, effective=dt.date(2027, 1, 1), list_id="cigna-commercial-dme"
    )
    assert (repeat.created, repeat.version) == (False, "v2")
    assert service.store.dump() == after and len(service.versions(LIST)) == 2


def test_a_malformed_version_changes_nothing_and_names_its_line(
    service: Precert, tmp_path: Path
) -> None:
    document = next_version().set("E0470", "status", "Maybe")
    before = service.store.dump()
    with pytest.raises(ReaderError) as error:
        service.import_list(
            document.write(tmp_path / "bad.txt"),
            effective=dt.date(2027, 1, 1),
            list_id="cigna-commercial-dme",
        )
    assert error.value.line == document.line_of("E0470")
    assert "unknown status 'Maybe'" in error.value.message
    assert service.store.dump() == before


def test_the_diff_of_the_next_version_is_exact(two_versions: Precert) -> None:
    diff = diff_versions(two_versions, LIST).to_dict()
    assert (diff["from"]["version"], diff["to"]["version"]) == ("v1", "v2")
    assert diff["summary"] == {
        "added": 1,
        "removed": 1,
        "changed": 6,
        NEWLY_REQUIRED: 2,
        NO_LONGER_REQUIRED: 1,
    }
    assert [(i["code"], i["status_to"], i["direction"]) for i in diff["added"]] == [
        ("E0100", "required", NEWLY_REQUIRED)
    ]
    assert diff["added"][0]["sources_to"][0]["line"] == Document().line_of("E0466") + 1
    assert [(i["code"], i["status_from"], i["direction"]) for i in diff["removed"]] == [
        ("K0553", "required", None)
    ]
    assert diff["removed"][0]["sources_from"][0]["line"] == 378
    changed = {i["code"]: i for i in diff["changed"]}
    assert list(changed) == ["A4287", "A4604", "A6515", "E0466", "E0486", "L1840"]
    summary = {
        code: [
            (c["field"], c["table"], c["from"], c["to"], c["direction"]) for c in item["changes"]
        ]
        for code, item in changed.items()
    }
    assert summary == {
        "A4287": [("status", 1, "Out Of Scope", "No", None)],
        "A4604": [("notes", 1, "Part of sleep DME", "Purchase only", None)],
        "A6515": [("status", 1, "No", "Yes", NEWLY_REQUIRED)],
        "E0466": [("status", 1, "Yes", "No", NO_LONGER_REQUIRED)],
        "E0486": [
            (
                "description",
                1,
                "Oral device/appliance used to reduce upper airway "
                "collapsibility, adjustable or non-adjustable, custom fabricated, includes fitting "
                "and adjustment",
                "Oral device (revised)",
                None,
            ),
            ("category", 1, "DME", "CPAP/BIPAP", None),
        ],
        "L1840": [("rows", 2, 1, 0, None)],
    }
    directions = {
        code: (i["status_from"], i["status_to"], i["direction"]) for code, i in changed.items()
    }
    assert directions["E0466"] == ("required", "not_required", NO_LONGER_REQUIRED)
    assert directions["A6515"] == ("not_required", "required", NEWLY_REQUIRED)
    assert directions["A4287"] == ("out_of_scope", "not_required", None)
    assert directions["L1840"] == ("required", "required", None)
    # Lines moved by the inserted row are not changes; both sides are cited.
    e0486 = changed["E0486"]
    assert e0486["changes"][0]["from_line"] + 1 == e0486["changes"][0]["to_line"]
    assert e0486["sources_from"][0]["version"] == "v1"
    assert e0486["sources_to"][0]["version"] == "v2"


def test_the_reverse_diff_flips_every_direction(two_versions: Precert) -> None:
    back = diff_versions(two_versions, LIST, "v2", "v1")
    assert [i.code for i in back.added] == ["K0553"] and [i.code for i in back.removed] == ["E0100"]
    moves = {i.code: i.direction for i in back.changed}
    assert moves["E0466"] == NEWLY_REQUIRED and moves["A6515"] == NO_LONGER_REQUIRED
    assert back.summary() == {
        "added": 1,
        "removed": 1,
        "changed": 6,
        NEWLY_REQUIRED: 2,
        NO_LONGER_REQUIRED: 1,
    }
    same = diff_versions(two_versions, LIST, "v2", "v2")
    assert same.items == ()


def test_answers_depend_on_the_date_of_service(two_versions: Precert) -> None:
    def answer(code: str, day: str) -> tuple[Status, list[str]]:
        got = two_versions.determine_one(code, date=dt.date.fromisoformat(day), payer="Cigna")
        return got.status, [s.version for s in got.sources]

    for day in ("2026-12-01", "2026-12-31", "1999-01-01"):
        assert answer("E0466", day) == (Status.REQUIRED, ["v1"])
        assert answer("A6515", day) == (Status.NOT_REQUIRED, ["v1"])
        assert answer("E0100", day) == (Status.NOT_LISTED, [])
        assert answer("K0553", day) == (Status.REQUIRED, ["v1"])
    for day in ("2027-01-01", "2027-02-01"):
        assert answer("E0466", day) == (Status.NOT_REQUIRED, ["v2"])
        assert answer("A6515", day) == (Status.REQUIRED, ["v2"])
        assert answer("E0100", day) == (Status.REQUIRED, ["v2"])
        assert answer("K0553", day) == (Status.NOT_LISTED, [])
        assert answer("L1840", day) == (Status.REQUIRED, ["v2"])  # table 1 only now
    assert two_versions.determine_one(
        "E0466", date=dt.date(2027, 2, 1), payer="Cigna"
    ).effective == dt.date(2027, 1, 1)


def test_check_on_the_command_line_names_the_version(
    two_versions: Precert, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--date", "2027-02-01", "E0466", "--json"]) == 0
    new = json.loads(capsys.readouterr().out)["determinations"][0]
    assert (new["status"], new["sources"][0]["version"], new["date"]) == (
        "not_required",
        "v2",
        "2027-02-01",
    )
    assert main(["check", "--date", "2026-12-01", "E0466", "--json"]) == 0
    old = json.loads(capsys.readouterr().out)["determinations"][0]
    assert (old["status"], old["sources"][0]["version"]) == ("required", "v1")


def test_timeline_and_a_superseded_import(two_versions: Precert, tmp_path: Path) -> None:
    spans = timeline(two_versions.versions(LIST))
    assert [(s.version.version, s.start, s.until, s.superseded) for s in spans] == [
        ("v1", None, dt.date(2026, 12, 31), False),
        ("v2", dt.date(2027, 1, 1), None, False),
    ]
    assert spans[0].in_force(dt.date(2026, 12, 31)) and not spans[0].in_force(dt.date(2027, 1, 1))
    # A corrected file for the same date replaces v2 from that date on.
    fix = next_version().set("E0466", "status", "Yes").write(tmp_path / "corrected.txt")
    two_versions.import_list(fix, effective=dt.date(2027, 1, 1), list_id="cigna-commercial-dme")
    spans = timeline(two_versions.versions(LIST))
    assert [(s.version.version, s.superseded) for s in spans] == [
        ("v1", False),
        ("v2", True),
        ("v3", False),
    ]
    got = two_versions.determine_one("E0466", date=dt.date(2027, 2, 1), payer="Cigna")
    assert (got.status, got.sources[0].version) == (Status.REQUIRED, "v3")
    assert diff_versions(two_versions, LIST).old.version == "v2"  # the two latest


def test_version_errors_say_what_exists(service: Precert, tmp_path: Path) -> None:
    with pytest.raises(VersionError, match="only one version"):
        diff_versions(service, LIST)
    with pytest.raises(VersionError, match="no list 'nope'; loaded: cigna-commercial-dme"):
        diff_versions(service, "nope")
    service.import_list(
        next_version().write(tmp_path / "n.txt"),
        effective=dt.date(2027, 1, 1),
        list_id="cigna-commercial-dme",
    )
    with pytest.raises(VersionError, match="has no version 'v9'; it has v1, v2"):
        diff_versions(service, LIST, "v9")
    with pytest.raises(VersionError, match="first version"):
        diff_versions(service, LIST, None, "v1")
    assert diff_versions(service, LIST, None, "v2").old.version == "v1"


def test_a_list_with_no_version_in_force_says_so(service: Precert, tmp_path: Path) -> None:
    # A second list of the same payer that only starts in 2027.
    only_op = Document()
    start = only_op.lines.index("**Cigna Commercial**  ", 10)
    only_op.lines = only_op.lines[start:]
    service.import_list(
        only_op.write(tmp_path / "op.txt"), list_id="cigna-op", effective=dt.date(2027, 1, 1)
    )
    before = service.determine_one("L1840", date=dt.date(2026, 6, 1), payer="Cigna")
    assert [s.list for s in before.sources] == [LIST, LIST]
    assert any("No version of cigna-op is in force on 2026-06-01" in w for w in before.warnings)
    after = service.determine_one("L1840", date=dt.date(2027, 6, 1), payer="Cigna")
    assert sorted(s.list for s in after.sources) == [LIST, LIST, "cigna-op"]
    assert not any("in force" in w for w in after.warnings)


def test_diff_command_table_json_and_csv(
    two_versions: Precert, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", LIST, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) >= {"added", "removed", "changed"}
    assert all("code" in i for key in ("added", "removed", "changed") for i in payload[key])
    assert main(["diff", LIST, "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["change"], r["code"], r["field"]) for r in rows] == [
        ("added", "E0100", "row"),
        ("removed", "K0553", "row"),
        ("changed", "A4287", "status"),
        ("changed", "A4604", "notes"),
        ("changed", "A6515", "status"),
        ("changed", "E0466", "status"),
        ("changed", "E0486", "description"),
        ("changed", "E0486", "category"),
        ("changed", "L1840", "rows"),
    ]
    assert rows[5]["direction"] == NO_LONGER_REQUIRED and rows[5]["from_line"] == "169"
    assert main(["diff", LIST, "--from", "v1", "--to", "v2", "--format", "plain"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(
        "cigna-commercial-dme v1 → v2: 1 added, 1 removed, 6 changed "
        "(2 newly requires PA, 1 no longer requires PA)"
    )
    e0466 = [line for line in text.splitlines() if " E0466 " in line]
    assert len(e0466) == 1 and e0466[0].rstrip().endswith("no longer requires PA")


def test_diff_and_versions_commands_on_bad_input(
    service: Precert, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", LIST]) == 2
    assert "only one version (v1)" in capsys.readouterr().err
    assert main(["diff", "nope"]) == 2
    assert "no list 'nope'" in capsys.readouterr().err
    assert main(["versions", LIST, "--json"]) == 0
    versions = json.loads(capsys.readouterr().out)["versions"]
    assert [(v["version"], v["effective"], v["in_force_from"], v["current"]) for v in versions] == [
        ("v1", None, None, True)
    ]


def test_versions_command_shows_when_each_is_in_force(
    two_versions: Precert, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    later = next_version().set("E0466", "status", "Yes").write(tmp_path / "cigna-dme-2099.txt")
    two_versions.import_list(later, list_id=LIST, effective=dt.date(2099, 1, 1))
    assert main(["versions", LIST, "--format", "plain"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:5] == ["v1", "unknown", "always", "to", "2026-12-31"]
    # A version that starts after today is "not yet in force", never "... to now".
    assert "2027-01-01" in lines[2] and "to 2098-12-31" in lines[2]
    assert "from 2099-01-01 (not yet in force)" in lines[3] and "now" not in lines[3]


def test_a_version_window_in_words(two_versions: Precert) -> None:
    v1, v2 = timeline(two_versions.versions(LIST))
    before, after = dt.date(2026, 6, 1), dt.date(2027, 6, 1)
    assert v1.window(before) == v1.window(after) == "always to 2026-12-31"
    assert v2.window(before) == "from 2027-01-01 (not yet in force)"
    assert v2.window(dt.date(2027, 1, 1)) == v2.window(after) == "2027-01-01 to now"


def test_feed_items_announce_each_version(two_versions: Precert) -> None:
    items = feed_items(two_versions, LIST)
    assert [i.version.version for i in items] == ["v2", "v1"]
    assert items[0].diff is not None and items[0].diff.summary()["changed"] == 6
    assert items[0].title() == (
        "cigna-commercial-dme v1 → v2: 1 added, 1 removed, 6 changed "
        "(2 newly requires PA, 1 no longer requires PA) "
        "(effective 2027-01-01)"
    )
    assert items[1].diff is None and "first version, 643 rows" in items[1].title()
    assert len(feed_items(two_versions, LIST, limit=1)) == 1
    # Every list's versions are in the feed, Medicare's too.
    assert {i.version.list_id for i in feed_items(two_versions)} >= {LIST, "medicare-dmepos-pa"}


# Cigna's list names no ranges, so no CMS code set is needed to read it.
ENTRIES = [
    entry_of(r, LIST, "v1")
    for r in read(Part(BUNDLED_LIST, load_profile(LIST)), frozenset())[1]
    if isinstance(r, RowReading)
]


@settings(max_examples=40, deadline=None)
@given(
    drop=st.sets(st.integers(0, len(ENTRIES) - 1), max_size=30),
    flip=st.sets(st.integers(0, len(ENTRIES) - 1), max_size=30),
)
def test_the_diff_finds_exactly_the_codes_that_changed(drop: set[int], flip: set[int]) -> None:
    from dataclasses import replace

    other = {
        Status.REQUIRED: ("No", Status.NOT_REQUIRED),
        Status.NOT_REQUIRED: ("Yes", Status.REQUIRED),
        Status.OUT_OF_SCOPE: ("Yes", Status.REQUIRED),
    }
    new = []
    for index, entry in enumerate(ENTRIES):
        if index in drop:
            continue
        if index in flip:
            raw, status = other[entry.status]
            entry = replace(entry, status_raw=raw, status=status, version="v2")
        new.append(entry)
    v1 = two_versions_stub("v1")
    diff = diff_entries(LIST, v1, two_versions_stub("v2"), ENTRIES, new)
    old_codes = {e.code for e in ENTRIES}
    new_codes = {e.code for e in new}
    assert {i.code for i in diff.removed} == old_codes - new_codes
    assert not diff.added
    touched = {ENTRIES[i].code for i in drop | flip} & new_codes
    assert {i.code for i in diff.changed} == touched
    back = diff_entries(LIST, v1, v1, new, ENTRIES)
    assert {i.code for i in back.added} == {i.code for i in diff.removed}
    assert {i.code for i in back.changed} == {i.code for i in diff.changed}
    assert diff_entries(LIST, v1, v1, ENTRIES, ENTRIES).items == ()


def test_a_row_whose_states_change_is_a_change() -> None:
    from dataclasses import replace

    first = ENTRIES[0]
    narrowed = [replace(first, states=("CA", "FL"), version="v2"), *ENTRIES[1:]]
    diff = diff_entries(LIST, two_versions_stub("v1"), two_versions_stub("v2"), ENTRIES, narrowed)
    (item,) = diff.changed
    assert item.code == first.code
    assert [(c.field, c.old, c.new) for c in item.changes] == [("states", "", "CA,FL")]


def two_versions_stub(label: str) -> ListVersion:
    return ListVersion(LIST, label, "t", "Cigna", "Commercial", "DME", "f", "0", None, 0)


def test_every_answer_names_the_versions_it_used(two_versions: Precert) -> None:
    listed, unlisted = (
        a.to_dict()
        for a in two_versions.determine(["E0466", "E0105"], date=dt.date(2027, 2, 1), payer="Cigna")
    )
    assert listed["versions"] == [f"{LIST}@v2"] and unlisted["versions"] == [f"{LIST}@v2"]
    assert unlisted["status"] == "not_listed"
    old = two_versions.determine_one("E0105", date=dt.date(2026, 2, 1), payer="Cigna").to_dict()
    assert old["versions"] == [f"{LIST}@v1"]


def test_a_date_before_every_version_does_not_guess(service: Precert, tmp_path: Path) -> None:
    # Another payer whose only list starts in 2027: in 2026 nothing of theirs is in force.
    text = BUNDLED_LIST.read_text(encoding="utf-8").replace(
        "**Cigna Commercial**", "**Acme Commercial**"
    )
    path = tmp_path / "acme.txt"
    path.write_text(text, encoding="utf-8")
    service.import_list(path, list_id="acme-dme", effective=dt.date(2027, 1, 1))
    early = service.determine_one("E0466", payer="Acme", date=dt.date(2026, 6, 1))
    assert early.status is Status.NOT_LISTED and early.sources == () and early.versions == ()
    assert early.message is not None and "acme-dme has no version in force" in early.message
    assert "incomplete" in early.message
    assert not any("No loaded list" in n for n in early.notes)
    assert any("No version of acme-dme is in force on 2026-06-01" in w for w in early.warnings)
    later = service.determine_one("E0466", payer="Acme", date=dt.date(2027, 6, 1))
    assert later.status is Status.REQUIRED and later.sources[0].list == "acme-dme"
    assert later.message is None and not any("in force" in w for w in later.warnings)
    # Cigna's answers are untouched by Acme's list.
    cigna = service.determine_one("E0466", payer="Cigna", date=dt.date(2026, 6, 1))
    assert [s.list for s in cigna.sources] == [LIST] and not cigna.warnings


def test_a_repeated_row_is_a_change_and_both_diff_paths_agree(
    service: Precert, tmp_path: Path
) -> None:
    document = next_version()
    row = document.lines[document.line_of("A4287") - 1]
    document.lines.insert(document.line_of("A4287"), row)  # the same row twice in table 1
    service.import_list(
        document.write(tmp_path / "twice.txt"),
        effective=dt.date(2027, 1, 1),
        list_id="cigna-commercial-dme",
    )
    diff = diff_versions(service, LIST)
    a4287 = next(i for i in diff.changed if i.code == "A4287")
    line = document.line_of("A4287")
    assert [(c.field, c.old, c.new, c.old_line, c.new_line) for c in a4287.changes] == [
        ("status", "Out Of Scope", "No", 9, line),
        ("rows", 1, 2, None, line + 1),
    ]
    pure = diff_entries(
        LIST,
        diff.old,
        diff.new,
        service.store.entries(versions=[(LIST, "v1")]),
        service.store.entries(versions=[(LIST, "v2")]),
    )
    assert pure.to_dict() == diff.to_dict()
