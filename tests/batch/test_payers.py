"""Batch screening where each row names its own payer (and the member's state), with Cigna's
and Medicare's real lists loaded: every row answered from its own payer's list, the summary
and the report broken down by payer."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import precert
from precert.batch import answer_for, screen
from precert.batch.summary import Summary
from precert.cli import main
from precert.readers import ReaderError
from precert.service import Precert, ScopeError

from .test_spark import SPARK

MEDICARE_TABLE = Path(precert.__file__).parent / "data" / "medicare" / "cgs-jc-pa-table-2025.tsv"

CLAIMS = """Claim,HCPCS,Plan,Member state
C1,K0856,Cigna,TX
C2,K0856,Medicare,TX
C3,k0856-rr,medicare,NY
C4,E0466,Medicare,
C5,E0466,Cigna,
C6,E0466,Aetna,TX
C7,E0466,,TX
"""


@pytest.fixture
def two_payers(service: Precert) -> Precert:
    """Cigna's bundled list and Medicare's DMEPOS list (unless already bundled)."""
    if ("Medicare", "FFS") not in {(s.payer, s.line_of_business) for s in service.scopes()}:
        service.import_list(MEDICARE_TABLE, profile="medicare-dmepos-cgs-table")
    return service


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_a_state_cell_may_name_the_state_and_one_naming_none_is_warned_about(
    two_payers: Precert, tmp_path: Path
) -> None:
    source = tmp_path / "claims.csv"
    source.write_text(
        "Claim,HCPCS,Plan,Member state\nC1,K0856,Medicare,Texas\nC2,K0856,Medicare,ZZ\n"
    )
    out = tmp_path / "screened.csv"
    screen(source, out, service=two_payers, payer_column="Plan", state_column="Member state")
    rows = {r["Claim"]: r for r in read(out)}
    assert rows["C1"]["pa_submit_to"] == "CGS Administrators (Jurisdiction C)"
    assert rows["C2"]["pa_status"] == "required"  # the answer stands; where to send it does not
    assert "serves the state 'ZZ'" in rows["C2"]["pa_warnings"]


def test_each_row_is_answered_for_its_own_payer_and_state(
    two_payers: Precert, tmp_path: Path
) -> None:
    source = tmp_path / "claims.csv"
    source.write_text(CLAIMS)
    out = tmp_path / "screened.csv"
    report = tmp_path / "report.html"
    summary = screen(
        source,
        out,
        service=two_payers,
        payer_column="plan",  # found ignoring case
        state_column="Member state",
        report=report,
    )
    rows = {r["Claim"]: r for r in read(out)}
    assert rows["C1"]["pa_status"] == "required"
    assert rows["C1"]["pa_submit_to"].startswith("eviCore")  # Cigna's vendor
    assert rows["C2"]["pa_submit_to"] == "CGS Administrators (Jurisdiction C)"  # TX
    assert rows["C3"]["pa_submit_to"] == "Noridian Healthcare Solutions (Jurisdiction A)"  # NY
    assert rows["C3"]["pa_modifiers"] == "RR"
    # E0466: Cigna's list requires PA; Medicare's exhaustive DMEPOS list does not name it.
    assert (rows["C4"]["pa_status"], rows["C5"]["pa_status"]) == ("not_required", "required")
    assert "medicare-dmepos-pa" not in rows["C5"]["pa_source"]
    # A payer with no list, or none with two loaded: no answer, and the choices named.
    for claim in ("C6", "C7"):
        assert rows[claim]["pa_status"] == "invalid" and not rows[claim]["pa_code"]
        assert "Cigna / Commercial, Medicare / FFS" in rows[claim]["pa_warnings"]
    assert "'Aetna'" in rows["C6"]["pa_warnings"]
    assert summary.by_payer["Medicare / FFS"]["required"] == 2
    assert summary.by_payer["Medicare / FFS"]["not_required"] == 1
    assert summary.by_payer["Cigna / Commercial"]["required"] == 2
    # An unknown payer cell is counted under a label: the summary holds no row contents.
    assert summary.by_payer["(a payer with no loaded list)"]["invalid"] == 1
    assert summary.by_payer["(no payer named)"]["invalid"] == 1
    assert "Aetna" not in summary.text() + report.read_text()
    assert summary.no_code["unknown_payer"] == 2
    assert "By payer:" in summary.text() and "Medicare / FFS: 3 rows" in summary.text()
    page = report.read_text()
    assert "<h2>Answers by payer</h2>" in page and "<td>Medicare / FFS</td>" in page


def test_the_payer_option_fills_blank_payer_cells(two_payers: Precert, tmp_path: Path) -> None:
    source = tmp_path / "claims.csv"
    source.write_text(CLAIMS)
    out = tmp_path / "screened.jsonl"
    screen(source, out, service=two_payers, payer_column="Plan", payer="Medicare")
    lines = out.read_text().splitlines()
    assert '"pa_status":"not_required"' in lines[6].replace(" ", "")  # C7 -> Medicare


def test_the_command_line_options(
    two_payers: Precert, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "claims.csv"
    source.write_text(CLAIMS)
    out = tmp_path / "screened.parquet"
    args = ["batch", str(source), "-o", str(out), "--payer-column", "Plan", "--json"]
    code = main([*args, "--state-column", "Member state"])
    assert code == 1  # two rows had no payer with a list
    printed = capsys.readouterr().out
    assert '"by_payer"' in printed and '"Medicare / FFS"' in printed
    missing = main(["batch", str(source), "-o", str(out), "--payer-column", "Insurer"])
    assert missing == 3
    assert "no payer column 'Insurer'" in capsys.readouterr().err


def both_engines(
    service: Precert, tmp_path: Path, suffix: str, **options: Any
) -> list[tuple[Path, Summary]]:
    """The claims screened by DuckDB and by Spark (local, two cores) with the same options:
    (output file, summary) of each, DuckDB's first."""
    source = tmp_path / "claims.csv"
    source.write_text(CLAIMS)
    outputs = []
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"{engine}{suffix}"
        if engine == "spark":
            options |= {"spark_master": "local[2]", "spark_config": SPARK}
        outputs.append((out, screen(source, out, engine=engine, service=service, **options)))
    return outputs


