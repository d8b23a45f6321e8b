"""Display copies: lighter and (for Amap tiles) shifted, never used for figures."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.display import (
    display_copy,
    geojson_dict,
    grid_summary,
    to_gcj02_for_display,
    within_view,
)
from geo.errors import CRSError
from geo.measure.area import ellipsoidal_area_m2


def _circle() -> gpd.GeoDataFrame:
    disc = gpd.GeoSeries([shapely.Point(0, 0).buffer(1000, quad_segs=256)], crs="EPSG:4543")
    frame = gpd.GeoDataFrame({"id": ["c"], "name_zh": ["圆"]}, geometry=disc)
    return frame.to_crs("EPSG:4326")


def test_simplified_copy_has_fewer_vertices_and_nearly_the_same_area() -> None:
    full = _circle()
    light = display_copy(full, tolerance_m=5.0)
    assert shapely.get_num_coordinates(light.geometry.iloc[0]) < shapely.get_num_coordinates(
        full.geometry.iloc[0]
    )
    assert ellipsoidal_area_m2(light).iloc[0] == pytest.approx(
        ellipsoidal_area_m2(full).iloc[0], rel=0.01
    )
    assert full.geometry.iloc[0].equals(_circle().geometry.iloc[0]), "input untouched"


def test_gcj02_shift_matches_the_offset_at_chenggong() -> None:
    point = gpd.GeoDataFrame({"id": ["p"]}, geometry=[shapely.Point(102.83, 24.87)], crs=4326)
    shifted = to_gcj02_for_display(point).geometry.iloc[0]
    # Gazetteer: GCJ − WGS ≈ +0.00142° lon, −0.00306° lat at 102.83 E, 24.87 N.
    assert shifted.x - 102.83 == pytest.approx(0.00142, abs=0.0001)
    assert shifted.y - 24.87 == pytest.approx(-0.00306, abs=0.0001)
    with pytest.raises(CRSError, match="expects EPSG:4326"):
        to_gcj02_for_display(point.to_crs("EPSG:4543"))


def test_geojson_dict_keeps_only_the_asked_columns_and_rounds() -> None:
    data = geojson_dict(_circle(), columns=["id"], precision=5)
    feature = data["features"][0]
    assert feature["properties"] == {"id": "c"}
    x, y = feature["geometry"]["coordinates"][0][0]
    assert round(x, 5) == x and round(y, 5) == y


def test_grid_summary_counts_every_feature_once_and_keeps_the_area() -> None:
    from tests.conftest import gk_boxes

    parcels = gk_boxes(
        *[(x * 100, y * 100, x * 100 + 80, y * 100 + 80) for x in range(20) for y in range(20)]
    )
    cells = grid_summary(parcels, cell_m=500.0)
    assert cells["count"].sum() == len(parcels)
    assert cells["area_m2"].sum() == pytest.approx(ellipsoidal_area_m2(parcels).sum(), rel=1e-6)
    assert len(cells) < len(parcels) / 10
    assert cells.crs == parcels.crs


def test_within_view_caps_and_says_so() -> None:
    from tests.conftest import gk_boxes

    parcels = gk_boxes(*[(x * 100, 0, x * 100 + 80, 80) for x in range(50)])
    view = tuple(parcels.iloc[:10].total_bounds)
    shown, cut = within_view(parcels, bounds=view, limit=100)  # type: ignore[arg-type]
    assert set(shown.index) >= set(parcels.index[:10])
    assert not cut
    few, cut = within_view(parcels, bounds=view, limit=3)  # type: ignore[arg-type]
    assert len(few) == 3
    assert cut


def test_display_copy_stays_within_the_vertex_budget_even_unsimplified() -> None:
    from geo.display import MAX_DISPLAY_VERTICES
    from tests.conftest import X0, Y0

    angles = np.linspace(0.0, 2 * np.pi, 200_000, endpoint=False)
    ring = np.column_stack([X0 + 2000 * np.cos(angles), Y0 + 2000 * np.sin(angles)])
    disc = gpd.GeoSeries([shapely.Polygon(ring)], crs="EPSG:4543")
    full = gpd.GeoDataFrame({"id": ["c"]}, geometry=disc).to_crs("EPSG:4326")
    assert shapely.get_num_coordinates(full.geometry.iloc[0]) == 200_001
    light = display_copy(full, tolerance_m=0.0)
    assert 100 < shapely.get_num_coordinates(light.geometry.iloc[0]) <= MAX_DISPLAY_VERTICES
    assert ellipsoidal_area_m2(light).iloc[0] == pytest.approx(
        ellipsoidal_area_m2(full).iloc[0], rel=2e-3
    )
    assert shapely.get_num_coordinates(full.geometry.iloc[0]) == 200_001, "input untouched"


def test_display_table_cuts_long_text_and_names_only() -> None:
    import pandas as pd

    from geo.display import display_table

    table = pd.DataFrame(
        {"note": ["长" * 500, "短", None], "n": [1, 2, 3], "x" * 250: ["a", "b", "c"]}
    )
    shown = display_table(table)
    assert list(shown.columns) == ["note", "n", "x" * 200 + "…"]
    assert shown["note"].iloc[0] == "长" * 200 + "…"
    assert shown["note"].iloc[1] == "短"
    assert pd.isna(shown["note"].iloc[2])
    assert shown["n"].tolist() == [1, 2, 3]
    assert table["note"].iloc[0] == "长" * 500, "the table itself keeps the full text"


def test_display_table_shows_at_most_max_rows() -> None:
    import pandas as pd

    from geo.display import display_table

    table = pd.DataFrame({"n": range(12_000), "note": ["x"] * 12_000})
    assert len(display_table(table)) == 5_000
    assert display_table(table, max_rows=10)["n"].tolist() == list(range(10))
    assert len(table) == 12_000


def test_pages_of_a_table_are_its_rows_in_order_and_nothing_else() -> None:
    from geo.display import display_table, page_count

    df = pd.DataFrame({"n": range(1_050), "text": ["七" * 3] * 1_050})
    pages = page_count(len(df), page_rows=200)
    assert pages == 6
    shown = [display_table(df, start=k * 200, max_rows=200) for k in range(pages)]
    assert [len(p) for p in shown] == [200, 200, 200, 200, 200, 50]
    assert pd.concat(shown)["n"].tolist() == list(range(1_050))
    assert display_table(df, start=5_000, max_rows=200).empty


def test_literal_markdown_escapes_every_markdown_character() -> None:
    """CommonMark: a backslash before ASCII punctuation makes it literal, so a name made
    of Markdown, HTML and Streamlit's directives is shown exactly as typed."""
    from geo.display import literal_markdown

    hostile = "**粗** _i_ [link](http://x) <img src=x onerror=1> :red[红] $x^2$ `c` #h\nline"
    out = literal_markdown(hostile)
    assert "\n" not in out
    # Reading it back: drop each backslash escape and get the text (newline as space).
    unescaped = re.sub(r"\\(.)", r"\1", out)
    assert unescaped == hostile.replace("\n", " ")
    # No punctuation character is left unescaped.
    i = 0
    while i < len(out):
        if out[i] == "\\":
            i += 2
            continue
        assert not (out[i].isascii() and not out[i].isalnum() and not out[i].isspace()), out[i]
        i += 1
    assert literal_markdown(None) == ""
