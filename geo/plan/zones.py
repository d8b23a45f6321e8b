"""The plan's zones (``data/zones.geojson``): loading, schema, figures and lookups.

Every feature carries its provenance (see ``data/README.md``). The schema check here
is what the app relies on; the data build (:mod:`geo.plan.build`) writes the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.declared.config import DATA_DIR
from geo.declared.registry import Registry
from geo.errors import InputFileError, collect
from geo.io import read_layer
from geo.measure.area import M2_PER_KM2, area_table, ellipsoidal_area_m2

ZONES_FILE: Final = DATA_DIR / "zones.geojson"
STREETS_FILE: Final = DATA_DIR / "streets.geojson"

REQUIRED_PROPERTIES: Final = (
    "id",
    "name_zh",
    "name_en",
    "layer",
    "group",
    "level",
    "tier",
    "plan_article",
    "plan_quote_zh",
    "plan_land_km2",
    "plan_floor_m2",
    "geometry_source",
    "source_detail",
    "accuracy_m",
    "assumptions",
    "schematic",
)
# Strongest first: a union of features takes its weakest member's source (geo.plan.construct).
GEOMETRY_SOURCES: Final = (
    "authoritative",  # adopted from the bureau's own files (geo.edit.adopt)
    "public_boundary",
    "street_derived",
    "edited",  # drawn or edited in the app, with the editor's stated accuracy (geo.edit.draw)
    "point_buffer",
    "calibrated",
    "sketch",
    "not_located",
)
NOT_LOCATED: Final = "not_located"
"""The geometry source of an element found nowhere: listed (searchable), never drawn or measured."""


def zone_problems(zones: gpd.GeoDataFrame, *, registry: Registry | None = None) -> list[str]:
    """Every schema problem in a zones layer (pure): missing properties, repeated ids,
    unknown geometry sources or layers, invalid geometries."""
    problems = [f"missing property '{p}'" for p in REQUIRED_PROPERTIES if p not in zones.columns]
    if problems:
        return problems
    unlocated = zones["geometry_source"].eq(NOT_LOCATED)
    dupes = zones["id"][zones["id"].duplicated()]
    problems += [f"id {i!r} is used more than once" for i in sorted(set(dupes))]
    bad_source = zones[~zones["geometry_source"].isin(GEOMETRY_SOURCES)]
    problems += [
        f"{r.id}: geometry_source {r.geometry_source!r} is not one of {', '.join(GEOMETRY_SOURCES)}"
        for r in bad_source.itertuples()
    ]
    if registry is not None:
        known = {spec.id for spec in registry.layers}
        problems += [
            f"{r.id}: layer {r.layer!r} is not declared in config/layers.toml"
            for r in zones.itertuples()
            if r.layer not in known
        ]
    absent = zones.geometry.isna() | zones.geometry.is_empty
    invalid = (~zones.geometry.is_valid & ~absent) | (absent & ~unlocated)
    problems += [f"{i}: geometry is missing, empty or invalid" for i in zones.loc[invalid, "id"]]
    problems += [
        f"{i}: geometry_source is {NOT_LOCATED} but it has a geometry"
        for i in zones.loc[unlocated & ~absent, "id"]
    ]
    return problems


def load_zones(
    path: str | os.PathLike[str] = ZONES_FILE, *, registry: Registry | None = None
) -> gpd.GeoDataFrame:
    """Read the zones file, check its schema and return it indexed by ``id``."""
    zones = read_layer(path, name=Path(path).name)
    collect(zone_problems(zones, registry=registry), what=str(path), error=InputFileError)
    return zones.set_index("id", drop=False).rename_axis(None)


def not_located(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The elements that were found nowhere (``geometry_source`` :data:`NOT_LOCATED`):
    no shape, no area; list them by name so that they can still be found."""
    return zones[zones["geometry_source"].eq(NOT_LOCATED)]


def load_plan_layers(
    zones_path: str | os.PathLike[str] = ZONES_FILE,
    streets_path: str | os.PathLike[str] | None = STREETS_FILE,
    *,
    registry: Registry | None = None,
) -> gpd.GeoDataFrame:
    """The zones plus the named boundary streets (a reference layer) in one frame.

    Street features carry no plan figures; their missing plan properties are empty and
    they are schematic unless they come from public boundary data.
    """
    return with_streets(load_zones(zones_path, registry=registry), streets_path, registry=registry)


def with_streets(
    zones: gpd.GeoDataFrame,
    streets_path: str | os.PathLike[str] | None = STREETS_FILE,
    *,
    registry: Registry | None = None,
) -> gpd.GeoDataFrame:
    """``zones`` (indexed by id, from the file or the store) plus the streets file's
    named boundary streets (the reference layer :func:`load_plan_layers` adds)."""
    if streets_path is None or not Path(streets_path).exists():
        return zones
    streets = read_layer(streets_path, name=Path(streets_path).name)
    for column in REQUIRED_PROPERTIES:
        if column not in streets.columns:
            streets[column] = None
    streets["group"] = streets["group"].fillna("reference")
    streets["level"] = streets["level"].fillna("district")
    streets["schematic"] = streets["geometry_source"].ne("public_boundary")
    streets = streets[[*zones.columns.intersection(streets.columns), "geometry"]]
    streets = streets.loc[:, ~streets.columns.duplicated()]
    combined = pd.concat([zones, streets.set_index("id", drop=False)], verify_integrity=True)
    collect(zone_problems(combined, registry=registry), what="plan layers", error=InputFileError)
    return gpd.GeoDataFrame(combined, geometry="geometry", crs=zones.crs)


