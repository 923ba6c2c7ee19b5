"""The determination over the real Cigna list: every code, every status, every citation."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest

from precert import Precert, ScopeError, Status
from precert.readers import ReaderError
from precert.service import BUNDLED_LIST, DB_NAME

PUBLISHED = {"Yes": Status.REQUIRED, "No": Status.NOT_REQUIRED, "Out Of Scope": Status.OUT_OF_SCOPE}


def document_rows() -> dict[str, list[tuple[int, Status]]]:
    """An independent reading of the document: code -> [(line, published status)]."""
    rows: dict[str, list[tuple[int, Status]]] = defaultdict(list)
    for number, line in enumerate(BUNDLED_LIST.read_text().splitlines(), start=1):
        cells = line.split("\t")
        if len(cells) == 7 and cells[0] != "Product":
            rows[cells[2]].append((number, PUBLISHED[cells[4]]))
        elif len(cells) == 5 and cells[0] != "Category":
            rows[cells[1]].append((number, PUBLISHED[cells[3]]))
    return rows


def test_every_code_of_the_document_gets_its_published_status_and_lines(service: Precert) -> None:
    rows = document_rows()
    assert len(rows) == 604
    answers = service.determine(sorted(rows), payer="Cigna")
    for answer in answers:
        expected = rows[answer.code or ""]
        statuses = {s for _, s in expected}
        assert len(statuses) == 1, "the document agrees with itself on every shared code"
        assert answer.status is statuses.pop(), answer.code
        assert sorted(s.line for s in answer.sources) == [line for line, _ in expected]
        assert all(s.list == "cigna-commercial-dme" and s.version == "v1" for s in answer.sources)
        assert answer.payer == "Cigna" and answer.line_of_business == "Commercial"
    assert sum(1 for r in rows.values() if len(r) == 2) == 39


def test_codes_in_both_tables_cite_both_and_pages(service: Precert) -> None:
    answer = service.determine_one("L5856", payer="Cigna")
    assert [s.table for s in answer.sources] == [1, 2]
    assert all(s.page >= 1 for s in answer.sources)
    assert answer.sources[1].page > answer.sources[0].page
    assert not answer.conflict


def test_the_five_statuses_and_their_wording(service: Precert) -> None:
    e0466, k0856, a4239, e0100, xyz = service.determine(
        ["E0466", "k0856-rr", "A4239", "E0100", "XYZ"], payer="Cigna"
    )
    assert e0466.status is Status.REQUIRED
    assert e0466.submit_to is not None and "eviCore" in e0466.submit_to.name
    assert k0856.code == "K0856" and k0856.modifiers == ("RR",)
    assert any("purchase only" in w for w in k0856.warnings)
    assert a4239.status is Status.OUT_OF_SCOPE
    assert any('not "no prior authorization"' in n for n in a4239.notes)
    assert a4239.submit_to is not None and a4239.submit_to.phone == "888-454-0013"
    assert a4239.submit_to.fax == "877-730-3858"
    assert "For this HCPCS code" not in (a4239.description or "")
    assert e0100.status is Status.NOT_LISTED and e0100.sources == ()
    assert e0100.hcpcs is not None and e0100.hcpcs.long_description.startswith("Cane")
    assert any('not "no prior authorization"' in n for n in e0100.notes)
    assert xyz.status is Status.INVALID and xyz.code is None and "E0466" in (xyz.message or "")


def test_not_required_rows_say_no_pa_in_the_program(service: Precert) -> None:
    no_rows = [c for c, r in document_rows().items() if r[0][1] is Status.NOT_REQUIRED]
    assert len(no_rows) == 25
    answer = service.determine_one(no_rows[0], payer="Cigna")
    assert answer.status is Status.NOT_REQUIRED and answer.submit_to is None


def test_cigna_routing_effective_date_and_cms_termination(service: Precert) -> None:
    e0784 = service.determine_one("E0784", payer="Cigna")
    assert e0784.status is Status.REQUIRED
    assert e0784.submit_to is not None and e0784.submit_to.name == "Cigna"
    assert (e0784.submit_to.phone, e0784.submit_to.fax) == ("888-454-0013", "877-730-3858")
    assert e0784.description == "External ambulatory infusion pump, insulin"
    k0553 = service.determine_one("K0553", payer="Cigna")
    assert k0553.submit_to is not None and k0553.submit_to.name == "Cigna"
    assert k0553.effective == dt.date(2021, 7, 1)
    assert any("terminated K0553 on 2022-12-31" in w for w in k0553.warnings)
    assert any("'0'" in w for w in k0553.warnings)
    assert "Requires precertification" not in (k0553.description or "")


def test_messy_categories_are_cleaned_and_reported(service: Precert) -> None:
    l2006 = service.determine_one("L2006", payer="Cigna")
    assert any("'#N/A'" in w and "line 499" in w for w in l2006.warnings)
    l8033 = service.determine_one("L8033", payer="Cigna")
    assert any("does not fit code family L" in w for w in l8033.warnings)
    cats = {c["category"]: c for c in service.categories(payer="Cigna")}
    assert "Neuromuscular electrical stimulators" in cats
    assert set(cats["Neuromuscular electrical stimulators"]["published"]) == {
        "NEUROMUSCULAR ELECTRICAL STIMULATORS",
        "Neuromuscular electrical stimulators",
    }


def test_modifiers_are_checked_against_cms(service: Precert) -> None:
    answer = service.determine_one("L5856 LT ZZ", payer="Cigna")
    assert answer.modifiers == ("LT", "ZZ")
    assert [w for w in answer.warnings if "Modifier" in w] == [
        "Modifier ZZ is not in the CMS HCPCS modifier list."
    ]
    over = service.determine_one("E0651-RR", payer="Cigna")  # ">4 components, purchase only"
    assert over.status is not Status.INVALID


def test_cpt_and_unknown_hcpcs_codes_are_not_listed_with_reasons(service: Precert) -> None:
    cpt, unknown = service.determine(["99213", "E9999"], payer="Cigna")
    assert cpt.status is Status.NOT_LISTED and cpt.system == "CPT"
    assert unknown.status is Status.NOT_LISTED
    assert any("not in the CMS HCPCS" in w for w in unknown.warnings)


def test_json_contract_fields(service: Precert) -> None:
    data = service.determine_one("K0856-RR", payer="Cigna").to_dict()
    for field in (
        "query",
        "payer",
        "line_of_business",
        "code",
        "modifiers",
        "status",
        "submit_to",
        "notes",
        "warnings",
        "description",
        "category",
        "hcpcs",
        "effective",
        "sources",
    ):
        assert field in data
    assert data["query"] == "K0856-RR"
    assert set(data["sources"][0]) >= {"list", "version", "table", "line", "page"}
    assert data["hcpcs"]["exists"] is True


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("wheelchair cushions", "E2605"),
        ("cushions wheelchair", "E2605"),
        ("CPAP mask", "A7030"),
        ("knee prosthesis microprocessor", "L5856"),
        ("wheelchiar cushion", "E2605"),
        ("power wheelchair group 3", "K0856"),
        ("e0466", "E0466"),
        ("purchase only", "K0856"),
    ],
)
def test_search_is_ranked_and_forgiving(service: Precert, words: str, expected: str) -> None:
    results = service.search(words, limit=50, payer="Cigna")
    codes = [h.code for h in results.hits]
    assert expected in codes, codes[:10]


def test_search_filters_and_typo_correction(service: Precert) -> None:
    results = service.search("wheelchiar", limit=5, payer="Cigna")
    assert results.corrections == {"wheelchiar": ["wheelchair"]}
    required = service.search("wheelchair", status="required", limit=200, payer="Cigna").hits
    assert required and all(h.status is Status.REQUIRED for h in required)
    in_cat = service.search("", category="wheelchairs", limit=500, payer="Cigna").hits
    assert len(in_cat) == 137
    assert service.search("zzzzqqq", payer="Cigna").hits == ()


def test_search_without_words_finds_nothing_and_full_width_words_are_words(
    service: Precert,
) -> None:
    # Punctuation only has no word to look for: no list of every code as if it matched.
    for text in ("*", '"', "!?", "—"):
        assert service.search(text, payer="Cigna").hits == (), text
    # Full-width letters (typed with an East Asian input method) are the same word.
    wide = service.search("ｗｈｅｅｌｃｈａｉｒ ｃｕｓｈｉｏｎ", limit=200, payer="Cigna").hits
    assert wide and wide == service.search("wheelchair cushion", limit=200, payer="Cigna").hits


def _dump(home: Path) -> list[str]:
    with sqlite3.connect(home / DB_NAME) as db:
        return list(db.iterdump())


def test_a_malformed_import_names_the_line_and_changes_nothing(
    service: Precert, home: Path, tmp_path: Path
) -> None:
    lines = BUNDLED_LIST.read_text().splitlines()
    lines[300] = "Durable Medical Equipment\tWHEELCHAIRS\tK0856\tbroken row"
    bad = tmp_path / "cigna-2027.txt"
    bad.write_text("\n".join(lines))
    before = _dump(home)
    with pytest.raises(ReaderError) as info:
        service.import_list(bad, list_id="cigna-commercial-dme")
    assert info.value.line == 301 and "cigna-2027.txt" in str(info.value)
    assert _dump(home) == before


def test_importing_the_same_file_twice_is_a_no_op(service: Precert, home: Path) -> None:
    before = _dump(home)
    result = service.import_list(BUNDLED_LIST, list_id="cigna-commercial-dme")
    assert not result.created and "already" in result.message
    assert _dump(home) == before


def test_a_second_payer_never_leaks_into_the_first(service: Precert, tmp_path: Path) -> None:
    text = BUNDLED_LIST.read_text().replace("**Cigna Commercial**", "**Acme Health Commercial**")
    text = text.replace("\tE0466\tHome ventilator", "\tE0466\tHome ventilator", 1)
    rows = text.splitlines()
    for i, line in enumerate(rows):
        if "\tE0466\t" in line:
            rows[i] = line.replace("\tYes\t", "\tNo\t")
    other = tmp_path / "acme.txt"
    other.write_text("\n".join(rows))
    service.import_list(other, list_id="acme-commercial-dme")
    # No payer named: one answer per loaded payer and line of business, each naming its own.
    each = service.determine("E0466")
    loaded = sorted({(v.payer, v.line_of_business) for v in service.lists()})
    assert [(a.payer, a.line_of_business) for a in each] == loaded
    by_payer = {a.payer: a for a in each}
    assert by_payer["Acme Health"].status is Status.NOT_REQUIRED
    assert by_payer["Cigna"].status is Status.REQUIRED
    for answer in each:
        lists = {v.split("@")[0] for v in answer.versions}
        assert lists <= {v.list_id for v in service.lists() if v.payer == answer.payer}
    cigna = service.determine_one("E0466", payer="Cigna")
    acme = service.determine_one("E0466", payer="acme health")
    assert cigna.status is Status.REQUIRED and acme.status is Status.NOT_REQUIRED
    assert {s.list for s in cigna.sources} == {"cigna-commercial-dme"}
    assert {s.list for s in acme.sources} == {"acme-commercial-dme"}
    with pytest.raises(ScopeError, match="no list loaded"):
        service.determine("E0466", payer="Nobody")
    # Stray spaces (a pasted name, a padded config value) name the same payer.
    padded = service.determine_one("E0466", payer=" Acme Health ", line_of_business="Commercial ")
    assert {s.list for s in padded.sources} == {"acme-commercial-dme"}
    with pytest.raises(ScopeError, match="no list loaded for payer ''"):
        service.determine("E0466", payer="")


def test_first_use_builds_the_database_and_a_corrupt_one_is_rebuilt(tmp_path: Path) -> None:
    home = tmp_path / "new"
    fresh = Precert(home)
    assert fresh.determine_one("E0466", payer="Cigna").status is Status.REQUIRED
    fresh.close()
    (home / DB_NAME).write_bytes(b"this is not a database" * 100)
    again = Precert(home)
    assert again.determine_one("E0466", payer="Cigna").status is Status.REQUIRED
    assert again.notices and "moved it to" in again.notices[0]
    assert list(home.glob(f"{DB_NAME}.corrupt-*"))
    again.close()


def test_answers_follow_imports_made_by_another_process(
    service: Precert, home: Path, tmp_path: Path
) -> None:
    assert service.determine_one("E0466", payer="Cigna").status is Status.REQUIRED
    rows = BUNDLED_LIST.read_text().splitlines()
    for i, line in enumerate(rows):
        if "\tE0466\t" in line:
            rows[i] = line.replace("\tYes\t", "\tNo\t")
    newer = tmp_path / "newer.txt"
    newer.write_text("\n".join(rows))
    other = Precert(home)
    other.import_list(newer, list_id="cigna-commercial-dme", effective=dt.date(2027, 1, 1))
    other.close()
    later = service.determine_one("E0466", date=dt.date(2027, 2, 1), payer="Cigna")
    assert later.status is Status.NOT_REQUIRED and later.sources[0].version == "v2"
    earlier = service.determine_one("E0466", date=dt.date(2026, 12, 1), payer="Cigna")
    assert earlier.status is Status.REQUIRED and earlier.sources[0].version == "v1"


def test_a_requirement_not_yet_in_effect_on_the_date_is_flagged(service: Precert) -> None:
    before = service.determine_one("K0553", date=dt.date(2021, 6, 30), payer="Cigna")
    assert any("takes effect 2021-07-01" in w for w in before.warnings)
    after = service.determine_one("K0553", date=dt.date(2021, 7, 1), payer="Cigna")
    assert not any("takes effect" in w for w in after.warnings)
    assert not any("terminated" in w for w in after.warnings)  # CMS ended it 2022-12-31


@pytest.mark.parametrize("typed", ["K0813-K0816", "K0813 – K0816", "K0813 - K0816"])
def test_a_typed_range_is_answered_for_each_code_with_a_note(service: Precert, typed: str) -> None:
    answers = service.determine(typed, payer="Cigna")
    assert [a.code for a in answers] == ["K0813", "K0814", "K0815", "K0816"]
    assert all(a.status is not Status.INVALID for a in answers)
    assert all("is a range" in a.notes[-1] and "4 codes" in a.notes[-1] for a in answers)
    # Each answer is the code's own answer, plus the note.
    for answer in answers:
        alone = service.determine_one(answer.code or "", payer="Cigna")
        assert (answer.status, answer.sources) == (alone.status, alone.sources)


def test_show_names_the_payer_it_answers_for_when_several_are_loaded(service: Precert) -> None:
    # The library's one-report show: the answer and the rows are one payer's, and it says so.
    report = service.show("E0747", date=dt.date(2024, 8, 20))
    assert report.determination.payer == "Cigna"
    assert {e.list_id for e in report.entries} == {"cigna-commercial-dme"}
    assert any(
        "Answered for Cigna / Commercial only; Medicare / FFS is loaded too" in n
        for n in report.determination.notes
    )
    named = service.show("E0747", payer="Medicare", date=dt.date(2024, 8, 20))
    assert not any("Answered for" in n for n in named.determination.notes)
    assert {e.list_id for e in named.entries} == {"medicare-dmepos-pa"}
    each = service.show_all("E0747", date=dt.date(2024, 8, 20))
    assert [r.determination.payer for r in each] == ["Cigna", "Medicare"]
    assert not any("Answered for" in n for r in each for n in r.determination.notes)
    assert each[1] == named  # the one-payer report, exactly
    # Not a code: one report, the same for every payer.
    (invalid,) = service.show_all("XYZ")
    assert invalid.determination.status is Status.INVALID and not invalid.entries
