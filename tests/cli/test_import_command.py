"""`precert import` in a real process: which list a file becomes, errors, exit codes."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from precert.service import BUNDLED_LIST, DATA_DIR
from precert.store import Store

Run = Callable[..., subprocess.CompletedProcess[str]]  # the `precert` fixture (conftest.py)
Rows = list[tuple[str, str, str]]
TABLE_2025 = DATA_DIR / "medicare" / "cgs-jc-pa-table-2025.tsv"


def dump(home: Path) -> list[str]:
    store = Store.open(home / "precert.db", create=False)
    try:
        return store.dump()
    finally:
        store.close()


def cigna_versions(precert: Run) -> list[str]:
    lists = json.loads(precert("lists", "--json").stdout)["lists"]
    cigna = next(i for i in lists if i["list"] == "cigna-commercial-dme")
    return [v["version"] for v in cigna["versions"]]


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
    assert cigna_versions(precert) == ["v1"]


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


def test_a_file_whose_payer_differs_from_the_lists_is_refused(
    precert: Run, home: Path, tmp_path: Path, cigna_rows: Rows
) -> None:
    grid = write_csv(tmp_path / "plan.csv", ["HCPCS"], [[c] for c, _, _ in cigna_rows[:30]])
    before = dump(home)
    options = precert(
        "import", str(grid), "--payer", "Acme Health", "--lob", "Commercial",
        "--list", "cigna-commercial-dme", "--code-column", "HCPCS", "--listed-means", "required",
    )  # fmt: skip
    assert options.returncode == 4  # refused input: the payer / list scope exit, not usage
    assert "belongs to payer 'Cigna', not 'Acme Health'" in options.stderr
    profile = precert(
        "import", str(TABLE_2025), "--profile", "medicare-dmepos-cgs-table",
        "--list", "cigna-commercial-dme",
    )  # fmt: skip
    assert profile.returncode == 4
    assert "belongs to payer 'Cigna', not 'Medicare'" in profile.stderr
    preview = precert(
        "import", str(TABLE_2025), "--profile", "medicare-dmepos-cgs-table",
        "--list", "cigna-commercial-dme", "--dry-run",
    )  # fmt: skip
    assert preview.returncode == 4
    assert (
        "an import would be refused: list cigna-commercial-dme belongs to payer 'Cigna', not "
        "'Medicare'" in preview.stdout
    )
    assert "Traceback" not in options.stderr + profile.stderr
    assert dump(home) == before
    assert cigna_versions(precert) == ["v1"]


# -- reading a file without importing it (--dry-run) ------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([header, *rows])
    return path


def codes_of(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [c for row in json.loads(result.stdout)["rows"] for c in row["codes"]]


ACME = ("--payer", "Acme Health", "--lob", "Commercial", "--list", "acme-dme")


def test_a_bare_grid_of_codes_reads_with_listed_means_required(
    precert: Run, home: Path, tmp_path: Path, cigna_rows: Rows
) -> None:
    required = [[c, d] for c, d, s in cigna_rows if s == "Yes"]
    grid = write_csv(tmp_path / "plan-pa-codes.csv", ["HCPCS", "Description"], required)
    before = dump(home)
    args = ("import", str(grid), *ACME, "--code-column", "HCPCS", "--listed-means", "required")
    args += ("--description-column", "Description")
    result = precert(*args, "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    assert dump(home) == before
    codes = codes_of(result)
    assert [c["code"] for c in codes] == [c for c, _ in required]
    assert {c["status"] for c in codes} == {"required"}
    assert codes[0]["description"] == required[0][1]
    plain = precert(*args, "--dry-run")
    assert plain.returncode == 0
    assert f"plan-pa-codes.csv:2 (table 1)\n  {required[0][0]}  required" in plain.stdout
    assert f"{len(required)} rows read as {len(required)} codes (required {len(required)})" in (
        plain.stdout
    )
    assert "nothing was imported" in plain.stdout
    assert plain.stdout.endswith("an import would make a new list acme-dme\n")
    assert json.loads(precert(*args, "--dry-run", "--json").stdout)["import"] == (
        "an import would make a new list acme-dme"
    )
    assert dump(home) == before


def test_a_grid_of_x_marks_reads_with_a_status_map(
    precert: Run, home: Path, tmp_path: Path, cigna_rows: Rows
) -> None:
    marks = {"Yes": "X", "No": "", "Out Of Scope": ""}
    rows = [[c, d, "X", marks[s]] for c, d, s in cigna_rows[:120]]
    grid = write_csv(tmp_path / "plan-grid.csv", ["Code", "Description", "QUEST", "CCS"], rows)
    before = dump(home)
    base = ("import", str(grid), *ACME, "--code-column", "Code", "--dry-run", "--json")
    quest = precert(*base, "--status-column", "QUEST", "--status-map", "X=required")
    assert quest.returncode == 0, quest.stderr
    assert [(c["code"], c["status"], c["status_raw"]) for c in codes_of(quest)] == [
        (r[0], "required", "X") for r in rows
    ]
    # Blank cells in a column of marks: the error says what to do, naming file and line.
    ccs = precert(*base, "--status-column", "CCS", "--status-map", "X=required")
    assert ccs.returncode == 3
    errors = json.loads(ccs.stdout)["errors"]
    blank = next(i for i, r in enumerate(rows) if not r[3])
    assert errors[0]["file"] == "plan-grid.csv" and errors[0]["line"] == blank + 2
    assert "--listed-means" in errors[0]["message"]
    unmarked = precert(
        *base, "--status-column", "CCS", "--status-map", "X=required", "--listed-means",
        "not_listed",
    )  # fmt: skip
    assert unmarked.returncode == 0, unmarked.stdout
    expected = {r[0]: "required" if r[3] else "not_listed" for r in rows}
    assert {c["code"]: c["status"] for c in codes_of(unmarked)} == expected
    assert dump(home) == before


def test_a_grid_listing_codes_twice_gives_one_entry_citing_both_lines(
    precert: Run, home: Path, tmp_path: Path, cigna_rows: Rows
) -> None:
    # As BCBS SC's grid lists K0898 and L1970 twice: real rows, K0898 repeated as it stands,
    # L1970 repeated with the other mark (a conflict the answer must not hide).
    marked = {c: [c, d, "X" if s == "Yes" else "N"] for c, d, s in cigna_rows}
    rows = [marked[c] for c, _, _ in cigna_rows[:40]]
    k0898, l1970 = marked["K0898"], marked["L1970"]
    assert (k0898[2], l1970[2]) == ("X", "N")  # Cigna: Yes, and Out Of Scope
    rows[10:10] = [k0898, l1970]
    rows += [k0898, [l1970[0], l1970[1], "X"]]
    grid = write_csv(tmp_path / "bcbs-grid.csv", ["HCPCS", "Description", "PA"], rows)
    args = ("import", str(grid), *ACME, "--code-column", "HCPCS", "--status-column", "PA")
    args += ("--status-map", "X=required", "N=not_required", "--description-column", "Description")
    first_k, first_l, last_k, last_l = 12, 13, len(rows), len(rows) + 1  # lines (header is 1)
    preview = precert(*args, "--dry-run")
    assert preview.returncode == 0, preview.stderr
    assert (
        f"K0898 repeats line {first_k} of table 1: one entry, an answer cites both lines"
        in preview.stdout
    )
    assert (
        f"L1970 conflicts with line {first_l} of table 1, which reads not_required ('N'): an "
        "answer gives the most restrictive and reports the conflict" in preview.stdout
    )
    assert "codes listed twice in a table: 1 repeat(s), 1 conflict(s)" in preview.stdout
    listed = precert(*args, "--dry-run", "--json")
    repeats = [c["repeats"] for c in codes_of(listed) if c["repeats"]]
    assert len(repeats) == 2 and json.loads(listed.stdout)["repeats"] == {
        "repeats": 1,
        "conflicts": 1,
    }
    assert precert(*args).returncode == 0
    answers = json.loads(
        precert("check", "K0898", "L1970", "--payer", "Acme Health", "--json").stdout
    )["determinations"]
    assert [a["code"] for a in answers] == ["K0898", "L1970"]  # one answer each
    same, conflict = answers
    assert same["status"] == "required" and not same["conflict"] and not same["warnings"]
    assert [s["line"] for s in same["sources"]] == [first_k, last_k]
    assert conflict["status"] == "required" and conflict["conflict"]
    assert [s["line"] for s in conflict["sources"]] == [first_l, last_l]
    assert any("disagree" in w and f"line {first_l}" in w for w in conflict["warnings"])
    lint = json.loads(precert("lint", "acme-dme", "--json").stdout)["findings"]
    twice = {(f["code"], f["line"], f["kind"]) for f in lint if f["kind"].startswith("duplicate")}
    assert twice == {("K0898", last_k, "duplicate-row"), ("L1970", last_l, "duplicate-conflict")}


def test_contact_option_is_where_requests_go_and_bad_ones_are_usage_errors(
    precert: Run, tmp_path: Path, cigna_rows: Rows
) -> None:
    grid = write_csv(tmp_path / "plan.csv", ["HCPCS"], [[c] for c, _, _ in cigna_rows[:5]])
    base = ("import", str(grid), *ACME, "--code-column", "HCPCS", "--listed-means", "required")
    contact = "Acme Utilization Management; phone 800-555-0134; option 5; fax 800-555-0135"
    result = precert(*base, "--contact", contact + "; url https://acme.example/pa", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert (
        "submit to: Acme Utilization Management, phone 800-555-0134 option 5, fax 800-555-0135"
        in result.stdout
    )
    for bad, said in (
        ("", "NAME; phone"),
        ("Acme; telephone 800-555-0134", "'telephone 800-555-0134'"),
        ("Acme; fax", "'fax'"),
        ("phone 800-555-0134; Acme", "the name comes first"),
        ("Acme; phone 800-555-01x4", "is not a phone number"),
        ("Acme; fax 12", "is not a phone number"),
        ("Acme; option five", "is not a menu option number"),
        ("Acme; url acme.example/pa", "is not a web address"),
        ("Acme; phone 800-555-0134; phone 800-555-0135", "phone is given twice"),
    ):
        refused = precert(*base, "--contact", bad, "--dry-run")
        assert refused.returncode == 2, (bad, refused.stderr)
        assert "--contact" in refused.stderr and said in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr


def test_an_unknown_published_value_names_it_and_the_option_to_map_it(
    precert: Run, tmp_path: Path, cigna_rows: Rows
) -> None:
    rows = [[c, "PAR" if s == "Yes" else "X"] for c, _, s in cigna_rows[:40]]
    grid = write_csv(tmp_path / "plan.csv", ["Code", "Auth"], rows)
    result = precert(
        "import", str(grid), *ACME, "--code-column", "Code", "--status-column", "Auth",
        "--status-map", "X=required", "--dry-run",
    )  # fmt: skip
    assert result.returncode == 3
    assert "unknown status 'PAR'" in result.stdout and "--status-map 'PAR=STATUS'" in result.stdout
    first = next(i for i, r in enumerate(rows) if r[1] == "PAR")
    assert f"plan.csv:{first + 2}: " in result.stdout


def test_medicares_table_dry_run_shows_ranges_dates_removals_and_qualifiers(
    precert: Run, home: Path
) -> None:
    before = dump(home)
    result = precert(
        "import", str(TABLE_2025), "--profile", "medicare-dmepos-cgs-table", "--dry-run", "--json"
    )
    assert result.returncode == 0, result.stderr
    assert dump(home) == before
    report = json.loads(result.stdout)
    assert report["list"]["id"] == "medicare-dmepos-pa" and report["errors"] == []
    by_code = {c["code"]: c for c in codes_of(result)}
    assert by_code["K0814"]["published"] == "K0813-K0816"
    assert (by_code["L0631"]["status"], by_code["L0631"]["effective"]) == ("required", "2024-08-12")
    assert by_code["L1833"]["removed"] and by_code["L1833"]["end"] == "2024-08-12"
    assert (by_code["E0950"]["status"], by_code["E0950"]["qualifier"]) == (
        "not_required",
        "voluntary",
    )
    assert "K0817" not in by_code  # the voluntary clause names the base K0813-K0829, not a list
    plain = precert(
        "import", str(TABLE_2025), "--profile", "medicare-dmepos-cgs-table", "--dry-run"
    )
    assert "K0814  required" in plain.stdout and "published as 'K0813-K0816'" in plain.stdout
    assert "E0950  not_required/voluntary" in plain.stdout
    assert "cgs-jc-pa-table-2025.tsv:3 (table 1)" in plain.stdout


def test_a_dry_run_lists_every_line_it_cannot_read_and_exits_3(
    precert: Run, home: Path, tmp_path: Path
) -> None:
    lines = TABLE_2025.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("L5856, L5857", "L5856, L5857-L5801")  # a range running backwards
    lines[4] = lines[4].replace("E0193", "E0193-E9999")  # a range of thousands of codes
    broken = tmp_path / "cgs-table-broken.tsv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = dump(home)
    result = precert("import", str(broken), "--profile", "medicare-dmepos-cgs-table", "--dry-run")
    assert result.returncode == 3
    assert dump(home) == before
    errors = result.stdout.split("could not read:\n", 1)[1].splitlines()
    assert errors[0].startswith("  cgs-table-broken.tsv:2: ")
    assert errors[1].startswith("  cgs-table-broken.tsv:5: ")
    assert "L0648  required" in result.stdout  # the rows that read are still shown
    assert "2 line(s) could not be read" in result.stdout
    as_json = precert(
        "import", str(broken), "--profile", "medicare-dmepos-cgs-table", "--dry-run", "--json"
    )
    assert as_json.returncode == 3
    assert [e["line"] for e in json.loads(as_json.stdout)["errors"]] == [2, 5]


def test_cignas_text_with_its_list_id_reads_through_its_bundled_profile(precert: Run) -> None:
    result = precert("import", str(BUNDLED_LIST), "--list", "cigna-commercial-dme", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "read with cigna-commercial-dme.toml as list cigna-commercial-dme" in result.stdout
    assert "643 rows read as 643 codes" in result.stdout
    assert "an import would add version v2 of list cigna-commercial-dme" in result.stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--status-column", "QUEST"), "needs --code-column"),
        (("--profile", "cigna-commercial-dme", "--code-column", "HCPCS"), "either --profile"),
        (("--code-column", "HCPCS", "--payer", "Acme", "--lob", "Commercial"), "--list"),
        (("--code-column", "HCPCS", *ACME, "--status-map", "X"), "VALUE=STATUS"),
        (("--code-column", "HCPCS", *ACME, "--listed-means", "maybe"), "invalid choice"),
        (("--list", "acme-dme"), "no title rows naming the payer"),
        (("--json",), "--json goes with --dry-run"),
    ],
)
def test_options_that_do_not_say_how_the_file_reads_are_usage_errors(
    precert: Run, home: Path, tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    grid = write_csv(tmp_path / "plan.csv", ["HCPCS"], [["E0466"]])
    before = dump(home)
    result = precert("import", str(grid), *args)
    assert result.returncode == 2, result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr
    assert dump(home) == before


def test_an_unknown_profile_names_the_bundled_ones_exit_3(precert: Run, tmp_path: Path) -> None:
    result = precert("import", str(TABLE_2025), "--profile", "medicare-dme", "--dry-run")
    assert result.returncode == 3
    assert "medicare-dmepos-cgs-table" in result.stderr and "Traceback" not in result.stderr


# -- the same table as a web page and as a PDF (fixtures rebuilt from the real rows) -----------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lists"


def load_builder() -> Any:
    """tests/fixtures/lists/build_fixtures.py, the module that lays real rows out as a PDF."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_fixtures", FIXTURES / "build_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("suffix", ["html", "pdf"])