WATER_LAYER: Final = "water"
"""The layer of lake water (滇池): an area's land part is what lies outside it."""


def land_area_m2(zones: gpd.GeoDataFrame) -> pd.Series:
    """Per zone: the ellipsoidal area (CGCS2000, m²) outside the water features of
    :data:`WATER_LAYER` in ``zones`` (the whole area where there is no water layer, 0 for
    the water itself). For the district outline this is its land area. Aligned to
    ``zones.index``; the input is not modified."""
    water_rows = zones["layer"].eq(WATER_LAYER) if "layer" in zones.columns else None
    if water_rows is None or not water_rows.any():
        return ellipsoidal_area_m2(zones).rename("land_area_m2")
    water = shapely.union_all(zones.geometry[water_rows].to_numpy())
    land = gpd.GeoSeries(
        [
            None if is_water or g is None else g.difference(water) if g.intersects(water) else g
            for g, is_water in zip(zones.geometry, water_rows, strict=True)
        ],
        index=zones.index,
        crs=zones.crs,
    )
    return ellipsoidal_area_m2(land).fillna(0.0).rename("land_area_m2")


def lake_intrusions(zones: gpd.GeoDataFrame, *, crs: str = "EPSG:4543") -> list[str]:
    """Ids of the features that reach into the water of :data:`WATER_LAYER` further than
    their own ``accuracy_m`` from its shore (the lake shrunk by that much, in the metric
    ``crs``, still meets them by more than 1 m²). Public boundaries (administrative outlines
    legitimately hold water), the water itself and features without a shape are skipped."""
    water_rows = zones["layer"].eq(WATER_LAYER)
    if not water_rows.any():
        return []
    metric = zones.to_crs(crs)
    lake = shapely.union_all(metric.geometry[water_rows].to_numpy())
    out = []
    for fid, row in metric[~water_rows].iterrows():
        if row["geometry_source"] == "public_boundary" or row.geometry is None:
            continue
        if row.geometry.is_empty or pd.isna(row["accuracy_m"]):
            continue
        if row.geometry.intersection(lake.buffer(-float(row["accuracy_m"]))).area > 1.0:
            out.append(str(row.get("id", fid)))
    return out


def zone_figures(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per zone: ellipsoidal and Gauss-Kruger areas, the land part of the area (outside
    Dianchi, :func:`land_area_m2`), the plan's stated land area and the deviation from it.
    Aligned to ``zones.index``.

    ``deviation_share`` is (computed − stated) / stated. It is only meaningful for
    geometries made independently of the stated figure: ``calibrated`` says when the
    geometry was sized to hit the figure, so agreement proves nothing.
    """
    table = area_table(zones)
    stated = pd.to_numeric(zones["plan_land_km2"], errors="coerce")
    out = pd.DataFrame(
        {
            "area_m2": table["area_m2"],
            "area_km2": table["area_km2"],
            "area_ha": table["area_ha"],
            "area_mu": table["area_mu"],
            "gk_area_m2": table["gk_area_m2"],
            "land_area_m2": land_area_m2(zones),
            "plan_land_km2": stated,
            "calibrated": zones["geometry_source"].eq("calibrated"),
        },
        index=zones.index,
    )
    unlocated = zones["geometry_source"].eq(NOT_LOCATED) if "geometry_source" in zones else None
    if unlocated is not None and unlocated.any():  # no shape, so no area (not 0 m²)
        area_columns = ["area_m2", "area_km2", "area_ha", "area_mu", "gk_area_m2", "land_area_m2"]
        out.loc[unlocated, area_columns] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out["deviation_share"] = (out["area_m2"] / M2_PER_KM2 - stated) / stated
    return out


def zones_at(
    zones: gpd.GeoDataFrame, *, lon: float, lat: float, tolerance_deg: float = 0.0002
) -> list[str]:
    """Ids of the zones at a clicked point, smallest first (the most specific zone).

    Polygons must contain the point; lines and points count within ``tolerance_deg``
    (about 20 m) so that a click on a drawn line finds it. Coordinates in EPSG:4326.
    """
    point = shapely.Point(lon, lat)
    geoms = zones.geometry.array
    hit = np.asarray(shapely.intersects(geoms, point.buffer(tolerance_deg)), dtype=bool)
    areal = np.isin(shapely.get_type_id(geoms), (3, 6))
    hit &= ~areal | np.asarray(shapely.contains(geoms, point), dtype=bool)
    candidates = zones[hit]
    sizes = shapely.area(candidates.geometry.array)  # degrees², for ordering only
    order = np.argsort(sizes, kind="stable")
    return [str(i) for i in candidates.index.to_numpy()[order]]
