"""precert: does this item need prior authorization with this payer, and where do I send it?

The public API below is imported on first use (PEP 562 ``__getattr__``): ``import precert``
costs nothing, so the command line (``precert.cli``) loads only what the command it runs needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from precert.models import Contact, Determination, Entry, HcpcsCode, ListVersion, Source, Status
    from precert.reports import CodeReport, SearchResults
    from precert.service import (
        Precert,
        ScopeError,
        categories,
        determine,
        lists,
        search,
        show,
    )

__version__ = "0.1.0"

__all__ = [
    "CodeReport",
    "Contact",
    "Determination",
    "Entry",
    "HcpcsCode",
    "ListVersion",
    "Precert",
    "ScopeError",
    "SearchResults",
    "Source",
    "Status",
    "__version__",
    "categories",
    "determine",
    "lists",
    "search",
    "show",
]

# Where each public name is defined: `from precert import Status` need not load the service.
_MODELS = ("Contact", "Determination", "Entry", "HcpcsCode", "ListVersion", "Source", "Status")
_SERVICE = ("Precert", "ScopeError", "categories", "determine", "lists", "search", "show")
_HOMES = {
    **dict.fromkeys(_MODELS, "precert.models"),
    **dict.fromkeys(("CodeReport", "SearchResults"), "precert.reports"),
    **dict.fromkeys(_SERVICE, "precert.service"),
}


def __getattr__(name: str) -> object:
    """Import a public name from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'precert' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
