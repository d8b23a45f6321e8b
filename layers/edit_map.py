"""What the plan editor (``ui/components/plan_editor``) draws: the element being edited
and, around it, the other zones' edges and the street lines to snap to.

Only what the editor needs goes to the browser: the element at full stored precision
(:data:`EDIT_DECIMALS`, so that a vertex not moved comes back where it was), and the
zones and lines within :data:`CONTEXT_MARGIN_M` of it, cut to the box around that
margin, simplified and rounded like every display copy
(:func:`geo.display.display_copy`). Points have nothing to snap to and are left out.
Names are in the page's language and are shown by the browser as text.
"""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import shapely

from geo.display import display_copy, geojson_dict
from geo.measure.crs import GK_CM102, STORAGE_CRS
from geo.plan.shapes import COORD_DECIMALS

EDIT_DECIMALS: Final = COORD_DECIMALS
"""Decimals of the edited element's coordinates (1e-7° ≈ 1 cm), as the plan data has."""
CONTEXT_DECIMALS: Final = 6
"""Decimals of the context's coordinates (≈ 0.1 m), as every display copy."""
CONTEXT_MARGIN_M: Final = 3_000.0
"""How far around the edited element the zones and streets to snap to are sent."""
CONTEXT_TOLERANCE_M: Final = 3.0
CONTEXT_MAX_VERTICES: Final = 20_000
NEW_ZONE_EXTENT: Final = "ext_chenggong_land"
"""Where the editor opens for a new zone: the district's land."""
_DRAWN: Final = ("Polygon", "MultiPolygon", "LineString", "MultiLineString")
_AREAL: Final = ("Polygon", "MultiPolygon")


def _named(frame: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    names = frame["name_zh" if lang == "zh" else "name_en"].fillna(frame["id"]).astype(str)
    return frame.assign(name=names, kind=frame.geometry.geom_type.map(
        lambda g: "zone" if g in _AREAL else "line"
    ))  # fmt: skip


def editor_payload(zones: gpd.GeoDataFrame, element_id: str | None, *, lang: str) -> dict[str, Any]:
    """The editor's map data (EPSG:4326 GeoJSON): ``edit`` (the element, a
    FeatureCollection, empty for a new zone), ``context`` (zones and lines near it, not
    editable, snapped to), ``bounds`` ([[south, west], [north, east]] to open on) and
    ``element`` (its id, or None)."""
    ids = zones["id"].astype(str)
    drawn = zones[zones.geometry.notna() & zones.geometry.geom_type.isin(_DRAWN)]
    if element_id is not None:
        target = zones[(ids == element_id).to_numpy()]
        target = target[target.geometry.geom_type.isin(_AREAL)]
    else:
        target = zones.iloc[:0]
    focus = target if len(target) else drawn[drawn["id"].astype(str) == NEW_ZONE_EXTENT]
    if focus.empty:
        focus = drawn
    area = focus.geometry.to_crs(GK_CM102).buffer(CONTEXT_MARGIN_M).union_all()
    near = gpd.GeoSeries([area], crs=GK_CM102).to_crs(STORAGE_CRS).iloc[0]
    context = drawn[
        shapely.intersects(drawn.geometry.to_numpy(), near)
        & (drawn["id"].astype(str) != (element_id or "")).to_numpy()
    ]
    # Cut to the box around the element: a prefecture's outline is sent as its few
    # kilometres near the element, not its whole length.
    box = shapely.box(*near.bounds)
    clipped = context.set_geometry(
        gpd.GeoSeries(shapely.intersection(context.geometry.to_numpy(), box),
                      index=context.index, crs=context.crs)
    )  # fmt: skip
    clipped = clipped[~clipped.geometry.is_empty & clipped.geometry.geom_type.isin(_DRAWN)]
    shown = display_copy(
        clipped, tolerance_m=CONTEXT_TOLERANCE_M, max_vertices=CONTEXT_MAX_VERTICES
    )
    columns = ["id", "name", "kind", "layer"]
    west, south, east, north = (float(v) for v in focus.total_bounds)
    return {
        "element": element_id,
        "edit": geojson_dict(_named(target, lang), columns=columns, precision=EDIT_DECIMALS),
        "context": geojson_dict(_named(shown, lang), columns=columns, precision=CONTEXT_DECIMALS),
        "bounds": [[south, west], [north, east]],
    }
