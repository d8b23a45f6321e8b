"""The Edit tab (Streamlit's AppTest, the tab alone on an embedded store in a temporary
workspace). What the browser editor sends is put where the component leaves it (its key
in the session state); the tab shows its statutory figures (against pyproj Geod
directly), the repair report of a bow-tie, refuses a shape in Dianchi; saving makes a new
version with geometry source "edited", the reason and the stated accuracy; a save over
someone else's newer version gets the store's conflict message and keeps the drawing."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod
from streamlit.testing.v1 import AppTest

from geo.declared.i18n import t
from geo.store.store import Store
from ui import state
from ui.tab_edit import NEW_ZONE as NEW

FIN = "fin_sci_tech_finance_centre"

CGCS2000_GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
BOX = (102.825, 24.860, 102.840, 24.890)  # lon/lat, on the district's land
IN_LAKE = (102.66, 24.80, 102.72, 24.86)  # in Dianchi


def geod_box_m2(box: tuple[float, float, float, float]) -> float:
    x0, y0, x1, y1 = box
    area, _ = CGCS2000_GEOD.polygon_area_perimeter([x0, x1, x1, x0], [y0, y0, y1, y1])
    return float(area)


def sent(geom: shapely.Geometry, *, seq: int = 1) -> dict[str, object]:
    """What the editor sends (ui/components/plan_editor/frontend/editor.js, value())."""
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": json.loads(shapely.to_geojson(geom)),
    }
    return {
        "seq": seq,
        "element": FIN,
        "geojson": {"type": "FeatureCollection", "features": [feature]},
        "approx_m2": 1.0,
    }


def _tab(username: str | None = None) -> None:
    from ui.store import current_user, plan_store
    from ui.tab_edit import edit_tab

    user = current_user() if username is None else plan_store().user(username)
    assert user is not None
    edit_tab("en", "km2", user)


@pytest.fixture
def store(app_plan_store: Store) -> Store:
    return app_plan_store


def _open(value: dict[str, object] | None = None, *, username: str | None = None) -> AppTest:
    at = AppTest.from_function(_tab, default_timeout=120, args=(username,))
    at.run()
    at.selectbox(key=state.EDIT_ELEMENT).set_value(FIN).run()
    if value is not None:
        at.session_state[state.edit_map(FIN)] = value
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> list[str]:
    return [x.value for x in at.text]


def test_nothing_sent_yet_says_what_to_do(store: Store) -> None:
    at = _open()
    assert t("edit_draw_first", "en") in [c.value for c in at.caption]
    assert not at.button


def test_the_sent_shape_gets_its_statutory_figures(store: Store) -> None:
    at = _open(sent(shapely.box(*BOX)))
    metrics = {m.label: m.value for m in at.metric}
    expected_km2 = geod_box_m2(BOX) / 1e6
    # No accuracy stated yet: six significant figures.
    assert float(metrics["km²"].replace(",", "")) == pytest.approx(expected_km2, rel=5e-6)
    assert float(metrics["mu"].replace(",", "")) == pytest.approx(expected_km2 * 1500, rel=5e-6)
    assert t("edit_valid", "en") in [s.value for s in at.success]


def test_a_bow_tie_is_repaired_and_the_change_reported(store: Store) -> None:
    x0, y0, x1, y1 = BOX
    bow_tie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    at = _open(sent(bow_tie))
    assert t("edit_warnings", "en") in [w.value for w in at.warning]
    (line,) = [x for x in _texts(at) if "intersects itself" in x]
    repaired = shapely.make_valid(bow_tie)
    area, _ = CGCS2000_GEOD.geometry_area_perimeter(shapely.orient_polygons(repaired))
    after_m2 = float(line.split("→ ")[1].split(" m²")[0].replace(",", ""))
    assert after_m2 == pytest.approx(area, abs=1.0)  # shown to the square metre


def test_a_shape_in_dianchi_is_refused_and_cannot_be_saved(store: Store) -> None:
    at = _open(sent(shapely.box(*IN_LAKE)))
    assert t("edit_refused", "en") in [e.value for e in at.error]
    assert any("off Chenggong's land" in x for x in _texts(at))
    assert at.button(key=state.EDIT_SAVE).disabled


def test_a_viewer_sees_the_figures_but_cannot_save(store: Store) -> None:
    store.add_user("reader", "pw-reader-1", "viewer")
    at = _open(sent(shapely.box(*BOX)), username="reader")
    assert at.metric, "the figures are shown"
    assert t("edit_viewer", "en") in [c.value for c in at.caption]
    assert not at.button


def test_save_makes_an_edited_version_with_reason_and_accuracy(store: Store) -> None:
    planner = store.local_user("planner")
    before = store.get(planner, FIN).version
    at = _open(sent(shapely.box(*BOX)))
    at.button(key=state.EDIT_SAVE).click().run()
    assert t("edit_need_reason", "en") in [e.value for e in at.error]
    at.text_input(key=state.EDIT_REASON).input("west edge on Yikang Lu")
    at.button(key=state.EDIT_SAVE).click().run()
    assert t("edit_need_accuracy", "en") in [e.value for e in at.error]
    assert store.get(planner, FIN).version == before, "nothing saved without both"
    at.number_input(key=state.EDIT_ACCURACY).set_value(20.0)
    at.button(key=state.EDIT_SAVE).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[-1].value == t(
        "edit_saved", "en", name=store.get(planner, FIN).name, version=before + 1, author="planner"
    )
    latest = store.get(planner, FIN)
    assert (latest.version, latest.author, latest.reason) == (
        before + 1,
        "planner",
        "west edge on Yikang Lu",
    )
    assert latest.accuracy == "20 m, as stated by planner"
    row = store.current_plan().loc[FIN]
    assert row["geometry_source"] == "edited"
    assert row["accuracy_m"] == 20.0
    assert shapely.equals(row.geometry, shapely.box(*BOX))
    (entry, *_) = store.history(planner, object_id=FIN)
    assert entry.reason == "west edge on Yikang Lu"
    assert entry.area_after_m2 == pytest.approx(geod_box_m2(BOX), rel=1e-6)


def test_accuracy_and_reason_start_empty_for_the_next_change(store: Store) -> None:
    """Typed for one change, they are never carried to another element or the next save."""
    at = _open(sent(shapely.box(*BOX)))
    at.text_input(key=state.EDIT_REASON).input("west edge on Yikang Lu")
    at.number_input(key=state.EDIT_ACCURACY).set_value(20.0).run()
    at.selectbox(key=state.EDIT_ELEMENT).set_value(NEW).run()
    assert not at.exception, [e.value for e in at.exception]
    assert state.EDIT_ACCURACY not in at.session_state
    assert state.EDIT_REASON not in at.session_state
    # Back to the district, then a save: the boxes are empty on the next run.
    at.selectbox(key=state.EDIT_ELEMENT).set_value(FIN).run()
    at.session_state[state.edit_map(FIN)] = sent(shapely.box(*BOX), seq=2)
    at.run()
    at.text_input(key=state.EDIT_REASON).input("west edge on Yikang Lu")
    at.number_input(key=state.EDIT_ACCURACY).set_value(20.0)
    at.button(key=state.EDIT_SAVE).click().run()
    assert not at.error, [e.value for e in at.error]
    at.run()
    assert at.text_input(key=state.EDIT_REASON).value == ""
    assert at.number_input(key=state.EDIT_ACCURACY).value is None


def test_a_save_over_a_newer_version_shows_the_conflict_and_keeps_the_drawing(
    store: Store,
) -> None:
    planner = store.local_user("planner")
    at = _open(sent(shapely.box(*BOX)))
    opened = store.get(planner, FIN).version
    # Someone else saves the element after the editor was opened.
    colleague = store.add_user("colleague", "pw-colleague-1", "editor")
    frame = store.read(colleague, FIN)
    store.edit(
        colleague, FIN, frame, expected_version=opened, reason="colleague's change",
        source="test", accuracy="1 m",
    )  # fmt: skip
    at.text_input(key=state.EDIT_REASON).input("mine")
    at.number_input(key=state.EDIT_ACCURACY).set_value(20.0)
    at.button(key=state.EDIT_SAVE).click().run()
    assert t("edit_conflict", "en") in [e.value for e in at.error]
    message = next(x for x in _texts(at) if "changed by colleague" in x)
    assert "your work was kept as your private layer" in message
    assert store.get(planner, FIN).author == "colleague", "nothing overwritten"
    kept = [v for v in store.list_layers(planner) if "planner" in v.name]
    assert len(kept) == 1
    kept_frame = store.read(planner, kept[0].object_id)
    assert isinstance(kept_frame, gpd.GeoDataFrame)
    assert shapely.equals(kept_frame.geometry.iloc[0], shapely.box(*BOX))
    # The drawing is still on the page: the figures are shown again after the refusal.
    assert at.session_state[state.edit_map(FIN)]["seq"] == 1


def test_a_new_zone_is_drawn_checked_and_saved_as_a_new_element(store: Store) -> None:
    planner = store.local_user("planner")
    at = AppTest.from_function(_tab, default_timeout=120, args=(None,))
    at.run()
    at.selectbox(key=state.EDIT_ELEMENT).set_value(NEW).run()
    at.selectbox(key=state.EDIT_NEW_LAYER).set_value("university_industry").run()
    value = sent(shapely.box(*BOX))
    value["element"] = None  # the editor opened for a new zone sends no element id
    at.session_state[state.edit_map(NEW)] = value
    at.run()
    assert t("edit_valid", "en") in [s.value for s in at.success]
    at.text_input(key=state.EDIT_REASON).input("new park east of the campus")
    at.number_input(key=state.EDIT_ACCURACY).set_value(30.0)
    at.button(key=state.EDIT_SAVE).click().run()
    assert "must be 3-64 lower-case letters" in "\n".join(_texts(at)), "no id yet"
    at.text_input(key=state.EDIT_NEW_ID).input("park_new_east")
    at.text_input(key=state.EDIT_NEW_NAME_ZH).input("东部新园区")
    at.text_input(key=state.EDIT_NEW_NAME_EN).input("New east park")
    at.button(key=state.EDIT_SAVE).click().run()
    assert not at.error, [e.value for e in at.error]
    created = store.get(planner, "park_new_east")
    assert (created.version, created.action, created.author) == (1, "create", "planner")
    row = store.current_plan().loc["park_new_east"]
    assert (row["layer"], row["geometry_source"], row["name_en"]) == (
        "university_industry",
        "edited",
        "New east park",
    )
    assert created.area_m2 == pytest.approx(geod_box_m2(BOX), rel=1e-6)


def test_split_by_a_drawn_line_keeps_the_chosen_piece(store: Store) -> None:
    x0, y0, x1, y1 = BOX
    cut_x = x0 + 0.3 * (x1 - x0)
    value = sent(shapely.box(*BOX))
    line = {"type": "LineString", "coordinates": [[cut_x, y0 - 0.01], [cut_x, y1 + 0.01]]}
    value["lines"] = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": line}],
    }
    at = _open(value)
    options = at.radio(key=state.EDIT_SPLIT_PIECE).options
    assert len(options) == 2, "largest piece first"
    first_km2 = float(options[0].split(": ")[1].split(" ")[0])
    assert first_km2 == pytest.approx(geod_box_m2((cut_x, y0, x1, y1)) / 1e6, rel=5e-6)
    at.button(key=state.EDIT_SPLIT_APPLY).click().run()
    replaced = at.session_state[state.edit_replace(FIN)]["geojson"]["features"][0]["geometry"]
    kept = shapely.from_geojson(json.dumps(replaced))
    area, _ = CGCS2000_GEOD.geometry_area_perimeter(shapely.orient_polygons(kept))
    assert area == pytest.approx(geod_box_m2((cut_x, y0, x1, y1)), rel=1e-9)


def test_merge_another_element_into_the_edited_one(store: Store) -> None:
    other = "fin_hq_cluster"
    at = _open(sent(shapely.box(*BOX)))
    at.selectbox(key=state.EDIT_MERGE_WITH).set_value(other).run()
    assert t("edit_merge_note", "en") in [c.value for c in at.caption]
    at.button(key=state.EDIT_MERGE_APPLY).click().run()
    replaced = at.session_state[state.edit_replace(FIN)]["geojson"]["features"][0]["geometry"]
    merged = shapely.from_geojson(json.dumps(replaced))
    expected = shapely.union(shapely.box(*BOX), store.current_plan().loc[other].geometry)
    area, _ = CGCS2000_GEOD.geometry_area_perimeter(shapely.orient_polygons(expected))
    got, _ = CGCS2000_GEOD.geometry_area_perimeter(shapely.orient_polygons(merged))
    assert got == pytest.approx(area, rel=1e-9)
    assert store.current_plan().loc[other, "store_version"] == 1, "the other element unchanged"
