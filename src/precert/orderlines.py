"""One order line's answer: the cells precert adds for its code, date of service and payer.

`precert batch` (through its answer table, one call per distinct cell) and the staff page's
upload (one call per distinct line) both answer through `LineAnswerer`, so a line gets the same
added columns at either door: the same code rule (one cell, one code), the same date rule (a
blank date: today, with a warning; a cell that is not a date: ``invalid``), the same payer rule
(a payer cell naming no loaded list: ``invalid`` with the loaded payers named, never another
payer's answer). Column names and cells come from `precert.columns`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from precert.columns import (
    ANSWER_COLUMNS,
    answer_cells,
    invalid_cells,
    payer_column_names,
    scope_label,
    with_warning,
)
from precert.dates import parse_cell_date
from precert.models import Determination, Status
from precert.states import postal

if TYPE_CHECKING:
    from precert.service import Precert

# A date cell is read only when made of digits and date signs (the batch engines check the
# same class in SQL, before the cell reaches `LineAnswerer`).
DATE_CHARACTERS = "[0-9T:./ +-]"
NOT_A_DATE = "?"

# Why a row has no usable code; the summaries count each.
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
_DATE_TEXT = re.compile(DATE_CHARACTERS + "*")
# How rows whose payer cell names no loaded list (or nothing, with several loaded) are counted.
NO_PAYER = "(a payer with no loaded list)"
NONE_NAMED = "(no payer named)"
_ASKED_KEPT = 50_000


@dataclass(frozen=True, slots=True)
class Answer:
    """The added columns for one line, and what the summaries and the page need about it."""

    values: tuple[str | None, ...]
    status: Status
    code: str | None
    reason: str | None = None  # why there is no usable code (BLANK, NOT_A_CODE, …)
    description: str | None = None
    payer: str | None = None  # whose list answered, when rows name their payer
    # With one set of columns per payer: each payer's status, in column order.
    statuses: tuple[Status, ...] = ()
    # The service's answers behind the columns (one per payer; None where there is none),
    # kept only when asked for (the page shows them; a batch of millions does not).
    answers: tuple[Determination | None, ...] = ()


def answer_for(answers: Sequence[Determination], blank: bool) -> Answer:
    """Turn the service's answers for one cell into the added columns (one cell, one answer)."""
    if len(answers) != 1:
        found = ", ".join(a.code or "a non-code" for a in answers)
        warning = (
            f"The cell holds {len(answers)} entries ({found}); screen one code per row "
            "(precert check answers each of them)."
        )
        return Answer(
            invalid_cells(None, warning),
            Status.INVALID,
            None,
            SEVERAL_CODES,
        )
    a = answers[0]
    if a.status is Status.INVALID:
        return Answer(answer_cells(a), a.status, None, BLANK if blank else NOT_A_CODE)
    return Answer(answer_cells(a), a.status, a.code, None, a.description)


def _invalid(
    note: str | None, warning: str | None, reason: str, payer: str | None = None
) -> Answer:
    return Answer(
        invalid_cells(note, warning),
        Status.INVALID,
        None,
        reason,
        payer=payer,
    )


