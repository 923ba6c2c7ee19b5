"""The upload screens as `precert batch` does: XLSX as well as CSV, a date-of-service, payer
and state column used when present, every loaded payer side by side when none is chosen, and
the same added columns, cell for cell, as the batch screener writes for the same file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import httpx
import openpyxl
import pytest

from precert.batch import screen as batch_screen
from precert.service import BUNDLED_LIST, Precert
from precert.web.screening import screen, screened_csv

from .conftest import Api

# Claims as a clearinghouse exports them: the payer and member state of each line, its date
# of service (some blank, one not a date), codes with modifiers and noise, a blank code.
CLAIMS = [
    ("Claim", "HCPCS", "Payer", "Member State", "DOS"),
    ("C1", "K0856", "Cigna", "TX", "2026-03-01"),
    ("C2", "K0856", "Medicare", "TX", "03/01/2026"),
    ("C3", "k0856-rr", "medicare", "NY", ""),
    ("C4", "E0466", "Medicare", "", "2026-03-02"),
    ("C5", "E0466", "Cigna", "", "20260302"),
    ("C6", "E0466", "Aetna", "TX", "2026-03-02"),
    ("C7", "A4239", "", "CA", "2026-03-03"),
    ("C8", "", "Cigna", "", "2026-03-03"),
    ("C9", "L5856:LT", "Medicare", "FL", "next week"),
    ("C10", "E0466, A4239", "Cigna", "", "2026-03-04"),
]


def claims_csv(rows: list[tuple[str, ...]] = CLAIMS) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def claims_xlsx(path: Path, rows: list[tuple[str, ...]] = CLAIMS) -> bytes:
    """The claims as an Excel workbook: dates as date cells, as Excel stores them."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(rows[0]))
    dos = rows[0].index("DOS")
    for row in rows[1:]:
        cells: list[object] = list(row)
        if re.fullmatch(r"\d{4}-\d\d-\d\d", row[dos]):
            cells[dos] = dt.datetime.fromisoformat(row[dos])
        sheet.append(cells)
    book.save(path)
    return path.read_bytes()


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def batch_rows(service: Precert, source: Path, out: Path, **options: str) -> list[dict[str, str]]:
    batch_screen(source, out, service=service, **options)  # type: ignore[arg-type]
    with out.open(newline="", encoding="utf-8-sig") as file:
        return list(csv.DictReader(file))


def added(row: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in row.items() if k.startswith("pa_")}


