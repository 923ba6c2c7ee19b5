"""`precert profile draft` in a real process: the guesses on real files, and a draft that,
once its TODO lines are filled in, reads the file it was drafted from."""

from __future__ import annotations

import csv
import json
import subprocess
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from precert.service import BUNDLED_LIST, DATA_DIR

Run = Callable[..., subprocess.CompletedProcess[str]]  # the `precert` fixture (conftest.py)
Rows = list[tuple[str, str, str]]
ORTHOSES = DATA_DIR / "medicare" / "noridian-jd-orthoses-2026.tsv"
IDENTITY = {
    'id = ""': 'id = "acme-dme"',
    'payer = ""': 'payer = "Acme Health"',
    'line_of_business = ""': 'line_of_business = "Commercial"',
    'program = ""': 'program = "DME"',
}


def fill_in(draft: str) -> str:
    """What a user does with a draft: say whose list it is."""
    for todo, value in IDENTITY.items():
        assert todo in draft, todo
        draft = draft.replace(todo, value)
    return draft


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([header, *rows])
    return path


def test_a_bare_grid_of_codes_drafts_listed_required(
    precert: Run, tmp_path: Path, cigna_rows: Rows
) -> None:
    # A plan's page: the codes that require PA, under a heading, with descriptions.
    required = [[c, d] for c, d, s in cigna_rows if s == "Yes"][:60]
    grid = write_csv(tmp_path / "plan-pa-codes.csv", ["HCPCS", "Description"], required)
    result = precert("profile", "draft", str(grid))
    assert result.returncode == 0, result.stderr
    draft = result.stdout
    data = tomllib.loads(draft)
    assert data["tables"][0]["header"] == ["HCPCS", "Description"]
    assert data["tables"][0]["columns"] == {"code": "HCPCS", "description": "Description"}
    assert data["status"] == {"listed": "required"} and data["read"] == {"format": "csv"}
    assert "60 of 60 cells are codes" in draft
    # As drafted, the list's identity is empty: import refuses it, naming the key to fill in.
    profile = tmp_path / "plan.toml"
    profile.write_text(draft)
    refused = precert("import", str(grid), "--profile", str(profile), "--dry-run")
    assert refused.returncode == 3, refused.stderr
    assert "list.id: is required" in refused.stderr and "TODO" in refused.stderr
    profile.write_text(fill_in(draft))
    read = precert("import", str(grid), "--profile", str(profile), "--dry-run", "--json")
    assert read.returncode == 0, read.stderr
    rows = json.loads(read.stdout)["rows"]
    assert [r["codes"][0]["code"] for r in rows] == [c for c, _ in required]
    assert {c["status"] for r in rows for c in r["codes"]} == {"required"}


