"""Core commands: check, search, show, categories, hcpcs import."""

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


def member_state(text: str) -> str:
    """argparse type for the member's state (precert.states: postal code or name)."""
    from precert.states import StateError, postal

    code = postal(text)
    if code is None:
        raise argparse.ArgumentTypeError(str(StateError(text)))
    return code


def positive_int(text: str) -> int:
    """argparse type for counts of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type for counts of 0 or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of 0 or more, got {text!r}")
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
    p.add_argument(
        "--state",
        type=member_state,
        help="the member's state (TX or Texas): picks the contact where a list routes by state "
        "(Medicare's DME MACs; without it every contact is listed) and decides rows for "
        "members of some states only (without it the answer warns that it depends on it)",
    )
    p.add_argument(
        "--long",
        action="store_true",
        help="on a terminal, every detail of every answer (several answers otherwise get one "
        "line each); plain text in a pipe always has every detail",
    )
    _common(p)
    p.set_defaults(handler=run_check)

    p = command(
        sub,
        "search",
        "find codes of the whole CMS HCPCS set by words (staff words too: hoyer lift, cpap, "
        "AFO), each with its answer",
        'precert search "power wheelchair group 3" --status required',
    )
    p.add_argument(
        "words",
        nargs="*",
        help="words to look for (staff vocabulary, order, case, plurals and typos are "
        "forgiven); codes and ranges (K0813-K0816) are answered as check answers them",
    )
    p.add_argument("--status", choices=STATUSES, help="only answers with this status")
    p.add_argument("--category", help="only this (clean) category, e.g. Wheelchairs")
    p.add_argument(
        "--limit", type=positive_int, default=20, help="most results to show (default 20)"
    )
    p.add_argument(
        "--offset",
        type=non_negative_int,
        default=0,
        help="skip this many results first (the next page: --offset 20)",
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
    p.add_argument(
        "--state",
        type=member_state,
        help="the member's state (TX or Texas): picks the contact where a list routes by state, as "
        "check --state does",
    )
    _common(p)
    p.set_defaults(handler=run_show)

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
        queries, payer=args.payer, line_of_business=args.lob, date=args.date, state=args.state
    )
    if args.json:
        print_json({"determinations": [a.to_dict() for a in answers]})
    else:
        print_determinations(answers, args.format, long=args.long, compact=True)
    return EXIT_NOT_A_CODE if any(a.code is None for a in answers) or not answers else EXIT_OK


def run_search(args: argparse.Namespace) -> int:
    """`precert search`."""
    from precert.cli.output import print_json, print_rows, wants_rich

    text = " ".join(args.words)
    if not text.strip() and not (args.status or args.category):
        print("precert search: give words, e.g. precert search hospital bed", file=sys.stderr)
        return EXIT_USAGE
    results = _service().search(
        text,
        status=args.status,
        category=args.category,
        limit=args.limit,
        offset=args.offset,
        payer=args.payer,
        line_of_business=args.lob,
        date=args.date,
    )
    if args.json:
        print_json(results.to_dict())
        return EXIT_OK
    for note in results.notes:  # what was done to the query: corrections, ranges expanded
        print(f"({note})", file=sys.stderr)
    payers = len({a.payer for a in results.hits}) > 1
    rows = [
        (
            a.code,
            *((a.payer or "-",) if payers else ()),
            a.status.label,
            a.submit_to.name if a.submit_to else "-",
            a.description or (a.hcpcs.long_description if a.hcpcs else "-"),
            a.sources[0].cite() if a.sources else "-",
        )
        for a in results.hits
    ]
    # --offset counts codes, not rows: with several payers each code has a row per payer.
    codes = len({a.code for a in results.hits})
    shown = f"{args.offset + 1}-{args.offset + codes}" if codes else "0"
    more = f"; more: --offset {args.offset + codes}" if results.more else ""
    print_rows(
        (
            "Code",
            *(("Payer",) if payers else ()),
            "Prior authorization",
            "Submit to",
            "Description",
            "Source",
        ),
        rows,
        args.format,
        title=f"results {shown} for {text!r}{more}",
        keep=(0,),
    )
    if not rows:
        print("no codes found", file=sys.stderr)
    elif results.more and not wants_rich(args.format):  # the table's title says it otherwise
        print(f"(codes {shown}{more})", file=sys.stderr)
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    """`precert show`."""
    from precert.cli.output import print_determinations, print_json
    from precert.codes import several_codes

    if several_codes(args.code):  # else only the first would be shown, silently
        print(
            f"precert show: give one code, not {args.code!r}; precert check answers several",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # One report per payer asked (every loaded one without --payer), as check answers; not a
    # code: one report, the same for every payer.
    reports = _service().show_all(
        args.code, payer=args.payer, line_of_business=args.lob, date=args.date, state=args.state
    )
    first = reports[0]
    if args.json:
        if len(reports) == 1:
            print_json(first.to_dict())
        else:
            print_json({"query": args.code, "reports": [r.to_dict() for r in reports]})
        return EXIT_NOT_A_CODE if first.determination.code is None else EXIT_OK
    for index, report in enumerate(reports):
        if index:
            print()  # a blank line between payers
        print_determinations([report.determination], args.format)
        for entry in report.entries:
            print(f"Published row, {entry.source.cite()}:")
            for column, value in zip(entry.columns, entry.raw, strict=True):
                print(f"    {column}: {value}")
    if first.hcpcs:
        h = first.hcpcs
        print(f"CMS HCPCS: {h.code} {h.long_description}")
        print(f"    added {h.added}, effective {h.effective}, terminated {h.terminated or '-'}")
    return EXIT_NOT_A_CODE if first.determination.code is None else EXIT_OK


def run_categories(args: argparse.Namespace) -> int:
    """`precert categories`."""
    from precert.cli.output import print_json, print_rows

    items = _service().categories(payer=args.payer, line_of_business=args.lob, date=args.date)
    if args.json:
        print_json({"categories": items})
        return EXIT_OK
    # Without --payer every loaded payer's categories are listed, each row naming its payer.
    payers = len({(i["payer"], i["line_of_business"]) for i in items}) > 1
    rows = [
        (
            *((f"{i['payer']} / {i['line_of_business']}",) if payers else ()),
            i["category"] or "(none)",
            i["codes"],
            ", ".join(f"{k} {v}" for k, v in sorted(i["statuses"].items())),
            " | ".join(i["published"]),
        )
        for i in items
    ]
    header = ("Category", "Codes", "Statuses", "Published as")
    print_rows((("Payer",) if payers else ()) + header, rows, args.format)
    if items and not payers:
        whose = f"{items[0]['payer']} / {items[0]['line_of_business']}"
        print(f"categories of {whose}", file=sys.stderr)
    return EXIT_OK


def run_hcpcs_import(args: argparse.Namespace) -> int:
    """`precert hcpcs import`."""
    codes, modifiers = _service().import_hcpcs(args.file)
    print(f"loaded {codes} HCPCS codes and {modifiers} modifiers from {args.file}")
    return EXIT_OK
