"""Bad input: malformed lines, other encodings, empty files, unknown columns, interruptions."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from precert.batch import rejects_path, screen
from precert.readers import ReaderError
from precert.service import Precert

GOOD = "id,hcpcs,note\n1,E0466,a\n2,K0856-RR,b\n"


def leftovers(folder: Path) -> list[str]:
    """Hidden partial files or work folders a run left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_malformed_lines_are_reported_with_line_numbers_and_kept(
    service: Precert, tmp_path: Path
) -> None:
    text = GOOD + '3,E0100,c,EXTRA\n4,A4239\n5,L5856:LT,e\n6,E0470,"unterminated\n'
    source = tmp_path / "bad.csv"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "out.parquet"
    summary = screen(source, out, service=service, payer="Cigna")
    rows = pq.read_table(out).to_pylist()
    assert [r["id"] for r in rows] == ["1", "2", "5"]
    assert summary.rejected == 3
    assert [(r.line, r.error) for r in summary.rejected_lines] == [
        (4, "too many columns"),
        (5, "missing columns"),
        (7, summary.rejected_lines[2].error),
    ]
    kept = list(csv.DictReader(rejects_path(out).open(encoding="utf-8")))
    assert [k["line"] for k in kept] == ["4", "5", "7"]
    assert kept[0]["original_line"] == "3,E0100,c,EXTRA"
    assert "Malformed lines skipped: 3 (line 4 (too many columns)" in summary.text()
    # A clean re-run of the same output removes the stale list of rejected lines.
    source.write_text(GOOD, encoding="utf-8")
    assert screen(source, out, service=service, payer="Cigna").rejected == 0
    assert not rejects_path(out).exists()


