"""The small answer table: each distinct (normalized) cell determined once through the service."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from precert.columns import ANSWER_COLUMNS, answer_cells
from precert.dates import parse_cell_date
from precert.models import Determination, Status

if TYPE_CHECKING:
    import pyarrow as pa

    from precert.service import Precert

KEY = "__precert_key"
# Joins the date-of-service text and the code text in one lookup key. Date text never holds
# it: the engines pass a date cell through only when it is made of digits and date signs.
DATE_SEPARATOR = "\x1f"
# Ends each of the three scope parts (payer, line of business, state) that lead the key when
# rows name their own payer (--payer-column …); the engines replace it inside cells.
SCOPE_SEPARATOR = "\x1e"
DATE_CHARACTERS = "[0-9T:./ +-]"
NOT_A_DATE = "?"

# Why a row has no usable code; the summary counts each.
BLANK, NOT_A_CODE, SEVERAL_CODES, BAD_DATE = "blank", "not_a_code", "several_codes", "bad_date"
UNKNOWN_PAYER = "unknown_payer"
REASON_LABELS = {
    BLANK: "blank code cell",
    NOT_A_CODE: "not a code",
    SEVERAL_CODES: "several codes in one cell",
    BAD_DATE: "unreadable date of service",
    UNKNOWN_PAYER: "payer with no loaded list",
}
NOTE_BAD_DATE = (
    "The date of service is not a date (expected YYYY-MM-DD, MM/DD/YYYY or "
    "YYYYMMDD); the code was not checked."
)


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
class Answer:
    """The added columns for one distinct cell, and what the summary needs about it."""

    values: tuple[str | None, ...]
    status: Status
    code: str | None
    reason: str | None = None  # why there is no usable code (BLANK, NOT_A_CODE, …)
    description: str | None = None
    payer: str | None = None  # whose list answered, when rows name their payer


def answer_for(answers: Sequence[Determination], blank: bool) -> Answer:
    """Turn the service's answers for one cell into the added columns (one cell, one answer)."""
    if len(answers) != 1:
        found = ", ".join(a.code or "a non-code" for a in answers)
        warning = (
            f"The cell holds {len(answers)} entries ({found}); screen one code per row "
            "(precert check answers each of them)."
        )
        return Answer(
            (None, None, Status.INVALID.value, None, None, warning, None),
            Status.INVALID,
            None,
            SEVERAL_CODES,
        )
    a = answers[0]
    if a.status is Status.INVALID:
        return Answer(answer_cells(a), a.status, None, BLANK if blank else NOT_A_CODE)
    return Answer(answer_cells(a), a.status, a.code, None, a.description)


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
    ) -> None:
        self.service = service
        self.payer = payer
        self.line_of_business = line_of_business
        self.dated = dated
        # (payer, line of business, state) columns whose cells lead each key, or None.
        self.scope_columns = scope_columns
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
        if self.scope_columns is None:
            return self._determine_for(key, self.payer, self.line_of_business, None)
        from precert.service import ScopeError

        payer_cell, lob_cell, state, text = key.split(SCOPE_SEPARATOR, 3)
        payer = payer_cell.strip() or self.payer
        lob = lob_cell.strip() or self.line_of_business

        try:
            # The row's payer must name exactly one loaded list: never several answers, and
            # never another payer's in place of an unknown one.
            scope = self.service.scope(payer, lob)
        except ScopeError as exc:
            return Answer(
                (None, None, Status.INVALID.value, None, None, str(exc), None),
                Status.INVALID,
                None,
                UNKNOWN_PAYER,
                payer=payer or "(none)",
            )
        answer = self._determine_for(
            text, scope.payer, scope.line_of_business, state.strip() or None
        )
        return replace(answer, payer=scope.payer)

    def _determine_for(
        self, key: str, payer: str | None, lob: str | None, state: str | None
    ) -> Answer:
        date: dt.date | None = None
        text = key
        today_warning = None
        if self.dated:
            date_text, _, text = key.partition(DATE_SEPARATOR)
            if date_text.strip():
                date = parse_cell_date(date_text) if date_text != NOT_A_DATE else None
                if date is None:
                    return Answer(
                        (None, None, Status.INVALID.value, None, None, NOTE_BAD_DATE, None),
                        Status.INVALID,
                        None,
                        BAD_DATE,
                    )
            else:
                today_warning = (
                    f"No date of service in this row; answered for {dt.date.today().isoformat()}."
                )
        answers = self.service.determine(
            text, payer=payer, line_of_business=lob, date=date, state=state
        )
        answer = answer_for(answers, blank=not text.strip())
        if today_warning is not None and answer.reason is None:
            warnings = answer.values[5]
            values = (
                *answer.values[:5],
                f"{warnings} | {today_warning}" if warnings else today_warning,
                answer.values[6],
            )
            answer = Answer(values, answer.status, answer.code, None, answer.description)
        return answer

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
                for i in range(len(ANSWER_COLUMNS)):
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
        return pa.Table.from_arrays([arrays.keys, *arrays.plain], names=[KEY, *ANSWER_COLUMNS])
