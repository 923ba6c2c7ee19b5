"""`screen` with DuckDB: every row back in order, columns untouched, answers = Precert.determine."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from precert.batch import ANSWER_COLUMNS, answer_for, screen
from precert.batch.answers import NOTE_BAD_DATE
from precert.service import Precert


def expected(service: Precert, raw: Any, date: dt.date | None = None) -> tuple[Any, ...]:
    """What the row's added columns must be: the service's own answer for the raw cell."""
    text = "" if raw is None else str(raw)
    return answer_for(
        service.determine(text, date=date, payer="Cigna"), blank=not text.strip()
    ).values


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Output rows as dicts, whatever the format."""
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)
        ]


def check_answers(service: Precert, rows: list[dict[str, Any]], code: str = "HCPCS") -> int:
    """Every row's added columns equal `answer_for(determine(cell))`; returns distinct cells."""
    seen: dict[Any, tuple[Any, ...]] = {}
    for row in rows:
        raw = row[code]
        want = seen.get(raw) or seen.setdefault(raw, expected(service, raw))
        got = tuple(row[c] for c in ANSWER_COLUMNS)
        assert got == want, f"cell {raw!r}"
    return len(seen)


def test_every_distinct_cell_gets_the_services_answer(
    service: Precert, gen: Any, orders: Any, tmp_path: Path
) -> None:
    source, written = orders
    out = tmp_path / "screened.parquet"
    summary = screen(source, out, service=service, payer="Cigna")
    table = pq.read_table(out)
    assert table.column_names == [*gen.HEADER, *ANSWER_COLUMNS]
    rows = table.to_pylist()
    assert len(rows) == len(written) == summary.rows
    # Input order and every input cell untouched (an empty CSV cell reads as null).
    for row, original in zip(rows, written, strict=True):
        assert [row[h] for h in gen.HEADER] == [v if v != "" else None for v in original]
    distinct = check_answers(service, rows)
    assert distinct > 300
    statuses = {r["pa_status"] for r in rows}
    assert statuses == {"required", "not_required", "out_of_scope", "not_listed", "invalid"}
    first = rows[1]
    assert (first["pa_code"], first["pa_modifiers"], first["pa_status"]) == (
        "K0856",
        "RR",
        "required",
    )
    assert "eviCore" in first["pa_submit_to"]
    assert rows[2]["pa_submit_to"].startswith("Cigna, phone 888-454-0013")


def test_summary_counts_statuses_top_codes_and_rows_without_code(
    service: Precert, orders: Any, tmp_path: Path
) -> None:
    source, written = orders
    summary = screen(source, tmp_path / "out.parquet", service=service, payer="Cigna")
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["pa_status"]] = counts.get(row["pa_status"], 0) + 1
    assert {k: v for k, v in summary.statuses.items() if v} == counts
    assert summary.without_code == counts["invalid"]
    assert summary.no_code["blank"] == sum(1 for r in written if r[2] is None or not r[2].strip())
    assert summary.no_code["several_codes"] == sum(
        1 for r in written if r[2] in ("E0466, A4239", "E0466 A4239", "e0466 purchase")
    )
    required = [r["pa_code"] for r in rows if r["pa_status"] == "required"]
    top_code, top_count, _ = summary.top_required[0]
    assert top_count == max(required.count(c) for c in set(required)) == required.count(top_code)
    text = summary.text()
    assert "Rows with no usable code" in text and top_code in text
    for row in written[:50]:  # no row contents in the summary
        assert row[1] not in text and row[0] not in text


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_each_output_format_carries_the_same_rows(
    service: Precert, orders: Any, tmp_path: Path, suffix: str
) -> None:
    source, written = orders
    out = tmp_path / f"screened{suffix}"
    screen(source, out, service=service, payer="Cigna")
    rows = read_rows(out)
    assert [r["order_id"] for r in rows] == [w[0] for w in written]
    if suffix != ".csv":  # CSV output neutralizes formulas; checked below
        check_answers(service, rows)


