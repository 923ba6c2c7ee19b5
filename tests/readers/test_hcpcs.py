"""The CMS HCPCS quarterly file: codes, modifiers, dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from precert.readers import ReaderError
from precert.readers.hcpcs import read_hcpcs
from precert.service import BUNDLED_HCPCS


def test_reads_codes_modifiers_and_dates_of_the_real_file() -> None:
    cms = read_hcpcs(BUNDLED_HCPCS)
    assert len(cms.codes) == 8463
    assert len(cms.modifiers) == 383
    k0553 = cms.codes["K0553"]
    assert k0553.terminated == dt.date(2022, 12, 31)
    assert k0553.added == dt.date(2017, 7, 1)
    assert cms.codes["E0466"].long_description.startswith("Home ventilator")
    assert {"RR", "NU", "UE", "KX", "LT", "RT"} <= set(cms.modifiers)


def test_a_file_that_is_not_a_workbook_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "HCPC.xlsx"
    bogus.write_text("not a workbook")
    with pytest.raises(ReaderError, match="not a readable XLSX"):
        read_hcpcs(bogus)
