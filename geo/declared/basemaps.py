"""Basemap registry declared in ``config/basemaps.toml``.

Providers are data: an xyzservices name or a URL template. Options that need a token
(Tianditu) are offered only when the token is present. Pure: the token lookup is
passed in, so Streamlit secrets and environment variables both work without this
module knowing about Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import xyzservices.providers as xyz

from geo.declared.config import CONFIG_DIR, check_keys, load_toml
from geo.errors import ConfigError, collect

BASEMAPS_FILE = CONFIG_DIR / "basemaps.toml"
_OPTIONAL = ("provider", "url", "overlay_url", "subdomains", "attribution", "token_env", "default")


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

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def tiles(self, token: str | None = None) -> tuple[str | None, str | None]:
        """(base URL, overlay URL) with the token filled in."""

        def fill(url: str | None) -> str | None:
            if url is None or self.token_env is None:
                return url
            return url.replace("{token}", token or "")

        return fill(self.url), fill(self.overlay_url)


def parse_basemaps(raw: dict[str, Any], *, where: str = "basemaps.toml") -> tuple[Basemap, ...]:
    """Validate a parsed basemaps file (pure)."""
    problems = check_keys(raw, where=where, required=("basemaps",))
    out: list[Basemap] = []
    for i, b in enumerate(raw.get("basemaps", [])):
        w = f"{where} basemaps[{i}] ({b.get('id', '?')})"
        found = check_keys(
            b, where=w, required=("id", "name_zh", "name_en", "crs"), optional=_OPTIONAL
        )
        url, attribution = b.get("url"), b.get("attribution", "")
        subdomains = b.get("subdomains", "abc")
        if "provider" in b:
            if "url" in b:
                found.append(f"{w}: give 'provider' or 'url', not both")
            try:
                tp = xyz.query_name(b["provider"])
            except ValueError:
                found.append(f"{w}: {b['provider']!r} is not an xyzservices provider name")
            else:
                if tp.requires_token() and "token_env" not in b:
                    found.append(f"{w}: {b['provider']} needs an API key; declare token_env")
                keys = {"apikey": "{token}"} if tp.requires_token() else {}
                url = tp.build_url(fill_subdomain=False, scale_factor="", **keys)
                subdomains = tp.get("subdomains", "abc")
                attribution = attribution or tp.get("html_attribution", tp.get("attribution", ""))
        if b.get("crs") not in ("wgs84", "gcj02"):
            found.append(f"{w}: crs must be 'wgs84' or 'gcj02'")
        if not found:
            out.append(
                Basemap(
                    id=b["id"],
                    name_zh=b["name_zh"],
                    name_en=b["name_en"],
                    crs=b["crs"],
                    url=url,
                    overlay_url=b.get("overlay_url"),
                    subdomains=subdomains,
                    attribution=attribution,
                    token_env=b.get("token_env"),
                    default=bool(b.get("default", False)),
                )
            )
        problems += found
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
    """The basemaps that can be offered: those needing a token only when it is present."""
    lookup = token_for.get if isinstance(token_for, Mapping) else token_for
    return tuple(b for b in basemaps if b.token_env is None or lookup(b.token_env))
