"""Issue 15's "done when", walked in ONE session of the real app (headless Chromium,
1366x768, no internet, an embedded store in a fresh workspace), as a planner would:

1. the Edit tab (编辑): draw a new zone, see its ≈ area while drawing and the statutory
   figure once it is sent, save it with a reason;
2. the financial district: drag its westernmost vertex west, save with a reason;
3. the uploads tab: a DXF (made here with ezdxf, CGCS2000 Gauss-Kruger metres without a
   CRS, GBK) whose red line is labelled with the university area's name; its CRS
   confirmed from the ranked candidates, saved; the compare tab (比较与采用) adopts it
   as the university area with a document, an accuracy and a reason;
4. the compare tab: the plan as seeded against now, the difference table (the three
   changed elements) and the swipe view (its slider dragged);
5. the history tab (修改记录) lists the three changes.

Expected figures are derived independently: areas with pyproj's Geod on the shapes the
test drew (read back from the editor) or built (the DXF's corners), the history's rows
from the store read directly (geo.store.store.Store on the workspace's SQLite file).
Every wait is on the page's or the store's state. A screenshot of each step goes to
tests/browser/artifacts/story_*.png.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pyproj import Geod, Transformer
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from geo.declared.i18n import t
from geo.store.store import EMBEDDED_FILE, Store, open_plan_store
from layers.compare_map import SWIPE_PANES
from tests.browser import story_steps as step
from tests.browser.test_compare_swipe import COMPARE_MAP, _click_text, _clips, _wait_in_tab_map
from tests.browser.test_compare_swipe import _shot as _tab_map_shot
from tests.browser.test_editor import (
    EDITOR_IFRAME,
    FIN,
    _click_at,
    _drawn,
    _km2,
    _show_map_top,
    _statutory,
    geod_m2,
)
from tests.geo.test_dxf import drawing, dxf_bytes

if TYPE_CHECKING:
    from tests.browser.conftest import BrowserSession

pytestmark = pytest.mark.browser

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
WIDTH, HEIGHT = 1366, 768
UNI = "uni_innovation_area"
NEW_ID = "story_green_wedge"
CGCS2000_GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
# The red line: a Gauss-Kruger rectangle (EPSG:4543, central meridian 102°E) of
# 1,500 m x 1,200 m whose south-west corner is at 102.852°E 24.842°N, by the university.
RED_LINE_SW = (102.852, 24.842)
RED_LINE_W_M, RED_LINE_H_M = 1500.0, 1200.0
DOCUMENT = "呈政复〔2021〕12号"
REASONS = {"new": "新增绿楔", "fin": "西边界按谊康北路调整", "uni": "按控规批复采用红线"}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh embedded store (seeded with the plan) for the server the test starts; no
    login, the user is ``planner``."""
    root = tmp_path / "workspace"
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))
    monkeypatch.delenv("PLANMAP_DATABASE_URL", raising=False)
    monkeypatch.delenv("PLANMAP_REQUIRE_LOGIN", raising=False)
    monkeypatch.setenv("PLANMAP_USER", "planner")
    open_plan_store(workspace_dir=root).close()
    return root


def _store(root: Path) -> Store:
    return Store(f"sqlite:///{root / EMBEDDED_FILE}")


def _changes(root: Path) -> list[Any]:
    """The plan's changes as the store records them (newest first), seeds left out."""
    store = _store(root)
    try:
        entries = store.history(store.local_user("planner"))
    finally:
        store.close()
    return [e for e in entries if e.kind == "element" and e.action != "seed"]


def red_line_dxf(folder: Path, label: str) -> tuple[Path, float]:
    """控规.dxf: the red line on layer 用地红线, labelled ``label`` inside, in GK metres
    without a CRS; with the rectangle's ellipsoidal area by Geod on its corners."""
    to_gk = Transformer.from_crs("EPSG:4490", "EPSG:4543", always_xy=True)
    to_lonlat = Transformer.from_crs("EPSG:4543", "EPSG:4490", always_xy=True)
    x0, y0 = to_gk.transform(*RED_LINE_SW)
    corners = [
        (x0, y0), (x0 + RED_LINE_W_M, y0), (x0 + RED_LINE_W_M, y0 + RED_LINE_H_M),
        (x0, y0 + RED_LINE_H_M),
    ]  # fmt: skip
    doc = drawing()  # DXF 2000 in GBK, as Chinese CAD writes it
    msp = doc.modelspace()
    msp.add_lwpolyline(corners, close=True, dxfattribs={"layer": "用地红线"})
    msp.add_text(label, dxfattribs={"layer": "用地红线", "insert": (x0 + 600, y0 + 600)})
    path = folder / "控规.dxf"
    path.write_bytes(dxf_bytes(doc))
    lon, lat = to_lonlat.transform([c[0] for c in corners], [c[1] for c in corners])
    area_m2, _ = CGCS2000_GEOD.polygon_area_perimeter(list(lon), list(lat))
    return path, abs(float(area_m2))


