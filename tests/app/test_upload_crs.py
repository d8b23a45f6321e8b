"""A confirmed CRS belongs to one file (its name and content hash): it is never applied
to the next file, and the same file chosen again is read as it was confirmed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.declared.i18n import t
from geo.io import geojson_text
from tests.app.tabs import open_tab
from tests.conftest import gk_boxes
from ui import state

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
NEEDS_CRS = t("needs_crs", "zh")


def _shapefile_zip_without_prj(*boxes: tuple[float, float, float, float], tmp: Path) -> bytes:
    """Boxes (metres in EPSG:4543) as a zipped shapefile with no .prj: no CRS declared."""
    folder = tmp / f"shp{len(list(tmp.iterdir()))}"
    folder.mkdir()
    gk_boxes(*boxes).to_crs("EPSG:4543").to_file(folder / "parcels.shp")
    (folder / "parcels.prj").unlink()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    return buffer.getvalue()


def _upload(at: AppTest, name: str, data: bytes) -> None:
    at.file_uploader(key=state.UPLOAD_FILE).set_value((name, data, "application/zip"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def _warnings(at: AppTest) -> list[str]:
    return [str(w.value) for w in at.warning]


def _area_lines(at: AppTest) -> list[str]:
    return [str(x.value) for x in at.text if t("feature_count", "zh") in str(x.value)]


def test_a_confirmed_crs_stays_with_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANMAP_WORKSPACE", str(tmp_path / "workspace"))
    at = AppTest.from_file(APP, default_timeout=180)
    open_tab(at, "upload_tab")
    first = _shapefile_zip_without_prj((0, 0, 300, 300), (400, 0, 700, 300), tmp=tmp_path)
    _upload(at, "parcels.zip", first)
    assert NEEDS_CRS in _warnings(at)
    radio = at.radio(key=state.UPLOAD_CRS_PICK)
    gk = next(i for i, label in enumerate(radio.options) if label.startswith("EPSG:4543"))
    radio.set_value(gk)
    at.button(key=state.UPLOAD_CRS_CONFIRM).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert NEEDS_CRS not in _warnings(at)
    # Two 300 m x 300 m squares: 0.18 km² (the ellipsoidal area differs in the 5th digit,
    # shown to six figures: an upload states no accuracy).
    assert any("0.1799" in line and "平方公里" in line for line in _area_lines(at)), _area_lines(at)

    # Another file without a CRS, even of the same name: asked again, not read as 4543.
    other = _shapefile_zip_without_prj((0, 0, 100, 100), tmp=tmp_path)
    _upload(at, "parcels.zip", other)
    assert NEEDS_CRS in _warnings(at)
    assert _area_lines(at) == []

    # A GeoJSON (WGS 84 by its format) is read as what it is: no error, its own area.
    wgs = geojson_text(gk_boxes((0, 0, 200, 200))).encode("utf-8")
    _upload(at, "square.geojson", wgs)
    assert not at.error, [e.value for e in at.error]
    assert any("0.03999" in line and "平方公里" in line for line in _area_lines(at)), _area_lines(
        at
    )

    # The first file again (same name, same bytes): read in the CRS confirmed for it.
    _upload(at, "parcels.zip", first)
    assert NEEDS_CRS not in _warnings(at)
    assert any("0.1799" in line and "平方公里" in line for line in _area_lines(at)), _area_lines(at)
