"""Normalization in SQL never changes an answer; date and dialect detection."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from precert.batch import answer_for
from precert.batch.inputs import delimiter, header_names
from precert.batch.sql import code_key
from precert.service import DB_NAME, Precert

CODE_LIKE = st.builds(
    lambda pre, code, sep, mod, post: f"{pre}{code}{sep}{mod}{post}",
    st.sampled_from(["", " ", "  ", "\t", "\u00a0"]),
    st.sampled_from(
        [
            "E0466",
            "e0466",
            "K0856",
            "k0553",
            "A4239",
            "99213",
            "0001u",
            "L5856",
            "X1234",
            "E046",
            "Q0000",
        ]
    ),
    st.sampled_from(["", "-", " ", ":", "--", ", ", "/", "\u2013"]),
    st.sampled_from(["", "RR", "rr", "NU", "LT", "KX", "ZZ", "R", "RRR", "RR-KX", "ſt"]),
    st.sampled_from(["", " ", "\n", "\u00a0", ".", " x"]),
)


@pytest.fixture(scope="module")
def shared(
    built_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Precert, Any]]:
    """One service and one DuckDB connection for the module (Hypothesis runs many examples)."""
    home = tmp_path_factory.mktemp("sql-home")
    shutil.copy(built_db, home / DB_NAME)
    service = Precert(home)
    service.preload()
    con = duckdb.connect()
    yield service, con
    con.close()
    service.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(CODE_LIKE, st.text(max_size=12)))
def test_the_sql_key_has_the_same_answer_as_the_raw_cell(shared: Any, raw: str) -> None:
    service, con = shared
    key = con.execute(f"SELECT {code_key('c', 'VARCHAR')} FROM (SELECT $1 AS c)", [raw]).fetchone()[
        0
    ]
    want = answer_for(service.determine(raw, payer="Cigna"), blank=not raw.strip())
    assert answer_for(service.determine(key, payer="Cigna"), blank=not key.strip()) == want


def test_null_and_numbers_as_keys(shared: Any) -> None:
    _, con = shared
    assert (
        con.execute(
            f"SELECT {code_key('c', 'VARCHAR')} FROM (SELECT NULL::VARCHAR AS c)"
        ).fetchone()[0]
        == ""
    )
    assert (
        con.execute(f"SELECT {code_key('c', 'DOUBLE')} FROM (SELECT 99213.0 AS c)").fetchone()[0]
        == "99213"
    )
    assert (
        con.execute(f"SELECT {code_key('c', 'DOUBLE')} FROM (SELECT 1.5 AS c)").fetchone()[0]
        == "1.5"
    )
    assert (
        con.execute(f"SELECT {code_key('c', 'BIGINT')} FROM (SELECT 99213 AS c)").fetchone()[0]
        == "99213"
    )


def test_dialect_from_the_header_line() -> None:
    assert delimiter("a,b;c\n1;2;3") == ","
    assert delimiter("id\tcode\tnote\n") == "\t"
    assert delimiter('"a;b"|c|d\n') == "|"
    assert delimiter("code\n") == ","
    assert header_names('id,"CPT® Code",id,,x', ",") == ("id", "CPT® Code", "id_1", "column3", "x")
