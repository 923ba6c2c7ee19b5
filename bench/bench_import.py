"""Issue 9 figures: importing a 100,000-row list through a profile and its dry run, this tree
against a baseline commit measured in the same run, and ``precert check`` start-up with the
two bundled lists (Cigna's and Medicare's).

The list is Cigna's real rows cycled to 100,000 (a CSV with the published columns, read with
Cigna's published text layout), imported as a new list into a fresh copy of one database in a
fresh process; the child reports the wall time and CPU time of ``import_list`` (or of reading
every row of ``dry_run``) and its peak memory (max RSS, interpreter included). A second file
makes every description distinct (the row number appended), so that nothing a reader memoizes
per distinct cell flatters the figure. The baseline is the same measurement run on the
baseline commit's ``src`` (``git archive``), alternating with this tree's, so that both see
the same machine load.

Run: .venv/bin/python bench/bench_import.py [BASELINE]   (default: main before the second
import-speed pass, BASELINE below; env BENCH_IMPORT_RUNS sets the runs per figure, default 2)
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline import baseline_src, short

# main before the second import-speed pass (no None bound per row, the cycle collector paused,
# versions.pages recorded: schema 6); baseline.IMPORT_BASELINE is main before the first pass.
BASELINE = "c1bcf9f"

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "src" / "precert" / "data" / "cigna-commercial-dme.txt"
ROWS = 100_000
RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "2"))

CHILD = r"""
import json, resource, sys, time
from precert import Precert
service = Precert(sys.argv[1])
service.store
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
started, cpu_started = time.perf_counter(), cpu()
if sys.argv[3] == "import":
    result = service.import_list(sys.argv[2], list_id="big-list", payer="Bench",
                                 line_of_business="Commercial", profile=None)
    rows = result.rows
