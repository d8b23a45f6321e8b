"""GCJ-02 / BD-09 conversions against published reference points."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.measure.gcj02 import (
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    wgs84_to_gcj02,
)


def test_tiananmen_east_gcj_to_wgs() -> None:
    # MetroMan's 天安门东 station (GCJ-02) and its known WGS-84 position (gazetteer check).
    lon, lat = gcj02_to_wgs84(116.401208, 39.90777)
    assert lon == pytest.approx(116.39497, abs=1e-5)
    assert lat == pytest.approx(39.90637, abs=1e-5)


def test_gcoord_documented_gcj_to_wgs_example() -> None:
    # gcoord README: transform([123, 45], GCJ02, WGS84) -> [122.99395597, 44.99804071].
    # gcoord uses a one-step approximate inverse; the exact inverse agrees within 0.05 m.
    lon, lat = gcj02_to_wgs84(123.0, 45.0)
    assert lon == pytest.approx(122.99395597, abs=5e-7)
    assert lat == pytest.approx(44.99804071, abs=5e-7)


def test_gcoord_documented_wgs_to_bd09_example() -> None:
    # gcoord README: transform([116.403988, 39.914266], WGS84, BD09)
    #   -> [116.41661560068297, 39.92196580126834].
    bd_lon, bd_lat = gcj02_to_bd09(*wgs84_to_gcj02(116.403988, 39.914266))
    assert bd_lon == pytest.approx(116.41661560068297, abs=1e-8)
    assert bd_lat == pytest.approx(39.92196580126834, abs=1e-8)
    lon, lat = gcj02_to_wgs84(*bd09_to_gcj02(116.41661560068297, 39.92196580126834))
    assert lon == pytest.approx(116.403988, abs=2e-6)
    assert lat == pytest.approx(39.914266, abs=2e-6)


def test_kunming_south_station_osm_agrees_with_metro_stop_latitude() -> None:
    # OSM (WGS-84) 昆明南站 converted to GCJ-02 lands on the latitude of the MetroMan
    # (GCJ-02) 昆明南火车站 stop (24.870526) within ~30 m; unconverted it is ~340 m off.
    _lon, lat = wgs84_to_gcj02(102.8603804, 24.8733628)
    assert abs(float(lat) - 24.870526) < 0.0003
    assert abs(24.8733628 - 24.870526) > 0.0025


def test_offset_at_chenggong_is_east_and_south() -> None:
    # About 145 m east and 340 m south (gazetteer conventions).
    lon, lat = wgs84_to_gcj02(102.83, 24.87)
    assert 0.0010 < float(lon) - 102.83 < 0.0020
    assert -0.0040 < float(lat) - 24.87 < -0.0025


def test_outside_china_unchanged() -> None:
    lon, lat = wgs84_to_gcj02([2.35, 102.83], [48.85, 24.87])
    assert out_of_china([2.35, 102.83], [48.85, 24.87]).tolist() == [True, False]
    assert lon[0] == 2.35 and lat[0] == 48.85
    back = gcj02_to_wgs84(2.35, 48.85)
    assert (float(back[0]), float(back[1])) == (2.35, 48.85)


def test_vectorised_shapes_and_mismatch() -> None:
    lon = np.full((2, 3), 102.8)
    lat = np.full((2, 3), 24.9)
    out_lon, out_lat = gcj02_to_wgs84(lon, lat)
    assert out_lon.shape == (2, 3) and out_lat.shape == (2, 3)
    with pytest.raises(ValueError, match="same shape"):
        wgs84_to_gcj02([1.0, 2.0], [1.0])


@settings(max_examples=200, deadline=None)
@given(
    lon=st.floats(min_value=73.0, max_value=135.0),
    lat=st.floats(min_value=18.0, max_value=53.0),
)
def test_inverse_is_exact(lon: float, lat: float) -> None:
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert abs(float(back_lon) - lon) < 1e-9
    assert abs(float(back_lat) - lat) < 1e-9