def test_csv_output_neutralizes_formulas_but_not_numbers(
    service: Precert, gen: Any, tmp_path: Path
) -> None:
    rows = [
        ["1", '=HYPERLINK("http://x")', "E0466", "+1 555", "-12.50", "@SUM(A1)"],
        ["2", "-", "K0856", "1", "-3", "plain"],
    ]
    source = gen.write_csv(tmp_path / "f.csv", rows)
    screen(source, tmp_path / "f-out.csv", service=service, payer="Cigna")
    out = read_rows(tmp_path / "f-out.csv")
    assert out[0]["member_ref"] == '\'=HYPERLINK("http://x")'
    assert out[0]["qty"] == "'+1 555" and out[0]["billed"] == "-12.50"
    assert out[0]["note"] == "'@SUM(A1)" and out[1]["billed"] == "-3"
    screen(source, tmp_path / "f-out.parquet", service=service, payer="Cigna")
    assert pq.read_table(tmp_path / "f-out.parquet")["member_ref"][0].as_py().startswith("=")


def test_dates_of_service_per_row(service: Precert, gen: Any, tmp_path: Path) -> None:
    dates = [
        "2025-03-01",
        "03/01/2025",
        "20250301",
        "2025-03-01 10:30:00",
        "",
        "not a date",
        "2025-02-30",
        "1999-01-01",
    ]
    rows = [
        [str(i), d, code]
        for i, d in enumerate(dates)
        for code in ("E0466", "K0553-RR", "A4239", "junk")
    ]
    source = gen.write_csv(tmp_path / "d.csv", rows, header=["id", "DOS", "cpt code"])
    screen(source, tmp_path / "d.parquet", service=service, date_column="dos", payer="Cigna")
    out = pq.read_table(tmp_path / "d.parquet").to_pylist()
    march, old = dt.date(2025, 3, 1), dt.date(1999, 1, 1)
    when = {
        "2025-03-01": march,
        "03/01/2025": march,
        "20250301": march,
        "2025-03-01 10:30:00": march,
        "1999-01-01": old,
    }
    assert len(out) == len(rows)
    for row in out:
        raw, code = row["DOS"], row["cpt code"]
        got = tuple(row[c] for c in ANSWER_COLUMNS)
        if raw in ("not a date", "2025-02-30"):
            assert got[2] == "invalid" and got[5] == NOTE_BAD_DATE
        elif raw is None and code != "junk":
            want = expected(service, code)
            assert got[:5] == want[:5] and "No date of service" in got[5]
        else:
            assert got == expected(service, code, when.get(raw)), (raw, code)


def test_other_input_formats_give_the_same_answers(
    service: Precert, gen: Any, tmp_path: Path
) -> None:
    rows = gen.order_rows(400, seed=3)
    base = screen(
        gen.write_csv(tmp_path / "a.csv", rows),
        tmp_path / "a.parquet",
        service=service,
        payer="Cigna",
    )
    want = pq.read_table(tmp_path / "a.parquet").select(["order_id", *ANSWER_COLUMNS])
    sources = {
        "tsv": gen.write_csv(tmp_path / "a.tsv", rows, delimiter="\t"),
        "semicolon": gen.write_csv(tmp_path / "a.txt", rows, delimiter=";"),
        "parquet": tmp_path / "in.parquet",
        "jsonl": tmp_path / "in.jsonl",
        "gzip": tmp_path / "a.csv.gz",
        "xlsx": gen.write_xlsx(tmp_path / "a.xlsx", gen.HEADER, rows),
    }
    pq.write_table(
        pa.table({h: [r[i] for r in rows] for i, h in enumerate(gen.HEADER)}), sources["parquet"]
    )
    sources["jsonl"].write_text(
        "".join(json.dumps(dict(zip(gen.HEADER, r, strict=True))) + "\n" for r in rows),
        encoding="utf-8",
    )
    sources["gzip"].write_bytes(gzip.compress((tmp_path / "a.csv").read_bytes()))
    for name, path in sources.items():
        out = tmp_path / f"out-{name}.parquet"
        summary = screen(path, out, service=service, payer="Cigna")
        got = pq.read_table(out).select(["order_id", *ANSWER_COLUMNS])
        if name == "xlsx":  # a spreadsheet cannot tell a blank cell from an empty string
            assert got.column("pa_status").to_pylist() == want.column("pa_status").to_pylist()
        else:
            assert got.equals(want), name
        assert summary.rows == base.rows == len(rows), name
    assert screen(
        sources["gzip"], tmp_path / "g.parquet", service=service, payer="Cigna"
    ).input_format == ("csv (gzip)")


