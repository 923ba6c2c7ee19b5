"""Screening an uploaded CSV of order lines on the page: every line answered, none lost."""

from __future__ import annotations

import asyncio
import csv
import io
import re

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from precert.service import BUNDLED_LIST
from precert.web.errors import MAX_BODY
from precert.web.screening import MAX_UPLOAD

from .conftest import Api


def published_codes(count: int) -> list[str]:
    """The first ``count`` codes of the real Cigna list, in published order."""
    found: list[str] = []
    for line in BUNDLED_LIST.read_text().splitlines():
        for cell in line.split("\t"):
            if re.fullmatch(r"[A-V]\d{4}", cell) and cell not in found:
                found.append(cell)
                break
        if len(found) == count:
            break
    return found


def orders_csv(codes: list[str], delimiter: str = ",", header: bool = True) -> str:
    """Order lines as a supplier would export them: order id, item code, quantity."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    if header:
        writer.writerow(["Order ID", "HCPCS", "Qty", "Comment"])
    for n, code in enumerate(codes, start=1):
        writer.writerow([f"SO-{n:05d}", code, 1, ""])
    return out.getvalue()


def upload(
    api: Api, content: bytes, action: str = "page", column: str = "", payer: str = "Cigna"
) -> httpx.Response:
    """POST the upload form (for Cigna: both bundled lists are loaded)."""
    return api.post(
        "/upload",
        files={"file": ("orders.csv", content, "text/csv")},
        data={"action": action, "column": column, "payer": payer},
    )


def test_screen_on_the_page(api: Api) -> None:
    codes = published_codes(40)
    response = upload(api, orders_csv(codes).encode())
    assert response.status_code == 200
    html = response.text
    assert "orders.csv: 40 order lines" in html
    assert "Codes read from column “HCPCS”" in html
    shown = re.findall(r'<a class="code" href="/codes/(\w+)[?"]', html)
    assert shown == codes
    assert "Required: <strong>" in html


def test_download_keeps_every_line_and_appends_the_answers(api: Api) -> None:
    codes = published_codes(25)
    text = orders_csv(codes).replace("SO-00003,", "=cmd|' /C calc'!A0,")
    text += "SO-99998,,1,no code on this line\nSO-99999,k0856 rr,1,rental\n"
    response = upload(api, text.encode(), action="csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="orders-screened.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert [r["row"] for r in rows] == [str(n) for n in range(2, 2 + len(codes) + 2)]
    assert [r["pa_code"] for r in rows[: len(codes)]] == codes
    assert rows[2]["Order ID"].startswith("'=")  # a formula in the upload stays inert
    assert rows[-2]["pa_status"] == "invalid" and rows[-2]["Comment"] == "no code on this line"
    assert rows[-1]["pa_code"] == "K0856" and rows[-1]["pa_modifiers"] == "RR"
    assert "purchase only" in rows[-1]["pa_warnings"]


@pytest.mark.parametrize(
    ("filename", "download"),
    [("訂單.csv", "__-screened.csv"), ("commandes été.csv", "commandes__t_-screened.csv")],
)
def test_download_name_of_a_file_named_in_any_script(
    api: Api, filename: str, download: str
) -> None:
    """A file name outside ASCII still downloads (an HTTP header cannot carry it as is)."""
    response = api.post(
        "/upload",
        files={"file": (filename, b"code\nE0466\n", "text/csv")},
        data={"action": "csv", "payer": "Cigna"},
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="{download}"'
    assert "E0466" in response.text


def test_semicolons_no_header_and_windows_1252(api: Api) -> None:
    codes = published_codes(10)
    text = orders_csv(codes, delimiter=";", header=False).replace(";1;", ";1;Fauteuil électrique")
    response = upload(api, text.encode("cp1252"))
    assert response.status_code == 200
    assert "column 2" in response.text and "no header row" in response.text
    assert re.findall(r'<a class="code" href="/codes/(\w+)[?"]', response.text) == codes


def test_excel_unicode_text_utf_16_with_a_bom(api: Api) -> None:
    """Excel's "Unicode Text" export: UTF-16 LE with a BOM, tab separated, CRLF."""
    codes = published_codes(10)
    text = orders_csv(codes, delimiter="\t").replace("\n", "\r\n")
    for encoding in ("utf-16", "utf-16-be"):
        data = text.encode(encoding)
        if encoding == "utf-16-be":
            data = b"\xfe\xff" + data
        response = upload(api, data)
        assert response.status_code == 200, response.text
        assert re.findall(r'<a class="code" href="/codes/(\w+)[?"]', response.text) == codes
    broken = upload(api, b"\xff\xfe" + "E0466".encode("utf-16-le") + b"\x00")
    assert broken.status_code == 422 and "UTF-16" in broken.text