def post(
    api: Api, name: str, content: bytes, action: str = "page", **fields: str
) -> httpx.Response:
    return api.post(
        "/upload",
        files={"file": (name, content, "application/octet-stream")},
        data={"action": action, **fields},
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_upload_and_batch_add_the_same_columns_per_row_payer(
    service: Precert, tmp_path: Path, kind: str
) -> None:
    """The payer, state and date columns found by header answer each line as `precert batch
    --payer-column Payer --state-column "Member State" --date-column DOS` does."""
    source = tmp_path / f"claims.{kind}"
    data = claims_xlsx(source) if kind == "xlsx" else claims_csv().encode()
    source.write_bytes(data)
    screened = screen(service, data, source.name, None)
    assert screened.per_row and screened.used == (
        ("date of service", "DOS"),
        ("payer", "Payer"),
        ("member state", "Member State"),
    )
    uploaded = read_csv(screened_csv(screened))
    batched = batch_rows(
        service,
        source,
        tmp_path / "batch.csv",
        payer_column="Payer",
        state_column="Member State",
        date_column="DOS",
    )
    assert len(uploaded) == len(batched) == len(CLAIMS) - 1
    assert [added(r) for r in uploaded] == [added(r) for r in batched]
    status = {r["Claim"]: r["pa_status"] for r in uploaded}
    assert status["C2"] == "required" and status["C4"] == "not_required"  # Medicare
    assert status["C5"] == "required"  # Cigna's list: E0466 requires PA
    assert status["C6"] == status["C7"] == "invalid"  # Aetna, and no payer with two loaded
    assert status["C9"] == "invalid" and status["C10"] == "invalid"  # not a date; two codes
    by_claim = {r["Claim"]: r for r in uploaded}
    assert by_claim["C3"]["pa_submit_to"] == "Noridian Healthcare Solutions (Jurisdiction A)"
    assert "answered for" in by_claim["C3"]["pa_warnings"]  # blank date: today, said so


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_upload_and_batch_add_the_same_columns_for_every_payer(
    service: Precert, tmp_path: Path, kind: str
) -> None:
    """No payer column and no payer chosen: every payer side by side, as `--payer all`."""
    rows = [tuple(c for i, c in enumerate(r) if i != 2) for r in CLAIMS]  # no Payer column
    source = tmp_path / f"claims.{kind}"
    data = claims_xlsx(source, rows) if kind == "xlsx" else claims_csv(rows).encode()
    source.write_bytes(data)
    screened = screen(service, data, source.name, None)
    assert not screened.per_row
    assert screened.payers == ("Cigna / Commercial", "Medicare / FFS")
    uploaded = read_csv(screened_csv(screened))
    batched = batch_rows(
        service,
        source,
        tmp_path / "batch.csv",
        payer="all",
        state_column="Member State",
        date_column="DOS",
    )
    names = [k for k in uploaded[0] if k.startswith("pa_")]
    assert names[:4] == ["pa_code", "pa_modifiers", "pa_status_cigna_commercial",
                         "pa_submit_to_cigna_commercial"]  # fmt: skip
    assert "pa_source_medicare_ffs" in names
    assert [added(r) for r in uploaded] == [added(r) for r in batched]
    c1 = uploaded[0]
    assert (c1["pa_status_cigna_commercial"], c1["pa_status_medicare_ffs"]) == (
        "required",
        "required",
    )
    assert c1["pa_submit_to_medicare_ffs"] == "CGS Administrators (Jurisdiction C)"  # TX


def test_the_page_shows_payers_side_by_side(api: Api) -> None:
    rows = [("Order", "HCPCS"), ("SO-1", "E0466"), ("SO-2", "K0856"), ("SO-3", "XYZ")]
    response = post(api, "orders.csv", claims_csv(rows).encode())
    assert response.status_code == 200, response.text
    html = response.text
    head = re.search(r"<thead>(.*?)</thead>", html, re.DOTALL)
    assert head is not None
    assert "Cigna / Commercial" in head[1] and "Medicare / FFS" in head[1]
    assert re.findall(r'<a class="code" href="/codes/(\w+)">', html) == ["E0466", "K0856"]
    body = html[html.index("<tbody>") :]
    # E0466: Cigna requires PA, Medicare's list does not name it; each cell opens its answer.
    first = body[: body.index("</tr>")]
    assert re.findall(r'data-status="(\w+)"', first)[:3] == ["required", "required", "not_required"]
    assert "Answered for today" in html
    assert "<strong>Cigna / Commercial</strong>: Required: <strong>2</strong>" in html


def test_the_page_uses_a_payer_column_and_the_choice_fills_blanks(api: Api) -> None:
    response = post(api, "claims.csv", claims_csv().encode(), payer="Medicare")
    assert response.status_code == 200, response.text
    html = response.text
    assert "payer from column “Payer”" in html and "date of service from column “DOS”" in html
    assert '<th scope="col">Payer</th>' in html
    c7 = re.search(r"A4239</a>.*?</tr>", html, re.DOTALL)  # the only line with A4239
    assert c7 is not None and "Medicare / FFS" in c7[0]  # the blank payer cell: Medicare
    assert "&#39;Aetna&#39;" in html or "'Aetna'" in html  # C6: no list, the choices named


def test_the_form_offers_the_payers(api: Api) -> None:
    html = api.get("/upload?payer=Medicare").text
    assert '<option value="Medicare" selected>Medicare</option>' in html
    assert "All payers, side by side" in html and 'accept=".csv' in html and ".xlsx" in html


def test_unknown_payer_choice_names_the_loaded_ones(api: Api) -> None:
    response = post(api, "o.csv", b"HCPCS\nE0466\n", payer="Aetna")
    assert response.status_code == 422
    assert "Cigna / Commercial, Medicare / FFS" in response.text


def test_bad_workbooks_are_explained_never_a_500(api: Api, tmp_path: Path) -> None:
    broken = post(api, "orders.xlsx", b"PK\x03\x04 this is no workbook")
    assert broken.status_code == 422 and "cannot read this XLSX workbook" in broken.text
    old = post(api, "orders.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert old.status_code == 422 and "old Excel workbook (.xls)" in old.text
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    nothing = post(api, "empty.xlsx", empty.read_bytes())
    assert nothing.status_code == 422 and 'id="upload-error"' in nothing.text
    # A workbook whose used range reaches XFD1048576: refused by the child's memory ceiling.
    sparse = tmp_path / "sparse.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Order", "HCPCS"])
    sheet.append(["SO-1", "E0466"])
    sheet["XFD1048576"] = "x"
    book.save(sparse)
    far = post(api, "sparse.xlsx", sparse.read_bytes())
    assert far.status_code == 422 and "used range needs more memory" in far.text
    assert "E0466" not in far.text.split('id="upload-error"', 1)[1]  # no cell contents


