"""The zone panel: what the plan says of the selected zone and how far to trust it."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.declared.i18n import t
from geo.display import literal_markdown
from geo.measure.area import M2_PER_UNIT
from geo.measure.precision import area_displays
from ui import state, tiles, uploads
from ui.columns import name_column, page_table, percent
from ui.data import UNITS, current, figures, neighbours, registry, zones

MAX_LISTED_HITS = 6


def selected_panel(lang: str, unit: str) -> None:
    """The panel beside the map: the selected zone, the other zones under the last
    click (each a button that selects it), and a clicked feature of a tiled layer."""
    path, version = current()
    zs = zones(path, version)
    tiles.clicked_feature(
        st.session_state.get(state.PLAN_MAP),
        tiles.shown_tiled_layers(uploads.workspace()),
        lang,
        unit,
    )
    selected = st.session_state.get(state.SELECTED)
    if selected not in zs.index:
        st.info(t("zone_panel_empty", lang))
        return
    zone_panel(zs, figures(path, version), str(selected), lang, unit)
    hits = [h for h in st.session_state.get(state.CLICK_HITS, []) if h != selected]
    if hits:
        st.caption(t("clicked_here", lang))
        for h in hits[:MAX_LISTED_HITS]:
            label = zs.loc[h, name_column(lang)]
            st.button(f"{label} ({h})", key=state.click_hit(h), on_click=_select, args=(h,))


def _select(zone_id: str) -> None:
    st.session_state[state.SELECTED] = zone_id


def localised(z: pd.Series, field: str, lang: str) -> str:
    """A descriptive field in ``lang``: ``<field>_zh`` / ``<field>_en`` when the data
    has it, else the field as it is; "" when missing."""
    for name in (f"{field}_{lang}", field):
        value = z.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def shown_area(zone: gpd.GeoDataFrame, area_m2: pd.Series, unit: str, lang: str) -> str:
    """An area as the page shows it: rounded to what the zone's accuracy supports
    (geo.measure.precision), "≈" for a schematic extent, with its unit."""
    text = area_displays(zone, area_m2, unit=unit).iloc[0]
    return f"{text} {t(f'unit_{unit}', lang)}"


def zone_panel(
    zs: gpd.GeoDataFrame, figs: pd.DataFrame, zone_id: str, lang: str, unit: str
) -> None:
    z = zs.loc[zone_id]
    f = figs.loc[zone_id]
    # Names are data (an editor may type them): shown as written, never as Markdown.
    st.subheader(literal_markdown(z["name_zh"] if lang == "zh" else z["name_en"]))
    other = z["name_en"] if lang == "zh" else z["name_zh"]
    st.caption(f"{literal_markdown(other)} · {t('id', lang)}: {literal_markdown(zone_id)}")
    spec = registry().layer(z["layer"])
    st.text(f"{t('layer', lang)}: {spec.name(lang)}")
    st.markdown(f"**{t('plan_article', lang)}**")
    st.text(z["plan_article"] or "—")
    st.markdown(f"**{t('plan_quote', lang)}**")
    st.text(z["plan_quote_zh"] or t("quote_missing", lang))

    measured = bool(pd.notna(f["area_m2"]) and f["area_m2"] > 0)
    if measured:
        one = zs.loc[[zone_id]]
        st.markdown(f"**{t('area_ellipsoidal', lang)}**")
        st.text(" · ".join(shown_area(one, figs.loc[[zone_id], "area_m2"], u, lang) for u in UNITS))
        st.markdown(f"**{t('area_gk', lang)}**")
        st.text(shown_area(one, figs.loc[[zone_id], "gk_area_m2"], unit, lang))
        land = figs.loc[[zone_id], "land_area_m2"]
        if pd.notna(land.iloc[0]) and land.iloc[0] < 0.995 * f["area_m2"]:  # holds lake water
            st.markdown(f"**{t('area_land', lang)}**")
            st.text(" · ".join(shown_area(one, land, u, lang) for u in UNITS))
        st.caption(t("area_rounded_note", lang))
    plan_figures(z, f, lang, unit)

    st.markdown(f"**{t('geometry_source', lang)}**")
    detail = localised(z, "source_detail", lang)
    st.text(f"{t('source_' + z['geometry_source'], lang)}" + (f" — {detail}" if detail else ""))
    if pd.notna(z.get("accuracy_m")):
        st.text(f"{t('accuracy', lang)}: ±{z['accuracy_m']:,.0f} {t('metres', lang)}")
    assumptions = localised(z, "assumptions", lang)
    if assumptions:
        st.markdown(f"**{t('assumptions', lang)}**")
        st.text(assumptions)

    if measured:
        overlaps(zone_id, lang, unit)


def plan_figures(z: pd.Series, f: pd.Series, lang: str, unit: str) -> None:
    """The plan's stated land and floor areas (in the page's unit), and how far the
    drawn area is off."""
    if pd.notna(f["plan_land_km2"]):
        st.markdown(f"**{t('plan_land', lang)}**")
        stated = f["plan_land_km2"] * M2_PER_UNIT["km2"] / M2_PER_UNIT[unit]
        line = f"{stated:,.6g} {t(f'unit_{unit}', lang)}"
        if pd.notna(f["deviation_share"]):
            line += f" · {t('deviation', lang)} {percent(f['deviation_share'], signed=True)}"
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
            name_column(lang): nb[name_column(lang)],
            f"overlap_{unit}": nb["overlap_m2"] / M2_PER_UNIT[unit],
            "share_of_this": nb["share_of_this"],
            "share_of_other": nb["share_of_other"],
        }
    )
    st.dataframe(page_table(shown, lang), hide_index=True, width="stretch")
