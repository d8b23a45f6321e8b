"""A saved layer's display features are made once per version and drawn on every rerun
(ui/upload_map.py caches them for all sessions): drawing must never change them."""

from __future__ import annotations

import copy

import folium

from layers.user_layer import layer_features, user_layer, user_layer_from
from tests.conftest import gk_boxes


def test_drawing_leaves_the_cached_features_unchanged() -> None:
    layer = gk_boxes((0, 0, 300, 300), (300, 0, 600, 300), (600, 0, 900, 300))
    layer = layer.to_crs("EPSG:4326")
    layer["名称"] = ["same", "same", "<b>x</b>"]  # no unique property: folium needs ids
    features = layer_features(layer)
    before = copy.deepcopy(features.data)
    for colour in ("#d62728", "#9467bd"):  # two reruns (or sessions), two colours
        m = folium.Map()
        user_layer_from(features, name="p", color=colour).add_to(m)
        html = m.get_root().render()
        assert colour in html
    assert features.data == before
    assert [f["id"] for f in before["features"]] == ["0", "1", "2"]
    assert [f["properties"]["f1"] for f in before["features"]] == ["same", "same", "<b>x</b>"]


def test_user_layer_is_its_features_drawn() -> None:
    layer = gk_boxes((0, 0, 300, 300), (300, 0, 600, 300)).to_crs("EPSG:4326")
    layer["name"] = ["a", "b"]
    drawn = user_layer(layer, name="p", color="#d62728")
    assert drawn.data == layer_features(layer).data
