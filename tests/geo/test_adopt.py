"""Adopting authoritative geometry: matching features to plan elements, the proposal
with old/new ellipsoidal areas, the provenance record, and the zones with it applied.

Shapes are rectangles drawn in Gauss-Kruger metres (tests.conftest.gk_boxes); expected
areas come from pyproj's Geod applied directly (tests.geo.geod_reference), not from
geo.measure.area.
"""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
import shapely

from geo.edit.adopt import (
    AUTHORITATIVE,
    SourceDocument,
    adopted_zones,
    match_features,
    normalise_name,
    propose_adoption,
)
from geo.errors import GeometryError, InputFileError
from geo.measure.area import M2_PER_KM2
from geo.plan.zones import load_zones
from geo.upload import LoadedLayer, read_upload
from tests.conftest import gk_boxes
from tests.geo.geod_reference import geod_area_m2
from tests.geo.test_dxf import (
    H_M,
    RED_LINE,
    W_M,
    bureau_drawing,
    expected_ellipsoidal_m2,
    gk_origin,
)

SOURCE = SourceDocument(
    file="控规.dxf", document="呈政复〔2021〕12号", accuracy_m=0.5, layer=RED_LINE
)


def plan_zones() -> gpd.GeoDataFrame:
    """Three sketched elements, 1 km squares side by side (the middle one stated 1.2 km²)."""
    zones = gk_boxes((0, 0, 1000, 1000), (2000, 0, 3000, 1000), (4000, 0, 5000, 1000))
    zones["id"] = ["uni_area", "fin_district", "wetland"]
    zones["name_zh"] = ["大学城（示意）", "金融片区", "湿地公园"]
    zones["name_en"] = ["University area", "Financial district", "Wetland park"]
    zones["geometry_source"] = "sketch"
    zones["source_detail"] = "drawn by hand"
    zones["accuracy_m"] = 1500.0
    zones["schematic"] = True
    zones["plan_land_km2"] = [float("nan"), 1.2, float("nan")]
    return zones


