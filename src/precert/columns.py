"""Order files: which column holds the codes, and the columns precert adds to every row.

The batch screener (`precert batch`) and the staff page's upload both call this module, so a
file gets the same code column and the same added columns (``pa_code`` … ``pa_source``, with
the same values) at either door; they can no longer disagree. Pure: headers and answers in,
names and cells out.

Answered for every loaded payer at once (``precert batch --payer all``, the upload's "all
payers"), a row gets ``pa_code`` and ``pa_modifiers`` once, then each payer's five answer
columns named after it: ``pa_status_cigna_commercial`` … ``pa_more_info_medicare_ffs``
(`payer_column_names`; the suffix is the payer and line of business, lower case, letters and
digits joined by ``_``).
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
    "pa_more_info",
)
"""The columns added to every row, in order: normalized code, modifiers, status, where to send
the request (name, phone, fax), notes, warnings, the cited sources, and for "out of scope" and
"not listed" the payer's wider precertification list or policy page (the answer's
``more_info``, where the list's profile names one)."""
NOTE_BLANK = "No code in this cell."
NOTE_NOT_A_CODE = "Not a code: " + CODE_HELP + "."


SHARED_COLUMNS = ANSWER_COLUMNS[:2]
"""With one set of columns per payer: the columns every payer shares (the code as read)."""
PAYER_COLUMNS = ANSWER_COLUMNS[2:]
"""With one set of columns per payer: each payer's own columns, suffixed with its name."""
_ADDED = re.compile(
    "pa_(" + "|".join(c.removeprefix("pa_") for c in ANSWER_COLUMNS) + r")(_[a-z0-9_]+)?"
)

# Order and claim exports have tens of columns, a few hundred at most; a header of tens of
# thousands is not one, and would cost minutes and gigabytes to plan for.
MAX_COLUMNS = 2_000

# Headers of the other columns an order line may carry, folded as for CODE_HEADERS. The upload
# uses them when present; `precert batch` takes them from --date-column, --payer-column …
DATE_HEADERS = (
    "dateofservice",
    "dos",
    "servicedate",
    "dateofservicefrom",
    "servicefromdate",
    "fromdateofservice",
    "dosfrom",
    "fromdos",
    "linedos",
    "datesofservice",
)
# Only headers that name the payer itself: a "Plan" or "Insurance" column more often holds a
# plan's name ("Open Access Plus"), which names no loaded list and would leave every line
# unanswered.
PAYER_HEADERS = (
    "payer",
    "payername",
    "payor",
    "payorname",
    "insurer",
    "primarypayer",
    "primarypayor",
)
LOB_HEADERS = ("lineofbusiness", "lob", "businessline")
STATE_HEADERS = ("memberstate", "patientstate", "beneficiarystate", "state")


def fold(header: str) -> str:
    """A header reduced to lower-case letters and digits, for matching."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def code_column(headers: Sequence[str]) -> int | None:
    """Index of the best-known code header (the first such column), or None."""
    return known_column(headers, CODE_HEADERS)


def known_column(headers: Sequence[str], candidates: Sequence[str]) -> int | None:
    """Index of the first header among ``candidates`` (folded spellings, best first), or None."""
    folded: dict[str, int] = {}
    for index, header in enumerate(headers):
        folded.setdefault(fold(header), index)
    for candidate in candidates:
        if candidate in folded:
            return folded[candidate]
    return None


def scope_label(payer: str, line_of_business: str) -> str:
    """How a payer and line of business are named to people: ``Cigna / Commercial``."""
    return f"{payer} / {line_of_business}" if line_of_business else payer


def scope_suffix(payer: str, line_of_business: str) -> str:
    """The suffix of a payer's columns: ``cigna_commercial`` (letters and digits only)."""
    return re.sub(r"[^a-z0-9]+", "_", f"{payer} {line_of_business}".lower()).strip("_") or "payer"


def payer_column_names(scopes: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """The added columns when each row is answered for every one of ``scopes`` (payer, line of
    business): the shared ones, then each payer's, in the order given. Two payers whose names
    fold alike get ``_2``, ``_3`` … after the later one's suffix."""
    names = list(SHARED_COLUMNS)
    used: set[str] = set()
    for payer, lob in scopes:
        suffix = base = scope_suffix(payer, lob)
        n = 1
        while suffix in used:
            n += 1
            suffix = f"{base}_{n}"
        used.add(suffix)
        names += [f"{column}_{suffix}" for column in PAYER_COLUMNS]
    return tuple(names)


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
    """The headers that are already precert's added columns (a screened file screened again),
    one set or one per payer."""
    return [h for h in headers if _ADDED.fullmatch(h.lower())]


def invalid_cells(note: str | None, warning: str | None) -> tuple[str | None, ...]:
    """The added columns' cells for a line that gets no answer (status ``invalid``, the note and
    warning that say why), in ANSWER_COLUMNS order."""
    cells: dict[str, str | None] = dict.fromkeys(ANSWER_COLUMNS)
    cells.update(pa_status=Status.INVALID.value, pa_notes=note, pa_warnings=warning)
    return tuple(cells.values())


def with_warning(cells: tuple[str | None, ...], warning: str) -> tuple[str | None, ...]:
    """``cells`` (in ANSWER_COLUMNS order) with ``warning`` added to their warnings."""
    at = ANSWER_COLUMNS.index("pa_warnings")
    before = cells[at]
    return (*cells[:at], f"{before} | {warning}" if before else warning, *cells[at + 1 :])


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
        answer.more_info.url if answer.more_info is not None else None,
    )
