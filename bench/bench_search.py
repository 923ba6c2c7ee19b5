"""Search figures (issue 11): relevance on everyday intake queries, speed, index build time.

Prints one Markdown section for docs/benchmarks.md.
Usage: python bench/bench_search.py [--baseline COMMIT ... | --no-baseline] [--relevance-only]
                                    [--hide-blind]
  --baseline COMMIT  also score the search of an older commit (its src/ taken with git archive)
                     on the same relevance sets, for a "before" column (repeatable; default:
                     the commit before issue 11 and the one before the second held-out set,
                     when the clone has them)
  --relevance-only   only the relevance table (quick, while changing the ranking)
  --hide-blind       leave out the misses of the second set's blind half (while changing
                     the ranking: reading them would make it tuned, not blind)
       python bench/bench_search.py --relevance SRC HOME [--hide-blind]  (internal)
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
HELDOUT = ROOT / "tests" / "search_heldout.toml"
THIRD = ROOT / "tests" / "search_heldout_third.toml"
RUNS = 21
BASELINES = {
    "b48a8c3": "before issue 11 (words inside the loaded list only)",
    "8966e11": "before the second held-out set",
    "2d60fed": "blind half first scored",
    "78db149": "third set first scored",
}
CLI_QUERIES = ["cane", "CPAP mask", "hospital bed", "wheelchiar cushion", "hoyer lift", "AFO"]


def _has_commit(commit: str) -> bool:
    found = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", commit + "^{commit}"],
        capture_output=True,
        check=False,
    )
    return found.returncode == 0


def relevance(src: Path, home: Path, hide_blind: bool = False) -> dict[str, dict[str, object]]:
    """hit@5 and mean recall@10 of the search in ``src`` (a checkout's src/ folder)."""
    blind = ["--hide-blind"] if hide_blind else []
    out = subprocess.run(
        [sys.executable, __file__, "--relevance", str(src), str(home), *blind],
        env={**os.environ, "PYTHONPATH": str(src), "PRECERT_HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, dict[str, object]] = json.loads(out.stdout)
    return result


GROUPS = ("tuned", "held_out", "new_inspected", "new_blind", "third")
GROUP_NAMES = {
    "all": "all",
    "tuned": "tuned (60)",
    "held_out": "first held-out set (13)",
    "new": "second held-out set",
    "new_inspected": "second set, inspected half",
    "new_blind": "second set, blind half",
    "third": "third held-out set",
}


def relevance_sets() -> dict[str, list[dict[str, object]]]:
    """The relevance queries by group: tuned on, the first held-out set, and the second
    held-out set (tests/search_heldout.toml) in its inspected and blind halves."""
    first = tomllib.loads(RELEVANCE.read_text())["query"]
    second = tomllib.loads(HELDOUT.read_text())["query"]
    third = tomllib.loads(THIRD.read_text())["query"] if THIRD.exists() else []
    sets = {
        "tuned": [q for q in first if not q.get("held_out")],
        "held_out": [q for q in first if q.get("held_out")],
        "new_inspected": [q for q in second if not q.get("blind")],
        "new_blind": [q for q in second if q.get("blind")],
    }
    sets["new"] = sets["new_inspected"] + sets["new_blind"]
    sets["third"] = third
    sets["all"] = first + second + third
    return sets


def _score(home: Path, hide_blind: bool) -> None:
    """(internal) Score the importable precert on the relevance sets; print JSON."""
    from precert.service import Precert

    service = Precert(home)
    groups: dict[str, dict[str, object]] = {}
    for name, chosen in relevance_sets().items():
        hits, recall, misses = 0, 0.0, []
        for query in chosen:
            right = {str(c) for c in query["right"]}  # type: ignore[attr-defined]
            answers = service.search(str(query["text"]), limit=10).hits
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
            # The blind half's misses stay unread while tuning (--hide-blind).
            "misses": [] if hide_blind and "blind" in name else misses,
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


def cli_times(home: Path, command: str = "search", *options: str) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `precert search` (or `check`) in a fresh process,
    with bytecode caches as an installed package has them (PYTHONDONTWRITEBYTECODE, which
    some shells set, would recompile every module in every run; the warm-up runs write them).
    ``options`` go before the words (``--format table``: the table a terminal gets).
    bench/bench_core.py times the same queries in the same turn."""
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
            [*argv, command, *options, *words] if command != "python" else argv,
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
    texts = [str(q["text"]) for q in relevance_sets()["all"]]
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


def relevance_table(
    after: dict[str, dict[str, object]], before: list[tuple[str, dict[str, dict[str, object]]]]
) -> None:
    """The Markdown table of hit@5 / recall@10 per group, one column pair per search version,
    and the queries the current search misses at 5."""
    versions = [*before, ("after", after)]
    heads = " | ".join(f"{label}: hit@5 | recall@10" for label, _ in versions)
    print(f"| queries | n | {heads} |")
    print("|---|---|" + "---|---|" * len(versions))
    for group in ("tuned", "held_out", "new", "new_inspected", "new_blind", "third", "all"):
        cells = " | ".join(
            f"{r[group]['hit5']:.1%} | {r[group]['recall10']:.3f}" for _, r in versions
        )
        print(f"| {GROUP_NAMES[group]} | {after[group]['queries']} | {cells} |")
    for group in GROUPS:
        missed = after[group]["misses"]
        if isinstance(missed, list) and missed:
            print(f"\nMissed at 5 ({GROUP_NAMES[group]}): {', '.join(map(str, missed))}.")


def main() -> None:
    hide_blind = "--hide-blind" in sys.argv
    if sys.argv[1:2] == ["--relevance"]:
        _score(Path(sys.argv[3]), hide_blind)
        return
    asked = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--baseline"]
    baselines = asked or ([] if "--no-baseline" in sys.argv else list(BASELINES))
    baselines = [c for c in baselines if _has_commit(c)]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        first = first_run_seconds(home)
        after = relevance(ROOT / "src", home, hide_blind)
        before = [
            (
                f"`{commit}` {BASELINES.get(commit, '')}".strip(),
                relevance(baseline_src(commit, Path(tmp) / commit), Path(tmp) / f"home-{commit}"),
            )
            for commit in baselines
        ]
        if "--relevance-only" in sys.argv:
            relevance_table(after, before)
            return
        wall, cpu = cli_times(home)
        table_wall, table_cpu = cli_times(home, "search", "--format", "table")
        check_wall, check_cpu = cli_times(home, "check")
        python_wall, python_cpu = cli_times(home, "python")
        page = page_times(home)
        index, index_cpu = index_build_seconds(home)
    n = after["all"]["queries"]
    print("## Search (issue 11)\n")
    command = "python bench/bench_search.py" + "".join(f" --baseline {c}" for c in baselines)
    print(
        f"`{command}`: {n} everyday DME intake queries (devices, supplies, abbreviations and "
        "slang, misspellings, word-order variants), each with the HCPCS codes any of which is "
        "right, looked up in the CMS file. hit@5: a right code in the first five results; "
        "recall@10: the share of the right codes (at most 10) in the first ten. "
        "`tests/search_relevance.toml` holds the queries the ranking and vocabulary were tuned "
        "on and a first held-out set (13, written after that tuning); "
        "`tests/search_heldout.toml` a second held-out set, written and measured before any "
        "change for it (`8966e11`). Changes after it were made looking only at the misses of "
        "its inspected half, until the blind half was first scored (`2d60fed`): that column "
        "says whether they generalise. Later changes were made after reading the blind "
        "half's misses too, so from there on it is no longer blind. "
        "`tests/search_heldout_third.toml` is a third set, written after those changes and "
        "committed before it was scored (`78db149`); two changes followed it, made after "
        "reading its misses (an abbreviation CMS's short descriptions use is not read as an "
        "acronym: pwc; the vocabulary's neb kit, with wrist splint, the first held-out set's "
        "one miss), so the after column is no longer blind for either set.\n"
    )
    relevance_table(after, before)
    print(
        f"\n| speed | figure |\n|---|---|\n"
        f"| `precert search WORDS` in a fresh process (bytecode cached, output piped), median "
        f"of {RUNS} ({', '.join(CLI_QUERIES)}, in turn) | {wall:.0f} ms wall, {cpu:.0f} ms CPU |\n"
        f"| `precert search --format table WORDS`, the table a terminal gets, the same queries "
        f"| {table_wall:.0f} ms wall, {table_cpu:.0f} ms CPU |\n"
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
        f"`precert search` in a fresh process ≤ 150 ms "
        f"({'met' if max(cpu, table_cpu) <= 150 else 'missed'}: {cpu:.0f} ms piped, "
        f"{table_cpu:.0f} ms at a terminal; the command line's start-up, as `precert check` "
        f"shows, takes {check_cpu:.0f} ms, so search itself adds {cpu - check_cpu:.0f} ms)."
    )


if __name__ == "__main__":
    main()
