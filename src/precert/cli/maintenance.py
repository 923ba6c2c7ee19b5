"""`precert rebuild`: move a damaged (or unwanted) database aside and build a fresh one."""

from __future__ import annotations

import argparse

from precert.cli import EXIT_OK, command


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the rebuild command."""
    p = command(
        sub,
        "rebuild",
        "move the database aside (kept as precert.db.aside-*) and build a new one from the "
        "bundled list and CMS file; stop precert serve and imports first",
        "precert rebuild",
    )
    p.set_defaults(handler=run_rebuild)


def run_rebuild(args: argparse.Namespace) -> int:
    """`precert rebuild`."""
    from precert.service import default

    aside, state = default().build()
    if aside is None:
        print(f"built a new database ({state})")
    else:
        print(f"moved the old database ({state}) to {aside}")
        print("built a new one from the bundled list; re-import your own lists into it")
    return EXIT_OK
