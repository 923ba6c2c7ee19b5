"""Render answers for people: Rich tables on a terminal, plain aligned text in pipes, JSON."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from precert.models import Determination, Status

STATUS_STYLE = {
    Status.REQUIRED: "bold white on red",
    Status.NOT_REQUIRED: "bold black on green",
    Status.OUT_OF_SCOPE: "bold black on yellow",
    Status.NOT_LISTED: "bold white on blue",
    Status.INVALID: "bold white on magenta",
}


def wants_rich(fmt: str) -> bool:
    """Rich only when asked, or on a terminal in the default ("auto") mode."""
    return fmt == "table" or (fmt == "auto" and sys.stdout.isatty())


def print_json(payload: Any) -> None:
    """Pretty JSON on stdout."""
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def submit_text(answer: Determination) -> str:
    """Where to send the request, in one line ("-" when nowhere)."""
    return answer.submit_to.describe() if answer.submit_to is not None else "-"


def _details(answer: Determination) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    if answer.payer is not None:
        lines.append(("payer", f"{answer.payer} / {answer.line_of_business}"))
    if answer.qualifier is not None:
        lines.append(("qualifier", answer.qualifier))
    if answer.description:
        # A list without descriptions: CMS's, said so.
        cms = " (CMS HCPCS description)" if answer.description_source == "CMS HCPCS" else ""
        lines.append(("", answer.description + cms))
    if answer.category:
        lines.append(("category", answer.category))
    if answer.message:
        lines.append(("", answer.message))
    lines.extend(("note", n) for n in answer.notes)
    lines.extend(("warning", w) for w in answer.warnings)
    lines.extend(("source", s.cite()) for s in answer.sources)
    if answer.more_info is not None:
        # "Outside this program" / "Not on the list": where the payer's wider rules are.
        lines.append(("next step", f"{answer.more_info.label}: {answer.more_info.url}"))
    return lines


# More answers than this on a terminal get one line each (``--long``: every detail).
COMPACT_FROM = 3


def print_determinations(
    answers: Sequence[Determination], fmt: str, *, long: bool = False, compact: bool = False
) -> None:
    """The `check` table: on a terminal, every detail, or with ``compact`` and several answers
    one line each (``--long`` gives the details); in a pipe, plain text with every detail."""
    if wants_rich(fmt):
        if long or not compact or len(answers) < COMPACT_FROM:
            _rich_determinations(answers)
        else:
            _rich_compact(answers)
        return
    out = sys.stdout
    width = max([len(a.query.strip()) for a in answers] + [5])
    for answer in answers:
        code = answer.code or answer.query.strip()
        mods = ("-" + "-".join(answer.modifiers)) if answer.modifiers else ""
        out.write(
            f"{(code + mods):<{width}}  {answer.status.label.upper():<20}  "
            f"submit to: {submit_text(answer)}\n"
        )
        for label, text in _details(answer):
            out.write(f"    {label + ': ' if label else ''}{text}\n")
        out.write("\n")


def _rich_determinations(answers: Sequence[Determination]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=True, expand=True)
    table.add_column("Code", no_wrap=True)
    table.add_column("Prior authorization", no_wrap=True)
    table.add_column("Where to send it, description, notes, warnings, source", ratio=1)
    for answer in answers:
        code = answer.code or answer.query.strip()
        if answer.modifiers:
            code += "-" + "-".join(answer.modifiers)
        body = Text()
        if answer.submit_to is not None:
            body.append("Submit to: " + submit_text(answer), style="bold")
        for label, text in _details(answer):
            style = {"warning": "bold yellow", "note": "cyan", "source": "dim"}.get(label, "")
            if body:
                body.append("\n")
            body.append((f"{label}: " if label else "") + text, style=style)
        table.add_row(
            code, Text(f" {answer.status.label} ", style=STATUS_STYLE[answer.status]), body
        )
    Console().print(table)


def _counted(answer: Determination) -> str:
    """ "1 warning, 2 notes": what the compact line leaves out."""
    parts = []
    for what, items in (("warning", answer.warnings), ("note", answer.notes)):
        if items:
            parts.append(f"{len(items)} {what}{'s' if len(items) > 1 else ''}")
    return " ".join(parts)


def _rich_compact(answers: Sequence[Determination]) -> None:
    """Several answers, one line each: code, payer, status, where to send, what is left out."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    payers = {(a.payer, a.line_of_business) for a in answers}
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, expand=True)
    table.add_column("Code", no_wrap=True)
    if len(payers) > 1:
        table.add_column("Payer", no_wrap=True)
    table.add_column("Prior authorization", no_wrap=True)
    table.add_column("Submit to", ratio=3, overflow="fold")
    table.add_column("Left out", ratio=1, overflow="fold", style="yellow")
    for answer in answers:
        code = answer.code or answer.query.strip()
        if answer.modifiers:
            code += "-" + "-".join(answer.modifiers)
        cells: list[str | Text] = [code]
        if len(payers) > 1:
            cells.append(answer.payer or "-")
        cells.append(Text(f" {answer.status.label} ", style=STATUS_STYLE[answer.status]))
        cells.append(submit_text(answer))
        cells.append(_counted(answer))
        table.add_row(*cells)
    console = Console()
    console.print(table)
    console.print(
        "Descriptions, notes, warnings and sources: the same command with --long", style="dim"
    )


def print_rows(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    title: str | None = None,
    keep: Sequence[int] = (),
) -> None:
    """A generic table (search results, lists, categories); the columns in ``keep`` (ids a
    user copies into other commands) are never wrapped or cut, however narrow the terminal."""
    if wants_rich(fmt) and keep:
        # A table with ids to copy (search results, lists) has no rules between columns: the
        # room goes to the words. Drawn without Rich: importing it and laying out a page of
        # search results cost a fresh `precert search` about 100 ms (docs/benchmarks.md).
        from precert.cli import _columns
        from precert.cli.texttable import render

        cells = [[str(c) for c in row] for row in rows]
        bold = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        rule = "─"
        try:  # a box-drawing rule where the output's encoding has one (not cp1252, ascii)
            rule.encode(sys.stdout.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            rule = "-"
        text = render(headers, cells, _columns(), title=title, keep=keep, bold=bold, rule=rule)
        sys.stdout.write(text)
        return
    if wants_rich(fmt):
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for header in headers:
            table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(*(str(c) for c in row))
        Console().print(table)
        return
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for row in cells:
        line = "  ".join(c.ljust(widths[i]) if i < len(row) - 1 else c for i, c in enumerate(row))
        sys.stdout.write(line.rstrip() + "\n")
