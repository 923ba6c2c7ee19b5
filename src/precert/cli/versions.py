"""Commands over list versions: versions (when each is in force), diff, and lint."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from precert.cli import EXIT_INPUT, EXIT_NOT_A_CODE, EXIT_OK, EXIT_USAGE, command, format_option
from precert.cli.core import service_date

if TYPE_CHECKING:
    from precert.lint import LintReport
    from precert.service import Precert
    from precert.versioning import Diff


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the versions, diff and lint commands."""
    p = command(
        sub,
        "versions",
        "show the versions of a list and the dates each is in force",
        "precert versions cigna-commercial-dme",
    )
    p.add_argument("list_id", metavar="LIST", help="list id, e.g. cigna-commercial-dme")
    p.add_argument("--json", action="store_true", help="print JSON for programs")
    format_option(p)
    p.set_defaults(handler=run_versions)

    p = command(
        sub,
        "diff",
        "show what changed in a list between two versions (default: the two latest)",
        "precert diff cigna-commercial-dme --from v1 --to v2 --json",
    )
    p.add_argument("list_id", metavar="LIST", help="list id, e.g. cigna-commercial-dme")
    p.add_argument("--from", dest="old", metavar="V", help="older version (e.g. v1)")
    p.add_argument("--to", dest="new", metavar="V", help="newer version (default: the latest)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON: added, removed, changed")
    out.add_argument("--csv", action="store_true", help="print CSV, one line per change")
    format_option(p)
    p.set_defaults(handler=run_diff)

    p = command(
        sub,
        "lint",
        "report the data-quality problems of a list (or a list file), each with its line",
        "precert lint cigna-commercial-dme --fail-on warning",
    )
    p.add_argument(
        "target",
        metavar="LIST_OR_FILE",
        help="a loaded list id, or a file in any format `precert import` reads",
    )
    p.add_argument(
        "--version",
        dest="list_version",
        metavar="V",
        help="version of a loaded list (default: the newest to take effect)",
    )
    p.add_argument(
        "--date",
        type=service_date,
        help="judge CMS terminations as of this date, YYYY-MM-DD or MM/DD/YYYY (default: today)",
    )
    p.add_argument(
        "--profile",
        help="a file: read it with this profile (a TOML file or a bundled profile's name), as "
        "`precert import --profile` does; its [list] scope says which codes are the list's own",
    )
    p.add_argument(
        "--fail-on",
        choices=("error", "warning", "never"),
        default="error",
        help="exit 1 when a finding is at least this severe (default: error)",
    )
    p.add_argument(
        "--severity",
        choices=("error", "warning", "info"),
        default="info",
        help="show findings at least this severe (default: info, i.e. all)",
    )
    p.add_argument("--json", action="store_true", help='print JSON: {"findings": [...]}')
    format_option(p)
    p.set_defaults(handler=run_lint)


def _service() -> Precert:
    from precert.cli.core import _service as core_service

    return core_service()


def run_versions(args: argparse.Namespace) -> int:
    """`precert versions`."""
    import datetime as dt

    from precert.cli.output import print_json, print_rows
    from precert.versioning import list_versions, timeline

    service = _service()
    spans = timeline(list_versions(service, args.list_id))
    today = dt.date.today()
    if args.json:
        print_json({"list": args.list_id, "versions": [s.to_dict(today) for s in spans]})
        return EXIT_OK
    rows = []
    for span in spans:
        v = span.version
        rows.append(
            (
                v.version,
                v.effective.isoformat() if v.effective else "unknown",
                span.window(today),
                "yes" if span.in_force(today) else "",
                v.rows,
                v.source_name,
                v.sha256[:12],
            )
        )
    print_rows(
        ("Version", "Effective", "In force", "Today", "Rows", "Source", "SHA-256"),
        rows,
        args.format,
        title=f"{args.list_id}: {len(rows)} version(s)",
    )
    return EXIT_OK


def run_diff(args: argparse.Namespace) -> int:
    """`precert diff`."""
    from precert.cli.output import print_json
    from precert.versioning import diff_versions

    diff = diff_versions(_service(), args.list_id, args.old, args.new)
    if args.json:
        print_json(diff.to_dict())
    elif args.csv:
        write_csv(diff)
    else:
        print_diff(diff, args.format)
    return EXIT_OK


