"""Importing lists through profiles: the options form on a bare grid, safety between payers,
errors that name file and line and change nothing, and no contact the list does not give."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from precert import Precert, Status
from precert.database import BUNDLED_LIST, DATA_DIR
from precert.importer import Part, entry_of, read
from precert.models import Entry
from precert.profiles import RowError, RowReading, load_profile, profile_from_options
from precert.readers import ReaderError

ORTHOSES = DATA_DIR / "medicare" / "noridian-jd-orthoses-2026.tsv"
CGS_2025 = DATA_DIR / "medicare" / "cgs-jc-pa-table-2025.tsv"


def grid_profile(**extra: str) -> object:
    """A plan's bare grid of codes: every code listed needs prior authorization."""
    return profile_from_options(
        payer="Acme Health",
        line_of_business="Medicaid",
        list_id="acme-orthoses",
        code_column="HCPCS",
        listed_means="required",
        effective_column="EFFECTIVE DATE",
        contact="Acme Utilization Management; phone 800-555-0100; url https://acme.example/pa",
        **extra,
    )


def test_a_bare_grid_with_options_answers_in_the_lists_own_terms(
    service: Precert,
) -> None:
    result = service.import_list(ORTHOSES, profile=grid_profile())  # type: ignore[arg-type]
    assert (result.created, result.list_id, result.codes) == (True, "acme-orthoses", 5)
    acme = {"payer": "Acme Health", "line_of_business": "Medicaid"}
    answer = service.determine_one("L1844", date=dt.date(2026, 5, 1), **acme)
    assert answer.status is Status.REQUIRED
    assert answer.submit_to is not None
    assert (answer.submit_to.name, answer.submit_to.phone) == (
        "Acme Utilization Management",
        "800-555-0100",
    )
    # No description column: CMS's, marked so; no category column: no "blank" warning.
    assert answer.description_source == "CMS HCPCS" and answer.description
    assert answer.category is None and answer.warnings == ()
    early = service.determine_one("L1844", date=dt.date(2026, 3, 1), **acme)
    assert early.status is Status.NOT_LISTED  # the list settles nothing else
    assert any("becomes required on 2026-04-13" in n for n in early.notes)
    assert service.determine_one("E0466", **acme).status is Status.NOT_LISTED


def test_a_list_never_becomes_a_version_of_another_payers_list(
    service: Precert, home: Path
) -> None:
    before = service.store.dump()
    with pytest.raises(ValueError, match="belongs to payer 'Cigna', not 'Medicare'"):
        service.import_list(
            CGS_2025, profile="medicare-dmepos-cgs-table", list_id="cigna-commercial-dme"
        )
    with pytest.raises(ValueError, match="say which list"):
        service.import_list(ORTHOSES)
    assert service.store.dump() == before


def test_an_unknown_status_names_the_value_and_the_key_and_nothing_is_written(
    service: Precert, tmp_path: Path
) -> None:
    lines = BUNDLED_LIST.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if "\tE0470\t" in line)
    cells = lines[index].split("\t")
    cells[4] = "Pending"  # the "Commercial Prior Authorization Required?" column
    lines[index] = "\t".join(cells)
    bad = tmp_path / "cigna-2027.txt"
    bad.write_text("\n".join(lines), encoding="utf-8")
    before = service.store.dump()
    with pytest.raises(ReaderError) as caught:
        service.import_list(bad, list_id="cigna-commercial-dme", effective=dt.date(2027, 1, 1))
    assert (caught.value.file, caught.value.line) == ("cigna-2027.txt", index + 1)
    assert "unknown status 'Pending'" in str(caught.value)
    assert "[status.values]" in str(caught.value) and "--status-map" in str(caught.value)
    assert service.store.dump() == before


def test_a_range_that_does_not_read_names_file_and_line(service: Precert, tmp_path: Path) -> None:
    table = tmp_path / "cgs.tsv"
    text = CGS_2025.read_text(encoding="utf-8").replace("K0848-K0864", "K0848-K9864", 1)
    table.write_text(text, encoding="utf-8")
    before = service.store.dump()
    with pytest.raises(ReaderError) as caught:
        service.import_list(table, profile="medicare-dmepos-cgs-table")
    assert (caught.value.file, caught.value.line) == ("cgs.tsv", 4)
    assert "K9864 is not a code in the CMS HCPCS code set" in str(caught.value)
    assert service.store.dump() == before


