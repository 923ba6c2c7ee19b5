"""precert: does this item need prior authorization with this payer, and where do I send it?"""

from precert.models import Contact, Determination, Entry, HcpcsCode, ListVersion, Source, Status
from precert.service import (
    CodeReport,
    Precert,
    ScopeError,
    SearchResults,
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
