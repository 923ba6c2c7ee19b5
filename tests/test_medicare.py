"""Medicare FFS's DMEPOS Required Prior Authorization List, bundled from the DME MAC pages
(src/precert/data/medicare/): ranges, inline dates, the L1833 removal, the voluntary PMD
accessories, the osteogenesis suspension, the April 13, 2026 orthoses and state routing."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import precert
from precert import Precert, Status
from precert.models import Determination
from precert.rules import dated_note

MEDICARE = {"payer": "Medicare", "line_of_business": "FFS"}
CGS_2025 = "cgs-jc-pa-table-2025.tsv"
NEWS = "cgs-jc-news-2024-06-20.tsv"
PHASE_ONE = ("CA", "FL", "OH", "PA")
PRECERT = str(Path(sys.executable).with_name("precert"))


def ask(service: Precert, code: str, when: str = "2025-06-01", **kw: str) -> Determination:
    return service.determine_one(code, date=dt.date.fromisoformat(when), **MEDICARE, **kw)


def test_the_state_picks_the_dme_mac_and_without_it_all_four_are_listed(service: Precert) -> None:
    texas = ask(service, "K0856", state="TX")
    assert texas.status is Status.REQUIRED
    assert texas.submit_to is not None
    assert texas.submit_to.name == "CGS Administrators (Jurisdiction C)"
    assert texas.submit_to.url == "https://cgsmedicare.com/jc"
    ohio = ask(service, "K0856", state="oh")
    assert ohio.submit_to is not None and "Jurisdiction B" in ohio.submit_to.name
    anywhere = ask(service, "K0856")
    assert anywhere.submit_to is not None and "beneficiary's state" in anywhere.submit_to.name
    options = {c.label: c.states for c in anywhere.submit_options}
    assert sorted(options) == [f"Jurisdiction {j}" for j in "ABCD"]
    assert "TX" in options["Jurisdiction C"] and "CA" in options["Jurisdiction D"]
    assert any("depends on the member's state" in n and "TX" in n for n in anywhere.notes)
    nowhere = ask(service, "K0856", state="ZZ")
    assert len(nowhere.submit_options) == 4 and any("'ZZ'" in w for w in nowhere.warnings)
    # Cigna's answer for the same code is unchanged and never routed by state.
    cigna = service.determine_one("K0856", payer="Cigna", state="TX")
    assert cigna.submit_to is not None and cigna.submit_to.name.startswith("eviCore")


def test_ranges_are_expanded_and_cited_as_published(service: Precert) -> None:
    answer = ask(service, "K0814")
    assert answer.status is Status.REQUIRED and answer.qualifier is None
    (source,) = answer.sources
    assert (source.file, source.table, source.line) == (CGS_2025, 1, 4)
    assert source.published_code == "K0813-K0816"
    assert source.url == "https://cgsmedicare.com/jc/pa"
    assert answer.category == "Power mobility devices (PMD)"
    assert answer.description_source == "CMS HCPCS"  # the table has no descriptions
    assert not any("category" in w for w in answer.warnings)


def test_the_base_list_inside_the_voluntary_clause_is_not_listed(service: Precert) -> None:
    # "… for the power wheelchair base K0800-K0802 K0813-K0829 …:" names K0817-K0819, which
    # are not on the required list: only the first sentence of the cell lists required codes.
    for code in ("K0817", "K0818", "K0819"):
        answer = ask(service, code)
        assert answer.status is Status.NOT_REQUIRED and answer.qualifier is None, code
        assert answer.sources == ()
        assert "names every DMEPOS code" in answer.notes[0]


def test_voluntary_accessories_keep_their_qualifier_and_say_what_it_means(
    service: Precert,
) -> None:
    for code in ("E0950", "E1005", "K0195"):
        answer = ask(service, code)
        assert (answer.status, answer.qualifier) == (Status.NOT_REQUIRED, "voluntary"), code
        assert any(n.startswith("Voluntary:") for n in answer.notes)
        assert answer.to_dict()["qualifier"] == "voluntary"
    # In the June 2024 notice they are a section of their own ("– Voluntary Authorization").
    old = ask(service, "E0950", "2024-07-01")
    assert (old.status, old.qualifier) == (Status.NOT_REQUIRED, "voluntary")
    assert old.sources[0].file == "cgs-jc-news-2024-06-20.tsv"


def test_l1833_was_removed_on_august_12_2024(service: Precert) -> None:
    before = ask(service, "L1833", "2024-07-01")  # the June 2024 notice: "L1833**"
    assert before.status is Status.REQUIRED
    assert any("no longer required from August 12, 2024" in n for n in before.notes)
    after = ask(service, "L1833")
    assert (after.status, after.qualifier) == (Status.NOT_REQUIRED, "removed")
    assert any("removed L1833 effective 2024-08-12" in n for n in after.notes)
    assert after.sources[0].published_code.startswith("*L1833 removed from list")


def test_inline_effective_dates_hold_within_one_version(service: Precert) -> None:
    # The notice (in force from 2024-06-20) adds L0631 from August 12, 2024.
    early = ask(service, "L0631", "2024-07-01")
    assert early.status is Status.NOT_REQUIRED
    assert any("becomes required on 2024-08-12" in n for n in early.notes)
    later = ask(service, "L0631", "2024-08-20")
    assert later.status is Status.REQUIRED and later.effective == dt.date(2024, 8, 12)
    now = ask(service, "L0631")
    assert now.status is Status.REQUIRED and now.sources[0].file == CGS_2025


def test_the_april_2026_orthoses_are_required_from_their_date_only(service: Precert) -> None:
    before = ask(service, "L0651", "2026-03-01")
    assert before.status is Status.NOT_REQUIRED
    assert any("becomes required on 2026-04-13" in n for n in before.notes)
    assert before.sources[0].file == "noridian-jd-orthoses-2026.tsv"
    after = ask(service, "L0651", "2026-04-13", state="CA")
    assert after.status is Status.REQUIRED and after.effective == dt.date(2026, 4, 13)
    assert after.submit_to is not None and "Jurisdiction D" in after.submit_to.name
    (source,) = after.sources
    assert source.url is not None and "noridianmedicare.com" in source.url
    assert source.table == 2  # the version's second table: after the CGS table


def test_osteogenesis_stimulators_were_suspended(service: Precert) -> None:
    phase_one = ask(service, "E0747", "2024-08-20")  # the notice, phase 1 from August 12
    assert phase_one.status is Status.REQUIRED
    assert any("Phase 1" in n for n in phase_one.notes)
    suspended = ask(service, "E0747", "2024-09-15")  # the 2024 table
    assert (suspended.status, suspended.qualifier) == (Status.NOT_REQUIRED, "suspended")
    assert any(n.startswith("Suspended:") for n in suspended.notes)
    assert suspended.sources[0].file == "cgs-jc-pa-table-2024.tsv"


def test_osteogenesis_phases_keep_their_own_dates_and_go_to_the_members_dme_mac(
    service: Precert,
) -> None:
    # The notice's table 2: Phase 1 (CA, FL, OH, PA) from August 12, Phase 2 (the other states)
    # from November 12, 2024; each row dated by its own heading, not the table's first date.
    rows = {
        e.line: e
        for e in service.store.entries(["E0747"])
        if e.source_file == "cgs-jc-news-2024-06-20.tsv"
    }
    assert {line: e.effective for line, e in rows.items()} == {
        8: dt.date(2024, 8, 12),
        9: dt.date(2024, 11, 12),
    }
    before = ask(service, "E0760", "2024-08-01", state="CA")
    assert before.status is Status.NOT_REQUIRED
    assert any("becomes required on 2024-08-12" in n for n in before.notes)
    phase_one = ask(service, "E0760", "2024-08-20", state="CA")
    assert (phase_one.status, phase_one.effective) == (Status.REQUIRED, dt.date(2024, 8, 12))
    assert phase_one.submit_to is not None and "Jurisdiction D" in phase_one.submit_to.name
    assert any("becomes required on 2024-11-12" in n and "line 9" in n for n in phase_one.notes)
    assert any("members in other states: Phase 2" in n for n in phase_one.notes)
    florida = ask(service, "E0748", "2024-08-20", state="FL")
    assert florida.submit_to is not None and "Jurisdiction C" in florida.submit_to.name
    anywhere = ask(service, "E0747", "2024-08-20")
    assert len(anywhere.submit_options) == 4


def test_decision_times_and_validity_come_with_the_answer(service: Precert) -> None:
    answer = ask(service, "L5856")
    assert "Decision is valid for: 120 calendar days" in answer.notes
    assert any("5 business days (not to exceed 7 calendar days)" in n for n in answer.notes)
    assert "Expedited requests are decided within 2 business days." in answer.notes


def test_a_decision_time_that_changed_on_a_date_is_read_for_the_date_of_service(
    service: Precert,
) -> None:
    # The 2025 table's cell: "10 business days Effective January 1, 2025: 5 business days
    # (not to exceed 7 calendar days)": the answer gives the time in force first.
    now = ask(service, "L5856", "2025-06-01")
    assert (
        "When to expect a decision: 5 business days (not to exceed 7 calendar days) "
        "(since January 1, 2025; before then: 10 business days)"
    ) in now.notes
    earlier = ask(service, "L5856", "2024-12-01")  # the 2024 table is in force: 10 days
    assert "When to expect a decision: 10 business days" in earlier.notes


def test_dated_note_reads_either_side_of_its_date() -> None:
    note = "When to expect a decision: 10 business days Effective January 1, 2025: 5 days"
    assert dated_note(note, dt.date(2024, 12, 31)) == (
        "When to expect a decision: 10 business days (from January 1, 2025: 5 days)"
    )
    assert dated_note(note, dt.date(2025, 1, 1)) == (
        "When to expect a decision: 5 days (since January 1, 2025; before then: 10 business days)"
    )
    assert dated_note("Effective 2026-04-13: L1832 added", dt.date(2026, 1, 1)) == (
        "from 2026-04-13: L1832 added"
    )
    plain = "Requires precertification through Cigna, effective 7.1.2021"
    assert dated_note(plain, dt.date(2026, 1, 1)) == plain  # no "Effective <date>:" segment


def test_codes_outside_the_lists_scope_are_not_listed(service: Precert) -> None:
    ambulance = ask(service, "A0425")  # not a DMEPOS code: the list does not settle it
    assert ambulance.status is Status.NOT_LISTED
    assert ask(service, "99213").status is Status.NOT_LISTED
    assert ask(service, "E0466").status is Status.NOT_REQUIRED


def test_no_payer_named_answers_each_payer_once(service: Precert) -> None:
    answers = service.determine(["K0856", "L0651"], date=dt.date(2026, 5, 1))
    assert [(a.code, a.payer) for a in answers] == [
        ("K0856", "Cigna"),
        ("K0856", "Medicare"),
        ("L0651", "Cigna"),
        ("L0651", "Medicare"),
    ]
    assert [a.status for a in answers] == [
        Status.REQUIRED,
        Status.REQUIRED,
        Status.OUT_OF_SCOPE,
        Status.REQUIRED,
    ]
    for answer in answers:
        assert all(s.list.startswith(answer.payer.lower()) for s in answer.sources)


def test_the_next_step_for_out_of_scope_and_unlisted_codes_is_the_payers_wider_page(
    service: Precert,
) -> None:
    answers = {
        (a.code, a.payer): a for a in service.determine(["A4239", "E0100", "G0008", "E0466"])
    }
    cigna = "https://www.cigna.com/health-care-providers/coverage-and-claims/precertification"
    for code in ("A4239", "E0100", "G0008"):  # out of scope, not listed, not listed (CPT-like)
        more = answers[(code, "Cigna")].more_info
        assert more is not None and more.url == cigna
        assert answers[(code, "Cigna")].to_dict()["more_info"]["url"] == cigna
    medicare = answers[("G0008", "Medicare")]
    assert medicare.status is Status.NOT_LISTED  # outside the DMEPOS list's scope
    assert medicare.more_info is not None and medicare.more_info.url.startswith(
        "https://www.cms.gov/"
    )
    # An answer that settles the question needs no next step.
    assert answers[("E0466", "Cigna")].more_info is None  # required
    assert answers[("E0100", "Medicare")].more_info is None  # not required (exhaustive list)
    assert answers[("E0466", "Cigna")].to_dict()["more_info"] is None


def test_phase_one_osteogenesis_applies_only_to_members_in_its_four_states(
    service: Precert,
) -> None:
    # The notice's Phase 1 row (line 8) is for members in CA, FL, OH and PA from August 12,
    # 2024; Phase 2 (line 9, every state) starts November 12. Between the two, a member in
    # another state needs no prior authorization: the list is exhaustive for DMEPOS codes.
    rows = {e.line: e.states for e in service.store.entries(["E0748"]) if e.source_file == NEWS}
    assert rows == {8: PHASE_ONE, 9: ()}
    texas = ask(service, "E0748", "2024-08-20", state="TX")
    assert (texas.status, texas.qualifier, texas.submit_to) == (Status.NOT_REQUIRED, None, None)
    assert any(
        "only for members in CA, FL, OH, PA" in n and "line 8" in n and "member in TX" in n
        for n in texas.notes
    )
    assert any(n.startswith("Phase 1, from August 12, 2024") for n in texas.notes)
    assert any("becomes required on 2024-11-12" in n and "line 9" in n for n in texas.notes)
    assert [(s.file, s.line) for s in texas.sources] == [(NEWS, 8), (NEWS, 9)]
    assert "depends_on_state" not in texas.warning_codes
    for state, jurisdiction in (("CA", "D"), ("fl", "C"), ("OH", "B"), ("PA", "A")):
        member = ask(service, "E0748", "2024-08-20", state=state)
        assert member.status is Status.REQUIRED, state
        assert member.submit_to is not None
        assert f"Jurisdiction {jurisdiction}" in member.submit_to.name, state
        assert "depends_on_state" not in member.warning_codes
    # Without a state the answer is the Phase 1 states' one, and says it is only theirs.
    anywhere = ask(service, "E0748", "2024-08-20")
    assert anywhere.status is Status.REQUIRED and len(anywhere.submit_options) == 4
    (warning,) = [
        w for w, c in zip(anywhere.warnings, anywhere.warning_codes, strict=True)
        if c == "depends_on_state"
    ]  # fmt: skip
    assert "depends on the member's state" in warning and "CA, FL, OH, PA" in warning
    # Before Phase 1, a member in Texas is told when the Phase 1 states start, as theirs.
    early = ask(service, "E0748", "2024-08-01", state="TX")
    assert early.status is Status.NOT_REQUIRED
    assert any("from 2024-08-12 only for members in CA, FL, OH, PA" in n for n in early.notes)
    assert not any("becomes required on 2024-08-12" in n for n in early.notes)
    unknown = ask(service, "E0748", "2024-08-01")
    assert any("required on 2024-08-12 for members in CA, FL, OH, PA only" in n
               for n in unknown.notes)  # fmt: skip
    # From August 28, 2024 CMS suspended the program for every state (the 2024 table), so
    # Phase 2 never made these codes required for a member in Texas.
    for when in ("2024-09-01", "2024-12-01"):
        for state in ("TX", "CA"):
            later = ask(service, "E0748", when, state=state)
            assert (later.status, later.qualifier) == (Status.NOT_REQUIRED, "suspended")


def test_precert_check_answers_for_the_members_state_in_a_real_process(home: Path) -> None:
    def check(*state: str) -> dict[str, object]:
        done = subprocess.run(
            [PRECERT, "check", "E0748", "--payer", "Medicare", "--date", "2024-08-20",
             *state, "--json"],
            env={**os.environ, "PRECERT_HOME": str(home)},
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        (answer,) = json.loads(done.stdout)["determinations"]
        assert isinstance(answer, dict)
        return answer

    texas = check("--state", "TX")
    assert texas["status"] == "not_required" and texas["submit_to"] is None
    assert any("only for members in CA, FL, OH, PA" in n for n in texas["notes"])
    california = check("--state", "CA")
    assert california["status"] == "required"
    assert "Jurisdiction D" in california["submit_to"]["name"]
    anywhere = check()
    assert anywhere["status"] == "required"
    assert "depends_on_state" in anywhere["warning_codes"]


def test_no_warning_when_a_row_for_every_state_answers_the_same(
    service: Precert, tmp_path: Path
) -> None:
    # The June 2024 notice loaded again as a list of its own, whose version is in force after
    # November 12, 2024: Phase 1 (CA, FL, OH, PA) and Phase 2 (every state) both answer, so
    # the member's state changes nothing and the answer does not say it depends on it.
    news = Path(precert.__file__).parent / "data" / "medicare" / NEWS
    service.import_list(news, list_id="medicare-news", profile="medicare-dmepos-cgs-news")
    both = ask(service, "E0748", "2024-12-01")
    assert both.status is Status.REQUIRED
    assert {(s.list, s.line) for s in both.sources} >= {("medicare-news", 8), ("medicare-news", 9)}
    assert "depends_on_state" not in both.warning_codes
    # Before Phase 2 only the Phase 1 row answers: then it does.
    assert "depends_on_state" in ask(service, "E0748", "2024-08-20").warning_codes
