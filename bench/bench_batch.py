"""Issue 5 figures: `precert batch` on 10,000,000 order lines beside hand-written DuckDB and pandas.

Prints one Markdown section. The input is generated once under bench/out/ (gitignored) from the
real published list's codes; each contender runs as a child process measured by
/usr/bin/time -v (wall seconds and peak resident memory).
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
ROWS = int(os.environ.get("BENCH_BATCH_ROWS", "10000000"))
SOURCE = OUT / f"orders-{ROWS}.csv"
ANSWERS = OUT / "answers.parquet"
DUCKDB_FACTOR, PANDAS_FACTOR, RSS_LIMIT_GB = 1.5, 2.0, 1.0

HAND_DUCKDB = """
import duckdb, sys
con = duckdb.connect(config={"memory_limit": "512MB"})
con.execute(f'''COPY (SELECT i.*, a.* EXCLUDE (k)
  FROM read_csv('{sys.argv[1]}', header = true, all_varchar = true) i
  LEFT JOIN read_parquet('{sys.argv[2]}') a ON a.k = upper(trim(i.hcpcs)))
  TO '{sys.argv[3]}' (FORMAT parquet)''')
"""
HAND_PANDAS = """
import pandas as pd, sys
orders = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
answers = pd.read_parquet(sys.argv[2])
orders["k"] = orders["hcpcs"].str.strip().str.upper()
orders.merge(answers, how="left", on="k").drop(columns="k").to_parquet(sys.argv[3], index=False)
"""


def generate() -> None:
    """10M order lines: listed codes with and without modifiers, unlisted codes, non-codes."""
    import duckdb

    from precert.readers import read_grid
    from precert.service import BUNDLED_LIST

    listed = sorted(
        {
            cell.strip()
            for table in read_grid(BUNDLED_LIST).tables
            for row in table.rows
            for cell in row.cells[1:3]
            if re.fullmatch(r"[A-V][0-9]{4}", cell.strip())
        }
    )
    rng = random.Random(5)
    cells = []
    for code in listed:
        cells += [code, code.lower(), f"{code}-RR", f"{code} NU", f"{code}RR", f"{code}:LT"]
    cells += [f"{rng.choice('AEKL')}{rng.randint(0, 9999):04d}" for _ in range(1500)]
    cells += [str(rng.randint(10000, 99999)) for _ in range(500)]
    cells += ["", "N/A", "see notes", "E0466, A4239", "#N/A", "12"] * 40
    OUT.mkdir(parents=True, exist_ok=True)
    temp = SOURCE.with_suffix(".partial")
    con = duckdb.connect()
    # A session setting since DuckDB 2.0 (it is refused as a connect-time, global option).
    con.execute("SET enable_progress_bar = false")
    con.execute(
        "CREATE TABLE cells AS SELECT unnest($1) AS hcpcs, generate_subscripts($1, 1) - 1 AS i",
        [cells],
    )
    con.execute(f"""COPY (SELECT r AS line, c.hcpcs, (r % 4) + 1 AS units,
        round(((hash(r) % 90000) + 1000) / 100.0, 2) AS amount
        FROM range({ROWS}) t(r) JOIN cells c ON c.i = hash(r * 31) % {len(cells)} ORDER BY r)
        TO '{temp}' (HEADER)""")
    temp.rename(SOURCE)


def answers(home: Path) -> None:
    """The answer table the hand-written contenders join: precert's answers per code key."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from precert.batch.answers import answer_for
    from precert.columns import ANSWER_COLUMNS
    from precert.service import Precert

    keys = [
        r[0]
        for r in duckdb.connect()
        .execute(
            f"SELECT DISTINCT coalesce(upper(trim(hcpcs)), '') FROM read_csv('{SOURCE}', "
            "header = true, all_varchar = true)"
        )
        .fetchall()
    ]
    service = Precert(home)
    service.preload()
    # Cigna's answers, as `precert batch --payer Cigna` gives them (both lists are bundled).
    rows = [
        answer_for(service.determine(k, payer="Cigna"), blank=not k.strip()).values for k in keys
    ]
    table = pa.table({"k": keys} | {c: [r[i] for r in rows] for i, c in enumerate(ANSWER_COLUMNS)})
    pq.write_table(table, ANSWERS)


def timed(
    label: str, command: list[str], env: dict[str, str], ok: tuple[int, ...] = (0, 1)
) -> dict[str, object]:
    """Run a child under /usr/bin/time -v: wall seconds, peak RSS (largest process), exit code
    (one of ``ok``, else the benchmark stops)."""
    run = subprocess.run(
        ["/usr/bin/time", "-v", *command], capture_output=True, text=True, env=env, check=False
    )
    if run.returncode not in ok:
        sys.stderr.write(run.stdout + run.stderr)
        raise SystemExit(f"{label} failed with exit code {run.returncode}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", run.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr)
    assert wall and rss, run.stderr[-2000:]
    hours, minutes, seconds = wall.groups()
    total = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    print(f"{label}: {total:.1f} s, {int(rss.group(1)) / 1024:.0f} MiB", file=sys.stderr)
    return {
        "label": label,
        "seconds": total,
        "rss_gb": int(rss.group(1)) / 1024 / 1024,
        "code": run.returncode,
    }


