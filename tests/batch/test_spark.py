"""The Spark engine in local mode gives exactly DuckDB's output (CI runs these; never skipped)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from precert.batch import screen
from precert.service import Precert

pytestmark = pytest.mark.spark

# Small partitions so that even a test file is split over several Spark tasks: the order of
# rows across partitions is what could go wrong.
SPARK = {
    "spark.sql.files.maxPartitionBytes": "16384",
    "spark.sql.files.openCostInBytes": "0",
    "spark.driver.memory": "768m",
    "spark.sql.shuffle.partitions": "4",
}


def run(engine: str, source: Path, out: Path, service: Precert, **kw: Any) -> Any:
    """Screen with one engine (Spark as local[2], small settings)."""
    extra = {"spark_master": "local[2]", "spark_config": SPARK} if engine == "spark" else {}
    kw.setdefault("payer", "Cigna")
    return screen(source, out, engine=engine, service=service, **extra, **kw)


def test_spark_output_is_identical_to_duckdb(service: Precert, gen: Any, tmp_path: Path) -> None:
    rows = gen.order_rows(3000, seed=11)
    source = gen.write_csv(tmp_path / "orders.csv", rows)
    assert source.stat().st_size > 5 * 16384  # several partitions
    parquet_in = tmp_path / "orders.parquet"
    pq.write_table(
        pa.table(
            {h: [r[i] for r in rows] for i, h in enumerate(gen.HEADER)}
            | {"line": list(range(len(rows)))}
        ),
        parquet_in,
    )
    dated = tmp_path / "dated.csv"
    gen.write_csv(
        dated,
        [[r[0], f"2025-0{1 + i % 9}-1{i % 10}", r[2]] for i, r in enumerate(rows[:500])],
        header=["id", "dos", "hcpcs"],
    )
    jsonl_in = tmp_path / "orders.jsonl"
    jsonl_in.write_text(
        "".join(
            json.dumps({"z_id": r[0], "hcpcs": r[2], "qty": int(r[3])}) + "\n" for r in rows[:800]
        ),
        encoding="utf-8",
    )
    cases = [
        (jsonl_in, ".csv", {}),
        (source, ".parquet", {}),
        (source, ".csv", {}),
        (source, ".jsonl", {}),
        (parquet_in, ".parquet", {}),
        (dated, ".csv", {"date_column": "dos"}),
    ]
    for n, (path, suffix, kw) in enumerate(cases):
        duck = run("duckdb", path, tmp_path / f"duck{n}{suffix}", service, **kw)
        spark = run("spark", path, tmp_path / f"spark{n}{suffix}", service, **kw)
        assert spark.engine == "spark" and spark.rows == duck.rows
        assert spark.statuses == duck.statuses and spark.top_required == duck.top_required
        if path == jsonl_in:  # the file's key order, not Spark's sorted one
            assert (tmp_path / f"spark{n}{suffix}").read_text().startswith("z_id,hcpcs,qty,")
        if suffix == ".parquet":
            got = pq.read_table(tmp_path / f"spark{n}{suffix}")
            want = pq.read_table(tmp_path / f"duck{n}{suffix}")
            assert got.schema == want.schema and got.equals(want), path.name
        else:  # the text outputs are byte for byte the same
            got_text = (tmp_path / f"spark{n}{suffix}").read_bytes()
            assert got_text == (tmp_path / f"duck{n}{suffix}").read_bytes(), (path.name, suffix)
    first = json.loads((tmp_path / "spark3.jsonl").read_text().splitlines()[1])
    assert first["order_id"] == rows[1][0] and first["pa_code"] == "K0856"


def test_spark_reports_malformed_lines_like_duckdb(service: Precert, tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    lines = ["id,hcpcs,note"] + [f"{i},E0466,n{i}" for i in range(2000)]
    lines[500] = "499,E0100,too,many"
    lines[1500] = "1499,A4239"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    duck = run("duckdb", source, tmp_path / "d.parquet", service)
    spark = run("spark", source, tmp_path / "s.parquet", service)
    assert duck.rejected == spark.rejected == 2
    assert (
        [r.line for r in spark.rejected_lines]
        == [r.line for r in duck.rejected_lines]
        == [501, 1501]
    )
    assert pq.read_table(tmp_path / "s.parquet").equals(pq.read_table(tmp_path / "d.parquet"))
    kept = (tmp_path / "s.parquet.rejected.csv").read_text()
    assert "499,E0100,too,many" in kept


def test_spark_reads_windows_1252_found_late_like_duckdb(service: Precert, tmp_path: Path) -> None:
    lines = ["id,hcpcs,note"] + [f"{i},E0466,plain" for i in range(80_000)]
    source = tmp_path / "late.csv"
    source.write_bytes(("\n".join(lines) + "\n80000,A4239,na\u00efve\n").encode("cp1252"))
    spark = run("spark", source, tmp_path / "s.parquet", service)
    duck = run("duckdb", source, tmp_path / "d.parquet", service)
    assert spark.encoding == duck.encoding == "cp1252 (converted to utf-8)"
    got = pq.read_table(tmp_path / "s.parquet")
    assert got.column("note")[-1].as_py() == "na\u00efve"
    assert got.equals(pq.read_table(tmp_path / "d.parquet"))
