"""CSV and XLSX exports of the real Cigna list read exactly like the published text."""

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
from precert.readers import ReaderError
from precert.readers.published import PublishedList, read_published_text
from precert.readers.tabular import read_csv, read_xlsx
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


def write_csv(
    path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A minimal, valid XLSX workbook (inline strings, numbers) with these sheets."""
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


def same_as_published(read: PublishedList) -> None:
    text = read_published_text(BUNDLED_LIST)
    assert (read.pages, read.footer, read.issuer, read.title) == (
        text.pages,
        text.footer,
        text.issuer,
        text.title,
    )
    assert [(t.titles, t.columns, t.fields) for t in read.tables] == [
        (t.titles, t.columns, t.fields) for t in text.tables
    ]
    assert [t.rows for t in read.tables] == [t.rows for t in text.tables]  # cells, lines, pages


def test_a_csv_export_reads_exactly_like_the_published_text(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "export.csv", document_rows())
    read = read_csv(path)
    same_as_published(read)
    assert read.name == "export.csv" and len(read.sha256) == 64


def test_an_xlsx_export_reads_exactly_like_the_published_text(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "export.xlsx", {"Cigna DME": list(document_rows())})
    same_as_published(read_xlsx(path))


def test_semicolons_windows_1252_and_a_file_that_starts_at_the_header(tmp_path: Path) -> None:
    rows = [r for r in document_rows()[:60] if len(r) == 7]  # table 1 header and rows only
    path = write_csv(tmp_path / "cigna-2027.csv", rows, delimiter=";", encoding="cp1252")
    read = read_csv(path)
    assert [t.title for t in read.tables] == ["cigna-2027"]
    assert read.tables[0].columns[2] == "CPT® Code"
    assert read.tables[0].rows[0].fields["code"] == "A4239"
    assert read.tables[0].rows[0].line == 2  # the header is line 1
    tsv = write_csv(tmp_path / "cigna-2027.tsv", rows, delimiter="\t")
    assert [r.fields for r in read_csv(tsv).tables[0].rows] == [
        r.fields for r in read.tables[0].rows
    ]


def test_xlsx_sheets_without_titles_numbers_and_padding(tmp_path: Path) -> None:
    published = document_rows()
    header1 = next(r for r in published if len(r) == 7)
    header2 = next(r for r in published if len(r) == 5)
    row = [
        "Durable Medical Equipment",
        "VENTILATORS",
        "E0466",
        "Home ventilator",
        "Yes",
        "CareCore National",
    ]  # the empty notes cell dropped, as spreadsheets do
    op_row: list[object] = [
        "Durable Medical Equipment - O&P Only",
        "L1840",
        "Ko",
        "No",
        "CareCore National",
        None,
        None,
    ]
    path = write_xlsx(
        tmp_path / "two.xlsx",
        {
            "Notes": [["This workbook lists codes"]],
            "DME": [list(header1), row],
            "O&P": [[], list(header2), op_row],
        },
    )
    read = read_xlsx(path)
    assert [t.title for t in read.tables] == ["DME", "O&P"]
    assert read.tables[0].rows[0].cells[-1] == "" and len(read.tables[0].rows[0].cells) == 7
    assert (read.tables[1].rows[0].line, read.tables[1].rows[0].fields["status"]) == (3, "No")


def test_errors_name_the_file_and_the_line_of_the_export(tmp_path: Path) -> None:
    rows = document_rows()
    index = next(i for i, r in enumerate(rows) if len(r) == 7 and r[2] == "E0466")
    rows[index - 1][3] = "First line\nsecond line of a quoted cell"  # makes CSV lines != records
    rows[index][4] = "Maybe"
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(ReaderError) as error:
        read_csv(path)
    physical = path.read_bytes().decode().splitlines()
    assert error.value.line == index + 2  # record index + 1, plus the line inside the cell
    assert "E0466" in physical[index + 1]
    assert error.value.file == "bad.csv" and "found 'Maybe'" in error.value.message
    sheet = [list(r) for r in document_rows()]
    sheet[index][2] = "XYZ"
    bad = write_xlsx(tmp_path / "bad.xlsx", {"List": sheet})
    with pytest.raises(ReaderError) as error:
        read_xlsx(bad)
    assert (error.value.file, error.value.line) == ("bad.xlsx[List]", index + 1)
    assert "expected a code in column 3" in error.value.message
    fake = tmp_path / "fake.xlsx"
    fake.write_text("Category,Code\n", encoding="utf-8")
    with pytest.raises(ReaderError, match="not a readable XLSX workbook"):
        read_xlsx(fake)
    empty = write_xlsx(tmp_path / "empty.xlsx", {"Sheet1": [["just a note"]]})
    with pytest.raises(ReaderError, match="no header row found"):
        read_xlsx(empty)
    with pytest.raises(ReaderError, match="cannot read file"):
        read_csv(tmp_path / "missing.csv")


def test_import_picks_the_reader_by_extension(service: Precert, tmp_path: Path) -> None:
    rows = document_rows()
    index = next(i for i, r in enumerate(rows) if len(r) == 7 and r[2] == "E0466")
    rows[index][4] = "No"
    path = write_xlsx(tmp_path / "cigna-2027.xlsx", {"Sheet1": [list(r) for r in rows]})
    result = service.import_list(path, list_id=LIST, effective=dt.date(2027, 1, 1))
    assert (result.created, result.version, result.rows) == (True, "v2", 643)
    diff = diff_versions(service, LIST)
    assert [(i.code, [c.field for c in i.changes]) for i in diff.items] == [("E0466", ["status"])]
    got = service.determine_one("E0466", date=dt.date(2027, 2, 1))
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
