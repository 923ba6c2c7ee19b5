"""`precert import`: load a payer's list file, read through a list profile (a TOML file, a
bundled profile, or the same said with options), as a new list or a new version of one."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from precert.cli import EXIT_DATABASE, EXIT_INPUT, EXIT_OK, EXIT_USAGE, command
from precert.cli.core import service_date

if TYPE_CHECKING:
    from precert.profiles import Profile
    from precert.service import Precert

STATUSES = ("required", "not_required", "out_of_scope", "not_listed")
FORMATS = ("csv", "tsv", "xlsx", "html", "pdf", "text")
# The options form of a profile: option dest -> profile_from_options keyword.
COLUMN_OPTIONS = {
    "status_column": "status_column",
    "status_map": "status_map",
    "listed_means": "listed_means",
    "description_column": "description_column",
    "notes_column": "notes_column",
    "category_column": "category_column",
    "effective_column": "effective_column",
    "end_column": "end_column",
    "contact": "contact",
    "title": "title",
    "source_url": "source_url",
}
EXAMPLES = """more examples:
  precert import cgs-jc-pa-table-2025.tsv --profile medicare-dmepos-cgs-table --dry-run
  precert import plan-pa-codes.csv --payer "Acme Health" --lob Commercial --list acme-dme \\
      --code-column HCPCS --listed-means required
  precert import plan-dme-grid.csv --payer "Acme Health" --lob Medicaid --list acme-medicaid-dme \\
      --code-column Code --status-column QUEST --status-map X=required \\
      --contact "Acme Utilization Management; phone 800-555-0134; fax 800-555-0135"
"""
NO_PROFILE = """precert import: say how {file} reads and which list it is, one of:
  --profile PROFILE        a profile file (TOML), or a bundled one: {bundled}
  --list ID                a list with a bundled profile, or a list in the published text
                           layout (its title rows, or --payer/--lob, name the payer)
  --payer P --lob L --list ID --code-column C [...]   a simple table, with options
`precert profile draft {file}` writes a starting profile from the file's headers and values."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `import`."""
    p = command(
        sub,
        "import",
        "load a payer's list (CSV, TSV, XLSX, HTML, PDF or published text), read through a list "
        "profile, as a new list or a new version of one",
        "precert import cigna-dme-2027.txt --list cigna-commercial-dme --effective 2027-01-01",
    )
    p.epilog = f"{p.epilog}\n\n{EXAMPLES}" + (
        "\nthere is no default list: a file becomes a version of a loaded list only when --list "
        "(or the\nprofile) names it and payer and line of business agree"
    )
    p.add_argument("file", type=Path, help="the list as published")
    p.add_argument(
        "--profile",
        help="a profile file (TOML; `precert profile draft` writes a start) or a bundled "
        "profile's name",
    )
    p.add_argument(
        "--list",
        dest="list_id",
        help="the list's id: a loaded list (a new version of it) or a new one (default: the "
        "profile's)",
    )
    p.add_argument(
        "--effective",
        type=service_date,
        help="first date of service this version applies to, YYYY-MM-DD or MM/DD/YYYY "
        "(default: the profile's, or unknown)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="show how every row reads and every line that cannot be read; change nothing "
        "(exit 3 if a line cannot be read)",
    )
    p.add_argument("--json", action="store_true", help="with --dry-run: print JSON for programs")
    p.add_argument("--file-format", choices=FORMATS, help="how to read FILE (default: sniffed)")
    o = p.add_argument_group("a simple table said with options instead of --profile")
    o.add_argument("--payer", help="whose list it is (e.g. Acme Health)")
    o.add_argument("--line-of-business", "--lob", dest="lob", help="e.g. Commercial, Medicaid, FFS")
    o.add_argument("--program", help="e.g. DME (default: prior-authorization)")
    o.add_argument("--code-column", metavar="C", help="header of the column holding the codes")
    o.add_argument("--status-column", metavar="S", help="header of the column of marks/statuses")
    o.add_argument(
        "--status-map",
        metavar="VALUE=STATUS",
        nargs="+",
        action="extend",
        default=[],
        help=f"what a published value means: X=required (statuses: {', '.join(STATUSES)})",
    )
    o.add_argument(
        "--listed-means",
        choices=STATUSES,
        help="the status of a code that is simply listed (a bare grid of codes): required",
    )
    o.add_argument("--description-column", metavar="D", help="header of the descriptions")
    o.add_argument(
        "--notes-column", metavar="N", action="append", help="header of notes (repeatable)"
    )
    o.add_argument("--category-column", metavar="G", help="header of the categories")
    o.add_argument("--effective-column", metavar="E", help="header of row effective dates")
    o.add_argument("--end-column", metavar="E", help="header of row end dates")
    o.add_argument(
        "--contact",
        metavar='"NAME; phone …; fax …; url …"',
        help='where requests go: "NAME; phone 800-555-0134; option 5; fax 800-555-0135; url '
        'https://…" (name first; parts phone, fax, option, url, portal)',
    )
    o.add_argument("--title", help="the list's title as published")
    o.add_argument("--source-url", metavar="URL", help="where the list is published")
    p.set_defaults(handler=run_import)


