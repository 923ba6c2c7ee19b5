"""Every warning of a determination carries a stable machine code beside its text."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from precert.cli import main as cli_main
from precert.rules import WARNINGS
from precert.service import Precert

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api.md"


@pytest.mark.parametrize(
    ("query", "options", "code", "words"),
    [
        ("K0848-RR", {"payer": "Cigna"}, "rental_on_purchase_only", "purchase only"),
        ("K0820-RR", {"payer": "Cigna"}, "rental_over_components", "components"),
        ("E2300", {"payer": "Cigna"}, "terminated_code", "CMS terminated E2300"),
        ("E0466-ZZ", {"payer": "Cigna"}, "unknown_modifier", "Modifier ZZ"),
        ("E9999", {"payer": "Cigna"}, "not_in_hcpcs", "not in the CMS HCPCS"),
        ("E0782", {"payer": "Cigna"}, "category_missing", "published category"),
        ("L3761", {"payer": "Cigna"}, "category_mismatch", "does not fit code family L"),
        ("K0856", {"payer": "Medicare", "state": "ZZ"}, "state_not_served", "'ZZ'"),
        ("K0856", {"payer": "Medicare", "date": dt.date(2000, 1, 1)}, "list_not_in_force",
         "No version of medicare-dmepos-pa"),
        ("K0856", {"payer": "Cigna", "date": dt.date(2000, 1, 1)}, "code_not_yet_added",
         "CMS added K0856"),
        ("E0748", {"payer": "Medicare", "date": dt.date(2024, 8, 20)}, "depends_on_state",
         "only for members in CA, FL, OH, PA"),
    ],
)  # fmt: skip
def test_each_warning_has_its_code_beside_its_text(
    service: Precert, query: str, options: dict[str, object], code: str, words: str
) -> None:
    (answer,) = service.determine([query], **options)  # type: ignore[arg-type]
    assert code in answer.warning_codes
    text = answer.warnings[answer.warning_codes.index(code)]
    assert words in text
    shown = answer.to_dict()
    assert shown["warning_codes"] == list(answer.warning_codes)
    assert shown["warnings"] == list(answer.warnings)  # the text is kept


def test_every_warning_of_every_listed_code_has_a_known_code(service: Precert) -> None:
    """Whatever the list, modifier or payer: one code per warning, in order, from WARNINGS."""
    codes = sorted({e.code for e in service.store.entries()})
    queries = [q for code in codes for q in (code, f"{code}-RR", f"{code} ZZ")]
    seen: set[str] = set()
    for date in (None, dt.date(2000, 1, 1)):
        for answer in service.determine(queries, date=date, state="ZZ"):
            assert len(answer.warning_codes) == len(answer.warnings), answer.query
            assert set(answer.warning_codes) <= set(WARNINGS), answer.warning_codes
            seen.update(answer.warning_codes)
    # The real lists exercise most of the codes (the rest are checked one by one above).
    assert len(seen) >= 9, seen


def test_check_json_carries_the_codes(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["check", "--json", "K0848-RR", "--payer", "Cigna"]) == 0
    (answer,) = json.loads(capsys.readouterr().out)["determinations"]
    assert answer["warning_codes"] == ["rental_on_purchase_only"]
    assert "purchase only" in answer["warnings"][0]


def test_every_warning_code_is_documented() -> None:
    text = DOCS.read_text()
    table = dict(re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", text, re.MULTILINE))
    assert set(WARNINGS) <= set(table), set(WARNINGS) - set(table)
