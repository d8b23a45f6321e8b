"""Settings for uploads, declared in ``config/upload.toml`` and validated on load.

Every key is documented in the file with its unit. Unknown keys, missing keys and values
of the wrong type or range are reported together as one :class:`~geo.errors.ConfigError`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.declared.config import CONFIG_DIR, PROJECT_ROOT, check_keys, load_toml
from geo.errors import ConfigError, collect

UPLOAD_CONFIG = CONFIG_DIR / "upload.toml"
BYTES_PER_MB = 1_000_000


@dataclass(frozen=True)
class Region:
    """The area data are expected in (degrees, WGS 84) and the point candidates rank by."""

    name_zh: str
    name_en: str
    min_lon: float
    max_lon: float
    min_lat: float
    max_lat: float
    centre_lon: float
    centre_lat: float

    def contains(self, lon: float, lat: float) -> bool:
        """True when the point (degrees) lies in the region's box."""
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


@dataclass(frozen=True)
class UploadSettings:
    """Limits for uploads (bytes), the expected region, the workspace and display options."""

    max_file_bytes: int
    max_uncompressed_bytes: int
    max_zip_members: int
    max_features: int
    max_vertices: int
    region: Region
    workspace_dir: Path
    coordinate_decimals: int
    simplify_above_features: int
    simplify_tolerance_m: float


_SCHEMA: dict[str, dict[str, Any]] = {
    "limits": {"max_file_mb": (int, float), "max_uncompressed_mb": (int, float)}
    | {"max_zip_members": int, "max_features": int, "max_vertices": int},
    "region": {"name_zh": str, "name_en": str}
    | dict.fromkeys(("min_lon", "max_lon", "min_lat", "max_lat"), (int, float))
    | {"centre_lon": (int, float), "centre_lat": (int, float)},
    "workspace": {"dir": str},
    "display": {
        "coordinate_decimals": int,
        "simplify_above_features": int,
        "simplify_tolerance_m": (int, float),
    },
}


def _type_problems(raw: dict[str, Any], *, where: str) -> list[str]:
    """Sections, keys and the type of each value (numbers not negative)."""
    problems = check_keys(raw, where=where, required=_SCHEMA)
    for section, fields in _SCHEMA.items():
        if section not in raw:
            continue
        table = raw[section]
        if not isinstance(table, dict):
            problems.append(f"{where} [{section}]: must be a table, found {table!r}")
            continue
        problems += check_keys(table, where=f"{where} [{section}]", required=fields)
        problems += [
            p
            for key, kind in fields.items()
            if key in table
            for p in _value_problems(table[key], kind, where=f"{where} [{section}] {key}")
        ]
    return problems


def _value_problems(value: Any, kind: type | tuple[type, ...], *, where: str) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, kind):
        return [f"{where}: expected {kind}, got {value!r}"]
    if isinstance(value, int | float) and value < 0:
        return [f"{where}: must not be negative, got {value}"]
    return []


def _range_problems(raw: dict[str, Any], *, where: str) -> list[str]:
    """Limits positive, the region's box ordered and on the earth, decimals 0..15
    (for a file whose keys and types are right)."""
    lim, reg = raw["limits"], raw["region"]
    checks = (
        (
            lim["max_file_mb"] > 0 and lim["max_uncompressed_mb"] > 0,
            "[limits]: sizes must be positive",
        ),
        (
            lim["max_features"] > 0 and lim["max_vertices"] > 0,
            "[limits]: max_features and max_vertices must be positive",
        ),
        (
            reg["min_lon"] < reg["max_lon"] and reg["min_lat"] < reg["max_lat"],
            "[region]: min_lon < max_lon and min_lat < max_lat needed",
        ),
        (
            -180 <= reg["min_lon"] < reg["max_lon"] <= 180,
            "[region]: longitudes must lie in -180..180",
        ),
        (-90 <= reg["min_lat"] < reg["max_lat"] <= 90, "[region]: latitudes must lie in -90..90"),
        (
            0 <= raw["display"]["coordinate_decimals"] <= 15,
            "[display] coordinate_decimals: use 0..15",
        ),
    )
    return [f"{where} {what}" for ok, what in checks if not ok]


def _check(raw: dict[str, Any], *, where: str) -> list[str]:
    return _type_problems(raw, where=where) or _range_problems(raw, where=where)


def parse_settings(raw: dict[str, Any], *, where: str = "upload settings") -> UploadSettings:
    """Validate a parsed ``upload.toml`` table and build :class:`UploadSettings`.

    Raises :class:`ConfigError` listing every problem at once.
    """
    collect(_check(raw, where=where), what=where, error=ConfigError)
    lim, reg, disp = raw["limits"], raw["region"], raw["display"]
    workspace = Path(raw["workspace"]["dir"])
    return UploadSettings(
        max_file_bytes=int(lim["max_file_mb"] * BYTES_PER_MB),
        max_uncompressed_bytes=int(lim["max_uncompressed_mb"] * BYTES_PER_MB),
        max_zip_members=int(lim["max_zip_members"]),
        max_features=int(lim["max_features"]),
        max_vertices=int(lim["max_vertices"]),
        region=Region(
            name_zh=str(reg["name_zh"]),
            name_en=str(reg["name_en"]),
            **{k: float(reg[k]) for k in ("min_lon", "max_lon", "min_lat", "max_lat")},
            centre_lon=float(reg["centre_lon"]),
            centre_lat=float(reg["centre_lat"]),
        ),
        workspace_dir=workspace if workspace.is_absolute() else PROJECT_ROOT / workspace,
        coordinate_decimals=int(disp["coordinate_decimals"]),
        simplify_above_features=int(disp["simplify_above_features"]),
        simplify_tolerance_m=float(disp["simplify_tolerance_m"]),
    )


def load_settings(path: Path = UPLOAD_CONFIG) -> UploadSettings:
    """Read and validate ``config/upload.toml`` (or another file of the same form)."""
    return parse_settings(load_toml(path), where=str(path))


@functools.cache
def default_settings() -> UploadSettings:
    """The project's settings from ``config/upload.toml``, read once."""
    return load_settings()
