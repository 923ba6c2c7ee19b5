"""CSV exports that a spreadsheet opens safely: every cell goes through `precert.csvsafe`."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from precert.csvsafe import FORMULA_STARTS, safe_cell, to_csv
from precert.models import Determination, Entry

__all__ = [
    "DETERMINATION_COLUMNS",
    "ENTRY_COLUMNS",
    "FORMULA_STARTS",
    "csv_response",
    "determination_row",
    "entry_dict",
    "entry_row",
    "safe_cell",
    "to_csv",
]

DETERMINATION_COLUMNS = (
    "query", "code", "modifiers", "status", "status_label", "submit_to", "phone", "fax",
    "description", "category", "notes", "warnings", "message", "effective", "cms_description",
    "cms_terminated", "sources", "payer", "line_of_business", "date", "more_info",
)  # fmt: skip

ENTRY_COLUMNS = (
    "list", "version", "table", "page", "line", "code", "status", "status_raw", "category",
    "category_raw", "description", "description_raw", "product", "platform", "notation",
    "states",
)  # fmt: skip


def csv_response(text: str, filename: str) -> Response:
    """A download of CSV text (UTF-8 with BOM so Excel reads accents right)."""
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def determination_row(answer: Determination) -> list[Any]:
    """One answer as a row of DETERMINATION_COLUMNS."""
    contact = answer.submit_to
    hcpcs = answer.hcpcs
    return [
        answer.query,
        answer.code,
        " ".join(answer.modifiers),
        answer.status.value,
        answer.status.label,
        contact.name if contact else "",
        (contact.phone or "") if contact else "",
        (contact.fax or "") if contact else "",
        answer.description,
        answer.category,
        " | ".join(answer.notes),
        " | ".join(answer.warnings),
        answer.message or "",
        answer.effective.isoformat() if answer.effective else "",
        hcpcs.long_description if hcpcs else "",
        hcpcs.terminated.isoformat() if hcpcs and hcpcs.terminated else "",
        " | ".join(s.cite() for s in answer.sources),
        answer.payer,
        answer.line_of_business,
        answer.date.isoformat() if answer.date else "",
        # "Outside this program" / "Not on the list": the payer's wider list or policy page.
        answer.more_info.url if answer.more_info is not None else "",
    ]


def entry_row(entry: Entry) -> list[Any]:
    """One published row as a row of ENTRY_COLUMNS."""
    return [
        entry.list_id, entry.version, entry.table, entry.page, entry.line, entry.code,
        entry.status.value, entry.status_raw, entry.category, entry.category_raw,
        entry.description, entry.description_raw, entry.product, entry.platform, entry.notation,
        " ".join(entry.states),  # the row is for members of these states only ('': all)
    ]  # fmt: skip


def entry_dict(entry: Entry) -> dict[str, Any]:
    """One published row as JSON: citation, clean and raw values, the cells as printed."""
    return {
        **entry.source.to_dict(),
        "code": entry.code,
        "status": entry.status.value,
        "status_raw": entry.status_raw,
        "category": entry.category,
        "category_raw": entry.category_raw,
        "description": entry.description,
        "description_raw": entry.description_raw,
        "product": entry.product,
        "platform": entry.platform,
        "notation": entry.notation,
        "states": list(entry.states),  # the row is for members of these states only ([]: all)
        "published": dict(zip(entry.columns, entry.raw, strict=True)),
    }
