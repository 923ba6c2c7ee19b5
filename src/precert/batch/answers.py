"""The small answer table: each distinct (normalized) cell determined once through the service.

What a cell's answer is (code, date and payer rules, the added columns' names and cells) is
`precert.orderlines`' and `precert.columns`', shared with the staff page's upload.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from precert.orderlines import (
    BAD_DATE,
    BLANK,
    DATE_CHARACTERS,
    NOT_A_CODE,
    NOT_A_DATE,
    NOTE_BAD_DATE,
    REASON_LABELS,
    SEVERAL_CODES,
    UNKNOWN_PAYER,
    Answer,
    LineAnswerer,
    answer_for,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from precert.service import Precert

__all__ = [
    "BAD_DATE",
    "BLANK",
    "DATE_CHARACTERS",
    "NOTE_BAD_DATE",
    "NOT_A_CODE",
    "NOT_A_DATE",
    "REASON_LABELS",
    "SEVERAL_CODES",
    "UNKNOWN_PAYER",
    "Answer",
    "AnswerTable",
    "TooManyKeys",
    "answer_for",
]

KEY = "__precert_key"
# Joins the date-of-service text and the code text in one lookup key. Date text never holds
# it: the engines pass a date cell through only when it is made of digits and date signs.
DATE_SEPARATOR = "\x1f"
# Ends each of the three scope parts (payer, line of business, state) that lead the key when
# rows name their own payer (--payer-column …) or state; the engines replace it inside cells.
SCOPE_SEPARATOR = "\x1e"

# Distinct code cells (with their dates) kept in memory; far more means a wrong column.
MAX_KEYS = 1_000_000


class TooManyKeys(ValueError):
    """The code column holds more distinct values than any list of codes could explain."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the code column holds more than {limit:,} distinct values (with "
            "their dates of service); is it the right column? Name it with "
            "--code-column, or split the file (e.g. by date range)"
        )


@dataclass(frozen=True, slots=True)
class _Arrays:
    keys: Any
    plain: list[Any]
    dictionaries: list[tuple[Any, Any]]


class AnswerTable:
    """Keys (normalized code text, optionally with a date) -> answers, determined once each.

    The engines normalize cells in SQL; this table asks `Precert.determine` about each distinct
    key the first time it is seen and hands out Arrow index/dictionary columns for joining.
    """

    def __init__(
        self,
        service: Precert,
        *,
        payer: str | None = None,
        line_of_business: str | None = None,
        dated: bool = False,
        scope_columns: tuple[str | None, str | None, str | None] | None = None,
        every_payer: bool = False,
    ) -> None:
        self.service = service
        self.dated = dated
        # (payer, line of business, state) columns whose cells lead each key, or None.
        self.scope_columns = scope_columns
        self.lines = LineAnswerer(
            service,
            payer=payer,
            line_of_business=line_of_business,
            per_row=scope_columns is not None and scope_columns[0] is not None,
            every_payer=every_payer,
            dated=dated,
        )
        self.names = self.lines.names
        self.keys: list[str] = []
        self.answers: list[Answer] = []
        self.counts: list[int] = []
        self._index: dict[str, int] = {}
        self._texts: dict[str, str] = {}
        self._lock = threading.Lock()
        self._arrays: _Arrays | None = None

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, keys: Iterable[str]) -> None:
        """Determine every key not seen before."""
        with self._lock:
            for key in keys:
                if key in self._index:
                    continue
                if len(self.keys) >= MAX_KEYS:
                    raise TooManyKeys(MAX_KEYS)
                answer = self._determine(key)
                # Many keys share notes, sources and contacts: keep one copy of each text.
                shared = tuple(
                    None if v is None else self._texts.setdefault(v, v) for v in answer.values
                )
                self._index[key] = len(self.keys)
                self.keys.append(key)
                self.answers.append(replace(answer, values=shared))
                self.counts.append(0)
                self._arrays = None

    def _determine(self, key: str) -> Answer:
        payer = lob = state = ""
        if self.scope_columns is not None:
            payer, lob, state, key = key.split(SCOPE_SEPARATOR, 3)
        date = None
        if self.dated:
            date, _, key = key.partition(DATE_SEPARATOR)
        return self.lines.answer(key, date, payer, lob, state)

    def index(self, keys: pa.Array | pa.ChunkedArray) -> pa.Array:
        """Row -> answer index for a column of keys (new keys are determined first)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if isinstance(keys, pa.ChunkedArray):
            keys = keys.combine_chunks()
        found = pc.index_in(keys, value_set=self._columns().keys)
        if found.null_count:
            self.add(pc.unique(pc.filter(keys, pc.is_null(found))).to_pylist())
            found = pc.index_in(keys, value_set=self._columns().keys)
        counted = pc.value_counts(found)
        for index, count in zip(
            counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True
        ):
            self.counts[index] += count
        return found

    def columns(self, index: pa.Array, *, dictionary: bool) -> list[pa.Array]:
        """The added columns for rows with these answer indexes (dictionary-encoded or plain)."""
        import pyarrow as pa

        arrays = self._columns()
        if dictionary:
            return [
                pa.DictionaryArray.from_arrays(codes.take(index), values)
                for codes, values in arrays.dictionaries
            ]
        return [column.take(index) for column in arrays.plain]

    def _columns(self) -> _Arrays:
        import pyarrow as pa

        with self._lock:
            if self._arrays is None:
                plain, dictionaries = [], []
                for i in range(len(self.names)):
                    column = [a.values[i] for a in self.answers]
                    plain.append(pa.array(column, pa.string()))
                    # Parquet wants dictionaries without nulls: a null is a null index.
                    distinct = sorted({v for v in column if v is not None})
                    position = {v: n for n, v in enumerate(distinct)}
                    dictionaries.append(
                        (
                            pa.array(
                                [None if v is None else position[v] for v in column], pa.int32()
                            ),
                            pa.array(distinct, pa.string()),
                        )
                    )
                self._arrays = _Arrays(pa.array(self.keys, pa.string()), plain, dictionaries)
            return self._arrays

    def record(self, key_counts: Iterable[tuple[str, int]]) -> None:
        """Add counts of keys seen by an engine that joins by itself (Spark)."""
        pairs = list(key_counts)
        self.add(k for k, _ in pairs)
        for key, count in pairs:
            self.counts[self._index[key]] += count

    def rows(self) -> list[tuple[str | None, ...]]:
        """The whole table as (key, added columns…) tuples."""
        return [(key, *a.values) for key, a in zip(self.keys, self.answers, strict=True)]

    def arrow(self) -> pa.Table:
        """The whole table (key + added columns), for engines that join by themselves."""
        import pyarrow as pa

        arrays = self._columns()
        return pa.Table.from_arrays([arrays.keys, *arrays.plain], names=[KEY, *self.names])
