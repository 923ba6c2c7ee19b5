"""The loaded lists: `precert lists` (every list, its versions, which is in force) and
`precert lists remove ID --yes`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from precert.cli import EXIT_OK, EXIT_USAGE, command, format_option

if TYPE_CHECKING:
    from precert.models import ListVersion


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `lists` and `lists remove`."""
    p = command(
        sub,
        "lists",
        "show every loaded list: payer, line of business, program, versions (which one is in "
        "force today) and rows",
        "precert lists --json",
    )
    p.add_argument("--json", action="store_true", help="print JSON for programs")
    format_option(p)
    p.set_defaults(handler=run_lists)
    actions = p.add_subparsers(dest="lists_command", metavar="ACTION")
    r = command(
        actions,
        "remove",
        "remove one list with all its versions (atomic; asks for --yes)",
        "precert lists remove acme-dme --yes",
    )
    r.add_argument("list_id", metavar="ID", help="the list's id, as `precert lists` shows it")
    r.add_argument("--yes", action="store_true", help="really remove it (no question asked)")
    r.set_defaults(handler=run_remove)


def summaries(versions: Sequence[ListVersion], today: dt.date) -> list[dict[str, Any]]:
    """One item per list: its identity, the version in force today, and every version."""
    from precert.versioning import timeline

    by_list: dict[str, list[ListVersion]] = {}
    for version in versions:
        by_list.setdefault(version.list_id, []).append(version)
    items = []
    for list_id, group in by_list.items():
        spans = timeline(group)
        current = next((s.version for s in spans if s.in_force(today)), None)
        first = group[0]
        items.append(
            {
                "list": list_id,
                "title": first.title,
                "payer": first.payer,
                "line_of_business": first.line_of_business,
                "program": first.program,
                "in_force": current.version if current else None,
                "rows": current.rows if current else None,
                "versions": [s.to_dict(today) for s in spans],
            }
        )
    return items


def _in_force_text(item: dict[str, Any], today: dt.date) -> str:
    """The in-force text: v2, "v2; v3 from 2027-01-01", or "none yet; v1 from 2027-01-01"."""
    text = item["in_force"] or "none yet"
    later = [
        v
        for v in item["versions"]
        if v["in_force_from"] and dt.date.fromisoformat(v["in_force_from"]) > today
    ]
    return text + "".join(f"; {v['version']} from {v['in_force_from']}" for v in later)


def run_lists(args: argparse.Namespace) -> int:
    """`precert lists`."""
    from precert.cli.core import _service
    from precert.cli.output import print_json, print_rows

    today = dt.date.today()
    items = summaries(_service().lists(), today)
    if args.json:
        print_json({"date": today.isoformat(), "lists": items})
        return EXIT_OK
    rows = [
        (
            i["list"],
            i["payer"],
            i["line_of_business"],
            i["program"],
            " ".join(v["version"] for v in i["versions"]),
            _in_force_text(i, today),
            "-" if i["rows"] is None else i["rows"],
        )
        for i in items
    ]
    print_rows(
        ("List", "Payer", "LOB", "Program", "Versions", "In force", "Rows"),
        rows,
        args.format,
        keep=(0,),
    )
    if not rows:
        print("no lists loaded", file=sys.stderr)
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    """`precert lists remove`."""
    from precert.cli.core import _service

    service = _service()
    versions = service.list_versions(args.list_id)
    first = versions[0]
    what = (
        f"list {first.list_id} ({first.payer} / {first.line_of_business} / {first.program}) "
        f"with {len(versions)} version(s), {sum(v.rows for v in versions)} rows"
    )
    if not args.yes:
        print(
            f"precert lists remove: this removes {what}; to do it, run:\n"
            f"  precert lists remove {first.list_id} --yes",
            file=sys.stderr,
        )
        return EXIT_USAGE
    service.remove_list(first.list_id)
    print(f"removed {what}")
    if not service.versions():
        print("no list is left: the next command loads the bundled lists again", file=sys.stderr)
    return EXIT_OK