def test_a_real_code_list_as_xlsx(api: Api, tmp_path: Path) -> None:
    """The codes of Cigna's published list in a workbook, answered in order."""
    codes = list(dict.fromkeys(re.findall(r"\t([A-V]\d{4})\t", BUNDLED_LIST.read_text())))[:60]
    path = tmp_path / "items.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Order", "Item", "Qty"])
    for i, code in enumerate(codes):
        sheet.append([f"SO-{i}", code, 1])
    book.save(path)
    assert zipfile.is_zipfile(path)
    response = post(api, "items.xlsx", path.read_bytes(), payer="Cigna")
    assert response.status_code == 200, response.text
    assert "Codes read from column “Item”" in response.text
    assert re.findall(r'<a class="code" href="/codes/(\w+)[?"]', response.text) == codes


def test_each_line_is_answered_for_its_date_of_service(api: Api) -> None:
    """Medicare's list changed on 2025-01-01 (L0631 added, L1833 dropped): a line dated
    before answers from the version then in force, a line dated after from the new one."""
    rows = [
        ("Order", "Item", "Date of Service"),
        ("SO-1", "L0631", "07/01/2024"),
        ("SO-2", "L0631", "2026-03-01"),
        ("SO-3", "L1833", "2024-07-01"),
        ("SO-4", "L1833", "2026-03-01"),
    ]
    response = post(api, "o.csv", claims_csv(rows).encode(), action="csv", payer="Medicare")
    assert response.status_code == 200, response.text
    got = [(r["Item"], r["pa_status"]) for r in read_csv(response.text)]
    assert got == [
        ("L0631", "not_required"),
        ("L0631", "required"),
        ("L1833", "required"),
        ("L1833", "not_required"),
    ]
    page = post(api, "o.csv", claims_csv(rows).encode(), payer="Medicare").text
    assert "date of service from column “Date of Service”" in page
    assert "Answered for today" not in page


def test_a_plan_column_is_not_taken_for_the_payer(service: Precert) -> None:
    """A plan's name ("Open Access Plus") names no loaded list: only payer headers are used."""
    data = b"Order,HCPCS,Plan\nSO-1,E0466,Open Access Plus\n"
    screened = screen(service, data, "o.csv", None, payer="Cigna")
    assert not screened.per_row and screened.used == ()
    assert screened.rows[0].answer.status.value == "required"


def test_the_screened_page_gives_the_url_of_the_choice(api: Api) -> None:
    """After a POST the page's script puts the choice in the URL (the form's data-url), as
    the search page's URL carries it: a reload or a link starts the form with it."""
    orders = b"Order,HCPCS\nSO-1,E0466\n"
    one = post(api, "orders.csv", orders, payer="Medicare", lob="FFS").text
    assert 'id="upload-form"' in one and 'data-url="/upload?payer=Medicare&amp;lob=FFS"' in one
    every = post(api, "orders.csv", orders).text
    assert 'data-url="/upload"' in every
    # A code's link opens its page for the payer the file was screened for.
    assert '<a class="code" href="/codes/E0466?payer=Medicare&amp;lob=FFS">' in one
    assert '<a class="code" href="/codes/E0466">' in every  # side by side: every payer's
    form = api.get("/upload", params={"payer": "Medicare", "lob": "FFS"}).text
    assert '<option value="Medicare" selected>' in form and "data-url" not in form
