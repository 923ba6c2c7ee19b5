"""precert.dates: the one reading of a date of service every door uses."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from precert.dates import FORMATS, DateError, date_of_service, parse_date


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2025-03-01", dt.date(2025, 3, 1)),
        ("2025-3-1", dt.date(2025, 3, 1)),
        (" 2025-03-01 ", dt.date(2025, 3, 1)),
        ("03/01/2025", dt.date(2025, 3, 1)),
        ("3/1/2025", dt.date(2025, 3, 1)),
        ("12/01/2026", dt.date(2026, 12, 1)),
        ("20250301", dt.date(2025, 3, 1)),
        ("2025-03-01 10:00:00", dt.date(2025, 3, 1)),
        ("2025-03-01T10:00:00+02:00", dt.date(2025, 3, 1)),
        ("2025-02-30", None),
        ("13/01/2025", None),
        ("31/12/2026", None),
        ("yesterday", None),
        ("2025/03/01", None),
        ("", None),
        ("?", None),
    ],
)
def test_parse_date(text: str, want: dt.date | None) -> None:
    assert parse_date(text) == want


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_iso_and_us_forms_of_a_date_read_the_same(day: dt.date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%m/%d/%Y")) == day
    assert parse_date(f"{day.month}/{day.day}/{day.year:04d}") == day


def test_a_non_date_names_the_formats() -> None:
    with pytest.raises(DateError) as raised:
        date_of_service("2026-13-01")
    assert FORMATS in str(raised.value) and "'2026-13-01'" in str(raised.value)
    assert date_of_service("07/01/2026") == dt.date(2026, 7, 1)
