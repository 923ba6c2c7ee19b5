"""The staff page with Cigna's and Medicare's lists in a real browser (Debian's Chromium driven
by Playwright against `precert serve`): the payer selector, the all-payers table at desktop and
phone width, print and copy as text. One server and one browser for the module."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from precert.models import Determination, Status
from precert.service import DB_NAME, Precert
from precert.web.common import where_to_send

from .conftest import free_port, shot, start_server, stop_server

pytestmark = pytest.mark.browser

PASTED = "E0466, k0856-rr; L5856 A4239 E0100 K0553"
CODES = ["E0466", "K0856", "L5856", "A4239", "E0100", "K0553"]
CIGNA_MORE = "https://www.cigna.com/health-care-providers/coverage-and-claims/precertification"


@pytest.fixture(scope="module")
def live_server(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`precert serve` over the bundled lists: Cigna's DME list and Medicare's DMEPOS list."""
    home = tmp_path_factory.mktemp("payers-home")
    shutil.copy(built_db, home / DB_NAME)
    service = Precert(home)
    assert {s.payer for s in service.scopes()} == {"Cigna", "Medicare"}
    service.close()
    port = free_port()
    process = start_server(home, port)
    yield f"http://127.0.0.1:{port}"
    stop_server(process)


def _watch(tab: Page) -> list[str]:
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


