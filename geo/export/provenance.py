"""Where a figure came from: data fingerprint, source counts and the date it was made.

A printed map carries a fingerprint — the SHA-256 of the data files drawn (or of the
drawn data itself when it came from no file) together with the app version — so anyone
holding the figure can check that a later run uses the same inputs. Data read from the
store names the plan version it is: the loader puts the revision's label (e.g. ``store
revision 42 (2026-12-01 14:20:05 UTC)``) in the frame's ``attrs[PLAN_REVISION_ATTR]``,
which pandas carries through selections, and the fingerprint hashes and names it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd

from geo import __version__
from geo.errors import InputFileError
from geo.io import geojson_text

CHINA_STANDARD_TIME: Final = dt.timezone(dt.timedelta(hours=8), name="UTC+8")

PUBLIC_BOUNDARY: Final = "public_boundary"
"""The ``geometry_source`` of features traced from a published boundary (drawn solid)."""

SOURCE_LABELS: Final[dict[str, dict[str, str]]] = {
    "public_boundary": {"zh": "公开行政边界", "en": "published boundary"},
    "street_derived": {"zh": "据街道中心线推导", "en": "derived from street centrelines"},
    "edited": {"zh": "在应用中绘制或编辑", "en": "drawn or edited in the app"},
    "calibrated": {"zh": "按规划面积校准的示意", "en": "sketch calibrated to the plan's area"},
    "point_buffer": {"zh": "点位缓冲示意", "en": "buffer around a point"},
    "sketch": {"zh": "示意草图", "en": "sketch"},
    "unknown": {"zh": "来源未注明", "en": "source not recorded"},
}


PLAN_REVISION_ATTR: Final = "plan_revision"
"""The ``GeoDataFrame.attrs`` key of the plan version the rows were read at."""


@dataclass(frozen=True)
class Fingerprint:
    """SHA-256 over the inputs and the app version; ``short`` is what the map prints.
    ``plan_revision``: the store's plan version the data is (``""``: not from the store)."""

    sha256: str
    inputs: tuple[str, ...]
    version: str
    plan_revision: str = ""

    @property
    def short(self) -> str:
        return self.sha256[:12]

    def describe(self) -> str:
        """One line for file metadata: full hash, inputs and version."""
        return f"sha256:{self.sha256} of {', '.join(self.inputs)} with geo {self.version}"


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file's content, read in 1 MB blocks."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read it to fingerprint the export ({exc}).") from exc
    return digest.hexdigest()


def fingerprint(
    *,
    files: Sequence[str | Path] = (),
    data: gpd.GeoDataFrame | None = None,
    plan_revision: str | None = None,
) -> Fingerprint:
    """Fingerprint of the data ``files`` (by content; names sorted) or of ``data`` itself.

    Give ``files`` when the drawn layer was read from files, ``data`` when it was not
    (the store's plan, an upload, an edited selection): its GeoJSON text (EPSG:4326, 7
    decimals) is hashed. The plan version — ``plan_revision``, else the one ``data``
    carries in ``attrs`` — is hashed and listed first among the inputs.

    >>> fingerprint(files=[]).sha256 == fingerprint(files=[]).sha256
    True
    """
    digest = hashlib.sha256()
    inputs: list[str] = []
    for path in sorted((Path(f) for f in files), key=lambda p: p.name):
        file_hash = file_sha256(path)
        digest.update(f"{path.name}:{file_hash}\n".encode())
        inputs.append(f"{path.name} ({file_hash[:8]})")
    if data is not None:
        text_hash = hashlib.sha256(geojson_text(data).encode()).hexdigest()
        digest.update(f"data:{text_hash}\n".encode())
        inputs.append(f"drawn data ({text_hash[:8]})")
    revision = plan_revision if plan_revision is not None else revision_of(data)
    if revision:
        digest.update(f"plan:{revision}\n".encode())
        inputs.insert(0, f"plan {revision}")
    digest.update(f"geo {__version__}\n".encode())
    return Fingerprint(
        sha256=digest.hexdigest(), inputs=tuple(inputs), version=__version__,
        plan_revision=revision,
    )  # fmt: skip


def revision_of(data: gpd.GeoDataFrame | None) -> str:
    """The plan version ``data`` was read at (``""``: not from the store, or not known)."""
    if data is None:
        return ""
    return str(data.attrs.get(PLAN_REVISION_ATTR) or "")


def provenance_lines(fp: Fingerprint) -> dict[str, str]:
    """What a data file says about its origin, as name → text (a GeoJSON member, a
    GeoPackage's metadata, a Shapefile zip's ``provenance.txt``, a workbook's notes)."""
    return {
        "plan_revision": fp.plan_revision or "not from the store",
        "fingerprint": fp.describe(),
        "made_utc": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
    }


def source_counts(features: gpd.GeoDataFrame) -> dict[str, int]:
    """How many features have each ``geometry_source`` (``unknown`` where not recorded)."""
    if "geometry_source" not in features.columns:
        return {"unknown": len(features)} if len(features) else {}
    values = features["geometry_source"].fillna("unknown").astype(str)
    return {str(k): int(v) for k, v in values.value_counts().items()}


def is_public_boundary(features: gpd.GeoDataFrame) -> list[bool]:
    """Per feature: True when its geometry is traced from a published boundary."""
    if "geometry_source" not in features.columns:
        return [False] * len(features)
    return [value == PUBLIC_BOUNDARY for value in features["geometry_source"]]


def schematic_mask(features: gpd.GeoDataFrame) -> list[bool]:
    """Per feature: True when it is a sketch — ``schematic`` is true, or it is not recorded
    and the geometry is not traced from a published boundary (never guess "surveyed")."""
    public = is_public_boundary(features)
    if "schematic" not in features.columns:
        return [not p for p in public]
    return [
        (not p) if value is None or (isinstance(value, float) and value != value) else bool(value)
        for value, p in zip(features["schematic"], public, strict=True)
    ]


def today_in_china() -> dt.date:
    """Today's date in China Standard Time (UTC+8), the planners' calendar."""
    return dt.datetime.now(tz=CHINA_STANDARD_TIME).date()
