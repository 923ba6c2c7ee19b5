"""A Rich progress line on stderr (rows done, rate, elapsed) for long runs on a terminal."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any


class RichProgress:
    """Rows done and rows per second; shown only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("[bold]{task.completed:,.0f}[/] rows"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            transient=True,
        )
        self._task: Any = self._progress.add_task(label, total=None, rate="")
        self._started = time.perf_counter()

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, rows: int, fraction: float | None = None, stage: str = "") -> None:
        """Rows written so far."""
        elapsed = time.perf_counter() - self._started
        rate = f"{rows / elapsed:,.0f} rows/s" if elapsed > 0 else ""
        fields: dict[str, Any] = {"completed": rows, "rate": rate}
        if stage:
            fields["description"] = stage
        self._progress.update(self._task, **fields)


def wanted() -> bool:
    """Show progress only on a terminal (never in pipes, logs or CI)."""
    return sys.stderr.isatty()
