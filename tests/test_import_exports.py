"""CSV and XLSX exports of the real Cigna list (its published text laid out as spreadsheet rows)
import as the text does: the reader is picked by extension, a bad row imports nothing, and a
new list from an export without title rows needs its payer and line of business."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from precert import Precert, Status
from precert.cli import main
from precert.service import BUNDLED_LIST
from precert.versioning import diff_versions

LIST = "cigna-commercial-dme"


def document_rows() -> list[list[str]]:
    """The published text as spreadsheet rows: title rows as one cell, tabs as columns."""
    rows: list[list[str]] = []
    for line in BUNDLED_LIST.read_text(encoding="utf-8").split("\n"):
        text = line.strip()
        if text.startswith("**"):
            rows.append([text.strip("*").strip()])
        elif not text:
            rows.append([])
        else:
            rows.append(line.split("\t"))
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A minimal, valid XLSX workbook (inline strings, numbers) with these sheets: written by
    hand so "#N/A" stays the text Cigna published (openpyxl would make it an error value)."""
    names = list(sheets)
    workbook = "".join(
        f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(names) + 1)
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType'
            '="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships"><sheets>{workbook}</sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for i, rows in enumerate(sheets.values(), 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", _sheet(rows))
    return path


def _sheet(rows: list[list[object]]) -> str:
    body = []
    for r, row in enumerate(rows, 1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                text = escape(str(value))
                cells.append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
                )
        body.append(f'<row r="{r}">{"".join(cells)}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.'
        f'org/spreadsheetml/2006/main"><sheetData>{"".join(body)}</sheetData></worksheet>'
    )


def test_import_picks_the_reader_by_extension(service: Precert, tmp_path: Path) -> None:
    rows = document_rows()
    index = next(i for i, r in enumerate(rows) if len(r) == 7 and r[2] == "E0466")
    rows[index][4] = "No"
    path = write_xlsx(tmp_path / "cigna-2027.xlsx", {"Sheet1": [list(r) for r in rows]})
    result = service.import_list(path, list_id=LIST, effective=dt.date(2027, 1, 1))
    assert (result.created, result.version, result.rows) == (True, "v2", 643)
    diff = diff_versions(service, LIST)
    assert [(i.code, [c.field for c in i.changes]) for i in diff.items] == [("E0466", ["status"])]
    got = service.determine_one("E0466", payer="Cigna", date=dt.date(2027, 2, 1))
    assert (got.status, got.sources[0].version, got.sources[0].line) == (
        Status.NOT_REQUIRED,
        "v2",
        index + 1,
    )
    assert not service.import_list(path, list_id=LIST, effective=dt.date(2027, 1, 1)).created
    same = write_csv(tmp_path / "same.csv", document_rows())
    service.import_list(same, list_id=LIST, effective=dt.date(2028, 1, 1))
    assert diff_versions(service, LIST, "v1", "v3").items == ()


def test_a_bad_export_imports_nothing(
    service: Precert, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = document_rows()
    rows[10][4] = "Perhaps"
    path = write_csv(tmp_path / "bad.csv", rows)
    before = service.store.dump()
    assert main(["import", str(path), "--list", LIST, "--effective", "2027-01-01"]) == 3
    assert "bad.csv:11" in capsys.readouterr().err
    assert service.store.dump() == before


def test_a_new_list_from_an_export_without_title_rows_needs_payer_and_lob(
    service: Precert, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Rows from the header on, as a spreadsheet export often is: nothing names the payer.
    rows = [r for r in document_rows() if len(r) > 1][:40]
    path = write_csv(tmp_path / "cigna update.csv", rows)
    before = service.store.dump()
    assert main(["import", str(path), "--list", "acme-dme"]) == 2
    assert "--payer" in capsys.readouterr().err
    assert service.store.dump() == before  # no list bound to a payer guessed from a file name
    made = service.import_list(
        path, list_id="acme-dme", payer=" Acme ", line_of_business="Medicaid"
    )
    assert made.created
    acme = [v for v in service.lists() if v.list_id == "acme-dme"]
    assert [(v.payer, v.line_of_business) for v in acme] == [("Acme", "Medicaid")]
    # Re-importing the same file with another line of business is refused, not a silent no-op.
    with pytest.raises(ValueError, match="belongs to line of business 'Medicaid'"):
        service.import_list(path, list_id="acme-dme", line_of_business="Medicare")
    # A known list needs neither; an export with its title rows names the payer itself.
    assert not service.import_list(path, list_id="acme-dme").created
    titled = write_csv(tmp_path / "titled.csv", document_rows())
    assert service.import_list(titled, list_id="cigna-copy").created
    copy = [v for v in service.lists() if v.list_id == "cigna-copy"]
    assert [(v.payer, v.line_of_business) for v in copy] == [("Cigna", "Commercial")]
