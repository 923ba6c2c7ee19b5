"""`precert batch` in a real process: summary, JSON, report, exit codes, errors, help."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

PRECERT = Path(sys.executable).with_name("precert")
ORDERS = (
    "order_id,member_ref,CPT® Code,dos\n"
    "1,M-10017,E0466,2025-03-01\n"
    "2,M-20022,k0856-rr,2025-03-01\n"
    "3,M-30033,A4239,03/02/2025\n"
    "4,M-40044,,2025-03-02\n"
    "5,M-50055,see notes,2025-03-03\n"
    "6,M-60066,E0466 NU,2025-03-03\n"
)


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`precert ARGS…`; a batch run names Cigna unless it names a payer (both lists are loaded)."""
    if args[0] == "batch" and "--help" not in args and "--payer" not in args:
        args = (*args, "--payer", "Cigna")
    return run_exactly(home, *args)


def run_exactly(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`precert ARGS…` as given."""
    env = {**os.environ, "PRECERT_HOME": str(home), "COLUMNS": "120"}
    return subprocess.run(
        [str(PRECERT), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_batch_writes_output_summary_and_an_offline_report(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "orders.csv"
    source.write_text(ORDERS, encoding="utf-8")
    out, report = tmp_path / "screened.parquet", tmp_path / "report.html"
    result = run(
        home, "batch", str(source), "-o", str(out), "--report", str(report), "--date-column", "dos"
    )
    assert result.returncode == 1, result.stderr  # two rows had no usable code
    assert "Screened 6 rows" in result.stdout and "CPT® Code" in result.stdout
    assert re.search(r"Required\s+3\s+50\.0%", result.stdout)
    assert "Rows with no usable code: 2 (blank code cell 1, not a code 1)" in result.stdout
    assert result.stderr == ""  # no progress bar outside a terminal, nothing logged
    for secret in ("M-10017", "M-50055", "see notes"):  # row contents are never printed
        assert secret not in result.stdout + result.stderr
    table = pq.read_table(out)
    assert table.column("pa_status").to_pylist() == [
        "required",
        "required",
        "out_of_scope",
        "invalid",
        "invalid",
        "required",
    ]
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.count("<svg") == 2
    assert "E0466" in page and "Outside this program" in page
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", page)  # nothing fetched
    assert "<script" not in page and "M-10017" not in page and "see notes" not in page


def test_batch_json_summary_and_exit_0_when_every_row_has_a_code(
    home: Path, tmp_path: Path
) -> None:
    source = tmp_path / "o.tsv"
    source.write_text("id\tHCPCS\n1\tE0466\n2\tL5856:LT\n", encoding="utf-8")
    result = run(home, "batch", str(source), "-o", str(tmp_path / "o.jsonl"), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows"] == 2 and summary["statuses"]["required"] == 2
    # Rows per second rounds to 0 for 2 rows on a loaded machine: only its presence is checked.
    assert (
        summary["code_column"] == "HCPCS" and summary["rows_per_second"] >= 0 < summary["seconds"]
    )
    lines = (tmp_path / "o.jsonl").read_text().splitlines()
    assert json.loads(lines[1])["pa_modifiers"] == "LT"


def test_batch_errors_and_exit_codes(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "x.csv"
    source.write_text("order,sku\n1,E0466\n2,K0856,extra\n", encoding="utf-8")
    missing = run(home, "batch", str(source), "-o", str(tmp_path / "x.parquet"))
    assert missing.returncode == 3
    assert "no code column found; the headers are 'order', 'sku'" in missing.stderr
    strict = run(
        home,
        "batch",
        str(source),
        "-o",
        str(tmp_path / "x.parquet"),
        "--code-column",
        "sku",
        "--strict",
    )
    assert strict.returncode == 3 and "line 3" in strict.stderr and "extra" not in strict.stderr
    assert not (tmp_path / "x.parquet").exists()
    lenient = run(
        home, "batch", str(source), "-o", str(tmp_path / "x.parquet"), "--code-column", "sku"
    )
    assert lenient.returncode == 1 and "Malformed lines skipped: 1 (line 3" in lenient.stdout
    assert (tmp_path / "x.parquet.rejected.csv").read_text().splitlines()[1] == (
        '3,too many columns,"2,K0856,extra"'
    )
    usage = run(home, "batch", str(source), "-o", str(tmp_path / "x.xlsx"))
    assert usage.returncode == 2 and ".csv, .parquet or .jsonl" in usage.stderr
    payer = run(
        home,
        "batch",
        str(source),
        "-o",
        str(tmp_path / "y.csv"),
        "--code-column",
        "sku",
        "--payer",
        "Aetna",
    )
    assert payer.returncode == 4 and "no list loaded for payer 'Aetna'" in payer.stderr
    assert "Traceback" not in missing.stderr + strict.stderr + usage.stderr + payer.stderr


def test_batch_help_has_an_example(home: Path) -> None:
    result = run(home, "batch", "--help")
    assert result.returncode == 0
    assert "precert batch orders.csv -o side-by-side.csv --payer all" in result.stdout
    assert "pa_status_cigna_commercial" in result.stdout
    assert "--engine {duckdb,spark}" in result.stdout and "pa_submit_to" in result.stdout


def test_cli_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, precert.cli.batch; heavy = [m for m in ('duckdb', 'pyarrow', "
        "'pyspark', 'rich') if m in sys.modules]; print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_progress_shows_on_a_terminal_only(home: Path, tmp_path: Path) -> None:
    import pty

    source = tmp_path / "o.csv"
    source.write_text("id,hcpcs\n" + "".join(f"{i},E0466\n" for i in range(50_000)))
    primary, secondary = pty.openpty()
    env = {**os.environ, "PRECERT_HOME": str(home), "COLUMNS": "120"}
    with subprocess.Popen(
        [
            str(PRECERT),
            "batch",
            str(source),
            "-o",
            str(tmp_path / "o.csv.out.csv"),
            "--payer",
            "Cigna",
        ],
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=env,
    ) as child:
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        stdout = child.stdout.read() if child.stdout else b""
    os.close(primary)
    assert child.returncode == 0
    assert b"Screening o.csv" in seen and b"rows" in seen
    assert b"Screening" not in stdout and b"Screened 50,000 rows" in stdout


def test_missing_extras_are_named(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    from precert.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a)
    )
    source = tmp_path / "o.csv"
    source.write_text("id,hcpcs\n1,E0466\n")
    assert main(["batch", str(source), "-o", str(tmp_path / "o.parquet"), "--engine", "spark"]) == 2
    assert "pip install 'precert[batch,spark]'" in capsys.readouterr().err


# `precert batch` that receives SIGTERM (from itself) once its output is half written.
TERMINATED = """
import os, signal, sys
import precert.batch.writers
from precert.cli import main

write = precert.batch.writers.Output.write

def write_then_terminate(self, batch):
    write(self, batch)
    os.kill(os.getpid(), signal.SIGTERM)

precert.batch.writers.Output.write = write_then_terminate
sys.exit(main(sys.argv[1:]))
"""


def test_sigterm_stops_the_run_and_leaves_nothing_behind(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "orders.csv"
    source.write_text(ORDERS, encoding="utf-8")
    out = tmp_path / "screened.csv"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            TERMINATED,
            "batch",
            str(source),
            "-o",
            str(out),
            "--payer",
            "Cigna",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PRECERT_HOME": str(home)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 143, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "orders.csv"]
