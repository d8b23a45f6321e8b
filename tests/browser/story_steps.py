"""Page steps for a browser test that walks the app as a planner does, in one session:
open a tab, choose in a selectbox, type into a text box, click a keyed button, wait for
a message, read what a table (``st.dataframe``) shows. Every step waits on the page's
state (found again on every poll: a rerun redraws the page), never on a pause."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession


def page_text(driver: WebDriver) -> str:
    """What the page shows (hidden tabs left out)."""
    driver.switch_to.default_content()
    return str(driver.execute_script("return document.body.innerText"))


def wait_page(browser: BrowserSession, condition: Any, *, what: str) -> Any:
    """Wait (on the page, outside any map) until ``condition(driver)`` is truthy; a
    screenshot and the page's text when it never is."""

    def poll(driver: WebDriver) -> Any:
        driver.switch_to.default_content()
        return condition(driver)

    try:
        return browser.wait().until(poll)
    except TimeoutException:
        browser.collect_logs()
        browser.screenshot("story-wait-timeout")
        pytest.fail(f"timed out waiting for {what}; {browser._diagnostics()}\n"
                    f"{page_text(browser.driver)[-3000:]}")  # fmt: skip


def wait_text(browser: BrowserSession, text: str) -> None:
    wait_page(browser, lambda d: text in page_text(d), what=repr(text))


def centre(driver: WebDriver, element: WebElement) -> None:
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', inline: 'center'});", element
    )


def open_tab(browser: BrowserSession, label: str) -> None:
    """Click the page's tab whose words are ``label`` and wait until it is selected."""

    def tab(d: WebDriver) -> WebElement | bool:
        hits = [
            e
            for e in d.find_elements(By.CSS_SELECTOR, "[role=tab]")
            if (e.get_attribute("textContent") or "").strip() == label
        ]
        return hits[0] if hits else False

    found = wait_page(browser, tab, what=f"the tab {label}")
    centre(browser.driver, found)
    browser.driver.execute_script("arguments[0].click();", found)

    def selected(d: WebDriver) -> bool:
        found = tab(d)
        return isinstance(found, WebElement) and found.get_attribute("aria-selected") == "true"

    wait_page(browser, selected, what=f"the tab {label} selected")


def keyed(browser: BrowserSession, key: str, css: str = "") -> WebElement:
    """The element ``css`` inside the widget with key ``key`` (Streamlit's ``st-key-``
    class), once it is drawn, enabled and scrolled to the middle of the screen."""

    def find(d: WebDriver) -> WebElement | bool:
        hits = d.find_elements(By.CSS_SELECTOR, f".st-key-{key} {css}".strip())
        shown = [e for e in hits if e.is_displayed() and e.is_enabled()]
        return shown[0] if shown else False

    element: WebElement = wait_page(browser, find, what=f"the widget {key} {css}")
    centre(browser.driver, element)
    return element


def choose(browser: BrowserSession, key: str, typed: str, option: str | None = None) -> None:
    """Pick the option of selectbox ``key`` whose words contain ``option`` (default:
    ``typed``), after typing ``typed`` so that a long list shows it. Typed again if a
    rerun closed the list before it showed the option."""
    wanted = option or typed

    def listed(d: WebDriver) -> WebElement | bool:
        d.switch_to.default_content()
        hits = [
            e
            for e in d.find_elements(By.CSS_SELECTOR, "[role=option]")
            if wanted in (e.get_attribute("textContent") or "")
        ]
        return hits[0] if hits else False

    def type_it() -> None:
        box = keyed(browser, key, "input")
        box.click()
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(typed)

    found = browser.click_until(type_it, listed, what=f"the option {wanted!r} of {key}")
    ActionChains(browser.driver).move_to_element(found).click().perform()

    def chosen(d: WebDriver) -> bool:
        box = d.find_element(By.CSS_SELECTOR, f".st-key-{key}")
        field = box.find_element(By.CSS_SELECTOR, "input")
        shown = (box.get_attribute("textContent") or "") + (field.get_attribute("value") or "")
        return wanted in shown and not d.find_elements(By.CSS_SELECTOR, "[role=option]")

    wait_page(browser, chosen, what=f"{wanted!r} chosen in {key}")


