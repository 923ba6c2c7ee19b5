"""Rank codes for a search query (pure): what a code's own description says counts most.

Each code is a :class:`Document`: its own descriptions (CMS long and short, the lists' own
descriptions) and what is said about it (the lists' categories and notes). The score of a
document, for a :class:`~precert.searching.Query`:

* coverage -- the share of the query's concepts it matches, each weighted by how rare it is
  (inverse document frequency), a match in its own description worth more than one in a
  category or note, a phrase whose words stand together more than the same words apart;
* the thing asked about -- the query's head concept (``mask`` in "CPAP mask", ``cpap`` in
  "cpap") found in the head of the description (before "used with", "for" or a comma) --
  which tells a device ("Continuous positive airway pressure (cpap) device") from its supplies
  ("Full face mask used with positive airway pressure device");
* proximity -- the query's words together in one description outrank the same words apart;
* a small nudge for codes on a list in scope and for codes of the families (first letter) the
  lists in scope hold, and a demotion for codes CMS terminated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

from precert.searching import MIN_PREFIX, Concept, Query
from precert.spelling import PREPOSITIONS, STOP_WORDS, singular

# Fields, documents and matches are NamedTuples, not dataclasses: they are made by the
# thousand per query, and a fresh `precert search` process pays for defining each class.
_TOKEN = re.compile(r"[a-z0-9]+|[,;:]")
_PUNCTUATION = frozenset({",", ";", ":"})
_LITTLE = STOP_WORDS | PREPOSITIONS  # left out of whole-description matches
# Where the name of the thing described ends: "Full face mask | used with ...".
_HEAD_END = frozenset(
    {",", ";", ":", "used", "for", "with", "without", "includes", "including", "that", "which"}
)

OWN, SHORT, SAID = 1.0, 0.9, 0.4  # field weights: own description, CMS short one, category/note
APART = 0.65  # a phrase whose words are all there, but not together
PREFIX = 0.6  # "wheel" in "wheeled"
HEAD_BONUS = 0.3
FIRST_WORD_BONUS = 0.05
HEAD_END_BONUS = 0.1
# A head ending in these ("Wheelchair accessory,") names what the thing is part of.
_PART_OF = frozenset({"accessory", "addition", "replacement"})
# Words that end a head without naming the thing: "(cpap) device" is a CPAP.
_GENERIC = frozenset({"device", "system", "unit", "equipment", "each", "any", "type", "item"})
NEAR_BONUS, LOOSE_BONUS = 0.25, 0.1
WHOLE_BONUS = 0.5
LISTED_BONUS = 0.02
FAMILY_BONUS = 0.05  # a DME list in scope makes DME codes (E, K, L ...) likelier than G or J
TERMINATED_PENALTY = 0.5


class Field(NamedTuple):
    """The normalized words of one text, and how many of them name the thing described."""

    words: tuple[str, ...]
    head: int
    weight: float
    head_end: int = 0  # where the head ends, generic words ("device") left out
    bare: tuple[str, ...] = ()  # the words without "a", "for", "with" ... (for whole matches)
    joined: str = ""  # " " + the words joined by spaces (for prefix matches)


@lru_cache(maxsize=32768)
def field(text: str, weight: float, *, has_head: bool = True) -> Field:
    """Tokenize a description, category or note."""
    tokens = _TOKEN.findall(text.lower())
    out = [singular(t) for t in tokens if t not in _PUNCTUATION]
    head = len(out)
    words = 0  # words before the token
    for token in tokens:  # where the head ends: the first end after a word
        # "Power wheelchair accessory, battery ..." and "Addition to lower extremity, ..."
        # name the part after the comma: the head runs on to the next end.
        if (
            words
            and token in _HEAD_END
            and not (token == "," and (out[words - 1] in _PART_OF or out[0] == "addition"))
        ):
            head = words
            break
        if token not in _PUNCTUATION:
            words += 1
    end = head
    while end > 1 and out[end - 1] in _GENERIC:
        end -= 1
    bare = tuple([w for w in out if w not in _LITTLE])
    joined = " " + " ".join(out)
    return Field(tuple(out), head if has_head else 0, weight, end if has_head else 0, bare, joined)


class Document(NamedTuple):
    """One code as search sees it."""

    code: str
    fields: tuple[Field, ...]
    listed: bool = False
    terminated: bool = False
    family: bool = False  # of a code family (letter) the lists in scope hold


def document(
    code: str,
    own: Iterable[str],
    short: str | None,
    said: Iterable[str],
    *,
    listed: bool = False,
    terminated: bool = False,
    family: bool = False,
) -> Document:
    """A document from its texts: own descriptions, the CMS short description, and what
    categories and notes say about it."""
    fields = [field(t, OWN) for t in dict.fromkeys(own) if t]
    if short:
        fields.append(field(short, SHORT, has_head=False))
    fields.extend(field(t, SAID, has_head=False) for t in dict.fromkeys(said) if t)
    fields.append(Field((code.lower(),), 1, OWN, 1, (), " " + code.lower()))
    return Document(code, tuple(fields), listed, terminated, family)


class _Match(NamedTuple):
    quality: float
    field: int
    start: int
    end: int


def _find(phrase: tuple[str, ...], f: Field, index: int) -> _Match | None:
    words = f.words
    n = len(phrase)
    first = phrase[0]
    if n == 1:
        if first in words:
            i = words.index(first)
            return _Match(1.0, index, i, i + 1)
        if len(first) >= MIN_PREFIX and first.isalpha():
            at = f.joined.find(" " + first)  # a C-speed scan: most fields lack the word
            if at >= 0:
                i = f.joined.count(" ", 0, at)
                return _Match(PREFIX, index, i, i + 1)
        return None
    positions = []
    for target in phrase:
        if target not in words:
            return None
        positions.append(words.index(target))
    start = positions[0]
    while True:  # the phrase as written, wherever its first word occurs
        if words[start : start + n] == phrase:
            return _Match(1.0, index, start, start + n)
        try:
            start = words.index(first, start + 1)
        except ValueError:
            break
    return _Match(APART, index, min(positions), max(positions) + 1)


def _best(concept: Concept, doc: Document, is_head: bool) -> tuple[float, float, _Match | None]:
    """(weighted quality, head bonus, match) of the best way the document matches a concept.

    For the query's head concept, a match naming the thing the description is about earns a
    bonus: inside the description's head, more when it starts it or ends it ("Standard
    wheelchair" is a wheelchair; "Manual wheelchair accessory" is an accessory).
    """
    if concept.code_prefix is not None:
        hit = doc.code.startswith(concept.code_prefix)
        return (1.0, HEAD_BONUS if hit and is_head else 0.0, None) if hit else (0.0, 0.0, None)
    best: tuple[float, float, _Match | None] = (0.0, 0.0, None)
    for index, f in enumerate(doc.fields):
        for phrase in concept.alternatives:
            m = _find(phrase, f, index)
            if m is None:
                continue
            value = m.quality * f.weight
            bonus = 0.0
            # In the head: a phrase as CMS writes it starting there ("Walker, folding,
            # wheeled"), or words apart that all stand there.
            if is_head and (m.start < f.head if m.quality == 1.0 else m.end <= f.head):
                bonus = HEAD_BONUS
                bonus += FIRST_WORD_BONUS if m.start == 0 else 0.0
                bonus += HEAD_END_BONUS if m.end >= f.head_end else 0.0
            if value + bonus > best[0] + best[1]:
                best = (value, bonus, m)
    return best


def rank(
    query: Query, docs: Iterable[Document], document_frequency: Mapping[str, int], total: int
) -> list[tuple[str, float]]:
    """(code, score) best first, for documents matching at least one concept."""
    concepts = query.concepts
    if not concepts:
        return []
    weights = [_idf(c, document_frequency, total) for c in concepts]
    weight_sum = sum(weights) or 1.0
    scored: list[tuple[float, str]] = []
    for doc in docs:
        matches = [_best(c, doc, n == query.head) for n, c in enumerate(concepts)]
        coverage = sum(w * m[0] for w, m in zip(weights, matches, strict=True)) / weight_sum
        if coverage <= 0:
            continue
        score = coverage + sum(m[1] for m in matches)
        if query.words and any(f.bare == query.words for f in doc.fields):
            score += WHOLE_BONUS  # the query is all a description, category or note says
        score += _proximity(concepts, doc)
        if doc.listed:
            score += LISTED_BONUS
        if doc.family:
            score += FAMILY_BONUS
        if doc.terminated:
            score -= TERMINATED_PENALTY
        scored.append((score, doc.code))
    scored.sort(key=lambda sc: (-sc[0], sc[1]))
    return [(code, round(score, 4)) for score, code in scored]


def _proximity(concepts: Sequence[Concept], doc: Document) -> float:
    """Bonus when every concept is found close together in one text of the document."""
    if len(concepts) < 2 or any(c.code_prefix is not None for c in concepts):
        return 0.0
    best = 0.0
    for index, f in enumerate(doc.fields):
        found: list[_Match] = []
        for concept in concepts:
            m = next(
                (m for p in concept.alternatives if (m := _find(p, f, index)) is not None), None
            )
            if m is None:
                break
            found.append(m)
        else:
            span = max(m.end for m in found) - min(m.start for m in found)
            words = sum(m.end - m.start for m in found)
            if span <= words + 1:
                return NEAR_BONUS
            if span <= 2 * words + 2:
                best = LOOSE_BONUS
    return best


def _idf(concept: Concept, frequency: Mapping[str, int], total: int) -> float:
    if concept.code_prefix is not None:
        return math.log(1 + total)
    counts = []
    for phrase in concept.alternatives:
        known = [frequency.get(w, 0) for w in phrase]
        counts.append(min(known) if known else 0)
    df = max(counts) if counts else 0
    return math.log(1 + total / (1 + df))
