"""XLSX input for the engines: the first sheet as Parquet, read by `precert.ordersheet`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from precert.batch.inputs import PARQUET, XLSX, InputFile
from precert.ordersheet import convert


def to_parquet(source: InputFile, workdir: Path) -> InputFile:
    """Convert the sheet, keeping each column's cell type where the column has only one."""
    target = workdir / "input-xlsx.parquet"
    convert(source.path, source.name, target, PARQUET)
    return replace(source, path=target, format=PARQUET, original=source.path, converted_from=XLSX)
