"""One formula rule for every CSV precert writes: the web downloads, `diff --csv`, batch output
and its rejects file all neutralize the same cells, and leave numbers alone."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precert import csvsafe
from precert.batch import screen
from precert.cli import main
from precert.service import BUNDLED_LIST, Precert

EVIL = ['=HYPERLINK("http://x")', "@SUM(A1)", "+1 555", "-2+3", "-", "\t=1", "\r=1"]
NUMBERS = ["-12.50", "+3", "-1,234.5", "12", "0.5"]
DUCKDB = duckdb.connect()


def test_formulas_are_neutralized_and_numbers_are_not() -> None:
    for cell in EVIL:
        assert csvsafe.safe_cell(cell) == "'" + cell
    for cell in [*NUMBERS, "E0466", "plain", "", "a=b"]:
        assert csvsafe.safe_cell(cell) == cell
    assert csvsafe.safe_cell(None) == ""


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12),
        st.from_regex(r"\A[=+\-@\t\r]?[0-9,.]{0,6}\Z"),
        st.sampled_from(EVIL + NUMBERS),
    )
)
def test_duckdb_output_applies_the_same_rule_as_python(text: str) -> None:
    got = DUCKDB.execute(f"SELECT {csvsafe.sql_safe('$1')}", [text]).fetchone()
    assert got == (csvsafe.safe_cell(text),)


def test_a_cell_given_in_pieces_follows_the_rule() -> None:
    assert "".join(csvsafe.safe_stream(["-12.50"])) == "-12.50"
    assert "".join(csvsafe.safe_stream(["=A1"])) == "'=A1"
    assert "".join(csvsafe.safe_stream(["-12", "3=A1"])) == "'-123=A1"
    assert "".join(csvsafe.safe_stream(["E04", "66"])) == "E0466"


def test_the_web_exports_use_the_shared_rule() -> None:
    from precert.web import csvout

    assert csvout.safe_cell is csvsafe.safe_cell and csvout.to_csv is csvsafe.to_csv


def test_upload_download_and_batch_agree_cell_for_cell(service: Precert, tmp_path: Path) -> None:
    from precert.web.screening import screen as screen_upload
    from precert.web.screening import screened_csv

    cells = [c for c in EVIL + NUMBERS if "\r" not in c]  # a bare CR would end the line
    rows = [["SO-1", "E0466", cell] for cell in cells]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([["Order ID", "HCPCS", "Amount"], *rows])
    source = tmp_path / "orders.csv"
    source.write_text(text.getvalue(), encoding="utf-8")
    screen(source, tmp_path / "screened.csv", service=service, payer="Cigna")
    with (tmp_path / "screened.csv").open(encoding="utf-8", newline="") as handle:
        batch = [r["Amount"] for r in csv.DictReader(handle)]
    web = screened_csv(screen_upload(service, source.read_bytes(), "orders.csv", None))
    upload = [r["Amount"] for r in csv.DictReader(io.StringIO(web))]
    assert batch == upload == [csvsafe.safe_cell(c) for c in cells]
    assert "-12.50" in upload and '\'=HYPERLINK("http://x")' in upload


def test_diff_csv_neutralizes_formulas(
    service: Precert, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = BUNDLED_LIST.read_text(encoding="utf-8").split("\n")
    edits = {"E0466": '=HYPERLINK("http://x")', "K0856": "@SUM(A1)"}
    for index, line in enumerate(lines):
        cells = line.split("\t")
        if len(cells) == 7 and cells[2] in edits:
            cells[6] = edits.pop(cells[2])  # the External Notation column
            lines[index] = "\t".join(cells)
    assert not edits
    v2 = tmp_path / "v2.txt"
    v2.write_text("\n".join(lines), encoding="utf-8")
    service.import_list(v2, list_id="cigna-commercial-dme")
    assert main(["diff", "cigna-commercial-dme", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    new = {r["code"]: r["to"] for r in rows if r["field"] == "notes"}
    assert new["E0466"] == '\'=HYPERLINK("http://x")' and new["K0856"] == "'@SUM(A1)"


def test_batch_csv_output_neutralizes_the_header_too(service: Precert, tmp_path: Path) -> None:
    source = tmp_path / "orders.csv"
    source.write_text('hcpcs,"=HYPERLINK(""http://x"")",-12.50\nE0466,a,b\n', encoding="utf-8")
    screen(source, tmp_path / "out.csv", service=service, payer="Cigna")
    with (tmp_path / "out.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[:3] == ["hcpcs", '\'=HYPERLINK("http://x")', "-12.50"]
