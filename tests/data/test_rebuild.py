"""The committed data/zones.geojson and data/streets.geojson are what the build makes.

Comparison choice: in-process the build must be byte-for-byte deterministic (checked
below by building twice). Against the *committed* files the comparison is feature by
feature: identical ids and properties, geometries equal within 1e-7 degree (the output
grid, ~1 cm) after normalisation. Byte equality there would fail on a machine whose
GEOS version orders a union's vertices differently, which is not a data change.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from geo.errors import ConfigError, GeometryError
from geo.plan import build
from geo.plan.sources import load_inputs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    build.build(out_dir=out)
    return out


def _by_id(path: Path) -> dict[str, dict[str, Any]]:
    return {f["properties"]["id"]: f for f in json.loads(path.read_text("utf-8"))["features"]}


@pytest.mark.parametrize("name", ["zones.geojson", "streets.geojson"])
def test_rebuild_matches_committed(rebuilt: Path, name: str) -> None:
    new, old = _by_id(rebuilt / name), _by_id(ROOT / "data" / name)
    assert sorted(new) == sorted(old), "features added or removed: rerun python -m geo build-data"
    changed = []
    for fid, feature in new.items():
        if feature["properties"] != old[fid]["properties"]:
            changed.append(f"{fid}: properties")
            continue
        if feature["geometry"] is None or old[fid]["geometry"] is None:  # not located
            if feature["geometry"] != old[fid]["geometry"]:
                changed.append(f"{fid}: geometry")
            continue
        a = shapely.normalize(shape(feature["geometry"]))
        b = shapely.normalize(shape(old[fid]["geometry"]))
        if not shapely.equals_exact(a, b, tolerance=1.01e-7):
            changed.append(f"{fid}: geometry")
    assert changed == [], "data/ is stale: rerun python -m geo build-data"


def test_build_is_deterministic() -> None:
    inputs = load_inputs()
    first = build.geojson_text(build.build_features(inputs)[0], name="zones")
    second = build.geojson_text(build.build_features(inputs)[0], name="zones")
    assert first == second
    assert "T0" not in first and "UTC" not in first  # no timestamps


def test_unknown_element_key_is_reported_with_all_problems() -> None:
    inputs = load_inputs()
    bad = [dict(e) for e in inputs.elements]
    bad[0]["colour"] = "red"
    bad[1]["level"] = "county"
    with pytest.raises(ConfigError) as err:
        build.build_features(dataclasses.replace(inputs, elements=bad))
    assert "unknown key 'colour'" in str(err.value)
    assert "level must be one of" in str(err.value)


def test_undeclared_assumption_is_an_error() -> None:
    inputs = load_inputs()
    assumptions = dict(inputs.assumptions)
    del assumptions["west_boundary_u_m"]
    with pytest.raises(ConfigError, match="west_boundary_u_m"):
        build.build_features(dataclasses.replace(inputs, assumptions=assumptions))


def test_west_boundary_assumption_moves_the_financial_district() -> None:
    # Changing a declared interpretation changes the derived area the expected way:
    # 100 m further west adds a 100 m strip along the ~4.5 km district.
    inputs = load_inputs()

    def fd_area_m2(west_u_m: float) -> float:
        a = dict(inputs.assumptions)
        a["west_boundary_u_m"] = dict(a["west_boundary_u_m"], value=west_u_m)
        zones, _ = build.build_features(dataclasses.replace(inputs, assumptions=a))
        fd = next(z for z in zones if z["properties"]["id"] == "fin_sci_tech_finance_centre")
        import geopandas as gpd

        return float(gpd.GeoSeries([fd["geometry"]], crs="EPSG:4326").to_crs("EPSG:4543").area[0])

    gained = fd_area_m2(-300) - fd_area_m2(-200)
    assert gained == pytest.approx(100.0 * 4487.0, rel=0.02)


def test_dangling_references_are_reported_together() -> None:
    inputs = load_inputs()
    bad = [dict(e) for e in inputs.elements]
    fd = next(i for i, e in enumerate(bad) if e["id"] == "fin_sci_tech_finance_centre")
    bad[fd]["geometry"] = {"method": "streets_enclosed", "streets": ["no_such_street"]}
    core = next(i for i, e in enumerate(bad) if e["id"] == "dist_ring_core")
    bad[core]["geometry"] = {"method": "union", "members": ["no_such_element"]}
    with pytest.raises(ConfigError) as err:
        build.build_features(dataclasses.replace(inputs, elements=bad))
    assert "street 'no_such_street' is not declared" in str(err.value)
    assert "element 'no_such_element' is not declared" in str(err.value)


@pytest.mark.parametrize(
    ("street", "name_zh"),
    [
        # 彩云路 runs through the middle of the university area: its line splits the
        # enclosed area into faces that are merged again, so the polygon alone looks
        # fine; only the check that each named street lies on the outline refuses it.
        ("caiyun_lu_axis", "彩云路"),
        # 仕林街 is a cross street away from the area: named, but not on its outline.
        ("shilin_jie", "仕林街"),
    ],
)
def test_a_named_street_that_does_not_bound_the_area_is_refused(street: str, name_zh: str) -> None:
    inputs = load_inputs()
    elements = [dict(e) for e in inputs.elements]
    uni = next(i for i, e in enumerate(elements) if e["id"] == "uni_innovation_area")
    geometry = dict(elements[uni]["geometry"])
    assert geometry["method"] == "streets_enclosed" and street not in geometry["streets"]
    geometry["streets"] = [*geometry["streets"], street]
    elements[uni]["geometry"] = geometry
    with pytest.raises(GeometryError) as err:
        build.build_features(dataclasses.replace(inputs, elements=elements))
    message = str(err.value)
    assert "uni_innovation_area" in message
    assert "not bounded by" in message and name_zh in message
    # The streets that do bound it are not blamed.
    assert "联大街" not in message and "梁王路" not in message
