"""Build FTS5 queries from words people type, tolerating order, case, plurals and one typo."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[A-Za-z0-9]+")


def words(text: str) -> list[str]:
    """The searchable words of a query, lower case."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # full-width "ｂｅｄ" is the word "bed"
    return [w.lower() for w in _WORD.findall(text)]


def fts_query(terms: list[str]) -> str:
    """An FTS5 MATCH expression requiring every term (any order), each as word or prefix."""
    return " AND ".join(f'("{t}" OR "{t}"*)' for t in terms)


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b = b, a
    return any(a[:i] == b[:i] and a[i:] == b[i + 1 :] for i in range(len(a) + 1))


def corrections(term: str, vocabulary: list[tuple[str, int]]) -> list[str]:
    """Indexed terms one edit away from ``term`` (or its plain plural stem), most used first."""
    if len(term) < 4 or term.isdigit():
        return []
    stems = {term, term.rstrip("s")}
    found = [
        (count, word)
        for word, count in vocabulary
        if abs(len(word) - len(term)) <= 2 and any(within_one_edit(s, word) for s in stems)
    ]
    return [w for _, w in sorted(found, reverse=True)[:3]]
