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