def type_into(browser: BrowserSession, key: str, value: str) -> None:
    """Replace what the text or number box ``key`` holds with ``value`` and send it
    (Enter), then wait until the box holds it (a number box: the same number)."""
    box = keyed(browser, key, "input")
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(value, Keys.ENTER)

    def holds(d: WebDriver) -> bool:
        now = d.find_element(By.CSS_SELECTOR, f".st-key-{key} input").get_attribute("value")
        return now == value or _same_number(now or "", value)

    wait_page(browser, holds, what=f"{key} holding {value!r}")


def _same_number(shown: str, typed: str) -> bool:
    """A number box shows what was typed in its own format (20 as 20.00)."""
    try:
        return float(shown) == float(typed)
    except ValueError:
        return False


def click_button(browser: BrowserSession, key: str) -> None:
    keyed(browser, key, "button").click()


def show(browser: BrowserSession, text: str) -> None:
    """Scroll the last element showing ``text`` into the middle of the screen."""

    def find(d: WebDriver) -> WebElement | bool:
        hits = [
            e
            for e in d.find_elements(By.XPATH, f"//*[contains(text(), {text!r})]")
            if e.is_displayed()
        ]
        return hits[-1] if hits else False

    centre(browser.driver, wait_page(browser, find, what=f"{text!r} shown"))


_READ_GRID = """
const grid = arguments[0].querySelector('table[role=grid]');
if (!grid) return null;
const cols = {};
for (const th of grid.querySelectorAll('th[aria-colindex]')) {
  cols[th.getAttribute('aria-colindex')] = {title: th.textContent.trim(), cells: []};
}
for (const tr of grid.querySelectorAll('tbody tr')) {
  for (const td of tr.querySelectorAll('td[aria-colindex]')) {
    const col = cols[td.getAttribute('aria-colindex')];
    if (col) col.cells.push(td.textContent.trim());
  }
}
return {count: Number(grid.getAttribute('aria-colcount')), cols: cols};
"""
_SCROLL_GRID = """
const [frame, to, done] = arguments;
const s = frame.querySelector('.dvn-scroller');
const was = s.scrollLeft;
s.scrollLeft = to === null ? was + s.clientWidth * 0.9 : to;
const moved = s.scrollLeft !== was;
// Back once the grid has drawn the new view (two frames: its scroll handler, then React).
requestAnimationFrame(() => requestAnimationFrame(() => done(moved)));
"""


def table_columns(browser: BrowserSession, index: int = 0) -> dict[str, list[str]]:
    """Every column of the ``index``-th table (``st.dataframe``) on the page, header →
    cells of its drawn rows, as the grid holds them for screen readers. The grid draws
    only the columns in view: it is scrolled right until each has been drawn."""

    def frame(d: WebDriver) -> WebElement | bool:
        shown = [
            f
            for f in d.find_elements(By.CSS_SELECTOR, '[data-testid="stDataFrame"]')
            if f.is_displayed()
        ]
        return shown[index] if len(shown) > index else False

    grid = wait_page(browser, frame, what=f"table {index}")
    centre(browser.driver, grid)
    seen: dict[int, tuple[str, list[str]]] = {}

    def drawn(beyond: int) -> Callable[[WebDriver], dict[str, Any] | bool]:
        """The grid's drawn cells once it has drawn a column numbered above ``beyond``
        (the grid redraws a frame or more after it is scrolled)."""

        def read(d: WebDriver) -> dict[str, Any] | bool:
            now = d.execute_script(_READ_GRID, grid)
            ok = now and now["cols"] and max(int(k) for k in now["cols"]) > beyond
            return now if ok else False

        return read

    browser.driver.execute_async_script(_SCROLL_GRID, grid, 0)  # from its left edge

    def first_column(d: WebDriver) -> dict[str, Any] | bool:
        now = drawn(0)(d)
        return now if isinstance(now, dict) and "1" in now["cols"] else False

    now: dict[str, Any] = wait_page(browser, first_column, what="the table's first column")
    while True:
        for k, col in now["cols"].items():
            seen[int(k)] = (col["title"], col["cells"])
        if max(seen) >= now["count"]:
            break
        if not browser.driver.execute_async_script(_SCROLL_GRID, grid, None):
            break  # at its right edge
        now = wait_page(browser, drawn(max(seen)), what="the table's next columns")
    return {title: cells for _, (title, cells) in sorted(seen.items())}
