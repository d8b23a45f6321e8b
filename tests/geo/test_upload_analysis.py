"""An uploaded layer against plan zones: hand-computable rectangles in EPSG:4543 metres."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.upload import overlap_with_zones
from tests.conftest import gk_boxes

REL = 1e-3  # ellipsoidal vs Gauss-Kruger near Chenggong: about 0.017 %


@pytest.fixture
def zones() -> gpd.GeoDataFrame:
    # Zone A: 1 km x 1 km; zone B: the next 1 km x 1 km to the east.
    return gk_boxes((0, 0, 1000, 1000), (1000, 0, 2000, 1000), ids=["A", "B"])


@pytest.fixture
def upload() -> gpd.GeoDataFrame:
    layer = gk_boxes(
        (500, 0, 1500, 500),  # half in A, half in B: 0.25 km² each
        (0, 0, 200, 200),  # wholly in A
        (5000, 5000, 5100, 5100),  # in no zone
        (100, 100, 300, 300),  # overlaps the second parcel: counted once per zone
        ids=["p1", "p2", "p3", "p4"],
    )
    layer["地块编号"] = ["D-1", "D-2", "D-3", "D-4"]
    return layer


def test_pairs(zones: gpd.GeoDataFrame, upload: gpd.GeoDataFrame) -> None:
    result = overlap_with_zones(upload, zones, zone_id_column="id", upload_id_column="地块编号")
    pairs = result.pairs.set_index(["feature", "zone"])
    assert sorted(pairs.index) == [("D-1", "A"), ("D-1", "B"), ("D-2", "A"), ("D-4", "A")]
    assert pairs.loc[("D-1", "A"), "overlap_m2"] == pytest.approx(250_000, rel=REL)
    assert pairs.loc[("D-1", "B"), "overlap_ha"] == pytest.approx(25.0, rel=REL)
    assert pairs.loc[("D-1", "B"), "overlap_mu"] == pytest.approx(375.0, rel=REL)
    assert pairs.loc[("D-1", "A"), "feature_share"] == pytest.approx(0.5, rel=REL)
    assert pairs.loc[("D-1", "A"), "zone_share"] == pytest.approx(0.25, rel=REL)
    assert pairs.loc[("D-2", "A"), "feature_share"] == pytest.approx(1.0)
    assert result.pairs.crs == upload.crs
    assert shapely.area(result.pairs.geometry.iloc[0]) > 0


def test_by_feature(zones: gpd.GeoDataFrame, upload: gpd.GeoDataFrame) -> None:
    by = overlap_with_zones(upload, zones, zone_id_column="id").by_feature
    assert list(by.index) == list(upload.index)
    assert by["zone_count"].tolist() == [2, 1, 0, 1]
    assert by["zones"].tolist()[1:] == ["A", "", "A"]
    assert set(by["zones"].iloc[0].split("; ")) == {"A", "B"}
    assert by["in_zones_share"].tolist() == pytest.approx([1.0, 1.0, 0.0, 1.0], abs=1e-5)
    assert by["in_zones_m2"].iloc[0] == pytest.approx(500_000, rel=REL)
    assert by["feature"].tolist() == ["0", "1", "2", "3"]


def test_by_zone_counts_overlapping_uploads_once(
    zones: gpd.GeoDataFrame, upload: gpd.GeoDataFrame
) -> None:
    by = overlap_with_zones(upload, zones, zone_id_column="id").by_zone
    assert by["zone"].tolist() == ["A", "B"]
    # A holds half of p1 (250 000) and the union of p2 and p4 (40 000 + 40 000 - 10 000).
    assert by["upload_inside_m2"].iloc[0] == pytest.approx(250_000 + 70_000, rel=REL)
    assert by["upload_inside_m2"].iloc[1] == pytest.approx(250_000, rel=REL)
    assert by["zone_covered_share"].tolist() == pytest.approx([0.32, 0.25], rel=REL)
    assert by["feature_count"].tolist() == [3, 1]
    assert by["upload_inside_mu"].iloc[1] == pytest.approx(375.0, rel=REL)


def test_unknown_id_column(zones: gpd.GeoDataFrame, upload: gpd.GeoDataFrame) -> None:
    with pytest.raises(KeyError, match="no column 'name'"):
        overlap_with_zones(upload, zones, zone_id_column="name")


def test_points_and_lines_are_placed_in_zones_without_area(zones: gpd.GeoDataFrame) -> None:
    from tests.conftest import X0, Y0

    geoms = gpd.GeoSeries(
        [
            shapely.Point(X0 + 250, Y0 + 250),  # in A
            shapely.Point(X0 + 9000, Y0 + 9000),  # in no zone
            shapely.LineString([(X0 + 500, Y0 + 500), (X0 + 1500, Y0 + 500)]),  # crosses A, B
        ],
        crs="EPSG:4543",
    ).to_crs("EPSG:4326")
    upload = gpd.GeoDataFrame({"name": ["pt-in", "pt-out", "road"]}, geometry=geoms.array)
    upload = upload.set_crs("EPSG:4326")
    result = overlap_with_zones(upload, zones, zone_id_column="id", upload_id_column="name")
    assert result.pairs.empty, "points and lines have no area to share"
    by_feature = result.by_feature.set_index("feature")
    assert by_feature.loc["pt-in", "zones"] == "A"
    assert by_feature.loc["pt-out", "zones"] == ""
    assert by_feature.loc["pt-out", "zone_count"] == 0
    assert sorted(by_feature.loc["road", "zones"].split("; ")) == ["A", "B"]
    assert (by_feature["area_m2"] == 0).all()
    by_zone = result.by_zone.set_index("zone")
    assert by_zone.loc["A", "point_line_count"] == 2
    assert by_zone.loc["B", "point_line_count"] == 1
    assert (by_zone["upload_inside_m2"] == 0).all()


def test_one_projection_gives_the_figures_of_separate_ones(
    zones: gpd.GeoDataFrame, upload: gpd.GeoDataFrame
) -> None:
    # overlap_with_zones projects each layer once for the pairs and both totals; each
    # function projecting its own layers must give the same figures to the last bit.
    from geo.measure.overlap import equal_area, overlap_pairs, overlap_totals

    upload = upload.to_crs("EPSG:4326")
    zones = zones.to_crs("EPSG:4326")
    result = overlap_with_zones(upload, zones, zone_id_column="id")
    raw = overlap_pairs(upload, zones)
    per_a = overlap_totals(raw, upload, side="a", other=zones)
    per_b = overlap_totals(raw, zones, side="b", other=upload)
    assert result.pairs["overlap_m2"].tolist() == raw["overlap_m2"].tolist()
    assert result.by_feature["in_zones_m2"].tolist() == per_a["covered_m2"].tolist()
    assert result.by_feature["area_m2"].tolist() == per_a["area_m2"].tolist()
    assert result.by_zone["upload_inside_m2"].tolist() == per_b["covered_m2"].tolist()
    assert result.by_zone["upload_inside_m2"].tolist() == pytest.approx(
        [250_000 + 40_000 + 40_000 - 10_000, 250_000], rel=REL
    )
    # A caller's projection of the upload (kept for several zone sets): the same again.
    kept = overlap_with_zones(
        upload, zones, zone_id_column="id", upload_projected=equal_area(upload)
    )
    pd.testing.assert_frame_equal(kept.by_feature, result.by_feature)
    pd.testing.assert_frame_equal(kept.by_zone, result.by_zone)


def test_area_totals_from_one_projection() -> None:
    # Two 1 km squares overlapping by a quarter (EPSG:4543 metres): sum 2 km², union
    # 1.75 km² (ellipsoidal: within REL of the planar figures). Polygons only: one
    # projection for both, the same figures to the bit as the two computed separately;
    # with a point, the point adds nothing to either.
    from geo.measure.area import ellipsoidal_area_m2
    from geo.measure.overlap import union_area_m2
    from geo.upload.analysis import area_totals_m2

    two = gk_boxes((0, 0, 1000, 1000), (500, 500, 1500, 1500)).to_crs("EPSG:4326")
    total_m2, union_m2 = area_totals_m2(two)
    assert total_m2 == pytest.approx(2_000_000, rel=REL)
    assert union_m2 == pytest.approx(1_750_000, rel=REL)
    assert total_m2 == float(ellipsoidal_area_m2(two, method="equal_area").sum())
    assert union_m2 == union_area_m2(two)
    point = gpd.GeoDataFrame(geometry=[shapely.Point(102.85, 24.85)], crs="EPSG:4326")
    mixed = pd.concat([two, point], ignore_index=True)
    assert area_totals_m2(mixed) == pytest.approx((total_m2, union_m2), rel=1e-12)
