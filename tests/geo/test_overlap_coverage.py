"""Covered area per feature (``overlap_totals``' ``covered_m2``): never more than the
feature, and the figure QGIS's ``native:calculatevectoroverlaps`` gives (the union of a
feature's intersections with the other layer, its area in one equal-area CRS)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.measure.crs import EQUAL_AREA
from geo.measure.overlap import overlap_pairs, overlap_totals
from tests.conftest import gk_boxes


def _qgis_like_covered_m2(layer: gpd.GeoDataFrame, other: gpd.GeoDataFrame) -> pd.Series:
    """Independently of geo.measure: both layers to the equal-area CRS with geopandas,
    then per feature the area of the union of its intersections with every feature of
    ``other`` (what calculatevectoroverlaps reports as the overlap area)."""
    own = layer.to_crs(EQUAL_AREA).geometry
    oth = list(other.to_crs(EQUAL_AREA).geometry)
    covered = [
        shapely.union_all([g.intersection(o) for o in oth if g.intersects(o)]).area for g in own
    ]
    return pd.Series(covered, index=layer.index)


def _parcels_over_overlapping_zones(seed: int, n: int) -> tuple[gpd.GeoDataFrame, ...]:
    """Parcels 40-160 m across scattered over 3 km; three zones that overlap each other,
    one of them a rotated, many-sided shape, so parcels are cut by two or three zones."""
    rng = np.random.default_rng(seed)
    xs, ys = rng.uniform(0, 3000, n), rng.uniform(0, 3000, n)
    ws, hs = rng.uniform(40, 160, n), rng.uniform(40, 160, n)
    parcels = gk_boxes(*[(x, y, x + w, y + h) for x, y, w, h in zip(xs, ys, ws, hs, strict=True)])
    zones = gk_boxes((0, 0, 1800, 1800), (1200, 1200, 3000, 2600), (300, 900, 2500, 1500))
    blob = shapely.Point(1500, 1500).buffer(900, quad_segs=32)
    blob = shapely.affinity.scale(blob, 1.0, 0.6)
    ring = np.asarray(blob.exterior.coords)
    shift = gk_boxes((0, 0, 1, 1)).to_crs("EPSG:4543").total_bounds[:2]
    extra = gpd.GeoDataFrame(
        {"id": ["blob"]}, geometry=[shapely.Polygon(ring + shift)], crs="EPSG:4543"
    ).to_crs("EPSG:4326")
    zones = pd.concat([zones, extra], ignore_index=True)
    return parcels, zones


@pytest.mark.parametrize("side", ["a", "b"])
def test_covered_area_is_the_qgis_union_of_intersections(side: str) -> None:
    parcels, zones = _parcels_over_overlapping_zones(seed=5, n=600)
    pairs = overlap_pairs(parcels, zones)
    layer, other = (parcels, zones) if side == "a" else (zones, parcels)
    totals = overlap_totals(pairs, layer, side=side, other=other)  # type: ignore[arg-type]
    expected = _qgis_like_covered_m2(layer, other)
    multi = totals["pair_count"] > 1
    assert multi.sum() >= (20 if side == "a" else 4)  # covered by several pieces
    # QGIS against a shapely union in one CRS: the same to 1e-12 of the feature's area.
    np.testing.assert_allclose(
        totals["covered_m2"], expected, rtol=0, atol=1e-9 * float(totals["area_m2"].max())
    )


def test_covered_area_of_a_parcel_cut_by_two_overlapping_zones_is_its_area() -> None:
    # A 100 m square, cut into thirds by zones that overlap in the middle: the pieces
    # overlap, their union is the whole parcel (the roundtrip bug made it larger).
    parcel = gk_boxes((0, 0, 100, 100), ids=["p"])
    zones = gk_boxes((-50, -50, 60, 150), (40, -50, 150, 150), ids=["w", "e"])
    pairs = overlap_pairs(parcel, zones)
    totals = overlap_totals(pairs, parcel, side="a", other=zones)
    area = float(totals["area_m2"].iloc[0])
    assert totals["overlap_sum_m2"].iloc[0] == pytest.approx(1.2 * area, rel=1e-9)
    assert abs(totals["covered_m2"].iloc[0] - area) <= 1e-9 * area


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 60),
    side=st.sampled_from(["a", "b"]),
)
def test_covered_never_exceeds_the_feature(seed: int, n: int, side: str) -> None:
    parcels, zones = _parcels_over_overlapping_zones(seed=seed, n=n)
    pairs = overlap_pairs(parcels, zones)
    layer, other = (parcels, zones) if side == "a" else (zones, parcels)
    totals = overlap_totals(pairs, layer, side=side, other=other)  # type: ignore[arg-type]
    # covered <= area; the only slack is the last bits of GEOS's own arithmetic.
    excess = totals["covered_m2"] - totals["area_m2"]
    assert (excess <= 1e-12 * totals["area_m2"]).all(), excess.max()
    assert (totals["covered_m2"] <= totals["overlap_sum_m2"] * (1 + 1e-12)).all()
    assert (totals["covered_m2"] >= 0).all()