def upload() -> gpd.GeoDataFrame:
    """What the bureau sends: a name column written its own way, a remarks column."""
    layer = gk_boxes((0, 0, 1000, 1200), (2000, 0, 3100, 1000), (9000, 0, 9100, 100))
    layer["名称"] = ["大学城", "ＦＩＮＡＮＣＩＡＬ  District", "停车场"]
    layer["备注"] = ["湿地公园 nearby", "", "金融片区"]
    return layer


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ＦＩＮＡＮＣＩＡＬ  District", "financial-district"),
        (" 金融片区 ", "金融片区"),
        ("City_Core", "city core"),
    ],
)
def test_names_compare_forgivingly(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


def test_the_column_matching_most_features_is_chosen() -> None:
    matching = match_features(upload(), plan_zones())
    assert matching.column == "名称"
    assert matching.assignments == {0: "uni_area", 1: "fin_district"}
    assert matching.unmatched == (2,)
    assert "2 of 3 feature(s)" in matching.notes[0]


def test_explicit_assignments_win_and_bad_ones_are_all_reported() -> None:
    matching = match_features(upload(), plan_zones(), assignments={1: "wetland"})
    assert matching.assignments[1] == "wetland"
    with pytest.raises(InputFileError) as info:
        match_features(upload(), plan_zones(), column="编号", assignments={7: "nowhere"})
    message = str(info.value)
    assert "no plan element 'nowhere'" in message
    assert "only 3 feature(s)" in message
    assert "no column '编号'" in message


def test_a_key_two_elements_share_matches_neither() -> None:
    zones = plan_zones()
    zones.loc[zones.index[2], "name_zh"] = "金融片区"
    matching = match_features(upload(), zones, column="名称")
    assert 1 in matching.assignments  # the English name still says which one
    layer = upload()
    layer["名称"] = ["金融片区", "x", "y"]
    assert match_features(layer, zones, column="名称").assignments == {}


def test_the_proposal_has_old_and_new_ellipsoidal_areas_and_the_change() -> None:
    zones, layer = plan_zones(), upload()
    proposal = propose_adoption(layer, zones, match_features(layer, zones), source=SOURCE)
    table = proposal.table.set_index("id")
    assert list(table.index) == ["uni_area", "fin_district"]
    for element, pos in (("uni_area", 0), ("fin_district", 1)):
        old = geod_area_m2(zones.geometry.iloc[pos])
        new = geod_area_m2(layer.geometry.iloc[pos])
        row = table.loc[element]
        assert row["old_area_m2"] == pytest.approx(old, rel=1e-8)
        assert row["new_area_m2"] == pytest.approx(new, rel=1e-8)
        assert row["delta_m2"] == pytest.approx(new - old, rel=1e-6)
        assert row["delta_share"] == pytest.approx((new - old) / old, rel=1e-6)
    # 1000 x 1200 m against 1000 x 1000 m: 20 % larger (Gauss-Kruger scale cancels).
    assert table.loc["uni_area", "delta_share"] == pytest.approx(0.2, abs=1e-5)
    assert table.loc["fin_district", "plan_land_m2"] == pytest.approx(1.2 * M2_PER_KM2)
    assert math.isnan(table.loc["uni_area", "plan_land_m2"])
    assert table.loc["uni_area", "old_geometry_source"] == "sketch"
    assert table.loc["uni_area", "features"] == "#1 (id=f0)"


def test_the_provenance_record_names_file_layer_feature_document_accuracy() -> None:
    zones, layer = plan_zones(), upload()
    proposal = propose_adoption(layer, zones, match_features(layer, zones), source=SOURCE)
    record = proposal.provenance["fin_district"]
    assert record["geometry_source"] == AUTHORITATIVE
    assert record["accuracy_m"] == 0.5
    assert record["schematic"] is False
    assert record["source_document"] == "呈政复〔2021〕12号"
    assert record["source_features"] == "#2 (id=f1)"
    detail = str(record["source_detail"])
    for part in ("控规.dxf", f"layer {RED_LINE}", "#2 (id=f1)", "呈政复〔2021〕12号", "0.5 m"):
        assert part in detail


def test_several_features_for_one_element_are_united() -> None:
    zones = plan_zones()
    layer = gk_boxes((0, 0, 500, 1000), (500, 0, 1000, 1000))
    layer["名称"] = ["大学城", "大学城"]
    proposal = propose_adoption(layer, zones, match_features(layer, zones), source=SOURCE)
    assert proposal.table["features"].iloc[0] == "#1 (id=f0), #2 (id=f1)"
    assert proposal.table["new_area_m2"].iloc[0] == pytest.approx(
        geod_area_m2(zones.geometry.iloc[0]), rel=1e-6
    )
    assert any("united" in n for n in proposal.notes)


def test_a_source_without_document_or_accuracy_is_refused() -> None:
    zones, layer = plan_zones(), upload()
    matching = match_features(layer, zones)
    bad = SourceDocument(file="x.dxf", document=" ", accuracy_m=float("nan"))
    with pytest.raises(InputFileError) as info:
        propose_adoption(layer, zones, matching, source=bad)
    assert "source document" in str(info.value)
    assert "positive number of metres" in str(info.value)


def test_a_line_cannot_replace_a_zone() -> None:
    zones = plan_zones()
    layer = gpd.GeoDataFrame(
        {"名称": ["金融片区"]},
        geometry=[shapely.LineString(zones.geometry.iloc[1].exterior.coords)],
        crs=zones.crs,
    )
    with pytest.raises(GeometryError, match="LineString, not a polygon"):
        propose_adoption(layer, zones, match_features(layer, zones), source=SOURCE)


def test_adopted_zones_are_a_new_frame_with_the_new_shape_and_provenance() -> None:
    zones, layer = plan_zones(), upload()
    before = zones.copy()
    proposal = propose_adoption(layer, zones, match_features(layer, zones), source=SOURCE)
    out = adopted_zones(zones, proposal)
    assert zones.equals(before)
    adopted = out.set_index("id")
    assert adopted.loc["uni_area", "geometry"].equals(layer.geometry.iloc[0])
    assert adopted.loc["uni_area", "geometry_source"] == AUTHORITATIVE
    assert adopted.loc["uni_area", "accuracy_m"] == 0.5
    assert adopted.loc["wetland", "geometry_source"] == "sketch"
    assert adopted.loc["wetland", "geometry"].equals(zones.geometry.iloc[2])
    assert adopted.loc["wetland", "source_document"] is None


def test_a_dxf_polygon_becomes_the_university_area_by_its_label() -> None:
    """The Done-when step below the UI: a DXF red line labelled with the element's name
    (大学院校集聚区) replaces the sketched university area of the real plan."""
    x0, y0 = gk_origin()
    data = bureau_drawing(x0, y0).replace("大学城".encode("gbk"), "大学院校集聚区".encode("gbk"))
    loaded = read_upload(data, "控规.dxf", crs="EPSG:4543")
    assert isinstance(loaded, LoadedLayer)
    zones = load_zones()
    matching = match_features(loaded.frame, zones)
    assert matching.column == "cad_text"
    assert matching.assignments == {0: "uni_innovation_area"}
    proposal = propose_adoption(loaded.frame, zones, matching, source=SOURCE)
    row = proposal.table.iloc[0]
    expected = expected_ellipsoidal_m2(x0 + W_M / 2 - 500_000, 24.88, W_M * H_M)
    assert row["new_area_m2"] == pytest.approx(expected, rel=2e-5)
    old = zones.set_index("id").loc["uni_innovation_area"]
    assert row["old_geometry_source"] == old["geometry_source"]
    assert row["old_area_m2"] == pytest.approx(geod_area_m2(old.geometry), rel=1e-6)
    assert proposal.provenance["uni_innovation_area"]["source_features"].startswith(
        "#1 (cad_handle="
    )
