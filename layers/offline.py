"""Serve folium's JavaScript and CSS from this repository instead of public CDNs.

folium (and each of its plugins) lists the JS/CSS files it needs as CDN URLs in the
class attributes ``default_js`` / ``default_css``. On a machine with no internet none
of them load and the map draws nothing. :func:`use_local_assets` rewrites those lists,
on the map and on every element inside it, to files vendored under ``static/vendor/``
(see ``static/vendor/README.md``):

* in the app, to URLs under Streamlit's static file serving (``/app/static/vendor``);
  streamlit-folium reads the rewritten lists and loads them into its iframe;
* for a standalone HTML export (``inline=True``), to ``data:`` URIs, so the saved file
  opens with no server and no internet (e.g. from an e-mail attachment).

Bootstrap, glyphicons, Font Awesome and Leaflet.awesome-markers (some 400 kB) are
dropped: folium's elements need them only for ``folium.Icon`` markers, which this module
therefore refuses (use ``folium.CircleMarker`` or a plain ``folium.Marker``, whose
Leaflet icon is vendored); Leaflet's own CSS styles the map, tooltips and popups.

Tile layers are untouched: their URLs are data sources, not page assets.

The web font (``static/fonts/NotoSansSC-app.woff2``, a subset of the bundled Noto Sans
SC made by ``scripts/make_web_font.py``) is served beside the vendored assets
(:func:`web_font_url`); a standalone page embeds a subset holding just its own
characters (:func:`page_font_data_uri`), some tens of kB instead of half a megabyte.
"""

from __future__ import annotations

import base64
import functools
import io
import mimetypes
import re
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Final, TypeVar

import folium
import folium.elements
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from jinja2 import Template

from geo.errors import ConfigError, collect

VENDOR_DIR: Final[Path] = Path(__file__).resolve().parent.parent / "static" / "vendor"
"""Folder of the vendored assets in this repository."""
WEB_FONT: Final[Path] = VENDOR_DIR.parent / "fonts" / "NotoSansSC-app.woff2"
"""The app's web font: Noto Sans SC (SIL OFL 1.1) cut to the app's characters and GB 2312
level 1 by ``scripts/make_web_font.py``; served next to ``VENDOR_DIR``."""
PRINT_FONT: Final[Path] = (
    Path(__file__).resolve().parent.parent / "geo" / "export" / "fonts" / "NotoSansSC-Regular.ttf"
)
"""The full bundled font (TrueType outlines) that page subsets are cut from."""

STREAMLIT_VENDOR_URL: Final[str] = "/app/static/vendor"
"""URL of ``VENDOR_DIR`` when Streamlit serves ``static/`` (``server.enableStaticServing``).

Prefix it with ``server.baseUrlPath`` if the app is served below a path.
"""

# Every CDN URL that folium 0.20 (and the plugins the app may use) puts in
# default_js / default_css, mapped to a file under VENDOR_DIR, or to None when the
# asset is deliberately not loaded (only folium.Icon needs those; see module doc).
# An URL missing here makes use_local_assets raise, so a folium upgrade that changes
# a version cannot silently fall back to a CDN.
_CDN_TO_VENDORED: Final[dict[str, str | None]] = {
    # folium.Map
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet-1.9.3/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet-1.9.3/leaflet.css",
    # jQuery: folium.Popup and GeoJson(embed=False) call $(...).
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": None,
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": None,
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": None,
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": None,
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
    "leaflet.awesome-markers.js": None,
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/"
    "leaflet.awesome-markers.css": None,
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/"
    "leaflet.awesome.rotate.min.css": None,
    # folium.plugins.Fullscreen (npm ships only the unminified file; 8 kB)
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
        "leaflet.fullscreen-3.0.0/Control.FullScreen.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
        "leaflet.fullscreen-3.0.0/Control.FullScreen.css"
    ),
    # folium.plugins.MiniMap
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.js": (
        "leaflet-minimap-3.6.1/Control.MiniMap.min.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet-minimap/3.6.1/Control.MiniMap.css": (
        "leaflet-minimap-3.6.1/Control.MiniMap.min.css"
    ),
    # folium.plugins.MeasureControl (npm has no minified CSS; 4 kB)
    "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js": (
        "leaflet-measure-2.1.7/leaflet-measure.min.js"
    ),
    "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css": (
        "leaflet-measure-2.1.7/leaflet-measure.css"
    ),
    # folium.plugins.SideBySideLayers (the compare tab's swipe view): folium asks for the
    # GitHub build of 2.0.0; npm ships only the source, bundled by
    # scripts/vendor_side_by_side.py from 2.2.0, the release for Leaflet 1.x (CSS inside).
    "https://cdn.jsdelivr.net/gh/digidem/leaflet-side-by-side@2.0.0/leaflet-side-by-side.min.js": (
        "leaflet-side-by-side-2.2.0/leaflet-side-by-side.js"
    ),
}

