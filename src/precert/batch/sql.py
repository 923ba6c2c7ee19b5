"""DuckDB SQL shared by the engine and the writers: quoting, key normalization, CSV safety."""

from __future__ import annotations

from precert.batch.answers import DATE_CHARACTERS, DATE_SEPARATOR, NOT_A_DATE, SCOPE_SEPARATOR
from precert.csvsafe import safe_cell, sql_safe

_INTEGERS = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
)
_FRACTIONS = ("FLOAT", "DOUBLE", "DECIMAL", "REAL")


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def code_key(column: str, sql_type: str) -> str:
    """The lookup key of a code cell.

    Text made only of printable ASCII is trimmed of spaces and upper-cased, which changes no
    answer (`parse_code` does the same) but folds ``k0856-rr`` and ``K0856-RR `` into one key.
    Any other text stays as it is, so its answer is exactly the service's for the raw cell.
    Whole numbers stored as numbers (a CPT code in a spreadsheet) become their digits.
    """
    c = ident(column)
    base = sql_type.upper().split("(")[0]
    if base in ("VARCHAR", "TEXT", "STRING"):
        return (
            f"CASE WHEN {c} IS NULL THEN '' WHEN regexp_full_match({c}, '[ -~]*') "
            f"THEN upper(trim({c})) ELSE {c} END"
        )
    if base in _INTEGERS:
        return f"COALESCE(CAST({c} AS VARCHAR), '')"
    if base in _FRACTIONS:
        return (
            f"COALESCE(CASE WHEN {c} = floor({c}) THEN CAST(TRY_CAST({c} AS BIGINT) AS "
            f"VARCHAR) END, CAST({c} AS VARCHAR), '')"
        )
    return f"COALESCE(CAST({c} AS VARCHAR), '')"


def date_key(column: str, sql_type: str) -> str:
    """The date-of-service part of the key: date text, '' when blank, '?' when not a date."""
    c = ident(column)
    base = sql_type.upper().split("(")[0]
    if base == "DATE" or base.startswith("TIMESTAMP"):
        return f"COALESCE(CAST(CAST({c} AS DATE) AS VARCHAR), '')"
    text = c if base in ("VARCHAR", "TEXT", "STRING") else f"CAST({c} AS VARCHAR)"
    return (
        f"CASE WHEN {c} IS NULL THEN '' WHEN regexp_full_match({text}, "
        f"'{DATE_CHARACTERS}*') THEN {text} ELSE {literal(NOT_A_DATE)} END"
    )


def scope_key(columns: tuple[str | None, str | None, str | None], key: str) -> str:
    """``key`` led by the row's payer, line of business and state cells (each ended by the
    scope separator, which is blanked inside a cell); a column not given is ''."""
    sep = f"chr({ord(SCOPE_SEPARATOR)})"
    parts = [
        "''" if c is None else f"replace(COALESCE(CAST({ident(c)} AS VARCHAR), ''), {sep}, ' ')"
        for c in columns
    ]
    return " || ".join(f"({p}) || {sep}" for p in parts) + f" || ({key})"


def lookup_key(
    code_column: str, code_type: str, date_column: str | None, date_type: str | None
) -> str:
    """The whole lookup key: the code key, prefixed by the date key when dates are given."""
    key = code_key(code_column, code_type)
    if date_column is None or date_type is None:
        return key
    return f"({date_key(date_column, date_type)}) || chr({ord(DATE_SEPARATOR)}) || ({key})"


def csv_safe(column: str, text: bool) -> str:
    """A column for CSV output, neutralized by `precert.csvsafe`: its cells when they are
    text, and its name (the header line) always."""
    c = ident(column)
    value = sql_safe(c) if text else c
    return f"{value} AS {ident(safe_cell(column))}"
