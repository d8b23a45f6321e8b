"""The zone panel: what the plan says of the selected zone and how far to trust it."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.declared.i18n import t
from geo.measure.area import M2_PER_UNIT
from ui.columns import name_column
from ui.data import current, neighbours, registry


def fmt_area(area_m2: float, unit: str, lang: str) -> str:
    return f"{area_m2 / M2_PER_UNIT[unit]:,.4f} {t(f'unit_{unit}', lang)}"


def zone_panel(
    zs: gpd.GeoDataFrame, figs: pd.DataFrame, zone_id: str, lang: str, unit: str
) -> None:
    z = zs.loc[zone_id]
    f = figs.loc[zone_id]
    st.subheader(z["name_zh"] if lang == "zh" else z["name_en"])
    st.caption(f"{z['name_en'] if lang == 'zh' else z['name_zh']} · {t('id', lang)}: {zone_id}")
    spec = registry().layer(z["layer"])
    st.text(f"{t('layer', lang)}: {spec.name(lang)}")
    st.markdown(f"**{t('plan_article', lang)}**")
    st.text(z["plan_article"] or "—")
    st.markdown(f"**{t('plan_quote', lang)}**")
    st.text(z["plan_quote_zh"] or t("quote_missing", lang))

    if f["area_m2"] > 0:
        st.markdown(f"**{t('area_ellipsoidal', lang)}**")
        st.text("\n".join(fmt_area(f["area_m2"], u, lang) for u in ("km2", "ha", "mu")))
        st.markdown(f"**{t('area_gk', lang)}**")
        st.text(fmt_area(f["gk_area_m2"], unit, lang))
    plan_figures(z, f, lang)

    st.markdown(f"**{t('geometry_source', lang)}**")
    st.text(f"{t('source_' + z['geometry_source'], lang)} — {z['source_detail']}")
    st.text(f"{t('accuracy', lang)}: ±{z['accuracy_m']:,.0f} {t('metres', lang)}")
    if z.get("assumptions"):
        st.markdown(f"**{t('assumptions', lang)}**")
        st.text(str(z["assumptions"]))

    if f["area_m2"] > 0:
        overlaps(zone_id, lang, unit)


def plan_figures(z: pd.Series, f: pd.Series, lang: str) -> None:
    """The plan's stated land and floor areas, and how far the drawn area is off."""
    if pd.notna(f["plan_land_km2"]):
        st.markdown(f"**{t('plan_land', lang)}**")
        line = f"{f['plan_land_km2']:g} {t('unit_km2', lang)}"
        if pd.notna(f["deviation_share"]):
            line += f" · {t('deviation', lang)} {f['deviation_share']:+.1%}"
        st.text(line)
        if f["calibrated"]:
            st.warning(t("calibrated_warning", lang))
    if pd.notna(z.get("plan_floor_m2")):
        st.markdown(f"**{t('plan_floor', lang)}**")
        st.text(f"{z['plan_floor_m2']:,.0f} m²")


def overlaps(zone_id: str, lang: str, unit: str) -> None:
    """Every other zone this one overlaps, with the overlap area and shares."""
    st.markdown(f"**{t('overlaps_with', lang)}**")
    nb = neighbours(*current(), zone_id)
    if nb.empty:
        st.text(t("no_overlaps", lang))
        return
    shown = pd.DataFrame(
        {
            t("col_name_zh" if lang == "zh" else "col_name_en", lang): nb[name_column(lang)],
            f"{t('col_overlap', lang)} ({t('unit_' + unit, lang)})": nb["overlap_m2"]
            / M2_PER_UNIT[unit],
            t("col_share_of_this", lang): nb["share_of_this"],
            t("col_share_of_other", lang): nb["share_of_other"],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")
