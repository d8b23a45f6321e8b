"""geo.edit.draw: the editor's GeoJSON read as untrusted input, measured (against pyproj
Geod directly), validated (bow-tie repaired with its area change, slivers and shapes off
the district's land refused), split and merged, and turned into an edited element."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer

from geo.declared.i18n import Message
from geo.declared.registry import load_registry
from geo.edit.draw import (
    EDITED,
    MAX_DRAWN_VERTICES,
    check_drawing,
    edited_frame,
    measure_drawing,
    merge_shapes,
    new_zone_frame,
    parse_drawing,
    parse_split_lines,
    split_shape,
)
from geo.errors import GeometryError, InputFileError
from geo.measure.area import M2_PER_MU
from geo.plan.zones import load_zones
from geo.review.rules import load_rules
from tests.conftest import LAT0, LON0, X0, Y0
from tests.geo.geod_reference import CGCS2000_GEOD, geod_area_m2, gk_polygon

FINANCE = "fin_sci_tech_finance_centre"


def geojson(geom: shapely.Geometry) -> dict[str, object]:
    return json.loads(shapely.to_geojson(geom))


def square(side_m: float, *, dx: float = 0.0, dy: float = 0.0) -> shapely.Polygon:
    return gk_polygon([(dx, dy), (dx + side_m, dy), (dx + side_m, dy + side_m), (dx, dy + side_m)])


@pytest.fixture(scope="module")
def plan() -> gpd.GeoDataFrame:
    return load_zones()


@pytest.fixture(scope="module")
def context() -> dict[str, object]:
    return {"rules": load_rules(), "registry": load_registry()}


def test_parse_accepts_polygon_feature_and_collection() -> None:
    shape = square(1000)
    for payload in (
        geojson(shape),
        {"type": "Feature", "properties": {}, "geometry": geojson(shape)},
        json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": geojson(shape)}]}),
    ):  # fmt: skip
        assert parse_drawing(payload).equals(shape)


def test_parse_two_polygons_is_a_multipolygon() -> None:
    a, b = square(100), square(100, dx=500)
    features = [{"type": "Feature", "geometry": geojson(g)} for g in (a, b)]
    collection = {"type": "FeatureCollection", "features": features}
    parsed = parse_drawing(collection)
    assert parsed.geom_type == "MultiPolygon"
    assert len(shapely.get_parts(parsed)) == 2


def ring(*lonlat: tuple[object, object]) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [[list(p) for p in lonlat]]}


A, B, C = (102.8, 24.8), (102.9, 24.8), (102.9, 24.9)


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        ("{not json", "not GeoJSON"),
        ([1, 2], "not a GeoJSON object"),
        ({"type": "LineString", "coordinates": [list(A), list(C)]}, "not a polygon"),
        (ring(A, B, A), "at least 3 different"),
        (ring((1000.0, 24.8), B, C, (1000.0, 24.8)), "not a longitude/latitude"),
        (ring(("a", 24.8), B, C, A), "not [longitude, latitude]"),
        (ring((float("nan"), 24.8), B, C, A), "not [longitude, latitude]"),
        ({"type": "FeatureCollection", "features": []}, "no shape"),
    ],
)
def test_parse_refuses_with_what_was_found(payload: object, says: str) -> None:
    with pytest.raises(GeometryError, match=says.replace("[", r"\[").replace("]", r"\]")):
        parse_drawing(payload)


def test_parse_bounded_in_vertices_and_characters() -> None:
    ring = [[LON0 + i * 1e-6, LAT0 + (i % 2) * 1e-6] for i in range(MAX_DRAWN_VERTICES + 1)]
    with pytest.raises(GeometryError, match="more than the 20,000"):
        parse_drawing({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})
    with pytest.raises(GeometryError, match="characters of GeoJSON"):
        parse_drawing(" " * 2_000_001)


def test_figures_of_a_1km_square_against_geod_and_gauss_kruger() -> None:
    shape = square(1000)
    figures = measure_drawing(shape, accuracy_m=5)
    assert figures.area_m2 == pytest.approx(geod_area_m2(shape), rel=1e-9)
    # Drawn as a 1 km square in EPSG:4543: its planar area there is 1 km² by construction.
    assert figures.gk_area_m2 == pytest.approx(1_000_000.0, rel=1e-9)
    lons, lats = shape.exterior.xy
    assert figures.perimeter_m == pytest.approx(CGCS2000_GEOD.line_length(lons, lats), rel=1e-9)
    # ±5 m on a 4 km perimeter: a 20,000 m² band, figures to the 10,000 m² place.
    band_m2 = 5 * figures.perimeter_m
    assert 10_000 <= band_m2 < 100_000
    assert figures.display("m2") == f"{round(figures.area_m2, -4):,.0f}"
    assert figures.display("mu") == f"{round(figures.area_m2 / M2_PER_MU, -1):,.0f}"
    assert figures.display("m2", gauss_kruger=True) == "1,000,000"


def test_bow_tie_repaired_with_its_area_change(plan: gpd.GeoDataFrame, context: dict) -> None:
    # Two 500 m triangles meeting at the centre of a 1 km square: the shoelace sum of a
    # bow-tie is 0; repaired, it is the two triangles, a quarter of the square each.
    bow_tie = gk_polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    assert not bow_tie.is_valid
    element = plan.loc[FINANCE].to_dict()
    check = check_drawing(bow_tie, element=element, plan=plan, accuracy_m=10, **context)
    assert check.ok, check.refused
    expected_m2 = geod_area_m2(check.shape)
    halves = shapely.get_parts(check.shape)
    assert len(halves) == 2
    assert expected_m2 == pytest.approx(500_000.0, rel=1e-3)  # two 500 m × 1 km ÷ 2 triangles
    (repair,) = check.report.repairs
    assert abs(repair.area_before_m2) < 1e-4 * expected_m2  # the two halves cancel
    assert repair.area_after_m2 == pytest.approx(expected_m2, rel=1e-6)
    assert "Self-intersection" in check.repair_lines()[0]
    (warning,) = check.warnings
    assert isinstance(warning, Message) and warning.key == "draw_repaired"
    assert f"{repair.area_change_m2:+,.0f}" in str(warning)


def test_a_shape_on_land_passes(plan: gpd.GeoDataFrame, context: dict) -> None:
    check = check_drawing(square(1000), element=plan.loc[FINANCE].to_dict(), plan=plan,
                          accuracy_m=10, **context)  # fmt: skip
    assert check.ok and not check.warnings and check.report.ok


def test_a_shape_in_dianchi_is_refused(plan: gpd.GeoDataFrame, context: dict) -> None:
    # A 5 km square 15 km west of the centre lies in Dianchi, off the district's land,
    # by more than the band of the shore's ±500 m (500 m × 20 km perimeter = 10 km²).
    in_lake = square(5000, dx=-15_000, dy=-2500)
    assert plan.loc["ctx_dianchi"].geometry.contains(in_lake)
    check = check_drawing(in_lake, element=plan.loc[FINANCE].to_dict(), plan=plan,
                          accuracy_m=10, **context)  # fmt: skip
    assert not check.ok
    (refusal,) = check.refused
    assert refusal.key == "draw_off_land"
    outside_m2 = float(refusal.params["area_m2"].replace(",", ""))
    assert outside_m2 == pytest.approx(geod_area_m2(in_lake), rel=1e-6)


def test_a_province_zone_may_lie_outside_the_district(
    plan: gpd.GeoDataFrame, context: dict
) -> None:
    element = plan.loc["p3_kunming_hitech"].to_dict()
    check = check_drawing(square(2000, dx=-12_000, dy=-2000), element=element, plan=plan, **context)
    assert check.ok


def test_sliver_and_line_like_shapes_refused(plan: gpd.GeoDataFrame, context: dict) -> None:
    thin = gk_polygon([(0, 0), (1000, 0), (1000, 0.5), (0, 0.5)])  # 0.5 m wide
    check = check_drawing(thin, element=plan.loc[FINANCE].to_dict(), plan=plan, **context)
    assert [m.key for m in check.refused] == ["draw_sliver"]
    assert check.refused[0].params["width_m"] == "0.50"
    flat = shapely.Polygon([(LON0, LAT0), (LON0 + 0.01, LAT0), (LON0 + 0.02, LAT0)])
    check = check_drawing(flat, element=plan.loc[FINANCE].to_dict(), plan=plan, **context)
    assert [m.key for m in check.refused] == ["draw_no_area"]


def test_split_by_a_line_and_merge_back() -> None:
    shape = square(1000)
    to_lonlat = Transformer.from_crs("EPSG:4543", "EPSG:4326", always_xy=True).transform
    line = shapely.LineString([to_lonlat(X0 + 300, Y0 - 100), to_lonlat(X0 + 300, Y0 + 1100)])
    big, small = split_shape(shape, line)
    assert geod_area_m2(big) == pytest.approx(0.7 * geod_area_m2(shape), rel=1e-3)
    assert geod_area_m2(big) + geod_area_m2(small) == pytest.approx(geod_area_m2(shape), rel=1e-8)
    assert geod_area_m2(merge_shapes(big, small)) == pytest.approx(geod_area_m2(shape), rel=1e-8)
    inside = shapely.LineString([to_lonlat(X0 + 300, Y0 + 100), to_lonlat(X0 + 300, Y0 + 900)])
    with pytest.raises(GeometryError, match="does not cut the shape in two"):
        split_shape(shape, inside)
    apart = merge_shapes(square(100), square(100, dx=500))
    assert apart.geom_type == "MultiPolygon"


def test_edited_frame_provenance(plan: gpd.GeoDataFrame) -> None:
    row = plan.loc[[FINANCE]]
    shape = square(1000)
    out = edited_frame(row, shape, accuracy_m=20, editor="planner")
    assert out.geometry.iloc[0].equals(shape)
    assert out["geometry_source"].iloc[0] == EDITED
    assert out["accuracy_m"].iloc[0] == 20.0
    assert bool(out["schematic"].iloc[0]) is True
    detail = out["source_detail"].iloc[0]
    assert detail.startswith("edited in the app by planner; stated accuracy 20 m; previously: ")
    assert str(row["geometry_source"].iloc[0]) in detail
    assert row.geometry.iloc[0].equals(plan.loc[FINANCE].geometry)  # input not changed
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(InputFileError, match="state the accuracy"):
            edited_frame(row, shape, accuracy_m=bad, editor="planner")


def test_a_small_excursion_into_the_lake_only_warns(plan: gpd.GeoDataFrame, context: dict) -> None:
    # 2 km square in Dianchi: 4 km² off the land, inside the shore's ±500 m band of 4 km².
    in_lake = square(2000, dx=-12_000, dy=-2000)
    check = check_drawing(in_lake, element=plan.loc[FINANCE].to_dict(), plan=plan,
                          accuracy_m=10, **context)  # fmt: skip
    assert check.ok
    assert [m.key for m in check.warnings] == ["draw_off_land"]


def test_new_zone_frame_has_the_plan_schema_and_says_every_problem(plan: gpd.GeoDataFrame) -> None:
    from geo.plan.zones import REQUIRED_PROPERTIES, zone_problems

    shape = square(1000)
    frame = new_zone_frame(
        shape, element_id="park_new_east", name_zh="新园区", name_en="New park",
        layer="university_industry", kind="industrial_park", level="district", accuracy_m=30,
        editor="planner",
    )  # fmt: skip
    assert set(REQUIRED_PROPERTIES) <= set(frame.columns)
    assert frame["geometry_source"].iloc[0] == EDITED
    assert zone_problems(frame, registry=load_registry()) == []
    with pytest.raises(InputFileError) as caught:
        new_zone_frame(
            shape, element_id="Bad id", name_zh="", name_en="x", layer="housing", kind=None,
            level=None, accuracy_m=None, editor="planner",
        )  # fmt: skip
    text = str(caught.value)
    assert "3 problem(s)" in text and "Bad id" in text and "Chinese and an English name" in text
    with pytest.raises(InputFileError, match="already a plan element"):
        new_zone_frame(
            shape, element_id=FINANCE, name_zh="a", name_en="b", layer="housing", kind=None,
            level=None, accuracy_m=5, editor="planner", taken=frozenset(plan["id"]),
        )  # fmt: skip


def test_split_lines_read_from_the_editor_and_refused_when_not_lines() -> None:
    to_lonlat = Transformer.from_crs("EPSG:4543", "EPSG:4326", always_xy=True).transform
    a, b = to_lonlat(X0 + 500, Y0 - 100), to_lonlat(X0 + 500, Y0 + 1100)
    drawn = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [list(a), list(b)]}}
    ]}  # fmt: skip
    line = parse_split_lines(drawn)
    halves = split_shape(square(1000), line)
    assert [geod_area_m2(h) for h in halves] == pytest.approx(
        [geod_area_m2(square(1000)) / 2] * 2, rel=1e-3
    )
    with pytest.raises(GeometryError, match="no split line"):
        parse_split_lines({"type": "FeatureCollection", "features": []})
    polygon = {"type": "Feature", "geometry": geojson(square(10))}
    with pytest.raises(GeometryError, match="not a LineString"):
        parse_split_lines({"type": "FeatureCollection", "features": [polygon]})
