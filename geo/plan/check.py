"""The plan-figure report: the plan's stated land areas against the areas on the map.

    python -m geo plan-check [--format table|csv|json]

Only **land** areas (``plan_land_km2``, 用地面积) are compared: a polygon's area can be
checked against a land figure, never against a floor area (建筑面积, ``plan_floor_m2``).

Each row says how far the comparison can be trusted (``land_figure_check``):

- ``independent``: the geometry comes from public boundaries or from located streets
  and was not adjusted to the figure: a deviation is information about the plan or the data;
- ``partly_fitted``: derived independently in part, but an unlocated piece was placed
  with the figure in view;
- ``calibrated``: the area was *set* to the plan's figure; a ~0 % deviation proves
  nothing and is never agreement;
- ``schematic``: a sketch; its area is an illustration, not a measurement.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd

from geo.declared.config import DATA_DIR
from geo.errors import GeometryError
from geo.io import read_layer
from geo.measure.area import M2_PER_KM2, ellipsoidal_area_m2, gauss_kruger_area_m2
from geo.measure.crs import require_crs
from geo.tables import defuse_formulas

ZONES_FILE: Final = DATA_DIR / "zones.geojson"
COLUMNS: Final = (
    "id",
    "name_zh",
    "name_en",
    "plan_land_km2",
    "area_km2",
    "gk_area_km2",
    "deviation_pct",
    "geometry_source",
    "land_figure_check",
    "counts_as_agreement",
    "accuracy_m",
)
AGREEMENT_TOLERANCE_PCT: Final = 5.0
"""An independent area within this many per cent of the plan's figure counts as agreement."""


def plan_figure_table(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per feature with a stated land area: stated vs computed, and how to read it.

    ``area_km2`` is ellipsoidal on CGCS2000, ``gk_area_km2`` planar in EPSG:4543;
    ``deviation_pct`` = (area - stated) / stated x 100. ``counts_as_agreement`` is True
    only for ``independent`` rows within :data:`AGREEMENT_TOLERANCE_PCT`; partly fitted,
    calibrated and schematic rows are always False, whatever their deviation.
    Rows are sorted by id. The input is not modified.
    """
    require_crs(zones, name="zones")
    missing = [
        c
        for c in ("id", "plan_land_km2", "geometry_source", "land_figure_check")
        if c not in zones.columns
    ]
    if missing:
        raise GeometryError(
            f"zones: column(s) {', '.join(missing)} missing; rebuild with python -m geo build-data."
        )
    stated = zones[pd.to_numeric(zones["plan_land_km2"], errors="coerce").notna()]
    if stated.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    area = ellipsoidal_area_m2(stated) / M2_PER_KM2
    gk = gauss_kruger_area_m2(stated) / M2_PER_KM2
    plan = stated["plan_land_km2"].astype(float)
    deviation = (area - plan) / plan * 100.0
    check = stated["land_figure_check"].astype(str)
    agrees = (check == "independent") & (deviation.abs() <= AGREEMENT_TOLERANCE_PCT)
    table = pd.DataFrame(
        {
            "id": stated["id"],
            "name_zh": stated["name_zh"],
            "name_en": stated["name_en"],
            "plan_land_km2": plan,
            "area_km2": area,
            "gk_area_km2": gk,
            "deviation_pct": deviation,
            "geometry_source": stated["geometry_source"],
            "land_figure_check": check,
            "counts_as_agreement": agrees,
            "accuracy_m": stated["accuracy_m"],
        }
    )
    return table.sort_values("id").reset_index(drop=True)[list(COLUMNS)]


def format_plan_check(table: pd.DataFrame, *, fmt: str = "table") -> str:
    """Render :func:`plan_figure_table` as a text table, CSV or JSON."""
    if fmt == "csv":  # text a spreadsheet would read as a formula stays text
        return defuse_formulas(table).to_csv(index=False).rstrip("\n")
    if fmt == "json":
        return str(table.to_json(orient="records", force_ascii=False, indent=1))
    lines = [
        "Plan land areas (用地面积) vs computed areas — ellipsoidal on CGCS2000; GK = EPSG:4543",
        f"{'id':30} {'stated km²':>10} {'computed':>10} {'GK':>10} {'dev %':>7}  "
        f"{'source':15} {'reading':14} agreement",
    ]
    for row in table.itertuples(index=False):
        lines.append(
            f"{row.id:30} {row.plan_land_km2:10.3f} {row.area_km2:10.3f} "
            f"{row.gk_area_km2:10.3f} {row.deviation_pct:+7.1f}  {row.geometry_source:15} "
            f"{row.land_figure_check:14} {'yes' if row.counts_as_agreement else 'no'}"
        )
    lines += [
        "",
        "independent: not adjusted to the figure; partly_fitted: an unlocated part was placed "
        "with the figure in view;",
        "calibrated: area SET to the figure (never agreement); schematic: a sketch, not a "
        f"measurement. Agreement = independent and within ±{AGREEMENT_TOLERANCE_PCT:g} %.",
        "Floor areas (建筑面积, plan_floor_m2) are attributes and are not compared with polygons.",
    ]
    return "\n".join(lines)


def main(*, fmt: str = "table", path: Path = ZONES_FILE) -> str:
    """Command-line entry (``python -m geo plan-check``): the report for ``data/zones.geojson``."""
    return format_plan_check(plan_figure_table(read_layer(path)), fmt=fmt)
