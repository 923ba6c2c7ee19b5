"""The committed HTML and PDF list fixtures are what build_fixtures.py makes from the real
Medicare rows today (a changed TSV or script without rebuilt fixtures fails here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.readers.real_files import FIXTURES

from precert.readers import read_grid


def test_rebuilding_gives_the_committed_fixtures(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_fixtures", FIXTURES / "build_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == sorted(p.name for p in FIXTURES.iterdir() if p.suffix in (".html", ".pdf"))
    for name in built:
        if name.endswith(".html"):
            assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name
        else:  # a PDF: the same tables, rows, pages and lines (bytes may differ by library)
            rebuilt, committed = read_grid(tmp_path / name), read_grid(FIXTURES / name)
            assert [(t.titles, list(t.rows)) for t in rebuilt.tables] == [
                (t.titles, list(t.rows)) for t in committed.tables
            ], name
