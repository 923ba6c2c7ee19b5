"""Issue 10 figures: `precert batch` for one payer, for every payer side by side (--payer all)
and for the payer each row names (--payer-column), on the same 1,000,000 order lines.

Prints one Markdown section. The input is generated once under bench/out/ (gitignored) from
the real published list's codes, with each line's payer (Cigna or Medicare) and member state;
each run is a fresh `precert batch` child measured by /usr/bin/time -v (wall seconds, peak
resident memory), start-up and the database load included.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import tempfile
from pathlib import Path

# The timing harness and paths of the issue 5 batch benchmark (run as a script from bench/).
from bench_batch import BIN, OUT, timed

ROWS = int(os.environ.get("BENCH_BATCH_PAYERS_ROWS", "1000000"))
SOURCE = OUT / f"claims-payers-{ROWS}.csv"
STATES = ["TX", "NY", "CA", "FL", "OH", "PA", "IL", "WA", ""]


def generate() -> None:
    """Order lines: listed codes with and without modifiers, unlisted codes, non-codes; a payer
    (Cigna or Medicare, some blank) and a member state (some blank) per line."""
    import duckdb

    from precert.service import BUNDLED_LIST

    listed = sorted(set(re.findall(r"\t([A-V]\d{4})\t", BUNDLED_LIST.read_text())))
    rng = random.Random(10)
    cells = []
    for code in listed:
        cells += [code, code.lower(), f"{code}-RR", f"{code} NU"]
    cells += [f"{rng.choice('AEKL')}{rng.randint(0, 9999):04d}" for _ in range(800)]
    cells += ["", "N/A", "E0466, A4239", "99213"] * 20
    OUT.mkdir(parents=True, exist_ok=True)
    temp = SOURCE.with_suffix(".partial")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(
        "CREATE TABLE cells AS SELECT unnest($1) AS hcpcs, generate_subscripts($1, 1) - 1 AS i",
        [cells],
    )
    con.execute(
        "CREATE TABLE states AS SELECT unnest($1) AS state, generate_subscripts($1, 1) - 1 AS i",
        [STATES],
    )
    con.execute(f"""COPY (SELECT r AS line, c.hcpcs,
        CASE r % 5 WHEN 0 THEN '' WHEN 1 THEN 'Cigna' WHEN 2 THEN 'Cigna' ELSE 'Medicare' END
            AS payer, s.state
        FROM range({ROWS}) t(r) JOIN cells c ON c.i = hash(r * 31) % {len(cells)}
        JOIN states s ON s.i = hash(r * 17) % {len(STATES)} ORDER BY r)
        TO '{temp}' (HEADER)""")
    temp.rename(SOURCE)


def timed_batch(label: str, args: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """(label, wall seconds, peak RSS GiB) of one `precert batch` child (exit 0 or 1), timed by
    bench_batch's harness (/usr/bin/time -v)."""
    result = timed(label, [str(BIN / "precert"), "batch", *args], env)
    return label, float(str(result["seconds"])), float(str(result["rss_gb"]))


def main() -> None:
    if not SOURCE.exists():
        generate()
    size_mb = SOURCE.stat().st_size / 1e6
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        env = {**os.environ, "PRECERT_HOME": str(work / "home")}
        out = str(work / "out.parquet")
        source = str(SOURCE)
        subprocess.run(  # build the database first: its one-time cost is not the batch's
            [str(BIN / "precert"), "lists"], env=env, capture_output=True, check=True
        )
        runs = [
            ("--payer Cigna", [source, "-o", out, "--payer", "Cigna"]),
            ("--payer all", [source, "-o", out, "--payer", "all"]),
            (
                "--payer all --state-column state",
                [source, "-o", out, "--payer", "all", "--state-column", "state"],
            ),
            (
                "--payer-column payer --state-column state",
                [source, "-o", out, "--payer-column", "payer", "--state-column", "state"],
            ),
        ]
        results = [timed_batch(label, args, env) for label, args in runs]
    print("## Batch screening for several payers (issue 10)\n")
    print(
        f"Input: {ROWS:,} generated claim lines ({size_mb:.0f} MB CSV: line, HCPCS, payer, "
        "state) from the real list's codes; output Parquet; Cigna's and Medicare's lists "
        "loaded. Each run is a fresh process (start-up and the database load included).\n"
    )
    print(
        "```sh\n.venv/bin/python bench/run_all.py bench_batch_payers   # input cached in "
        f"bench/out/\n.venv/bin/precert batch bench/out/claims-payers-{ROWS}.csv -o out.parquet "
        "--payer all\n```\n"
    )
    print("| `precert batch … -o out.parquet` | Seconds | Rows/s | Peak RSS | vs one payer |")
    print("| --- | ---: | ---: | ---: | ---: |")
    base = results[0][1]
    for label, seconds, rss in results:
        print(
            f"| `{label}` | {seconds:.1f} | {ROWS / seconds:,.0f} | {rss:.2f} GB | "
            f"{seconds / base:.2f}× |"
        )
    from precert.columns import PAYER_COLUMNS

    print(
        f"\nEvery payer side by side adds {len(PAYER_COLUMNS)} columns per payer and determines "
        "each distinct "
        "code once per payer. A state column (and rows naming their payer) lead each lookup "
        "key with those cells, so the answer table holds one entry per distinct (payer, state, "
        "code); the service is still asked once per code, payer and date, and again with the "
        "state only where the list routes by state (Medicare's required codes)."
    )


if __name__ == "__main__":
    main()
