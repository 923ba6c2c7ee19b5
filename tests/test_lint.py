"""Lint of the real Cigna list and of derived copies: every finding with its line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from precert import Precert
from precert.cli import main
from precert.lint import KINDS, LintReport
from precert.linting import lint_file, lint_version
from precert.service import BUNDLED_LIST, DATA_DIR

LIST = "cigna-commercial-dme"
TODAY = dt.date(2026, 11, 27)


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def line_number(lines: list[str], code: str, width: int = 7) -> int:
    """1-based line of a code's row in the table with ``width`` columns."""
    for index, line in enumerate(lines, start=1):
        cells = line.split("\t")
        if len(cells) == width and code in cells[1:3]:
            return index
    raise KeyError(code)


def found(report: LintReport, kind: str) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in report.findings if f.kind == kind]


@pytest.fixture
def shipped(service: Precert) -> LintReport:
    return lint_version(service, LIST, date=TODAY)


def test_the_shipped_list_reports_its_known_problems(shipped: LintReport) -> None:
    assert (shipped.list_id, shipped.version, shipped.rows) == (LIST, "v1", 643)
    assert found(shipped, "cms-terminated") == [("E2300", 316), ("K0553", 378), ("K1001", 444)]
    messages = {f.code: f.message for f in shipped.findings if f.kind == "cms-terminated"}
    assert "CMS terminated K0553 on 2022-12-31, yet the list still includes it" in messages["K0553"]
    assert "2023-12-31" in messages["K1001"] and "2024-03-31" in messages["E2300"]
    assert [f.severity for f in shipped.findings if f.severity == "error"] == ["error"] * 3
    missing = {
        f.code: (f.line, f.message) for f in shipped.findings if f.kind == "category-missing"
    }
    assert missing["L2006"] == (
        499,
        'category is "#N/A": the list does not say what L2006 is filed under',
    )
    assert missing["K0553"][0] == 378 and '"0"' in missing["K0553"][1]
    assert [c for c, (_, m) in missing.items() if "blank" in m] == [
        "E0782",
        "E0783",
        "E0785",
        "E0786",
    ]
    assert found(shipped, "category-case") == [
        ("E0745", 245),
        ("E0764", 251),
        ("E0766", 252),
        ("E0770", 255),
    ]
    assert ("K1001", 444) in found(shipped, "category-generic")
    family = found(shipped, "category-family")
    assert ("L8033", 633) in family and ("E0738", 243) in family and ("A4563", 651) in family
    assert not any(code.startswith("L") and line > 644 for code, line in family)
    notes = found(shipped, "note-in-description")
    assert ("K0553", 378) in notes and ("A4239", 7) in notes and len(notes) == 6
    assert len(found(shipped, "several-tables")) == 39  # 39 codes stand in both tables, agreeing
    assert not found(shipped, "tables-disagree") and not found(shipped, "duplicate-row")
    assert not found(shipped, "cms-unknown")
    differs = {f.code: f.message for f in shipped.findings if f.kind == "description-differs"}
    assert "L1840" in differs and "short description" in differs["L1840"]
    assert shipped.failed("error") and shipped.failed("warning") and not shipped.failed("never")
    assert set(KINDS.values()) == {"error", "warning", "info"}


def test_lines_in_the_report_are_lines_of_the_document(shipped: LintReport) -> None:
    lines = lines_of(BUNDLED_LIST.read_text(encoding="utf-8"))
    for finding in shipped.findings:
        assert f"\t{finding.code}\t" in lines[finding.line - 1], finding


def test_terminations_are_judged_as_of_a_date(service: Precert) -> None:
    early = lint_version(service, LIST, date=dt.date(2022, 6, 1))
    assert found(early, "cms-terminated") == []
    assert [c for c, _ in found(early, "cms-terminating")] == ["E2300", "K0553", "K1001"]
    assert early.counts()["error"] == 0 and not early.failed("error")


