"""Lint a loaded list version or a list file through the service (the checks themselves are
pure, in :mod:`precert.lint`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from precert.lint import LintReport, lint_entries
from precert.models import Entry

if TYPE_CHECKING:
    from precert.profiles import Profile
    from precert.service import Precert


def lint_version(
    service: Precert,
    list_id: str,
    version: str | None = None,
    *,
    date: dt.date | None = None,
) -> LintReport:
    """Lint one version of a loaded list (default: the newest to take effect)."""
    from precert.versioning import VersionError, chronological, list_versions

    versions = list_versions(service, list_id)
    if version is None:
        chosen = chronological(versions)[-1]
    else:
        match = [v for v in versions if v.version == version]
        if not match:
            have = ", ".join(v.version for v in versions)
            raise VersionError(f"{list_id} has no version {version!r}; it has {have}")
        chosen = match[0]
    entries = service.store.entries(versions=[(list_id, chosen.version)])
    return _report(
        service,
        f"{list_id} {chosen.version}",
        chosen.source_name,
        entries,
        date,
        list_id,
        chosen.version,
        chosen.policy.lint_scope(),
    )


def lint_file(
    service: Precert,
    path: str | Path,
    *,
    date: dt.date | None = None,
    profile: Profile | str | Path | None = None,
    list_id: str | None = None,
) -> LintReport:
    """Lint a list file (read as `precert import` reads it) without importing it."""
    from precert.importer import ImportFailed, entry_of, policy_of
    from precert.profiles import Profile as ProfileType
    from precert.profiles import RowError, load_profile

    scope: tuple[str, ...] = ()
    if profile is not None:
        profile = profile if isinstance(profile, ProfileType) else load_profile(profile)
        scope = policy_of(profile).lint_scope()
    entries: list[Entry] = []
    errors: list[RowError] = []
    for item in service.dry_run(path, list_id=list_id or "file", profile=profile):
        if isinstance(item, RowError):
            errors.append(item)
        else:
            entries.append(entry_of(item, "file", "file"))
    if errors:
        raise ImportFailed(errors)
    name = Path(path).name
    return _report(service, name, name, entries, date, scope=scope)


def _report(
    service: Precert,
    target: str,
    source_name: str,
    entries: Sequence[Entry],
    date: dt.date | None,
    list_id: str | None = None,
    version: str | None = None,
    scope: tuple[str, ...] = (),
) -> LintReport:
    when = date or dt.date.today()
    hcpcs = service.store.hcpcs({e.code for e in entries})
    findings = lint_entries(entries, hcpcs, date=when, scope=scope)
    return LintReport(target, source_name, len(entries), tuple(findings), when, list_id, version)
