"""GeoPackage uploads: one layer (the caller chooses when there are several), opened by
GDAL's GPKG driver only; its content was checked to be a GeoPackage (SQLite with the
GPKG application id) before it got here."""

from __future__ import annotations

from pathlib import Path

from geo.io import read_vector, spatial_layers
from geo.upload.formats import FORMATS, RawLayer, choose_layer
from geo.upload.settings import UploadSettings

DRIVERS = FORMATS["geopackage"].drivers


def geopackage_layers(data: bytes, name: str, tmp: Path) -> tuple[str, ...]:
    """The layers with geometries of an uploaded GeoPackage."""
    path = tmp / "upload.gpkg"
    path.write_bytes(data)
    return tuple(spatial_layers(path, drivers=DRIVERS, name=name)[0])


def read_geopackage(
    data: bytes, name: str, tmp: Path, *, layer: str | None, settings: UploadSettings
) -> RawLayer:
    """Read one layer of a GeoPackage."""
    path = tmp / "upload.gpkg"
    path.write_bytes(data)
    spatial, tables = spatial_layers(path, drivers=DRIVERS, name=name)
    chosen = choose_layer(spatial, layer, name)
    frame = read_vector(
        path, drivers=DRIVERS, name=name, layer=chosen, max_features=settings.max_features
    )
    notes = (f"attribute-only tables not read: {', '.join(tables)}",) if tables else ()
    crs_source = "declared in the file" if frame.crs is not None else "none"
    return RawLayer(
        frame, "geopackage", chosen, tuple(spatial), "utf-8", "GeoPackage is UTF-8", crs_source,
        notes,
    )  # fmt: skip
