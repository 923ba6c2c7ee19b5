"""The `precert` command line: argparse for a fast start, Rich tables only on a terminal.

Exit codes: 0 every query was a code; 1 some query was not a code (or a check failed);
2 usage error; 3 a file could not be read or imported; 4 the database or payer scope
could not be used.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_NOT_A_CODE, EXIT_USAGE, EXIT_INPUT, EXIT_DATABASE = 0, 1, 2, 3, 4

# The module that adds each command (its `register(subparsers)` adds all of the module's
# commands). Only the module of the command being run is imported and registered: `precert
# check` does not pay for building the parsers of `import`, `batch` or `serve`. `precert --help`
# (or no command, or an unknown one) registers every module, so it lists every command.
COMMANDS = {
    **dict.fromkeys(("check", "search", "show", "categories", "hcpcs"), "precert.cli.core"),
    "lists": "precert.cli.lists",
    "import": "precert.cli.imports",
    "profile": "precert.cli.profile",
    **dict.fromkeys(("versions", "diff", "lint"), "precert.cli.versions"),
    "serve": "precert.cli.serve",
    "batch": "precert.cli.batch",
    "rebuild": "precert.cli.maintenance",
}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))  # in `precert --help` order


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, told the terminal width so argparse need not import shutil (and
    with it bz2, lzma and zlib) on every start: argparse makes a formatter per option added."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        super().__init__(
            prog, indent_increment, max_help_position, _columns() - 2 if width is None else width
        )


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` gives it: $COLUMNS, else the
    terminal of stdout, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command tree: the whole of it, or, when ``argv`` names a command, the top-level
    parser with only the commands of that command's module (argparse reads only those)."""
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
    wanted = _command_of(argv)
    for name in (COMMANDS[wanted],) if wanted else COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _command_of(argv: Sequence[str] | None) -> str | None:
    """The command ``argv`` runs when it starts with a known one. Anything else first (``-h``
    prints the top-level help, which lists every command) builds the whole tree."""
    if argv and argv[0] in COMMANDS:
        return argv[0]
    return None


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
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
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
