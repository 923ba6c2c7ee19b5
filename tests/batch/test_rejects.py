"""No row is lost silently: over-long lines and NUL runs are counted and kept whole, neutralized."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from precert.batch import rejects_path, screen
from precert.readers import ReaderError
from precert.service import Precert

HEADER = b"id,hcpcs,note\n"


def leftovers(folder: Path) -> list[str]:
    """Hidden partial files or work folders a run left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def kept(out: Path) -> list[dict[str, str]]:
    """The rows of the rejects file (its cells may be tens of megabytes long)."""
    # csv's cell limit is process-wide: raise it for this read only, so no other test
    # (the readers' unclosed-quote report relies on it) runs with it raised.
    limit = csv.field_size_limit(1 << 30)
    try:
        with rejects_path(out).open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    finally:
        csv.field_size_limit(limit)


def test_a_line_longer_than_the_limit_is_counted_and_kept_whole(
    service: Precert, tmp_path: Path
) -> None:
    long_line = b"2,E0466," + b"x" * (33 << 20)
    source = tmp_path / "long.csv"
    source.write_bytes(HEADER + b"1,E0466,a\n" + long_line + b"\n3,K0856,c\n")
    out = tmp_path / "out.parquet"
    summary = screen(source, out, service=service, payer="Cigna")
    assert [r["id"] for r in pq.read_table(out).to_pylist()] == ["1", "3"]
    assert summary.rejected == 1
    assert [(r.line, r.error) for r in summary.rejected_lines] == [
        (3, "line longer than 2,000,000 bytes")
    ]
    rows = kept(out)
    assert [(r["line"], r["error"]) for r in rows] == [("3", "line longer than 2,000,000 bytes")]
    assert rows[0]["original_line"].encode() == long_line  # whole, not DuckDB's first 10,000
    assert "xxxx" not in summary.text()  # no row contents in what is printed
    with pytest.raises(ReaderError) as caught:
        screen(source, tmp_path / "strict.parquet", service=service, strict=True, payer="Cigna")
    assert caught.value.line == 3 and "--strict" in str(caught.value)
    assert not (tmp_path / "strict.parquet").exists() and leftovers(tmp_path) == []


def test_a_nul_run_inside_a_gzip_member_is_counted_and_kept(
    service: Precert, gen: Any, tmp_path: Path
) -> None:
    codes = gen.listed_codes()
    # Enough good lines that the NUL run lies past the sample the format is detected from.
    good = b"".join(f"{i},{codes[i % len(codes)]},n\n".encode() for i in range(120_000))
    bad = b"120000,E0466," + b"\x00" * (40 << 20)
    source = tmp_path / "orders.csv.gz"
    # Two gzip members, the NUL run inside the second one.
    source.write_bytes(gzip.compress(HEADER + good) + gzip.compress(bad + b"\n120001,A4239,z\n"))
    out = tmp_path / "out.csv"
    summary = screen(source, out, service=service, payer="Cigna")
    assert summary.rows == 120_001 and summary.rejected == 1
    assert summary.rejected_lines[0].line == 120_002
    rows = kept(out)
    assert len(rows) == 1 and rows[0]["line"] == "120002"
    assert rows[0]["original_line"].encode() == bad


def test_rejected_lines_are_kept_whole_past_ten_thousand_bytes_and_without_line_ends(
    service: Precert, tmp_path: Path
) -> None:
    wide = b"3,E0100,c,EXTRA" + b"z" * 50_000
    for ending in (b"\n", b"\r\n"):
        source = tmp_path / "wide.csv"
        source.write_bytes(
            ending.join([b"id,hcpcs,note", b"1,E0466,a", wide, b"4,A4239", b"5,K0856,e", b""])
        )
        out = tmp_path / "out.csv"
        summary = screen(source, out, service=service, payer="Cigna")
        assert summary.rejected == 2
        rows = kept(out)
        assert [(r["line"], r["error"]) for r in rows] == [
            ("3", "too many columns"),
            ("4", "missing columns"),
        ]
        assert [r["original_line"].encode() for r in rows] == [wide, b"4,A4239"]


def test_a_line_no_read_buffer_would_hold_refuses_the_file(
    service: Precert, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import precert.batch.duck

    monkeypatch.setattr(precert.batch.duck, "MAX_BUFFERED_LINE_BYTES", 5 << 20)
    source = tmp_path / "huge.csv"
    source.write_bytes(HEADER + b"1,E0466,a\n2,E0466," + b"y" * (6 << 20) + b"\n3,K0856,c\n")
    with pytest.raises(ReaderError) as caught:
        screen(source, tmp_path / "out.csv", service=service, payer="Cigna")
    assert caught.value.line == 3 and "6,291,464 bytes long" in str(caught.value)
    assert "yyyy" not in str(caught.value)
    assert not (tmp_path / "out.csv").exists() and leftovers(tmp_path) == []


def test_the_rejects_file_neutralizes_formulas(service: Precert, tmp_path: Path) -> None:
    source = tmp_path / "evil.csv"
    source.write_text(
        'id,hcpcs,note\n1,E0466,a\n=HYPERLINK("http://x"),E0466,b,EXTRA\n@SUM(A1),K0856\n-12.50\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    assert screen(source, out, service=service, payer="Cigna").rejected == 3
    assert [r["original_line"] for r in kept(out)] == [
        '\'=HYPERLINK("http://x"),E0466,b,EXTRA',
        "'@SUM(A1),K0856",
        "-12.50",  # a number is not a formula
    ]