@pytest.mark.spark
def test_spark_answers_each_row_for_its_payer_as_duckdb_does(
    two_payers: Precert, tmp_path: Path
) -> None:
    options = {"payer_column": "Plan", "state_column": "Member state"}
    (duck, by_duck), (spark, by_spark) = both_engines(two_payers, tmp_path, ".csv", **options)
    assert read(duck) == read(spark)
    assert by_duck.by_payer == by_spark.by_payer


# Each payer's own columns with --payer all, as docs/batch.md names them (spelled out here, so a
# renamed column fails this test rather than following it).
OWN = ("pa_status", "pa_submit_to", "pa_notes", "pa_warnings", "pa_source", "pa_more_info")


def test_every_payer_gets_its_own_columns(two_payers: Precert, tmp_path: Path) -> None:
    """--payer all: pa_code and pa_modifiers once, then each payer's six columns, each
    holding exactly that payer's answer for the cell (and the member's state)."""
    source = tmp_path / "claims.csv"
    source.write_text(CLAIMS)
    out, report = tmp_path / "side-by-side.csv", tmp_path / "report.html"
    summary = screen(
        source, out, service=two_payers, payer="all", state_column="Member state", report=report
    )
    rows = read(out)
    suffixes = ("cigna_commercial", "medicare_ffs")
    added = ["pa_code", "pa_modifiers"] + [f"{c}_{s}" for s in suffixes for c in OWN]
    assert list(rows[0]) == ["Claim", "HCPCS", "Plan", "Member state", *added]
    for row in rows:
        for suffix, payer in zip(suffixes, ("Cigna", "Medicare"), strict=True):
            want = answer_for(
                two_payers.determine(row["HCPCS"], payer=payer, state=row["Member state"] or None),
                blank=not row["HCPCS"].strip(),
            ).values
            got = tuple(row[c] or None for c in ("pa_code", "pa_modifiers")) + tuple(
                row[f"{c}_{suffix}"] or None for c in OWN
            )
            assert got == want, (row["Claim"], payer)
    c3 = rows[2]  # k0856-rr, NY: Cigna's vendor, and Medicare's Jurisdiction A
    assert c3["pa_submit_to_cigna_commercial"].startswith("eviCore")
    assert c3["pa_submit_to_medicare_ffs"] == "Noridian Healthcare Solutions (Jurisdiction A)"
    assert summary.payers == ("Cigna / Commercial", "Medicare / FFS")
    assert summary.rows == 7 and summary.answers == 14
    assert summary.by_payer["Cigna / Commercial"]["required"] == 7  # K0856 and E0466
    assert summary.by_payer["Medicare / FFS"] == {
        "required": 3,
        "not_required": 4,
        "out_of_scope": 0,
        "not_listed": 0,
        "invalid": 0,
    }
    assert sum(summary.statuses.values()) == 14
    text = summary.text()
    assert "Payers: Cigna / Commercial, Medicare / FFS (one set of answer columns each)" in text
    assert "Medicare / FFS: 7 rows (Required 3, Not required 4)" in text
    page = report.read_text()
    assert "every loaded payer (Cigna / Commercial, Medicare / FFS)" in page
    assert "<td>Cigna / Commercial</td>" in page and "<code>pa_status_medicare_ffs</code>" in page


