"""Find the codes a word search means, best first: candidates from the full-text indexes
(the whole CMS HCPCS set and the lists in scope), each read as a document and ranked.

The service calls :func:`find_codes`; the SQL is in :mod:`precert.store.search`, the query
analysis in :mod:`precert.searching`, the scoring in :mod:`precert.ranking`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import NamedTuple

from precert import ranking, searching, spelling
from precert.store import Store

CANDIDATES = 200  # per index: plenty for ranking, few enough to score in milliseconds
KEEP = 0.45  # results scoring under this share of the best one are noise, not answers


class Found(NamedTuple):
    """Ranked codes for a query, and the corrections used."""

    query: searching.Query
    codes: tuple[str, ...]


def analyse(store: Store, text: str, versions: Sequence[tuple[str, str]] = ()) -> searching.Query:
    """A query taken apart, with the store saying which words are real words. A short word
    nothing explains is read as an acronym from the descriptions of the code families the
    lists in ``versions`` hold (DME codes, not the quality measures' long prose)."""
    typed = spelling.words(text)
    forms = {w for t in typed for w in (t, spelling.singular(t))}
    # Two words typed apart may be one word of the code set ("chin strap": "chinstrap").
    joined = {a + b for a, b in itertools.pairwise(typed) if (a + b).isalpha()}
    forms |= {w for j in joined for w in (j, spelling.singular(j))}
    # Words of the long descriptions: the short ones clip and misspell ("Pneuma compresor").
    known = store.described_words(set(store.word_counts(forms)))
    unknown = forms - known
    if unknown:
        known |= store.listed_words(unknown)
    families = store.listed_families(versions)

    def initials(letters: str) -> list[str]:
        rows = store.initials(letters)
        return [text for code, text in rows if not families or code[:1] in families]

    return searching.analyse(
        text,
        searching.load_vocabulary(),
        known.__contains__,
        store.term_counts,
        initials,
        store.together,
    )


def correction_notes(query: searching.Query) -> list[str]:
    """What was corrected, one note per word, in the words a user reads."""
    notes = []
    for word, fixes in query.corrections.items():
        if len(fixes) == 1 and "".join(w[0] for w in fixes[0].split()) == word.lower():
            notes.append(f"{word!r} was read as the initials of {fixes[0]}")
        elif word in query.kept:  # "compresor": only CMS's clipped short descriptions use it
            notes.append(
                f"{word!r} is used only in the code set's abbreviated short descriptions; "
                f"searched for {' or '.join([word, *fixes])}"
            )
        else:
            notes.append(
                f"{word!r} is not a word of the code set or the staff vocabulary; "
                f"searched for {' or '.join(fixes)}"
            )
    return notes


def find_codes(
    store: Store, query: searching.Query, versions: Sequence[tuple[str, str]], date: dt.date
) -> Found:
    """Codes matching ``query`` in the CMS set or the list versions in scope, best first."""
    match = searching.fts_query(query.concepts)
    if not match:
        return Found(query, ())
    cms = {row[0]: row for row in store.hcpcs_matches(match, CANDIDATES)}
    candidates = list(dict.fromkeys([*cms, *store.entry_matches(match, versions, CANDIDATES)]))
    rows = store.entry_texts(candidates, versions)
    families = store.listed_families(versions)
    today = date.isoformat()
    docs = []
    for code in candidates:
        record = cms.get(code)
        listed = rows.get(code, [])
        own = [record[1]] if record else []
        own.extend(description for description, _, _ in listed)
        said = [c for _, c, _ in listed if c] + [n for _, _, n in listed if n]
        docs.append(
            ranking.document(
                code,
                own,
                record[2] if record else None,
                said,
                listed=bool(listed),
                terminated=bool(record and record[3] and str(record[3]) < today),
                family=code[:1] in families,
            )
        )
    words = {w for c in query.concepts for phrase in c.alternatives for w in phrase}
    ranked = ranking.rank(query, docs, store.word_counts(words), store.hcpcs_count())
    if not ranked:
        return Found(query, ())
    floor = ranked[0][1] * KEEP
    return Found(query, tuple(code for code, score in ranked if score >= floor))