def _option_form(args: argparse.Namespace) -> list[str]:
    """The options-form options given (for "give one or the other" messages)."""
    given = [name for name in COLUMN_OPTIONS if getattr(args, name)]
    return ["--" + name.replace("_", "-") for name in given]


def profile_for(args: argparse.Namespace) -> Profile | None:
    """The profile the arguments name or describe; None (after a message) when they say none."""
    from precert.profiles import bundled_names, load_profile, parse_contact, profile_from_options

    extra = _option_form(args)
    if args.profile:
        given = extra + [
            "--" + o.replace("_", "-")
            for o in ("payer", "lob", "program", "code_column")
            if getattr(args, o)
        ]
        if given:
            print(
                f"precert import: give either --profile or the options {', '.join(given)} "
                "(the profile already says how the file reads and whose list it is)",
                file=sys.stderr,
            )
            return None
        profile = load_profile(args.profile)
    elif args.code_column:
        if args.contact is not None:
            parse_contact(args.contact)  # an empty --contact is an error, not "no contact"
        profile = profile_from_options(
            payer=args.payer,
            line_of_business=args.lob,
            list_id=args.list_id,
            code_column=args.code_column,
            program=args.program,
            format=args.file_format,
            **{kw: getattr(args, dest) for dest, kw in COLUMN_OPTIONS.items()},
        )
    elif extra:
        print(
            "precert import: the options form needs --code-column (the header of the column "
            "holding the codes), e.g. --code-column HCPCS --listed-means required",
            file=sys.stderr,
        )
        return None
    elif args.list_id:
        # `precert import FILE --list ID`: the list's bundled profile, or the published text
        # layout named by its title rows or --payer/--lob (the service picks it, as import does).
        from precert.cli.core import _service

        profile = _service().read_profile(
            args.file,
            list_id=args.list_id,
            payer=args.payer,
            line_of_business=args.lob,
            program=args.program,
        )
        # As the service reads such a file: in the format its content and extension say (a
        # CSV export of the text layout is read as CSV).
        profile = replace(profile, format=None)
    else:
        print(
            NO_PROFILE.format(file=args.file, bundled=", ".join(bundled_names())),
            file=sys.stderr,
        )
        return None
    if args.list_id and args.list_id != profile.list.id:
        profile = replace(profile, list=replace(profile.list, id=args.list_id))
    if args.file_format:
        profile = replace(profile, format=args.file_format)
    return profile


def run_import(args: argparse.Namespace) -> int:
    """`precert import`."""
    from precert.cli.core import _service
    from precert.profiles import ProfileError

    if args.json and not args.dry_run:
        print("precert import: --json goes with --dry-run", file=sys.stderr)
        return EXIT_USAGE
    try:
        profile = profile_for(args)
    except ProfileError as exc:
        hint = ""
        if args.profile and "TODO" in _text(args.profile):
            hint = " (fill in the TODO lines of the drafted profile)"
        print(f"precert import: {exc}{hint}", file=sys.stderr)
        return EXIT_USAGE if exc.where in ("options", "--contact") else EXIT_INPUT
    if profile is None:
        return EXIT_USAGE
    service = _service()
    if args.dry_run:
        from precert.cli.dryrun import print_dry_run

        outcome, refused = would(service, profile)
        items = service.dry_run(args.file, profile=profile)
        failed = print_dry_run(args.file.name, profile, items, outcome, as_json=args.json)
        # A refusal is the same exit as the import's own (the list belongs to another payer).
        return EXIT_INPUT if failed else EXIT_DATABASE if refused else EXIT_OK
    result = service.import_list(args.file, profile=profile, effective=args.effective)
    print(result.message)
    return EXIT_OK


def would(service: Precert, profile: Profile) -> tuple[str, bool]:
    """What importing would do with the list (a new list, its next version, or a refusal, as
    the import itself decides), and whether it would be refused."""
    info = profile.list
    versions = service.versions(info.id)
    if not versions:
        return f"an import would make a new list {info.id}", False
    have = versions[0]
    for given, known, what in (
        (info.payer, have.payer, "payer"),
        (info.line_of_business, have.line_of_business, "line of business"),
    ):
        if given.strip().lower() != known.lower():
            return (
                f"an import would be refused: list {info.id} belongs to {what} {known!r}, "
                f"not {given!r} (a new list needs a new id: --list NEW-ID)",
                True,
            )
    return (
        f"an import would add version v{len(versions) + 1} of list {info.id} (or nothing, if "
        "this very file is one of its versions)",
        False,
    )


def _text(name: str) -> str:
    """A profile file's text, for hints ("" when it is not a readable file)."""
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
