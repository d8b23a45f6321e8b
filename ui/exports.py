"""The export tab: printed maps (PNG/PDF), a standalone HTML map, and layer files.

Everything is rendered on the server, offline; the functions live in ``geo.export``
and ``layers.export_html``, imported only when something is made (matplotlib takes
0.3 s to import, which the first page load should not pay).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import geopandas as gpd
import streamlit as st

from geo.crs import GK_CM102, STORAGE_CRS
from geo.errors import GeoError
from geo.export.presets import load_presets, source_note
from geo.export.sheet import DPI_CHOICES, PAPER_MM
from geo.i18n import t
from geo.zones import STREETS_FILE, ZONES_FILE
from ui import state

VISIBLE = "__visible__"
LAYER_FORMATS = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "shp": "Shapefile (zip)", "kml": "KML"}
MIME = {"png": "image/png", "pdf": "application/pdf"}


@st.cache_data(show_spinner=False, max_entries=6, hash_funcs={gpd.GeoDataFrame: lambda _g: 0})
def _map(
    version: float,
    layers: tuple[str, ...],
    title: str,
    subtitle: str,
    lang: str,
    preset: str,
    paper: str,
    orientation: str,
    dpi: int,
    fmt: str,
    zoom_ids: tuple[str, ...],
    features: gpd.GeoDataFrame,
) -> bytes:
    from geo.export.maps import MapRequest, map_bytes

    if preset != VISIBLE:
        request = MapRequest.from_preset(
            load_presets()[preset],
            lang=lang,  # type: ignore[arg-type]
            title=title,
            subtitle=subtitle,
            source_note=source_note(lang),
            date=dt.date.today(),
        )
        if zoom_ids:
            request = dataclasses.replace(request, zoom_ids=zoom_ids)
    else:
        request = MapRequest(
            layers=layers,
            title=title,
            subtitle=subtitle,
            lang=lang,  # type: ignore[arg-type]
            zoom_ids=zoom_ids,
            source_note=source_note(lang),
            date=dt.date.today(),
        )
    return map_bytes(
        features,
        request=request,
        fmt=fmt,
        paper=paper,
        orientation=orientation,
        dpi=dpi,
        files=[ZONES_FILE, STREETS_FILE],
    )


def export_tab(
    lang: str,
    features: gpd.GeoDataFrame,
    visible: list[str],
    version: float,
    *,
    selected: str | None = None,
) -> None:
    presets = load_presets()
    st.markdown(f"**{t('export_map', lang)}**")
    options = [VISIBLE, *presets]
    preset = st.selectbox(
        t("export_view", lang),
        options,
        format_func=lambda p: t("export_visible", lang) if p == VISIBLE else presets[p].title(lang),
        key=state.EXPORT_PRESET,
    )
    default_title = (
        t("visible_map_title", lang) if preset == VISIBLE else presets[preset].title(lang)
    )
    default_sub = "" if preset == VISIBLE else presets[preset].subtitle(lang)
    c1, c2 = st.columns(2)
    title = c1.text_input(
        t("export_title", lang), value=default_title, key=state.export_title(preset, lang)
    )
    subtitle = c2.text_input(
        t("export_subtitle", lang), value=default_sub, key=state.export_subtitle(preset, lang)
    )
    c1, c2, c3, c4 = st.columns(4)
    paper = c1.selectbox(t("export_paper", lang), list(PAPER_MM), key=state.EXPORT_PAPER)
    orientation = c2.selectbox(
        t("export_orientation", lang),
        ["landscape", "portrait"],
        format_func=lambda o: t(o, lang),
        key=state.EXPORT_ORIENTATION,
    )
    dpi = c3.selectbox(t("export_dpi", lang), list(DPI_CHOICES), key=state.EXPORT_DPI)
    fmt = c4.selectbox(
        t("export_format", lang), ["pdf", "png"], format_func=str.upper, key=state.EXPORT_FMT
    )
    frame_selected = bool(selected) and st.checkbox(
        f"{t('export_zoom_selected', lang)}: {selected}", key=state.EXPORT_ZOOM_SELECTED
    )
    if st.button(t("export_make", lang), key=state.EXPORT_MAKE):
        zoom_ids = (str(selected),) if frame_selected else ()
        try:
            data = _map(
                version,
                tuple(visible),
                title,
                subtitle,
                lang,
                preset,
                paper,
                orientation,
                int(dpi),
                fmt,
                zoom_ids,
                features,
            )
        except GeoError as exc:  # e.g. the zone to frame is not in the drawn layers
            st.error(t("export_failed", lang))
            st.text(str(exc))
            return
        st.download_button(
            f"{t('export_download', lang)} {fmt.upper()}",
            data,
            f"chenggong_map_{preset.strip('_')}_{paper}.{fmt}",
            MIME[fmt],
            key=state.EXPORT_MAP_DOWNLOAD,
        )

    st.markdown(f"**{t('export_html', lang)}**")
    if st.button(t("export_make", lang), key=state.EXPORT_HTML_MAKE):
        from layers.export_html import standalone_html

        page = standalone_html(
            features,
            layers=visible,
            title=t("visible_map_title", lang),
            lang=lang,
            files=[ZONES_FILE, STREETS_FILE],
        )
        st.download_button(
            f"{t('export_download', lang)} HTML",
            page.encode("utf-8"),
            "chenggong_map.html",
            "text/html",
            key=state.EXPORT_HTML_DOWNLOAD,
        )

    st.markdown(f"**{t('export_layers', lang)}**")
    c1, c2, c3 = st.columns([2, 2, 1])
    layer_fmt = c1.selectbox(
        t("export_format", lang),
        list(LAYER_FORMATS),
        format_func=LAYER_FORMATS.get,
        key=state.EXPORT_LAYER_FMT,
    )
    crs = c2.selectbox(
        t("export_layers_crs", lang), [STORAGE_CRS, GK_CM102], key=state.EXPORT_LAYER_CRS
    )
    if c3.button(t("export_make", lang), key=state.EXPORT_LAYER_MAKE):
        from geo.export.layers import layer_bytes

        subset = features[features["layer"].isin(visible)]
        data = layer_bytes(subset, fmt=layer_fmt, name="chenggong_plan", crs=crs)  # type: ignore[arg-type]
        ext = {"shp": "zip"}.get(layer_fmt, layer_fmt)
        st.download_button(
            f"{t('export_download', lang)} {LAYER_FORMATS[layer_fmt]}",
            data,
            f"chenggong_plan.{ext}",
            key=state.EXPORT_LAYER_DOWNLOAD,
        )
