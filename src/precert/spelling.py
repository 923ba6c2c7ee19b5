"""Words as search compares them, and words that are not words (pure): plurals, typos,
words run together, acronyms.

:func:`normalize` is how both a query and a description become comparable words (lower case,
singular). A word of neither the code set nor the vocabulary may be a typo
(:func:`corrections_for`: ``wheelchiar`` -> ``wheelchair``), two words run together
(:func:`split_compound`: ``bedpan`` -> ``bed pan``) or an acronym (:func:`acronym`: ``hfcwo``
-> high frequency chest wall oscillation).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z0-9]+")
# Words that say how things relate, not what they are. "for" / "with" also mark where the
# thing asked about ends: in "mask for cpap" the mask is wanted, not the CPAP device.
STOP_WORDS = frozenset({"a", "an", "the", "and", "or", "of", "to", "in", "on", "per", "my"})
PREPOSITIONS = frozenset({"for", "with", "w", "without", "used", "use"})
MAX_INITIALS = 6  # longest word read as an acronym ("hfcwo")
_NOT_NAMES = STOP_WORDS | PREPOSITIONS | {
    "any", "all", "each", "other", "not", "non", "than", "only", "type", "includes", "including",
    "from", "more", "less", "who", "was", "were", "has", "have", "been", "are",
}  # fmt: skip
_KEEP_S = ("ss", "us", "is", "as")  # glass, catheter bus, canvas stay whole


def words(text: str) -> list[str]:
    """The searchable words of a query, lower case."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)  # full-width "ｂｅｄ" is the word "bed"
    return [w.lower() for w in _WORD.findall(text)]


@lru_cache(maxsize=16384)
def singular(word: str) -> str:
    """A plain English singular (``crutches`` -> ``crutch``, ``batteries`` -> ``battery``), so
    plurals match on either side; words of three letters or fewer are left alone."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(_KEEP_S):
        return word[:-1]
    return word


def normalize(text: str) -> tuple[str, ...]:
    """Words as both sides of a match compare them: lower case, singular."""
    return tuple(singular(w) for w in words(text))


def acronym(letters: str, descriptions: Iterable[str]) -> tuple[str, ...] | None:
    """The phrase whose words' initials spell ``letters`` in the most descriptions, when it
    is in two or more and in more than any other (``cpm`` -> continuous passive motion).
    Numbers, words of one or two letters ("at", "or") and words that name nothing ("any",
    "with") never stand in an acronym's phrase."""
    n = len(letters)
    counts: dict[tuple[str, ...], int] = {}
    for text in descriptions:
        tokens = words(text)
        found = {
            tuple(tokens[i : i + n])
            for i in range(len(tokens) - n + 1)
            if "".join(t[0] for t in tokens[i : i + n]) == letters
            and all(len(t) >= 3 and t.isalpha() and t not in _NOT_NAMES for t in tokens[i : i + n])
        }
        for phrase in found:
            counts[phrase] = counts.get(phrase, 0) + 1
    ranked = sorted(counts.values(), reverse=True)
    if not ranked or ranked[0] < 2 or (len(ranked) > 1 and ranked[1] == ranked[0]):
        return None
    best = next(phrase for phrase, count in counts.items() if count == ranked[0])
    return tuple(singular(w) for w in best)


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


def one_edit(word: str) -> set[str]:
    """Every string one deletion, swap, substitution or insertion (a-z) away from ``word``."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return deletes | swaps | replaces | inserts


def split_compound(
    word: str, lookup: Callable[[set[str]], Mapping[str, int]]
) -> tuple[str, str] | None:
    """Two words of the code set that ``word`` runs together (``bedpan`` -> ``bed pan``), the
    split whose rarer half is most used; None when there is none. Halves are three letters or
    more: shorter ones would split too many words into nonsense."""
    if len(word) < 6 or not word.isalpha():
        return None
    splits = [(word[:i], word[i:]) for i in range(3, len(word) - 2)]
    counts = lookup({half for pair in splits for half in pair})
    scored = [(min(counts[a], counts[b]), (a, b)) for a, b in splits if a in counts and b in counts]
    return max(scored)[1] if scored else None


def corrections_for(
    term: str, lookup: Callable[[set[str]], Mapping[str, int]], extra: Iterable[str] = ()
) -> list[str]:
    """Known words one edit away from ``term`` (or its singular), most used first (at most 3).

    ``lookup(words)`` says which of ``words`` the code set uses, and how often. Short words
    (under four letters) and numbers are never corrected: too many real words are one edit
    from them.
    """
    if len(term) < 4 or not term.isalpha():
        return []
    near = {w for w in one_edit(term) | one_edit(singular(term)) if len(w) >= 3}
    found = dict(lookup(near))
    for word in extra:
        if word in near:
            found.setdefault(word, 0)
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    return [w for w, _ in ranked[:3]]
