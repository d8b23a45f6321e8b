"""Basemap registry declared in ``config/basemaps.toml``.

Providers are data: an xyzservices name or a URL template. Options that need a token
(Tianditu) are always listed; without their token they say how to enable it and draw no
tiles. Pure: the token lookup is passed in, so Streamlit secrets and environment
variables both work without this module knowing about Streamlit.

Two tile grids are known (``tile_grid``):

- ``web_mercator`` (default): the usual XYZ grid in EPSG:3857, Tianditu's ``w`` matrix set;
- ``cgcs2000``: Tianditu's ``c`` matrix set, geographic CGCS2000 (EPSG:4490) longitude
  and latitude, 256-px tiles, level 1 = 2 × 1 tiles of 180° from (90° N, 180° W), each
  level halving the tile size. It is what intranet Tianditu nodes and provincial
  platforms serve. Leaflet draws it in its plate carrée CRS (``L.CRS.EPSG4326``: zoom
  0 = 2 × 1 tiles of 180°), so Leaflet zoom ``z`` is matrix level ``z + 1``
  (:data:`CGCS2000_LEVEL_OFFSET`). CGCS2000 and WGS 84 coordinates differ by
  centimetres, far below any tile's pixel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import xyzservices.providers as xyz

from geo.declared.config import CONFIG_DIR, check_keys, load_toml, one_of, parse_tables
from geo.declared.i18n import t
from geo.errors import ConfigError, collect

BASEMAPS_FILE = CONFIG_DIR / "basemaps.toml"
_OPTIONAL = (
    "provider",
    "url",
    "overlay_url",
    "subdomains",
    "attribution",
    "token_env",
    "default",
    "tile_grid",
)
TILE_GRIDS = ("web_mercator", "cgcs2000")
CGCS2000_LEVEL_OFFSET = 1
"""Tianditu ``c`` matrix level = Leaflet zoom + 1 (see the module docstring)."""


@dataclass(frozen=True)
class Basemap:
    id: str
    name_zh: str
    name_en: str
    crs: str  # "wgs84" or "gcj02"
    url: str | None  # None: no tiles
    overlay_url: str | None
    subdomains: str
    attribution: str
    token_env: str | None
    default: bool
    tile_grid: str = "web_mercator"  # one of TILE_GRIDS
    token_missing: bool = False  # set by available_basemaps: needs a token that is absent

    def name(self, lang: str) -> str:
        """The option's name; with the token missing, followed by how to enable it."""
        own = self.name_zh if lang == "zh" else self.name_en
        if self.token_missing and self.token_env:
            return f"{own} {t('basemap_needs_token', lang).format(env=self.token_env)}"
        return own

    def how_to_enable(self, lang: str) -> str:
        """What to do to draw this basemap when its token is missing (else empty)."""
        if not (self.token_missing and self.token_env):
            return ""
        own = self.name_zh if lang == "zh" else self.name_en
        return t("basemap_token_howto", lang).format(name=own, env=self.token_env)

    def tiles(self, token: str | None = None) -> tuple[str | None, str | None]:
        """(base URL, overlay URL) with the token filled in."""

        def fill(url: str | None) -> str | None:
            if url is None or self.token_env is None:
                return url
            return url.replace("{token}", token or "")

        return fill(self.url), fill(self.overlay_url)


def _provider_tiles(b: Mapping[str, Any], *, where: str, found: list[str]) -> dict[str, Any]:
    """``url``, ``subdomains`` and ``attribution`` of a basemap, from its xyzservices
    ``provider`` if it names one (problems with it go to ``found``)."""
    tiles = {
        "url": b.get("url"),
        "subdomains": b.get("subdomains", "abc"),
        "attribution": b.get("attribution", ""),
    }
    if "provider" not in b:
        return tiles
    if "url" in b:
        found.append(f"{where}: give 'provider' or 'url', not both")
    try:
        tp = xyz.query_name(b["provider"])
    except ValueError:
        found.append(f"{where}: {b['provider']!r} is not an xyzservices provider name")
        return tiles
    if tp.requires_token() and "token_env" not in b:
        found.append(f"{where}: {b['provider']} needs an API key; declare token_env")
    keys = {"apikey": "{token}"} if tp.requires_token() else {}
    return {
        "url": tp.build_url(fill_subdomain=False, scale_factor="", **keys),
        "subdomains": tp.get("subdomains", "abc"),
        "attribution": tiles["attribution"]
        or tp.get("html_attribution", tp.get("attribution", "")),
    }


def _parse_basemap(b: Mapping[str, Any], where: str, found: list[str]) -> Basemap:
    tiles = _provider_tiles(b, where=where, found=found)
    found += one_of(b["crs"], ("wgs84", "gcj02"), where=where, key="crs")
    grid = b.get("tile_grid", "web_mercator")
    found += one_of(grid, TILE_GRIDS, where=where, key="tile_grid")
    return Basemap(
        id=b["id"],
        name_zh=b["name_zh"],
        name_en=b["name_en"],
        crs=b["crs"],
        overlay_url=b.get("overlay_url"),
        token_env=b.get("token_env"),
        default=bool(b.get("default", False)),
        tile_grid=grid,
        **tiles,
    )


def parse_basemaps(raw: dict[str, Any], *, where: str = "basemaps.toml") -> tuple[Basemap, ...]:
    """Validate a parsed basemaps file (pure)."""
    problems = check_keys(raw, where=where, required=("basemaps",))
    out = parse_tables(
        raw,
        "basemaps",
        _parse_basemap,
        where=where,
        required=("id", "name_zh", "name_en", "crs"),
        optional=_OPTIONAL,
        problems=problems,
    )
    if sum(m.default for m in out) != 1:
        problems.append(f"{where}: exactly one basemap must have default = true")
    collect(problems, what=f"basemap registry {where}", error=ConfigError)
    return tuple(out)


@cache
def load_basemaps(path: Path = BASEMAPS_FILE) -> tuple[Basemap, ...]:
    """Load and validate ``config/basemaps.toml``."""
    return parse_basemaps(load_toml(path), where=path.name)


def available_basemaps(
    basemaps: tuple[Basemap, ...], *, token_for: Callable[[str], str | None] | Mapping[str, str]
) -> tuple[Basemap, ...]:
    """Every basemap, those needing a token that ``token_for`` does not give marked
    ``token_missing`` (their name says how to enable them; the map draws no tiles)."""
    lookup = token_for.get if isinstance(token_for, Mapping) else token_for
    return tuple(
        replace(b, token_missing=True) if b.token_env and not lookup(b.token_env) else b
        for b in basemaps
    )
