"""Tables as the page shows them: headers in the page's language (figures with their
unit), layer ids by their declared names, geometry sources in words, shares as
percentages ("17.8 %"), yes/no for flags and empty cells blank.

Only what is shown changes: the frames (and every download) keep their columns,
ids and fractions.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from geo.declared.i18n import load_strings, t
from geo.measure.area import M2_PER_UNIT
from ui.data import registry

AREA_UNITS = ("m2", "km2", "ha", "mu")
FLAG_COLUMNS = frozenset({"calibrated", "counts_as_agreement", "counts_as_disagreement"})
# Columns whose values are ids of declared layers (one, or several joined by ", ").
LAYER_COLUMNS = frozenset({"layer", "layers"})


def name_column(lang: str) -> str:
    """The zones' name column in ``lang``."""
    return "name_zh" if lang == "zh" else "name_en"


def _split_unit(col: str) -> tuple[str, str | None]:
    """("in_zones", "ha") for "in_zones_ha"; (col, None) without an area unit."""
    for unit in AREA_UNITS:
        if col.endswith(f"_{unit}") and len(col) > len(unit) + 1:
            return col[: -len(unit) - 1], unit
    return col, None


def header(col: str, lang: str) -> str:
    """The column's header in ``lang``: a declared ``col_<name>`` text, with the unit of
    an area column ("椭球面积 (公顷)"); an undeclared column keeps its name."""
    keys = _col_keys()
    if f"col_{col}" in keys:
        return t(f"col_{col}", lang)
    stem, unit = _split_unit(col)
    if unit is not None and f"col_{stem}" in keys:
        return f"{t(f'col_{stem}', lang)} ({t(f'unit_{unit}', lang)})"
    return col


def localise_columns(df: pd.DataFrame, lang: str, unit: str | None = None) -> pd.DataFrame:
    """``df`` with its columns named in ``lang`` (``unit`` is accepted for the callers
    that pass the page's unit: each column's own unit is what its header says)."""
    return df.rename(columns={c: header(str(c), lang) for c in df.columns})


def in_unit(df: pd.DataFrame, unit: str) -> pd.DataFrame:
    """``df`` with every area (``<x>_m2``, ``<x>_km2``, ``<x>_ha``, ``<x>_mu``) given once,
    in ``unit``: for the page, whose unit switch applies to every figure."""
    out = df.copy()
    stems: dict[str, list[str]] = {}
    for col in df.columns:
        stem, u = _split_unit(str(col))
        if u is not None and not stem.endswith("accuracy"):
            stems.setdefault(stem, []).append(str(col))
    for stem, cols in stems.items():
        source = cols[0]
        factor = M2_PER_UNIT[_split_unit(source)[1] or "m2"] / M2_PER_UNIT[unit]
        at = out.columns.get_loc(source)
        values = out[source] * factor
        out = out.drop(columns=cols)
        out.insert(int(at), f"{stem}_{unit}", values)  # type: ignore[arg-type]
    return out


def percent(value: Any, *, signed: bool = False) -> str:
    """A 0–1 share as "17.8 %" (blank when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value) * 100:{'+' if signed else ''}.1f} %"


def _signed_percent(value: Any) -> str:
    return percent(value, signed=True)


def page_table(df: pd.DataFrame, lang: str) -> Styler:
    """``df`` as the page shows it (see the module's docstring)."""
    shown = df.copy()
    reg = registry()
    names = {s.id: s.name(lang) for s in reg.layers}
    sources = _source_keys()
    keys = load_strings()
    formats: dict[str, Any] = {}
    for col in shown.columns:
        name = str(col)
        if name in LAYER_COLUMNS:
            shown[col] = shown[col].map(lambda v: _layer_names(v, names))
        elif name == "geometry_source":
            shown[col] = shown[col].map(
                lambda v: t(f"source_{v}", lang) if f"source_{v}" in sources else v
            )
        elif name == "land_figure_check":
            shown[col] = shown[col].map(
                lambda v: t(f"figure_check_{v}", lang) if f"figure_check_{v}" in keys else v
            )
        elif name in FLAG_COLUMNS:
            shown[col] = shown[col].map(
                lambda v: "" if pd.isna(v) else t("yes" if bool(v) else "no", lang)
            )
        elif name.endswith("_share") or name.startswith("share_"):
            formats[header(name, lang)] = _signed_percent if name.startswith("dev") else percent
        elif name.endswith("_pct"):
            formats[header(name, lang)] = lambda v: "" if pd.isna(v) else f"{v:+.1f} %"
        elif name.endswith("_m") and pd.api.types.is_numeric_dtype(shown[col]):
            formats[header(name, lang)] = _metres
        elif pd.api.types.is_float_dtype(shown[col]):
            formats[header(name, lang)] = _number
    shown = localise_columns(shown, lang)
    return shown.style.format(formats, na_rep="")  # type: ignore[arg-type]


def matrix_table(matrix: pd.DataFrame) -> Styler | pd.DataFrame:
    """An overlap matrix with its empty cells (no overlap) blank."""
    if not (matrix.index.is_unique and matrix.columns.is_unique):
        return matrix
    return matrix.style.format(_number, na_rep="")


def _metres(value: Any) -> str:
    return "" if pd.isna(value) else f"{value:,.0f}"


def _number(value: Any) -> str:
    if pd.isna(value):
        return ""
    return f"{value:,.4f}" if abs(value) < 1e6 else f"{value:,.0f}"


def _layer_names(value: Any, names: dict[str, str]) -> Any:
    if not isinstance(value, str) or not value:
        return "" if value is None or (isinstance(value, float) and math.isnan(value)) else value
    return "、".join(names.get(v.strip(), v.strip()) for v in value.split(","))


@st.cache_resource
def _col_keys() -> frozenset[str]:
    return frozenset(k for k in load_strings() if k.startswith("col_"))


@st.cache_resource
def _source_keys() -> frozenset[str]:
    return frozenset(k for k in load_strings() if k.startswith("source_"))