def derived_copy(tmp_path: Path) -> tuple[Path, list[str]]:
    """The real list with a repeated row, a conflicting repeat, an unknown code and the
    two tables disagreeing on L1840."""
    lines = lines_of(BUNDLED_LIST.read_text(encoding="utf-8"))
    e0466 = line_number(lines, "E0466")
    row = lines[e0466 - 1]
    conflicting = row.replace("\tYes\t", "\tNo\t")
    unknown = row.replace("E0466", "E9999")
    lines[e0466:e0466] = [row, conflicting, unknown]
    l1840 = line_number(lines, "L1840", width=5)
    lines[l1840 - 1] = lines[l1840 - 1].replace("\tYes\t", "\tNo\t")
    path = tmp_path / "derived.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path, lines


def test_a_derived_file_reports_duplicates_unknown_codes_and_disagreeing_tables(
    service: Precert, tmp_path: Path
) -> None:
    path, lines = derived_copy(tmp_path)
    report = lint_file(service, path, date=TODAY)
    first = line_number(lines, "E0466")
    assert found(report, "duplicate-row") == [("E0466", first + 1)]
    assert found(report, "duplicate-conflict") == [("E0466", first + 2)]
    conflict = next(f for f in report.findings if f.kind == "duplicate-conflict")
    assert (
        f"first on line {first}" in conflict.message and "Prior Authorization" in conflict.message
    )
    assert found(report, "cms-unknown") == [("E9999", first + 3)]
    assert found(report, "tables-disagree") == [("L1840", line_number(lines, "L1840", width=5))]
    disagree = next(f for f in report.findings if f.kind == "tables-disagree")
    assert disagree.table == 2 and '"Yes"' in disagree.message and '"No"' in disagree.message
    assert report.counts()["error"] == 6  # 3 terminated, unknown, conflict, disagreement
    # Nothing was imported by linting a file.
    assert [v.version for v in service.versions(LIST)] == ["v1"]
    # The same file once imported gives the same findings.
    service.import_list(path, effective=dt.date(2027, 1, 1), list_id="cigna-commercial-dme")
    imported = lint_version(service, LIST, date=TODAY)
    assert imported.version == "v2"
    assert [f.to_dict() for f in imported.findings] == [f.to_dict() for f in report.findings]
    assert lint_version(service, LIST, "v1", date=TODAY).counts()["error"] == 3


