"""Bounded LRU caches: never over their bounds, and least recently used goes first."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precert.caching import LRU
from precert.service import Precert

# An operation: ("put", key, value) or ("get", key).
operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(0, 30), st.binary(max_size=40)),
        st.tuples(st.just("get"), st.integers(0, 30)),
    ),
    max_size=200,
)


@given(operations, st.integers(1, 10), st.integers(0, 120))
@settings(max_examples=300)
def test_entries_and_sizes_stay_within_bounds(
    ops: list[tuple[object, ...]], max_entries: int, max_size: int
) -> None:
    cache: LRU[int, bytes] = LRU(max_entries, max_size=max_size, size=len)
    for op in ops:
        if op[0] == "put":
            cache.put(op[1], op[2])  # type: ignore[arg-type]
        else:
            cache.get(op[1])  # type: ignore[arg-type]
        assert len(cache) <= max_entries
        assert cache.total <= max_size
        assert cache.total == sum(len(cache.get(k) or b"") for k in cache)


@given(operations, st.integers(1, 10))
@settings(max_examples=300)
def test_behaves_like_a_reference_lru(ops: list[tuple[object, ...]], max_entries: int) -> None:
    """Compared with the textbook model: a list ordered by last use, trimmed from the front."""
    cache: LRU[int, bytes] = LRU(max_entries)
    model: list[tuple[int, bytes]] = []
    for op in ops:
        key = op[1]
        held = next((v for k, v in model if k == key), None)
        if op[0] == "put":
            model = [(k, v) for k, v in model if k != key] + [(key, op[2])]  # type: ignore[list-item]
            model = model[-max_entries:]
            cache.put(key, op[2])  # type: ignore[arg-type]
        else:
            assert cache.get(key) == held  # type: ignore[arg-type]
            if held is not None:
                model = [(k, v) for k, v in model if k != key] + [(key, held)]  # type: ignore[list-item]
        assert cache.keys() == [k for k, _ in model]


def test_an_item_larger_than_the_budget_is_answered_not_kept() -> None:
    cache: LRU[str, bytes] = LRU(10, max_size=100, size=len)
    cache.put("small", b"x" * 60)
    assert cache.put("huge", b"y" * 101) == b"y" * 101
    assert "huge" not in cache and cache.get("small") == b"x" * 60
    cache.put("other", b"z" * 60)  # 120 bytes would be over: the least recent goes
    assert cache.keys() == ["other"] and cache.total == 60


def test_setdefault_makes_once_and_bounds_are_checked() -> None:
    cache: LRU[str, list[int]] = LRU(2)
    first = cache.setdefault("a", list)
    assert cache.setdefault("a", lambda: [1]) is first
    with pytest.raises(ValueError):
        LRU(0)
    with pytest.raises(ValueError):
        LRU(3, max_size=10)


def test_the_service_memos_stay_bounded_over_many_dates(service: Precert) -> None:
    """Each distinct date is a scope with its own memos; old ones are forgotten."""
    start = dt.date(2020, 1, 1)
    for day in range(600):
        answer = service.determine_one("E0466", payer="Cigna", date=start + dt.timedelta(days=day))
        assert answer.status.value == "required"
    assert len(service._scopes) <= 256
    assert len(service._answers) <= 4 and len(service._templates) <= 4
    # Forgotten scopes are recomputed, with the same answer.
    assert service.determine_one("E0466", payer="Cigna", date=start).status.value == "required"


def test_the_service_memo_of_answers_stays_bounded(service: Precert) -> None:
    """Bounded in answers, not texts: one pasted text may hold 33 codes."""
    codes = [f"{letter}{n:04d}" for letter in "AEKL" for n in range(3_300)]
    texts = [",".join(codes[i : i + 33]) for i in range(0, len(codes), 33)]
    answers = service.determine(texts, payer="Cigna")
    assert [a.code for a in answers] == codes
    memos = [service._answers.get(scope) for scope in service._answers]
    assert memos and all(m is not None and m.total <= 10_000 for m in memos)
    templates = [service._templates.get(scope) for scope in service._templates]
    assert templates and all(t is not None and len(t) <= 5_000 for t in templates)
