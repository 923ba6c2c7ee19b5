"""What a search query means: its words, the staff vocabulary, corrections (pure).

A query becomes a list of :class:`Concept`: each word staff typed, or a phrase of the staff
vocabulary (``hoyer lift``), with the phrases the CMS descriptions use for it (``patient
lift``). A word that is neither a word of the code set nor of the vocabulary may be corrected
(``wheelchiar`` -> ``wheelchair``); a real word never is (``cane`` stays ``cane``). How a
word is normalized and read when it is no word is :mod:`precert.spelling`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from precert.spelling import (
    MAX_INITIALS,
    PREPOSITIONS,
    STOP_WORDS,
    acronym,
    corrections_for,
    normalize,
    singular,
    split_compound,
    within_one_edit,
)
from precert.spelling import words as words  # re-exported: the page splits queries with it

SYNONYMS = Path(__file__).parent / "data" / "synonyms.toml"

_CODE_PREFIX = re.compile(r"[a-v]\d{1,4}")
GENERIC = frozenset({"machine", "device", "unit", "system", "equipment", "item", "thing"})
# Shortest word a ranking counts as matching the start of longer ones ("wheel" in "wheeled"):
# three letters would let "tens" (singular "ten") match "tent" and "tendon".
MIN_PREFIX = 4
MAX_WORDS = 12  # words of one query searched; the rest are dropped (and the results say so)


@dataclass(frozen=True, slots=True)
class Concept:
    """One thing the query asks for: a word as typed, or a vocabulary phrase, and the phrases
    (tuples of normalized words) any of which matches it."""

    typed: str
    alternatives: tuple[tuple[str, ...], ...]
    code_prefix: str | None = None  # "k08": codes starting with it
    corrected: bool = False

    @property
    def generic(self) -> bool:
        """A word that names no particular thing ("machine", "device", "unit")."""
        return self.alternatives == ((singular(self.typed.lower()),),) and (
            self.alternatives[0][0] in GENERIC
        )

    @property
    def numeric(self) -> bool:
        """A bare number ("group 2"): never the thing asked about."""
        return self.typed.isdigit()


@dataclass(frozen=True, slots=True)
class Query:
    """A search query taken apart."""

    text: str
    concepts: tuple[Concept, ...]
    head: int  # index of the concept naming the thing asked about (-1: none)
    corrections: Mapping[str, list[str]]
    words: tuple[str, ...] = ()  # the normalized words, without "a", "for", "with" ...
    dropped: int = 0  # words past MAX_WORDS, not searched
    kept: tuple[str, ...] = ()  # corrected words also searched as typed (CMS abbreviates so)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The staff vocabulary: normalized key phrase -> normalized CMS phrases."""

    version: int
    terms: Mapping[tuple[str, ...], tuple[tuple[str, ...], ...]]
    longest: int

    @property
    def key_words(self) -> frozenset[str]:
        """Every normalized word of the vocabulary's keys (what staff type)."""
        return frozenset(w for key in self.terms for w in key)

    def words(self) -> frozenset[str]:
        """Every normalized word of the vocabulary (keys and targets)."""
        out: set[str] = set()
        for key, targets in self.terms.items():
            out.update(key)
            for target in targets:
                out.update(target)
        return frozenset(out)


def _key(text: str) -> tuple[str, ...]:
    return tuple(w for w in normalize(text) if w not in STOP_WORDS and w not in PREPOSITIONS)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def read_plain_toml(text: str) -> dict[str, Any] | None:
    """The synonym file read as the plain TOML it is written in -- ``name = value`` lines whose
    values (numbers, strings, arrays of strings, which may run over several lines) are also
    JSON, whole-line comments, ``[table]`` headers -- or None when any line is not so (then
    tomllib reads it). Why: a fresh `precert search` process spent about 10 ms importing
    tomllib and parsing the file with it; json is imported already and reads it in 1 ms."""
    out: dict[str, Any] = {}
    table = out
    statement = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not statement:
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                name = line[1:-1]
                if not line.endswith("]") or not _BARE_KEY.fullmatch(name) or name in out:
                    return None
                table = out[name] = {}
                continue
        statement = f"{statement} {line}" if statement else line
        key, sep, value = statement.partition(" = ")
        try:
            parsed = json.loads(value)
        except ValueError:
            if sep and value.startswith("[") and not value.endswith("]"):
                continue  # an array that runs on to the next line
            return None
        statement = ""
        if key.startswith('"'):
            try:
                key = json.loads(key)
            except ValueError:
                return None
        elif not _BARE_KEY.fullmatch(key):
            return None
        if not isinstance(key, str) or key in table or parsed is None:
            return None
        table[key] = parsed
    return None if statement else out


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = SYNONYMS) -> Vocabulary:
    """Read the synonym file (bundled: src/precert/data/synonyms.toml)."""
    text = path.read_text(encoding="utf-8")
    data = read_plain_toml(text)
    if data is None:  # written in TOML json cannot read (a date, a trailing comma ...)
        import tomllib

        data = tomllib.loads(text)
    terms: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for key, targets in data["terms"].items():
        norm_key = _key(key)
        phrases = [norm_key, *(normalize(t) for t in targets)]
        terms[norm_key] = tuple(dict.fromkeys(p for p in phrases if p))
    longest = max((len(k) for k in terms), default=1)
    return Vocabulary(int(data["version"]), terms, longest)


