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

The reading follows the geometry, not only the declared column: an element whose shape
was adopted from the bureau's own file (``geometry_source = "authoritative"``,
:mod:`geo.edit.adopt`) is ``independent`` whatever the sketch it replaced was declared
as, so it counts as agreement within the tolerance and as disagreement (``counts_as_
disagreement``) outside it; an element edited in the app (``edited``) is ``schematic``,
since it may have been drawn with the figure in view.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from geo.declared.config import DATA_DIR
from geo.errors import GeometryError
from geo.io import read_layer
from geo.measure.area import M2_PER_KM2, ellipsoidal_area_m2, gauss_kruger_area_m2
from geo.measure.crs import GK_CM102, require_crs
from geo.measure.precision import NOT_MEASURED, area_display, perimeter_m
from geo.plan.zones import not_located
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
    "counts_as_disagreement",
    "accuracy_m",
    "perimeter_m",
    "figure_source",
)
AGREEMENT_TOLERANCE_PCT: Final = 5.0
"""An independent area within this many per cent of the plan's figure counts as agreement."""
INDEPENDENT: Final = "independent"
READING_BY_SOURCE: Final[Mapping[str, str]] = {"authoritative": INDEPENDENT, "edited": "schematic"}
"""Geometry sources that decide the reading whatever ``land_figure_check`` says: adopted
authoritative geometry is independent of the figure; a shape edited in the app is not."""


def figure_readings(zones: pd.DataFrame) -> pd.Series:
    """How each row's area may be read against its stated figure: ``land_figure_check``,
    overridden by :data:`READING_BY_SOURCE` for the sources it names (aligned to ``zones``)."""
    declared = zones["land_figure_check"].astype(str)
    by_source = zones["geometry_source"].map(READING_BY_SOURCE)
    return by_source.where(by_source.notna(), declared).astype(str)


def plan_figure_table(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per feature with a stated land area: stated vs computed, and how to read it.

    ``area_km2`` is ellipsoidal on CGCS2000, ``gk_area_km2`` planar in EPSG:4543;
    ``deviation_pct`` = (area - stated) / stated x 100. ``counts_as_agreement`` is True
    only for ``independent`` rows (:func:`figure_readings`) within
    :data:`AGREEMENT_TOLERANCE_PCT`, ``counts_as_disagreement`` only for independent rows
    outside it; partly fitted, calibrated and schematic rows are False in both, whatever
    their deviation.
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
    check = figure_readings(stated)
    independent = check == INDEPENDENT
    agrees = independent & (deviation.abs() <= AGREEMENT_TOLERANCE_PCT)
    disagrees = independent & (deviation.abs() > AGREEMENT_TOLERANCE_PCT)
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
            "counts_as_disagreement": disagrees,
            "accuracy_m": stated["accuracy_m"],
            "perimeter_m": perimeter_m(stated),
            "figure_source": stated.get("figure_source"),
        }
    )
    return table.sort_values("id").reset_index(drop=True)[list(COLUMNS)]


def _shown_km2(row: Mapping[Hashable, Any], column: str) -> str:
    return area_display(
        float(row[column]) * M2_PER_KM2,
        unit="km2",
        accuracy_m=float(row["accuracy_m"]),
        perimeter_m=float(row["perimeter_m"]),
        schematic=row["geometry_source"] != "public_boundary",
    )


def shown_areas(table: pd.DataFrame, *, column: str = "area_km2") -> pd.Series:
    """The text to show for each row's computed area (km²) of :func:`plan_figure_table`:
    rounded as :func:`geo.measure.precision.area_display` decides, "≈" when schematic."""
    return pd.Series(
        [_shown_km2(row, column) for row in table.to_dict("records")],
        index=table.index,
        name=f"{column}_shown",
    )


def _agreement_word(row: Mapping[Hashable, Any]) -> str:
    if row["counts_as_agreement"]:
        return "yes"
    return "no (disagrees)" if row["counts_as_disagreement"] else "no"


