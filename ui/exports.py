"""The export tab: printed maps (PNG/PDF), a standalone HTML map, and layer files.

Everything is rendered on the server, offline; the functions live in ``geo.export``
and ``layers.export_html``, imported only when something is made (matplotlib takes
0.3 s to import, which the first page load should not pay).

"Make" checks cheaply that the file can be made (a GeoError is said on the page) and
shows a download button with deferred data: Streamlit runs the builder when the button
is clicked, on another thread, where an error could reach the browser only as a bare
"download error". Nothing is drawn during a rerun and no file sits in the media store
for another session's rerun to sweep away. The map builder is cached, the HTML and
layer builders run once per button, so a second click is instant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import geopandas as gpd
import streamlit as st

from geo.declared.i18n import Message, say, t
from geo.errors import GeoError, GeometryError
from geo.export.presets import load_presets, source_note
from geo.export.sheet import DPI_CHOICES, PAPER_MM
from geo.measure.crs import GK_CM102, STORAGE_CRS
from ui import state

if TYPE_CHECKING:
    from geo.export.maps import MapRequest

VISIBLE = "__visible__"
LAYER_FORMATS = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "shp": "Shapefile (zip)", "kml": "KML"}
MIME = {"png": "image/png", "pdf": "application/pdf"}


def _request(
    layers: tuple[str, ...],
    title: str,
    subtitle: str,
    lang: str,
    preset: str,
    zoom_ids: tuple[str, ...],
) -> MapRequest:
    from geo.export.maps import MapRequest

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
        return request
    return MapRequest(
        layers=layers,
        title=title,
        subtitle=subtitle,
        lang=lang,  # type: ignore[arg-type]
        zoom_ids=zoom_ids,
        source_note=source_note(lang),
        date=dt.date.today(),
    )


def _check_map(features: gpd.GeoDataFrame, request: MapRequest) -> None:
    """Raise the GeoError drawing ``request`` would raise, without drawing: nothing of
    its layers in ``features``, or nothing to frame (a deferred button's builder runs
    on another thread, where an error can only reach the browser as a bare 'download
    error', so it is found here, on the click of "make", first)."""
    from geo.declared.registry import load_registry
    from geo.export.maps import frame_bounds, select_features

    selected = select_features(features, layers=request.layers, registry=load_registry())
    if selected.empty:
        raise GeometryError("err_map_no_features", layers=", ".join(request.layers))
    frame_bounds(selected.to_crs(GK_CM102), request=request, aspect=1.0)


def _check_drawn(features: gpd.GeoDataFrame, visible: list[str], what: str) -> None:
    subset = features[features["layer"].isin(visible)]
    if not (subset.geometry.notna() & ~subset.geometry.is_empty).any():
        raise GeometryError("err_none_drawn", what=Message(what), layers=", ".join(visible))


@st.cache_data(show_spinner=False, max_entries=6, hash_funcs={gpd.GeoDataFrame: lambda _g: 0})
def _map(
    version: object,
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
    from geo.export.maps import map_bytes

    return map_bytes(
        features,
        request=_request(layers, title, subtitle, lang, preset, zoom_ids),
        fmt=fmt,
        paper=paper,
        orientation=orientation,
        dpi=dpi,  # no files: the store's plan is hashed, naming its revision (attrs)
    )


def _once(build: Callable[[], bytes]) -> Callable[[], bytes]:
    """``build`` for a deferred download button, run on the first click only (a second
    click of the same button is instant)."""
    made: list[bytes] = []
    lock = threading.Lock()

    def data() -> bytes:
        with lock:
            if not made:
                made.append(build())
            return made[0]

    return data


def _html(features: gpd.GeoDataFrame, visible: list[str], lang: str) -> bytes:
    from layers.export_html import standalone_html

    page = standalone_html(
        features,
        layers=visible,
        title=t("visible_map_title", lang),
        lang=lang,  # no files: the store's plan is hashed, naming its revision
    )
    return page.encode("utf-8")


def _layer_file(features: gpd.GeoDataFrame, visible: list[str], layer_fmt: str, crs: str) -> bytes:
    from geo.export.layers import layer_bytes

    subset = features[features["layer"].isin(visible)]
    return layer_bytes(subset, fmt=layer_fmt, name="chenggong_plan", crs=crs)  # type: ignore[arg-type]


def _checked(
    check: Callable[[], None], lang: str, *, layers: list[str] | None = None, heading: str
) -> bool:
    """Run ``check``; on a GeoError say why on the page (``heading``, an i18n key, then
    the error's own text) and return False. With ``layers`` given and empty, say that
    nothing is shown on the map instead (every export of "the visible layers")."""
    if layers is not None and not layers:
        st.warning(t("export_nothing_visible", lang))
        return False
    try:
        check()
    except GeoError as exc:
        st.error(t(heading, lang))
        st.text(say(exc, lang))
        return False
    return True


def export_tab(
    lang: str,
    features: gpd.GeoDataFrame,
    visible: list[str],
    version: object,
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
        args = (
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
        request = _request(tuple(visible), title, subtitle, lang, preset, zoom_ids)
        # e.g. the zone to frame is not in the drawn layers
        check = functools.partial(_check_map, features, request)
        shown = list(visible) if preset == VISIBLE else None
        if _checked(check, lang, layers=shown, heading="export_failed"):
            st.download_button(
                f"{t('export_download', lang)} {fmt.upper()}",
                functools.partial(_map, *args),  # drawn on the click, cached
                f"chenggong_map_{preset.strip('_')}_{paper}.{fmt}",
                MIME[fmt],
                key=state.EXPORT_MAP_DOWNLOAD,
                on_click="ignore",
            )

    st.markdown(f"**{t('export_html', lang)}**")
    html_made = st.button(t("export_make", lang), key=state.EXPORT_HTML_MAKE)
    if html_made and _checked(
        functools.partial(_check_drawn, features, visible, "export_what_html"),
        lang,
        layers=list(visible),
        heading="export_file_failed",
    ):
        st.download_button(
            f"{t('export_download', lang)} HTML",
            _once(functools.partial(_html, features, list(visible), lang)),
            "chenggong_map.html",
            "text/html",
            key=state.EXPORT_HTML_DOWNLOAD,
            on_click="ignore",
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
        ext = {"shp": "zip"}.get(layer_fmt, layer_fmt)
        check = functools.partial(_check_drawn, features, visible, "export_what_layer")
        if _checked(check, lang, layers=list(visible), heading="export_file_failed"):
            st.download_button(
                f"{t('export_download', lang)} {LAYER_FORMATS[layer_fmt]}",
                _once(functools.partial(_layer_file, features, list(visible), layer_fmt, crs)),
                f"chenggong_plan.{ext}",
                key=state.EXPORT_LAYER_DOWNLOAD,
                on_click="ignore",
            )