def test_lint_command_json_and_exit_codes(
    service: Precert, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", LIST, "--json", "--date", "2026-11-27"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["counts"]["error"] == 3
    keys = {"code", "line", "kind", "severity", "message"}
    assert all(keys <= set(f) for f in payload["findings"])
    assert {
        "code": "L2006",
        "line": 499,
        "kind": "category-missing",
        "severity": "warning",
        "message": 'category is "#N/A": the list does not say what L2006 is filed under',
        "table": 1,
        "page": 29,
    } in payload["findings"]
    assert main(["lint", LIST, "--fail-on", "never", "--json"]) == 0
    capsys.readouterr()
    assert main(["lint", LIST, "--date", "2022-06-01", "--json"]) == 0  # warnings only
    capsys.readouterr()
    assert main(["lint", LIST, "--date", "2022-06-01", "--fail-on", "warning", "--json"]) == 1
    capsys.readouterr()
    assert (
        main(["lint", LIST, "--severity", "error", "--format", "plain", "--date", "2026-11-27"])
        == 1
    )
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[3] for line in out[1:4]] == ["E2300", "K0553", "K1001"]
    assert "3 error(s), 26 warning(s)" in out[-1] and "not shown" in out[-1]
    path, _ = derived_copy(tmp_path)
    assert main(["lint", str(path), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["counts"]["error"] == 6


def test_lint_command_on_bad_input(
    service: Precert, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", "no-such-list"]) == 3
    err = capsys.readouterr().err
    assert "no such file, and no loaded list has this id" in err and LIST in err
    bad = tmp_path / "bad.txt"
    bad.write_text("**Cigna Commercial**\n**List: DME**\nnot a header\n", encoding="utf-8")
    assert main(["lint", str(bad)]) == 3
    assert "bad.txt:3" in capsys.readouterr().err
    assert main(["lint", LIST, "--version", "v7"]) == 2
    assert "has no version 'v7'" in capsys.readouterr().err
    assert main(["lint", str(BUNDLED_LIST), "--version", "v1"]) == 2


def test_rows_of_one_code_dated_differently_are_not_repeats(service: Precert) -> None:
    # CGS's June 2024 notice lists E0747, E0748 and E0760 twice in its table 2: Phase 1 from
    # August 12 and Phase 2 from November 12, 2024. Two dated rows, not a repeated code.
    notice = lint_version(service, "medicare-dmepos-pa", "v1", date=TODAY)
    assert not [f for f in notice.findings if f.kind.startswith("duplicate")]
    assert notice.counts()["error"] == 0


MEDICAID_PROFILE = """
[list]
id = "acme-medicaid-dme"
payer = "Acme Health"
line_of_business = "Medicaid"
program = "DME"
scope = ["E", "K", "L", "S", "T"]    # Medicaid grids list state-program S and T codes

[[tables]]
header = ["HCPCS", "Description"]
[tables.columns]
code = "HCPCS"
description = "Description"

[status]
listed = "required"
"""


def test_lint_knows_the_lists_own_scope(service: Precert, tmp_path: Path) -> None:
    # A Medicaid plan's grid made of real codes: CMS's current S and T codes (temporary
    # national codes Medicaid programs use), Cigna's E and K rows, and one A code the plan's
    # declared scope does not cover.
    cms = service.store.hcpcs()
    temporary = [c for c in sorted(cms) if c[0] in "ST" and cms[c].terminated is None][::25]
    assert len(temporary) >= 20 and {c[0] for c in temporary} == {"S", "T"}
    rows = [(c, cms[c].long_description) for c in temporary]
    rows += [(c, cms[c].long_description) for c in ("E0466", "K0856", "A4239")]
    grid = tmp_path / "acme-medicaid-grid.csv"
    grid.write_text(
        "HCPCS,Description\n" + "".join(f'{c},"{d}"\n' for c, d in rows), encoding="utf-8"
    )
    profile = tmp_path / "acme-medicaid.toml"
    profile.write_text(MEDICAID_PROFILE, encoding="utf-8")
    a4239_line = len(rows) + 1
    from_file = lint_file(service, grid, profile=profile, date=TODAY)
    assert found(from_file, "outside-scope") == [("A4239", a4239_line)]
    message = next(f.message for f in from_file.findings if f.kind == "outside-scope")
    assert "outside the codes this list covers (E, K, L, S, T)" in message
    assert not [f for f in from_file.findings if f.severity == "error"]
    # Imported, the list keeps its scope: the same finding, and nothing about its S/T codes.
    service.import_list(grid, profile=profile)
    imported = lint_version(service, "acme-medicaid-dme", date=TODAY)
    assert found(imported, "outside-scope") == [("A4239", a4239_line)]
    # A list that declares no scope lists whatever it lists.
    undeclared = tmp_path / "undeclared.toml"
    undeclared.write_text(MEDICAID_PROFILE.replace('scope = ["E", "K", "L", "S", "T"]', ""))
    assert not found(lint_file(service, grid, profile=undeclared, date=TODAY), "outside-scope")
    # Medicare's list is exhaustive for DMEPOS codes: that is its scope, and it keeps to it.
    medicare = lint_version(service, "medicare-dmepos-pa", date=TODAY)
    assert not found(medicare, "outside-scope")
    orthoses = DATA_DIR / "medicare" / "noridian-jd-orthoses-2026.tsv"
    stray = tmp_path / "orthoses-with-a-stray-row.tsv"
    stray.write_text(
        orthoses.read_text(encoding="utf-8") + f"{temporary[0]}\tApril 13, 2026\tOrthoses\n",
        encoding="utf-8",
    )
    derived = lint_file(service, stray, profile="medicare-dmepos-orthoses-2026", date=TODAY)
    assert found(derived, "outside-scope") == [(temporary[0], 7)]
    assert main(["lint", str(grid), "--profile", str(profile), "--json"]) == 0
    assert main(["lint", str(grid), "--profile", str(tmp_path / "nope.toml")]) == 3
    assert main(["lint", "acme-medicaid-dme", "--profile", str(profile)]) == 2
