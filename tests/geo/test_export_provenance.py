"""The export fingerprint follows the drawn data and the app version, and nothing else.

Anyone holding a printed map must be able to tell whether a later run used the same
inputs: the same data and version give the same fingerprint, a single moved vertex or
another version a different one.
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from PIL import Image
from PIL.PngImagePlugin import PngImageFile

from geo.export import provenance
from geo.export.maps import MapRequest, map_bytes
from geo.export.provenance import fingerprint
from tests.geo.export_sample import sample_features

# 1e-6 degree is about 0.1 m: well above the 7 decimals (about 1 cm) the hashed
# GeoJSON text keeps, so the move is in what is hashed.
NUDGE_DEG = 1e-6


def _nudged(features: gpd.GeoDataFrame, row: int = 1) -> gpd.GeoDataFrame:
    """A copy with the first vertex of one polygon's outline moved east by NUDGE_DEG."""
    out = features.copy()
    polygon = out.geometry.iloc[row]
    coords = list(polygon.exterior.coords)
    x, y = coords[0]
    coords[0] = coords[-1] = (x + NUDGE_DEG, y)
    moved = shapely.Polygon(coords, [list(r.coords) for r in polygon.interiors])
    assert moved.is_valid and not moved.equals(polygon)
    out.loc[out.index[row], "geometry"] = moved
    return out


def test_identical_data_gives_the_identical_fingerprint() -> None:
    first = fingerprint(data=sample_features())
    again = fingerprint(data=sample_features())  # built anew, equal content
    assert again.sha256 == first.sha256
    assert len(first.sha256) == 64 and first.short == first.sha256[:12]


def test_one_moved_vertex_changes_the_fingerprint() -> None:
    base = sample_features()
    nudged = _nudged(base)
    assert fingerprint(data=nudged).sha256 != fingerprint(data=base).sha256
    # ... and moving it back restores it: the fingerprint is of content, not identity.
    back = _nudged(nudged)
    back.loc[back.index[1], "geometry"] = base.geometry.iloc[1]
    assert fingerprint(data=back).sha256 == fingerprint(data=base).sha256


def test_an_attribute_change_changes_the_fingerprint() -> None:
    base = sample_features()
    renamed = base.copy()
    renamed.loc[renamed.index[0], "name_zh"] = "呈贡区（改）"
    assert fingerprint(data=renamed).sha256 != fingerprint(data=base).sha256


def test_the_version_is_part_of_the_fingerprint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data_file = tmp_path / "zones.geojson"
    data_file.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    features = sample_features()
    before_data = fingerprint(data=features)
    before_file = fingerprint(files=[data_file])
    monkeypatch.setattr(provenance, "__version__", "99.0.0")
    after_data = fingerprint(data=features)
    after_file = fingerprint(files=[data_file])
    assert after_data.version == after_file.version == "99.0.0"
    assert after_data.sha256 != before_data.sha256
    assert after_file.sha256 != before_file.sha256
    assert "geo 99.0.0" in after_file.describe()


def test_data_and_files_are_both_hashed_when_both_are_given(tmp_path: Path) -> None:
    data_file = tmp_path / "zones.geojson"
    data_file.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    base = sample_features()
    both = fingerprint(files=[data_file], data=base)
    assert both.sha256 != fingerprint(files=[data_file]).sha256
    assert both.sha256 != fingerprint(data=base).sha256
    assert fingerprint(files=[data_file], data=_nudged(base)).sha256 != both.sha256


def _png_description(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as image:
        assert isinstance(image, PngImageFile)
        return str(image.text["Description"])


def test_the_printed_map_carries_the_fingerprint_of_what_it_draws() -> None:
    request = MapRequest(layers=("extents", "finance_business"), title="指纹", lang="zh")

    def described(features: gpd.GeoDataFrame) -> str:
        return _png_description(map_bytes(features, request=request, fmt="png", dpi=150))

    base = sample_features()
    first = described(base)
    assert first == described(sample_features())
    assert described(_nudged(base, row=1)) != first  # a finance_business polygon
    assert fingerprint(data=base).sha256 not in first  # the selection is hashed ...
    selected = base[base["layer"].isin(request.layers)]
    assert fingerprint(data=selected).sha256 in first  # ... exactly the drawn features
