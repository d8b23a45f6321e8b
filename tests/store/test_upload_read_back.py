"""A layer the page has just saved is kept as the saved layer's features instead of
being read back (ui/uploads.py ``remember_saved``) only when the store gives back exactly
that frame: checked here against the store's own read, on both back-ends."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.io import geojson_text
from geo.store.layers import UserLayers
from geo.store.store import Store
from geo.upload import LoadedLayer, read_upload
from tests.conftest import gk_boxes
from tests.store.conftest import BACKENDS
from ui.uploads import reads_back_unchanged


def _loaded(frame: gpd.GeoDataFrame) -> tuple[LoadedLayer, bytes]:
    data = geojson_text(frame).encode("utf-8")
    loaded = read_upload(data, "parcels.geojson")
    assert isinstance(loaded, LoadedLayer)
    return loaded, data


def _saved_and_read(
    store: Store, tmp_path: Path, loaded: LoadedLayer, data: bytes
) -> gpd.GeoDataFrame:
    layers = UserLayers(store, store.local_user("planner"), tmp_path / "ws")
    return layers.read(layers.save(loaded, data, name="p").layer_id)


@BACKENDS
def test_text_and_whole_numbers_come_back_exactly(store: Store, tmp_path: Path) -> None:
    boxes = gk_boxes((0, 0, 300, 300), (300, 0, 600, 300), (5000, 0, 5001, 1), ids=["a", "b", "c"])
    boxes["名称"] = ['地块 "一"', None, "tab\there\\"]
    boxes["floors"] = np.array([3, -1, 2**40], dtype=np.int64)
    boxes["public"] = [True, False, True]
    loaded, data = _loaded(boxes)
    frame = loaded.frame
    assert reads_back_unchanged(frame), frame.dtypes
    back = _saved_and_read(store, tmp_path, loaded, data)
    pd.testing.assert_frame_equal(pd.DataFrame(back), pd.DataFrame(frame))
    assert shapely.equals_exact(back.geometry.array, frame.geometry.array, tolerance=0).all()


@BACKENDS
@pytest.mark.parametrize(
    "values",
    [
        [0.1 + 0.2, 1 / 3, 2.0],  # floats are stored to 15 significant digits
        [1, None, 3],  # whole numbers with a gap: floats
    ],
)
def test_other_attributes_are_read_back(values: list[object], store: Store, tmp_path: Path) -> None:
    boxes = gk_boxes((0, 0, 300, 300), (300, 0, 600, 300), (600, 0, 900, 300))
    boxes["x"] = values
    loaded, data = _loaded(boxes)
    assert not reads_back_unchanged(loaded.frame)
    back = _saved_and_read(store, tmp_path, loaded, data)  # read back, as before
    expected = pd.to_numeric(loaded.frame["x"]).to_numpy(dtype=float)
    np.testing.assert_allclose(back["x"].to_numpy(dtype=float), expected, rtol=1e-14)


def test_an_index_other_than_positions_is_read_back() -> None:
    boxes = gk_boxes((0, 0, 300, 300), (300, 0, 600, 300)).to_crs("EPSG:4326")
    assert reads_back_unchanged(boxes.reset_index(drop=True)[["geometry"]])
    assert not reads_back_unchanged(boxes.set_axis([5, 7])[["geometry"]])
    assert not reads_back_unchanged(boxes.to_crs("EPSG:4543")[["geometry"]])
