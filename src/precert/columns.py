"""Order files: which column holds the codes, and the columns precert adds to every row.

The batch screener (`precert batch`) and the staff page's upload both call this module, so a
file gets the same code column and the same added columns (``pa_code`` … ``pa_source``, with
the same values) at either door; they can no longer disagree. Pure: headers and answers in,
names and cells out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from precert.codes import CODE_HELP
from precert.models import Determination, Status

# Header spellings seen in order and claim exports, compared after folding case and dropping
# everything but letters and digits ("CPT® Code" -> "cptcode"). Earlier entries win when a file
# has several ("HCPCS" over "Code"); the generic ones ("item", "product") come last.
CODE_HEADERS = (
    "hcpcs",
    "hcpc",
    "hcpcscode",
    "hcpccode",
    "hcpcscd",
    "hcpcsii",
    "hcpcslevelii",
    "hcpcslevel2",
    "cpt",
    "cptcode",
    "cpthcpcs",
    "cpthcpcscode",
    "hcpcscpt",
    "hcpcscptcode",
    "code",
    "procedurecode",
    "procedure",
    "proccode",
    "proccd",
    "procedurecd",
    "itemcode",
    "billingcode",
    "servicecode",
    "linecode",
    "productcode",
    "cptcodes",
    "hcpcscodes",
    "codes",
    "item",
)

ANSWER_COLUMNS = (
    "pa_code",
    "pa_modifiers",
    "pa_status",
    "pa_submit_to",
    "pa_notes",
    "pa_warnings",
    "pa_source",
)
"""The columns added to every row, in order: normalized code, modifiers, status, where to send
the request (name, phone, fax), notes, warnings, and the cited sources."""
NOTE_BLANK = "No code in this cell."
NOTE_NOT_A_CODE = "Not a code: " + CODE_HELP + "."


def fold(header: str) -> str:
    """A header reduced to lower-case letters and digits, for matching."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def code_column(headers: Sequence[str]) -> int | None:
    """Index of the best-known code header (the first such column), or None."""
    folded: dict[str, int] = {}
    for index, header in enumerate(headers):
        folded.setdefault(fold(header), index)
    for candidate in CODE_HEADERS:
        if candidate in folded:
            return folded[candidate]
    return None


def named_column(headers: Sequence[str], wanted: str) -> int | None:
    """Index of the column a user named: exactly, else ignoring case, else ignoring case and
    punctuation ("hcpcs code" finds "HCPCS_Code"); None when no single column matches."""
    if wanted in headers:
        return list(headers).index(wanted)
    for same in (lambda h: h.lower() == wanted.lower(), lambda h: fold(h) == fold(wanted)):
        matches = [i for i, h in enumerate(headers) if fold(wanted) and same(h)]
        if len(matches) == 1:
            return matches[0]
    return None


def answer_columns_present(headers: Sequence[str]) -> list[str]:
    """The headers that are already precert's added columns (a screened file screened again)."""
    names = set(ANSWER_COLUMNS)
    return [h for h in headers if h.lower() in names]


def answer_cells(answer: Determination) -> tuple[str | None, ...]:
    """The added columns' cells for one answer (None: empty), in ANSWER_COLUMNS order."""
    notes = " | ".join(answer.notes) or None
    if answer.status is Status.INVALID and notes is None:
        notes = NOTE_NOT_A_CODE if answer.query.strip() else NOTE_BLANK
    return (
        answer.code,
        " ".join(answer.modifiers) or None,
        answer.status.value,
        answer.submit_to.describe() if answer.submit_to is not None else None,
        notes,
        " | ".join(answer.warnings) or None,
        "; ".join(s.cite() for s in answer.sources) or None,
    )