@pytest.fixture
def context(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    """A desktop-sized context (1280 px) that may read and write the clipboard."""
    ctx = browser.new_context(
        base_url=live_server,
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A fresh tab; the test fails on any script error in it."""
    tab = context.new_page()
    errors = _watch(tab)
    yield tab
    assert not errors, errors


def grid_cell(page: Page, code: str, payer: str) -> Locator:
    """The all-payers table's cell of ``code`` for ``payer``."""
    return page.locator(f'#grid tr[data-row="{code}"] td[data-payer="{payer}"]')


def clipboard(page: Page) -> str:
    text: str = page.evaluate("navigator.clipboard.readText()")
    return text


def test_the_payer_selector_all_payers_one_payer_and_the_members_state(page: Page) -> None:
    page.goto("/?q=K0856")
    # All payers by default: one row, a column per payer.
    expect(page.locator("#payer")).to_have_value("")
    expect(page.locator("#grid thead th")).to_have_text(
        ["Code", "Cigna Commercial", "Medicare FFS"]
    )
    expect(grid_cell(page, "K0856", "Cigna").locator("summary .badge")).to_have_text("Required")
    expect(grid_cell(page, "K0856", "Medicare")).to_contain_text("The DME MAC of the beneficiary")
    # Medicare alone: today's cards, routed by the member's state once it is given.
    page.locator("#payer").select_option("Medicare")
    expect(page).to_have_url(re.compile(r"payer=Medicare"))
    expect(page.locator("#grid")).to_have_count(0)
    answer = page.locator('article.answer[data-code="K0856"]')
    expect(answer).to_have_count(1)
    expect(answer.locator(".payer")).to_have_text("Medicare FFS")
    expect(answer).to_contain_text("Where to send it depends on the member's state")
    page.locator("#state").fill("TX")
    page.locator("#state").press("Enter")
    expect(page).to_have_url(re.compile(r"payer=Medicare.*state=TX"))
    expect(answer.locator(".submit-to")).to_contain_text("CGS Administrators (Jurisdiction C)")
    # The choice survives a reload: it is in the URL.
    page.reload()
    expect(page.locator("#payer")).to_have_value("Medicare")
    expect(page.locator("#state")).to_have_value("TX")
    expect(answer.locator(".submit-to")).to_contain_text("Jurisdiction C")
    # Cigna alone: eviCore, never a DME MAC.
    page.locator("#payer").select_option("Cigna")
    expect(page).to_have_url(re.compile(r"payer=Cigna"))
    expect(answer.locator(".payer")).to_have_text("Cigna Commercial")
    expect(answer.locator(".submit-to")).to_contain_text("eviCore healthcare")
    expect(page.locator("#results")).not_to_contain_text("Jurisdiction")
    # The choice is remembered for the session: the Search link starts with it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#payer")).to_have_value("Cigna")
    page.locator("#q").press_sequentially("K0856", delay=20)
    expect(answer.locator(".payer")).to_have_text("Cigna Commercial")
    expect(page.locator("#grid")).to_have_count(0)
    # A link that says nothing of the payer shows every payer, as it says.
    page.goto("/?q=K0856")
    expect(page.locator("#payer")).to_have_value("")
    expect(page.locator("#grid tbody tr")).to_have_count(1)
    # Back to all payers: the table again, and all payers remembered.
    page.goto("/?q=K0856&payer=Medicare")
    page.locator("#payer").select_option("")
    expect(page.locator("#grid tbody tr")).to_have_count(1)
    page.goto("/")
    expect(page.locator("#payer")).to_have_value("")


def test_the_all_payers_table_at_desktop_width(page: Page) -> None:
    page.goto("/?q=" + PASTED)
    expect(page.locator("#result-count")).to_have_text("6 codes × 2 payers (12 answers)")
    rows = page.locator("#grid tbody tr")
    expect(rows).to_have_count(6)
    assert [rows.nth(i).get_attribute("data-row") for i in range(6)] == CODES
    cigna = [grid_cell(page, c, "Cigna").locator("summary .badge").inner_text() for c in CODES]
    medicare = [
        grid_cell(page, c, "Medicare").locator("summary .badge").inner_text() for c in CODES
    ]
    assert cigna == [
        "Required", "Required", "Required", "Outside this program", "Not on the list", "Required",
    ]  # fmt: skip
    assert medicare == [
        "Not required", "Required", "Required", "Not required", "Not required", "Not required",
    ]  # fmt: skip
    # Each cell says where the request goes (or the next step) before it is opened.
    expect(grid_cell(page, "E0466", "Cigna").locator("summary")).to_contain_text("eviCore")
    expect(grid_cell(page, "E0100", "Cigna").locator("summary")).to_contain_text(
        "Next step: Cigna's precertification"
    )
    # A click opens the full answer: notes, sources, the next step's link.
    full = grid_cell(page, "E0100", "Cigna").locator("article.answer")
    expect(full).to_be_hidden()
    grid_cell(page, "E0100", "Cigna").locator("summary").click()
    expect(full).to_be_visible()
    expect(full.locator(".next-step a")).to_have_attribute("href", CIGNA_MORE)
    expect(full).to_contain_text('That is not "no prior authorization"')
    a4239 = grid_cell(page, "A4239", "Cigna")
    a4239.locator("summary").click()
    expect(a4239.locator(".source")).to_contain_text("cigna-commercial-dme v1, table 1, page 1")
    # The card's link opens the one-payer page of the same answer.
    a4239.locator("a.code").click()
    expect(page).to_have_url(re.compile(r"/codes/A4239\?payer=Cigna&lob=Commercial$"))
    expect(page.locator("h1 .badge")).to_have_text("Outside this program")


def test_the_all_payers_table_at_phone_width_shows_the_first_answer_unscrolled(
    browser: Browser, live_server: str
) -> None:
    tab = browser.new_page(
        base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    errors = _watch(tab)
    tab.goto("/?q=" + PASTED)
    first = grid_cell(tab, "E0466", "Cigna")
    expect(first.locator("summary .badge")).to_have_text("Required")
    assert tab.evaluate("window.scrollY") == 0
    for cell in (first, grid_cell(tab, "E0466", "Medicare")):
        box = cell.locator("summary").bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    expect(first.locator("summary .badge")).to_be_in_viewport()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    shot(tab, "all-payers-phone", docs="phone", full_page=False)
    first.locator("summary").click()
    expect(first.locator("article.answer .source")).to_be_visible()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    tab.close()
    assert not errors, errors


def test_print_shows_answers_sources_and_the_date_without_navigation(page: Page) -> None:
    page.goto("/?q=E0466+A4239")
    expect(page.locator("#grid")).to_be_visible()
    page.emulate_media(media="print")
    for hidden in ("header nav", "form.search", "#copy-all", "#export"):
        expect(page.locator(hidden)).to_be_hidden()
    # Every cell prints open, with its sources, though none was opened on screen.
    for code, payer in (("E0466", "Cigna"), ("A4239", "Cigna"), ("A4239", "Medicare")):
        expect(grid_cell(page, code, payer).locator("article.answer")).to_be_visible()
    expect(grid_cell(page, "E0466", "Cigna").locator(".source")).to_contain_text(
        "cigna-commercial-dme v1, table 1, page 9, line 169"
    )
    expect(page.locator("#as-of")).to_be_visible()
    expect(page.locator("#as-of")).to_have_text(f"Date of service {dt.date.today().isoformat()}")
    # One payer's cards print the same way.
    page.emulate_media(media="screen")
    page.goto("/?q=E0466&payer=Cigna&date=2026-06-01")
    page.emulate_media(media="print")
    expect(page.locator("header nav")).to_be_hidden()
    expect(page.locator('article.answer[data-code="E0466"] .source')).to_be_visible()
    expect(page.locator("#as-of")).to_have_text("Date of service 2026-06-01")
    pdf = page.pdf()  # Chromium prints the page without error
    assert pdf.startswith(b"%PDF")


def test_copy_one_answer_and_all_as_text(page: Page) -> None:
    page.goto("/?q=E0466+E0100")
    today = dt.date.today().isoformat()
    cell = grid_cell(page, "E0466", "Cigna")
    cell.locator("summary").click()
    button = cell.get_by_role("button", name="Copy E0466 (Cigna) as text")
    button.click()
    expect(button).to_have_text("Copied")
    expect(page.locator("#copy-status")).to_have_text("Copied")
    assert clipboard(page) == (
        "E0466  REQUIRED  submit to: eviCore healthcare (CareCore National)\n"
        "    payer: Cigna / Commercial\n"
        "    Home ventilator, any type, used with non-invasive interface, (e.g., mask, chest "
        "shell)\n"
        "    source: cigna-commercial-dme v1, table 1, page 9, line 169\n"
        f"    date of service: {today}\n"
    )
    page.locator("#copy-all").click()
    expect(page.locator("#copy-all")).to_have_text("Copied 4 answers")
    text = clipboard(page)
    heads = [line for line in text.splitlines() if line and not line.startswith(" ")]
    assert heads == [
        "E0466  REQUIRED  submit to: eviCore healthcare (CareCore National)",
        "E0466  NOT REQUIRED  submit to: -",
        "E0100  NOT ON THE LIST  submit to: -",
        "E0100  NOT REQUIRED  submit to: -",
    ]
    assert text.count(f"date of service: {today}") == 4
    label = "Cigna's precertification requirements and master precertification list"
    assert f"next step: {label}: {CIGNA_MORE}" in text


def test_copy_falls_back_where_the_clipboard_api_is_missing(context: BrowserContext) -> None:
    # An http page on a LAN address is not a secure context: no navigator.clipboard there.
    tab = context.new_page()
    errors = _watch(tab)
    tab.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    tab.goto("/?q=L5856&payer=Cigna")
    tab.get_by_role("button", name="Copy L5856 (Cigna) as text").click()
    expect(tab.locator("#copy-status")).to_have_text("Copied")
    reader = context.new_page()
    reader.goto("/")
    assert clipboard(reader).startswith("L5856  REQUIRED  submit to: eviCore healthcare")
    tab.close()
    reader.close()
    assert not errors, errors


def test_screenshots_of_the_all_payers_table(page: Page) -> None:
    page.goto("/?q=" + PASTED)
    grid_cell(page, "A4239", "Cigna").locator("summary").click()
    expect(grid_cell(page, "A4239", "Cigna").locator("article.answer")).to_be_visible()
    shot(page, "all-payers-desktop", docs="paste-codes")


# -- the upload: a real file of order lines, every payer side by side, and one payer ------

SIDE_BY_SIDE = {"Cigna": "Cigna / Commercial", "Medicare": "Medicare / FFS"}


@pytest.fixture(scope="module")
def order_lines(
    built_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[str, dict[str, Determination]]]:
    """Code cells from the real bundled lists, each with the service's answer per payer: the
    first of Cigna's listed codes (in source order) for each pair of Cigna's and Medicare's
    statuses, one of them typed with a modifier, then a blank cell and one that is no code."""
    home = tmp_path_factory.mktemp("upload-lines")
    shutil.copy(built_db, home / DB_NAME)
    service = Precert(home)
    scopes = service.scopes()
    assert [s.payer for s in scopes] == list(SIDE_BY_SIDE)
    codes = [e.code for e in service.store.entries() if e.list_id == "cigna-commercial-dme"]
    picked: dict[tuple[Status, ...], str] = {}
    for code in dict.fromkeys(codes):
        pair = tuple(service.determine_one(code, payer=s.payer).status for s in scopes)
        picked.setdefault(pair, code)
    assert (Status.REQUIRED, Status.REQUIRED) in picked and len(picked) >= 3, picked
    first = picked[(Status.REQUIRED, Status.REQUIRED)]
    cells = [f"{first.lower()}-RR", *picked.values(), "", "N/A"]
    lines = [(c, {s.payer: service.determine_one(c, payer=s.payer) for s in scopes}) for c in cells]
    service.close()
    return lines


def orders_csv(path: Path, lines: list[tuple[str, dict[str, Determination]]]) -> Path:
    rows = ["Order ID,HCPCS,Qty"] + [f"SO-{i},{cell},1" for i, (cell, _) in enumerate(lines, 1)]
    path.write_text("\n".join(rows) + "\n")
    return path


def orders_xlsx(path: Path, lines: list[tuple[str, dict[str, Determination]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Order ID", "HCPCS", "Qty"])
    for i, (cell, _) in enumerate(lines, 1):
        sheet.append([f"SO-{i}", cell, 1])
    book.save(path)
    return path


def test_upload_a_file_for_every_payer_side_by_side(
    page: Page, order_lines: list[tuple[str, dict[str, Determination]]], tmp_path: Path
) -> None:
    source = orders_csv(tmp_path / "orders.csv", order_lines)
    page.goto("/upload")
    expect(page.locator("#payer")).to_have_value("")  # all payers, side by side
    page.locator("#file").set_input_files(str(source))
    page.get_by_role("button", name="Screen on this page").click()
    expect(page.locator("#screened h2")).to_have_text(f"orders.csv: {len(order_lines)} order lines")
    expect(page).to_have_url(re.compile(r"/upload$"))  # all payers: the URL names none
    expect(page.locator("#screened-table thead th")).to_have_text(
        ["Row", "As written", "Code", *SIDE_BY_SIDE.values()]
    )
    rows = page.locator("#screened-table tbody tr")
    expect(rows).to_have_count(len(order_lines))
    for i, (cell, answers) in enumerate(order_lines):
        row = rows.nth(i)
        expect(row.locator("td").nth(1)).to_have_text(cell)
        for payer, label in SIDE_BY_SIDE.items():
            answer = answers[payer]
            column = row.locator(f'td[data-payer="{label}"]')
            expect(column.locator(".badge").first).to_have_text(answer.status.label)
            if answer.code is not None and where_to_send(answer):
                expect(column.locator("summary .to")).to_have_text(where_to_send(answer))
    # The modifier typed is kept; each payer's count is its own.
    expect(rows.nth(0).locator("td").nth(2)).to_have_text(f"{order_lines[0][1]['Cigna'].code}-RR")
    counts = page.locator(".upload-counts li")
    expect(counts).to_have_count(2)
    for label, item in zip(SIDE_BY_SIDE.values(), counts.all(), strict=True):
        expect(item.locator("strong").first).to_have_text(label)
    # A click opens a payer's full answer: its source, and the next step where it has one.
    unsettled = next(
        i
        for i, (_, a) in enumerate(order_lines)
        if a["Cigna"].status in (Status.OUT_OF_SCOPE, Status.NOT_LISTED) and a["Cigna"].more_info
    )
    answer = order_lines[unsettled][1]["Cigna"]
    assert answer.more_info is not None
    column = rows.nth(unsettled).locator(f'td[data-payer="{SIDE_BY_SIDE["Cigna"]}"]')
    expect(column.locator("article.answer")).to_be_hidden()
    column.locator("summary").click()
    expect(column.locator("article.answer .source")).to_contain_text(answer.sources[0].cite())
    expect(column.locator(".next-step a")).to_have_attribute("href", answer.more_info.url)
    shot(page, "upload-all-payers", docs="upload-all-payers")


def test_upload_for_one_payer_and_the_choice_is_remembered_as_on_the_search_page(
    page: Page, order_lines: list[tuple[str, dict[str, Determination]]], tmp_path: Path
) -> None:
    book = orders_xlsx(tmp_path / "orders.xlsx", order_lines)
    page.goto("/upload")
    page.locator("#payer").select_option("Medicare")
    page.locator("#file").set_input_files(str(book))
    page.get_by_role("button", name="Screen on this page").click()
    expect(page.locator("#screened h2")).to_have_text(
        f"orders.xlsx: {len(order_lines)} order lines"
    )
    # The URL says whom the file was screened for, as the search page's does.
    expect(page).to_have_url(re.compile(r"/upload\?payer=Medicare$"))
    expect(page.locator("#screened-table thead th")).to_have_text(
        ["Row", "As written", "Code", "Prior authorization", "Send to", "Notes and warnings"]
    )
    badges = page.locator("#screened-table tbody tr .badge")
    expect(badges).to_have_text([a["Medicare"].status.label for _, a in order_lines])
    expect(page.locator("#screened-table")).not_to_contain_text("eviCore")  # Cigna's vendor
    # A reload keeps the choice (the URL), and so does the session: the search page's bare
    # link starts with it ...
    page.reload()
    expect(page.locator("#payer")).to_have_value("Medicare")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Search").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("#payer")).to_have_value("Medicare")
    # ... and a payer chosen there starts the upload form.
    page.locator("#payer").select_option("Cigna")
    expect(page).to_have_url(re.compile(r"payer=Cigna"))
    nav.get_by_role("link", name="Screen a CSV").click()
    expect(page).to_have_url(re.compile(r"/upload$"))
    expect(page.locator("#payer")).to_have_value("Cigna")
    # A link that names the payer shows exactly that; all payers chosen is remembered too.
    page.goto("/upload?payer=Medicare")
    expect(page.locator("#payer")).to_have_value("Medicare")
    page.locator("#payer").select_option("")
    page.goto("/upload")
    expect(page.locator("#payer")).to_have_value("")
    page.goto("/")
    expect(page.locator("#payer")).to_have_value("")


def test_the_code_page_answers_for_every_payer_at_phone_width(
    browser: Browser, live_server: str
) -> None:
    tab = browser.new_page(
        base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    errors = _watch(tab)
    tab.goto("/codes/K0856?state=TX")
    expect(tab.locator("h1")).to_have_text("K0856")
    expect(tab.locator("#payer-answers li")).to_have_text(
        ["Cigna Commercial Required", "Medicare FFS Required"]
    )
    medicare = tab.locator('section.payer-report[data-payer="Medicare"]')
    expect(medicare.locator(".submit-to")).to_contain_text("CGS Administrators (Jurisdiction C)")
    expect(tab.locator('section.payer-report[data-payer="Cigna"] .submit-to')).to_contain_text(
        "eviCore"
    )
    tab.locator("#payer-answers").get_by_role("link", name="Medicare FFS").click()
    expect(tab).to_have_url(re.compile(r"#payer-2$"))
    expect(medicare.locator("h2")).to_be_in_viewport()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    tab.close()
    assert not errors, errors