def test_every_payer_of_one_line_of_business_and_unclear_choices(
    two_payers: Precert, tmp_path: Path
) -> None:
    source = tmp_path / "claims.csv"
    source.write_text(CLAIMS)
    out = tmp_path / "o.jsonl"
    only = screen(source, out, service=two_payers, payer="ALL", line_of_business="FFS")
    assert only.payers == ("Medicare / FFS",)
    assert '"pa_status_medicare_ffs":"not_required"' in out.read_text().replace(" ", "")
    with pytest.raises(ScopeError, match="--payer all for one set of answer columns per payer"):
        screen(source, tmp_path / "x.csv", service=two_payers)
    assert not (tmp_path / "x.csv").exists()
    with pytest.raises(ValueError, match="--lob-column needs --payer-column"):
        screen(source, tmp_path / "x.csv", service=two_payers, payer="all", lob_column="Plan")
    with pytest.raises(ValueError, match="give one of them"):
        screen(source, tmp_path / "x.csv", service=two_payers, payer="all", payer_column="Plan")
    with pytest.raises(ScopeError, match="loaded: Cigna / Commercial, Medicare / FFS"):
        screen(source, tmp_path / "x.csv", service=two_payers, payer="all", line_of_business="HMO")


def test_a_screened_file_with_payer_columns_is_not_screened_again(
    two_payers: Precert, tmp_path: Path
) -> None:
    source = tmp_path / "claims.csv"
    source.write_text(CLAIMS)
    once = tmp_path / "once.csv"
    screen(source, once, service=two_payers, payer="all")
    with pytest.raises(ReaderError, match="pa_status_cigna_commercial"):
        screen(once, tmp_path / "twice.csv", service=two_payers, payer="Cigna")


def test_the_command_line_without_a_payer_says_a_choice_is_needed(
    two_payers: Precert, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "claims.csv"
    source.write_text(CLAIMS)
    out = tmp_path / "o.csv"
    assert main(["batch", str(source), "-o", str(out)]) == 4
    err = capsys.readouterr().err
    assert "several payers / lines of business are loaded" in err
    assert "--payer NAME" in err and "--payer all" in err and "--payer-column" in err
    assert not out.exists()
    assert main(["batch", str(source), "-o", str(out), "--payer", "all", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["payers"] == ["Cigna / Commercial", "Medicare / FFS"]
    assert printed["answers"] == 14 and "pa_source_medicare_ffs" in printed["added_columns"]


@pytest.mark.spark
def test_spark_answers_every_payer_as_duckdb_does(two_payers: Precert, tmp_path: Path) -> None:
    options = {"payer": "all", "state_column": "Member state"}
    (duck, by_duck), (spark, by_spark) = both_engines(two_payers, tmp_path, ".parquet", **options)
    rows = pq.read_table(duck).to_pylist()
    assert rows == pq.read_table(spark).to_pylist()
    assert (by_duck.by_payer, by_duck.statuses) == (by_spark.by_payer, by_spark.statuses)
    assert "pa_status_medicare_ffs" in rows[0]


def test_rows_for_members_of_some_states_only_are_answered_for_each_rows_state(
    two_payers: Precert, tmp_path: Path
) -> None:
    # Medicare's Phase 1 osteogenesis stimulators: CA, FL, OH and PA only, from 2024-08-12.
    source = tmp_path / "claims.csv"
    source.write_text(
        "Claim,HCPCS,Plan,Member state,Date of service\n"
        "C1,E0748,Medicare,TX,2024-08-20\nC2,E0748,Medicare,CA,2024-08-20\n"
        "C3,E0748,Medicare,,2024-08-20\n"
    )
    out = tmp_path / "screened.csv"
    screen(
        source, out, service=two_payers, payer_column="Plan", state_column="Member state",
        date_column="Date of service",
    )  # fmt: skip
    rows = {r["Claim"]: r for r in read(out)}
    assert rows["C1"]["pa_status"] == "not_required"
    assert (rows["C2"]["pa_status"], rows["C2"]["pa_submit_to"]) == (
        "required",
        "Noridian Healthcare Solutions (Jurisdiction D)",
    )
    assert rows["C3"]["pa_status"] == "required"
    assert "depends on the member's state" in rows["C3"]["pa_warnings"]
