"""Parse what people type into base codes and modifiers; tell HCPCS Level II from CPT."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from precert.models import ParsedCode

# HCPCS Level II: one letter A-V and four digits. CPT: five digits, or four digits and F/T/U.
_HCPCS = re.compile(r"[A-V]\d{4}")
_CPT = re.compile(r"\d{5}|\d{4}[FTU]")
_CODE_PREFIX = re.compile(r"([A-V]\d{4}|\d{4}[FTU]|\d{5})")
# What may follow a base code: modifiers of two letters/digits, glued on or separated.
_MODIFIER_TAIL = re.compile(r"(?:[\s\-:,./]*[A-Z0-9]{2})*[\s\-:,./]*")
_MODIFIER = re.compile(r"[A-Z0-9]{2}")
_WHOLE = re.compile(r"([A-V]\d{4}|\d{4}[FTU]|\d{5})((?:[\s\-:,./]*[A-Z0-9]{2})*)[\s\-:,./]*")
_HARD_SEPARATORS = re.compile(r"[,;|\n\r\t]+")
_ONE_TOKEN = re.compile(r"\s*[^\s,;|]*\s*")
_MODIFIER_TOKEN = re.compile(r"[-:]?[A-Za-z0-9]{2}")
_SEPARATOR_TOKEN = re.compile(r"[\-:./]+")  # "K0856 - RR": the dash joins, it is no query
# A range as lists print it and people type it: K0813-K0816, K0813 - K0816, K0813 to K0816
# (dashes of every kind are folded to "-" first). Modifiers after the range apply to each code.
_RANGE = re.compile(
    r"([A-V]\d{4})\s*(?:-+|TO|THRU|THROUGH)\s*([A-V]\d{4})((?:[\s\-:,./]*[A-Z0-9]{2})*)[\s\-:,./]*"
)
_RANGE_WORD = re.compile(r"-+|TO|THRU|THROUGH", re.IGNORECASE)
_PLAIN_CODE = re.compile(r"[A-V]\d{4}", re.IGNORECASE)
# Look-alikes pasted from documents and typed with other keyboards: Unicode dashes, a
# byte-order mark, zero-width spaces (full-width letters and digits are NFKC's job).
_FOLD = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63", "-"),
        **dict.fromkeys("\ufeff\u200b", ""),
    }
)

CODE_HELP = (
    "expected a HCPCS Level II code (one letter A-V and four digits, e.g. E0466) "
    "or a CPT code (five digits, or four digits and F/T/U, e.g. 99213), "
    "optionally followed by two-character modifiers (e.g. K0856-RR, L5856 LT)"
)


def _fold(text: str) -> str:
    """Text with look-alike characters as the ASCII a code is written in (ASCII unchanged)."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text.translate(_FOLD))


def system_of(code: str) -> str | None:
    """Return "HCPCS" or "CPT" for a normalized base code, None for anything else."""
    if _HCPCS.fullmatch(code):
        return "HCPCS"
    if _CPT.fullmatch(code):
        return "CPT"
    return None


@lru_cache(maxsize=65536)
def parse_code(query: str) -> ParsedCode:
    """Parse one query such as ``k0856-rr`` into base code ``K0856`` and modifiers ``("RR",)``.

    Never raises: input that is not a code comes back with ``code=None`` and an ``error``
    saying what a code looks like.
    """
    text = _fold(query).strip().upper()
    if not text:
        return ParsedCode(query=query, code=None, error="empty query: " + CODE_HELP)
    match = _WHOLE.fullmatch(text)  # one pass: base code, then only modifiers and separators
    if match is not None:
        code, rest = match.groups()
        modifiers = tuple(_MODIFIER.findall(rest)) if rest else ()
        system = "CPT" if code[0].isdigit() else "HCPCS"
        return ParsedCode(query=query, code=code, modifiers=modifiers, system=system)
    return ParsedCode(query=query, code=None, error=f"{query.strip()!r} is not a code: {CODE_HELP}")


def _starts_code(token: str) -> bool:
    upper = token.upper()
    match = _CODE_PREFIX.match(upper)
    return match is not None and _MODIFIER_TAIL.fullmatch(upper[match.end() :]) is not None


def _unglue(token: str) -> list[str]:
    """``E0466K0856L5856`` (codes run together, as OCR reads a fax) -> one query per code.

    Walks the token: a HCPCS code, then two-character modifiers, and a new query wherever a
    letter and four digits start at a modifier boundary. Only a token that splits cleanly is
    split; anything else comes back whole (``K0856RR`` stays one code with modifier RR).
    """
    folded = _fold(token).strip()
    upper = folded.upper()
    if len(upper) < 10 or not upper.isalnum() or not _CODE_PREFIX.match(upper):
        return [token]
    cuts = [0]
    position = 5
    while position < len(upper):
        if _HCPCS.fullmatch(upper[position : position + 5]):
            cuts.append(position)
            position += 5
        elif position + 2 <= len(upper):
            position += 2
        else:
            return [token]  # an odd character left over: not codes run together
    if len(cuts) == 1:
        return [token]
    source = token.strip() if token.strip().isascii() else folded
    return [source[a:b] for a, b in zip(cuts, [*cuts[1:], len(source)], strict=True)]


