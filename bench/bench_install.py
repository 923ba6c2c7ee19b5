"""Issue 10 figures: what `make serve` and `make test` install on a fresh machine.

Each measurement clones the committed tree (HEAD) into a temporary folder and runs the
Makefile's install step there with an EMPTY uv cache and no pip cache, so every package comes
from PyPI as on a fresh machine: `make .venv/.serve-synced` (what `make serve` runs before
starting the server) and `make .venv/.synced` (what `make test` runs before the suite).
Then `make .venv/.serve-synced` once more in the full environment, to show it uninstalls
nothing, and `pip install '.[web]'` into a plain venv. Needs network access to PyPI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def size_mb(path: Path) -> float:
    """Disk use of a tree in MB (as `du` counts it)."""
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0]) / 1024


def distributions(venv: Path) -> int:
    """How many distributions a venv holds."""
    return sum(1 for _ in venv.glob("lib/python*/site-packages/*.dist-info"))


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run a command to completion; its wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def fresh_install(target: str, work: Path) -> tuple[float, float, int, Path]:
    """Clone HEAD and run one install target with empty caches."""
    clone = work / target.replace("/", "_")
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    cache = work / f"cache-{clone.name}"
    env = {**os.environ, "UV_CACHE_DIR": str(cache), "PIP_NO_CACHE_DIR": "1"}
    env.pop("VIRTUAL_ENV", None)
    seconds = timed(["make", target], clone, env)
    venv = clone / ".venv"
    return seconds, size_mb(venv), distributions(venv), clone


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        serve_s, serve_mb, serve_n, _ = fresh_install(".venv/.serve-synced", work)
        test_s, test_mb, test_n, full = fresh_install(".venv/.synced", work)
        env = {**os.environ, "UV_CACHE_DIR": str(work / "cache-again")}
        again_s = timed(["make", ".venv/.serve-synced"], full, env)
        again_n = distributions(full / ".venv")
        pip_venv = work / "pip-venv"
        subprocess.run([sys.executable, "-m", "venv", str(pip_venv)], check=True)
        pip_s = timed(
            [str(pip_venv / "bin" / "pip"), "install", "-q", f"{ROOT}[web]"],
            work,
            {**os.environ, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )
        pip_mb, pip_n = size_mb(pip_venv), distributions(pip_venv)
        shutil.rmtree(work, ignore_errors=True)
    print("## Installing: `make serve` against `make test` from an empty package cache (issue 10)")
    print()
    print("```sh\n.venv/bin/python bench/run_all.py bench_install\n```")
    print()
    print(__doc__.split("\n\n", 1)[1].strip().replace("\n", " "))
    print(
        " Times include installing uv into `.tools/` with pip, downloading every wheel and "
        "compiling bytecode (`UV_COMPILE_BYTECODE=1`); sizes are `du` of `.venv`."
    )
    print()
    print("| Step | Wall time | `.venv` size | Distributions | Target (issue 10) | Met |")
    print("|---|---|---|---|---|---|")
    print(
        f"| `make serve` (package + `web` extra) | {serve_s:.0f} s | {serve_mb:.0f} MB | "
        f"{serve_n} | ≤ 250 MB | {'yes' if serve_mb <= 250 else 'no'} |"
    )
    print(
        f"| `make test` (every extra + dev group) | {test_s:.0f} s | {test_mb:.0f} MB | "
        f"{test_n} | — | — |"
    )
    print(
        f"| `make serve` after `make test` (`--inexact`) | {again_s:.1f} s | — | {again_n} "
        f"(kept all {test_n}) | uninstalls nothing | {'yes' if again_n == test_n else 'no'} |"
    )
    print(
        f"| `pip install '.[web]'` in a plain venv | {pip_s:.0f} s | {pip_mb:.0f} MB (venv) | "
        f"{pip_n} | working `precert serve` | see tests/cli/test_serve_needs.py |"
    )


if __name__ == "__main__":
    main()