def test_choose_the_column(api: Api) -> None:
    text = "a,b\nE0466,K0856\nE0100,L5856\n"
    second = upload(api, text.encode(), column="2").text
    assert re.findall(r'<a class="code" href="/codes/(\w+)[?"]', second) == ["K0856", "L5856"]
    named = upload(api, text.encode(), column="A").text
    assert re.findall(r'<a class="code" href="/codes/(\w+)[?"]', named) == ["E0466", "E0100"]
    wrong = upload(api, text.encode(), column="HCPCS")
    assert wrong.status_code == 422
    assert "no column &#39;HCPCS&#39;" in wrong.text and "&#39;a&#39;, &#39;b&#39;" in wrong.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Choose a CSV or XLSX file"),
        (b"   \n\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
        (b"name,city\nAda,London\nGrace,Arlington\n", "no column of codes found"),
    ],
)
def test_unusable_files_are_explained(api: Api, content: bytes, message: str) -> None:
    if content:
        response = upload(api, content)
    else:
        response = api.post("/upload", files={"file": ("", b"", "text/csv")})
    assert response.status_code == 422
    assert message in response.text
    assert 'id="upload-error"' in response.text


def test_files_over_5_mb_are_refused(api: Api) -> None:
    big = orders_csv(published_codes(5) * 60000).encode()[: MAX_UPLOAD + 10]
    assert MAX_UPLOAD < len(big) < MAX_BODY
    response = upload(api, big)
    assert response.status_code == 413
    assert "larger than 5 MB" in response.text
    huge = upload(api, b"E0466\n" * (MAX_BODY // 6 + 10))
    assert huge.status_code == 413
    assert huge.headers["content-type"].startswith("text/html")
    assert "batch screener" in huge.text


def test_a_form_without_a_file_part(api: Api) -> None:
    response = api.post("/upload", data={"column": "x"})
    assert response.status_code == 422
    assert "Choose a CSV or XLSX file" in response.text
    garbage = api.post(
        "/upload", content=b"--x\r\nbroken", headers={"content-type": "multipart/form-data"}
    )
    assert garbage.status_code in (400, 422)


def test_a_single_column_of_codes(api: Api) -> None:
    codes = published_codes(8)
    response = upload(api, ("\n".join(codes) + "\n").encode())
    assert response.status_code == 200
    assert re.findall(r'<a class="code" href="/codes/(\w+)[?"]', response.text) == codes


@given(content=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_bytes_get_an_answer_or_a_reason(api: Api, content: bytes) -> None:
    response = upload(api, content)
    assert response.status_code in (200, 422)
    assert ("screened-table" in response.text) != ('id="upload-error"' in response.text)


def test_a_big_upload_does_not_hold_up_other_requests(web_app: FastAPI) -> None:
    """Screening runs off the event loop: /healthz answers while a 2.7 MB upload is screened."""
    content = orders_csv(published_codes(50) * 3000).encode()
    assert 2_000_000 < len(content) < MAX_UPLOAD
    finished: list[str] = []

    async def run() -> None:
        transport = httpx.ASGITransport(app=web_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://precert.test") as c:

            async def post() -> None:
                files = {"file": ("orders.csv", content, "text/csv")}
                response = await c.post("/upload", files=files, data={"action": "csv"})
                assert response.status_code == 200
                finished.append("upload")

            async def health() -> None:
                await asyncio.sleep(0.2)  # the upload is being screened by now
                assert (await c.get("/healthz")).status_code == 200
                finished.append("healthz")

            await asyncio.gather(post(), health())

    asyncio.run(run())
    assert finished == ["healthz", "upload"]
