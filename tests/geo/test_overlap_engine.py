"""The fast paths of the overlap engine give geopandas' own figures."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geo.measure.overlap
from geo.errors import GeoError
from geo.measure import engines
from geo.measure.crs import EQUAL_AREA
from geo.measure.engines import ENGINE_MODULES
from geo.measure.overlap import overlap_pairs
from tests.conftest import gk_boxes


def _parcels_and_zones() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Random 60-150 m parcels over 6 km, half of them beyond every zone, and three zones
    (two overlapping each other)."""
    rng = np.random.default_rng(11)
    xs, ys = rng.uniform(0, 6000, 800), rng.uniform(0, 6000, 800)
    ws, hs = rng.uniform(60, 150, 800), rng.uniform(60, 150, 800)
    boxes = [(x, y, x + w, y + h) for x, y, w, h in zip(xs, ys, ws, hs, strict=True)]
    parcels = gk_boxes(*boxes)
    parcels.index = pd.Index([f"p{i}" for i in range(len(parcels))])
    zones = gk_boxes((0, 0, 2500, 2500), (2000, 2000, 3000, 3200), (500, 2600, 1500, 2900))
    return parcels, zones


def test_pairs_and_areas_match_geopandas_overlay() -> None:
    parcels, zones = _parcels_and_zones()
    pairs = overlap_pairs(parcels, zones, keep_geometry=False)
    # Independent: geopandas' overlay in the same equal-area CRS.
    overlay = gpd.overlay(
        zones.reset_index(names="b_index").to_crs(EQUAL_AREA),
        parcels.reset_index(names="a_index").to_crs(EQUAL_AREA),
        how="intersection",
    )
    overlay = overlay[overlay.area > 0]
    expected = overlay.assign(overlap_m2=overlay.area).set_index(["a_index", "b_index"])
    got = pairs.set_index(["a_index", "b_index"])
    assert sorted(got.index) == sorted(expected.index)
    assert got["overlap_m2"].to_numpy() == pytest.approx(
        expected.loc[got.index, "overlap_m2"].to_numpy(), rel=1e-9
    )
    assert 0 < pairs["a_index"].nunique() < len(parcels)  # some parcels are beyond all zones


def test_box_prefilter_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    parcels, zones = _parcels_and_zones()
    filtered = overlap_pairs(parcels, zones)
    monkeypatch.setattr(geo.measure.overlap, "_BOX_FILTER_MAX", 0)  # every feature a candidate
    unfiltered = overlap_pairs(parcels, zones)
    pd.testing.assert_frame_equal(
        filtered.drop(columns="geometry"), unfiltered.drop(columns="geometry")
    )
    assert shapely.equals_exact(filtered.geometry.array, unfiltered.geometry.array, 0).all()


def test_contained_feature_comes_back_exactly_as_stored() -> None:
    zone = gk_boxes((0, 0, 1000, 1000))
    parcels = gk_boxes((100, 100, 200, 200), (900, 100, 1100, 200))
    pairs = overlap_pairs(parcels, zone)
    assert pairs.geometry.iloc[0] is not None
    assert shapely.equals_exact(pairs.geometry.iloc[0], parcels.geometry.iloc[0], tolerance=0)
    cut = gk_boxes((900, 100, 1000, 200)).geometry.iloc[0]
    # Edges are straight in the equal-area plane, not in Gauss-Kruger: millimetres apart.
    assert pairs.geometry.iloc[1].symmetric_difference(cut).area < 1e-4 * cut.area


def test_pairs_with_a_layer_in_metres_match_the_same_layer_in_degrees() -> None:
    parcels, zones = _parcels_and_zones()
    degrees = overlap_pairs(parcels, zones, keep_geometry=False)
    metres = overlap_pairs(parcels.to_crs("EPSG:4543"), zones.to_crs("EPSG:4543"))
    assert metres["overlap_m2"].to_numpy() == pytest.approx(
        degrees["overlap_m2"].to_numpy(), rel=1e-8
    )
    assert metres.crs == "EPSG:4543"


def test_unknown_engine_is_refused() -> None:
    parcels, zones = _parcels_and_zones()
    with pytest.raises(ValueError, match="unknown overlap engine 'spark'"):
        overlap_pairs(parcels, zones, engine="spark")  # type: ignore[arg-type]


def test_dask_engine_without_dask_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    parcels, zones = _parcels_and_zones()
    monkeypatch.setitem(sys.modules, "dask_geopandas", None)  # as if not installed
    with pytest.raises(ImportError, match=r"requirements-dask\.txt"):
        overlap_pairs(parcels, zones, engine="dask")


def test_a_scheduler_with_the_default_engine_is_refused() -> None:
    parcels, zones = _parcels_and_zones()
    with pytest.raises(GeoError, match=r"scheduler \('tcp://x:1'\).*'geopandas' engine"):
        overlap_pairs(parcels, zones, scheduler="tcp://x:1")


def _imports(module: str) -> set[str]:
    """Modules of geo.measure that ``module`` imports at any level (ast, not executed)."""
    path = Path(importlib.import_module(module).__file__ or "")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m.startswith("geo.measure.")}


def test_engines_import_one_way() -> None:
    """The default engine never imports another engine; the others import it and the
    registry; the registry imports no engine (it finds them by module name)."""
    assert set(ENGINE_MODULES.values()).isdisjoint(_imports("geo.measure.overlap"))
    assert "geo.measure.overlap" not in _imports("geo.measure.engines")
    for module in ENGINE_MODULES.values():
        assert {"geo.measure.overlap", "geo.measure.engines"} <= _imports(module)
    assert "geo.measure.engines" in _imports("geo.measure.overlap")


def test_every_declared_engine_registers_itself() -> None:
    for name in ENGINE_MODULES:
        run = engines.engine(name)
        assert callable(run)
        assert engines.engine(name) is run
