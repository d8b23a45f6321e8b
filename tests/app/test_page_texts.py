"""Chinese first, figures that do not mislead: what the page shows in its tables and
panel (AppTest reads the display values Streamlit sends, not the frames behind them)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo.declared.i18n import t
from geo.declared.registry import load_registry
from geo.io import geojson_text
from geo.measure.area import ellipsoidal_area_m2
from geo.plan.zones import load_plan_layers
from geo.store.store import Store
from tests.app.tabs import open_tab
from tests.app.test_compare_tab import BOX_B, DOCUMENT, UNI, _edit, _save_red_line
from tests.app.test_compare_tab import store as store  # the embedded store fixture
from tests.app.test_review_tab import _page as review_page
from tests.conftest import LAT0, LON0, gk_boxes
from tests.geo.precision_reference import expected_total_text
from tests.geo.test_upload_hostile import _zip
from ui import state

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(frame: object) -> pd.DataFrame:
    """The table as the browser shows it: the display values of a styled dataframe."""
    styler = frame.proto.arrow_data.styler  # type: ignore[attr-defined]
    assert styler.display_values, "the table is shown with display values"
    return pa.ipc.open_stream(styler.display_values).read_all().to_pandas()


def _table_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(shown(d) for d in at.dataframe if column in d.value.columns)


def test_area_table_names_layers_and_leaves_empty_cells_blank(app: AppTest) -> None:
    table = shown(app.dataframe[0])
    names = {s.name("zh") for s in load_registry().layers}
    assert set(table["图层"]) <= names, "layer ids shown by their declared names"
    cells = table.astype(str).to_numpy().ravel()
    assert "None" not in cells and "nan" not in cells
    # Deviation as a signed percentage where the plan states a land area.
    deviations = [v for v in table["偏差"] if v]
    assert deviations and all(v.endswith(" %") and v[0] in "+-" for v in deviations)


def test_plan_land_area_follows_the_unit(app: AppTest) -> None:
    km2 = app.dataframe[0].value
    stated = km2.set_index("编号")["规划用地面积（平方公里）"].dropna()
    app.radio(key=state.UNIT).set_value("ha").run()
    ha = app.dataframe[0].value.set_index("编号")
    assert "规划用地面积 (公顷)" in ha.columns
    assert ha.loc[stated.index, "规划用地面积 (公顷)"].to_numpy() == pytest.approx(
        stated.to_numpy() * 100
    )


def test_totals_leave_out_extents_and_context_unless_asked(app: AppTest) -> None:
    zones = load_plan_layers()
    reg = load_registry()
    visible = [s.id for s in reg.layers if s.visible]
    polygons = zones[
        zones["layer"].isin(visible) & zones.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    ]
    plan = polygons[[reg.layer(i).group != "reference" for i in polygons["layer"]]]
    assert len(plan) < len(polygons), "the default view shows extents or context"

    def total_km2(at: AppTest) -> str:  # rounded by the rule of totals (≈: sketches in it)
        metric = next(m for m in at.metric if m.label == t("total_sum", "zh"))
        return str(metric.value).split()[0]

    expected = expected_total_text(ellipsoidal_area_m2(plan).sum(), plan, unit="km2")
    assert total_km2(app) == expected
    said = " ".join(str(c.value) for c in app.caption)
    assert f"共 {len(plan):,} 个面状要素" in said
    assert reg.layer("extents").name("zh") in said  # named among those left out
    app.checkbox(key=state.TOTALS_WITH_CONTEXT).check().run()
    everything = ellipsoidal_area_m2(polygons).sum()
    assert total_km2(app) == expected_total_text(everything, polygons, unit="km2")


def test_zone_panel_is_rounded_to_its_accuracy_and_shares_are_percentages(app: AppTest) -> None:
    app.selectbox(key=state.SEARCH).set_value("fin_sci_tech_finance_centre").run()
    assert not app.exception, [e.value for e in app.exception]
    texts = [str(x.value) for x in app.text]
    # A ±500 m sketch of about 5 km² supports one figure: "≈5 平方公里", not 5.1437.
    area = next(x for x in texts if "平方公里" in x and "公顷" in x and "亩" in x)
    assert area.startswith("≈5 平方公里")
    assert "5.14" not in area
    overlaps = _table_with(app, "占本区比例")
    assert all(v.endswith(" %") for v in overlaps["占本区比例"])


def test_overlap_pairs_show_shares_as_percentages(app: AppTest) -> None:
    open_tab(app, "overlap_tab")
    app.multiselect(key=state.OVERLAP_A).set_value(["layer:finance_business"])
    app.multiselect(key=state.OVERLAP_B).set_value(["layer:university_industry"]).run()
    pairs = _table_with(app, "占 A 比例")
    assert all(v.endswith(" %") for v in pairs["占 A 比例"])
    assert "a_id" not in pairs.columns and "分区 A 编号" in pairs.columns


def _bow_tie_geojson() -> bytes:
    square = gk_boxes((0, 0, 200, 200))
    x0, y0, x1, y1 = square.total_bounds
    bow_tie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    frame = square.set_geometry([bow_tie], crs=square.crs)
    return geojson_text(frame).encode("utf-8")


def test_validation_report_and_crs_candidates_in_chinese(app: AppTest) -> None:
    open_tab(app, "upload_tab")
    app.file_uploader(key=state.UPLOAD_FILE).set_value(
        ("bowtie.geojson", _bow_tie_geojson(), "application/json")
    )
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    report = "\n".join(str(x.value) for x in app.text)
    assert "已用 make_valid 修复" in report and "平方米" in report
    # A CSV of Gauss-Kruger metres with no CRS: candidates described in Chinese.
    x, y = 500_000 + (LON0 - 102) * 100_000, LAT0 * 110_000
    csv = f'name,wkt\nsq,"{shapely.box(x, y, x + 100, y + 100).wkt}"\n'.encode()
    app.file_uploader(key=state.UPLOAD_FILE).set_value(("gk.csv", csv, "text/csv"))
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    options = app.radio(key=state.UPLOAD_CRS_PICK).options
    assert options and all("中心 东经" in o and "公里" in o for o in options)
    assert any("文件未声明坐标系" in str(x.value) for x in app.text)


def test_uploader_texts_are_the_pages_own(app: AppTest) -> None:
    styles = " ".join(str(h.proto.body) for h in app.get("html"))
    assert "将文件拖放到此处" in styles and "50 MB" in styles
    assert "选择文件" in styles


def test_a_plan_target_with_a_place_is_shown_on_the_map(app: AppTest) -> None:
    import json

    from geo.plan.indicators import load_indicators

    reg = load_registry()
    assert not reg.layer("innovation_bases").visible, "the test needs a layer shown on demand"
    before = app.dataframe[0].value
    assert reg.layer("innovation_bases").name("zh") not in set(before["图层"])
    indicators = load_indicators()
    incubation = indicators.loc[indicators["name_zh"] == "创业孵化区面积", "id"].iloc[0]
    open_tab(app, "indicators_tab")
    picker = app.selectbox(key=state.TARGET_SHOWN)
    assert "创业孵化区面积" in picker.options
    picker.set_value(incubation).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.checkbox(key=state.group_on("innovation")).value
    # The map is moved onto the indicator's layer (a centre and zoom are sent once).
    maps = [n for n in app._tree if n.type == "component_instance"]
    args = json.loads(maps[0].proto.json_args)
    assert args.get("center") and args.get("zoom")
    open_tab(app, "area_table")
    after = app.dataframe[0].value
    assert reg.layer("innovation_bases").name("zh") in set(after["图层"])


def test_missing_attribute_values_are_blank_in_the_preview(app: AppTest) -> None:
    open_tab(app, "upload_tab")
    layer = gk_boxes((0, 0, 100, 100), (200, 0, 300, 100))
    layer["note"] = ["有值", None]
    app.file_uploader(key=state.UPLOAD_FILE).set_value(
        ("notes.geojson", geojson_text(layer).encode("utf-8"), "application/json")
    )
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    preview = next(d.value for d in app.dataframe if "note" in d.value.columns)
    assert list(preview["note"]) == ["有值", ""]


def test_area_table_rounds_each_area_to_its_accuracy(app: AppTest) -> None:
    from pyproj import Geod

    from tests.geo.geod_reference import geod_area_m2

    plan = load_plan_layers().set_index("id")
    fd = plan.loc["fin_sci_tech_finance_centre"]
    band_km2 = fd["accuracy_m"] * Geod(ellps="GRS80").geometry_length(fd.geometry.boundary) / 1e6
    true_km2 = geod_area_m2(fd.geometry) / 1e6
    table = app.dataframe[0].value.set_index("编号")
    cell = str(table.loc["fin_sci_tech_finance_centre", "椭球面积 (平方公里)"])
    assert cell.startswith("≈"), cell  # a sketch's figure is approximate
    digits = [c for c in cell if c.isdigit()]
    assert len(digits) <= 2, cell  # "≈5", not "5.1437"
    assert abs(float(cell.lstrip("≈").replace(",", "")) - true_km2) <= band_km2


# --- What geo/ says is said in the page's language (issue 13: English where trust is
# decided). A message counts as Chinese when it has CJK characters; a Chinese page shows
# none in English only, and the English page shows exactly what the CLI prints.

CJK = re.compile(r"[\u4e00-\u9fff]")


def _shp_without_dbf(tmp_path: Path) -> bytes:
    """A real Shapefile (written by GDAL) zipped without its .dbf."""
    gk_boxes((0, 0, 100, 100)).to_file(tmp_path / "parcels.shp")
    return _zip({f"parcels{s}": (tmp_path / f"parcels{s}").read_bytes() for s in (".shp", ".shx")})


BAD_UPLOADS = {
    "no_dbf.zip": _shp_without_dbf,
    "no_coordinates.csv": lambda _tmp: "名称,面积\n地块一,12.5\n".encode(),
}


def _the_error(at: AppTest, filename: str) -> str:
    """The upload's error as shown: the page's heading, then the message naming the file."""
    headings = [e.value for e in at.error]
    assert headings, "the page says there is an error"
    messages = [str(x.value) for x in at.text if filename in str(x.value)]
    assert len(messages) == 1, messages
    return messages[0]


@pytest.mark.parametrize("filename", list(BAD_UPLOADS))
def test_a_bad_upload_is_explained_in_the_pages_language(
    app: AppTest, tmp_path: Path, filename: str
) -> None:
    from geo.errors import InputFileError
    from geo.upload import read_upload

    data = BAD_UPLOADS[filename](tmp_path)
    with pytest.raises(InputFileError) as raised:  # what the CLI prints
        read_upload(data, filename)
    open_tab(app, "upload_tab")
    app.file_uploader(key=state.UPLOAD_FILE).set_value((filename, data, "application/zip"))
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    zh = _the_error(app, filename)
    assert CJK.search(zh), f"an English-only message on the Chinese page: {zh}"
    assert t("upload_error", "zh") in [e.value for e in app.error]
    app.radio(key=state.LANG).set_value("English").run()
    assert not app.exception, [e.value for e in app.exception]
    assert _the_error(app, filename) == str(raised.value)


def test_the_plan_check_reads_in_the_pages_language(app: AppTest) -> None:
    from geo.plan.sources import LAND_FIGURE_CHECKS

    zones = load_plan_layers().set_index("id")
    sourced = zones.index[zones["figure_source_en"].notna()]
    assert len(sourced) >= 3, "the plan check has rows whose figure is stated elsewhere"

    def rows(at: AppTest, lang: str) -> pd.DataFrame:
        table = _table_with(at, t("col_figure_source", lang))
        return table.set_index(t("col_id", lang)).loc[sourced]

    open_tab(app, "plan_check_tab")
    zh = rows(app, "zh")
    for column in (t("col_figure_source", "zh"), t("col_land_figure_check", "zh")):
        english = [v for v in zh[column] if not CJK.search(str(v))]
        assert not english, f"{column}: English only on the Chinese page: {english}"
    assert list(zh[t("col_figure_source", "zh")]) == list(zones.loc[sourced, "figure_source_zh"])
    app.radio(key=state.LANG).set_value("English").run()
    en = rows(app, "en")
    assert list(en[t("col_figure_source", "en")]) == list(zones.loc[sourced, "figure_source_en"])
    checks = {t(f"figure_check_{c}", "en") for c in LAND_FIGURE_CHECKS}
    assert set(en[t("col_land_figure_check", "en")]) <= checks


def _conflict_page(lang: str) -> None:
    from ui.tab_compare import compare_tab
    from ui.uploads import workspace

    compare_tab(lang, "km2", workspace())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_stores_conflict_is_said_in_the_pages_language(
    store: Store, tmp_path: Path, lang: str
) -> None:
    """An adoption saved over a version someone saved since the page showed it."""
    layer_id = _save_red_line(store, tmp_path)
    at = AppTest.from_function(_conflict_page, args=(lang,), default_timeout=120)
    at.run()
    at.selectbox(key=state.ADOPT_LAYER).set_value(layer_id).run()
    at.text_input(key=state.ADOPT_DOCUMENT).input(DOCUMENT)
    at.number_input(key=state.ADOPT_ACCURACY).set_value(0.5)
    at.text_input(key=state.ADOPT_REASON).input("控规批复").run()
    _edit(store, BOX_B, "someone else, meanwhile")
    at.button(key=state.ADOPT_SAVE).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("adopt_conflict", lang) in [e.value for e in at.error]
    latest = store.get(store.local_user("planner"), UNI)
    said = [
        str(x.value) for x in at.text if "planner" in str(x.value) and latest.reason in str(x.value)
    ]
    assert len(said) == 1, [x.value for x in at.text]
    if lang == "zh":
        assert "在您打开后已被 planner" in said[0], said[0]
    else:
        assert "was changed by planner" in said[0] and "since you opened it" in said[0]


# --- Streamlit's own widget texts. An empty list of options says "No options to select"
# unless the widget has a placeholder (ours); the filter's "No results" has no setting,
# so the page draws ours over the empty list's element (ui/layout.SELECT_EMPTY_CLASSES).


def _styled_page(lang: str) -> None:
    from ui.layout import page_style

    page_style(lang)


def test_streamlit_no_results_is_drawn_in_the_pages_language() -> None:
    import streamlit

    from ui.layout import SELECT_EMPTY_CLASSES

    bundle = Path(streamlit.__file__).parent / "static" / "static" / "js"
    for widget, target in zip(("Selectbox", "Multiselect"), SELECT_EMPTY_CLASSES, strict=True):
        (script,) = bundle.glob(f"{widget}.*.js")
        text = script.read_text(encoding="utf-8")
        # The empty list is the span styled with this target class, and it says "No results".
        empty = re.search(r"renderEmptyState:\(\)=>\w+\((\w+),", text)
        assert empty, f"{widget}: Streamlit's empty list changed; look again"
        assert f"{empty.group(1)}=i(`span`,{{target:`{target}`}})" in text
        assert "No results" in text

    def style(lang: str) -> str:
        at = AppTest.from_function(_styled_page, args=(lang,))
        at.run()
        return " ".join(str(h.proto.body) for h in at.get("html"))

    zh = style("zh")
    assert all(f".{c}::after" in zh for c in SELECT_EMPTY_CLASSES)
    assert json.dumps(t("select_no_results", "zh"), ensure_ascii=False) in zh
    assert "No results" in style("en")


def test_an_empty_choice_says_so_in_the_pages_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No saved layers: the review's layer choice is empty and says why in Chinese
    (Streamlit would write "No options to select")."""
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    at = AppTest.from_function(review_page, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    empty = [w for w in (*at.selectbox, *at.multiselect) if not w.options]
    assert empty, "the page has an empty choice"
    for widget in empty:
        assert CJK.search(widget.proto.placeholder), widget.label


def test_the_zone_panel_says_source_and_assumptions_in_the_pages_language(app: AppTest) -> None:
    zone = "housing_dounan"
    plan = load_plan_layers().loc[zone]
    app.selectbox(key=state.SEARCH).set_value(zone).run()
    assert not app.exception, [e.value for e in app.exception]
    for lang in ("zh", "en"):
        texts = [str(x.value) for x in app.text]
        assert plan[f"assumptions_{lang}"] in texts
        assert any(x.endswith(f" — {plan[f'source_detail_{lang}']}") for x in texts), texts
        app.radio(key=state.LANG).set_value("English").run()


# --- The DXF reader and the CRS candidates (issue 13: the upload's reading is where a
# planner decides whether to trust the polygons). English phrases of the CLI must not be
# on the Chinese page; the English page shows what the CLI prints.


def _open_road_dxf() -> bytes:
    """A DXF (GBK, DXF 2000) whose only polyline is open: no polygon to read."""
    from tests.geo.test_dxf import drawing, dxf_bytes, gk_origin

    x0, y0 = gk_origin()
    doc = drawing()
    doc.layers.add("ROADS")
    doc.modelspace().add_lwpolyline([(x0, y0), (x0 + 300, y0 + 1)], dxfattribs={"layer": "ROADS"})
    return dxf_bytes(doc)


def test_a_dxf_without_closed_polylines_is_explained_in_the_pages_language(app: AppTest) -> None:
    from geo.errors import InputFileError
    from geo.upload import read_upload

    data = _open_road_dxf()
    with pytest.raises(InputFileError) as raised:  # what the CLI prints
        read_upload(data, "roads.dxf")
    english = str(raised.value)
    assert "no polygons" in english and "open polyline(s) not read" in english
    open_tab(app, "upload_tab")
    app.file_uploader(key=state.UPLOAD_FILE).set_value(("roads.dxf", data, "application/dxf"))
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    zh = _the_error(app, "roads.dxf")
    assert CJK.search(zh) and "'ROADS'" in zh, zh
    for phrase in ("no polygons", "open polyline", "not read", "export again", "apart"):
        assert phrase not in zh, f"English on the Chinese page: {zh}"
    app.radio(key=state.LANG).set_value("English").run()
    assert not app.exception, [e.value for e in app.exception]
    assert _the_error(app, "roads.dxf") == english


def test_a_crs_that_cannot_be_right_lists_the_candidates_in_the_pages_language(
    app: AppTest,
) -> None:
    """A CSV of Gauss-Kruger metres with no CRS, read as degrees (EPSG:4326 typed): the
    error lists the candidates that fit, in the page's language."""
    from geo.errors import CRSError
    from geo.upload import read_upload

    x, y = 500_000 + (LON0 - 102) * 100_000, LAT0 * 110_000
    csv = f'name,wkt\nsq,"{shapely.box(x, y, x + 100, y + 100).wkt}"\n'.encode()
    with pytest.raises(CRSError) as raised:  # what the CLI prints
        read_upload(csv, "gk.csv", crs="EPSG:4326")
    english = str(raised.value)
    assert "Candidates: EPSG:" in english and "km from the region centre" in english

    def error(at: AppTest) -> str:
        at.text_input(key=state.UPLOAD_CRS_TEXT).input("EPSG:4326")
        at.button(key=state.UPLOAD_CRS_USE).click().run()
        assert not at.exception, [e.value for e in at.exception]
        said = [str(x.value) for x in at.text if "EPSG:4326" in str(x.value)]
        assert len(said) == 1, said
        return said[0]

    open_tab(app, "upload_tab")
    app.file_uploader(key=state.UPLOAD_FILE).set_value(("gk.csv", csv, "text/csv"))
    app.run()
    zh = error(app)
    assert "中心 东经" in zh and "公里" in zh, zh
    for phrase in ("centre", "km from the region", "inside the region"):
        assert phrase not in zh, f"English on the Chinese page: {zh}"
    app.radio(key=state.LANG).set_value("English").run()
    assert error(app) == english
