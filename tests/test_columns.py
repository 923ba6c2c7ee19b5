"""precert.columns: the batch screener and the upload page find the same code column and add
the same columns with the same values, because both call this one module."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from precert.batch import screen as batch_screen
from precert.batch.columns import find_code_column
from precert.columns import ANSWER_COLUMNS, answer_cells, code_column, named_column
from precert.readers import ReaderError
from precert.service import Precert
from precert.web.screening import find_column, screen, screened_csv

# Header rows as order and claim exports have them: (headers, the code column's index).
HEADERS = [
    (["Order ID", "Item", "Qty"], 1),
    (["Line", "Code", "HCPCS", "Description"], 2),  # a specific header beats a generic one
    (["CPT® Code", "Units"], 0),
    (["member", "hcpcs_code", "dos"], 1),
    (["Item Code", "Item"], 0),
    (["ORDER", "PROC CD", "NOTE"], 1),
    (["Order ID", "Codes"], 1),
]


@pytest.mark.parametrize(("headers", "want"), HEADERS)
def test_batch_and_upload_find_the_same_code_column(headers: list[str], want: int) -> None:
    assert code_column(headers) == want
    assert find_code_column(headers, None, "orders.csv") == headers[want]
    rows = [headers, ["SO-1"] + ["E0466"] * (len(headers) - 1)]
    assert find_column(rows, None) == (want, True)


def test_a_named_column_is_found_alike_at_both_doors() -> None:
    headers = ["Order ID", "HCPCS_Code", "Qty"]
    assert named_column(headers, "hcpcs code") == 1
    assert find_code_column(headers, "hcpcs code", "orders.csv") == "HCPCS_Code"
    assert find_column([headers, ["SO-1", "E0466", "1"]], "hcpcs code") == (1, True)
    assert named_column(["code", "CODE"], "Code") is None  # two columns match: ask, never guess
    with pytest.raises(ReaderError, match="no code column 'Code'"):
        find_code_column(["code", "CODE"], "Code", "orders.csv")


def test_headers_that_name_no_code_column() -> None:
    assert code_column(["order", "qty", "itemized"]) is None
    with pytest.raises(ReaderError, match="Name it with --code-column"):
        find_code_column(["order", "qty"], None, "orders.csv")


def test_the_upload_download_has_the_batch_columns_and_values(
    service: Precert, tmp_path: Path
) -> None:
    """One file through both doors: the same added columns, cell for cell."""
    orders = "Order ID,Item,Qty\nSO-1,E0466,1\nSO-2,k0856-rr,1\nSO-3,A4239,2\nSO-4,E0100,1\n"
    orders += "SO-5,K0553,1\nSO-6,XYZ,1\n"
    source = tmp_path / "orders.csv"
    source.write_text(orders)
    batch_out = tmp_path / "screened.csv"
    batch_screen(source, batch_out, service=service, payer="Cigna")
    with batch_out.open(newline="", encoding="utf-8-sig") as f:
        batch_rows = list(csv.DictReader(f))
    upload = screened_csv(screen(service, orders.encode(), "orders.csv", None, payer="Cigna"))
    upload_rows = list(csv.DictReader(io.StringIO(upload.lstrip("\ufeff"))))
    assert list(upload_rows[0])[-len(ANSWER_COLUMNS) :] == list(ANSWER_COLUMNS)
    assert list(batch_rows[0])[-len(ANSWER_COLUMNS) :] == list(ANSWER_COLUMNS)
    assert len(batch_rows) == len(upload_rows) == 6
    for ours, theirs in zip(batch_rows, upload_rows, strict=True):
        assert ours["Order ID"] == theirs["Order ID"]
        for column in ANSWER_COLUMNS:
            assert ours[column] == theirs[column], (ours["Order ID"], column)
    assert [r["pa_status"] for r in upload_rows] == [
        "required", "required", "out_of_scope", "not_listed", "required", "invalid",
    ]  # fmt: skip


def test_answer_cells_follow_the_column_order(service: Precert) -> None:
    answer = service.determine_one("K0856-RR")
    cells = dict(zip(ANSWER_COLUMNS, answer_cells(answer), strict=True))
    assert cells["pa_code"] == "K0856" and cells["pa_modifiers"] == "RR"
    assert cells["pa_status"] == "required"
    assert cells["pa_submit_to"] is not None and cells["pa_submit_to"].startswith("eviCore")
    assert cells["pa_warnings"] is not None and "purchase only" in cells["pa_warnings"]
    assert cells["pa_source"] is not None and "cigna-commercial-dme v1" in cells["pa_source"]
    assert cells["pa_more_info"] is None  # required: nothing further to look up
    invalid = dict(zip(ANSWER_COLUMNS, answer_cells(service.determine_one("XYZ")), strict=True))
    assert invalid["pa_status"] == "invalid" and invalid["pa_notes"]
    # Not on Cigna's list: the next step is the page Cigna's profile names.
    unlisted = service.determine_one("E0100", payer="Cigna")
    assert unlisted.more_info is not None
    cells = dict(zip(ANSWER_COLUMNS, answer_cells(unlisted), strict=True))
    assert cells["pa_status"] == "not_listed" and cells["pa_more_info"] == unlisted.more_info.url
