"""Search quality on everyday intake queries (tests/search_relevance.toml), checked against
the CMS file. bench/bench_search.py reports the same figures in docs/benchmarks.md."""

from __future__ import annotations

import tomllib
from pathlib import Path

from precert.readers.hcpcs import read_hcpcs
from precert.service import BUNDLED_HCPCS, Precert

RELEVANCE = Path(__file__).with_name("search_relevance.toml")
# What the search reached when this test was written (docs/benchmarks.md): it fails if a
# change makes search worse on these queries.
HIT_AT_5 = 0.98  # 72 of 73 (every tuned query; 12 of 13 held out)
RECALL_AT_10 = 0.94


def queries() -> list[dict[str, object]]:
    data: list[dict[str, object]] = tomllib.loads(RELEVANCE.read_text())["query"]
    return data


def test_the_relevance_set_is_large_enough_and_every_right_code_is_a_live_cms_code() -> None:
    cms = read_hcpcs(BUNDLED_HCPCS).codes
    assert len(queries()) >= 40
    kinds = {str(q["kind"]) for q in queries()}
    assert kinds == {"device", "supply", "abbreviation", "misspelling", "order"}
    for query in queries():
        right = query["right"]
        assert isinstance(right, list) and right, query
        for code in right:
            assert code in cms, (query["text"], code)
            assert cms[code].terminated is None, (query["text"], code)


def test_hit_at_5_and_recall_at_10_do_not_drop(service: Precert) -> None:
    hits = 0
    recall = 0.0
    misses = []
    for query in queries():
        right = {str(c) for c in query["right"]}  # type: ignore[attr-defined]
        answers = service.search(str(query["text"]), limit=10).hits
        found = list(dict.fromkeys(h.code for h in answers))  # one answer per payer: codes once
        if right & set(found[:5]):
            hits += 1
        else:
            misses.append((query["text"], found[:5]))
        recall += len(right & set(found)) / min(len(right), 10)
    assert hits / len(queries()) >= HIT_AT_5, misses
    assert recall / len(queries()) >= RECALL_AT_10
