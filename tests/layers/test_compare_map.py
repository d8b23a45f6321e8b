"""The difference map: each piece kind in its own style and group, ids escaped."""

from __future__ import annotations

import folium
import geopandas as gpd
import shapely

from geo.edit.compare import compare_layers
from layers.compare_map import PIECE_STYLES, difference_map

LABELS = {"added": "新增", "removed": "删除", "unchanged": "未变"}


def test_added_removed_and_unchanged_pieces_are_drawn_apart() -> None:
    before = gpd.GeoDataFrame(
        {"id": ["<b>x</b>"]}, geometry=[shapely.box(102.80, 24.80, 102.82, 24.82)], crs=4326
    )
    after = before.set_geometry([shapely.box(102.81, 24.80, 102.83, 24.82)], crs=4326)
    pieces = compare_layers(before, after).pieces
    assert sorted(pieces["piece"]) == ["added", "removed", "unchanged"]
    m = difference_map(pieces, piece_labels=LABELS)
    groups = [c for c in m._children.values() if isinstance(c, folium.GeoJson)]
    assert [g.layer_name for g in groups] == ["未变", "删除", "新增"], "added drawn last"
    for group, piece in zip(groups, ("unchanged", "removed", "added"), strict=True):
        feature = group.data["features"][0]
        assert group.style_function(feature) == PIECE_STYLES[piece]
        assert feature["properties"]["id"] == "&lt;b&gt;x&lt;/b&gt;", "escaped for the tooltip"
    assert len({str(s["color"]) for s in PIECE_STYLES.values()}) == 3
    assert "<b>x</b>" not in m.get_root().render()


def test_swipe_map_puts_before_left_and_after_right_each_in_its_pane() -> None:
    from folium.plugins import SideBySideLayers

    from geo.edit.compare import side_shapes
    from layers.compare_map import SIDE_STYLES, SWIPE_PANES, swipe_map
    from layers.offline import use_local_assets

    before = gpd.GeoDataFrame(
        {"id": ["a", "b"], "name_zh": ["甲", "<i>乙</i>"], "name_en": ["A", "B"]},
        geometry=[
            shapely.box(102.80, 24.80, 102.82, 24.82),
            shapely.box(102.9, 24.8, 102.91, 24.81),
        ],
        crs=4326,
    )
    after = before.iloc[:1].set_geometry([shapely.box(102.81, 24.80, 102.83, 24.82)], crs=4326)
    comparison = compare_layers(before, after)
    left, right = side_shapes(comparison, "before"), side_shapes(comparison, "after")
    assert list(left["id"]) == ["a", "b"] and list(right["id"]) == ["a"], "b has no after shape"
    m = swipe_map(left, right, side_labels={"before": "之前", "after": "之后"})
    layers = [c for c in m._children.values() if isinstance(c, folium.GeoJson)]
    (control,) = [c for c in m._children.values() if isinstance(c, SideBySideLayers)]
    assert control.layer_left is layers[0] and control.layer_right is layers[1]
    for layer, side in zip(layers, ("before", "after"), strict=True):
        assert layer.options["pane"] == SWIPE_PANES[side]
        feature = layer.data["features"][0]
        assert layer.style_function(feature) == SIDE_STYLES[side]
        assert feature["properties"]["piece"] == {"before": "之前", "after": "之后"}[side]
    assert layers[0].data["features"][1]["properties"]["id"] == "&lt;i&gt;乙&lt;/i&gt; · b"
    html = use_local_assets(m).get_root().render()
    assert "leaflet-side-by-side-2.2.0/leaflet-side-by-side.js" in html
    assert "digidem" not in html, "the CDN copy is not loaded"
    assert "<i>乙</i>" not in html


def test_the_pick_map_sends_back_the_clicked_features_position() -> None:
    from layers.compare_map import (
        PICK_STYLES,
        POSITION_PROPERTY,
        clicked_position,
        feature_pick_map,
    )

    features = gpd.GeoDataFrame(
        geometry=[
            shapely.box(102.80, 24.80, 102.81, 24.81),
            shapely.box(102.82, 24.8, 102.83, 24.81),
        ],
        crs=4326,
    )
    element = features.iloc[:1].set_geometry(
        [shapely.box(102.79, 24.79, 102.815, 24.815)], crs=4326
    )
    m = feature_pick_map(
        features, labels=["要素 #1 · <b>x</b>", "要素 #2"], assigned={1: "大学城"}, element=element
    )
    groups = [c for c in m._children.values() if isinstance(c, folium.GeoJson)]
    outline, clickable = groups
    assert outline.style_function(outline.data["features"][0]) == PICK_STYLES["element"]
    props = [f["properties"] for f in clickable.data["features"]]
    assert [p[POSITION_PROPERTY] for p in props] == [0, 1]
    assert props[0]["label"] == "要素 #1 · &lt;b&gt;x&lt;/b&gt;"
    assert props[1]["label"] == "要素 #2 → 大学城"
    assert [clickable.style_function(f) for f in clickable.data["features"]] == [
        PICK_STYLES["free"], PICK_STYLES["assigned"],
    ]  # fmt: skip
    # What streamlit-folium's last_active_drawing holds after a click: the feature.
    assert clicked_position(clickable.data["features"][1]) == 1
    assert clicked_position(None) is None
    assert clicked_position({"properties": {POSITION_PROPERTY: True}}) is None
    assert clicked_position({"type": "Feature", "properties": {}}) is None
