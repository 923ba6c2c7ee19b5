"""How entries are stored: the JSON of their text lists is json.dumps's, byte for byte, and a
table's header once per version, not with each row."""

from __future__ import annotations

import csv
import json
from dataclasses import fields
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from precert import Precert
from precert.models import Entry, ListVersion
from precert.service import BUNDLED_LIST
from precert.store.entries import texts_json


@given(st.lists(st.text()).map(tuple))
def test_text_lists_are_stored_as_json_dumps_writes_them(texts: tuple[str, ...]) -> None:
    assert texts_json(texts) == json.dumps(texts)
    assert json.loads(texts_json(texts)) == list(texts)


def _published_rows() -> tuple[list[str], list[list[str]]]:
    """Table 1 of Cigna's bundled list: its header and its data rows, cells as published."""
    lines = BUNDLED_LIST.read_text(encoding="utf-8").splitlines()
    header = next(line.split("\t") for line in lines if line.startswith("Product\t"))
    rows = [
        line.split("\t")
        for line in lines
        if line.count("\t") == len(header) - 1 and not line.startswith("Product\t")
    ]
    return header, rows


def test_a_tables_header_is_stored_once_and_every_row_reads_it_back(
    service: Precert, tmp_path: Path
) -> None:
    header, rows = _published_rows()
    rows[5] = [*rows[5], "a cell beyond the header"]  # this row's header gains "column 8"
    source = tmp_path / "cigna-table-1.csv"
    with source.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([header, *rows])
    service.import_list(source, list_id="copy", payer="Copy", line_of_business="Commercial")
    db = service.store.db
    (version_id,) = db.execute("SELECT id FROM versions WHERE list_id = 'copy'").fetchone()
    stored = [r[0] for r in db.execute(
        "SELECT columns FROM entries WHERE version_id = ? ORDER BY line", (version_id,)
    )]  # fmt: skip
    # Only the row with another header repeats one; the table's is in `headers`, once.
    assert [json.loads(c) for c in stored if c] == [[*header, "column 8"]]
    assert len(stored) == len(rows)
    assert db.execute(
        "SELECT table_no, columns FROM headers WHERE version_id = ?", (version_id,)
    ).fetchall() == [(1, json.dumps(header))]
    entries = sorted(
        (e for e in service.store.entries() if e.list_id == "copy"), key=lambda e: e.line
    )
    assert [list(e.columns) for e in entries] == [
        [*header, "column 8"] if i == 5 else header for i in range(len(rows))
    ]
    assert all(len(e.columns) == len(e.raw) for e in entries)
    service.remove_list("copy")
    assert db.execute(
        "SELECT count(*) FROM headers WHERE version_id = ?", (version_id,)
    ).fetchone() == (0,)


def test_the_search_index_holds_each_rows_text_as_given(service: Precert) -> None:
    # Search texts go to the index a chunk at a time as one JSON array: any text, non-ASCII,
    # quotes, backslashes, line breaks, and one with a NUL (SQLite's JSON would cut it there,
    # so that chunk goes row by row) must arrive whole, beside its own row's code.
    entries = [e for e in service.store.entries() if e.list_id == "cigna-commercial-dme"]
    odd = ["naïve café 😀", 'a "quoted" \\ back\\u0000slash', "line\nbreak\ttab", ""]
    texts = [odd[i % len(odd)] if i % 7 else f"row {i}" for i in range(len(entries))]
    for with_nul in (False, True):
        if with_nul:
            texts[3] = "before\x00after"
        list_id = f"copy-{int(with_nul)}"
        version = ListVersion(
            list_id, "v1", "Copy", "Copy", "Commercial", "DME", "copy.txt", list_id, None, 0
        )
        rows = [
            ((list_id, "v1", *(getattr(e, f.name) for f in fields(Entry)[2:])), text)
            for e, text in zip(entries, texts, strict=True)
        ]
        service.store.insert_version(version, rows, footer="", list_title="Copy")
        indexed = service.store.db.execute(
            "SELECT e.code, f.code, f.notes FROM entries e JOIN versions v ON v.id = e.version_id "
            "JOIN entries_fts f ON f.rowid = e.id WHERE v.list_id = ? ORDER BY e.id",
            (list_id,),
        ).fetchall()
        assert indexed == [(e.code, e.code, t) for e, t in zip(entries, texts, strict=True)]
