"""Issue 9 figures: `precert import … --dry-run` of a 100,000-row list, for people and as JSON.

The list is a CSV made from the real Cigna rows (cycled): code, description and the published
answer, read with the options form (`--status-column … --status-map Yes=required …`). Each
run is a fresh `precert` process over a database built beforehand (first use is not timed);
the output goes to /dev/null. Peak memory is the child's max RSS (it includes the interpreter
and the code set). Both outputs stream row by row (before, `--json` held the whole report
before printing it). **before** is a baseline commit's code (its
`src` from `git archive`, first on PYTHONPATH), run alternately with this tree's in the same
run, so both see the same machine load.

Run: .venv/bin/python bench/bench_dry_run.py [BASELINE]   (default: the commit before the
import-speed work)
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from baseline import IMPORT_BASELINE, baseline_src, short

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "src" / "precert" / "data" / "cigna-commercial-dme.txt"
PRECERT = Path(sys.executable).with_name("precert")
ROWS = 100_000
RUNS = int(os.environ.get("BENCH_DRY_RUN_RUNS", "2"))
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


def main(baseline: str) -> None:
    """Generate the list, build the database once, time each mode before and after, print a
    Markdown section."""
    commit = short(baseline)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        home, source = Path(folder) / "home", Path(folder) / "list.csv"
        old_src = baseline_src(commit, Path(folder) / "baseline")
        generate(source)
        env = {**os.environ, "PRECERT_HOME": str(home)}
        # The baseline gets a database its own precert built: before a schema change it
        # refuses a newer schema.
        before = {**os.environ, "PRECERT_HOME": f"{home}-before", "PYTHONPATH": str(old_src)}
        for each in (env, before):
            subprocess.run([str(PRECERT), "lists"], env=each, check=True, capture_output=True)
        results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
        codes = (("before", before), ("after", env))
        for _ in range(RUNS):
            for label, extra in (("for people", ()), ("`--json`", ("--json",))):
                for code, run_env in codes:
                    results.setdefault((label, code), []).append(
                        run(run_env, "import", str(source), *OPTIONS, "--dry-run", *extra)
                    )
        size = source.stat().st_size / 1e6
    load_after = os.getloadavg()
    print("## `precert import … --dry-run` of a 100,000-row list (issue 9)\n")
    print("```sh\n.venv/bin/python bench/run_all.py bench_dry_run\n```\n")
    print(__doc__.strip().split("\n\n", 1)[1].rsplit("\n\n", 1)[0].replace("\n", " "))
    print(f"\nThe file: {ROWS:,} rows, {size:.1f} MB; {RUNS} runs each; before: `{commit}`.\n")
    print("| output | code | wall, best (s) | wall, median (s) | CPU, best (s) | peak RSS (MB) |")
    print("|---|---|---:|---:|---:|---:|")
    for (label, code), runs in results.items():
        times = sorted(t for t, _, _ in runs)
        cpu = min(c for _, c, _ in runs)
        peak = max(m for _, _, m in runs)
        print(
            f"| {label} | {code} | {times[0]:.2f} | {statistics.median(times):.2f} | {cpu:.2f} | "
            f"{peak:.0f} |"
        )
    print(
        f"\nLoad average (1, 5, 15 min) when the runs started: "
        f"{', '.join(f'{v:.1f}' for v in load_before)}; when they ended: "
        f"{', '.join(f'{v:.1f}' for v in load_after)} (2 cores)."
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else IMPORT_BASELINE)
