"""An uploaded layer measured against the plan's zones.

Built on :func:`geo.measure.overlap.overlap_pairs` and :func:`geo.measure.overlap.overlap_totals`
(ellipsoidal areas on CGCS2000). Both layers must share a CRS (EPSG:4326 for stored and
uploaded layers) and be repaired (:func:`geo.measure.validate.repair_geometries`). Points and
lines have no area and appear with 0 m² and no zones.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.measure.area import M2_PER_HA, M2_PER_MU, ellipsoidal_area_m2
from geo.measure.engines import DEFAULT_ENGINE, engine_settings
from geo.measure.overlap import equal_area, overlap_pairs, overlap_totals, union_area_m2
from geo.measure.projection import ProjectedCoordinates
from geo.measure.validate import has_geometry


@dataclass(frozen=True)
class ZoneOverlap:
    """The three views of an upload against zones (all areas ellipsoidal, m² / ha / 亩).

    - ``pairs``: one row per (feature, zone) overlap with the intersection geometry;
    - ``by_feature``: per uploaded feature, its area, how much lies in any zone and which;
    - ``by_zone``: per zone, its area and how much of the upload lies inside.
    """

    pairs: gpd.GeoDataFrame
    by_feature: pd.DataFrame
    by_zone: pd.DataFrame


def area_totals_m2(layer: gpd.GeoDataFrame) -> tuple[float, float]:
    """A layer's total area two ways (ellipsoidal, m²): the plain sum of its features'
    areas, and the area of their union (overlaps counted once; polygons only). A layer of
    polygons only is projected once for both (0.12 CPU-s per 100,000 parcels)."""
    polygons = layer.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if polygons.all():
        projected = equal_area(layer)
        return float(projected.areas().sum()), union_area_m2(layer, projected=projected)
    total = float(ellipsoidal_area_m2(layer, method="equal_area").sum())  # Geod: 10x slower
    return total, union_area_m2(layer[polygons])


def _label(gdf: gpd.GeoDataFrame, column: str | None, *, what: str) -> pd.Series:
    if column is None:
        return pd.Series(gdf.index.astype(str), index=gdf.index, dtype=str)
    if column not in gdf.columns:
        raise KeyError(
            f"{what}: no column {column!r}; available: "
            f"{', '.join(str(c) for c in gdf.columns if c != gdf.geometry.name)}"
        )
    labels: pd.Series = gdf[column].astype(str)
    return labels


def overlap_with_zones(
    upload: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    zone_id_column: str,
    upload_id_column: str | None = None,
    threads: int | None = None,
    upload_projected: ProjectedCoordinates | None = None,
) -> ZoneOverlap:
    """Which zones each uploaded feature falls in, and how much of the upload each zone holds.

    ``pairs`` columns: ``feature``, ``zone`` (labels), ``overlap_m2``, ``overlap_ha``,
    ``overlap_mu``, ``feature_share`` (0–1 of the feature inside the zone), ``zone_share``
    (0–1 of the zone covered by the feature), ``geometry`` (the intersection, in the
    layers' CRS). Index: ``upload_index``/``zone_index`` columns keep the original labels.

    ``by_feature`` (aligned to ``upload.index``): ``feature``, ``area_m2``,
    ``in_zones_m2`` (area inside any zone, overlaps between zones counted once),
    ``in_zones_ha``, ``in_zones_mu``, ``in_zones_share`` (0–1), ``zone_count``, ``zones``
    (labels joined by "; ", largest overlap first).

    ``by_zone`` (aligned to ``zones.index``): ``zone``, ``zone_area_m2``,
    ``upload_inside_m2`` (overlaps between uploaded features counted once),
    ``upload_inside_ha``, ``upload_inside_mu``, ``zone_covered_share`` (0–1),
    ``feature_count`` (polygons overlapping it), ``point_line_count`` (uploaded points and
    lines touching it).

    Points and lines have no area: their ``zones`` and ``zone_count`` say which zones
    they lie in or cross, and they add nothing to the areas.

    ``upload_projected``: the upload already in the equal-area CRS
    (:func:`geo.measure.overlap.equal_area`), kept by a caller that measures one layer
    against several zone sets (0.12 CPU-s per 100,000 parcels each time).
    """
    engine, scheduler = engine_settings().for_layer(len(upload))  # config/engine.toml
    # One projection of each layer for the pairs and both totals (each costs 0.12 CPU-s
    # per 100,000 parcels); the dask engine projects its own partitions.
    projected = (upload_projected or equal_area(upload), equal_area(zones))
    raw = overlap_pairs(
        upload, zones, names=("uploaded layer", "zones"), threads=threads,
        engine=engine, scheduler=scheduler,
        projected=projected if engine == DEFAULT_ENGINE else None,
    )  # fmt: skip
    feature_label = _label(upload, upload_id_column, what="uploaded layer")
    zone_label = _label(zones, zone_id_column, what="zones")
    pairs = gpd.GeoDataFrame(
        {
            "feature": feature_label.loc[raw["a_index"]].to_numpy(),
            "zone": zone_label.loc[raw["b_index"]].to_numpy(),
            "overlap_m2": raw["overlap_m2"].to_numpy(),
            "overlap_ha": raw["overlap_m2"].to_numpy() / M2_PER_HA,
            "overlap_mu": raw["overlap_m2"].to_numpy() / M2_PER_MU,
            "feature_share": raw["a_share"].to_numpy(),
            "zone_share": raw["b_share"].to_numpy(),
            "upload_index": raw["a_index"].to_numpy(),
            "zone_index": raw["b_index"].to_numpy(),
        },
        geometry=raw.geometry.array,
        crs=raw.crs,
    )

    per_a = overlap_totals(raw, upload, side="a", other=zones, projected=projected)
    ordered = pairs.sort_values("overlap_m2", ascending=False)
    names = ordered.groupby("upload_index", sort=False)["zone"].agg(lambda s: "; ".join(s))
    by_feature = pd.DataFrame(
        {
            "feature": feature_label,
            "area_m2": per_a["area_m2"],
            "in_zones_m2": per_a["covered_m2"],
            "in_zones_ha": per_a["covered_m2"] / M2_PER_HA,
            "in_zones_mu": per_a["covered_m2"] / M2_PER_MU,
            "in_zones_share": per_a["covered_share"],
            "zone_count": per_a["pair_count"].astype(int),
            "zones": names.reindex(upload.index).fillna(""),
        },
        index=upload.index,
    )

    swapped = (projected[1], projected[0])
    per_b = overlap_totals(raw, zones, side="b", other=upload, projected=swapped)
    by_zone = pd.DataFrame(
        {
            "zone": zone_label,
            "zone_area_m2": per_b["area_m2"],
            "upload_inside_m2": per_b["covered_m2"],
            "upload_inside_ha": per_b["covered_m2"] / M2_PER_HA,
            "upload_inside_mu": per_b["covered_m2"] / M2_PER_MU,
            "zone_covered_share": per_b["covered_share"],
            "feature_count": per_b["pair_count"].astype(int),
        },
        index=zones.index,
    )
    by_zone["point_line_count"] = 0
    _add_points_and_lines(upload, zones, by_feature, by_zone, zone_label)
    return ZoneOverlap(pairs=pairs, by_feature=by_feature, by_zone=by_zone)


def _add_points_and_lines(
    upload: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    by_feature: pd.DataFrame,
    by_zone: pd.DataFrame,
    zone_label: pd.Series,
) -> None:
    """Fill in, in place, the zones that uploaded points and lines lie in or cross."""
    geoms = upload.geometry
    other = has_geometry(geoms) & ~geoms.geom_type.isin(["Polygon", "MultiPolygon"])
    if not other.any():
        return
    subset = upload[other]
    tree = shapely.STRtree(np.asarray(zones.geometry.array, dtype=object))
    iu, iz = tree.query(np.asarray(subset.geometry.array, dtype=object), predicate="intersects")
    hits = pd.DataFrame(
        {"feature": subset.index.to_numpy()[iu], "zone": zones.index.to_numpy()[iz]}
    )
    if hits.empty:
        return
    hits["label"] = zone_label.loc[hits["zone"]].to_numpy()
    per_feature = hits.groupby("feature", sort=False)["label"]
    by_feature.loc[per_feature.size().index, "zone_count"] = per_feature.size().to_numpy()
    by_feature.loc[per_feature.size().index, "zones"] = per_feature.agg("; ".join).to_numpy()
    per_zone = hits.groupby("zone", sort=False).size()
    by_zone.loc[per_zone.index, "point_line_count"] = per_zone.to_numpy()
