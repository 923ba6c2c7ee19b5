"""End to end in a real browser: Debian's Chromium driven by Playwright against `precert serve`."""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from precert.service import DB_NAME, Precert

from .conftest import ARTIFACTS, free_port, shot, start_server, stop_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`precert serve` over Cigna's list alone: these tests follow one payer's answers (the
    page with several payers is tested in test_payer_page.py)."""
    home = tmp_path_factory.mktemp("browser-home")
    shutil.copy(built_db, home / DB_NAME)
    service = Precert(home)
    for list_id in {v.list_id for v in service.lists() if v.payer != "Cigna"}:
        service.remove_list(list_id)
    service.close()
    port = free_port()
    process = start_server(home, port)
    yield f"http://127.0.0.1:{port}"
    stop_server(process)


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh tab at desktop size, its console errors collected."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield tab
    context.close()
    assert not errors, errors


def card(page: Page, code: str) -> Locator:
    """The answer card of ``code``."""
    return page.locator(f'article.answer[data-code="{code}"]')


def test_type_a_code_and_see_its_badge_as_you_type(page: Page) -> None:
    page.goto("/")
    page.locator("#q").press_sequentially("e0466", delay=40)
    # No Enter: the script fetches the answer while typing.
    expect(card(page, "E0466").locator(".badge")).to_have_text("Required")
    expect(card(page, "E0466")).to_contain_text("eviCore healthcare (CareCore National)")
    expect(page).to_have_url(re.compile(r"/\?q=e0466$"))
    shot(page, "type-a-code")


def test_paste_five_codes(page: Page) -> None:
    page.goto("/")
    page.locator("#q").fill("E0466, k0856-rr; L5856 A4239 E0100")
    page.locator("#q").press("Enter")
    expect(page.locator("#result-count")).to_have_text("5 answers")
    cards = page.locator("article.answer")
    expect(cards).to_have_count(5)
    assert [cards.nth(i).get_attribute("data-code") for i in range(5)] == [
        "E0466", "K0856", "L5856", "A4239", "E0100",
    ]  # fmt: skip
    labels = [cards.nth(i).locator(".badge").inner_text() for i in range(5)]
    assert labels == ["Required", "Required", "Required", "Outside this program", "Not on the list"]
    expect(card(page, "K0856")).to_contain_text("purchase only")
    expect(card(page, "A4239").locator('a[href="tel:+18884540013"]')).to_have_text("888-454-0013")
    expect(card(page, "A4239").locator('a[href="tel:+18777303858"]')).to_have_text("877-730-3858")
    shot(page, "paste-five-codes", docs="one-payer-cards")


def test_search_words_filter_and_export(page: Page) -> None:
    page.goto("/")
    page.locator("#q").fill("hospital bed")
    page.locator("#q").press("Enter")
    expect(card(page, "E0250").locator(".badge")).to_have_text("Outside this program")
    shot(page, "search-words")
    page.locator("#q").fill("wheelchair")
    page.locator("#q").press("Enter")
    page.locator("#status").select_option("required")
    expect(page).to_have_url(re.compile(r"status=required"))
    badges = page.locator("article.answer .badge")
    expect(badges.first).to_have_text("Required")
    assert set(badges.all_inner_texts()) == {"Required"}
    with page.expect_download() as download:
        page.locator("#export").click()
    rows = list(csv.DictReader(io.StringIO(
        Path(download.value.path()).read_text(encoding="utf-8-sig")
    )))  # fmt: skip
    assert rows and {r["status"] for r in rows} == {"required"}
    # Every result of the query, not only the page shown: the page's codes come first.
    shown = page.locator("article.answer")
    count = shown.count()
    assert len(rows) > count
    assert [r["code"] for r in rows[:count]] == [
        shown.nth(i).get_attribute("data-code") for i in range(count)
    ]


def test_open_a_code_page(page: Page) -> None:
    page.goto("/?q=K0553")
    card(page, "K0553").locator("a.code").click()
    expect(page).to_have_url(re.compile(r"/codes/K0553$"))
    expect(page.locator("h1")).to_contain_text("K0553")
    expect(page.locator("#cms")).to_contain_text("2022-12-31")
    expect(page.locator("table.published").first).to_contain_text("CareCore National")
    shot(page, "code-page", docs="code-page")


def test_upload_a_csv(page: Page, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "Order ID,HCPCS,Qty\nSO-1,E0466,1\nSO-2,K0856-RR,1\nSO-3,A4239,2\nSO-4,XYZ,1\n"
    )
    page.goto("/upload")
    page.locator("#file").set_input_files(str(orders))
    page.get_by_role("button", name="Screen on this page").click()
    expect(page.locator("#screened h2")).to_have_text("orders.csv: 4 order lines")
    rows = page.locator("#screened-table tbody tr")
    expect(rows).to_have_count(4)
    assert rows.locator(".badge").all_inner_texts() == [
        "Required", "Required", "Outside this program", "Not a code",
    ]  # fmt: skip
    shot(page, "upload", docs="upload")
    page.locator("#file").set_input_files(str(orders))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download screened CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert [r["pa_status"] for r in csv.DictReader(io.StringIO(text))] == [
        "required", "required", "out_of_scope", "invalid",
    ]  # fmt: skip


def test_keyboard_only(page: Page) -> None:
    page.goto("/")
    # The search box has focus on arrival; type and submit without a mouse.
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("K0856-RR")
    page.keyboard.press("Enter")
    expect(card(page, "K0856")).to_be_visible()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "/codes/K0856":
            break
    else:
        pytest.fail("the result's link cannot be reached with Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/codes/K0856$"))
    # The skip link is the first stop and jumps to the content.
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    shot(page, "keyboard")


def test_works_without_javascript(browser: Browser, live_server: str) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    tab = context.new_page()
    tab.goto("/")
    tab.locator("#q").fill("E0466 L5856")
    tab.locator("#q").press("Enter")
    expect(tab.locator("article.answer .badge")).to_have_text(["Required", "Required"])
    context.close()


def test_phone_width_labels_and_contrast(browser: Browser, live_server: str) -> None:
    context = browser.new_context(
        base_url=live_server, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    tab = context.new_page()
    tab.goto("/?q=E0466%2C+k0856-rr%3B+A4239+E0100+XYZ")
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    unlabeled = tab.evaluate(
        "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
        ".filter(e => !e.labels || e.labels.length === 0).map(e => e.name)"
    )
    assert unlabeled == []
    colours = tab.evaluate(
        "[...document.querySelectorAll('.badge')].map(e => [getComputedStyle(e).color,"
        " getComputedStyle(e).backgroundColor])"
    )
    for fg, bg in colours:
        assert contrast(fg, bg) >= 4.5, (fg, bg)
    tab.screenshot(path=str(ARTIFACTS / "phone.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("path", ["/upload", "/?q=wheelchair", "/codes/K0553", "/categories"])
def test_no_sideways_scrolling_at_the_narrowest_phone_width(
    browser: Browser, live_server: str, path: str
) -> None:
    context = browser.new_context(
        base_url=live_server, viewport={"width": 320, "height": 640}, is_mobile=True
    )
    tab = context.new_page()
    tab.goto(path)
    assert tab.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def contrast(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio of two CSS rgb() colours."""

    def luminance(colour: str) -> float:
        channels = [int(v) / 255 for v in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_slash_focuses_the_search_box_and_print_shows_only_the_answers(page: Page) -> None:
    page.goto("/?q=E0466")
    expect(card(page, "E0466")).to_be_visible()
    page.locator("h1").click()  # focus leaves the search box
    expect(page.locator("#q")).not_to_be_focused()
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    expect(page.locator("#q")).to_have_value("E0466")  # the key is not typed into it
    page.emulate_media(media="print")
    expect(page.locator("form.search")).to_be_hidden()
    expect(page.locator("header nav")).to_be_hidden()
    expect(card(page, "E0466")).to_be_visible()
    expect(card(page, "E0466").locator(".badge")).to_have_text("Required")
