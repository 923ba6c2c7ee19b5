"""Core commands: check, search, show, lists, categories, import, hcpcs import."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from precert.cli import EXIT_NOT_A_CODE, EXIT_OK, EXIT_USAGE, command, format_option, scope_options

if TYPE_CHECKING:
    from precert.service import Precert

STATUSES = ("required", "not_required", "out_of_scope", "not_listed", "invalid")


def service_date(text: str) -> dt.date:
    """argparse type for a date of service (precert.dates: YYYY-MM-DD or MM/DD/YYYY)."""
    from precert.dates import DateError, date_of_service

    try:
        return date_of_service(text)
    except DateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive_int(text: str) -> int:
    """argparse type for counts of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _common(parser: argparse.ArgumentParser, *, date: bool = True, json: bool = True) -> None:
    scope_options(parser)
    if date:
        parser.add_argument(
            "--date",
            type=service_date,
            help="date of service YYYY-MM-DD or MM/DD/YYYY (default: today)",
        )
    if json:
        parser.add_argument("--json", action="store_true", help="print JSON for programs")
        format_option(parser)


def _service() -> Precert:
    from precert.service import default

    service = default()
    _ = service.store
    for notice in service.notices:
        print(f"precert: {notice}", file=sys.stderr)
    return service


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the core commands."""
    p = command(
        sub,
        "check",
        "answer whether codes need prior authorization and where to send them",
        'precert check E0466 k0856-rr "A4239, E0100" --json',
    )
    p.add_argument(
        "codes",
        nargs="*",
        metavar="CODE",
        help="codes as typed, with modifiers (K0856-RR); '-' or none reads stdin",
    )
    _common(p)
    p.set_defaults(handler=run_check)

    p = command(
        sub,
        "search",
        "find codes by words in codes, descriptions, categories and notes",
        'precert search "power wheelchair group 3" --status required',
    )
    p.add_argument(
        "words",
        nargs="*",
        help="words to look for (order, case, plurals and one typo are forgiven)",
    )
    p.add_argument("--status", choices=STATUSES, help="only answers with this status")
    p.add_argument("--category", help="only this (clean) category, e.g. Wheelchairs")
    p.add_argument(
        "--limit", type=positive_int, default=20, help="most results to show (default 20)"
    )
    _common(p)
    p.set_defaults(handler=run_search)

    p = command(
        sub,
        "show",
        "tell everything known about one code: answer, published rows, CMS record",
        "precert show K0553",
    )
    p.add_argument("code", help="one code, e.g. K0553")
    _common(p)
    p.set_defaults(handler=run_show)

    p = command(sub, "lists", "list the loaded payer lists and their versions", "precert lists")
    p.add_argument("--json", action="store_true", help="print JSON for programs")
    format_option(p)
    p.set_defaults(handler=run_lists)

    p = command(
        sub,
        "categories",
        "count codes per category, with the published spellings",
        "precert categories --json",
    )
    _common(p)
    p.set_defaults(handler=run_categories)

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
        default="cigna-commercial-dme",
        help="list id (default: cigna-commercial-dme, the bundled list)",
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

    p = command(
        sub,
        "hcpcs",
        "manage the CMS HCPCS Level II code set",
        "precert hcpcs import HCPC2026_JAN_ANWEB.xlsx",
    )
    hsub = p.add_subparsers(dest="hcpcs_command", metavar="ACTION")
    hp = command(
        hsub,
        "import",
        "replace the CMS code set with a newer quarterly XLSX file",
        "precert hcpcs import HCPC2026_JAN_ANWEB.xlsx",
    )
    hp.add_argument("file", type=Path, help="CMS HCPCS quarterly file (XLSX)")
    hp.set_defaults(handler=run_hcpcs_import)
    p.set_defaults(handler=lambda _args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    """A command group called without its action: its own help, exit 2."""
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def run_check(args: argparse.Namespace) -> int:
    """`precert check`."""
    from precert.cli.output import print_determinations, print_json

    queries = list(args.codes)
    if not queries or queries == ["-"]:
        example = (
            "e.g. precert check E0466 K0856-RR, or one code a line: precert check - < codes.txt"
        )
        # No stdin at all (closed, as some schedulers start commands) is like a terminal.
        if sys.stdin is None or sys.stdin.isatty():
            print(f"precert check: give codes, {example}", file=sys.stderr)
            return EXIT_USAGE
        # A file saved by Windows tools starts with a byte-order mark: not part of the code.
        text = sys.stdin.read().removeprefix("\ufeff")
        queries = [line for line in text.splitlines() if line.strip()]
        if not queries:
            print(f"precert check: no codes on stdin; {example}", file=sys.stderr)
            return EXIT_USAGE
    answers = _service().determine(
        queries, payer=args.payer, line_of_business=args.lob, date=args.date
    )
    if args.json:
        print_json({"determinations": [a.to_dict() for a in answers]})
    else:
        print_determinations(answers, args.format)
    return EXIT_NOT_A_CODE if any(a.code is None for a in answers) or not answers else EXIT_OK


def run_search(args: argparse.Namespace) -> int:
    """`precert search`."""
    from precert.cli.output import print_json, print_rows

    text = " ".join(args.words)
    if not text.strip() and not (args.status or args.category):
        print("precert search: give words, e.g. precert search hospital bed", file=sys.stderr)
        return EXIT_USAGE
    results = _service().search(
        text,
        status=args.status,
        category=args.category,
        limit=args.limit,
        payer=args.payer,
        line_of_business=args.lob,
        date=args.date,
    )
    if args.json:
        print_json(results.to_dict())
        return EXIT_OK
    for term, fixes in results.corrections.items():
        print(f"(no match for {term!r}; searched for {' or '.join(fixes)})", file=sys.stderr)
    rows = [(a.code, a.status.label, a.category or "-", a.description or "-") for a in results.hits]
    print_rows(
        ("Code", "Prior authorization", "Category", "Description"),
        rows,
        args.format,
        title=f"{len(rows)} result(s) for {text!r}",
    )
    if not rows:
        print("no codes found", file=sys.stderr)
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    """`precert show`."""
    from precert.cli.output import print_determinations, print_json
    from precert.codes import split_queries

    if len(split_queries(args.code)) > 1:  # else only the first would be shown, silently
        print(
            f"precert show: give one code, not {args.code!r}; precert check answers several",
            file=sys.stderr,
        )
        return EXIT_USAGE
    report = _service().show(args.code, payer=args.payer, line_of_business=args.lob, date=args.date)
    if args.json:
        print_json(report.to_dict())
    else:
        print_determinations([report.determination], args.format)
        if report.hcpcs:
            h = report.hcpcs
            print(f"CMS HCPCS: {h.code} {h.long_description}")
            print(f"    added {h.added}, effective {h.effective}, terminated {h.terminated or '-'}")
        for entry in report.entries:
            print(f"Published row, {entry.source.cite()}:")
            for column, value in zip(entry.columns, entry.raw, strict=True):
                print(f"    {column}: {value}")
    return EXIT_NOT_A_CODE if report.determination.code is None else EXIT_OK


def run_lists(args: argparse.Namespace) -> int:
    """`precert lists`."""
    from precert.cli.output import print_json, print_rows

    versions = _service().lists()
    if args.json:
        print_json({"lists": [v.to_dict() for v in versions]})
        return EXIT_OK
    rows = [
        (
            v.list_id,
            v.version,
            v.payer,
            v.line_of_business,
            v.program,
            v.effective or "unknown",
            v.rows,
            v.source_name,
        )
        for v in versions
    ]
    print_rows(
        ("List", "Version", "Payer", "Line of business", "Program", "Effective", "Rows", "Source"),
        rows,
        args.format,
    )
    return EXIT_OK


def run_categories(args: argparse.Namespace) -> int:
    """`precert categories`."""
    from precert.cli.output import print_json, print_rows

    items = _service().categories(payer=args.payer, line_of_business=args.lob, date=args.date)
    if args.json:
        print_json({"categories": items})
        return EXIT_OK
    rows = [
        (
            i["category"] or "(none)",
            i["codes"],
            ", ".join(f"{k} {v}" for k, v in sorted(i["statuses"].items())),
            " | ".join(i["published"]),
        )
        for i in items
    ]
    print_rows(("Category", "Codes", "Statuses", "Published as"), rows, args.format)
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    """`precert import`."""
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


def run_hcpcs_import(args: argparse.Namespace) -> int:
    """`precert hcpcs import`."""
    codes, modifiers = _service().import_hcpcs(args.file)
    print(f"loaded {codes} HCPCS codes and {modifiers} modifiers from {args.file}")
    return EXIT_OK