_LEAFLET_IMAGES: Final = "leaflet-1.9.3/images"
_DEFAULT_ICON_FILES: Final = (
    ("iconUrl", "marker-icon.png"),
    ("iconRetinaUrl", "marker-icon-2x.png"),
    ("shadowUrl", "marker-shadow.png"),
)
_ICON_ELEMENT_KEY: Final = "local_default_icon_images"

_CSS_URL_PATTERN: Final = re.compile(r"url\(\s*(['\"]?)([^'\")]+)\1\s*\)")

ElementT = TypeVar("ElementT", bound=Element)


def use_local_assets(
    m: ElementT, *, base_url: str = STREAMLIT_VENDOR_URL, inline: bool = False
) -> ElementT:
    """Point every JS/CSS asset of ``m`` and its children at vendored copies.

    Modifies ``m`` in place (per element, never folium's class-level lists) and
    returns it. Call it after the last element is added and before the map is
    rendered or passed to ``st_folium``; call it on each ``feature_group_to_add``
    too if those hold plugins. On a ``folium.Map`` it also tells Leaflet where the
    default marker images are (Leaflet's own guess fails inside st_folium's iframe,
    where its stylesheet loads after the map script, and with inlined CSS).

    Parameters
    ----------
    m
        A ``folium.Map`` (or any folium element, e.g. a ``FeatureGroup``).
    base_url
        URL under which ``static/vendor/`` is served; default: Streamlit's static
        serving, ``/app/static/vendor``. Ignored when ``inline`` is true.
    inline
        Embed the assets as ``data:`` URIs (images inside CSS too), for a standalone
        HTML file that opens with no server and no internet. Adds about 330 kB for
        a map with Leaflet and jQuery.

    Raises
    ------
    ConfigError
        If an element needs an asset that is not vendored (a plugin not in the
        table, a folium upgrade that changed a CDN version) or is a ``folium.Icon``.
    """
    elements = list(_walk(m))
    problems = _find_problems(elements)
    collect(problems, what="offline map assets", error=ConfigError)

    for element in elements:
        if isinstance(element, folium.elements.JSCSSMixin):
            element.default_js = _local_links(element.default_js, base_url, inline=inline)
            element.default_css = _local_links(element.default_css, base_url, inline=inline)
    _drop_rendered_cdn_links(m)
    if isinstance(m, folium.Map):
        _set_default_icon_images(m, base_url=base_url, inline=inline)
    return m


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _find_problems(elements: list[Element]) -> list[str]:
    problems: list[str] = []
    for element in elements:
        if isinstance(element, folium.Icon):
            problems.append(
                f"{element.get_name()} is a folium.Icon, which needs Bootstrap and Font "
                "Awesome (not vendored); use folium.CircleMarker or a plain folium.Marker"
            )
        if not isinstance(element, folium.elements.JSCSSMixin):
            continue
        for _name, url in [*element.default_js, *element.default_css]:
            if url.startswith(("http://", "https://")) and url not in _CDN_TO_VENDORED:
                problems.append(
                    f"{type(element).__name__} loads {url}, which is not vendored; add it "
                    "to scripts/vendor_assets.sh and the table in layers/offline.py"
                )
    return problems


def _local_links(
    links: list[tuple[str, str]], base_url: str, *, inline: bool
) -> list[tuple[str, str]]:
    local: list[tuple[str, str]] = []
    for name, url in links:
        if url not in _CDN_TO_VENDORED:  # already local (function called twice)
            local.append((name, url))
            continue
        relative = _CDN_TO_VENDORED[url]
        if relative is None:
            continue
        new_url = _data_uri(relative) if inline else f"{base_url.rstrip('/')}/{relative}"
        local.append((name, new_url))
    return local


def _drop_rendered_cdn_links(m: Element) -> None:
    """Remove CDN links that an earlier ``render()`` already put in the page header."""
    root = m.get_root()
    if not isinstance(root, Figure):  # an element not (yet) on a page has no header
        return
    for name, child in list(root.header._children.items()):
        if isinstance(child, (JavascriptLink, CssLink)) and child.url in _CDN_TO_VENDORED:
            del root.header._children[name]


@functools.cache
def _data_uri(relative: str) -> str:
    path = VENDOR_DIR / relative
    mime = _mime_type(path)
    is_css = mime == "text/css"
    payload = _inline_css_urls(path).encode("utf-8") if is_css else path.read_bytes()
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


