"""Read a profile's TOML file (and the state-routing table it names): the profiles' only I/O."""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

from precert.models import Contact
from precert.profiles.model import Profile, ProfileError, StateContact
from precert.profiles.parse import profile_from_dict

BUNDLED_DIR = Path(__file__).parent / "bundled"
_STATE_COLUMNS = ("jurisdiction", "contractor", "web", "states_and_territories")


def bundled_names() -> list[str]:
    """The bundled profiles by name (file stem), e.g. ``cigna-commercial-dme``."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml"))


def find_profile(name_or_path: str | Path) -> Path:
    """A profile file: a path, or the name of a bundled profile."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return path
    bundled = BUNDLED_DIR / f"{name_or_path}.toml"
    if bundled.exists():
        return bundled
    raise ProfileError(
        str(name_or_path),
        None,
        f"no such profile file, and no bundled profile of that name "
        f"(bundled: {', '.join(bundled_names())})",
    )


def load_profile(name_or_path: str | Path) -> Profile:
    """Read and check a profile file (or a bundled profile by name)."""
    path = find_profile(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(str(path), None, f"cannot read file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError:
        raise ProfileError(str(path), None, "not UTF-8 text (expected a TOML profile)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(str(path), None, f"not valid TOML ({exc})") from None
    by_state: tuple[StateContact, ...] = ()
    contacts = data.get("contacts")
    if isinstance(contacts, dict) and isinstance(contacts.get("by_state"), str):
        by_state = read_state_table(path.parent / contacts["by_state"], str(path))
    return profile_from_dict(data, path.name if path.parent == BUNDLED_DIR else str(path), by_state)


def read_state_table(path: Path, where: str) -> tuple[StateContact, ...]:
    """A TSV of jurisdiction, contractor, web, states_and_territories (space separated)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(
            where, "contacts.by_state", f"cannot read {path}: {exc.strerror or exc}"
        ) from exc
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    if not rows or tuple(c.strip() for c in rows[0]) != _STATE_COLUMNS:
        raise ProfileError(
            f"{path.name}:1",
            "contacts.by_state",
            f"expected the columns {', '.join(_STATE_COLUMNS)}",
        )
    out: list[StateContact] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(_STATE_COLUMNS) or not row[3].split():
            raise ProfileError(
                f"{path.name}:{number}",
                "contacts.by_state",
                f"expected {len(_STATE_COLUMNS)} tab-separated cells with states, found {row!r}",
            )
        jurisdiction, contractor, web, states = (c.strip() for c in row)
        label = f"Jurisdiction {jurisdiction}"
        out.append(
            StateContact(
                Contact(
                    f"{contractor} ({label})",
                    url=web or None,
                    states=tuple(states.split()),
                    label=label,
                ),
                tuple(states.split()),
                label,
            )
        )
    return tuple(out)
