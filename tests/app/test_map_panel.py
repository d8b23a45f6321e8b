"""The map panel's view arithmetic: click tolerance in pixels, framing with a margin."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ui.map_panel import MAX_FRAME_ZOOM, click_tolerance_deg, frame_view

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def test_click_tolerance_is_pixels_of_the_web_map() -> None:
    # Zoom 0: the world's 360 degrees of longitude are 256 pixels wide.
    assert click_tolerance_deg(0, 0.0, px=1) == pytest.approx(360 / 256)
    # Each zoom level halves a pixel; at 60 degrees a pixel spans half the latitude.
    assert click_tolerance_deg(16, 60.0, px=5) == pytest.approx(5 * 360 / 256 / 2**16 * 0.5)
    # At Chenggong, zoom 16: 5 px are about 11 m (1 degree of latitude is ~110.8 km).
    metres = click_tolerance_deg(16, 24.88) * 110_800
    assert 10.0 < metres < 12.0
    assert math.isclose(click_tolerance_deg(13, 24.88), 8 * click_tolerance_deg(16, 24.88))


def test_a_small_zone_is_framed_with_a_margin_not_zoomed_into() -> None:
    # A 0.01-degree (about 1 km) square: shown with room around it, at most zoom 16.
    (lat, lon), zoom = frame_view((102.85, 24.85, 102.86, 24.86))
    assert (lat, lon) == pytest.approx((24.855, 102.855))
    assert zoom <= MAX_FRAME_ZOOM
    # The framed span at that zoom (900 px wide) holds the square and its margin.
    span_deg = 900 * 360 / 256 / 2**zoom
    assert span_deg >= 0.01 * 2.2
    # A tiny zone (10 m) is not zoomed in beyond the cap.
    assert frame_view((102.85, 24.85, 102.8501, 24.8501))[1] == MAX_FRAME_ZOOM


def _fits(bounds: tuple[float, float, float, float], zoom: int, *, px_per_deg: float) -> bool:
    """Whether ``bounds`` with the frame's margin fit the map (900 x MAP_HEIGHT_PX px)
    at ``zoom`` on a plate carrée grid of ``px_per_deg`` pixels a degree at zoom 0."""
    from ui.layout import MAP_HEIGHT_PX
    from ui.map_panel import FRAME_MARGIN

    minx, miny, maxx, maxy = bounds
    scale = px_per_deg * 2**zoom * (1 + 2 * FRAME_MARGIN)
    return (maxx - minx) * scale <= 900 and (maxy - miny) * scale <= MAP_HEIGHT_PX


def test_the_cgcs2000_grid_frames_a_zone_at_its_own_zoom() -> None:
    # Tianditu's 'c' matrix set is plate carrée: zoom 0 is 512 px for 360 degrees.
    box = (102.80, 24.80, 102.86, 24.86)
    _, zoom = frame_view(box, tile_grid="cgcs2000")
    assert _fits(box, zoom, px_per_deg=512 / 360)
    assert not _fits(box, zoom + 1, px_per_deg=512 / 360), "the tightest zoom that fits"
    # The web-mercator framing of the same box is one level deeper at Chenggong: used on
    # the 'c' grid it would show only part of the zone.
    assert frame_view(box)[1] == zoom + 1
    assert not _fits(box, frame_view(box)[1], px_per_deg=512 / 360)


def test_a_zone_found_on_the_c_basemap_is_framed_on_its_grid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page sends the map the 'c' grid's zoom for a zone found by search."""
    import json

    from streamlit.testing.v1 import AppTest

    from geo.declared.basemaps import available_basemaps, load_basemaps
    from geo.plan.zones import load_plan_layers
    from ui import state

    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.setenv("TIANDITU_TOKEN", "test-token")  # no tile is fetched in AppTest
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    bases = available_basemaps(load_basemaps(), token_for={"TIANDITU_TOKEN": "test-token"})
    c_grid = next(b for b in bases if b.id == "tianditu_vec_c")
    assert c_grid.tile_grid == "cgcs2000"
    at.selectbox(key=state.BASEMAP).set_value(c_grid).run()
    plan = load_plan_layers()
    located = plan[plan.geometry.notna() & ~plan.geometry.is_empty]
    # A zone whose frame differs between the grids (the floors of the two zooms).
    zone = next(
        i
        for i, g in located.geometry.items()
        if frame_view(g.bounds, tile_grid="cgcs2000")[1] != frame_view(g.bounds)[1]
    )
    at.selectbox(key=state.SEARCH).set_value(zone).run()
    assert not at.exception, [e.value for e in at.exception]
    maps = [n for n in at._tree if n.type == "component_instance"]
    sent = json.loads(maps[0].proto.json_args)
    bounds = located.loc[zone].geometry.bounds
    assert sent["zoom"] == frame_view(bounds, tile_grid="cgcs2000")[1]
