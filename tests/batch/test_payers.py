"""Batch screening where each row names its own payer (and the member's state), with Cigna's
and Medicare's real lists loaded: every row answered from its own payer's list, the summary
and the report broken down by payer."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import precert
from precert.batch import screen
from precert.cli import main
from precert.service import Precert

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
    assert summary.by_payer["Medicare"]["required"] == 2
    assert summary.by_payer["Medicare"]["not_required"] == 1
    assert summary.by_payer["Cigna"]["required"] == 2
    assert summary.by_payer["Aetna"]["invalid"] == 1
    assert summary.no_code["unknown_payer"] == 2
    assert "By payer:" in summary.text() and "Medicare: 3 rows" in summary.text()
    page = report.read_text()
    assert "<h2>Answers by payer</h2>" in page and "<td>Medicare</td>" in page


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
    assert '"by_payer"' in printed and '"Medicare"' in printed
    missing = main(["batch", str(source), "-o", str(out), "--payer-column", "Insurer"])
    assert missing == 3
    assert "no payer column 'Insurer'" in capsys.readouterr().err


@pytest.mark.spark
def test_spark_answers_each_row_for_its_payer_as_duckdb_does(
    two_payers: Precert, tmp_path: Path
) -> None:
    source = tmp_path / "claims.csv"
    source.write_text(CLAIMS)
    outputs = []
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"{engine}.csv"
        extra = {"spark_master": "local[2]", "spark_config": SPARK} if engine == "spark" else {}
        summary = screen(
            source,
            out,
            engine=engine,
            service=two_payers,
            payer_column="Plan",
            state_column="Member state",
            **extra,  # type: ignore[arg-type]
        )
        outputs.append((read(out), summary.by_payer))
    assert outputs[0] == outputs[1]
