"""Exports of the store's plan name the plan version they were made from: the
fingerprint hashes and lists the revision, and every layer format carries it."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import fiona
import geopandas as gpd

from geo.export.layers import layer_bytes
from geo.export.provenance import PLAN_REVISION_ATTR, fingerprint
from geo.plan.zones import ZONES_FILE, load_zones
from geo.store.store import Store
from tests.store.conftest import BACKENDS


def _plan(store: Store) -> gpd.GeoDataFrame:
    store.seed_plan(load_zones(ZONES_FILE), seed_name="data/zones.geojson")
    plan = store.current_plan()
    plan.attrs[PLAN_REVISION_ATTR] = store.plan_revision().label()  # as ui.data.zones does
    return plan


@BACKENDS
def test_the_fingerprint_names_and_hashes_the_revision(store: Store) -> None:
    plan = _plan(store)
    label = store.plan_revision().label()
    subset = plan[plan["layer"] == plan["layer"].iloc[0]].to_crs("EPSG:4543")  # attrs follow
    fp = fingerprint(data=subset)
    assert fp.plan_revision == label and fp.inputs[0] == f"plan {label}"
    assert label in fp.describe()
    other = fingerprint(data=subset, plan_revision="store revision 1 (2026-01-01 00:00:00 UTC)")
    assert other.sha256 != fp.sha256, "another revision of the same rows is another input"
    assert fingerprint(data=subset.assign()).sha256 == fp.sha256  # deterministic


def test_every_layer_format_carries_the_revision(tmp_path: Path) -> None:
    plan = load_zones(ZONES_FILE).head(5)
    label = "store revision 77 (2026-12-01 10:00:00 UTC)"
    plan.attrs[PLAN_REVISION_ATTR] = label
    geojson = json.loads(layer_bytes(plan, fmt="geojson"))
    assert geojson["provenance"]["plan_revision"] == label
    assert label in geojson["provenance"]["fingerprint"]
    assert len(geojson["features"]) == 5

    (tmp_path / "plan.gpkg").write_bytes(layer_bytes(plan, fmt="gpkg", name="plan"))
    with fiona.open(tmp_path / "plan.gpkg") as layer:  # read back by a second library
        assert label in layer.tags()["DESCRIPTION"] and layer.tags()["IDENTIFIER"] == label

    with zipfile.ZipFile(io.BytesIO(layer_bytes(plan, fmt="shp", name="plan"))) as zf:
        assert f"plan_revision: {label}" in zf.read("provenance.txt").decode("utf-8")

    assert f"plan_revision: {label}" in layer_bytes(plan, fmt="kml").decode("utf-8")

    plain = load_zones(ZONES_FILE).head(5)  # not from the store: says so, never invents one
    assert json.loads(layer_bytes(plain, fmt="geojson"))["provenance"]["plan_revision"] == (
        "not from the store"
    )


def test_the_html_map_names_the_revision() -> None:
    from layers.export_html import standalone_html

    plan = load_zones(ZONES_FILE)
    label = "store revision 78 (2026-12-01 11:00:00 UTC)"
    plan.attrs[PLAN_REVISION_ATTR] = label
    page = standalone_html(plan, layers=["finance_business"], title="t", lang="zh")
    assert label in page
