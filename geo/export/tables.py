"""Area and overlap tables for briefings, as CSV (UTF-8 with BOM) and XLSX.

Every row says how its numbers were made: ``unit``, ``method`` and ``crs`` columns sit
beside the figures, so a table copied out of its file still carries them. Areas are
ellipsoidal on CGCS2000 (:mod:`geo.measure.area`), with the Gauss-Kruger EPSG:4543 planar area
beside them; overlaps are ellipsoidal too (:mod:`geo.measure.overlap`). Nothing is rounded in
the files: Excel's number formats round for display only.

CSV files start with the UTF-8 byte-order mark so that Excel (which otherwise assumes
the local ANSI code page) opens Chinese text correctly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd

from geo.io import atomic_write
from geo.measure.area import M2_PER_UNIT, UNIT_LABELS, area_table, convert_area
from geo.measure.crs import CGCS2000_GEOGRAPHIC, GK_CM102, require_crs
from geo.measure.overlap import overlap_pairs
from geo.tables import csv_bytes, xlsx_bytes

AREA_METHOD: Final = "ellipsoidal area on the CGCS2000 ellipsoid (geodesic, pyproj.Geod)"
GK_METHOD: Final = "planar area in CGCS2000 / 3-degree Gauss-Kruger CM 102E"
OVERLAP_METHOD: Final = (
    "ellipsoidal area of the intersection on CGCS2000 (Lambert azimuthal equal-area)"
)
_LABEL_COLUMNS: Final = ("id", "name_zh", "name_en", "layer", "geometry_source", "schematic")


def _labels(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: gdf[c] for c in _LABEL_COLUMNS if c in gdf.columns}, index=gdf.index)


def area_export_table(gdf: gpd.GeoDataFrame, *, unit: str = "km2") -> pd.DataFrame:
    """One row per polygon feature: labels, area in ``unit`` and m², method and CRS.

    Columns: the feature's ``id``, ``name_zh``, ``name_en``, ``layer``,
    ``geometry_source``, ``schematic`` (those present), ``area`` (ellipsoidal, in
    ``unit``), ``area_m2``, ``gk_area`` (EPSG:4543 planar, in ``unit``), ``gk_area_m2``,
    ``unit`` (e.g. ``km2``), ``unit_zh`` (平方公里), ``method``, ``crs`` (of ``area``),
    ``gk_method``, ``gk_crs``. Points and lines have no area and are left out.
    """
    require_crs(gdf, name="area table layer")
    polygonal = gdf[gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()]
    areas = area_table(polygonal)
    out = _labels(polygonal)
    out["area"] = convert_area(areas["area_m2"], unit=unit)
    out["area_m2"] = areas["area_m2"]
    out["gk_area"] = convert_area(areas["gk_area_m2"], unit=unit)
    out["gk_area_m2"] = areas["gk_area_m2"]
    out["unit"] = unit
    out["unit_zh"] = UNIT_LABELS[unit]["zh"]
    out["method"] = AREA_METHOD
    out["crs"] = CGCS2000_GEOGRAPHIC
    out["gk_method"] = GK_METHOD
    out["gk_crs"] = GK_CM102
    return out.reset_index(drop=True)


def overlap_export_table(
    a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, *, unit: str = "km2"
) -> pd.DataFrame:
    """Every overlapping pair of a feature of ``a`` and one of ``b``, with shares.

    Columns: ``a_id``/``a_name_zh``/``a_layer`` and the same for ``b`` (those present),
    ``overlap`` (in ``unit``), ``overlap_m2``, ``a_share`` and ``b_share`` (0–1: the
    overlap as a share of each feature's own area), ``unit``, ``unit_zh``, ``method``,
    ``crs``. Pass the same layer twice for the overlaps within one layer (each pair
    then appears once, and a feature is not paired with itself).
    """
    pairs = overlap_pairs(a, b, keep_geometry=False)
    if a is b:
        first = a.index.get_indexer(pairs["a_index"]) < a.index.get_indexer(pairs["b_index"])
        pairs = pairs[first]
    out = pd.DataFrame(index=range(len(pairs)))
    for side, layer in (("a", a), ("b", b)):
        rows = layer.loc[pairs[f"{side}_index"].to_numpy()]
        for column in ("id", "name_zh", "layer"):
            if column in layer.columns:
                out[f"{side}_{column}"] = rows[column].to_numpy()
    out["overlap"] = pairs["overlap_m2"].to_numpy() / M2_PER_UNIT[unit]
    out["overlap_m2"] = pairs["overlap_m2"].to_numpy()
    out["a_share"] = pairs["a_share"].to_numpy()
    out["b_share"] = pairs["b_share"].to_numpy()
    out["unit"] = unit
    out["unit_zh"] = UNIT_LABELS[unit]["zh"]
    out["method"] = OVERLAP_METHOD
    out["crs"] = CGCS2000_GEOGRAPHIC
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV in UTF-8 with a byte-order mark (for Excel), atomically."""
    target = Path(path)
    with atomic_write(target, mode="wb") as fh:
        fh.write(csv_bytes(frame))
    return target


def write_xlsx(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    sheet: str = "areas",
    notes: dict[str, str] | None = None,
) -> Path:
    """Write ``frame`` to an Excel workbook atomically (see :func:`geo.tables.xlsx_bytes`)."""
    target = Path(path)
    with atomic_write(target, mode="wb") as fh:
        fh.write(xlsx_bytes(frame, sheet=sheet, notes=notes or {}))
    return target


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    sheet: str = "areas",
    notes: dict[str, str] | None = None,
) -> Path:
    """Write ``frame`` as CSV or XLSX, chosen by the suffix of ``path``."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return write_csv(frame, path)
    if suffix == ".xlsx":
        return write_xlsx(frame, path, sheet=sheet, notes=notes)
    raise ValueError(f"{path}: tables are written as .csv or .xlsx, not {suffix!r}")


def table_bytes(
    frame: pd.DataFrame, *, fmt: str, sheet: str = "areas", notes: dict[str, str] | None = None
) -> bytes:
    """The table as CSV (UTF-8 with BOM) or XLSX bytes, for a download button."""
    if fmt == "csv":
        return csv_bytes(frame)
    if fmt == "xlsx":
        return xlsx_bytes(frame, sheet=sheet, notes=notes or {})
    raise ValueError(f"tables are csv or xlsx, not {fmt!r}")
