"""`precert search` in a real process: pages, the --json shape, what was done to the query."""

from __future__ import annotations

import json

from .conftest import Run


def codes_of(stdout: str) -> list[str]:
    """The codes of a plain (piped) search table, once each, in order."""
    rows = [line.split()[0] for line in stdout.splitlines()[1:] if line.strip()]
    return list(dict.fromkeys(rows))


def test_limit_and_offset_page_through_codes_not_rows(precert: Run) -> None:
    # Two payers are loaded (Cigna, Medicare): each code has a row per payer, and the pages
    # still count codes.
    first = precert("search", "walker", "--limit", "3")
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.splitlines()) == 1 + 6
    assert "(codes 1-3; more: --offset 3)" in first.stderr
    second = precert("search", "walker", "--limit", "3", "--offset", "3")
    assert "(codes 4-6; more: --offset 6)" in second.stderr
    whole = precert("search", "walker", "--limit", "6")
    assert codes_of(first.stdout) + codes_of(second.stdout) == codes_of(whole.stdout)
    assert codes_of(whole.stdout)[0] == "E0130"
    # The last page says nothing of more.
    last = precert("search", "trapeze", "--limit", "10")
    assert len(codes_of(last.stdout)) == 4 and "more" not in last.stderr


def test_json_keeps_its_shape_and_pages(precert: Run) -> None:
    body = json.loads(precert("search", "--json", "walker", "--limit", "2", "--offset", "2").stdout)
    assert set(body) == {"query", "corrections", "results", "offset", "limit", "more", "notes"}
    assert (body["query"], body["offset"], body["limit"], body["more"]) == ("walker", 2, 2, True)
    assert {r["code"] for r in body["results"]} == {"E0140", "E0141"}
    for result in body["results"]:  # each result is a determination, the shape `check` prints
        for key in ("query", "payer", "code", "status", "submit_to", "sources", "hcpcs"):
            assert key in result


def test_corrections_and_ranges_are_stated_on_stderr(precert: Run) -> None:
    joined = precert("search", "bedpan", "--payer", "Cigna")
    assert "'bedpan' is not a word of the code set" in joined.stderr
    assert "searched for bed pan" in joined.stderr
    assert codes_of(joined.stdout)[:2] == ["E0275", "E0276"]
    cane = precert("search", "cane", "--payer", "Cigna")
    assert cane.stderr == "" and codes_of(cane.stdout)[:2] == ["E0100", "E0105"]


def test_a_spaced_range_in_check_is_each_code_with_a_note(precert: Run) -> None:
    checked = precert("check", "--json", "K0813 - K0816", "--payer", "Cigna")
    answers = json.loads(checked.stdout)["determinations"]
    assert [a["code"] for a in answers] == ["K0813", "K0814", "K0815", "K0816"]
    assert all("is a range" in a["notes"][-1] for a in answers)
    assert all(a["status"] != "invalid" for a in answers)