def format_plan_check(
    table: pd.DataFrame, *, fmt: str = "table", zones: gpd.GeoDataFrame | None = None
) -> str:
    """Render :func:`plan_figure_table` as a text table, CSV or JSON.

    With ``zones`` the text table is followed by the district's reconciliation
    (:func:`reconciliation_table`) and the elements that are not located."""
    if fmt == "csv":  # text a spreadsheet would read as a formula stays text
        return defuse_formulas(table).to_csv(index=False).rstrip("\n")
    if fmt == "json":
        return str(table.to_json(orient="records", force_ascii=False, indent=1))
    lines = [
        "Plan land areas (用地面积) vs computed areas — ellipsoidal on CGCS2000; GK = EPSG:4543",
        "(computed areas shown to the figures their accuracy supports, ≈ = schematic; "
        "--format csv/json give full precision)",
        f"{'id':30} {'stated km²':>10} {'computed':>10} {'GK':>10} {'dev %':>7} {'±m':>6}  "
        f"{'source':15} {'reading':14} agreement",
    ]
    for row in table.to_dict("records"):
        lines.append(
            f"{row['id']:30} {row['plan_land_km2']:10g} {_shown_km2(row, 'area_km2'):>10} "
            f"{_shown_km2(row, 'gk_area_km2'):>10} {row['deviation_pct']:+7.1f} "
            f"{row['accuracy_m']:6g}  {row['geometry_source']:15} "
            f"{row['land_figure_check']:14} {_agreement_word(row)}"
        )
    lines += [
        "",
        "independent: not adjusted to the figure; partly_fitted: an unlocated part was placed "
        "with the figure in view;",
        "calibrated: area SET to the figure (never agreement); schematic: a sketch, not a "
        f"measurement. Agreement = independent and within ±{AGREEMENT_TOLERANCE_PCT:g} %; "
        "disagrees = independent and outside it.",
        "Authoritative geometry (adopted from the bureau's file) is independent; a shape "
        "edited in the app is schematic.",
        "Floor areas (建筑面积, plan_floor_m2) are attributes and are not compared with polygons.",
    ]
    if zones is not None:
        lines += ["", *format_reconciliation(reconciliation_table(zones))]
        lines += ["", *format_not_located(zones)]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# The district: outline, lake and land; 460 -> 160 term by term
# --------------------------------------------------------------------------------------
OUTLINE_ID: Final = "ext_chenggong_admin"
LAND_ID: Final = "ext_chenggong_land"
LAKE_ID: Final = "ctx_dianchi"
JURISDICTION_ID: Final = "ext_chenggong_jurisdiction"
ENTRUSTED_PARTS: Final = ("p3_hitech_majinpu", "ext_dayu_resort_part", "ext_luoyang_etdz_part")
"""The parts of Chenggong administered by other zones, in the order they are drawn."""
ETDZ_ID: Final = "p3_kunming_etdz"
RESIDUAL_PART: Final = "ext_luoyang_etdz_part"
RECONCILIATION_COLUMNS: Final = (
    "step",
    "term",
    "figure_km2",
    "map_km2",
    "kind",
    "source",
    "accuracy_m",
    "perimeter_m",
    "schematic",
)