def test_numbers_in_the_code_column_are_read_as_codes(
    service: Precert, gen: Any, tmp_path: Path
) -> None:
    when = dt.date(2025, 5, 1)
    rows = [[1, 99213, 99213.0, "E0466", when], [2, 12, 1.5, "k0856rr", when]]
    path = gen.write_xlsx(tmp_path / "n.xlsx", ["id", "cpt", "cpt_float", "hcpcs", "dos"], rows)
    screen(
        path,
        tmp_path / "n.parquet",
        service=service,
        code_column="cpt_float",
        date_column="dos",
        payer="Cigna",
    )
    out = pq.read_table(tmp_path / "n.parquet")
    assert out.schema.field("id").type == pa.int64() and out.schema.field("dos").type == pa.date32()
    first, second = out.to_pylist()
    assert first["cpt_float"] == 99213 and first["pa_code"] == "99213"
    assert first["pa_status"] == "not_listed" and second["pa_status"] == "invalid"
    screen(path, tmp_path / "m.parquet", service=service, date_column="dos", payer="Cigna")
    got = pq.read_table(tmp_path / "m.parquet").to_pylist()
    assert tuple(got[1][c] for c in ANSWER_COLUMNS) == expected(service, "k0856rr", when)


def test_the_real_cms_workbook_screens_by_its_hcpc_column(service: Precert, tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    from precert.service import BUNDLED_HCPCS

    summary = screen(BUNDLED_HCPCS, tmp_path / "cms.parquet", service=service, payer="Cigna")
    sheet = CalamineWorkbook.from_path(str(BUNDLED_HCPCS)).get_sheet_by_index(0).to_python()
    assert summary.code_column == "HCPC" and summary.input_format == "xlsx"
    out = pq.read_table(tmp_path / "cms.parquet")
    assert out.num_rows == summary.rows == len(sheet) - 1
    assert out.column("HCPC").to_pylist()[:2] == [str(v[0]) for v in sheet[1:3]]
    check_answers(service, out.slice(0, 3000).to_pylist(), code="HCPC")
    assert summary.statuses["required"] > 100 and summary.no_code["not_a_code"] > 0


def test_json_lines_keep_date_like_text_as_text(service: Precert, tmp_path: Path) -> None:
    source = tmp_path / "d.jsonl"
    source.write_text(
        '{"id": 1, "dos": "2025-03-01", "hcpcs": "0001U", "n": 2}\n'
        '{"id": 2, "dos": "03/04/2025", "hcpcs": "E0466", "n": 3}\n'
    )
    screen(source, tmp_path / "d.parquet", service=service, date_column="dos", payer="Cigna")
    table = pq.read_table(tmp_path / "d.parquet")
    assert table.schema.field("dos").type == pa.string() and table.schema.field("n").type == (
        pa.int64()
    )
    rows = table.to_pylist()
    assert [r["dos"] for r in rows] == ["2025-03-01", "03/04/2025"]
    assert tuple(rows[1][c] for c in ANSWER_COLUMNS) == expected(
        service, "E0466", dt.date(2025, 3, 4)
    )


def test_json_lines_with_codes_as_text_and_numbers_answer_every_code(
    service: Precert, tmp_path: Path
) -> None:
    # A sloppy export writes CPT codes as numbers and HCPCS codes as text in one field.
    source = tmp_path / "mixed.jsonl"
    source.write_text(
        '{"id": 1, "hcpcs": "E0466"}\n{"id": 2, "hcpcs": 99213}\n{"id": 3, "hcpcs": null}\n'
    )
    screen(source, tmp_path / "m.parquet", service=service, payer="Cigna")
    rows = pq.read_table(tmp_path / "m.parquet").to_pylist()
    assert [r["hcpcs"] for r in rows] == ["E0466", "99213", None]  # no JSON quotes added
    assert [r["pa_status"] for r in rows] == ["required", "not_listed", "invalid"]
    assert tuple(rows[0][c] for c in ANSWER_COLUMNS) == expected(service, "E0466")
