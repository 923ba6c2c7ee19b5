"""precert.dates: the one reading of a date of service every door uses."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from precert.dates import FORMATS, DateError, date_of_service, parse_cell_date, parse_date


@pytest.mark.parametrize(
    ("text", "typed", "cell"),
    [
        ("2025-03-01", dt.date(2025, 3, 1), dt.date(2025, 3, 1)),
        (" 2025-03-01 ", dt.date(2025, 3, 1), dt.date(2025, 3, 1)),
        ("03/01/2025", dt.date(2025, 3, 1), dt.date(2025, 3, 1)),
        ("3/1/2025", dt.date(2025, 3, 1), dt.date(2025, 3, 1)),
        ("12/01/2026", dt.date(2026, 12, 1), dt.date(2026, 12, 1)),
        # What programs write into files, not what people type into a door:
        ("2025-3-1", None, dt.date(2025, 3, 1)),
        ("20250301", None, dt.date(2025, 3, 1)),
        ("2025-03-01 10:00:00", None, dt.date(2025, 3, 1)),
        ("2025-03-01T10:00:00+02:00", None, dt.date(2025, 3, 1)),
        # Never a date:
        ("2025-02-30", None, None),
        ("13/01/2025", None, None),
        ("31/12/2026", None, None),
        ("yesterday", None, None),
        ("2025/03/01", None, None),
        ("", None, None),
        ("?", None, None),
    ],
)
def test_typed_dates_and_cell_dates(text: str, typed: dt.date | None, cell: dt.date | None) -> None:
    assert parse_date(text) == typed
    assert parse_cell_date(text) == cell


@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_iso_and_us_forms_of_a_date_read_the_same(day: dt.date) -> None:
    for text in (
        day.isoformat(),
        day.strftime("%m/%d/%Y"),
        f"{day.month}/{day.day}/{day.year:04d}",
    ):
        assert parse_date(text) == parse_cell_date(text) == day


def test_a_non_date_names_the_formats() -> None:
    with pytest.raises(DateError) as raised:
        date_of_service("2026-13-01")
    assert FORMATS in str(raised.value) and "'2026-13-01'" in str(raised.value)
    assert date_of_service("07/01/2026") == dt.date(2026, 7, 1)
