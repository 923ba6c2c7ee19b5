"""Issue 9 figures: importing a 100,000-row list through a profile, its --dry-run, and
``precert check`` start-up with the two bundled lists (Cigna's and Medicare's).

The list is Cigna's real rows cycled to 100,000 (a CSV with the published columns, read with
Cigna's bundled profile), imported as a new list into a fresh copy of the database in a fresh
process; the child reports the wall time of ``import_list`` and its peak memory (max RSS,
interpreter included). Rows stream from the reader through the profile into ``executemany``
in one transaction, so memory does not grow with the file.
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

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "src" / "precert" / "data" / "cigna-commercial-dme.txt"
ROWS = 100_000
RUNS = 2

CHILD = r"""
import json, resource, sys, time
from precert import Precert
service = Precert(sys.argv[1])
service.store
started = time.perf_counter()
if sys.argv[3] == "import":
    result = service.import_list(sys.argv[2], list_id="big-list", payer="Bench",
                                 line_of_business="Commercial", profile=None)
    rows = result.rows
else:
    rows = sum(1 for _ in service.dry_run(sys.argv[2], list_id="big-list", payer="Bench",
                                          line_of_business="Commercial"))
done = time.perf_counter()
print(json.dumps({"rows": rows, "seconds": done - started,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_list(path: Path) -> None:
    """Cigna's real data rows of table 1, cycled to ROWS rows, under the published header."""
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
            writer.writerow(rows[i % len(rows)])


def run(home: Path, source: Path, mode: str, template: Path) -> dict[str, float]:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    shutil.copy(template, home / "precert.db")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(home), str(source), mode],
        capture_output=True, text=True, check=True,
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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        template_home = base / "template"
        build = f"from precert import Precert; Precert({str(template_home)!r}).store"
        subprocess.run([sys.executable, "-c", build], check=True)
        template = template_home / "precert.db"
        source = base / "big.csv"
        write_list(source)
        size = source.stat().st_size / 1e6
        imports = [run(base / "home", source, "import", template) for _ in range(RUNS)]
        dry = [run(base / "home", source, "dry-run", template) for _ in range(RUNS)]
        start = startup(template_home)
    best = min(imports, key=lambda r: r["seconds"])
    best_dry = min(dry, key=lambda r: r["seconds"])
    print("## Importing a 100,000-row list (issue 9)\n")
    print(
        f"`python bench/bench_import.py`: a {ROWS:,}-row CSV ({size:.1f} MB, Cigna's real rows "
        "cycled, read with Cigna's bundled profile) imported as a new list in a fresh process "
        f"over a copy of the bundled database; best of {RUNS} (median in brackets).\n"
    )
    print("| what | rows | seconds | peak memory (max RSS) |")
    print("|---|---:|---:|---:|")
    median = statistics.median(r["seconds"] for r in imports)
    print(
        f"| `precert import` | {int(best['rows']):,} | {best['seconds']:.2f} ({median:.2f}) | "
        f"{max(r['rss'] for r in imports):.0f} MB |"
    )
    median = statistics.median(r["seconds"] for r in dry)
    print(
        f"| `--dry-run` (every row read, nothing written) | {int(best_dry['rows']):,} | "
        f"{best_dry['seconds']:.2f} ({median:.2f}) | {max(r['rss'] for r in dry):.0f} MB |"
    )
    print(
        f"\n`precert check E0466 --payer Cigna` start-up with both bundled lists loaded: "
        f"{start * 1000:.0f} ms (best of {RUNS}, whole process). Load average when done: "
        f"{os.getloadavg()[0]:.1f} on this machine's cores (the figures grow with it).\n"
    )


if __name__ == "__main__":
    main()
