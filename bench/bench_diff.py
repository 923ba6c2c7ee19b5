"""Issue 6 figures: `precert diff` of two generated 50,000-row versions (target <= 1 s)."""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOC = ROOT / "src" / "precert" / "data" / "cigna-commercial-dme.txt"
ROWS = 50_000
PAGE = 40  # rows per page: the header row repeats, as in the published PDF
RUNS = 7
TARGET_S = 1.0
LIST = "bench-50k"
# Expected changes between the two versions (checked against the diff's summary).
FLIPS, NOTES, DESCRIPTIONS, REMOVED, ADDED = 1_000, 500, 500, 500, 500


def real_rows() -> tuple[list[str], list[list[str]]]:
    """The header and the rows of table 1 of the real document, as cells."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if line.startswith("Product\t"))
    rows = [line.split("\t") for line in lines if line.count("\t") == 6 and line != header]
    return header.split("\t"), rows


def codes(n: int, rng: random.Random) -> list[str]:
    """n distinct HCPCS Level II codes (letter A-V and four digits)."""
    pool = [f"{letter}{number:04d}" for letter in "ABEKLS" for number in range(10_000)]
    return rng.sample(pool, n)


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """A file in the published text layout: title block, header every page, rows, footer."""
    out = ["**Cigna Commercial**", "**Prior Authorization Procedure Code List: Bench**", ""]
    for start in range(0, len(rows), PAGE):
        out.append("\t".join(header))
        out.extend("\t".join(r) for r in rows[start : start + PAGE])
        out.append("")
    out.append("CPT copyright 2026 American Medical Association. All rights reserved.")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def versions(folder: Path) -> tuple[Path, Path]:
    """Two versions: the second flips statuses both ways, edits notes and descriptions,
    removes rows and adds new codes."""
    rng = random.Random(6)
    header, real = real_rows()
    all_codes = codes(ROWS + ADDED, rng)
    first = []
    for i, code in enumerate(all_codes[:ROWS]):
        row = list(real[i % len(real)])
        row[2] = code
        first.append(row)
    second = [list(r) for r in first]
    picks = rng.sample(range(ROWS), FLIPS + NOTES + DESCRIPTIONS + REMOVED)
    flips = picks[:FLIPS]
    notes = picks[FLIPS : FLIPS + NOTES]
    descriptions = picks[FLIPS + NOTES : FLIPS + NOTES + DESCRIPTIONS]
    removed = set(picks[FLIPS + NOTES + DESCRIPTIONS :])
    for i in flips:
        second[i][4] = "No" if second[i][4] == "Yes" else "Yes"
    for i in notes:
        second[i][6] = "Purchase only" if second[i][6] != "Purchase only" else "Rental only"
    for i in descriptions:
        second[i][3] += " (revised)"
    second = [r for i, r in enumerate(second) if i not in removed]
    for code in all_codes[ROWS:]:
        row = list(real[rng.randrange(len(real))])
        row[2] = code
        second.insert(rng.randrange(len(second)), row)
    old, new = folder / "bench-v1.txt", folder / "bench-v2.txt"
    write(old, header, first)
    write(new, header, second)
    return old, new


def median_s(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(median, worst) wall time of a fresh process, after one warm-up run."""
    times = []
    for i in range(RUNS + 1):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
        if i:
            times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "PRECERT_HOME": str(folder / "home")}
        old, new = versions(folder)
        precert = str(BIN / "precert")
        start = time.perf_counter()
        subprocess.run(
            [precert, "import", str(old), "--list", LIST, "--effective", "2027-01-01"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        import_s = time.perf_counter() - start
        subprocess.run(
            [precert, "import", str(new), "--list", LIST, "--effective", "2028-01-01"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        check = subprocess.run(
            [precert, "diff", LIST, "--json"], env=env, check=True, capture_output=True, text=True
        )
        import json

        summary = json.loads(check.stdout)["summary"]
        expected = {"added": ADDED, "removed": REMOVED, "changed": FLIPS + NOTES + DESCRIPTIONS}
        assert {k: summary[k] for k in expected} == expected, summary
        figures = [
            ("`precert diff` (table, plain)", [precert, "diff", LIST, "--format", "plain"]),
            ("`precert diff --json`", [precert, "diff", LIST, "--json"]),
            ("`precert diff --csv`", [precert, "diff", LIST, "--csv"]),
        ]
        rows = []
        for label, argv in figures:
            median, worst = median_s(argv, env)
            met = "yes" if median <= TARGET_S else "**no**"
            rows.append(
                f"| {label} | {median:.2f} s | {worst:.2f} s | ≤ {TARGET_S:.0f} s | {met} |"
            )
    print("## List versions: `precert diff` of two 50,000-row versions (issue 6)\n")
    print("```sh\n.venv/bin/python bench/run_all.py bench_diff\n```\n")
    print(
        f"Two generated versions of one list in the published text layout ({ROWS:,} rows, a "
        f"header every {PAGE} rows, cells cycled from the real Cigna rows, distinct codes); the "
        f"second flips {FLIPS:,} statuses both ways, edits {NOTES} notes and {DESCRIPTIONS} "
        f"descriptions, removes {REMOVED} rows and adds {ADDED} codes. Both are imported "
        f"with `precert import` (the first took {import_s:.1f} s), then each command runs "
        f"{RUNS} times as a fresh process (after a warm-up): wall time includes start-up, "
        f"reading both versions from SQLite and the output. The diff found exactly "
        f"{summary['added']} added, {summary['removed']} removed and {summary['changed']} "
        "changed codes.\n"
    )
    print("| Command | Median | Worst | Target (issue 6) | Met |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