class _DefaultIconImages(MacroElement):
    """Map child whose script sets where Leaflet's default marker images are.

    ``L.Icon.Default`` guesses the folder from leaflet.css's URL; inside st_folium's
    iframe the stylesheet is added after the map script runs, and an inlined
    stylesheet has no URL, so the guess ends in requests for missing files.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.Icon.Default.imagePath = {{ this.image_path|tojson }};
            {%- if this.icon_urls %}
            L.Icon.Default.mergeOptions({{ this.icon_urls|tojson }});
            {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(self, *, image_path: str, icon_urls: dict[str, str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped here
        self._name = "DefaultIconImages"
        self.image_path = image_path
        self.icon_urls = icon_urls


def _set_default_icon_images(m: folium.Map, *, base_url: str, inline: bool) -> None:
    """Make a ``_DefaultIconImages`` the map's first child, so it runs before any marker."""
    if inline:
        images = VENDOR_DIR / _LEAFLET_IMAGES
        element = _DefaultIconImages(
            image_path="",
            icon_urls={
                option: _file_data_uri(images / name) for option, name in _DEFAULT_ICON_FILES
            },
        )
    else:
        image_path = f"{base_url.rstrip('/')}/{_LEAFLET_IMAGES}/"
        element = _DefaultIconImages(image_path=image_path, icon_urls={})
    element._parent = m
    others = {k: v for k, v in m._children.items() if k != _ICON_ELEMENT_KEY}
    m._children = OrderedDict([(_ICON_ELEMENT_KEY, element), *others.items()])


def _file_data_uri(path: Path) -> str:
    return f"data:{_mime_type(path)};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css_urls(css_path: Path) -> str:
    """Return the CSS text with each relative ``url(...)`` replaced by a data URI."""

    def replace(match: re.Match[str]) -> str:
        target = match.group(2)
        if target.startswith(("data:", "#", "http://", "https://", "/")):
            return match.group(0)
        return f'url("{_file_data_uri(css_path.parent / target)}")'

    return _CSS_URL_PATTERN.sub(replace, css_path.read_text(encoding="utf-8"))


def _mime_type(path: Path) -> str:
    known = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    if path.suffix in known:
        return known[path.suffix]
    guessed, _encoding = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def web_font_url(base_url: str | None = None, *, inline: bool = False) -> str | None:
    """URL of the web font for a page whose vendored assets are at ``base_url`` (the
    font folder is their sibling, ``…/static/fonts``); ``None`` for an inlined page,
    which embeds its own subset (:func:`page_font_data_uri`)."""
    if inline:
        return None
    vendor = (base_url or STREAMLIT_VENDOR_URL).rstrip("/")
    return f"{vendor.rsplit('/', 1)[0]}/fonts/{WEB_FONT.name}"


_JS_ESCAPE: Final = re.compile(r"\\u([0-9a-fA-F]{4})")


def page_characters(page: str) -> set[str]:
    """The non-ASCII characters of an HTML/JS page, counting ``\\uXXXX`` escapes (JSON
    in scripts) as the characters they stand for."""
    unescaped = _JS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), page)
    return {c for c in unescaped if ord(c) > 0x7E and c.isprintable()}


def page_font_data_uri(characters: set[str]) -> str:
    """A ``data:`` URI of the bundled font cut to ASCII and ``characters`` (WOFF with
    zlib, which needs no brotli). A page of the plan map needs some hundreds of
    characters: about 100 kB before base64."""
    points = set(range(0x20, 0x7F)) | {ord(c) for c in characters}
    data = subset_font(points, flavor="woff")
    return f"data:font/woff;base64,{base64.b64encode(data).decode('ascii')}"


def subset_font(codepoints: set[int], *, flavor: str) -> bytes:
    """The bundled Noto Sans SC (:data:`PRINT_FONT`) cut to ``codepoints`` (those it has),
    as ``woff`` or ``woff2`` (which needs the ``brotli`` module); layout features and
    the name table (copyright, OFL) kept, hinting dropped."""
    from fontTools import subset  # type: ignore[import-untyped]  # deferred: exports only

    options = subset.Options()
    options.flavor = flavor
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # keep the copyright and licence names (OFL)
    options.notdef_outline = True
    options.hinting = False
    buffer = io.BytesIO()
    with subset.load_font(str(PRINT_FONT), options) as font:
        subsetter = subset.Subsetter(options=options)
        subsetter.populate(unicodes=sorted(codepoints & set(font.getBestCmap())))
        subsetter.subset(font)
        font.flavor = flavor
        font.save(buffer)
    return buffer.getvalue()
