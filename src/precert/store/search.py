"""The search SQL: full-text candidates over the CMS HCPCS set and the lists' rows (FTS5)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence

# Migration 2 creates hcpcs_fts (the CMS code set's descriptions, tokenized without stemming
# so that hcpcs_vocab lists real words for typo correction) and fills it; replace_hcpcs
# refills it through index_hcpcs.
INDEX_HCPCS = (
    "INSERT INTO hcpcs_fts (code, long_description, short_description) "
    "SELECT code, long_description, short_description FROM hcpcs WHERE kind = 'code'"
)


_WORDS = re.compile(r"[a-z0-9]+")


class SearchMixin:
    """Search reads of :class:`precert.store.Store` (kept here so the SQL stays in one place)."""

    db: sqlite3.Connection

    def index_hcpcs(self) -> None:
        """Rebuild the CMS code set's search index (inside the caller's transaction)."""
        self.db.execute("DELETE FROM hcpcs_fts")
        self.db.execute(INDEX_HCPCS)

    def hcpcs_codes(self) -> frozenset[str]:
        """Every code (not modifier) of the loaded CMS HCPCS set."""
        rows = self.db.execute("SELECT code FROM hcpcs WHERE kind = 'code'")
        return frozenset(str(r[0]) for r in rows)

    def hcpcs_count(self) -> int:
        """How many codes the CMS set holds (the document count for word weights)."""
        # Recorded when the file was loaded: counting the index's rows would scan it.
        row = self.db.execute("SELECT sum(codes) FROM hcpcs_files").fetchone()
        return int(row[0] or 0)

    def hcpcs_matches(self, match: str, limit: int) -> list[tuple[str, str, str, str | None]]:
        """CMS codes whose descriptions match an FTS5 expression, best (bm25) first:
        (code, long description, short description, terminated date or None)."""
        sql = (
            "SELECT f.code, f.long_description, f.short_description, h.terminated FROM ("
            "SELECT code, long_description, short_description, "
            "bm25(hcpcs_fts, 5.0, 2.0, 1.0) AS rank FROM hcpcs_fts WHERE hcpcs_fts MATCH ? "
            "ORDER BY rank LIMIT ?) f JOIN hcpcs h ON h.code = f.code ORDER BY f.rank"
        )
        return [
            (str(r[0]), str(r[1]), str(r[2]), r[3]) for r in self.db.execute(sql, (match, limit))
        ]

    def entry_texts(
        self, codes: Sequence[str], versions: Sequence[tuple[str, str]]
    ) -> dict[str, list[tuple[str, str | None, str]]]:
        """(description, category, notation) of each row of these list versions for codes."""
        if not codes or not versions:
            return {}
        scope = " OR ".join("(v.list_id = ? AND v.version = ?)" for _ in versions)
        sql = (
            "SELECT e.code, e.description, e.category, e.notation FROM entries e "
            "JOIN versions v ON v.id = e.version_id "
            f"WHERE e.code IN ({','.join('?' * len(codes))}) AND ({scope})"
        )
        args = [*codes, *(part for pair in versions for part in pair)]
        out: dict[str, list[tuple[str, str | None, str]]] = {}
        for code, description, category, notation in self.db.execute(sql, args):
            out.setdefault(str(code), []).append((str(description), category, str(notation)))
        return out

    def entry_matches(
        self, match: str, versions: Sequence[tuple[str, str]], limit: int
    ) -> list[str]:
        """Codes of rows of these list versions whose code, description, category or notes
        match an FTS5 expression, best (bm25) first."""
        if not versions:
            return []
        scope = " OR ".join("(v.list_id = ? AND v.version = ?)" for _ in versions)
        sql = (
            "SELECT e.code FROM entries_fts f JOIN entries e ON e.id = f.rowid "
            f"JOIN versions v ON v.id = e.version_id WHERE entries_fts MATCH ? AND ({scope}) "
            "ORDER BY bm25(entries_fts, 10.0, 2.0, 3.0, 1.0) LIMIT ?"
        )
        args: list[object] = [match]
        for list_id, version in versions:
            args.extend((list_id, version))
        args.append(limit)
        return list(dict.fromkeys(str(r[0]) for r in self.db.execute(sql, args)))

    def listed_families(self, versions: Sequence[tuple[str, str]]) -> frozenset[str]:
        """The first letters (code families) of the codes these list versions hold."""
        if not versions:
            return frozenset()
        scope = " OR ".join("(v.list_id = ? AND v.version = ?)" for _ in versions)
        sql = (
            "SELECT DISTINCT substr(e.code, 1, 1) FROM entries e "
            f"JOIN versions v ON v.id = e.version_id WHERE {scope}"
        )
        args = [part for pair in versions for part in pair]
        return frozenset(str(r[0]) for r in self.db.execute(sql, args))

    def term_counts(self, words: Iterable[str]) -> dict[str, int]:
        """How many CMS codes use each of these exact words; absent words are left out."""
        wanted = list(set(words))
        if not wanted:
            return {}
        sql = f"SELECT term, doc FROM hcpcs_vocab WHERE term IN ({','.join('?' * len(wanted))})"
        return {str(term): int(doc) for term, doc in self.db.execute(sql, wanted)}

    def word_counts(self, words: Iterable[str]) -> dict[str, int]:
        """How many CMS codes use each word (with its plural forms); absent words are left out."""
        wanted = sorted(set(words))
        if not wanted:
            return {}
        forms = {f: w for w in wanted for f in (w, w + "s", w + "es")}
        sql = f"SELECT term, doc FROM hcpcs_vocab WHERE term IN ({','.join('?' * len(forms))})"
        counts: dict[str, int] = {}
        for term, doc in self.db.execute(sql, list(forms)):
            word = forms[str(term)]
            counts[word] = counts.get(word, 0) + int(doc)
        return counts

    def described_words(self, words: Iterable[str]) -> set[str]:
        """Which of these words (or their plural forms) occur in a CMS long description; a
        word only the clipped short descriptions use ("compresor") is left out."""
        found: set[str] = set()
        for word in set(words):
            if not word.isalnum():
                continue
            forms = " OR ".join(f'"{f}"' for f in (word, word + "s", word + "es"))
            row = self.db.execute(
                "SELECT 1 FROM hcpcs_fts WHERE hcpcs_fts MATCH ? LIMIT 1",
                (f"long_description : ({forms})",),
            ).fetchone()
            if row is not None:
                found.add(word)
        return found

    def initials(self, letters: str, limit: int = 300) -> list[tuple[str, str]]:
        """(code, long description) of CMS codes with consecutive words starting with these
        letters, in order (``cpm``: "Continuous passive motion ..."), for reading a word as an
        acronym."""
        if not letters.isalpha() or not letters.isascii():
            return []
        phrase = " + ".join(f'"{c}"*' for c in letters.lower())
        rows = self.db.execute(
            "SELECT code, long_description FROM hcpcs_fts WHERE hcpcs_fts MATCH ? LIMIT ?",
            (f"long_description : ({phrase})", limit),
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    def together(self, words: Sequence[str]) -> bool:
        """Whether a CMS long description has these words side by side, in this order (the
        last one may run on: "bed pan" stands in "bed pans")."""
        if not words or not all(w.isalnum() for w in words):
            return False
        phrase = " + ".join([*(f'"{w}"' for w in words[:-1]), f'"{words[-1]}"*'])
        row = self.db.execute(
            "SELECT 1 FROM hcpcs_fts WHERE hcpcs_fts MATCH ? LIMIT 1",
            (f"long_description : ({phrase})",),
        ).fetchone()
        return row is not None

    def listed_words(self, words: Iterable[str]) -> set[str]:
        """Which of these words (or their plural forms) occur in any list's rows
        (description, category, notes), as written."""
        found: set[str] = set()
        for word in set(words):
            # The index stems ("defibrilator" and "defibrillator" are one stem): it finds the
            # rows; the word itself must stand in one of them, or a typo would pass as a word.
            rows = self.db.execute(
                "SELECT coalesce(description, '') || ' ' || coalesce(category, '') || ' ' || "
                "coalesce(notes, '') FROM entries_fts "
                "WHERE entries_fts MATCH ? LIMIT 50",
                (f'"{word}"',),
            )
            forms = {word, word + "s", word + "es"}
            if any(forms & set(_WORDS.findall(str(text).lower())) for (text,) in rows):
                found.add(word)
        return found
