"""GeoPackages are read through GDAL's Arrow stream: the same frame as the row reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo.io import ARROW_DRIVERS, read_vector


def test_arrow_read_gives_the_row_readers_frame(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {
            "名称": ["呈贡", None, "=1+1"],
            "count": pd.array([1, None, 2**40], dtype="Int64"),
            "ratio": [0.5, None, 1e-7],
            "flag": [True, False, True],
            "day": [dt.date(2026, 1, 1), None, dt.date(2020, 2, 29)],
            "when": pd.to_datetime(["2026-01-01 08:30:00", None, "2020-02-29 23:59:59"]),
        },
        geometry=[shapely.box(0, 0, 1, 1), None, shapely.Point(102.8, 24.9)],
        crs="EPSG:4326",
    )
    path = tmp_path / "mixed.gpkg"
    pyogrio.write_dataframe(frame, path, driver="GPKG")
    assert "GPKG" in ARROW_DRIVERS
    got = read_vector(path, drivers=frozenset({"GPKG"}), name="mixed.gpkg")
    rows = gpd.read_file(path, engine="pyogrio", use_arrow=False)
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.drop(columns="geometry")), pd.DataFrame(rows.drop(columns="geometry"))
    )
    assert got.crs == rows.crs
    assert list(got.geometry.isna()) == list(rows.geometry.isna()) == [False, True, False]
    assert shapely.equals(got.geometry.array[[0, 2]], rows.geometry.array[[0, 2]]).all()