def _editor_ready(browser: BrowserSession, *, holds: Callable[[], bool]) -> None:
    browser.wait_in_map(
        lambda d: d.execute_script("return !!(window.planEditor && planEditor.map);") and holds(),
        what="the editor's map",
        frame_selector=EDITOR_IFRAME,
    )


def _save_edit(browser: BrowserSession, root: Path, *, accuracy: str, reason: str) -> None:
    """State the accuracy and reason, click save, and wait until the store has the change
    with this reason (the page then says so)."""
    step.type_into(browser, _key("EDIT_ACCURACY"), accuracy)
    step.type_into(browser, _key("EDIT_REASON"), reason)

    _save_once(browser, root, _key("EDIT_SAVE"), what=f"saving {reason}")
    step.wait_page(
        browser,
        lambda d: any(
            "已保存" in str(e.text)
            for e in d.find_elements(By.CSS_SELECTOR, '[data-testid="stAlert"]')
        ),
        what="the saved message",
    )


def _save_once(browser: BrowserSession, root: Path, button: str, *, what: str) -> None:
    """Click the save button ``button`` until the store has one more change (clicked
    again only while it has not: a busy page may miss a click)."""
    before = len(_changes(root))

    def stored(_d: WebDriver) -> bool:
        return len(_changes(root)) > before

    def click() -> None:
        if not stored(browser.driver):
            step.click_button(browser, button)

    browser.click_until(click, stored, what=what)


def _agrees(statutory: str, area_m2: float) -> bool:
    """The editor's km² figure is ``area_m2`` rounded to the digits it shows."""
    shown = statutory.split()[1].replace(",", "")
    decimals = len(shown.partition(".")[2])
    return bool(abs(float(shown) - area_m2 / 1e6) <= 0.5 * 10.0**-decimals * (1 + 1e-9))


def _key(name: str) -> str:
    from ui import state

    return str(getattr(state, name))


def _shot(browser: BrowserSession, name: str) -> None:
    browser.driver.switch_to.default_content()
    browser.screenshot(f"story_{name}")


