"""The HTML report of a batch run: one self-contained page, inline CSS and SVG charts."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from precert.batch.answers import REASON_LABELS
from precert.batch.summary import Summary
from precert.models import Status

COLORS = {
    Status.REQUIRED: "#c62828",
    Status.NOT_REQUIRED: "#2e7d32",
    Status.OUT_OF_SCOPE: "#f9a825",
    Status.NOT_LISTED: "#1565c0",
    Status.INVALID: "#8e24aa",
}
MEANING = {
    Status.REQUIRED: "Prior authorization must be obtained (see pa_submit_to).",
    Status.NOT_REQUIRED: "In the program; the list says no prior authorization is needed.",
    Status.OUT_OF_SCOPE: 'The program does not manage the code. Not "no PA": other payer '
    "rules and the member's plan may still require it.",
    Status.NOT_LISTED: 'A valid code no loaded list mentions. Not "no PA": check the '
    "payer's master list and the member's plan.",
    Status.INVALID: "No usable code in the row (blank, not a code, several codes, bad date).",
}
_CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:60rem;padding:0 1rem;color:#1a1a1a}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}td,th{padding:.3rem .5rem;border-bottom:1px solid #ddd;
text-align:left;vertical-align:top}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#555}.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.4rem;
vertical-align:middle}svg text{font:13px system-ui,sans-serif}
"""


def write_report(summary: Summary, path: Path) -> None:
    """Write the page (temporary file renamed when complete)."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        temp.write_text(render(summary), encoding="utf-8")
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def render(summary: Summary) -> str:
    """The report as one HTML string (every value escaped; no row contents)."""
    s = summary
    rows = [(st, s.statuses.get(st.value, 0)) for st in Status]
    status_table = "".join(
        f"<tr><td><span class=swatch style='background:{COLORS[st]}'></span>{escape(st.label)}"
        f"</td><td class=n>{n:,}</td><td class=n>{_pct(n, s.answers)}</td>"
        f"<td>{escape(MEANING[st])}</td></tr>"
        for st, n in rows
    )
    top_rows = "".join(
        f"<tr><td>{escape(code)}</td><td class=n>{n:,}</td><td>{escape(desc)}</td></tr>"
        for code, n, desc in s.top_required
    )
    reasons = "".join(
        f"<tr><td>{escape(REASON_LABELS[r])}</td><td class=n>{n:,}</td></tr>"
        for r, n in s.no_code.items()
        if n
    )
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width,initial-scale=1'>",
        f"<title>precert batch report: {escape(Path(s.input).name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Prior-authorization screening of {escape(Path(s.input).name)}</h1>",
        f"<p class=meta>{s.rows:,} rows screened for {_whom(s)} with the {escape(s.engine)} "
        f"engine in {s.seconds:.1f} s "
        f"({s.rows_per_second:,.0f} rows/s). Code column <b>{escape(s.code_column)}</b>"
        + (
            f", date of service column <b>{escape(s.date_column)}</b>"
            if s.date_column
            else ", answered for today's date"
        )
        + f". Output: {escape(s.output)}.</p>",
        "<h2>Answers by status</h2>",
        _bars([(st.label, n, COLORS[st]) for st, n in rows]),
        f"<table><tr><th>Status</th><th class=n>{'Answers' if s.payers else 'Rows'}</th>"
        "<th class=n>Share</th>"
        f"<th>Meaning</th></tr>{status_table}</table>",
    ]
    if s.by_payer:
        head = "".join(f"<th class=n>{escape(st.label)}</th>" for st in Status)
        body = "".join(
            f"<tr><td>{escape(payer)}</td>"
            + "".join(f"<td class=n>{counts.get(st.value, 0):,}</td>" for st in Status)
            + "</tr>"
            for payer, counts in s.by_payer.items()
        )
        parts += [
            "<h2>Answers by payer</h2>",
            f"<table><tr><th>Payer</th>{head}</tr>{body}</table>",
        ]
    if s.payers:
        parts.append(
            "<p class=meta>Each payer's answer is in its own columns: "
            + ", ".join(f"<code>{escape(c)}</code>" for c in s.columns)
            + ".</p>"
        )
    if s.top_required:
        parts += [
            "<h2>Codes most often needing prior authorization"
            + (" (with at least one payer)" if s.payers else "")
            + "</h2>",
            _bars([(c, n, COLORS[Status.REQUIRED]) for c, n, _ in s.top_required]),
            "<table><tr><th>Code</th><th class=n>Rows</th><th>Description</th></tr>"
            f"{top_rows}</table>",
        ]
    parts.append("<h2>Rows with no usable code</h2>")
    parts.append(
        f"<table><tr><th>Reason</th><th class=n>Rows</th></tr>{reasons}</table>"
        if reasons
        else "<p>None: every row held one code.</p>"
    )
    if s.rejected:
        lines = ", ".join(f"{r.line} ({escape(r.error)})" for r in s.rejected_lines)
        parts.append(
            f"<h2>Malformed lines</h2><p>{s.rejected:,} line(s) could not be split "
            f"into the header's columns and are not in the output: line {lines}"
            + (", …" if s.rejected > len(s.rejected_lines) else "")
            + ". "
            + (f"They are kept as written in {escape(s.rejects_file)}." if s.rejects_file else "")
            + "</p>"
        )
    parts.append(
        "<p class=meta>Generated by precert. Each answer cites its source list, "
        "version, table, page and line in the pa_source column.</p></body></html>"
    )
    return "\n".join(parts)


def _whom(s: Summary) -> str:
    if s.payers:
        return "every loaded payer (" + escape(", ".join(s.payers)) + ")"
    return escape(" / ".join(p for p in (s.payer, s.line_of_business) if p))


def _pct(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "-"


def _bars(items: list[tuple[str, int, str]]) -> str:
    """A horizontal bar chart as inline SVG."""
    if not items:
        return ""
    label_width, bar_width, height = 190, 520, 24
    biggest = max(n for _, n, _ in items) or 1
    out = [
        f"<svg role=img aria-label='bar chart' width='100%' viewBox='0 0 "
        f"{label_width + bar_width + 110} {height * len(items) + 6}' "
        "xmlns='http://www.w3.org/2000/svg'>"
    ]
    for i, (label, n, color) in enumerate(items):
        y = i * height + 3
        width = round(bar_width * n / biggest, 1)
        out.append(
            f"<text x='{label_width - 8}' y='{y + 16}' text-anchor=end>{escape(label)}"
            f"</text><rect x='{label_width}' y='{y + 3}' width='{width}' height='18' "
            f"fill='{color}'><title>{escape(label)}: {n:,}</title></rect>"
            f"<text x='{label_width + width + 6}' y='{y + 16}'>{n:,}</text>"
        )
    out.append("</svg>")
    return "".join(out)
