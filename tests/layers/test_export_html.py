"""layers/export_html.py: one HTML file that needs no server and no internet."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from geo.errors import GeometryError
from layers.export_html import write_html
from tests.geo.export_sample import sample_features

ASSET_REF = re.compile(r"""<(?:script|link)[^>]*(?:src|href)="([^"]+)\"""")
TITLE = "金融片区离线地图"


def test_standalone_html_inlines_assets_and_holds_the_features(tmp_path: Path) -> None:
    out = write_html(
        sample_features(),
        tmp_path / "map.html",
        layers=["extents", "finance_business", "infrastructure"],
        title=TITLE,
    )
    page = out.read_text(encoding="utf-8")
    refs = ASSET_REF.findall(page)
    assert refs, "expected the Leaflet script and stylesheet"
    assert all(ref.startswith("data:") for ref in refs), refs
    assert "L.map(" in page or "L.map (" in page
    assert "L.tileLayer" not in page  # no tiles: complete offline
    assert TITLE in page
    for name in ("科技金融服务中心", "地铁1号线"):
        assert name in page or json.dumps(name)[1:-1] in page  # raw or \\u-escaped JSON
    assert "ecology" not in re.findall(r'"layer":\s*"(\w+)"', page)


def test_layers_without_features_are_a_domain_error(tmp_path: Path) -> None:
    with pytest.raises(GeometryError, match="housing"):
        write_html(sample_features(), tmp_path / "m.html", layers=["housing"], title="x")
