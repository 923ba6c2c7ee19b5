"""What the service returns besides determinations: a code's full report, search results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from precert.models import Determination, Entry, HcpcsCode


@dataclass(frozen=True, slots=True)
class CodeReport:
    """Everything known about one code: the answer, every published row, and CMS's record."""

    determination: Determination
    entries: tuple[Entry, ...]
    hcpcs: HcpcsCode | None

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of `precert show --json` and `GET /v1/codes/{code}`."""
        return {
            **self.determination.to_dict(),
            "rows": [
                {
                    **e.source.to_dict(),
                    "status": e.status.value,
                    "published": dict(zip(e.columns, e.raw, strict=True)),
                    "category_raw": e.category_raw,
                    "description_raw": e.description_raw,
                }
                for e in self.entries
            ],
        }


@dataclass(frozen=True, slots=True)
class SearchResults:
    """Ranked codes for a word search, with any typo corrections used."""

    query: str
    hits: tuple[Determination, ...]
    corrections: dict[str, list[str]] = field(default_factory=dict)
    offset: int = 0
    limit: int = 20
    more: bool = False  # another page follows (ask again with offset + limit)
    notes: tuple[str, ...] = ()  # what was done to the query: corrections, ranges expanded

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of `precert search --json` and `GET /v1/search`."""
        return {
            "query": self.query,
            "corrections": self.corrections,
            "results": [h.to_dict() for h in self.hits],
            "offset": self.offset,
            "limit": self.limit,
            "more": self.more,
            "notes": list(self.notes),
        }
