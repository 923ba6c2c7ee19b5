"""Search figures (issue 11): relevance on everyday intake queries, speed, index build time.

Prints one Markdown section for docs/benchmarks.md.
Usage: python bench/bench_search.py [--baseline COMMIT | --no-baseline]
  --baseline COMMIT  also score the search of an older commit (its src/ taken with git archive)
                     on the same relevance set, for the "before" row (default: the commit
                     before issue 11, when the clone has it)
       python bench/bench_search.py --relevance SRC HOME  (internal: score one checkout)
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RELEVANCE = ROOT / "tests" / "search_relevance.toml"
RUNS = 21
BEFORE = "b48a8c3"  # main before issue 11: search looked only inside the loaded list
CLI_QUERIES = ["cane", "CPAP mask", "hospital bed", "wheelchiar cushion", "hoyer lift", "AFO"]


def _has_commit(commit: str) -> bool:
    found = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", commit + "^{commit}"],
        capture_output=True,
        check=False,
    )
    return found.returncode == 0


def relevance(src: Path, home: Path) -> dict[str, object]:
    """hit@5 and mean recall@10 of the search in ``src`` (a checkout's src/ folder)."""
    out = subprocess.run(
        [sys.executable, __file__, "--relevance", str(src), str(home)],
        env={**os.environ, "PYTHONPATH": str(src), "PRECERT_HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def _score(home: Path) -> None:
    """(internal) Score the importable precert on the relevance set; print JSON."""
    from precert.service import Precert

    queries = tomllib.loads(RELEVANCE.read_text())["query"]
    service = Precert(home)
    groups: dict[str, dict[str, object]] = {}
    for name, chosen in (
        ("all", queries),
        ("tuned", [q for q in queries if not q.get("held_out")]),
        ("held_out", [q for q in queries if q.get("held_out")]),
    ):
        hits, recall, misses = 0, 0.0, []
        for query in chosen:
            right = set(query["right"])
            answers = service.search(query["text"], limit=10).hits
            found = list(dict.fromkeys(h.code for h in answers))  # several payers: codes once
            if right & set(found[:5]):
                hits += 1
            else:
                misses.append(query["text"])
            recall += len(right & set(found)) / min(len(right), 10)
        groups[name] = {
            "queries": len(chosen),
            "hit5": hits / max(len(chosen), 1),
            "recall10": recall / max(len(chosen), 1),
            "misses": misses,
        }
    print(json.dumps(groups))


def baseline_src(commit: str, into: Path) -> Path:
    """The src/ folder of an older commit, unpacked from git archive."""
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "src"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def cli_times(home: Path, command: str = "search") -> tuple[float, float]:
    """Median wall and CPU milliseconds of `precert search` (or `check`) in a fresh process,
    with bytecode caches as an installed package has them (PYTHONDONTWRITEBYTECODE, which
    some shells set, would recompile every module in every run; the warm-up runs write them)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PRECERT_HOME"] = str(home)
    walls, cpus = [], []
    for i in range(RUNS + 2):
        words = CLI_QUERIES[i % len(CLI_QUERIES)].split() if command == "search" else ["E0466"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        # "python": a bare interpreter, the floor any fresh process pays on this machine now.
        argv = [sys.executable, "-c", "pass"] if command == "python" else [str(BIN / "precert")]
        subprocess.run(
            [*argv, command, *words] if command != "python" else argv,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        wall = (time.perf_counter() - start) * 1000
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
        if i >= 2:
            walls.append(wall)
            cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def page_times(home: Path) -> dict[str, float]:
    """Server time (Server-Timing) of the page's search: each relevance query the first time
    it is asked (ranked from the index) and asked again (the ranked codes are remembered)."""
    import httpx

    from precert.service import Precert
    from precert.web.app import create_app

    app = create_app(Precert(home))
    texts = [q["text"] for q in tomllib.loads(RELEVANCE.read_text())["query"]]
    cold: list[float] = []
    cold_cpu: list[float] = []
    warm: list[float] = []

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def ask(text: str) -> float:
                response = await client.get("/", params={"q": text, "partial": "1"})
                response.raise_for_status()
                return float(response.headers["server-timing"].split("dur=")[1])

            await ask("warm up the templates")
            for text in texts:
                started = time.process_time()  # in-process: CPU of server and client together
                cold.append(await ask(text))
                cold_cpu.append((time.process_time() - started) * 1000)
            for _ in range(3):
                for text in texts:
                    warm.append(await ask(text))

    asyncio.run(run())
    cold.sort()
    warm.sort()
    return {
        "cold_median": statistics.median(cold),
        "cold_p95": cold[int(len(cold) * 0.95) - 1],
        "cold_cpu_median": statistics.median(cold_cpu),
        "warm_median": statistics.median(warm),
        "queries": len(texts),
    }


def index_build_seconds(home: Path) -> tuple[float, float]:
    """What the CMS code set's search index adds to building the database: median wall and
    CPU seconds of 5 builds."""
    from precert.store import Store

    store = Store.open(home / "precert.db")
    walls, cpus = [], []
    for _ in range(5):
        store.db.execute("BEGIN IMMEDIATE")
        start, cpu = time.perf_counter(), time.process_time()
        store.index_hcpcs()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        store.db.execute("ROLLBACK")
    store.close()
    return statistics.median(walls), statistics.median(cpus)


def first_run_seconds(home: Path) -> float:
    """Build the database from nothing in a fresh process, as first use does."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import precert; precert.search('cane')"],
        env={**os.environ, "PRECERT_HOME": str(home)},
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    if sys.argv[1:2] == ["--relevance"]:
        _score(Path(sys.argv[3]))
        return
    baseline = sys.argv[sys.argv.index("--baseline") + 1] if "--baseline" in sys.argv else None
    if baseline is None and "--no-baseline" not in sys.argv and _has_commit(BEFORE):
        baseline = BEFORE
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        first = first_run_seconds(home)
        after = relevance(ROOT / "src", home)
        before = None
        if baseline:
            old_home = Path(tmp) / "old-home"
            before = relevance(baseline_src(baseline, Path(tmp) / "old"), old_home)
        wall, cpu = cli_times(home)
        check_wall, check_cpu = cli_times(home, "check")
        python_wall, python_cpu = cli_times(home, "python")
        page = page_times(home)
        index, index_cpu = index_build_seconds(home)
    n = after["all"]["queries"]  # type: ignore[index]
    print("## Search (issue 11)\n")
    print(
        f"`python bench/bench_search.py{' --baseline ' + baseline if baseline else ''}`: "
        f"{n} everyday DME intake queries (`tests/search_relevance.toml`: devices, supplies, "
        "abbreviations, misspellings, word-order variants), each with the HCPCS codes any of "
        "which is right, checked against the CMS file. hit@5: a right code in the first five "
        "results; recall@10: the share of the right codes (at most 10) in the first ten. "
        '"Held out": queries added after the ranking and vocabulary were tuned on the '
        "others, never tuned for.\n"
    )
    print("| search | queries | hit@5 | mean recall@10 |")
    print("|---|---|---|---|")
    rows = [("after", after)]
    if before is not None:
        rows.insert(0, (f"before (`{baseline}`: words inside the loaded list only)", before))
    for label, result in rows:
        for group in ("all", "tuned", "held_out"):
            g = result[group]  # type: ignore[index]
            print(
                f"| {label}, {group.replace('_', ' ')} | {g['queries']} | {g['hit5']:.1%} | "
                f"{g['recall10']:.3f} |"
            )
    for group in ("tuned", "held_out"):
        missed = after[group]["misses"]  # type: ignore[index]
        if missed:
            print(f"\nMissed at 5 ({group.replace('_', ' ')}): {', '.join(missed)}.")
    print(
        f"\n| speed | figure |\n|---|---|\n"
        f"| `precert search WORDS` in a fresh process (bytecode cached), median of {RUNS} "
        f"({', '.join(CLI_QUERIES)}) | {wall:.0f} ms wall, {cpu:.0f} ms CPU |\n"
        f"| for comparison, `precert check E0466` in a fresh process | {check_wall:.0f} ms wall, "
        f"{check_cpu:.0f} ms CPU |\n"
        f"| for comparison, a bare `python -c pass` (how loaded the machine was) | "
        f"{python_wall:.0f} ms wall, {python_cpu:.0f} ms CPU |\n"
        f"| the page's word search, server time (Server-Timing), each of the {page['queries']:.0f} "
        f"relevance queries asked the first time | median {page['cold_median']:.1f} ms, "
        f"p95 {page['cold_p95']:.1f} ms (CPU per request, client included: median "
        f"{page['cold_cpu_median']:.1f} ms) |\n"
        f"| the same, asked again (ranked codes remembered) | median "
        f"{page['warm_median']:.1f} ms |\n"
        f"| building the CMS set's search index (8,463 codes, FTS5), median of 5 | "
        f"{index * 1000:.0f} ms wall, {index_cpu * 1000:.0f} ms CPU |\n"
        f"| first run: build the database and search, fresh process | {first:.2f} s |"
    )
    print(
        "\nTargets (issue 11), judged on CPU time (wall time on this shared 2-core machine "
        "swings with other users' load; the load average is below): the page's search "
        f"≤ 20 ms server time ({'met' if page['cold_cpu_median'] <= 20 else 'missed'}: "
        f"{page['cold_cpu_median']:.1f} ms CPU at the median, client included), the index "
        f"build ≤ 0.5 s ({'met' if index_cpu <= 0.5 else 'missed'}: {index_cpu * 1000:.0f} ms), "
        f"`precert search` in a fresh process ≤ 150 ms ({'met' if cpu <= 150 else 'missed'}: "
        f"{cpu:.0f} ms, of which the command line's start-up, as `precert check` shows, takes "
        f"{check_cpu:.0f} ms; search itself adds {cpu - check_cpu:.0f} ms)."
    )


if __name__ == "__main__":
    main()
