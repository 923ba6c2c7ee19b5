"""A table for people at a terminal, fitted to its width, without Rich.

`precert search` (and `precert lists`) print their tables through :func:`render`: columns of
ids to copy (``keep``) at full width, never wrapped; the other columns wrapped at word
boundaries into the width left, the widest shrunk first. Rich drew these tables before, but a
fresh process paid about 50 ms to import Rich and as much again to lay out a page of search
results -- more than the rest of `precert search` together (docs/benchmarks.md, bench_core).
"""

from __future__ import annotations

from collections.abc import Sequence

GAP = "  "


def _fit(natural: list[int], floor: list[int], fixed: list[bool], width: int) -> list[int]:
    """Column widths within ``width``: fixed columns as they are; the others capped at the
    largest width that fits, no narrower than ``floor`` (their longest word) while that fits
    at all, else down to one character."""
    room = width - len(GAP) * (len(natural) - 1)

    def widths(cap: int, least: list[int]) -> list[int]:
        return [
            n if f else max(lo, min(n, cap)) for n, lo, f in zip(natural, least, fixed, strict=True)
        ]

    if sum(natural) <= room:
        return natural
    for least in (floor, [1] * len(natural)):
        low, high = 1, max(natural)
        if sum(widths(low, least)) > room:
            continue
        while low < high:  # the largest cap whose widths fit
            mid = (low + high + 1) // 2
            if sum(widths(mid, least)) <= room:
                low = mid
            else:
                high = mid - 1
        return widths(low, least)
    return widths(1, [1] * len(natural))  # even the ids do not fit: they still are not cut


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken between words; a word longer
    than a line is cut into pieces. (Not textwrap: importing it compiles regular expressions
    that cost a fresh process more than laying out the whole table.)"""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > width:  # too long for any line: fill this one, go on with the rest
            room = width - len(line) - 1 if line else width
            if room <= 0:
                lines.append(line)
                line, room = "", width
            lines.append(f"{line} {word[:room]}" if line else word[:room])
            line, word = "", word[room:]
        if not word:
            continue
        if line and len(line) + 1 + len(word) <= width:
            line = f"{line} {word}"
        else:
            if line:
                lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


def render(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int,
    *,
    title: str | None = None,
    keep: Sequence[int] = (),
    bold: bool = False,
    rule: str = "─",
) -> str:
    """The table as text, every line at most ``width`` characters unless the ``keep``
    columns alone are wider (they are never cut). ``bold``: ANSI bold for the header;
    ``rule``: the character of the line under it."""
    cells = [[str(c) for c in headers], *([str(c) for c in row] for row in rows)]
    count = len(headers)
    natural = [max(len(r[i]) for r in cells) for i in range(count)]
    floor = [max((len(w) for r in cells for w in r[i].split()), default=1) for i in range(count)]
    widths = _fit(natural, floor, [i in keep for i in range(count)], width)
    out: list[str] = []
    total = sum(widths) + len(GAP) * (count - 1)
    if title:  # centred over the table, wrapped when the terminal is narrower than it
        out.extend(line.center(total).rstrip() for line in wrap(title, max(width, 1)))
        out.append("")
    for n, row in enumerate(cells):
        wrapped = [
            [cell] if i in keep or len(cell) <= widths[i] else wrap(cell, widths[i])
            for i, cell in enumerate(row)
        ]
        for line in range(max(len(w) for w in wrapped)):
            parts = [
                (w[line] if line < len(w) else "").ljust(widths[i]) for i, w in enumerate(wrapped)
            ]
            text = GAP.join(parts).rstrip()
            out.append(f"\033[1m{text}\033[0m" if bold and n == 0 else text)
        if n == 0:
            out.append(rule * total)
    return "\n".join(out) + "\n"
