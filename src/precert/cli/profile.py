"""`precert profile draft FILE`: a starting list profile guessed from a file, for a person to
finish (docs/profiles.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from precert.cli import EXIT_OK, EXIT_USAGE, command

FORMATS = ("csv", "tsv", "xlsx", "html", "pdf", "text")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `profile draft`."""
    p = command(
        sub,
        "profile",
        "work with list profiles (how a payer's published layout reads)",
        "precert profile draft plan-dme-grid.csv -o plan-dme.toml",
    )
    actions = p.add_subparsers(dest="profile_command", metavar="ACTION")
    d = command(
        actions,
        "draft",
        "write a starting profile from a list file's headers and values: which column holds "
        "codes, which holds marks and which values occur; fill in its TODO lines, then import",
        "precert profile draft plan-dme-grid.csv -o plan-dme.toml",
    )
    d.add_argument("file", type=Path, help="the list as published: CSV, TSV, XLSX, HTML, PDF, text")
    d.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="OUT.toml",
        help="write the profile here (default: print it)",
    )
    d.add_argument("--force", action="store_true", help="overwrite OUT.toml if it exists")
    d.add_argument(
        "--file-format",
        choices=FORMATS,
        help="how to read FILE (default: from its content and extension)",
    )
    d.set_defaults(handler=run_draft)
    p.set_defaults(handler=lambda _args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def run_draft(args: argparse.Namespace) -> int:
    """`precert profile draft`."""
    from precert.profiles.draft import draft_profile
    from precert.readers import read_grid

    output: Path | None = args.output
    if output is not None and output.exists() and not args.force:
        print(
            f"precert profile draft: {output} exists; choose another name, or add --force to "
            "overwrite it",
            file=sys.stderr,
        )
        return EXIT_USAGE
    grid = read_grid(args.file, args.file_format)
    text = draft_profile(grid, args.file.name)
    if output is None:
        sys.stdout.write(text)
        return EXIT_OK
    output.write_text(text, encoding="utf-8")
    print(
        f"wrote {output}: fill in its TODO lines, then check it with\n"
        f"  precert import {args.file} --profile {output} --dry-run",
        file=sys.stderr,
    )
    return EXIT_OK
