"""The plan editor: a small two-way Streamlit component around Leaflet-Geoman.

streamlit-folium returns new drawings but not edits of existing shapes (its issues #41
and #129), so the editor is its own component: ``frontend/index.html`` and
``frontend/editor.js`` implement Streamlit's component protocol in plain JavaScript (no
build step) and load Leaflet and Leaflet-Geoman from ``static/vendor/`` (offline; see
``static/vendor/README.md``). What it draws comes from :func:`layers.edit_map.
editor_payload`; every text it shows comes from ``config/i18n.toml`` through
:func:`editor_texts`.

It returns the edited polygons after each create, vertex edit, drag, rotate, cut or
removal (debounced in the browser), never on panning, as :class:`EditorValue`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import streamlit.components.v1 as components

from geo.declared.i18n import t

FRONTEND: Final = Path(__file__).resolve().parent / "frontend"
_component = components.declare_component("plan_editor", path=str(FRONTEND))

GEOMAN_TEXTS: Final = {
    "tooltips": {
        "firstVertex": "editor_tip_first_vertex",
        "continueLine": "editor_tip_continue",
        "finishPoly": "editor_tip_finish_poly",
        "finishRect": "editor_tip_finish_rect",
    },
    "actions": {
        "finish": "editor_action_finish",
        "cancel": "editor_action_cancel",
        "removeLastVertex": "editor_action_undo_vertex",
    },
    "buttonTitles": {
        "drawPolyButton": "editor_button_polygon",
        "drawRectButton": "editor_button_rectangle",
        "drawLineButton": "editor_button_line",
        "editButton": "editor_button_edit",
        "dragButton": "editor_button_drag",
        "cutButton": "editor_button_cut",
        "deleteButton": "editor_button_remove",
        "rotateButton": "editor_button_rotate",
    },
}
"""Leaflet-Geoman's texts the editor shows (its translation keys) → our text keys."""


def editor_texts(lang: str) -> dict[str, Any]:
    """Every text the editor shows, in ``lang``, from ``config/i18n.toml``."""
    return {
        "approx": t("editor_approx", lang),
        "approx_note": t("editor_approx_note", lang),
        "sending": t("editor_sending", lang),
        "geoman": {
            part: {name: t(key, lang) for name, key in keys.items()}
            for part, keys in GEOMAN_TEXTS.items()
        },
    }


@dataclass(frozen=True)
class EditorValue:
    """What the editor sent: the polygons as drawn (a GeoJSON FeatureCollection,
    EPSG:4326, not yet checked: :func:`geo.edit.draw.parse_drawing`), its sequence number
    and the browser's approximate spherical area (m², for comparison only)."""

    seq: int
    element: str | None
    geojson: dict[str, Any]
    approx_m2: float
    lines: dict[str, Any] | None = None
    """Lines drawn to split the shape (a GeoJSON FeatureCollection), if any."""


def parse_value(raw: object) -> EditorValue | None:
    """The component's value as :class:`EditorValue`; None for nothing sent yet or a
    value not of the editor's shape (the browser is not trusted either)."""
    if not isinstance(raw, dict):
        return None
    seq, geojson, approx = raw.get("seq"), raw.get("geojson"), raw.get("approx_m2")
    element = raw.get("element")
    if not isinstance(seq, int) or not isinstance(geojson, dict):
        return None
    approx_m2 = float(approx) if isinstance(approx, int | float) and math.isfinite(approx) else 0.0
    lines = raw.get("lines")
    return EditorValue(
        seq, element if isinstance(element, str) else None, geojson, approx_m2,
        lines if isinstance(lines, dict) and lines.get("features") else None,
    )  # fmt: skip


def plan_editor(
    payload: dict[str, Any],
    *,
    version: int | None,
    lang: str,
    statutory: str,
    statutory_seq: int | None,
    key: str,
    replace: dict[str, Any] | None = None,
    height: int = 520,
) -> EditorValue | None:
    """Draw the editor and return what it last sent (None before any edit).

    ``version`` is the element's store version: a new one reloads the shape.
    ``statutory`` is the text of the server's figures for the shape numbered
    ``statutory_seq``, shown on the map once it is the last one sent. ``replace``
    (``{"token": …, "geojson": …}``) replaces the drawing once per token (a split piece
    kept, two elements merged)."""
    raw = _component(
        payload=payload, version=version, texts=editor_texts(lang), statutory=statutory,
        statutory_seq=statutory_seq, replace=replace, height=height, key=key, default=None,
    )  # fmt: skip
    return parse_value(raw)
