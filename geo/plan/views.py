"""What the app shows, computed without the UI: display payloads, area tables for the
visible layers, overlaps between chosen layers, and a zone's neighbours.

Pure functions on the zones GeoDataFrame (indexed by ``id``); the app caches them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.display import display_copy, geojson_dict, to_gcj02_for_display
from geo.measure.area import M2_PER_UNIT, convert_area
from geo.measure.overlap import overlap_pairs, union_area_m2
from geo.measure.precision import total_display

DISPLAY_COLUMNS = ["id", "name_zh", "name_en", "layer", "tier", "schematic", "geometry_source"]
AREAL_TYPES = ("Polygon", "MultiPolygon")


def areal(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Only the polygon features (points and lines have no area)."""
    return zones[zones.geometry.geom_type.isin(AREAL_TYPES)]


def layer_payload(
    zones: gpd.GeoDataFrame,
    layer_id: str,
    *,
    tolerance_m: float = 3.0,
    gcj02: bool = False,
) -> tuple[dict[str, Any], tuple[tuple[float, float, str, str], ...]]:
    """GeoJSON for drawing one layer (simplified, rounded, optionally shifted to GCJ-02)
    and label points (lat, lon, name_zh, name_en) for its polygons."""
    return features_payload(zones[zones["layer"] == layer_id], tolerance_m=tolerance_m, gcj02=gcj02)


def features_payload(
    subset: gpd.GeoDataFrame,
    *,
    tolerance_m: float = 3.0,
    gcj02: bool = False,
) -> tuple[dict[str, Any], tuple[tuple[float, float, str, str], ...]]:
    """GeoJSON for drawing some zones and label points for their polygons; see
    :func:`layer_payload`."""
    shown = display_copy(subset, tolerance_m=tolerance_m)
    if gcj02:
        shown = to_gcj02_for_display(shown)
    columns = [c for c in DISPLAY_COLUMNS if c in shown.columns]
    labels = tuple(
        (float(p.y), float(p.x), str(row.name_zh), str(row.name_en))
        for row, p in zip(
            areal(shown).itertuples(),
            shapely.point_on_surface(areal(shown).geometry.array),
            strict=True,
        )
    )
    return geojson_dict(shown, columns=columns), labels


def visible_area_rows(
    zones: gpd.GeoDataFrame,
    figures: pd.DataFrame,
    *,
    layer_ids: Sequence[str],
    unit: str,
) -> pd.DataFrame:
    """Area table of the polygon features in ``layer_ids`` in ``unit``, without the totals
    (their union is not free: the page shows the totals of other layers than the rows).

    ``figures`` is :func:`geo.plan.zones.zone_figures` of ``zones``.
    """
    subset = areal(zones[zones["layer"].isin(layer_ids)])
    fig = figures.loc[subset.index]
    return pd.DataFrame(
        {
            "id": subset["id"],
            "name_zh": subset["name_zh"],
            "name_en": subset["name_en"],
            "layer": subset["layer"],
            f"area_{unit}": convert_area(fig["area_m2"], unit=unit),
            f"gk_area_{unit}": convert_area(fig["gk_area_m2"], unit=unit),
            "plan_land_km2": fig["plan_land_km2"],
            "deviation_share": fig["deviation_share"],
            "calibrated": fig["calibrated"],
            "geometry_source": subset["geometry_source"],
            "accuracy_m": subset["accuracy_m"],
        }
    ).reset_index(drop=True)


def visible_area_table(
    zones: gpd.GeoDataFrame,
    figures: pd.DataFrame,
    *,
    layer_ids: Sequence[str],
    unit: str,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """:func:`visible_area_rows` and the totals in ``unit``: ``sum`` (plain, overlaps
    counted twice) and ``union`` (area covered, overlaps counted once)."""
    table = visible_area_rows(zones, figures, layer_ids=layer_ids, unit=unit)
    subset = areal(zones[zones["layer"].isin(layer_ids)])
    totals = {
        "sum": float(figures.loc[subset.index, "area_m2"].sum()) / M2_PER_UNIT[unit],
        "union": union_area_m2(subset) / M2_PER_UNIT[unit] if len(subset) else 0.0,
    }
    return table, totals


def totals_display(
    zones: gpd.GeoDataFrame,
    totals: Mapping[str, float],
    *,
    layer_ids: Sequence[str],
    unit: str,
) -> dict[str, str]:
    """The totals of :func:`visible_area_table` (in ``unit``) as text, each rounded by the
    one rule (:func:`geo.measure.precision.total_display`): no more figures than the
    summed layers' accuracies support, "≈" when any of them is schematic."""
    members = areal(zones[zones["layer"].isin(layer_ids)])
    return {
        kind: total_display(value * M2_PER_UNIT[unit], members, unit=unit)
        for kind, value in totals.items()
    }


def overlaps_between(
    zones: gpd.GeoDataFrame, *, ids_a: Sequence[str], ids_b: Sequence[str]
) -> gpd.GeoDataFrame:
    """Overlapping pairs between two sets of zones (ids), self-pairs and mirrored
    duplicates removed when the sets share zones. Columns: ``a_id``, ``b_id``,
    ``overlap_m2``, ``a_share``, ``b_share`` and the intersection geometry."""
    a = areal(zones.loc[list(ids_a)])
    b = areal(zones.loc[list(ids_b)])
    if a.empty or b.empty:
        return gpd.GeoDataFrame(
            {"a_id": [], "b_id": [], "overlap_m2": [], "a_share": [], "b_share": []},
            geometry=[],
            crs=zones.crs,
        )
    pairs = overlap_pairs(a, b, names=("A", "B"))
    pairs = pairs.rename(columns={"a_index": "a_id", "b_index": "b_id"})
    pairs = pairs[pairs["a_id"] != pairs["b_id"]]
    shared = set(a.index) & set(b.index)
    mirrored = pairs["a_id"].isin(shared) & pairs["b_id"].isin(shared)
    pairs = pairs[~mirrored | (pairs["a_id"] < pairs["b_id"])]
    return pairs.reset_index(drop=True)


def zone_neighbours(zones: gpd.GeoDataFrame, *, zone_id: str) -> pd.DataFrame:
    """The other zones that overlap ``zone_id``: id, names, overlap_m2 and both shares."""
    pairs = overlaps_between(zones, ids_a=[zone_id], ids_b=list(areal(zones).index))
    out = pd.DataFrame(
        {
            "id": pairs["b_id"],
            "overlap_m2": pairs["overlap_m2"],
            "share_of_this": pairs["a_share"],
            "share_of_other": pairs["b_share"],
        }
    )
    if out.empty:
        return out
    out["name_zh"] = zones.loc[out["id"], "name_zh"].to_numpy()
    out["name_en"] = zones.loc[out["id"], "name_en"].to_numpy()
    return out.sort_values("overlap_m2", ascending=False).reset_index(drop=True)
