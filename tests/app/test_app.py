"""The Streamlit app, driven headlessly with Streamlit's AppTest (no browser)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo.declared.i18n import t
from tests.app.tabs import open_tab
from ui import state

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def _tab(at: AppTest, key: str) -> Any:
    """The tab labelled with the interface text ``key`` (in Chinese, the default)."""
    return next(tab for tab in at.tabs if tab.label == t(key, "zh"))


def _texts(at: AppTest) -> str:
    parts = [x.value for x in at.text] + [x.value for x in at.markdown]
    parts += [x.value for x in at.caption] + [x.value for x in at.title]
    return "\n".join(str(p) for p in parts)


def test_starts_in_chinese_with_the_declared_groups(app: AppTest) -> None:
    assert app.title[0].value == "呈贡规划一张图"
    labels = [c.label for c in app.checkbox]
    assert "金融商务与总部" in labels
    assert "省级 “1+3+N” 格局" in labels
    assert app.metric, "the area table shows its totals"


def test_switch_language(app: AppTest) -> None:
    app.radio(key=state.LANG).set_value("English").run()
    assert not app.exception
    assert app.title[0].value == "The planning map of Chenggong"
    assert "Finance, business and headquarters" in [c.label for c in app.checkbox]


def test_toggling_a_group_changes_the_area_table(app: AppTest) -> None:
    before = len(app.dataframe[0].value)
    app.checkbox(key=state.group_on("housing")).check().run()
    assert not app.exception
    after = len(app.dataframe[0].value)
    assert after > before
    app.checkbox(key=state.group_on("housing")).uncheck().run()
    assert len(app.dataframe[0].value) == before


def test_selecting_a_zone_shows_its_figures(app: AppTest) -> None:
    app.selectbox(key=state.SEARCH).set_value("fin_sci_tech_finance_centre").run()
    assert not app.exception
    text = _texts(app)
    assert "第二十五条" in text
    assert "平方公里" in text and "公顷" in text and "亩" in text
    assert "5 平方公里" in text  # the plan's stated land area
    assert "示意草图" in text  # a sketch: its west side and 和谐路 are sketched lines


def test_overlap_panel_lists_pairs(app: AppTest) -> None:
    open_tab(app, "overlap_tab")
    app.multiselect(key=state.OVERLAP_A).set_value(["layer:finance_business"])
    app.multiselect(key=state.OVERLAP_B).set_value(["layer:university_industry"]).run()
    assert not app.exception
    headers = [str(m.value) for m in app.markdown]
    assert any("重叠矩阵" in h for h in headers), headers
    pairs = _tab(app, "overlap_tab").dataframe[-1].value  # that tab's last table
    assert len(pairs) >= 1


def test_export_a_printed_map_from_a_preset(app: AppTest) -> None:
    open_tab(app, "export_tab")
    app.selectbox(key=state.EXPORT_PRESET).set_value("financial_district")
    app.selectbox(key=state.EXPORT_FMT).set_value("png")
    app.button(key=state.EXPORT_MAKE).click().run()
    assert not app.exception, [e.value for e in app.exception]
    downloads = app.get("download_button")
    labels = [d.proto.label for d in downloads]
    assert "下载 PNG" in labels


def test_export_layer_data(app: AppTest) -> None:
    open_tab(app, "export_tab")
    app.selectbox(key=state.EXPORT_LAYER_FMT).set_value("gpkg")
    app.button(key=state.EXPORT_LAYER_MAKE).click().run()
    assert not app.exception, [e.value for e in app.exception]
    labels = [d.proto.label for d in app.get("download_button")]
    assert "下载 GeoPackage" in labels


def test_a_large_saved_layer_is_shown_and_measured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """6,000 parcels (over the 5,000 drawn one by one) saved in the workspace: the app
    draws them as grid cells and measures them against the financial district."""
    from geo.io import geojson_text
    from geo.upload import LoadedLayer, read_upload
    from tests.app.embedded import embedded_layers
    from tests.conftest import gk_boxes

    parcels = gk_boxes(
        *[(x * 60.0, y * 60.0, x * 60.0 + 50, y * 60.0 + 50) for x in range(80) for y in range(75)]
    )
    data = geojson_text(parcels).encode("utf-8")
    loaded = read_upload(data, "parcels.geojson")
    assert isinstance(loaded, LoadedLayer)
    root = tmp_path / "workspace"
    saved = embedded_layers(root).save(loaded, data, name="地块")
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(root))

    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    open_tab(at, "upload_tab")
    at.checkbox(key=state.user_layer_on(saved.layer_id)).check().run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key=state.ANALYSE_LAYER).set_value(saved.layer_id)
    at.multiselect(key=state.ANALYSE_ZONES).set_value(["layer:finance_business"]).run()
    assert not at.exception, [e.value for e in at.exception]
    upload_tab = _tab(at, "upload_tab")  # its last tables, not those of the tabs after it
    by_zone = upload_tab.dataframe[-1].value
    assert "fin_sci_tech_finance_centre" in set(by_zone.iloc[:, 0])
    # 6,000 rows by feature: the page gets one page of them (200 rows) and says so.
    assert len(upload_tab.dataframe[-2].value) == 200
    assert any("1–200 / 6,000" in c.value for c in at.caption)


def test_plan_targets_tab(app: AppTest) -> None:
    open_tab(app, "indicators_tab")
    tables = [d.value for d in app.dataframe]
    targets = next(t for t in tables if "2025年目标" in t.columns)
    assert "创业孵化区面积" in set(targets["指标"])


def test_export_frames_the_selected_zone_or_says_why_not(app: AppTest) -> None:
    app.selectbox(key=state.SEARCH).set_value("fin_enterprise_rd_cluster").run()
    open_tab(app, "export_tab")
    app.selectbox(key=state.EXPORT_FMT).set_value("png")
    app.checkbox(key=state.EXPORT_ZOOM_SELECTED).check()
    app.button(key=state.EXPORT_MAKE).click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "下载 PNG" in [d.proto.label for d in app.get("download_button")]
    # A preset whose layers do not hold the zone: a clear message, no crash.
    app.selectbox(key=state.EXPORT_PRESET).set_value("overview_1_3_n")
    app.button(key=state.EXPORT_MAKE).click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert [e.value for e in app.error] == ["无法生成地图："]
    assert any("fin_enterprise_rd_cluster" in x.value for x in app.text)


def test_downloaded_tables_say_unit_method_and_crs() -> None:
    import io

    import openpyxl
    import pandas as pd

    from geo.export.tables import AREA_METHOD
    from ui.downloads import _file

    table = pd.DataFrame({"id": ["z1"], "area_ha": [12.5]}).assign(
        unit="ha", method=AREA_METHOD, crs="EPSG:4490"
    )
    book = openpyxl.load_workbook(io.BytesIO(_file(table, "xlsx", "areas")))
    notes = {row[0]: row[1] for row in book["notes"].iter_rows(min_row=2, values_only=True)}
    assert notes == {"unit": "ha", "method": AREA_METHOD, "crs": "EPSG:4490"}
    csv = _file(table, "csv", "areas").decode("utf-8-sig")
    assert csv.splitlines()[0] == "id,area_ha,unit,method,crs"


def test_the_district_outline_shows_its_land_area_beside_the_outline(app: AppTest) -> None:
    import geopandas as gpd

    from tests.geo.geod_reference import geod_area_m2

    plan = gpd.read_file(Path(APP).parent / "data" / "zones.geojson").set_index("id")
    outline = plan.loc["ext_chenggong_admin", "geometry"]
    lake = plan.loc["ctx_dianchi", "geometry"]
    land_km2 = geod_area_m2(outline.difference(lake)) / 1e6  # Geod directly, not geo.measure

    app.selectbox(key=state.SEARCH).set_value("ext_chenggong_admin").run()
    assert not app.exception
    assert f"**{t('area_land', 'zh')}**" in [str(x.value) for x in app.markdown]
    # Two lines in km² · 公顷 · 亩: the outline's ellipsoidal area, then its land area.
    lines = [str(x.value) for x in app.text if "平方公里 · " in str(x.value)]
    first = [float(v.split("平方公里")[0].lstrip("≈约 ").replace(",", "")) for v in lines]
    assert len(first) == 2, lines
    outline_km2 = geod_area_m2(outline) / 1e6
    assert abs(first[0] - outline_km2) <= 0.05 * outline_km2
    assert abs(first[1] - land_km2) <= 0.05 * land_km2  # rounded to the outline's accuracy
    assert first[1] < 0.95 * first[0]  # the lake strip is left out

    app.selectbox(key=state.SEARCH).set_value("fin_sci_tech_finance_centre").run()
    assert f"**{t('area_land', 'zh')}**" not in [str(x.value) for x in app.markdown]


def test_the_sidebar_lists_the_elements_not_located(app: AppTest) -> None:
    import geopandas as gpd

    plan = gpd.read_file(Path(APP).parent / "data" / "zones.geojson")
    missing = plan[plan.geometry.isna()]
    assert len(missing) >= 6  # the six placeholders at least
    heading = f"{t('not_located_heading', 'zh')} ({len(missing)})"
    assert heading in [e.label for e in app.sidebar.expander]
    shown = {str(x.value) for x in app.sidebar.text}
    assert set(missing["name_zh"]) <= shown
