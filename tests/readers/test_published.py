"""The published text layout of the real Cigna document, and clear errors for damaged copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from precert.readers import ReaderError
from precert.readers.published import parse_published_text, read_published_text
from precert.service import BUNDLED_LIST

LINES = BUNDLED_LIST.read_text(encoding="utf-8").splitlines()


def test_reads_both_tables_of_the_real_document() -> None:
    doc = read_published_text(BUNDLED_LIST)
    assert [len(t.rows) for t in doc.tables] == [567, 76]
    assert len(doc.tables[0].columns) == 7 and len(doc.tables[1].columns) == 5
    assert doc.tables[0].title.endswith("Durable Medical Equipment")
    assert doc.tables[1].title.endswith("Durable Medical Equipment and O&P")
    assert doc.issuer == "Cigna Commercial"
    assert doc.footer.startswith("CPT copyright 2026")
    assert len({r.fields["code"] for t in doc.tables for r in t.rows}) == 604
    # 42 header rows in the text = 42 pages of the PDF.
    assert doc.pages == sum(1 for line in LINES if line.startswith(("Product\t", "Category\t")))


def test_rows_keep_raw_cells_line_and_page() -> None:
    doc = read_published_text(BUNDLED_LIST)
    first = doc.tables[0].rows[0]
    assert first.line == 7 and first.page == 1
    assert LINES[first.line - 1].split("\t") == list(first.cells)
    last = doc.tables[1].rows[-1]
    assert last.fields["code"] == "S1040" and last.page == doc.pages


def _damaged(lineno: int, replacement: str) -> bytes:
    lines = list(LINES)
    lines[lineno - 1] = replacement
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("lineno", "replacement", "expected"),
    [
        (8, "Durable Medical Equipment\tGLUCOSE\tA4271\tToo few cells", "expected 7"),
        (9, "Durable Medical Equipment\tX\tNOTACODE\td\tYes\tCareCore National\t", "code"),
        (10, "Durable Medical Equipment\tX\tA4335\td\tMaybe\tCareCore National\t", "Yes, No"),
        (11, "some stray text", "expected 7"),
        (646, "some stray text", "expected a title"),
    ],
)
def test_damaged_copies_name_file_line_and_what_was_expected(
    lineno: int, replacement: str, expected: str
) -> None:
    with pytest.raises(ReaderError) as info:
        parse_published_text(_damaged(lineno, replacement), "damaged.txt")
    assert info.value.file == "damaged.txt"
    assert info.value.line == lineno
    assert expected in info.value.message
    assert str(info.value).startswith(f"damaged.txt:{lineno}:")


def test_non_utf8_and_empty_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match="not UTF-8"):
        parse_published_text(b"**Cigna Commercial**\n\xff\xfe\n", "bad.txt")
    with pytest.raises(ReaderError, match="no table rows"):
        parse_published_text(b"\n\n", "empty.txt")
    with pytest.raises(ReaderError, match="cannot read"):
        read_published_text(tmp_path / "missing.txt")