def split_queries(text: str) -> list[str]:
    """Split a pasted string (``E0466, k0856-rr; L5856 LT``) into one query per code.

    Commas, semicolons, pipes, tabs and new lines always separate; within a run of
    words, each word that starts a code begins a new query and two-character words
    after a code are its modifiers (``K0856 NU``). Words that are not codes stay
    together as one query, which parses as ``invalid``.
    """
    if _ONE_TOKEN.fullmatch(text):  # the common case: one code as typed, nothing to split
        stripped = text.strip()
        return _unglue(stripped) if stripped else []
    queries: list[str] = []
    for item in _HARD_SEPARATORS.split(text):
        group: list[str] = []
        group_is_code = False
        for token in _join_ranges(item.split()):
            folded = _fold(token)
            joins = _MODIFIER_TOKEN.fullmatch(folded) or _SEPARATOR_TOKEN.fullmatch(folded)
            if parse_range(token) is not None:
                if group:
                    queries.append(" ".join(group))
                group, group_is_code = [token], True
            elif _starts_code(folded) or len(_unglue(folded)) > 1:
                if group:
                    queries.append(" ".join(group))
                *whole, last = _unglue(token)
                queries.extend(whole)
                group, group_is_code = [last], True
            elif (group_is_code and joins) or (group and not group_is_code):
                group.append(token)
            else:
                if group:
                    queries.append(" ".join(group))
                group, group_is_code = [token], False
        if group:
            queries.append(" ".join(group))
    return queries


def _join_ranges(tokens: list[str]) -> list[str]:
    """Words that spell one range (``K0813 - K0816``, ``K0813 -K0816``, ``K0813 to K0816``)
    joined into one token, so the range is one query and not its two ends."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for width in (3, 2):
            candidate = " ".join(tokens[i : i + width])
            if i + width <= len(tokens) and _is_bare_range(candidate):
                out.append(candidate)
                i += width
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _is_bare_range(text: str) -> bool:
    """``K0813 - K0816`` (no modifiers): two codes of one letter, ascending, joined by a dash."""
    folded = _fold(text).strip().upper()
    match = _RANGE.fullmatch(folded)
    return match is not None and not match.group(3) and _ascending(match.group(1), match.group(2))


def _ascending(first: str, last: str) -> bool:
    return first[0] == last[0] and first < last


def parse_range(query: str) -> tuple[str, str, tuple[str, ...]] | None:
    """``K0813-K0816`` / ``k0813 – k0816 RR`` -> (first, last, modifiers); None if no range.

    A range is two HCPCS Level II codes of the same letter, the first below the last, joined
    by a dash (any kind, spaced or not) or "to" / "thru" / "through". ``E0466-K0856`` or a
    descending pair is not a range (it stays two codes).
    """
    folded = _fold(query).strip().upper()
    match = _RANGE.fullmatch(folded)
    if match is None or not _ascending(match.group(1), match.group(2)):
        return None
    return match.group(1), match.group(2), tuple(_MODIFIER.findall(match.group(3) or ""))


def expand_range(first: str, last: str, known: Iterable[str] | None = None) -> list[str]:
    """Every code from ``first`` to ``last`` (inclusive), in order.

    With ``known`` (the CMS HCPCS code set), the codes between the ends are those CMS knows;
    the two ends are always included, since they were written out. Without ``known``, every
    letter-and-four-digit code in between. Raises ValueError when the ends are not HCPCS
    Level II codes of one letter with the first not above the last.
    """
    first, last = first.strip().upper(), last.strip().upper()
    if not (_HCPCS.fullmatch(first) and _HCPCS.fullmatch(last)):
        raise ValueError(f"{first}-{last} is not a range of HCPCS Level II codes: {CODE_HELP}")
    if first[0] != last[0] or first > last:
        raise ValueError(
            f"{first}-{last} is not a range: both ends need the same letter and the first "
            "must not be above the last"
        )
    if known is None:
        return [f"{first[0]}{n:04d}" for n in range(int(first[1:]), int(last[1:]) + 1)]
    inside = {c for c in known if len(c) == 5 and first <= c <= last and c[0] == first[0]}
    return sorted(inside | {first, last})


def range_note(query: str, codes: Sequence[str]) -> str:
    """The note every answer expanded from a typed range carries."""
    listed = ", ".join(codes) if len(codes) <= 12 else f"{codes[0]} … {codes[-1]}"
    return (
        f"{query.strip()!r} is a range: answered for each of its {len(codes)} codes in the "
        f"CMS HCPCS set ({listed})."
    )


def parse_queries(text: str, known: Callable[[], Iterable[str]]) -> list[ParsedCode]:
    """Split ``text`` into queries and parse each; a range becomes one parsed code per code
    in it (``known`` gives the CMS code set, asked only when a range was typed)."""
    parsed: list[ParsedCode] = []
    for query in split_queries(text):
        span = parse_range(query)
        if span is None:
            parsed.append(parse_code(query))
            continue
        first, last, modifiers = span
        expanded = expand_range(first, last, known())
        parsed.extend(
            ParsedCode(
                query=query, code=code, modifiers=modifiers, system="HCPCS", range=tuple(expanded)
            )
            for code in expanded
        )
    return parsed


def several_codes(text: str) -> bool:
    """True when ``text`` holds more than one code: several queries, or a range (K0813-K0816)
    -- what a one-code door (``precert show``, a code's page) must not answer for the first."""
    queries = split_queries(text)
    return len(queries) > 1 or any(parse_range(q) is not None for q in queries)