def test_the_web_page_and_the_pdf_read_as_the_tsv_does(precert: Run, suffix: str) -> None:
    published = FIXTURES / f"cgs-jc-pa-table-2025.{suffix}"
    args = ("--profile", "medicare-dmepos-cgs-table", "--dry-run", "--json")
    tsv = codes_of(precert("import", str(TABLE_2025), *args))
    result = precert("import", str(published), *args)
    assert result.returncode == 0, result.stderr
    codes = codes_of(result)
    keys = ("code", "status", "qualifier", "effective", "end", "published")
    assert [tuple(c[k] for k in keys) for c in codes] == [tuple(c[k] for k in keys) for c in tsv]
    rows = json.loads(result.stdout)["rows"]
    if suffix == "pdf":
        assert [r["page"] for r in rows] == sorted(r["page"] for r in rows)
        assert rows[-1]["page"] == 2  # the table runs onto a second page
        plain = precert("import", str(published), *args[:-1])
        assert "cgs-jc-pa-table-2025.pdf, page 1, line " in plain.stdout
    else:
        assert all(r["page"] is None for r in rows)


def test_a_pdf_row_that_cannot_be_read_is_named_by_page_and_line(
    precert: Run, home: Path, tmp_path: Path
) -> None:
    builder = load_builder()
    rows = builder.tsv(TABLE_2025)
    rows[4][1] = rows[4][1].replace("E0193", "E0193-E9999")  # a range of thousands of codes
    pdf = builder.new_pdf("DMEPOS Required Prior Authorization List", (148, 210))
    pdf.set_font("Helvetica", size=11)
    builder.pdf_table(pdf, rows, (26, 52, 26, 24))
    broken = tmp_path / "cgs-table-broken.pdf"
    pdf.output(str(broken))
    before = dump(home)
    result = precert("import", str(broken), "--profile", "medicare-dmepos-cgs-table", "--dry-run")
    assert result.returncode == 3, result.stderr
    errors = result.stdout.split("could not read:\n", 1)[1].splitlines()
    assert re.match(r"  cgs-table-broken\.pdf, page 2, line \d+: .*E0193", errors[0]), errors[0]
    assert "L5856  required" in result.stdout
    assert dump(home) == before
    draft = precert("profile", "draft", str(FIXTURES / "cgs-jc-pa-table-2025.pdf"))
    assert draft.returncode == 0, draft.stderr
    assert 'code = "HCPCS Codes"' in draft.stdout and 'format = "pdf"' in draft.stdout


def test_a_dry_run_shows_the_states_a_row_is_for(precert: Run) -> None:
    # The June 2024 notice: Phase 1 osteogenesis stimulators are for CA, FL, OH and PA only.
    news = DATA_DIR / "medicare" / "cgs-jc-news-2024-06-20.tsv"
    args = ("import", str(news), "--profile", "medicare-dmepos-cgs-news", "--dry-run")
    plain = precert(*args)
    assert plain.returncode == 0, plain.stderr
    phase_one = plain.stdout.split("cgs-jc-news-2024-06-20.tsv:8 ")[1].split("\n\n")[0]
    assert "only for members in: CA, FL, OH, PA" in phase_one
    assert plain.stdout.count("only for members in:") == 1
    codes = codes_of(precert(*args, "--json"))
    assert {c["code"] for c in codes if c["states"] == ["CA", "FL", "OH", "PA"]} == {
        "E0747", "E0748", "E0760",
    }  # fmt: skip