def write_csv(diff: Diff) -> None:
    """The diff as CSV: a line per added or removed row, and per changed value (cells a
    spreadsheet would run as formulas neutralized, as in every CSV precert writes)."""
    from precert import csvsafe
    from precert.versioning import CSV_COLUMNS, csv_rows

    writer = csvsafe.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(diff))


def print_diff(diff: Diff, fmt: str) -> None:
    """The diff for people: a headline, then a line per added, removed or changed value."""
    from precert.cli.output import print_rows
    from precert.versioning import DIRECTION_LABELS

    rows: list[tuple[str, ...]] = []
    for item in diff.items:
        shown = (item.new_rows or item.old_rows)[0]
        flag = DIRECTION_LABELS.get(item.direction or "", "")
        if item.change == "added":
            tables = ", ".join(str(e.table) for e in item.new_rows)
            status = item.new_status.label if item.new_status else ""
            rows.append(("added", item.code, _cut(shown.description), tables, "", status, flag))
        elif item.change == "removed":
            tables = ", ".join(str(e.table) for e in item.old_rows)
            status = item.old_status.label if item.old_status else ""
            rows.append(("removed", item.code, _cut(shown.description), tables, status, "", ""))
        else:
            for c in item.changes:
                label = DIRECTION_LABELS.get(c.direction or "", "")
                rows.append(
                    ("changed", item.code, c.field, str(c.table), _cut(c.old), _cut(c.new), label)
                )
    print(diff.headline())
    if rows:
        print_rows(("Change", "Code", "What", "Table", "From", "To", "PA"), rows, fmt)


def _cut(value: object, limit: int = 60) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_lint(args: argparse.Namespace) -> int:
    """`precert lint`."""
    from precert.cli.output import print_json
    from precert.linting import lint_file, lint_version

    service = _service()
    target = str(args.target)
    path = Path(target)
    known = {v.list_id for v in service.versions()}
    looks_like_file = path.suffix != "" or len(path.parts) > 1
    if path.is_file() and (target not in known or looks_like_file):
        if args.list_version:
            print("precert lint: --version applies to a loaded list, not a file", file=sys.stderr)
            return EXIT_USAGE
        from precert.profiles import ProfileError

        try:
            report = lint_file(service, path, date=args.date, profile=args.profile)
        except ProfileError as exc:  # as `precert import --profile` says it: unreadable input
            print(f"precert lint: {exc}", file=sys.stderr)
            return EXIT_INPUT
    elif target in known:
        if args.profile:
            print(
                "precert lint: --profile reads a file; a loaded list was read by its own",
                file=sys.stderr,
            )
            return EXIT_USAGE
        report = lint_version(service, target, args.list_version, date=args.date)
    else:
        from precert.readers import ReaderError

        loaded = ", ".join(sorted(known)) or "none"
        raise ReaderError(
            target, None, f"no such file, and no loaded list has this id (loaded lists: {loaded})"
        )
    if args.json:
        print_json(_shown(report, args.severity).to_dict())
    else:
        print_lint(_shown(report, args.severity), report, args.format)
    return EXIT_NOT_A_CODE if report.failed(args.fail_on) else EXIT_OK


def _shown(report: LintReport, severity: str) -> LintReport:
    """The report with only findings at least as severe as ``severity``."""
    from dataclasses import replace

    from precert.lint import SEVERITIES

    worst = SEVERITIES.index(severity)
    kept = tuple(f for f in report.findings if SEVERITIES.index(f.severity) <= worst)
    return replace(report, findings=kept)


def print_lint(shown: LintReport, full: LintReport, fmt: str) -> None:
    """Findings for people, then a one-line count."""
    from precert.cli.output import print_rows

    rows = [(f.severity, f.table, f.line, f.code, f.kind, f.message) for f in shown.findings]
    if rows:
        print_rows(
            ("Severity", "Table", "Line", "Code", "Kind", "Problem"),
            rows,
            fmt,
            title=f"lint of {full.target}",
        )
    counts = full.counts()
    hidden = len(full.findings) - len(shown.findings)
    print(
        f"{full.target}: {full.rows} rows, {counts['error']} error(s), {counts['warning']} "
        f"warning(s), {counts['info']} info" + (f" ({hidden} not shown)" if hidden else "")
    )