def test_a_grid_of_x_marks_drafts_the_marks_column_and_its_values(
    precert: Run, tmp_path: Path, cigna_rows: Rows
) -> None:
    # A Medicaid plan's grid: one column of marks per plan, "X" where PA is required.
    marks = {"Yes": "X", "No": "", "Out Of Scope": ""}
    rows = [[c, d, "X", marks[s]] for c, d, s in cigna_rows[:80]]
    grid = write_csv(tmp_path / "plan-grid.csv", ["Code", "Description", "QUEST", "CCS"], rows)
    out = tmp_path / "plan-grid.toml"
    result = precert("profile", "draft", str(grid), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert f"--profile {out} --dry-run" in result.stderr
    draft = out.read_text()
    data = tomllib.loads(draft)
    assert data["tables"][0]["columns"]["status"] == "QUEST"
    assert data["status"]["values"] == {"X": "required"}
    assert '"X" x80' in draft
    assert '# "CCS": not used' in draft
    again = precert("profile", "draft", str(grid), "-o", str(out))
    assert again.returncode == 2 and "--force" in again.stderr
    assert precert("profile", "draft", str(grid), "-o", str(out), "--force").returncode == 0


def test_medicares_orthoses_table_drafts_its_effective_dates(precert: Run, tmp_path: Path) -> None:
    result = precert("profile", "draft", str(ORTHOSES))
    assert result.returncode == 0, result.stderr
    data = tomllib.loads(result.stdout)
    assert data["read"] == {"format": "tsv"}
    columns = data["tables"][0]["columns"]
    assert columns == {"code": "HCPCS", "category": "Program", "effective": "EFFECTIVE DATE"}
    profile = tmp_path / "orthoses.toml"
    profile.write_text(fill_in(result.stdout))
    read = precert("import", str(ORTHOSES), "--profile", str(profile), "--dry-run", "--json")
    assert read.returncode == 0, read.stderr
    codes = [c for r in json.loads(read.stdout)["rows"] for c in r["codes"]]
    assert [c["code"] for c in codes] == ["L0651", "L1844", "L1846", "L1852", "L1932"]
    assert {(c["status"], c["effective"]) for c in codes} == {("required", "2026-04-13")}


def test_cignas_text_layout_drafts_both_tables_and_every_status_with_counts(
    precert: Run, tmp_path: Path, cigna_rows: Rows
) -> None:
    result = precert("profile", "draft", str(BUNDLED_LIST))
    assert result.returncode == 0, result.stderr
    draft = result.stdout
    data = tomllib.loads(draft)
    assert data["read"] == {"format": "text"}
    first, second = data["tables"]
    assert first["columns"]["code"] == second["columns"]["code"] == "CPT® Code"
    assert first["columns"]["status"] == "Commercial Prior Authorization Required?"
    assert first["columns"]["category"] == "Category" and first["columns"]["product"] == "Product"
    assert first["columns"]["notes"] == ["External Notation"]
    assert data["status"]["values"] == {
        "Yes": "required",
        "No": "not_required",
        "Out Of Scope": "out_of_scope",
    }
    published = Counter(s for _, _, s in cigna_rows)
    for value, count in published.items():
        assert f'"{value}" = ' in draft and f"# x{count}" in draft
    profile = tmp_path / "cigna-draft.toml"
    profile.write_text(fill_in(draft))
    read = precert("import", str(BUNDLED_LIST), "--profile", str(profile), "--dry-run", "--json")
    assert read.returncode == 0, read.stderr
    codes = [c for r in json.loads(read.stdout)["rows"] for c in r["codes"]]
    words = {"Yes": "required", "No": "not_required", "Out Of Scope": "out_of_scope"}
    assert [(c["code"], c["status"]) for c in codes] == [(c, words[s]) for c, _, s in cigna_rows]


def test_a_file_without_codes_is_a_clear_error(precert: Run, tmp_path: Path) -> None:
    orders = write_csv(tmp_path / "orders.csv", ["order", "member"], [["1", "M-10017"]])
    result = precert("profile", "draft", str(orders))
    assert result.returncode == 3
    assert "orders.csv" in result.stderr and "HCPCS code" in result.stderr
    assert "Traceback" not in result.stderr
    missing = precert("profile", "draft", str(tmp_path / "nope.csv"))
    assert missing.returncode == 3 and "nope.csv" in missing.stderr
    group = precert("profile")
    assert group.returncode == 2 and "precert profile draft" in group.stderr


def test_a_workbook_drafts_like_its_csv(precert: Run, tmp_path: Path, cigna_rows: Rows) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "DME PA list"
    sheet.append(["Acme Health Medicaid: DME codes requiring prior authorization"])
    sheet.append(["HCPCS Code", "Item", "PA Required"])
    rows = cigna_rows[:50]
    for code, description, status in rows:
        sheet.append([code, description, {"Yes": "Y", "No": "N"}.get(status, "N/A")])
    path = tmp_path / "acme-medicaid-dme.xlsx"
    book.save(path)
    result = precert("profile", "draft", str(path))
    assert result.returncode == 0, result.stderr
    data = tomllib.loads(result.stdout)
    assert data["read"] == {"format": "xlsx"}
    assert data["tables"][0]["header"] == ["HCPCS Code", "Item", "PA Required"]
    columns = data["tables"][0]["columns"]
    assert (columns["code"], columns["status"], columns["description"]) == (
        "HCPCS Code",
        "PA Required",
        "Item",
    )
    assert data["status"]["values"] == {"Y": "required", "N": "not_required"}
    assert '# "N/A" = ""' in result.stdout and "TODO" in result.stdout  # unknown: the user says
