"""Table column headers in the page's language."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.declared.i18n import load_strings, t


def name_column(lang: str) -> str:
    """The zones' name column in ``lang``."""
    return "name_zh" if lang == "zh" else "name_en"


def localise_columns(df: pd.DataFrame, lang: str, unit: str) -> pd.DataFrame:
    """``df`` with its columns named in ``lang`` (figures with their unit)."""
    unit_txt = t(f"unit_{unit}", lang)
    names: dict[str, str] = {}
    for col in df.columns:
        if col.startswith("area_"):
            names[col] = f"{t('col_area', lang)} ({unit_txt})"
        elif col.startswith("gk_area_"):
            names[col] = f"{t('col_gk_area', lang)} ({unit_txt})"
        elif col.startswith("overlap_"):
            names[col] = f"{t('col_overlap', lang)} ({unit_txt})"
        else:
            names[col] = t(f"col_{col}", lang) if f"col_{col}" in _col_keys() else col
    return df.rename(columns=names)


@st.cache_resource
def _col_keys() -> frozenset[str]:
    return frozenset(k for k in load_strings() if k.startswith("col_"))
