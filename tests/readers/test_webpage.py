"""HTML pages' tables: the fixtures rebuilt from the real Medicare rows, and the markup rules
(spans, line breaks, captions and headings, nested tables, encodings)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.readers.real_files import FIXTURES, MEDICARE, NEWS_2024, TABLE_2025, tsv_rows

from precert.readers import ReaderError, read_grid

PAGE_2025 = FIXTURES / "cgs-jc-pa-table-2025.html"
PAGE_NEWS = FIXTURES / "cgs-jc-news-2024-06-20.html"


def test_the_2025_table_reads_cell_for_cell_as_published() -> None:
    grid = read_grid(PAGE_2025)
    assert grid.format == "html"
    [table] = grid.tables
    rows = list(table.rows)
    # Header row (<th>) kept as a row; multi-line cells (<br>, wrapped source) joined.
    assert [list(r.cells) for r in rows] == tsv_rows(TABLE_2025)
    assert table.title == "DMEPOS Required Prior Authorization List"
    assert table.titles == ("Jurisdiction C DME Prior Authorization", table.title)
    assert table.where == "cgs-jc-pa-table-2025.html table 1"


def test_each_row_has_the_source_line_of_its_tr() -> None:
    lines = PAGE_2025.read_text(encoding="utf-8").splitlines()
    rows = list(read_grid(PAGE_2025).tables[0].rows)
    assert all(lines[r.line - 1].strip() == "<tr>" for r in rows)
    orthoses = next(r for r in rows if r.cells[0] == "Orthoses")
    assert "<td>Orthoses</td>" in lines[orthoses.line]  # the line after its <tr>
    assert all(r.page is None for r in rows)


def test_the_notice_tables_with_caption_heading_rowspan_and_entities() -> None:
    first, second = read_grid(PAGE_NEWS).tables
    assert first.title == "Codes requiring prior authorization as of June 2024"  # <caption>
    assert second.title.startswith("Codes added to the Required Prior Authorization List")  # <h3>
    assert first.titles[0] == second.titles[0] == "Prior Authorization: Codes and Dates"
    news = tsv_rows(NEWS_2024)
    for number, table in (("1", first), ("2", second)):
        expected = [news[0][1:]] + [row[1:] for row in news[1:] if row[0] == number]
        assert [list(r.cells) for r in table.rows] == expected
    # The osteogenesis codes are one cell spanning the two phase rows: both rows carry it.
    phases = list(second.rows)[2:]
    assert [r.cells[1] for r in phases] == ["E0747, E0748, E0760"] * 2
    assert "Accessories – Voluntary" in list(first.rows)[4].cells[0]  # &ndash;


def page(tmp_path: Path, body: str, name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text(f"<html><body>\n{body}\n</body></html>\n", encoding="utf-8")
    return path


def test_colspan_and_rowspan_repeat_the_value_in_every_place_they_cover(tmp_path: Path) -> None:
    # The 2025 table's decision-time cell shared by two programs, the header split in two.
    path = page(
        tmp_path,
        """<table>
<tr><th rowspan="2">Program</th><th colspan="2">Prior authorization</th></tr>
<tr><th>HCPCS Codes</th><th>When to expect a decision**:</th></tr>
<tr><td>Orthoses</td><td>L0648, L0650</td>
    <td rowspan="2">5 business days (not to exceed 7 calendar days)</td></tr>
<tr><td>Pressure Reducing Support Surfaces (PRSS)</td><td>E0193, E0277</td></tr>
</table>""",
    )
    rows = [r.cells for r in read_grid(path).tables[0].rows]
    assert rows == [
        ("Program", "Prior authorization", "Prior authorization"),
        ("Program", "HCPCS Codes", "When to expect a decision**:"),
        ("Orthoses", "L0648, L0650", "5 business days (not to exceed 7 calendar days)"),
        (
            "Pressure Reducing Support Surfaces (PRSS)",
            "E0193, E0277",
            "5 business days (not to exceed 7 calendar days)",
        ),
    ]


def test_a_cell_spanning_three_rows_and_two_columns(tmp_path: Path) -> None:
    # The 2024 table's Orthoses codes (L0648, L0650, L1832) one per row, program and decision
    # time spanning them.
    path = page(
        tmp_path,
        """<table>
<tr><td rowspan="3" colspan="2">Orthoses</td><td>L0648</td><td rowspan="3">5 business days</td>
<tr><td>L0650</td>
<tr><td>L1832</td>
<tr><td>Orthoses</td><td></td><td>L1851</td><td>5 business days</td>
</table>""",
    )
    rows = [r.cells for r in read_grid(path).tables[0].rows]
    assert rows == [
        ("Orthoses", "Orthoses", code, "5 business days") for code in ("L0648", "L0650", "L1832")
    ] + [("Orthoses", "", "L1851", "5 business days")]


def test_a_table_inside_a_cell_is_its_own_table(tmp_path: Path) -> None:
    path = page(
        tmp_path,
        """<h2>Orthoses</h2><table><tr><td>Layout
<table><caption>Effective August 12, 2024</caption>
<tr><th>HCPCS</th></tr><tr><td>L0631</td></tr></table>
</td><td>L1833</td></tr></table>""",
    )
    outer, inner = read_grid(path).tables
    assert [r.cells for r in outer.rows] == [("Layout", "L1833")]
    assert [r.cells for r in inner.rows] == [("HCPCS",), ("L0631",)]
    assert (outer.title, inner.title) == ("Orthoses", "Effective August 12, 2024")
    assert inner.titles == ("Orthoses", "Effective August 12, 2024")


def test_windows_1252_page_and_hidden_text(tmp_path: Path) -> None:
    path = tmp_path / "old.htm"
    path.write_bytes(
        b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        b"<style>td{}</style></head><body><table><tr><td>Accessories \x96 Voluntary"
        b"<script>var x = '<td>no</td>';</script></td></tr></table></body></html>"
    )
    [table] = read_grid(path).tables
    assert [r.cells for r in table.rows] == [("Accessories – Voluntary",)]
    # Pages that say ISO-8859-1 are Windows-1252, as browsers read them.
    path.write_bytes(path.read_bytes().replace(b"windows-1252", b"ISO-8859-1"))
    [table] = read_grid(path).tables
    assert [r.cells for r in table.rows] == [("Accessories – Voluntary",)]


def test_a_page_without_a_table_is_a_clear_error(tmp_path: Path) -> None:
    path = page(tmp_path, "<h1>Prior Authorization</h1><p>No table here.</p>")
    with pytest.raises(ReaderError, match=r"page\.html: no table with text found"):
        read_grid(path)


def test_cells_and_rows_whose_end_tags_are_left_out(tmp_path: Path) -> None:
    # Noridian's orthoses additions as an old page writes a table: no </td>, </tr>, </table>.
    rows = tsv_rows(MEDICARE / "noridian-jd-orthoses-2026.tsv")
    body = "<table border=1>\n" + "\n".join(
        "<tr>" + "".join(f"<{'th' if n == 0 else 'td'}>{cell}" for cell in row)
        for n, row in enumerate(rows)
    )
    path = tmp_path / "orthoses.html"
    path.write_text(f"<html><body><p>Beginning April 13, 2026\n{body}\n", encoding="utf-8")
    [table] = read_grid(path).tables
    read = list(table.rows)
    assert [list(r.cells) for r in read] == rows
    assert [r.line for r in read] == list(range(3, 3 + len(rows)))