else:
    rows = sum(1 for _ in service.dry_run(sys.argv[2], list_id="big-list", payer="Bench",
                                          line_of_business="Commercial"))
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started,
                  "cpu": cpu() - cpu_started,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_list(path: Path, distinct: bool = False) -> None:
    """Cigna's real data rows of table 1, cycled to ROWS rows, under the published header
    (``distinct``: each description gets its row number, so no two rows are alike)."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    header = next(line.split("\t") for line in lines if line.startswith("Product\t"))
    rows = [
        line.split("\t")
        for line in lines
        if line.count("\t") == len(header) - 1 and not line.startswith("Product\t")
    ]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for i in range(ROWS):
            row = list(rows[i % len(rows)])
            if distinct:
                row[3] = f"{row[3]} (row {i + 1})"
            writer.writerow(row)


def run(home: Path, source: Path, mode: str, template: Path, src: Path | None) -> dict[str, float]:
    """One import (or dry run) in a fresh process over a fresh copy of the database;
    ``src``: the baseline's package instead of this tree's."""
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    shutil.copy(template, home / "precert.db")
    env = {**os.environ, "PYTHONPATH": str(src)} if src else dict(os.environ)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(home), str(source), mode],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def startup(home: Path) -> float:
    """Wall time of `precert check E0466 --payer Cigna` (best of RUNS)."""
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "precert"), "check", "E0466", "--payer", "Cigna"],
            capture_output=True, check=True, env={"PRECERT_HOME": str(home), "PATH": ""},
        )  # fmt: skip
        times.append(time.perf_counter() - started)
    return min(times)


def _row(what: str, code: str, results: list[dict[str, float]]) -> str:
    best = min(results, key=lambda r: r["seconds"])
    median = statistics.median(r["seconds"] for r in results)
    cpu = min(r["cpu"] for r in results)
    rss = max(r["rss"] for r in results)
    return (
        f"| {what} | {code} | {int(best['rows']):,} | {best['seconds']:.2f} ({median:.2f}) | "
        f"{cpu:.2f} | {rss:.0f} MB |"
    )


def _ratio(old: list[dict[str, float]], new: list[dict[str, float]], key: str) -> float:
    return min(r[key] for r in old) / min(r[key] for r in new)


def main(baseline: str) -> None:
    commit = short(baseline)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        old_src = baseline_src(commit, base / "baseline")
        # Each code gets a database its own precert built: a baseline before a schema change
        # refuses a newer schema (and this tree would migrate an older one inside the timing).
        templates: dict[str, Path] = {}
        for code, src in (("before", old_src), ("after", None)):
            home = base / f"template-{code}"
            build = f"from precert import Precert; Precert({str(home)!r}).store"
            env = {**os.environ, "PYTHONPATH": str(src)} if src else None
            subprocess.run([sys.executable, "-c", build], check=True, env=env)
            templates[code] = home / "precert.db"
        template_home = base / "template-after"
        source, distinct = base / "big.csv", base / "distinct.csv"
        write_list(source)
        write_list(distinct, distinct=True)
        size = source.stat().st_size / 1e6
        figures: dict[tuple[str, str], list[dict[str, float]]] = {}
        plan = [("import", source), ("dry-run", source), ("import", distinct)]
        for _ in range(RUNS):
            for mode, path in plan:
                for code, src in (("before", old_src), ("after", None)):
                    key = (f"{mode} {path.stem}", code)
                    figures.setdefault(key, []).append(
                        run(base / "home", path, mode, templates[code], src)
                    )
        start = startup(template_home)
    load_after = os.getloadavg()
    print("## Importing a 100,000-row list (issue 9)\n")
    print("```sh\n.venv/bin/python bench/run_all.py bench_import\n```\n")
    print(
        f"A {ROWS:,}-row CSV ({size:.1f} MB, Cigna's real rows cycled, read with Cigna's "
        "published text layout) imported as a new list in a fresh process over a copy of the "
        f"bundled database; best of {RUNS} (median in brackets). **before** is commit "
        f"`{commit}` (main before this work) and **after** this tree, run alternately in the "
        "same run, so both saw the same machine load. CPU is the process's user + system "
        "time for the import alone (wall time on this shared 2-core machine grows with other "
        "users' load; CPU time much less).\n"
    )
    print("| what | code | rows | wall s, best (median) | CPU s, best | peak memory (max RSS) |")
    print("|---|---|---:|---:|---:|---:|")
    labels = {
        "import big": "`precert import`",
        "dry-run big": "`--dry-run` (every row read, nothing written)",
        "import distinct": "`precert import`, every description distinct",
    }
    for (what, code), results in figures.items():
        print(_row(labels[what], code, results))
    print()
    for what in labels:
        old, new = figures[(what, "before")], figures[(what, "after")]
        print(
            f"- {labels[what]}: {_ratio(old, new, 'seconds'):.1f}× faster in wall time, "
            f"{_ratio(old, new, 'cpu'):.1f}× less CPU."
        )
    new = figures[("import big", "after")]
    wall, cpu = min(r["seconds"] for r in new), min(r["cpu"] for r in new)
    rss = max(r["rss"] for r in new)
    verdict = "met" if wall <= 5 and rss <= 400 else "not met"
    if wall > 5 and rss <= 400:  # memory met, time not: wall time grows with the load
        verdict = "not met in wall time at this load"
    print(
        f"\nIssue 9's target, importing 100,000 rows in ≤ 5 s at ≤ 400 MB: {wall:.2f} s wall "
        f"({cpu:.2f} s CPU) at {rss:.0f} MB peak under the load below — "
        f"{verdict}."
    )
    print(
        "\nEvery description distinct costs more than the cycled list on both sides: each "
        "carries its own row number, so the search index gains 100,000 words it must store, "
        "and no description is met twice."
    )
    print(
        f"\nLoad average (1, 5, 15 min) when the runs started: "
        f"{', '.join(f'{v:.1f}' for v in load_before)}; when they ended: "
        f"{', '.join(f'{v:.1f}' for v in load_after)} (2 cores: above 2, other work competed "
        "for them). Issue 9's baseline (the importer before streaming): a 170,000-row CSV in "
        "11.5 s at 597 MB.\n"
    )
    print(
        f"`precert check E0466 --payer Cigna` start-up with both bundled lists loaded: "
        f"{start * 1000:.0f} ms (best of {RUNS}, whole process)."
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else BASELINE)
