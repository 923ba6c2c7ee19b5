"""Issue 9 figures: reading a 100,000-row published list in each layout (read_grid + every row).

Each file is generated from the real Cigna rows (cycled), then read in a fresh process that
times ``read_grid`` and one pass over every row of every table, and reports its peak memory
(max RSS, which includes the interpreter, about 30 MB). The HTML page has 20,000 rows (the
standard library's parser reads a few thousand rows a second; payers' HTML lists are a few
hundred rows). The PDF figure reads the two-page
fixture rebuilt from the real Medicare rows (pdfplumber is slow per page, so a 100,000-row PDF
is not a list anyone publishes).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "src" / "precert" / "data" / "cigna-commercial-dme.txt"
PDF = ROOT / "tests" / "fixtures" / "lists" / "cgs-jc-pa-table-2025.pdf"
ROWS = 100_000
PAGE = 40  # rows per page in the text layout: the header row repeats, as in the PDF
HTML_ROWS = 20_000
RUNS = 3

CHILD = r"""
import json, resource, sys, time
started = time.perf_counter()
from precert.readers import read_grid
grid = read_grid(sys.argv[1])
opened = time.perf_counter()
rows = sum(1 for table in grid.tables for _ in table.rows)
done = time.perf_counter()
print(json.dumps({"rows": rows, "tables": len(grid.tables), "open": opened - started,
                  "total": done - started,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def real_rows() -> tuple[list[str], list[list[str]]]:
    """The header and the rows of table 1 of the real Cigna document."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if line.startswith("Product\t"))
    rows = [line.split("\t") for line in lines if line.count("\t") == 6 and line != header]
    return header.split("\t"), rows


def generate(folder: Path) -> dict[str, Path]:
    """The same 100,000 rows as CSV, TSV, XLSX, the text layout and an HTML page."""
    header, rows = real_rows()
    data = [rows[n % len(rows)] for n in range(ROWS)]
    paths = {
        name: folder / f"list.{ext}"
        for name, ext in (
            ("csv", "csv"),
            ("tsv", "tsv"),
            ("xlsx", "xlsx"),
            ("text", "txt"),
            ("html", "html"),
        )
    }
    for name, delimiter in (("csv", ","), ("tsv", "\t")):
        with paths[name].open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, delimiter=delimiter)
            writer.writerow(header)
            writer.writerows(data)
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("List")
    sheet.append(header)
    for row in data:
        sheet.append(row)
    book.save(paths["xlsx"])
    with paths["text"].open("w", encoding="utf-8") as file:
        file.write("**Cigna Commercial**\n**Prior Authorization Procedure Code List**\n\n")
        for n, row in enumerate(data):
            if n % PAGE == 0:
                file.write("\t".join(header) + "\n")
            file.write("\t".join(row) + "\n")
        file.write("CPT copyright 2026 American Medical Association. All rights reserved.\n")
    import html

    with paths["html"].open("w", encoding="utf-8") as file:
        file.write("<html><body><h2>Prior Authorization List</h2><table>\n<tr>")
        file.write("".join(f"<th>{html.escape(c)}</th>" for c in header) + "</tr>\n")
        for row in data[:HTML_ROWS]:
            file.write("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>\n")
        file.write("</table></body></html>\n")
    return paths


def measure(path: Path) -> dict[str, float]:
    """The best of RUNS fresh-process reads (time), and the largest peak memory seen."""
    runs = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
        ).stdout
        runs.append(json.loads(out))
    best = min(runs, key=lambda r: r["total"])
    best["rss"] = max(r["rss"] for r in runs)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = generate(Path(folder))
        results = {name: (path, measure(path)) for name, path in paths.items()}
        results["pdf"] = (PDF, measure(PDF))
        print("## Reading a published list: `read_grid` and every row, per layout (issue 9)\n")
        print("```sh\n.venv/bin/python bench/run_all.py bench_readers\n```\n")
        print(__doc__.strip().split("\n\n", 1)[1].replace("\n", " ") + "\n")
        print("| layout | file | rows | open (s) | open + all rows (s) | rows/s | peak RSS (MB) |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for name, (path, r) in results.items():
            size = path.stat().st_size / 1e6
            print(
                f"| {name} | {size:.1f} MB | {r['rows']:,.0f} | {r['open']:.2f} | "
                f"{r['total']:.2f} | {r['rows'] / r['total']:,.0f} | {r['rss']:.0f} |"
            )


if __name__ == "__main__":
    main()
