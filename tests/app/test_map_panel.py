"""The map panel's view arithmetic: click tolerance in pixels, framing with a margin."""

from __future__ import annotations

import math

import pytest

from ui.map_panel import MAX_FRAME_ZOOM, click_tolerance_deg, frame_view


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