def test_draw_edit_adopt_compare_and_history_in_one_session(
    streamlit_url: Callable[[Path], str], browser: BrowserSession, workspace: Path, tmp_path: Path
) -> None:
    store = _store(workspace)
    try:
        plan = store.current_plan()
        uni_zh = str(plan.loc[UNI, "name_zh"])
        fin_seed_m2 = geod_m2(
            {"features": [{"geometry": plan.loc[FIN].geometry.__geo_interface__}]}
        )
    finally:
        store.close()
    dxf, red_line_m2 = red_line_dxf(tmp_path, uni_zh)
    driver = browser.driver
    driver.set_window_size(WIDTH, HEIGHT)
    driver.get(streamlit_url(APP))
    browser.wait_for_leaflet_paths(min_count=10)

    # 1. A new zone: its form, then its outline clicked vertex by vertex.
    step.open_tab(browser, t("edit_tab", "zh"))
    step.choose(browser, _key("EDIT_ELEMENT"), t("edit_new_zone", "zh").strip("（）"))
    step.type_into(browser, _key("EDIT_NEW_ID"), NEW_ID)
    step.type_into(browser, _key("EDIT_NEW_NAME_ZH"), "洛龙河绿楔")
    step.type_into(browser, _key("EDIT_NEW_NAME_EN"), "Luolong River green wedge")
    _editor_ready(browser, holds=lambda: True)
    _show_map_top(browser)
    browser.enter_map(EDITOR_IFRAME)
    container = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
    driver.find_element(By.CSS_SELECTOR, ".leaflet-pm-icon-polygon").click()
    corners = [(-40, -70), (120, -80), (170, 30), (60, 70), (-20, 20)]

    def add_vertex(x: int, y: int, count: int) -> None:
        def has(d: WebDriver) -> bool:
            browser.enter_map(EDITOR_IFRAME)
            return int(d.execute_script("return planEditor.vertices();")) >= count

        browser.click_until(
            lambda: _click_at(driver, container, [(x, y)]), has, what=f"vertex {count}"
        )

    for n, (x, y) in enumerate(corners[:3], start=1):
        add_vertex(x, y, n)
    ActionChains(driver).move_to_element_with_offset(container, 50, 0).perform()
    approx = browser.wait_in_map(
        lambda d: (s := d.find_element(By.ID, "approx").text).startswith("≈") and s,
        what="the ≈ area while drawing", frame_selector=EDITOR_IFRAME,
    )  # fmt: skip
    assert "平方公里" in approx and "亩" in approx
    _shot(browser, "1_drawing_approx_area")
    browser.enter_map(EDITOR_IFRAME)
    for n, (x, y) in enumerate(corners[3:], start=4):
        add_vertex(x, y, n)
    _click_at(driver, container, [corners[0]])  # the first vertex closes it
    statutory = _statutory(browser)
    new_zone = _drawn(browser)
    new_m2 = geod_m2(new_zone)
    assert len(new_zone["features"]) == 1
    assert _km2(statutory) == pytest.approx(new_m2 / 1e6, rel=1e-5)
    assert _agrees(statutory, new_m2), (statutory, new_m2)
    assert "公顷" in statutory and "亩" in statutory
    _show_map_top(browser)
    _shot(browser, "1_drawn_statutory_area")
    _save_edit(browser, workspace, accuracy="20", reason=REASONS["new"])
    step.show(browser, "已保存")
    _shot(browser, "1_new_zone_saved")

    # 2. The financial district's west edge: its westernmost vertex dragged 40 px west.
    step.choose(browser, _key("EDIT_ELEMENT"), FIN)
    _editor_ready(
        browser, holds=lambda: abs(geod_m2(_drawn(browser)) - fin_seed_m2) < 1e-6 * fin_seed_m2
    )
    icon = driver.execute_script(
        "const layer = planEditor.editGroup.getLayers()[0];"
        "const markers = layer.pm._markers.flat(3);"
        "const west = markers.reduce((a, b) => a.getLatLng().lng < b.getLatLng().lng ? a : b);"
        "planEditor.map.setView(west.getLatLng(), planEditor.map.getZoom(), {animate: false});"
        "return west._icon;"
    )
    browser.enter_map(EDITOR_IFRAME, scroll=True)
    ActionChains(driver).click_and_hold(icon).move_by_offset(-10, 0).move_by_offset(
        -30, 0
    ).release().perform()
    statutory = _statutory(browser)
    fin_m2 = geod_m2(_drawn(browser))
    assert fin_m2 > fin_seed_m2, "the west edge moved west: the district grew"
    # The accuracy stated for the new zone (20 m) is still in its box: the figure is
    # shown to the digits that accuracy supports, and agrees with Geod to those digits.
    assert _agrees(statutory, fin_m2), (statutory, fin_m2)
    _show_map_top(browser)
    _shot(browser, "2_financial_district_west_edge_moved")
    _save_edit(browser, workspace, accuracy="50", reason=REASONS["fin"])
    step.show(browser, "已保存")
    _shot(browser, "2_financial_district_saved")

    # 3. The bureau's DXF: uploaded, its CRS confirmed from the ranked candidates, saved;
    # then adopted as the university area (matched by the name inside its red line).
    step.open_tab(browser, t("upload_tab", "zh"))
    driver.switch_to.default_content()
    step.wait_page(
        browser, lambda d: d.find_element(By.CSS_SELECTOR, "input[type=file]"), what="upload"
    ).send_keys(str(dxf))
    first = step.keyed(browser, _key("UPLOAD_CRS_PICK"), "label[data-testid=stRadioOption]")
    assert "EPSG:4543" in first.text, first.text
    step.click_button(browser, _key("UPLOAD_CRS_CONFIRM"))
    step.click_button(browser, _key("UPLOAD_SAVE"))
    step.wait_text(browser, t("saved", "zh"))
    step.show(browser, t("saved", "zh"))
    _shot(browser, "3_dxf_uploaded_crs_confirmed")
    step.open_tab(browser, t("compare_tab", "zh"))
    step.choose(browser, _key("ADOPT_LAYER"), "控规")
    step.type_into(browser, _key("ADOPT_DOCUMENT"), DOCUMENT)
    step.type_into(browser, _key("ADOPT_ACCURACY"), "0.50")
    step.type_into(browser, _key("ADOPT_REASON"), REASONS["uni"])
    step.show(browser, t("adopt_pick_heading", "zh"))
    _shot(browser, "3_adopt_preview")
    _save_once(browser, workspace, _key("ADOPT_SAVE"), what="adopting the DXF")
    step.wait_text(browser, t("adopt_saved", "zh"))
    step.show(browser, t("adopt_saved", "zh"))
    _shot(browser, "3_adopted_as_university_area")

    # The store holds the three changes, newest first, with their reasons and areas.
    changes = _changes(workspace)
    assert [(e.object_id, e.action, e.reason) for e in changes] == [
        (UNI, "edit", REASONS["uni"]), (FIN, "edit", REASONS["fin"]),
        (NEW_ID, "create", REASONS["new"]),
    ]  # fmt: skip
    assert changes[0].area_after_m2 == pytest.approx(red_line_m2, rel=1e-4)
    assert changes[1].area_after_m2 == pytest.approx(fin_m2, rel=1e-6)
    assert changes[1].area_before_m2 == pytest.approx(fin_seed_m2, rel=1e-6)
    assert changes[2].area_after_m2 == pytest.approx(new_m2, rel=1e-6)

    # 4. Compare the plan as seeded with the plan now: the table, then the swipe view.
    step.choose(browser, _key("COMPARE_BEFORE"), t("history_action_seed", "zh"))

    def three_rows(d: WebDriver) -> dict[str, list[str]] | bool:
        columns = step.table_columns(browser, 0)
        return columns if len(next(iter(columns.values()))) == 3 else False

    table = step.wait_page(browser, three_rows, what="the difference table's three rows")
    ids = table[t("col_id", "zh")]
    assert sorted(ids) == sorted([NEW_ID, FIN, UNI]), table
    row = {i: {k: v[n] for k, v in table.items()} for n, i in enumerate(ids)}
    assert {i: row[i][t("col_changed_by", "zh")] for i in ids} == dict.fromkeys(ids, "planner")
    assert row[NEW_ID][t("col_reason", "zh")] == REASONS["new"]
    assert row[FIN][t("col_reason", "zh")] == REASONS["fin"]
    assert row[UNI][t("col_reason", "zh")] == REASONS["uni"]
    assert row[UNI][t("col_geometry_source_after", "zh")] == t("source_authoritative", "zh")
    assert row[FIN][t("col_geometry_source_after", "zh")] == t("source_edited", "zh")
    after_km2 = next(k for k in table if k.startswith(t("col_area_after", "zh")))
    for element, area_m2 in ((NEW_ID, new_m2), (FIN, fin_m2), (UNI, red_line_m2)):
        shown = float(row[element][after_km2].replace(",", ""))
        assert shown == pytest.approx(area_m2 / 1e6, rel=1e-3), (element, row[element])
    _shot(browser, "4_compare_table")
    _wait_in_tab_map(
        browser, COMPARE_MAP,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".leaflet-interactive")) >= 5,
        what="the difference map's pieces",
    )  # fmt: skip
    _tab_map_shot(browser, "story_4_compare_difference_map", COMPARE_MAP)
    _click_text(browser, f".st-key-{_key('COMPARE_VIEW')} label", t("compare_view_swipe", "zh"))

    def sides(d: WebDriver) -> tuple[int, int] | bool:
        before, after = (
            len(d.find_elements(By.CSS_SELECTOR, f".leaflet-{SWIPE_PANES[s]}-pane path"))
            for s in ("before", "after")
        )
        return (
            (before, after)
            if d.find_elements(By.CSS_SELECTOR, ".leaflet-sbs-range") and (after >= 3)
            else False
        )

    drawn_sides = _wait_in_tab_map(browser, COMPARE_MAP, sides, what="the swipe view")
    assert drawn_sides == (2, 3), "the new zone is on the after side only"
    start = _wait_in_tab_map(browser, COMPARE_MAP, _clips, what="the panes clipped")
    slider = driver.find_element(By.CSS_SELECTOR, ".leaflet-sbs-range")
    ActionChains(driver).move_to_element(slider).click_and_hold().move_by_offset(
        -150, 0
    ).release().perform()
    _wait_in_tab_map(
        browser, COMPARE_MAP,
        lambda d: (c := _clips(d)) and c["before"][1] < start["before"][1] - 80,
        what="the clip to follow the slider",
    )  # fmt: skip
    _tab_map_shot(browser, "story_4_compare_swipe", COMPARE_MAP)

    # 5. The history: everything, newest first, as the store has it.
    step.open_tab(browser, t("history_tab", "zh"))
    history = step.table_columns(browser, 0)
    listed = list(
        zip(history[t("col_object_id", "zh")], history[t("col_action", "zh")], strict=True)
    )
    store = _store(workspace)
    try:
        entries = store.history(store.local_user("planner"))
    finally:
        store.close()
    # The action in the page's language (config/i18n.toml history_action_*).
    said = [(e.object_id, t(f"history_action_{e.action}", "zh")) for e in entries]
    assert listed == said[: len(listed)]
    mine = {(e.object_id, t(f"history_action_{e.action}", "zh")) for e in changes}
    assert mine <= set(listed), "all three changes"
    reasons = history[t("col_reason", "zh")]
    assert {REASONS["new"], REASONS["fin"], REASONS["uni"]} <= set(reasons)
    _shot(browser, "5_history")
    browser.collect_logs()
    assert browser.failed_requests == []