def reconciliation_table(zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """The district's figures term by term (km², ellipsoidal on CGCS2000).

    First the map: outline = Dianchi water inside it + land. Then the plan: the stated
    460 km² minus each part another zone administers gives the stated 160 km².
    ``figure_km2`` is the stated or published figure (NaN where there is none),
    ``map_km2`` the area on the map; ``kind`` says what the figure is: ``plan``,
    ``published``, ``residual`` (no figure found: what the others leave), ``computed``.
    """
    require_crs(zones, name="zones")
    by_id = zones.set_index("id", drop=False) if "id" in zones.columns else zones
    missing = [
        i
        for i in (OUTLINE_ID, LAND_ID, LAKE_ID, JURISDICTION_ID, *ENTRUSTED_PARTS)
        if i not in by_id.index
    ]
    if missing:
        raise GeometryError(
            f"zones: {', '.join(missing)} missing; rebuild with python -m geo build-data."
        )
    km2 = ellipsoidal_area_m2(by_id) / M2_PER_KM2
    perimeters = perimeter_m(by_id)

    def row(step: str, fid: str, figure: float | None, kind: str, source: str) -> dict[str, Any]:
        name = f"{by_id.at[fid, 'name_zh']} / {by_id.at[fid, 'name_en']}"
        return {"step": step, "term": name, "figure_km2": figure, "map_km2": float(km2[fid]),
                "kind": kind, "source": source, "accuracy_m": float(by_id.at[fid, "accuracy_m"]),
                "perimeter_m": float(perimeters[fid]),
                "schematic": by_id.at[fid, "geometry_source"] != "public_boundary"}  # fmt: skip

    outline, land = float(km2[OUTLINE_ID]), float(km2[LAND_ID])
    shore = by_id.at[LAKE_ID, "geometry"].boundary.intersection(by_id.at[OUTLINE_ID, "geometry"])
    shore_m = float(gpd.GeoSeries([shore], crs=zones.crs).to_crs(GK_CM102).length.iloc[0])
    lake_accuracy_m = float(by_id.at[LAKE_ID, "accuracy_m"])
    band_km2 = lake_accuracy_m * shore_m / M2_PER_KM2
    rows = [
        row("outline", OUTLINE_ID, None, "computed", str(by_id.at[OUTLINE_ID, "source_detail"])),
        {
            "step": "− water",
            "term": "滇池水面（区界内）/ Dianchi water inside the outline",
            "figure_km2": None,
            "map_km2": outline - land,
            "kind": "computed",
            "accuracy_m": lake_accuracy_m,
            "perimeter_m": shore_m,  # the only edge of the water inside the outline
            "schematic": False,
            "source": (
                f"GSHHS full-resolution shoreline (data/lakes.geojson), ±{lake_accuracy_m:g} m "
                f"along {shore_m / 1000:.0f} km of shore inside the outline: "
                f"±{band_km2:.0f} km²"
            ),
        },
        row("= land", LAND_ID, _stated(by_id, LAND_ID), "plan", "plan 序言: 460平方公里的行政区域"),
    ]
    for fid in ENTRUSTED_PARTS:
        figure = _stated(by_id, fid)
        kind = "published" if figure is not None else "residual"
        source = by_id.at[fid, "figure_source"] if "figure_source" in by_id else None
        if figure is None:
            source = str(by_id.at[fid, "assumptions"])
        rows.append(row("− part", fid, figure, kind, str(source)))
    rows.append(
        row(
            "= jurisdiction",
            JURISDICTION_ID,
            _stated(by_id, JURISDICTION_ID),
            "plan",
            "plan 序言: 实际管辖范围（约 160平方公里）",
        )
    )
    table = pd.DataFrame(rows, columns=list(RECONCILIATION_COLUMNS))
    residual = 460.0 - 160.0 - sum(_stated(by_id, f) or 0.0 for f in ENTRUSTED_PARTS)
    table.loc[table["kind"] == "residual", "figure_km2"] = residual
    return table


def _stated(by_id: pd.DataFrame, fid: str) -> float | None:
    value = pd.to_numeric(pd.Series([by_id.at[fid, "plan_land_km2"]]), errors="coerce").iloc[0]
    return None if pd.isna(value) else float(value)


def format_reconciliation(table: pd.DataFrame) -> list[str]:
    """The text lines of :func:`reconciliation_table`: stated and published figures as
    published, map areas to the figures their accuracy supports."""
    lines = [
        "The district: outline, lake and land; the plan's 460 km² -> 160 km² term by term",
        f"{'step':15} {'figure km²':>11} {'on the map':>11}  {'kind':10} term — source",
    ]
    for r in table.to_dict("records"):
        figure = "" if pd.isna(r["figure_km2"]) else f"{float(r['figure_km2']):g}"
        shown = area_display(
            float(r["map_km2"]) * M2_PER_KM2,
            unit="km2",
            accuracy_m=float(r["accuracy_m"]),
            perimeter_m=float(r["perimeter_m"]),
            schematic=bool(r["schematic"]),
        )
        lines.append(
            f"{r['step']:15} {figure:>11} {shown:>11}  {r['kind']:10} {r['term']} — {r['source']}"
        )
    parts = table[table["step"] == "− part"]
    residual = parts[parts["kind"] == "residual"]["figure_km2"].sum()
    land = float(table.loc[table["step"] == "= land", "map_km2"].iloc[0])
    lines += [
        f"The land on the map is about {abs(land - 460.0):.0f} km² "
        f"{'below' if land < 460.0 else 'above'} the plan's 460, within the shoreline's own "
        "uncertainty (− water, above).",
        f"With no published figure for 洛羊/七甸 their part is the residual {residual:.2f} km², "
        f"more than the ETDZ's whole 156.6 km²: at least {residual - 156.6:.1f} km² of the "
        "460 -> 160 gap is not explained by the published figures.",
        "Every part and the jurisdiction are calibrated (their areas were set), never evidence.",
    ]
    return lines


def format_not_located(zones: gpd.GeoDataFrame) -> list[str]:
    """The elements that are not located: listed by name, with no shape and no area."""
    unlocated = not_located(zones).sort_values("id")
    lines = [f"Not located (no shape, no area: {NOT_MEASURED}) — {len(unlocated)} element(s):"]
    lines += [f"  {r.id:32} {r.name_zh} / {r.name_en}" for r in unlocated.itertuples()]
    return lines


def main(*, fmt: str = "table", path: Path = ZONES_FILE) -> str:
    """Command-line entry (``python -m geo plan-check``): the report for ``data/zones.geojson``."""
    zones = read_layer(path)
    return format_plan_check(plan_figure_table(zones), fmt=fmt, zones=zones)
