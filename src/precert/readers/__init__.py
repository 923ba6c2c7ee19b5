"""Adapters that read published files (list text layout, CMS HCPCS file) into plain rows."""

from __future__ import annotations

from pathlib import Path


class ReaderError(ValueError):
    """A file could not be read: names the file, the line (when known) and what was expected."""

    def __init__(self, file: str | Path, line: int | None, message: str) -> None:
        self.file = str(file)
        self.line = line
        self.message = message
        where = f"{self.file}:{line}" if line is not None else self.file
        super().__init__(f"{where}: {message}")