def check(output: Path) -> None:
    """The screened file has every row, in input order."""
    import duckdb

    con = duckdb.connect(config={"memory_limit": "512MB"})
    rows, misplaced = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE CAST(o.line AS BIGINT) <> n) FROM "
        f"(SELECT line, row_number() OVER () - 1 AS n FROM read_parquet('{output}')) o"
    ).fetchone()
    assert rows == ROWS and misplaced == 0, (rows, misplaced)


def main() -> None:
    if not SOURCE.exists():
        generate()
    size_mb = SOURCE.stat().st_size / 1e6
    with tempfile.TemporaryDirectory(dir=OUT) as folder:
        work = Path(folder)
        home = work / "home"
        env = {**os.environ, "PRECERT_HOME": str(home)}
        subprocess.run(
            [str(BIN / "precert"), "lists"], env=env, check=True, capture_output=True
        )  # builds the database outside the timings
        answers(home)
        hand_duckdb = work / "hand_duckdb.py"
        hand_duckdb.write_text(textwrap.dedent(HAND_DUCKDB))
        hand_pandas = work / "hand_pandas.py"
        hand_pandas.write_text(textwrap.dedent(HAND_PANDAS))
        precert_out = work / "precert.parquet"
        results = [
            timed(
                "precert batch (DuckDB)",
                [
                    str(BIN / "precert"),
                    "batch",
                    str(SOURCE),
                    "-o",
                    str(precert_out),
                    "--payer",
                    "Cigna",
                ],
                env,
            ),
            timed(
                "hand-written DuckDB read-join-write",
                [
                    sys.executable,
                    str(hand_duckdb),
                    str(SOURCE),
                    str(ANSWERS),
                    str(work / "duck.parquet"),
                ],
                env,
            ),
            timed(
                "pandas read_csv + merge + to_parquet",
                [
                    sys.executable,
                    str(hand_pandas),
                    str(SOURCE),
                    str(ANSWERS),
                    str(work / "pandas.parquet"),
                ],
                env,
            ),
        ]
        check(precert_out)
        precert_out.unlink()
        results.append(
            timed(
                "precert batch --engine spark (local[*])",
                [
                    str(BIN / "precert"),
                    "batch",
                    str(SOURCE),
                    "-o",
                    str(work / "spark.parquet"),
                    "--engine",
                    "spark",
                    "--payer",
                    "Cigna",
                ],
                env,
            )
        )
        check(work / "spark.parquet")
    report(results, size_mb)


def report(results: list[dict[str, object]], size_mb: float) -> None:
    """The Markdown section."""
    ours, duck, pandas = (float(str(r["seconds"])) for r in results[:3])
    rss = float(str(results[0]["rss_gb"]))
    print("## Batch screening (issue 5)\n")
    print(
        f"Input: {ROWS:,} generated order lines ({size_mb:.0f} MB CSV) from the real list's "
        "codes (listed codes with and without modifiers, lower case, unlisted and CPT codes, "
        "non-codes, blanks, several codes in one cell); output Parquet.\n"
    )
    print(
        "```sh\n.venv/bin/python bench/run_all.py bench_batch   # input cached in bench/out/"
        f"\n.venv/bin/precert batch bench/out/orders-{ROWS}.csv -o out.parquet --payer Cigna\n```\n"
    )
    print("| Contender | Seconds | Rows/s | Peak RSS | Keeps input order |")
    print("| --- | ---: | ---: | ---: | --- |")
    order = [
        "yes (checked)",
        "no (a DuckDB JOIN does not keep it)",
        "yes (left merge)",
        "yes (checked)",
    ]
    for result, kept in zip(results, order, strict=True):
        seconds = float(str(result["seconds"]))
        print(
            f"| {result['label']} | {seconds:.1f} | {ROWS / seconds:,.0f} | "
            f"{float(str(result['rss_gb'])):.2f} GB | {kept} |"
        )
    checks = [
        (
            f"≤ {DUCKDB_FACTOR}× hand-written DuckDB",
            ours <= DUCKDB_FACTOR * duck,
            f"{ours / duck:.2f}×",
        ),
        (
            f"≥ {PANDAS_FACTOR}× faster than pandas",
            pandas >= PANDAS_FACTOR * ours,
            f"{pandas / ours:.1f}× faster",
        ),
        (f"peak RSS ≤ {RSS_LIMIT_GB:.0f} GB", rss <= RSS_LIMIT_GB, f"{rss:.2f} GB"),
    ]
    print("\n| Target | Measured | Met |\n| --- | --- | --- |")
    for name, met, value in checks:
        print(f"| {name} | {value} | {'yes' if met else 'no'} |")
    print(
        "\nThe hand-written contenders get precert's answer table for free (computed "
        "before the timing); precert's time includes reading the input, determining every "
        "distinct code cell through the service, and writing. Peak RSS is that of the "
        "largest process (/usr/bin/time -v; for Spark, the JVM)."
    )


if __name__ == "__main__":
    main()
