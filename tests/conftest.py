"""Shared fixtures: a fresh database per test, copied from one built from the bundled files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from precert.service import BUNDLED_LIST, DB_NAME, Precert

REPO = Path(__file__).resolve().parents[1]
PUBLISHED = BUNDLED_LIST  # the real Cigna document, exactly as shipped


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database built the way first use builds it (bundled list + CMS file)."""
    home = tmp_path_factory.mktemp("template")
    service = Precert(home)
    _ = service.store
    service.close()
    return home / DB_NAME


@pytest.fixture
def home(tmp_path: Path, built_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh PRECERT_HOME holding its own copy of the built database."""
    target = tmp_path / "home"
    target.mkdir()
    shutil.copy(built_db, target / DB_NAME)
    monkeypatch.setenv("PRECERT_HOME", str(target))
    import precert.service

    monkeypatch.setattr(precert.service, "_default", None)
    return target


@pytest.fixture
def service(home: Path) -> Iterator[Precert]:
    """A service over a fresh database."""
    svc = Precert(home)
    yield svc
    svc.close()
