"""XLSX input read in a child process: a workbook the reader cannot hold is refused, not fatal."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from precert.batch import screen
from precert.readers import ReaderError
from precert.service import Precert

OFFICE = "http://schemas.openxmlformats.org"
XML = '<?xml version="1.0" encoding="UTF-8"?>'


def leftovers(folder: Path) -> list[str]:
    """Hidden partial files or work folders a run left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def sparse_workbook(path: Path, far_cell: str) -> Path:
    """A tiny workbook written by hand: a header, one order, and one cell at ``far_cell``."""
    ns = f'xmlns="{OFFICE}/spreadsheetml/2006/main"'
    rel = f"{OFFICE}/officeDocument/2006/relationships"
    rels = f'<Relationships xmlns="{OFFICE}/package/2006/relationships">'
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    row = "".join(c for c in far_cell if c.isdigit())

    def text(ref: str, value: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'

    parts = {
        "[Content_Types].xml": (
            f'{XML}<Types xmlns="{OFFICE}/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{kind}.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'{XML}{rels}<Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{XML}<workbook {ns} xmlns:r="{rel}"><sheets>'
            '<sheet name="Orders" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{XML}{rels}<Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f"{XML}<worksheet {ns}><sheetData>"
            f'<row r="1">{text("A1", "order")}{text("B1", "hcpcs")}</row>'
            f'<row r="2">{text("A2", "SO-1")}{text("B2", "E0466")}</row>'
            f'<row r="{row}">{text(far_cell, "x")}</row>'
            "</sheetData></worksheet>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return path


def test_an_enormous_sparse_used_range_is_refused_and_nothing_is_left(
    service: Precert, tmp_path: Path
) -> None:
    source = sparse_workbook(tmp_path / "orders.xlsx", "XFD1048576")
    assert source.stat().st_size < 2048
    out = tmp_path / "out.parquet"
    with pytest.raises(ReaderError) as caught:
        screen(source, out, service=service, payer="Cigna")
    message = str(caught.value)
    assert "used range" in message and "XFD1048576" in message and "549,755,813,888" in message
    assert not out.exists() and leftovers(tmp_path) == []


def test_a_workbook_within_reach_still_reads(service: Precert, tmp_path: Path) -> None:
    source = sparse_workbook(tmp_path / "orders.xlsx", "D40")
    out = tmp_path / "out.parquet"
    summary = screen(source, out, service=service, payer="Cigna")
    # Blank rows are skipped; the far cell makes a row without a code.
    assert summary.rows == 2 and summary.statuses["required"] == summary.without_code == 1


def test_a_sheet_with_thousands_of_header_columns_is_refused(
    service: Precert, gen: Any, tmp_path: Path
) -> None:
    header = ["hcpcs", *(f"c{i}" for i in range(2_500))]
    source = gen.write_xlsx(tmp_path / "wide.xlsx", header, [["E0466", *[""] * 2_500]])
    with pytest.raises(ReaderError) as caught:
        screen(source, tmp_path / "out.csv", service=service, payer="Cigna")
    assert caught.value.line == 1 and "2,501 columns" in str(caught.value)
    assert leftovers(tmp_path) == []