def analyse(
    text: str,
    vocabulary: Vocabulary,
    is_word: Callable[[str], bool],
    lookup: Callable[[set[str]], Mapping[str, int]],
    initials: Callable[[str], list[str]] | None = None,
    together: Callable[[tuple[str, ...]], bool] | None = None,
) -> Query:
    """Take a query apart into concepts.

    ``is_word(w)`` says whether ``w`` is a word of the code set's descriptions or the lists;
    ``lookup(ws)`` says which of the words ``ws`` the code set uses anywhere (its short
    descriptions included) and how often (asked only when a word needs correcting);
    ``initials(w)`` gives the descriptions with consecutive words starting with the letters
    of ``w`` (asked only for a short word nothing else explains: it may be an acronym);
    ``together(ws)`` whether the code set writes the words ``ws`` side by side (asked before
    a word is split in two).
    """
    typed = words(text)
    norm = [singular(w) for w in typed]
    kept = [i for i, w in enumerate(norm) if w not in STOP_WORDS]
    # The thing asked about is named before the first preposition ("mask for cpap").
    cut = next((j for j, i in enumerate(kept) if norm[i] in PREPOSITIONS), len(kept))
    content = [i for i in kept if norm[i] not in PREPOSITIONS]
    # A search is a few words; a pasted paragraph would cost seconds and find nothing better.
    dropped = max(0, len(content) - MAX_WORDS)
    content = content[:MAX_WORDS]
    concepts: list[Concept] = []
    owners: list[int] = []  # position in `content` where each concept starts
    corrections: dict[str, list[str]] = {}
    as_typed: list[str] = []  # corrected words searched as typed too
    vocab_words = vocabulary.words()
    # A typo inside a staff phrase ("defibrilator vest", "rolling walkr") is corrected before
    # the phrases are looked up, when a word of the vocabulary's phrases is one edit away.
    staff = {i: fix for i in content if (fix := _staff_fix(typed[i], norm[i], vocabulary))}
    staff_words = _real_fixes(staff, typed, norm, is_word)
    position = 0
    while position < len(content):
        matched = False
        for width in range(min(vocabulary.longest, len(content) - position), 0, -1):
            span = content[position : position + width]
            key = tuple(staff_words.get(i, norm[i]) for i in span)
            if key in vocabulary.terms:
                phrase = " ".join(typed[i] for i in span)
                corrections.update({typed[i]: [staff_words[i]] for i in span if i in staff_words})
                concepts.append(
                    Concept(
                        phrase, vocabulary.terms[key], corrected=any(i in staff_words for i in span)
                    )
                )
                owners.append(position)
                position += width
                matched = True
                break
        if matched:
            continue
        pair = content[position : position + 2]
        joined = "".join(typed[i] for i in pair)
        if len(pair) == 2 and joined.isalpha() and (is_word(joined) or is_word(singular(joined))):
            # "chin strap" is CMS's "chinstrap" too (and "head rest" its "headrest").
            both = (norm[pair[0]], norm[pair[1]])
            concepts.append(Concept(" ".join(typed[i] for i in pair), (both, (singular(joined),))))
            owners.append(position)
            position += 2
            continue
        index = content[position]
        word, base = typed[index], norm[index]
        owners.append(position)
        position += 1
        if _CODE_PREFIX.fullmatch(word):
            concepts.append(Concept(word, ((base,),), code_prefix=word.upper()))
            continue
        if word.isdigit() or is_word(word) or is_word(base) or base in vocab_words:
            concepts.append(Concept(word, ((base,),)))
            continue
        concept, fixes, rare = _unknown_word(word, base, lookup, vocabulary, initials, together)
        concepts.append(concept)
        if fixes:
            corrections[word] = fixes
            if rare:
                as_typed.append(word)
    before_cut = [n for n, start in enumerate(owners) if kept.index(content[start]) < cut]
    candidates = [n for n in before_cut if not concepts[n].numeric] or before_cut
    # "cpap machine" asks for a CPAP: "machine" only says it is a thing.
    candidates = [n for n in candidates if not concepts[n].generic] or candidates
    head = candidates[-1] if candidates else -1
    words_kept = tuple(norm[i] for i in content)
    return Query(text, tuple(concepts), head, corrections, words_kept, dropped, tuple(as_typed))


