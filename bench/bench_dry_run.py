"""Issue 9 figures: `precert import … --dry-run` of a 100,000-row list, for people and as JSON.

The list is a CSV made from the real Cigna rows (cycled): code, description and the published
answer, read with the options form (`--status-column … --status-map Yes=required …`). Each
run is a fresh `precert` process over a database built beforehand (first use is not timed);
the output goes to /dev/null. Peak memory is the child's max RSS (it includes the interpreter
and the code set). People's output streams row by row; `--json` holds the
whole report before printing it.

Run: .venv/bin/python bench/bench_dry_run.py
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "src" / "precert" / "data" / "cigna-commercial-dme.txt"
PRECERT = Path(sys.executable).with_name("precert")
ROWS = 100_000
RUNS = 3
OPTIONS = (
    "--payer", "Acme Health", "--lob", "Commercial", "--list", "acme-dme",
    "--code-column", "Code", "--description-column", "Description",
    "--status-column", "Answer", "--status-map", "Yes=required", "No=not_required",
    "Out Of Scope=out_of_scope",
)  # fmt: skip


def generate(path: Path) -> None:
    """100,000 rows cycled from the real Cigna rows (code, description, answer)."""
    rows = [
        (cells[2], cells[3], cells[4])
        for cells in (line.split("\t") for line in DOC.read_text(encoding="utf-8").splitlines())
        if len(cells) == 7 and cells[0] != "Product"
    ]
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(("Code", "Description", "Answer"))
        writer.writerows(rows[n % len(rows)] for n in range(ROWS))


# A wrapper process per run, so that its children's peak RSS is this run's alone.
WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "started = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "assert done.returncode == 0, done.stderr\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "cpu = usage.ru_utime + usage.ru_stime\n"
    "print(time.perf_counter() - started, cpu, usage.ru_maxrss / 1024)\n"
)


def run(env: dict[str, str], *args: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one `precert` run."""
    out = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(PRECERT), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def main() -> None:
    """Generate the list, build the database once, time each mode, print a Markdown section."""
    with tempfile.TemporaryDirectory() as folder:
        home, source = Path(folder) / "home", Path(folder) / "list.csv"
        generate(source)
        env = {**os.environ, "PRECERT_HOME": str(home)}
        subprocess.run([str(PRECERT), "lists"], env=env, check=True, capture_output=True)
        print("## `precert import … --dry-run` of a 100,000-row list (issue 9)\n")
        print("```sh\n.venv/bin/python bench/run_all.py bench_dry_run\n```\n")
        print(__doc__.strip().split("\n\n", 1)[1].rsplit("\n\n", 1)[0].replace("\n", " "))
        print(
            f"\nThe file: {ROWS:,} rows, {source.stat().st_size / 1e6:.1f} MB; {RUNS} runs each.\n"
        )
        print("| output | wall, best (s) | wall, median (s) | CPU, best (s) | peak RSS (MB) |")
        print("|---|---:|---:|---:|---:|")
        for label, extra in (("for people (streamed)", ()), ("`--json`", ("--json",))):
            results = [
                run(env, "import", str(source), *OPTIONS, "--dry-run", *extra) for _ in range(RUNS)
            ]
            times = sorted(t for t, _, _ in results)
            cpu = min(c for _, c, _ in results)
            peak = max(m for _, _, m in results)
            print(
                f"| {label} | {times[0]:.2f} | {times[len(times) // 2]:.2f} | {cpu:.2f} | "
                f"{peak:.0f} |"
            )


if __name__ == "__main__":
    main()
