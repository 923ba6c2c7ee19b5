"""The `precert` command line: argparse for a fast start, Rich tables only on a terminal.

Exit codes: 0 every query was a code; 1 some query was not a code (or a check failed);
2 usage error; 3 a file could not be read or imported; 4 the database or payer scope
could not be used.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_NOT_A_CODE, EXIT_USAGE, EXIT_INPUT, EXIT_DATABASE = 0, 1, 2, 3, 4

# Each module adds its subcommands with `register(subparsers)`; keep them cheap to import.
COMMAND_MODULES = (
    "precert.cli.core",
    "precert.cli.lists",
    "precert.cli.imports",
    "precert.cli.profile",
    "precert.cli.versions",
    "precert.cli.serve",
    "precert.cli.batch",
    "precert.cli.maintenance",
)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    parser = argparse.ArgumentParser(
        prog="precert",
        formatter_class=_Formatter,
        description="Does this item need prior authorization with this payer, and where do I "
        "send the request?",
        epilog='examples:\n  precert check E0466 k0856-rr A4239\n  precert search "power '
        'wheelchair group 3"\n  precert show K0553\n\nexit codes: 0 all queries were codes, '
        "1 some query was not a code, 2 usage error,\n  3 unreadable input file, 4 database or "
        "payer problem\n\ndata: PRECERT_HOME (default ~/.local/share/precert) holds precert.db",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def command(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    help: str,
    example: str,
) -> argparse.ArgumentParser:
    """Add a subcommand whose help ends with an example."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help,
        description=help[:1].upper() + help[1:] + ".",
        epilog="example:\n  " + example,
        formatter_class=_Formatter,
    )
    return parser


def scope_options(parser: argparse.ArgumentParser) -> None:
    """--payer and --line-of-business/--lob: whom a question is asked for."""
    parser.add_argument(
        "--payer", help="payer to ask (check: default every payer loaded, one answer each)"
    )
    parser.add_argument(
        "--line-of-business",
        "--lob",
        dest="lob",
        help="line of business (default: every one loaded, or the only one)",
    )


def format_option(parser: argparse.ArgumentParser) -> None:
    """--format for commands that print tables."""
    parser.add_argument(
        "--format",
        choices=("auto", "table", "plain"),
        default="auto",
        help="table (Rich), plain text, or auto: table on a terminal",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `precert` script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from precert import __version__

        print(f"precert {__version__}")
        return EXIT_OK
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USAGE
    from precert.readers import ReaderError
    from precert.service import ScopeError
    from precert.store import StoreError

    try:
        code: int = args.handler(args)
        return code
    except ReaderError as exc:
        print(f"precert: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except (ScopeError, StoreError) as exc:
        print(f"precert: error: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except ValueError as exc:
        print(f"precert: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("precert: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
