"""What geo/ says about saved layers, CRSs, exports, the land-use review and the map
editor is a declared text (issue 13): ``str()`` is the English the CLI prints, word for
word as before; the page says it in Chinese (:func:`geo.declared.i18n.say`)."""

from __future__ import annotations

import re
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.declared.i18n import say
from geo.declared.registry import load_registry
from geo.errors import GeoError
from tests.conftest import gk_boxes

CJK = re.compile(r"[\u4e00-\u9fff]")
LAYER_ID = "ab" * 16


def _gone() -> None:
    from geo.store.workspace import LayerGoneError

    raise LayerGoneError(LAYER_ID)


def _empty_name() -> None:
    from geo.store.workspace import clean_name

    clean_name(" \n ")


def _no_crs() -> None:
    from geo.measure.crs import require_crs

    require_crs(gk_boxes((0, 0, 10, 10)).set_crs(None, allow_override=True), name="a.csv")


def _mixed_crs() -> None:
    from geo.measure.crs import require_same_crs

    a = gk_boxes((0, 0, 10, 10))
    require_same_crs(a.to_crs("EPSG:4543"), a, names=("a", "b"))


def _map_of_nothing() -> None:
    from geo.export.maps import select_features

    frame = gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    select_features(frame, layers=["extents"], registry=load_registry())


def _no_code_column() -> None:
    from geo.review.landuse import detect_columns, load_codes

    detect_columns(pd.DataFrame({"名称": ["a"]}), table=load_codes())


def _drawing_of_a_point() -> None:
    from geo.edit.draw import parse_drawing

    parse_drawing('{"type": "Point", "coordinates": [102.8, 24.9]}')


CASES: dict[str, tuple[Callable[[], None], str]] = {
    "layer gone": (
        _gone,
        f"workspace layer {LAYER_ID} was deleted (by another session); choose another layer "
        "from the list.",
    ),
    "empty name": (_empty_name, "layer name ' \\n ' is empty; give the layer a name."),
    "no CRS": (
        _no_crs,
        "a.csv: the layer has no coordinate reference system. Declare it in the file (a .prj "
        "for Shapefiles) or choose one explicitly; it is not guessed.",
    ),
    "mixed CRS": (
        _mixed_crs,
        "a is in EPSG:4543 but b is in EPSG:4326; reproject one with .to_crs() before "
        "comparing them.",
    ),
    "map without a layer column": (
        _map_of_nothing,
        "map features: no 'layer' column; each feature must name its layer id (one of "
        "config/layers.toml).",
    ),
    "no land-use code column": (_no_code_column, "no land-use code column found; looked for"),
    "a drawn point": (
        _drawing_of_a_point,
        "the drawing: 1 problem(s):\n  - shape 1: a Point is not a polygon; draw an area "
        "(polygon or rectangle)",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_english_is_the_clis_and_the_page_says_it_in_chinese(case: str) -> None:
    action, english = CASES[case]
    with pytest.raises(GeoError) as raised:
        action()
    assert str(raised.value).startswith(english), str(raised.value)
    zh = say(raised.value, "zh")
    assert CJK.search(zh), zh
    assert say(raised.value, "en") == str(raised.value)
    words = re.findall(r"\b[a-z]{3,}(?: [a-z]{2,}){2,}\b", zh)
    assert not words, f"English phrases on the Chinese page: {words} in {zh}"


def test_an_edit_states_its_provenance_in_both_languages() -> None:
    """The zone panel reads ``source_detail_<lang>``: an edited shape says it was edited
    in either language (not the provenance of the shape it replaced)."""
    from geo.edit.draw import edited_frame, new_zone_frame
    from geo.plan.zones import load_plan_layers

    plan = load_plan_layers()
    row = plan[plan["id"] == "fin_sci_tech_finance_centre"]
    before_zh = str(row["source_detail_zh"].iloc[0])
    out = edited_frame(row, shapely.box(102.85, 24.86, 102.86, 24.87), accuracy_m=20, editor="p")
    zh, en = out["source_detail_zh"].iloc[0], out["source_detail_en"].iloc[0]
    previous = f"{row['geometry_source'].iloc[0]} — {before_zh}"
    assert zh == f"由 p 在应用中编辑；所述精度 20 米；此前：{previous}"
    assert en == out["source_detail"].iloc[0]
    assert en.startswith("edited in the app by p; stated accuracy 20 m; previously: ")
    new = new_zone_frame(
        shapely.box(102.85, 24.86, 102.86, 24.87), element_id="park_new_east", name_zh="新园区",
        name_en="New park", layer="university_industry", kind="industrial_park",
        level="district", accuracy_m=30, editor="p",
    )  # fmt: skip
    assert new["source_detail_zh"].iloc[0] == "由 p 在应用中绘制；所述精度 30 米"
    assert new["source_detail_en"].iloc[0] == new["source_detail"].iloc[0]
    assert new["assumptions_en"].iloc[0] == "drawn by hand on the app's map; no survey"
    assert CJK.search(new["assumptions_zh"].iloc[0])


def test_an_adopted_shape_states_its_source_in_both_languages() -> None:
    from geo.edit.adopt import SourceDocument, provenance

    source = SourceDocument(
        file="红线.dxf", document="昆规批〔2024〕12号", accuracy_m=0.5, layer="A"
    )
    record = provenance(source, ["#1", "#2"])
    assert (
        record["source_detail"]
        == record["source_detail_en"]
        == (
            "authoritative: 红线.dxf, layer A, feature(s) #1, #2; document 昆规批〔2024〕12号; "
            "stated accuracy 0.5 m"
        )
    )
    assert record["source_detail_zh"] == (
        "权威来源：红线.dxf，图层 A，要素 #1, #2；文件 昆规批〔2024〕12号；所述精度 0.5 米"
    )
