"""`precert import`: load a payer's list file as a new list or a new version of one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from precert.cli import EXIT_OK, EXIT_USAGE, command
from precert.cli.core import service_date

NO_LIST = (
    "precert import: say which list {file} is: --list ID (a loaded list, for a new version of "
    "it, or a new id for a new list); `precert lists` shows the loaded lists"
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `import`."""
    p = command(
        sub,
        "import",
        "load a list (published text layout, or a CSV, TSV or XLSX export) as a list or a new "
        "version of one",
        "precert import cigna-dme-2027.txt --list cigna-commercial-dme --effective 2027-01-01",
    )
    p.add_argument(
        "file",
        type=Path,
        help="the list: published text layout, or a CSV/TSV/XLSX export with the same columns",
    )
    p.add_argument(
        "--list",
        dest="list_id",
        help="the list this file is a version of, or the id of a new list (required)",
    )
    p.add_argument(
        "--effective",
        type=service_date,
        help="first date of service this version applies to (default: unknown)",
    )
    p.add_argument("--payer", help="payer of a new list (default: from the title block)")
    p.add_argument(
        "--line-of-business",
        "--lob",
        dest="lob",
        help="line of business of a new list (default: from the title block)",
    )
    p.add_argument("--program", help="program of a new list (default: from the title)")
    p.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace) -> int:
    """`precert import`."""
    from precert.cli.core import _service

    if not args.list_id:
        # Never a default: a file imported without saying which list it is must not become a
        # new version of some other payer's list.
        print(NO_LIST.format(file=args.file), file=sys.stderr)
        return EXIT_USAGE
    result = _service().import_list(
        args.file,
        list_id=args.list_id,
        effective=args.effective,
        payer=args.payer,
        line_of_business=args.lob,
        program=args.program,
    )
    print(result.message)
    return EXIT_OK