class LineAnswerer:
    """Answers order lines for one payer, for the payer each line names, or for every payer.

    - one payer (``payer`` / ``line_of_business`` naming exactly one loaded list, or the only
      one loaded): `ANSWER_COLUMNS`; a `ScopeError` names the choices otherwise;
    - ``per_row``: each line's payer and line-of-business cells choose (``payer`` /
      ``line_of_business`` fill blank cells): `ANSWER_COLUMNS`;
    - ``every_payer``: every loaded payer (of ``line_of_business``, if given), one set of
      columns each (`payer_column_names`).
    """

    def __init__(
        self,
        service: Precert,
        *,
        payer: str | None = None,
        line_of_business: str | None = None,
        per_row: bool = False,
        every_payer: bool = False,
        dated: bool = False,
        keep_answers: bool = False,
    ) -> None:
        if per_row and every_payer:
            raise ValueError("answer each row for its own payer or for every payer, not both")
        self.service = service
        self.dated = dated
        self.per_row = per_row
        self.keep_answers = keep_answers
        self.payer, self.line_of_business = payer, line_of_business
        if every_payer:
            found = service.scopes(None, line_of_business)
            self.scopes = tuple(dict.fromkeys((s.payer, s.line_of_business) for s in found))
            self.names = payer_column_names(self.scopes)
        elif per_row:
            self.scopes = ()
            self.names = ANSWER_COLUMNS
        else:
            one = service.scope(payer, line_of_business)
            self.scopes = ((one.payer, one.line_of_business),)
            self.names = ANSWER_COLUMNS
        self.every_payer = every_payer
        # Many lines share a code, payer and date while their other cells differ (the state,
        # the payer's spelling): each service question is asked once.
        self._asked: dict[tuple[str, str, str, dt.date | None, str | None], list[Determination]]
        self._asked = {}
        self._scopes: dict[tuple[str | None, str | None], tuple[str, str] | str] = {}

    @property
    def labels(self) -> tuple[str, ...]:
        """The payers answered for, as people name them (per-row: none fixed)."""
        return tuple(scope_label(p, lob) for p, lob in self.scopes)

    def answer(
        self,
        code: str,
        date: str | None = None,
        payer: str = "",
        line_of_business: str = "",
        state: str = "",
    ) -> Answer:
        """The added columns for one line: its code cell, date-of-service cell (None: the file
        has no date column), payer, line-of-business and member-state cells."""
        when: dt.date | None = None
        today_warning = None
        if self.dated and date is not None and date.strip():
            when = parse_cell_date(date) if _DATE_TEXT.fullmatch(date) else None
            if when is None:
                return self._spread(_invalid(None, NOTE_BAD_DATE, BAD_DATE))
        elif self.dated:
            today = dt.date.today().isoformat()
            today_warning = f"No date of service in this row; answered for {today}."
        # A state cell as people write it ("TX", "Texas"); one that names no state is kept as
        # written: its answer warns that no contact serves it (one cell never stops a batch).
        where = postal(state) or state.strip() or None
        if self.per_row:
            return self._for_row(code, when, payer, line_of_business, where, today_warning)
        answers = [
            self._determine(code, p, lob, when, where, today_warning) for p, lob in self.scopes
        ]
        if not self.every_payer:
            return answers[0]
        first = answers[0]
        values = first.values[:2] + tuple(v for a in answers for v in a.values[2:])
        return replace(
            first,
            values=values,
            description=next((a.description for a in answers if a.description), None),
            statuses=tuple(a.status for a in answers),
            answers=tuple(a.answers[0] if a.answers else None for a in answers),
        )

    def _spread(self, answer: Answer) -> Answer:
        """One answer given to every payer's columns (a line no payer can answer)."""
        if not self.every_payer:
            return answer
        count = len(self.scopes)
        return replace(
            answer,
            values=answer.values[:2] + answer.values[2:] * count,
            statuses=(answer.status,) * count,
            answers=(None,) * count,
        )

    def _for_row(
        self,
        code: str,
        when: dt.date | None,
        payer_cell: str,
        lob_cell: str,
        state: str | None,
        today_warning: str | None,
    ) -> Answer:
        payer = payer_cell.strip() or self.payer
        lob = lob_cell.strip() or self.line_of_business
        scope = self._scope(payer, lob)
        if isinstance(scope, str):
            # The cell's text goes to the row's warning only: summaries and reports, which
            # hold no row contents, count such rows under one label.
            return _invalid(None, scope, UNKNOWN_PAYER, NO_PAYER if payer else NONE_NAMED)
        answer = self._determine(code, *scope, when, state, today_warning)
        return replace(answer, payer=scope_label(*scope))

    def _scope(self, payer: str | None, lob: str | None) -> tuple[str, str] | str:
        """The one loaded (payer, line of business) a row's cells name, or why there is none."""
        from precert.service import ScopeError

        found = self._scopes.get((payer, lob))
        if found is None:
            try:
                # The row's payer must name exactly one loaded list: never several answers,
                # and never another payer's in place of an unknown one.
                scope = self.service.scope(payer, lob)
                found = (scope.payer, scope.line_of_business)
            except ScopeError as exc:
                found = str(exc)
            self._scopes[(payer, lob)] = found
        return found

    def _ask(
        self, text: str, payer: str, lob: str, when: dt.date | None, state: str | None
    ) -> list[Determination]:
        key = (text, payer, lob, when, state)
        found = self._asked.get(key)
        if found is None:
            if len(self._asked) >= _ASKED_KEPT:  # a file of distinct junk: memory stays bounded
                self._asked.clear()
            found = self._asked[key] = self.service.determine(
                text, payer=payer, line_of_business=lob, date=when, state=state
            )
        return found

    def _determine(
        self,
        text: str,
        payer: str,
        lob: str,
        when: dt.date | None,
        state: str | None,
        today_warning: str | None,
    ) -> Answer:
        answers = self._ask(text, payer, lob, when, None)
        if state is not None and any(
            a.submit_options or "depends_on_state" in a.warning_codes for a in answers
        ):
            # The state only picks a contact where a list routes by state (the answer then
            # lists the options), or decides rows for members of some states only (the answer
            # then warns that it depends on the state): ask again with it. Every other answer
            # is the same for every state, and comes from the answers already worked out for
            # this payer and date.
            answers = self._ask(text, payer, lob, when, state.upper())
        answer = answer_for(answers, blank=not text.strip())
        if self.keep_answers and len(answers) == 1 and answer.reason is None:
            answer = replace(answer, answers=(answers[0],))
        if today_warning is not None and answer.reason is None:
            answer = replace(answer, values=with_warning(answer.values, today_warning))
        return answer
