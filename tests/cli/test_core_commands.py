"""The `precert` command line in a real process: tables, JSON, exit codes, errors, help."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from precert.service import BUNDLED_LIST

PRECERT = Path(sys.executable).with_name("precert")


def run(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRECERT_HOME": str(home), "COLUMNS": "120"}
    return subprocess.run(
        [str(PRECERT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_check_prints_a_readable_table_and_exit_1_for_a_non_code(home: Path) -> None:
    result = run(home, "check", "E0466", "k0856-rr", "A4239", "E0100", "XYZ")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    for text in (
        "REQUIRED",
        "OUTSIDE THIS PROGRAM",
        "NOT ON THE LIST",
        "NOT A CODE",
        "eviCore",
        "phone 888-454-0013",
        "fax 877-730-3858",
        "Modifier RR means rental",
        "table 1, page 9, line 169",
    ):
        assert text in out, text
    assert "Traceback" not in result.stderr


def test_check_json_uses_the_contract_and_exit_0(home: Path) -> None:
    result = run(home, "check", "--json", "E0466, K0856 NU", "--payer", "Cigna")
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)["determinations"]
    assert [a["code"] for a in answers] == ["E0466", "K0856"]
    assert answers[1]["modifiers"] == ["NU"]
    assert answers[0]["sources"][0]["line"] == 169


def test_check_rich_table_and_stdin(home: Path) -> None:
    rich = run(home, "check", "--format", "table", "E0466")
    assert rich.returncode == 0 and "┃" in rich.stdout and "Required" in rich.stdout
    piped = run(home, "check", "--json", "-", stdin="E0466\nL5856-LT\n\n")
    # No payer named: each code is answered once per payer loaded (Cigna, Medicare).
    assert [(a["code"], a["payer"]) for a in json.loads(piped.stdout)["determinations"]] == [
        ("E0466", "Cigna"),
        ("E0466", "Medicare"),
        ("L5856", "Cigna"),
        ("L5856", "Medicare"),
    ]
    # A list saved by Notepad starts with a byte-order mark; the first code still counts.
    bom = run(home, "check", "--json", "-", "--payer", "Cigna", stdin="\ufeffE0466\r\nK0856-RR\r\n")
    assert bom.returncode == 0, bom.stdout
    assert [a["code"] for a in json.loads(bom.stdout)["determinations"]] == ["E0466", "K0856"]


def test_check_on_a_date_uses_the_version_in_force(home: Path, tmp_path: Path) -> None:
    rows = BUNDLED_LIST.read_text().splitlines()
    rows = [r.replace("\tYes\t", "\tNo\t") if "\tE0466\t" in r else r for r in rows]
    newer = tmp_path / "cigna-dme-2027.txt"
    newer.write_text("\n".join(rows))
    imported = run(
        home, "import", str(newer), "--list", "cigna-commercial-dme", "--effective", "2027-01-01"
    )
    assert imported.returncode == 0 and "v2" in imported.stdout
    later = json.loads(
        run(home, "check", "--json", "--date", "2027-02-01", "E0466", "--payer", "Cigna").stdout
    )
    earlier = json.loads(
        run(home, "check", "--json", "--date", "2026-12-01", "E0466", "--payer", "Cigna").stdout
    )
    assert later["determinations"][0]["status"] == "not_required"
    assert earlier["determinations"][0]["status"] == "required"


def test_search_show_lists_categories(home: Path) -> None:
    search = run(home, "search", "power", "wheelchair", "group", "3", "--status", "required")
    assert search.returncode == 0 and "K0856" in search.stdout and "Required" in search.stdout
    typo = run(home, "search", "wheelchiar")
    assert "searched for wheelchair" in typo.stderr
    show = run(home, "show", "K0553")
    assert show.returncode == 0
    assert "terminated 2022-12-31" in show.stdout and "Category: 0" in show.stdout
    shown = json.loads(run(home, "show", "--json", "L5856", "--payer", "Cigna").stdout)
    assert [r["table"] for r in shown["rows"]] == [1, 2]
    cats = json.loads(run(home, "categories", "--json", "--payer", "Cigna").stdout)["categories"]
    assert sum(c["codes"] for c in cats) == 604 + 39  # 39 codes stand in both tables


def test_show_and_categories_without_a_payer_answer_for_every_loaded_payer(home: Path) -> None:
    # Cigna's list requires E0747; Medicare's June 2024 notice (Phase 1) too, on its own rows.
    plain = run(home, "show", "E0747", "--date", "2024-08-20", "--format", "plain")
    assert plain.returncode == 0, plain.stderr
    out = plain.stdout
    assert "payer: Cigna / Commercial" in out and "payer: Medicare / FFS" in out
    cigna, medicare = out.split("payer: Medicare / FFS")
    assert "Published row, cigna-commercial-dme v1, table 1, page 14, line 246" in cigna
    assert "medicare-dmepos-pa" not in cigna and "cigna-commercial-dme" not in medicare
    assert "Published row, medicare-dmepos-pa v1, cgs-jc-news-2024-06-20.tsv table 2, line 8" in (
        medicare
    )
    assert out.count("CMS HCPCS: E0747") == 1
    both = json.loads(run(home, "show", "E0747", "--date", "2024-08-20", "--json").stdout)
    assert both["query"] == "E0747"
    reports = {r["payer"]: r for r in both["reports"]}
    assert sorted(reports) == ["Cigna", "Medicare"]
    assert {r["list"] for r in reports["Cigna"]["rows"]} == {"cigna-commercial-dme"}
    assert {r["list"] for r in reports["Medicare"]["rows"]} == {"medicare-dmepos-pa"}
    assert reports["Medicare"]["status"] == "required"
    one = json.loads(run(home, "show", "E0747", "--payer", "Medicare", "--json").stdout)
    assert one["payer"] == "Medicare" and "reports" not in one
    texas = json.loads(run(home, "show", "K0856", "--state", "TX", "--json").stdout)
    routed = {r["payer"]: r["submit_to"]["name"] for r in texas["reports"]}
    assert routed["Medicare"] == "CGS Administrators (Jurisdiction C)"
    assert routed["Cigna"].startswith("eviCore")
    not_a_code = run(home, "show", "XYZ", "--json")
    assert not_a_code.returncode == 1 and json.loads(not_a_code.stdout)["status"] == "invalid"
    cats = json.loads(run(home, "categories", "--json").stdout)["categories"]
    assert {(c["payer"], c["line_of_business"]) for c in cats} == {
        ("Cigna", "Commercial"),
        ("Medicare", "FFS"),
    }
    medicare_cats = {c["category"] for c in cats if c["payer"] == "Medicare"}
    assert "Power mobility devices (PMD)" in medicare_cats
    assert "Wheelchairs" not in medicare_cats  # Cigna's category, never counted as Medicare's
    table = run(home, "categories", "--format", "plain")
    assert table.stdout.splitlines()[0].split()[0] == "Payer"
    only = run(home, "categories", "--payer", "Medicare", "--format", "plain")
    assert "Payer" not in only.stdout and "categories of Medicare / FFS" in only.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--date", "tomorrow", "E0466"),
        ("frobnicate",),
        ("search", "--status", "maybe", "x"),
        ("search", "--limit", "0", "bed"),
        ("search", "--limit", "-5", "bed"),
        ("show", "E0466, K0856"),
    ],
)
def test_usage_errors_exit_2(home: Path, args: tuple[str, ...]) -> None:
    result = run(home, *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_every_command_help_has_an_example(home: Path) -> None:
    for command in ("check", "search", "show", "lists", "categories", "import"):
        result = run(home, command, "--help")
        assert result.returncode == 0 and "example:" in result.stdout, command
    assert "exit codes" in run(home, "--help").stdout


def test_a_data_folder_that_cannot_be_created_is_exit_4_without_traceback(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run(blocker, "check", "E0466")
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    assert "cannot create the data folder" in result.stderr and "PRECERT_HOME" in result.stderr


def test_unknown_payer_is_a_clear_error_exit_4(home: Path) -> None:
    result = run(home, "check", "--payer", "Nobody", "E0466")
    assert result.returncode == 4 and "no list loaded" in result.stderr


def test_check_json_gives_every_code_of_the_document_its_status_and_lines(home: Path) -> None:
    expected: dict[str, tuple[str, list[int]]] = {}
    words = {"Yes": "required", "No": "not_required", "Out Of Scope": "out_of_scope"}
    for number, line in enumerate(BUNDLED_LIST.read_text().splitlines(), start=1):
        cells = line.split("\t")
        if len(cells) in (5, 7) and cells[0] not in ("Product", "Category"):
            code, status = (cells[2], cells[4]) if len(cells) == 7 else (cells[1], cells[3])
            expected.setdefault(code, (words[status], []))[1].append(number)
    result = run(
        home, "check", "--json", "-", "--payer", "Cigna", stdin="\n".join(sorted(expected))
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)["determinations"]
    assert len(answers) == len(expected) == 604
    for answer in answers:
        status, lines = expected[answer["code"]]
        assert answer["status"] == status, answer["code"]
        assert sorted(s["line"] for s in answer["sources"]) == lines, answer["code"]


def test_hcpcs_import_replaces_the_code_set(home: Path) -> None:
    from precert.service import BUNDLED_HCPCS

    result = run(home, "hcpcs", "import", str(BUNDLED_HCPCS))
    assert result.returncode == 0
    assert "8463 HCPCS codes and 383 modifiers" in result.stdout
    answer = json.loads(run(home, "check", "--json", "K0553").stdout)["determinations"][0]
    assert answer["hcpcs"]["terminated"] == "2022-12-31"


def test_small_usage_cases_say_what_to_do(home: Path) -> None:
    empty = run(home, "check", "-", stdin="\n\n")
    assert empty.returncode == 2 and "no codes on stdin" in empty.stderr
    group = run(home, "hcpcs")
    assert group.returncode == 2 and "precert hcpcs import" in group.stderr


def test_check_routes_medicare_by_the_members_state(home: Path) -> None:
    texas = run(home, "check", "K0856", "--payer", "Medicare", "--state", "TX", "--format", "plain")
    assert texas.returncode == 0, texas.stderr
    assert "submit to: CGS Administrators (Jurisdiction C)" in texas.stdout
    named = run(home, "check", "K0856", "--payer", "Medicare", "--state", "texas", "--json")
    (answer,) = json.loads(named.stdout)["determinations"]
    assert answer["submit_to"]["name"] == "CGS Administrators (Jurisdiction C)"
    # A state that is none: a usage error naming the choices, never "another state".
    unknown = run(home, "check", "K0856", "--payer", "Medicare", "--state", "ZZ")
    assert unknown.returncode == 2 and not unknown.stdout
    assert "'ZZ' is not a US state or territory" in unknown.stderr and " WY" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    anywhere = run(home, "check", "K0856", "--payer", "Medicare", "--format", "plain")
    for text in ("Jurisdiction A", "Jurisdiction B", "Jurisdiction C", "Jurisdiction D", " TX "):
        assert text in anywhere.stdout, text


def test_check_names_the_next_step_for_out_of_scope_and_not_listed(home: Path) -> None:
    # The page the list's profile names, as the JSON's more_info gives it.
    asked = ("check", "E0466", "E0100", "A4239", "--payer", "Cigna")
    answers = json.loads(run(home, *asked, "--json").stdout)["determinations"]
    more = {a["code"]: a["more_info"] for a in answers}
    assert more["E0466"] is None and more["E0100"] == more["A4239"]
    link = more["E0100"]
    assert link["url"].startswith("https://www.cigna.com/")
    plain = run(home, *asked, "--format", "plain")
    assert plain.returncode == 0, plain.stderr
    blocks = {b.split()[0]: b for b in plain.stdout.strip().split("\n\n")}
    line = f"    next step: {link['label']}: {link['url']}"
    assert line in blocks["E0100"].splitlines() and line in blocks["A4239"].splitlines()
    assert "next step" not in blocks["E0466"]
    table = run(home, *asked, "--format", "table", "--long")
    assert link["url"] in table.stdout.replace("\n", "").replace("│", "").replace(" ", "")


def test_every_date_option_reads_iso_and_us_dates(home: Path) -> None:
    iso = run(home, "check", "--json", "--date", "2026-12-01", "E0466")
    us = run(home, "check", "--json", "--date", "12/01/2026", "E0466")
    assert iso.returncode == us.returncode == 0 and iso.stdout == us.stdout
    for command in (("search", "ventilator"), ("show", "E0466"), ("categories",)):
        result = run(home, *command, "--date", "12/1/2026")
        assert result.returncode == 0, (command, result.stderr)
    bad = run(home, "check", "--date", "31/12/2026", "E0466")
    assert bad.returncode == 2
    assert "'31/12/2026' is not a date; use YYYY-MM-DD or MM/DD/YYYY" in bad.stderr
    assert "YYYY-MM-DD or MM/DD/YYYY" in run(home, "check", "--help").stdout


def test_check_with_no_codes_on_a_terminal_is_a_usage_error_with_an_example(home: Path) -> None:
    # A real terminal on stdin (a pty), as a user typing `precert check` has.
    pid, fd = pty.fork()
    if pid == 0:  # the child: become precert
        os.environ["PRECERT_HOME"] = str(home)
        os.execv(str(PRECERT), [str(PRECERT), "check"])
    output = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 2
    assert "give codes, e.g. precert check E0466 K0856-RR" in output.decode()


def test_check_with_stdin_closed_is_a_usage_error(home: Path) -> None:
    env = {**os.environ, "PRECERT_HOME": str(home)}
    closed = subprocess.run(
        ["sh", "-c", f"'{PRECERT}' check <&-"], capture_output=True, text=True, env=env, check=False
    )
    assert closed.returncode == 2 and "Traceback" not in closed.stderr
    assert "precert check E0466 K0856-RR" in closed.stderr


def test_a_typed_range_is_each_of_its_codes_in_check_and_search(home: Path) -> None:
    checked = run(home, "check", "--json", "K0813 – K0816", "--payer", "Cigna")
    answers = json.loads(checked.stdout)["determinations"]
    assert checked.returncode == 0 and [a["code"] for a in answers] == [
        "K0813", "K0814", "K0815", "K0816",
    ]  # fmt: skip
    assert all("is a range" in a["notes"][-1] for a in answers)
    searched = run(home, "search", "K0813", "-", "K0816", "--payer", "Cigna")
    assert "is a range" in searched.stderr
    assert [line.split()[0] for line in searched.stdout.splitlines()[1:]] == [
        "K0813", "K0814", "K0815", "K0816",
    ]  # fmt: skip
    shown = run(home, "show", "K0813-K0816")
    assert shown.returncode == 2 and "precert check answers several" in shown.stderr
