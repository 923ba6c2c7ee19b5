"""Bounded least-recently-used caches for memos a long-running server keeps.

A server answers whatever its clients send: a memo keyed by request values (a date, a code
string) grows without end unless it forgets. :class:`LRU` holds at most ``max_entries``
items and, when given a ``size`` function, at most ``max_size`` of their summed sizes (in the
function's unit: bytes of a body, answers in a list); the item used least recently goes
first. An item larger than the whole budget is not kept at all (it would only push
everything else out). Thread-safe: the web routes run in a
thread pool.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar, overload

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")


class LRU(Generic[K, V]):
    """A mapping bounded by entry count (and optionally by summed size) that evicts the
    least recently used item first."""

    def __init__(
        self,
        max_entries: int,
        *,
        max_size: int | None = None,
        size: Callable[[V], int] | None = None,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        if (max_size is None) != (size is None):
            raise ValueError("max_size and size go together")
        self.max_entries = max_entries
        self.max_size = max_size
        self._size = size
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[K]:
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        return key in self._items

    @property
    def total(self) -> int:
        """The summed size of the items held (0 without a size function)."""
        return self._total

    @overload
    def get(self, key: K) -> V | None: ...

    @overload
    def get(self, key: K, default: D) -> V | D: ...

    def get(self, key: K, default: object = None) -> object:
        """The item for ``key`` (now the most recently used), else ``default``."""
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return default
            self._items.move_to_end(key)
            return hit[0]

    def put(self, key: K, value: V) -> V:
        """Keep ``value`` under ``key`` (evicting what the bounds require); returns it."""
        cost = self._size(value) if self._size is not None else 0
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._total -= old[1]
            if self.max_size is not None and cost > self.max_size:
                return value  # larger than the whole budget: answered, not kept
            self._items[key] = (value, cost)
            self._total += cost
            while len(self._items) > self.max_entries or (
                self.max_size is not None and self._total > self.max_size
            ):
                _, (_, freed) = self._items.popitem(last=False)
                self._total -= freed
        return value

    def __setitem__(self, key: K, value: V) -> None:
        self.put(key, value)

    def setdefault(self, key: K, factory: Callable[[], V]) -> V:
        """The item for ``key``; when missing, ``factory()``'s value, now kept."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit[0]
        return self.put(key, factory())

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()
            self._total = 0

    def keys(self) -> list[K]:
        """The keys, least recently used first."""
        with self._lock:
            return list(self._items)
