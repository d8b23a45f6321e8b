"""A saved layer comes back exactly as it went in, on both back-ends: the bulk insert
(PostGIS: one binary COPY stream; SQLite: executemany over zipped columns) keeps every
geometry, attribute, bound and feature number, including the awkward ones."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from sqlalchemy import select

from geo.store import schema as s
from geo.store.store import Store
from tests.store.conftest import BACKENDS

pytestmark = BACKENDS

AWKWARD_TEXT = ["地块\t一", 'say "hi"\\n', "line\nbreak", "", None]


def _layer() -> gpd.GeoDataFrame:
    square = shapely.box(102.80, 24.80, 102.81, 24.81)
    holed = square.difference(shapely.box(102.802, 24.802, 102.803, 24.803))
    return gpd.GeoDataFrame(
        {
            "name": AWKWARD_TEXT,
            "area_ha": [1.0, float("nan"), 2.5e-9, 123456789.123456, -0.0],
            "count": [1, 2, 3, 4, 5],
        },
        geometry=[
            square,
            None,
            holed,
            shapely.Polygon(),
            shapely.MultiPolygon([shapely.box(102.9, 24.9, 102.91, 24.91), square]),
        ],
        crs="EPSG:4326",
    )


def test_every_feature_comes_back(store: Store) -> None:
    user = store.add_user("alice", "alice-pass-1", "editor")
    frame = _layer()
    v = store.save_layer(user, frame, name="awkward")
    back = store.read(user, v.object_id)
    assert len(back) == len(frame) == v.feature_count
    names = back["name"].astype(object)
    assert names.where(names.notna(), None).tolist() == AWKWARD_TEXT  # null: missing
    assert back["count"].tolist() == [1, 2, 3, 4, 5]
    assert back["area_ha"].iloc[0] == 1.0 and math.isnan(back["area_ha"].iloc[1])
    assert back["area_ha"].iloc[3] == 123456789.123456
    assert back.geometry.iloc[1] is None
    assert back.geometry.iloc[3].is_empty
    for k in (0, 2, 4):
        assert shapely.equals_exact(back.geometry.iloc[k], frame.geometry.iloc[k], tolerance=0)


def test_bounds_and_numbers_are_stored(store: Store) -> None:
    user = store.add_user("alice", "alice-pass-1", "editor")
    frame = _layer()
    v = store.save_layer(user, frame, name="awkward")
    f = s.features
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(f.c.feature_no, f.c.minx, f.c.miny, f.c.maxx, f.c.maxy)
            .where(f.c.object_id == v.object_id)
            .order_by(f.c.feature_no)
        ).all()
    assert [r.feature_no for r in rows] == [0, 1, 2, 3, 4]
    expected = shapely.bounds(np.asarray(frame.geometry.array))
    for row, box in zip(rows, expected, strict=True):
        got = [row.minx, row.miny, row.maxx, row.maxy]
        if np.isnan(box).any():  # missing or empty: no bounds
            assert got == [None] * 4
        else:
            assert got == pytest.approx(box.tolist(), abs=0)


def test_a_large_layer_crosses_the_copy_blocks(store: Store) -> None:
    """More features than one block of the bulk insert (10,000): numbering continues."""
    user = store.add_user("alice", "alice-pass-1", "editor")
    xs = 102.8 + 0.0001 * np.arange(10_003)
    frame = gpd.GeoDataFrame(
        {"n": np.arange(10_003)}, geometry=shapely.points(xs, 24.8), crs="EPSG:4326"
    )
    v = store.save_layer(user, frame, name="points")
    back = store.read(user, v.object_id)
    assert back["n"].tolist() == list(range(10_003))
    assert np.allclose(shapely.get_x(np.asarray(back.geometry.array)), xs, rtol=0, atol=0)