def test_cignas_layout_for_another_payer_carries_none_of_cignas_contacts(
    service: Precert, tmp_path: Path
) -> None:
    text = BUNDLED_LIST.read_text(encoding="utf-8")
    other = tmp_path / "acme.txt"
    other.write_text(text.replace("**Cigna Commercial**", "**Acme Health Commercial**"))
    service.import_list(other, list_id="acme-commercial-dme")
    acme = service.determine_one("E0784", payer="Acme Health")
    cigna = service.determine_one("E0784", payer="Cigna")
    assert acme.status is cigna.status is Status.REQUIRED
    assert cigna.submit_to is not None and cigna.submit_to.phone == "888-454-0013"
    assert acme.submit_to is None  # eviCore and "reach out to Cigna" belong to Cigna's profile


def test_a_dry_run_reads_every_row_and_changes_nothing(service: Precert, tmp_path: Path) -> None:
    before = service.store.dump()
    items = list(service.dry_run(CGS_2025, profile="medicare-dmepos-cgs-table"))
    readings = [i for i in items if isinstance(i, RowReading)]
    assert not [i for i in items if isinstance(i, RowError)]
    assert {r.code for r in readings} >= {"K0856", "L0631", "E0950", "L1833"}
    copy = tmp_path / "cgs.tsv"
    shutil.copy(CGS_2025, copy)
    copy.write_text(copy.read_text().replace("L0648,", "L0648, Q", 1))
    errors = [i for i in service.dry_run(copy, profile="medicare-dmepos-cgs-table")]
    assert [str(e) for e in errors if isinstance(e, RowError)] == [
        "cgs.tsv:3: column 'HCPCS Codes': cannot read 'Q L0650, L1832, L1851 Effective August "
        "1…' in the code cell (expected codes such as E0466, ranges such as K0813-K0816, "
        "'Effective <date>:' or a clause the profile declares)"
    ]
    assert service.store.dump() == before


def test_a_code_listed_twice_in_one_grid_is_one_answer_citing_both_rows(
    service: Precert,
) -> None:
    # The June 2024 notice lists E0747 under phase 1 and again under phase 2.
    answer = service.determine_one(
        "E0747", payer="Medicare", line_of_business="FFS", date=dt.date(2024, 8, 20)
    )
    assert answer.status is Status.REQUIRED
    assert [(s.file, s.line) for s in answer.sources] == [
        ("cgs-jc-news-2024-06-20.tsv", 8),
        ("cgs-jc-news-2024-06-20.tsv", 9),
    ]


def test_lint_of_a_grid_without_categories_reports_no_blank_category(
    service: Precert,
) -> None:
    from precert.linting import lint_file

    report = lint_file(service, ORTHOSES, profile=grid_profile())  # type: ignore[arg-type]
    assert report.rows == 5
    assert not [f for f in report.findings if f.kind.startswith("category")]


@pytest.mark.parametrize(
    ("path", "profile"),
    [(BUNDLED_LIST, "cigna-commercial-dme"), (CGS_2025, "medicare-dmepos-cgs-table")],
)
def test_every_stored_entry_is_its_reading_field_by_field(
    service: Precert, path: Path, profile: str
) -> None:
    # Imports stream Entry's fields, not Entry objects, into the store: what the store keeps
    # must still be, field by field, the Entry each reading makes.
    result = service.import_list(path, list_id="copy", profile=profile)
    loaded = load_profile(profile)
    readings = [r for r in read(Part(path, loaded), service.store.hcpcs_codes())[1]]
    assert all(isinstance(r, RowReading) for r in readings)
    expected = [entry_of(r, "copy", result.version) for r in readings if isinstance(r, RowReading)]
    stored = service.store.entries(versions=[("copy", result.version)])

    def key(e: Entry) -> tuple[object, ...]:
        return (e.table, e.line, e.code, e.published, str(e.effective), str(e.end))

    assert len(stored) == len(expected) == result.rows > 100
    assert sorted(stored, key=key) == sorted(expected, key=key)
    # entry_of names every field: Entry's order is not assumed anywhere but in one place.
    first = expected[0]
    reading = next(r for r in readings if isinstance(r, RowReading))
    for name in ("code", "published", "line", "page", "product", "category_raw", "notation"):
        assert getattr(first, name) == getattr(reading, name), name
    assert first.raw[: len(reading.cells)] == reading.cells
    assert first.columns == reading.columns and first.source_file == reading.file
    assert (first.status, first.qualifier) == (reading.meaning.status, reading.meaning.qualifier)
