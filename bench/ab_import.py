"""A/B of ``precert import`` alone: a 100,000-row list (bench_import's cycled Cigna rows)
imported by a baseline commit and by this tree, N times each, alternating which goes first,
each in a fresh process over a fresh copy of a database its own code built. Reports wall and
CPU time (best and median) and the bytes the import wrote to disk (``/proc/self/io``
write_bytes: the write-ahead log and the checkpoint into the database file), which other
users' load does not change.

Run: .venv/bin/python bench/ab_import.py BASELINE [N]   (N default 6)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import bench_import
from baseline import baseline_src, short

bench_import.CHILD = bench_import.CHILD.replace(
    '"rss":',
    '"written": int(dict(line.split(": ") for line in open("/proc/self/io").read()'
    '.splitlines())["write_bytes"]) / 1e6, "rss":',
)


def main(baseline: str, n: int) -> None:
    commit = short(baseline)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        old = baseline_src(commit, base / "baseline")
        sides: dict[str, Path | None] = {"before": old, "after": None}
        templates = {}
        for code, src in sides.items():
            home = base / f"template-{code}"
            env = {**os.environ, "PYTHONPATH": str(src)} if src else None
            build = f"from precert import Precert; Precert({str(home)!r}).store"
            subprocess.run([sys.executable, "-c", build], check=True, env=env)
            templates[code] = home / "precert.db"
        source = base / "big.csv"
        bench_import.write_list(source)
        load = os.getloadavg()
        results: dict[str, list[dict[str, float]]] = {code: [] for code in sides}
        for i in range(n):
            for code in list(sides) if i % 2 == 0 else list(sides)[::-1]:
                run = bench_import.run(
                    base / "home", source, "import", templates[code], sides[code]
                )
                results[code].append(run)
    print(f"before = `{commit}`, after = this tree; {n} imports each, alternating")
    print("| code | wall s, best (median) | CPU s, best (median) | MB written | peak RSS |")
    print("|---|---:|---:|---:|---:|")
    for code, runs in results.items():
        wall, cpu = [r["seconds"] for r in runs], [r["cpu"] for r in runs]
        print(
            f"| {code} | {min(wall):.2f} ({statistics.median(wall):.2f}) | {min(cpu):.2f} "
            f"({statistics.median(cpu):.2f}) | {statistics.median(r['written'] for r in runs):.0f} "
            f"| {max(r['rss'] for r in runs):.0f} MB |"
        )
    after = os.getloadavg()
    print(
        f"\nLoad average (1, 5, 15 min) at the start: {', '.join(f'{v:.1f}' for v in load)}; "
        f"at the end: {', '.join(f'{v:.1f}' for v in after)}"
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 6)