def test_a_line_with_several_extra_cells_is_one_malformed_line(
    service: Precert, tmp_path: Path
) -> None:
    source = tmp_path / "ragged.csv"
    source.write_text(GOOD + "3,E0100,c,X,Y,Z\n4,A4239,d\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    summary = screen(source, out, service=service, payer="Cigna")
    assert summary.rejected == 1
    assert [(r.line, r.error) for r in summary.rejected_lines] == [(4, "too many columns")]
    kept = list(csv.DictReader(rejects_path(out).open(encoding="utf-8")))
    assert [(k["line"], k["original_line"]) for k in kept] == [("4", "3,E0100,c,X,Y,Z")]


def test_strict_makes_malformed_lines_fatal_and_writes_nothing(
    service: Precert, tmp_path: Path
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(GOOD + "3,E0100,c,EXTRA\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    with pytest.raises(ReaderError) as caught:
        screen(source, out, service=service, strict=True, payer="Cigna")
    assert caught.value.line == 4 and "--strict" in str(caught.value)
    assert "EXTRA" not in str(caught.value)  # no row contents in messages
    assert not out.exists() and not rejects_path(out).exists() and leftovers(tmp_path) == []


def test_windows_1252_input_is_detected_and_read(service: Precert, tmp_path: Path) -> None:
    source = tmp_path / "cp.csv"
    source.write_bytes(
        "id;hcpcs;note\n1;E0466;caf\u00e9 \u201cquoted\u201d \u20ac5\n2;K0856;\u00ae\n".encode(
            "cp1252"
        )
    )
    summary = screen(source, tmp_path / "cp.parquet", service=service, payer="Cigna")
    rows = pq.read_table(tmp_path / "cp.parquet").to_pylist()
    assert rows[0]["note"] == "caf\u00e9 \u201cquoted\u201d \u20ac5" and rows[1]["note"] == "\u00ae"
    assert rows[0]["pa_status"] == "required"
    assert summary.encoding.startswith("cp1252")


def test_windows_1252_after_a_long_utf8_looking_start(service: Precert, tmp_path: Path) -> None:
    # The first megabyte is plain ASCII; the first non-ASCII byte comes much later.
    lines = ["id,hcpcs,note"] + [f"{i},E0466,plain" for i in range(80_000)]
    source = tmp_path / "late.csv"
    source.write_bytes(("\n".join(lines) + "\n80000,A4239,na\u00efve\n").encode("cp1252"))
    summary = screen(source, tmp_path / "late.parquet", service=service, payer="Cigna")
    rows = pq.read_table(tmp_path / "late.parquet")
    assert rows.num_rows == 80_001 and summary.rejected == 0
    assert rows.column("note")[-1].as_py() == "na\u00efve"


def test_utf16_and_bom_inputs(service: Precert, tmp_path: Path) -> None:
    for name, data in (
        ("u16.csv", "\ufeffid,hcpcs\n1,E0466\n".encode("utf-16")),
        ("bom.csv", "\ufeffid,hcpcs\n1,E0466\n".encode("utf-8")),
    ):
        source = tmp_path / name
        source.write_bytes(data)
        screen(source, tmp_path / (name + ".parquet"), service=service, payer="Cigna")
        rows = pq.read_table(tmp_path / (name + ".parquet")).to_pylist()
        assert list(rows[0])[:2] == ["id", "hcpcs"] and rows[0]["pa_code"] == "E0466", name


def test_crlf_lines_and_quoted_line_breaks(service: Precert, tmp_path: Path) -> None:
    source = tmp_path / "crlf.csv"
    source.write_bytes(b'id,hcpcs,note\r\n1,E0466,"multi\r\nline"\r\n2,k0856 rr,b\r\n')
    screen(source, tmp_path / "crlf.parquet", service=service, payer="Cigna")
    rows = pq.read_table(tmp_path / "crlf.parquet").to_pylist()
    assert [r["note"] for r in rows] == ["multi\r\nline", "b"]
    assert [r["pa_code"] for r in rows] == ["E0466", "K0856"]


def test_binary_input_is_a_clear_error(service: Precert, tmp_path: Path) -> None:
    source = tmp_path / "orders.csv"
    source.write_bytes(b"%PDF-1.7\x00\x01\x02binary")
    with pytest.raises(ReaderError, match="not a text file"):
        screen(source, tmp_path / "out.parquet", service=service, payer="Cigna")
    fake = tmp_path / "orders.parquet"
    fake.write_text("id,hcpcs\n1,E0466\n")
    with pytest.raises(ReaderError, match="not a PARQUET file"):
        screen(fake, tmp_path / "out.parquet", service=service, payer="Cigna")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_empty_input_gives_valid_empty_output(
    service: Precert, tmp_path: Path, suffix: str
) -> None:
    source = tmp_path / "empty.csv"
    source.write_text("id,hcpcs,note\n", encoding="utf-8")
    out = tmp_path / f"out{suffix}"
    summary = screen(source, out, service=service, payer="Cigna")
    assert summary.rows == 0 and out.exists()
    if suffix == ".parquet":
        table = pq.read_table(out)
        assert table.num_rows == 0 and table.column_names[:3] == ["id", "hcpcs", "note"]
        assert "pa_status" in table.column_names
    elif suffix == ".csv":
        assert out.read_text().startswith("id,hcpcs,note,pa_code,")
    else:
        assert out.read_text() == ""


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff  \r\n"])
def test_a_file_without_even_a_header_is_a_clear_error(
    service: Precert, tmp_path: Path, text: str
) -> None:
    source = tmp_path / "nothing.csv"
    source.write_text(text, encoding="utf-8")
    with pytest.raises(ReaderError, match="the file is empty: expected a header line") as caught:
        screen(source, tmp_path / "out.csv", service=service, payer="Cigna")
    assert "Binder" not in str(caught.value)  # DuckDB's own wording never reaches the user
    assert leftovers(tmp_path) == [] and not (tmp_path / "out.csv").exists()


def test_blank_lines_before_the_header_are_skipped(service: Precert, tmp_path: Path) -> None:
    source = tmp_path / "lead.csv"
    out = tmp_path / "out.csv"
    for newline in ("\n", "\r\n"):
        lines = ["", " ", *GOOD.splitlines(), "3,E0100,c,EXTRA", ""]
        source.write_bytes(newline.join(lines).encode())
        summary = screen(source, out, service=service, payer="Cigna")
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        assert [(r["id"], r["pa_code"]) for r in rows] == [("1", "E0466"), ("2", "K0856")]
        assert summary.rows == 2 and summary.statuses.get("invalid", 0) == 0
        assert [r.line for r in summary.rejected_lines] == [6]  # lines of the file as it is
    # Mixed line breaks before the header would make DuckDB read nothing: a clear error.
    source.write_bytes(("\n\r\n" + GOOD).encode())
    with pytest.raises(ReaderError, match="blank lines before the header"):
        screen(source, out, service=service, payer="Cigna")


def test_unknown_code_column_lists_the_headers(service: Precert, tmp_path: Path) -> None:
    source = tmp_path / "x.csv"
    source.write_text("order,sku,qty\n1,E0466,2\n", encoding="utf-8")
    with pytest.raises(ReaderError) as caught:
        screen(source, tmp_path / "x.parquet", service=service, payer="Cigna")
    assert "no code column found" in str(caught.value)
    assert "'order', 'sku', 'qty'" in str(caught.value)
    with pytest.raises(ReaderError, match="no code column 'hcpcs'"):
        screen(source, tmp_path / "x.parquet", service=service, code_column="hcpcs", payer="Cigna")
    with pytest.raises(ReaderError, match="no date column 'dos'"):
        screen(
            source,
            tmp_path / "x.parquet",
            service=service,
            code_column="SKU",
            date_column="dos",
            payer="Cigna",
        )
    summary = screen(
        source, tmp_path / "x.parquet", service=service, code_column="SKU", payer="Cigna"
    )
    assert summary.code_column == "sku" and summary.statuses["required"] == 1


def test_header_spellings_are_recognized(service: Precert, tmp_path: Path) -> None:
    for header in ("CPT® Code", "HCPC", "Procedure_Code", "hcpcs code", "CODE", "Item"):
        source = tmp_path / "h.csv"
        source.write_text(f"id,{header}\n1,E0466\n", encoding="utf-8")
        assert (
            screen(source, tmp_path / "h.parquet", service=service, payer="Cigna").code_column
            == header
        )


def test_already_screened_input_is_refused(service: Precert, tmp_path: Path) -> None:
    source = tmp_path / "s.csv"
    source.write_text(GOOD, encoding="utf-8")
    screen(source, tmp_path / "once.csv", service=service, payer="Cigna")
    with pytest.raises(ReaderError, match="pa_code"):
        screen(tmp_path / "once.csv", tmp_path / "twice.csv", service=service, payer="Cigna")


def test_usage_errors(service: Precert, tmp_path: Path) -> None:
    source = tmp_path / "s.csv"
    source.write_text(GOOD, encoding="utf-8")
    with pytest.raises(ValueError, match=r"\.csv, \.parquet or \.jsonl"):
        screen(source, tmp_path / "out.xlsx", service=service, payer="Cigna")
    with pytest.raises(ValueError, match="overwrite the input"):
        screen(source, source, service=service, payer="Cigna")
    with pytest.raises(ValueError, match="report folder"):
        screen(
            source,
            tmp_path / "o.csv",
            service=service,
            report=tmp_path / "no" / "r.html",
            payer="Cigna",
        )
    assert not (tmp_path / "o.csv").exists()
    with pytest.raises(ReaderError, match="no such file"):
        screen(tmp_path / "missing.csv", tmp_path / "o.csv", service=service, payer="Cigna")


class _Interrupt:
    def __init__(self) -> None:
        self.calls = 0

    def update(self, rows: int, fraction: float | None = None, stage: str = "") -> None:
        self.calls += 1
        raise KeyboardInterrupt


def test_an_interrupted_run_leaves_no_half_written_output(
    service: Precert, gen: Any, tmp_path: Path
) -> None:
    rows = gen.order_rows(300_000 // 100, seed=1) * 100
    source = gen.write_csv(tmp_path / "big.csv", rows)
    out = tmp_path / "out.parquet"
    out_before = tmp_path / "keep.parquet"
    out_before.write_bytes(b"old")
    progress = _Interrupt()
    for target in (out, out_before):
        with pytest.raises(KeyboardInterrupt):
            screen(source, target, service=service, progress=progress, payer="Cigna")
    assert progress.calls == 2
    assert not out.exists() and out_before.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_a_column_of_free_text_is_refused_before_memory_runs_out(
    service: Precert, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import precert.batch.answers

    monkeypatch.setattr(precert.batch.answers, "MAX_KEYS", 50)
    source = tmp_path / "ids.csv"
    source.write_text("id,code\n" + "".join(f"{i},ORDER-{i}\n" for i in range(200)))
    with pytest.raises(ReaderError, match="more than 50 distinct values"):
        screen(source, tmp_path / "ids.parquet", service=service, payer="Cigna")
    assert not (tmp_path / "ids.parquet").exists() and leftovers(tmp_path) == []


def test_malformed_json_lines_are_a_clear_error_without_contents(
    service: Precert, tmp_path: Path
) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text(
        '{"id": 1, "hcpcs": "E0466", "member": "SECRET1"}\n'
        '{"id": 2, "hcpcs": "K0856" "member": "SECRET2"}\n',
        encoding="utf-8",
    )
    with pytest.raises(ReaderError) as caught:
        screen(source, tmp_path / "j.parquet", service=service, payer="Cigna")
    assert "Malformed JSON" in str(caught.value) and "SECRET" not in str(caught.value)
    assert not (tmp_path / "j.parquet").exists() and leftovers(tmp_path) == []


def test_a_header_of_tens_of_thousands_of_columns_is_refused_before_reading(
    service: Precert, tmp_path: Path
) -> None:
    import pyarrow as pa

    wide = tmp_path / "wide.csv"
    names = ["hcpcs", *(f"c{i}" for i in range(49_999))]
    wide.write_text("\n\n" + ",".join(names) + "\nE0466" + "," * 49_999 + "\n", encoding="utf-8")
    with pytest.raises(ReaderError) as caught:
        screen(wide, tmp_path / "out.csv", service=service, payer="Cigna")
    # The header is the first line with text (after two blank lines here).
    assert caught.value.line == 3 and "the header has 50,000 columns" in str(caught.value)
    # A header line longer than the whole sample (millions of columns) is not even split.
    endless = tmp_path / "endless.csv"
    endless.write_text("hcpcs" + ",c" * 1_000_000 + "\nE0466\n", encoding="utf-8")
    with pytest.raises(ReaderError, match="header line is longer than 1,048,576 bytes"):
        screen(endless, tmp_path / "out.csv", service=service, payer="Cigna")
    table = pa.table({name: ["E0466" if name == "hcpcs" else ""] for name in names})
    pq.write_table(table, tmp_path / "wide.parquet")
    with pytest.raises(ReaderError, match="50,000 columns"):
        screen(tmp_path / "wide.parquet", tmp_path / "out.csv", service=service, payer="Cigna")
    assert leftovers(tmp_path) == [] and not (tmp_path / "out.csv").exists()


def test_a_header_within_the_column_limit_is_read(service: Precert, tmp_path: Path) -> None:
    source = tmp_path / "wide.csv"
    names = ["hcpcs", *(f"c{i}" for i in range(1_999))]
    source.write_text(",".join(names) + "\nE0466" + "," * 1_999 + "\n", encoding="utf-8")
    assert screen(source, tmp_path / "out.parquet", service=service, payer="Cigna").rows == 1
