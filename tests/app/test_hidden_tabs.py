"""Only the open tab runs (streamlit_app.py, issue 17): a hidden tab draws nothing and
computes nothing, yet what its widgets hold outlives it being hidden — the overlaps and
the saved layers the map draws, the choices typed into a tab, a file in the upload widget
and a drawing in the editor."""

from __future__ import annotations

import json

import shapely
from streamlit.testing.v1 import AppTest

from geo.declared.i18n import t
from geo.io import geojson_text
from tests.app.tabs import open_tab
from tests.conftest import gk_boxes
from ui import state
from ui.layout import TABS, kept_keys


def _tab(at: AppTest, key: str) -> object:
    return next(tab for tab in at.tabs if tab.label == t(key, "zh"))


def _keys(at: AppTest, kind: str) -> set[str]:
    return {str(w.key) for w in at.get(kind) if getattr(w, "key", None)}


def test_a_new_page_runs_only_the_area_table(app: AppTest) -> None:
    assert [tab.label for tab in app.tabs] == [t(spec.label, "zh") for spec in TABS]
    assert len(_tab(app, "area_table").dataframe) >= 1  # type: ignore[attr-defined]
    for spec in TABS[1:]:
        tab = _tab(app, spec.label)
        assert len(tab.children) == 0, f"{spec.label} drew something while hidden"  # type: ignore[attr-defined]
    assert state.OVERLAP_A not in _keys(app, "multiselect")
    assert state.EXPORT_PRESET not in _keys(app, "selectbox")


def test_overlaps_stay_on_the_map_and_in_their_tab_while_another_tab_is_open(
    app: AppTest,
) -> None:
    open_tab(app, "overlap_tab")
    app.multiselect(key=state.OVERLAP_A).set_value(["layer:finance_business"])
    app.multiselect(key=state.OVERLAP_B).set_value(["layer:university_industry"])
    app.checkbox(key=state.OVERLAP_SHOW).check().run()
    drawn = _map_layers(app)
    assert "a_id" in drawn, "the intersections are drawn"
    open_tab(app, "area_table")
    assert not app.exception, [e.value for e in app.exception]
    assert state.OVERLAP_A not in _keys(app, "multiselect"), "the overlap tab is hidden"
    assert _map_layers(app) == drawn, "the intersections are still drawn"
    open_tab(app, "overlap_tab")
    assert app.multiselect(key=state.OVERLAP_A).value == ["layer:finance_business"]
    assert app.multiselect(key=state.OVERLAP_B).value == ["layer:university_industry"]
    assert app.checkbox(key=state.OVERLAP_SHOW).value


def _map_layers(at: AppTest) -> str:
    """What the plan map draws over the plan's own layers (its added feature groups)."""
    plan_map = next(n for n in at._tree if n.type == "component_instance")
    return str(json.loads(plan_map.proto.json_args)["feature_group"] or "")


def _upload(at: AppTest) -> None:
    layer = gk_boxes((0, 0, 300, 300), (400, 0, 700, 300))
    data = geojson_text(layer).encode("utf-8")
    at.file_uploader(key=state.UPLOAD_FILE).set_value(("two.geojson", data, "application/json"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def _figures_line(at: AppTest) -> list[str]:
    return [str(x.value) for x in at.text if "2 · " in str(x.value)]


def test_an_unsaved_upload_stays_while_another_tab_is_open(app: AppTest) -> None:
    open_tab(app, "upload_tab")
    _upload(app)
    line = _figures_line(app)
    assert line, "the figures of the upload"
    open_tab(app, "area_table")
    upload = _tab(app, "upload_tab")
    # Only the file widget is drawn, so the file stays; nothing is read or measured.
    assert [n.type for n in upload.children[0].children.values()] == ["file_uploader"]  # type: ignore[attr-defined]
    assert not _figures_line(app)
    open_tab(app, "upload_tab")
    assert _figures_line(app) == line


def test_a_saved_layer_shown_on_the_map_stays_shown(app: AppTest) -> None:
    open_tab(app, "upload_tab")
    _upload(app)
    app.button(key=state.UPLOAD_SAVE).click().run()
    assert app.success, "saved"
    (shown,) = [w for w in app.checkbox if str(w.key).startswith(state.user_layer_on(""))]
    shown.check().run()
    with_layer = _map_layers(app)
    assert with_layer, "the layer is drawn"
    open_tab(app, "area_table")
    assert _map_layers(app) == with_layer
    open_tab(app, "upload_tab")
    assert app.checkbox(key=str(shown.key)).value


def test_every_tab_opened_and_left_runs_and_is_the_same_again(app: AppTest) -> None:
    """Each tab opened in turn and then left: no run fails (a kept key is never a
    button's, a download's or a file's: Streamlit refuses a value set for those), and
    what the tab's widgets held (here their first values; the tests above change some)
    is what they hold when it is opened again."""
    held: dict[str, object] = {}
    for spec in TABS:
        open_tab(app, spec.label)
        assert not app.exception, (spec.label, [e.value for e in app.exception])
        keys = kept_keys(spec.kept, list(app.session_state.keys()))
        held |= {k: app.session_state[k] for k in keys}
    assert state.EXPORT_PRESET in held and state.TOTALS_WITH_CONTEXT in held
    for spec in TABS:
        open_tab(app, spec.label)
        assert not app.exception, (spec.label, [e.value for e in app.exception])
        for key in kept_keys(spec.kept, held):
            assert app.session_state[key] == held[key], key


def test_a_drawing_in_the_editor_keeps_the_edit_tab_running(app: AppTest) -> None:
    fin = "fin_sci_tech_finance_centre"
    open_tab(app, "edit_tab")
    app.selectbox(key=state.EDIT_ELEMENT).set_value(fin).run()
    assert t("edit_draw_first", "zh") in [c.value for c in app.caption]
    open_tab(app, "area_table")
    assert len(_tab(app, "edit_tab").children) == 0, "no drawing: the hidden tab is idle"  # type: ignore[attr-defined]
    open_tab(app, "edit_tab")
    square = shapely.box(102.825, 24.860, 102.840, 24.890)
    feature = {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(square)}
    app.session_state[state.edit_map(fin)] = {
        "seq": 1,
        "element": fin,
        "geojson": {"type": "FeatureCollection", "features": [feature]},
        "approx_m2": 1.0,
    }
    app.run()
    assert t("edit_figures", "zh") in " ".join(str(m.value) for m in app.markdown)
    open_tab(app, "area_table")
    assert not app.exception, [e.value for e in app.exception]
    edit = _tab(app, "edit_tab")
    assert any(n.type == "component_instance" for n in edit.children[0].children.values())  # type: ignore[attr-defined]
    assert app.selectbox(key=state.EDIT_ELEMENT).value == fin
