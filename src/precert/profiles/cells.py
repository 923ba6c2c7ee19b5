"""The code-cell grammar: one published cell -> the codes it lists, each with what the cell
says about it (a range as published, an inline effective date, a removal, a modifier
condition, a clause that changes its status). Pure: the CMS code set is passed in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from typing import Any, NamedTuple

from precert.codes import expand_range
from precert.profiles.dates import DATE_PATTERN, parse_date
from precert.profiles.model import Clause, CodeGrammar, Meaning

_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_CODE = r"[A-Va-v]\d{4}"
_TOKEN = re.compile(
    rf"(?P<pre>\*+)?(?P<first>{_CODE})(?P<post>\*+)?"
    rf"(?:\s*-\s*(?P<pre2>\*+)?(?P<last>{_CODE})(?P<post2>\*+)?)?(?![A-Za-z0-9])"
)
_REMOVAL = re.compile(
    rf"\*+\s*(?P<code>{_CODE})\s+(?:was\s+|is\s+)?removed\s+from\s+(?:the\s+)?list,?\s+"
    rf"(?:effective|as\s+of|on)\s+(?P<date>{DATE_PATTERN})\.?",
    re.IGNORECASE,
)
_DATED = re.compile(
    rf"(?:effective|beginning|starting)\s+(?:on\s+)?(?P<date>{DATE_PATTERN})\s*[:,]",
    re.IGNORECASE,
)
_MOD_ITEM = r"(?:no\s+modifiers?|[A-Z0-9]{2}(?![A-Za-z0-9]))"
_WITH_MODIFIERS = re.compile(
    rf"with\s+(?P<mods>{_MOD_ITEM}(?:\s*,?\s*(?:or\s+|and\s+)?{_MOD_ITEM})*)(?:\s+modifiers?)?",
    re.IGNORECASE,
)
_BARE_MODIFIER = re.compile(r"(?P<mod>[A-Z]{2})(?![A-Za-z0-9])")
_SEPARATOR = re.compile(r"\s+|[,;&/]|(?:and|or)(?![A-Za-z])|\.(?=\s|$)", re.IGNORECASE)
_NOT_MODIFIERS = frozenset({"OR", "AND"})
_SINGLE = re.compile(r"[A-Va-v]\d{4}")


class CellError(ValueError):
    """A code cell that does not read: says what was found and what was expected."""


class CellCode(NamedTuple):
    """One code a cell lists, with what the cell says about it (a named tuple: one is built
    for every row read, and a tuple is built several times faster than a frozen dataclass)."""

    code: str
    published: str  # the code or range as published: "K0813-K0816", "*L1833", "L1833**"
    meaning: Meaning | None = None  # from a clause of the cell
    effective: dt.date | None = None
    end: dt.date | None = None
    removed: bool = False  # a removal note ended it on `end`
    modifiers: tuple[str, ...] = ()  # the row applies only with these ("" = no modifier)
    markers: str = ""  # footnote markers written on it ("**")


def normalize(text: str) -> str:
    """Dashes as '-' and runs of whitespace as one space."""
    return re.sub(r"\s+", " ", text.translate(_DASHES)).strip()


def read_cell(
    text: str,
    grammar: CodeGrammar,
    known: Collection[str],
) -> list[CellCode]:
    """Every code the cell lists, in order; raises CellError on anything it cannot read."""
    return CellReader(grammar, known).read(text)


class CellReader:
    """One profile's code-cell grammar, compiled once, reading cell after cell.

    :meth:`read` is the grammar with a fast path for the common cell, one plain code and
    nothing else, taken only where the full grammar (:meth:`parse`) would read that cell the
    same way: no clause or ignored prose of the profile matches at its start.
    """

    __slots__ = ("_prose", "clauses", "grammar", "ignored", "known")

    def __init__(self, grammar: CodeGrammar, known: Collection[str]) -> None:
        self.grammar = grammar
        self.known = known
        self.clauses = [(re.compile(c.match, re.IGNORECASE), c) for c in grammar.clauses]
        self.ignored = [re.compile(p, re.IGNORECASE) for p in grammar.ignore]
        # What could claim a plain code before the code token does (see parse's loop order):
        # a clause or ignored prose matching at the cell's start.
        self._prose = [p for p, _ in self.clauses] + self.ignored

    def read(self, text: str) -> list[CellCode]:
        """Every code the cell lists, in order; raises CellError on anything it cannot read."""
        if _SINGLE.fullmatch(text) and not (
            self._prose and any(p.match(text) for p in self._prose)
        ):
            # One plain code, as parse reads it: no removal, date or modifier can start with
            # a letter-and-digits token that fills the cell, so the code token takes it all.
            return [CellCode(text.upper(), text)]
        return self.parse(text)

    def parse(self, text: str) -> list[CellCode]:
        """The full grammar, without the fast path (what :meth:`read` must agree with)."""
        grammar, known = self.grammar, self.known
        cell = normalize(text)
        if not cell:
            raise CellError("the code cell is empty (expected a code such as E0466)")
        clauses, ignored = self.clauses, self.ignored
        out: list[CellCode] = []
        removals: dict[str, tuple[dt.date, str]] = {}
        meaning: Meaning | None = None
        clause: Clause | None = None
        effective: dt.date | None = None
        last_group: list[int] = []  # indexes in `out` of the last code or range read
        position = 0
        while position < len(cell):
            if grammar.removals and (m := _REMOVAL.match(cell, position)):
                date = parse_date(m["date"])
                if date is None:
                    raise CellError(f"{m['date']!r} in {m.group(0)!r} is not a date")
                removals[m["code"].upper()] = (date, m.group(0).strip())
                position, last_group = m.end(), []
                continue
            if grammar.dated and (m := _DATED.match(cell, position)):
                effective = parse_date(m["date"])
                if effective is None:
                    raise CellError(f"{m['date']!r} is not a date")
                position, last_group = m.end(), []
                continue
            if found := next(((p, c) for p, c in clauses if p.match(cell, position)), None):
                pattern, clause = found
                m = pattern.match(cell, position)
                assert m is not None
                meaning = clause.meaning
                if "effective" in pattern.groupindex and m["effective"]:
                    effective = parse_date(m["effective"]) or effective
                elif clause.effective is not None:
                    effective = clause.effective
                position, last_group = max(m.end(), position + 1), []
                continue
            if skip := next(
                (p.match(cell, position) for p in ignored if p.match(cell, position)), None
            ):
                position, last_group = max(skip.end(), position + 1), []
                continue
            if grammar.modifiers and last_group and (m := _WITH_MODIFIERS.match(cell, position)):
                mods = _modifier_list(m["mods"])
                for index in last_group:
                    out[index] = _with(out[index], modifiers=mods)
                position = m.end()
                continue
            if grammar.modifiers and last_group and cell[position - 1 : position] == " ":
                m = _BARE_MODIFIER.match(cell, position)
                if m and m["mod"] not in _NOT_MODIFIERS:
                    for index in last_group:
                        mods = out[index].modifiers
                        out[index] = _with(out[index], modifiers=(*mods, m["mod"]))
                    position = m.end()
                    continue
            if m := _TOKEN.match(cell, position):
                codes = _codes_of(m, grammar, known)
                markers = "".join(m.group(g) or "" for g in ("pre", "post", "pre2", "post2"))
                published = m.group(0)
                last_group = []
                for code in codes:
                    last_group.append(len(out))
                    out.append(
                        CellCode(
                            code,
                            published,
                            meaning,
                            effective
                            if effective is not None
                            else (clause.effective if clause else None),
                            clause.end if clause else None,
                            markers=markers,
                        )
                    )
                position = m.end()
                continue
            if m := _SEPARATOR.match(cell, position):
                position = m.end()
                if m.group(0).strip():
                    last_group = []
                continue
            rest = cell[position:]
            shown = rest if len(rest) <= 40 else rest[:40] + "…"
            raise CellError(
                f"cannot read {shown!r} in the code cell (expected codes such as E0466, ranges "
                "such as K0813-K0816, 'Effective <date>:' or a clause the profile declares)"
            )
        for code, (date, note) in removals.items():
            listed = [i for i, c in enumerate(out) if c.code == code]
            if not listed:
                out.append(CellCode(code, note, None, None, date, removed=True))
            for index in listed:
                out[index] = _with(out[index], end=date, removed=True)
        if not out:
            raise CellError(f"no code in {cell[:60]!r} (expected a code such as E0466)")
        if not grammar.many and len({c.published for c in out}) > 1:
            raise CellError(
                f"several codes in one cell ({cell[:60]!r}) but the profile says one per cell"
            )
        return out


def _codes_of(m: re.Match[str], grammar: CodeGrammar, known: Collection[str]) -> list[str]:
    first = m["first"].upper()
    if m["last"] is None:
        return [first]
    last = m["last"].upper()
    if not grammar.ranges:
        raise CellError(f"{m.group(0)!r} is a range, but the profile reads no ranges")
    for end in (first, last):
        if end not in known:
            raise CellError(
                f"range {m.group(0)!r}: {end} is not a code in the CMS HCPCS code set, so the "
                "range cannot be expanded"
            )
    try:
        span = int(last[1:]) - int(first[1:]) + 1
        if first[0] != last[0] or span < 1:
            raise ValueError(f"{first}-{last} is not a range")
        if span > grammar.max_range:
            raise CellError(
                f"range {m.group(0)!r} spans {span} codes, more than {grammar.max_range} "
                "(codes.max_range): is it a typo?"
            )
        return expand_range(first, last, known)
    except ValueError as exc:
        if isinstance(exc, CellError):
            raise
        raise CellError(
            f"range {m.group(0)!r} is not a range: both ends need the same letter, first "
            "not above the last"
        ) from None


def _modifier_list(text: str) -> tuple[str, ...]:
    items = re.findall(r"no\s+modifiers?|[A-Za-z0-9]{2,3}", text, re.IGNORECASE)
    mods: list[str] = []
    for item in items:
        if item.lower().startswith("no"):
            if re.match(r"no\s+modifier", item, re.IGNORECASE):
                mods.append("")
            continue
        if item.upper() in _NOT_MODIFIERS:
            continue
        mods.append(item.upper())
    return tuple(dict.fromkeys(mods))


def _with(code: CellCode, **changes: Any) -> CellCode:
    return code._replace(**changes)