def _staff_fix(word: str, base: str, vocabulary: Vocabulary) -> str | None:
    """The word of the vocabulary's key phrases one edit from ``word``, if exactly one is."""
    if len(word) < 4 or not word.isalpha() or base in vocabulary.key_words:
        return None
    near = [w for w in vocabulary.key_words if len(w) >= 4 and within_one_edit(base, w)]
    return near[0] if len(near) == 1 else None


def _real_fixes(
    staff: Mapping[int, str], typed: list[str], norm: list[str], is_word: Callable[[str], bool]
) -> dict[int, str]:
    """The staff corrections of words that are no words of the code set ("cane" stays)."""
    return {i: fix for i, fix in staff.items() if not (is_word(typed[i]) or is_word(norm[i]))}


def _unknown_word(
    word: str,
    base: str,
    lookup: Callable[[set[str]], Mapping[str, int]],
    vocabulary: Vocabulary,
    initials: Callable[[str], list[str]] | None,
    together: Callable[[tuple[str, ...]], bool] | None,
) -> tuple[Concept, list[str], bool]:
    """How to search a word that is neither a word of the descriptions, the lists nor the
    vocabulary: (concept, what it was read as, whether it is searched as typed too)."""
    # Used only in CMS's clipped short descriptions ("Pneuma compresor", "Cpm device"): an
    # abbreviation or misspelling there too, so it is searched as typed (and as corrected).
    rare = bool(lookup({word, base}))
    split = None if rare else split_compound(base, lookup) or split_compound(word, lookup)
    if split is not None and together is not None and not together(split):
        split = None  # "colostomy" is not "col ostomy": CMS never writes those words so
    if split is not None:  # "bedpan" is CMS's "bed pan"
        return (
            Concept(word, (tuple(singular(w) for w in split),), corrected=True),
            [" ".join(split)],
            False,
        )
    # An abbreviation CMS's short descriptions use means what they use it for ("Pwc gp 1 std"
    # is a power wheelchair, though "patient weight capacity" spells pwc more often).
    short = not rare and 2 <= len(word) <= MAX_INITIALS and word.isalpha()
    phrase = acronym(word, initials(word)) if initials is not None and short else None
    if phrase is not None:  # "sgd": speech generating device; it may stand as typed in a list
        return Concept(word, ((base,), phrase), corrected=True), [" ".join(phrase)], rare
    fixes = [f for f in corrections_for(word, lookup, vocabulary.words()) if f not in (word, base)]
    # A typo of a staff term ("rolator") means that term, not a rarer CMS word ("rotator"),
    # and the term reads as the vocabulary says ("walker, folding, wheeled" ...).
    staff = [f for f in fixes if (singular(f),) in vocabulary.terms]
    if staff:
        phrases = [p for f in staff for p in vocabulary.terms[(singular(f),)]]
        return Concept(word, tuple(dict.fromkeys(phrases)), corrected=True), staff, False
    if not fixes:
        return Concept(word, ((base,),)), [], False
    phrases = [(singular(f),) for f in fixes]
    if rare:
        phrases.insert(0, (base,))
    return Concept(word, tuple(dict.fromkeys(phrases)), corrected=True), fixes, rare


def fts_query(concepts: Iterable[Concept]) -> str:
    """An FTS5 MATCH expression for any of the concepts (each phrase as all its words, each
    word as itself or a prefix of longer words)."""
    groups: list[str] = []
    concepts = list(concepts)
    if any(not c.numeric for c in concepts):
        # "3" alone matches thousands of codes; with words beside it, it only ranks them.
        concepts = [c for c in concepts if not c.numeric]
    for concept in concepts:
        if concept.code_prefix:
            groups.append(f'code : "{concept.code_prefix.lower()}"*')
        for phrase in concept.alternatives:
            groups.append("(" + " AND ".join(_fts_word(w) for w in phrase) + ")")
    return " OR ".join(groups)


def _fts_word(word: str) -> str:
    # A prefix even for three letters: the index holds words as written, so "ten" (the
    # singular of "tens") finds "tens" only as a prefix; ranking then ignores "tent".
    return f'"{word}"*' if len(word) >= 3 and word.isalpha() else f'"{word}"'
