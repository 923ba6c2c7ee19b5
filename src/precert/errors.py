"""Errors about whom a question or an import is for, raised below the service and mapped once
per door (the CLI exits 4; the API answers 4xx).

- ``ScopeError`` (a ``ValueError``): the payer / line of business asked for is unknown or
  ambiguous.
  - ``UnknownListError``: no loaded list has the id asked for; the message names the loaded
    lists.
  - ``ListMismatch``: a file names another payer or line of business than the loaded list it
    would become a version of; nothing is imported.
"""

from __future__ import annotations


class ScopeError(ValueError):
    """The payer / line of business asked for is unknown or ambiguous."""


class UnknownListError(ScopeError):
    """No loaded list has the id asked for; the message names the loaded lists."""


class ListMismatch(ScopeError):
    """A file's payer or line of business differs from the loaded list it names."""
