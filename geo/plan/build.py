"""The one build: hand-authored sources -> ``data/zones.geojson`` and ``data/streets.geojson``.

    python -m geo build-data            # writes into data/
    python -m geo build-data --out-dir /tmp/x

Three steps, one module each: :mod:`geo.plan.sources` reads and checks the inputs,
:mod:`geo.plan.construct` (with :mod:`geo.plan.shapes`) builds each element's geometry
in EPSG:4543, and this module assembles the features and writes them. The output is
EPSG:4326 with coordinates on a 1e-7 degree grid, features sorted by id, properties in
a fixed order (:data:`PROPERTY_ORDER`) and no timestamps, so the same inputs give the
same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from shapely.geometry import mapping

from geo.declared.config import CONFIG_DIR, DATA_DIR
from geo.declared.i18n import say
from geo.errors import ConfigError, collect
from geo.io import atomic_write
from geo.plan.construct import Context, build_element, build_streets, defining_accuracy_m
from geo.plan.shapes import COORD_DECIMALS, finish, fit_grid_frame
from geo.plan.sources import NOT_LOCATED, Inputs, load_inputs, validate_inputs
from geo.plan.zones import REQUIRED_PROPERTIES

DESCRIPTIVE_FIELDS: Final = ("source_detail", "assumptions", "figure_source")
"""Written in words: each also as ``<field>_zh`` and ``<field>_en`` (the bare field is the
English, as the CLI and exports have always read it)."""
PROPERTY_ORDER: Final = (
    *REQUIRED_PROPERTIES,
    "land_figure_check",
    "figure_source",
    "members_zh",
    "brief_section",
    *(f"{field}_{lang}" for field in DESCRIPTIVE_FIELDS for lang in ("zh", "en")),
)
"""The zones schema the app relies on (geo.plan.zones), then the build's extra properties."""


def _land_figure_check(element: Mapping[str, Any], source: str) -> str | None:
    if element.get("plan_land_km2") is None:
        return None
    if "land_figure_check" in element:
        return str(element["land_figure_check"])
    return {
        "public_boundary": "independent",
        "street_derived": "independent",
        "calibrated": "calibrated",
    }.get(source, "schematic")


def _in_both(props: dict[str, Any], zh: Mapping[str, str | None]) -> dict[str, Any]:
    """``props`` with each descriptive field also as ``<field>_en`` (the field itself) and
    ``<field>_zh`` (from ``zh``) where the feature has it."""
    for field in DESCRIPTIVE_FIELDS:
        if field in props:
            props[f"{field}_zh"] = zh.get(field) if props[field] is not None else None
            props[f"{field}_en"] = props[field]
    return props


def build_features(inputs: Inputs) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Build the zone features and the street features (GeoJSON-like dicts, EPSG:4326).

    Pure: reads nothing, writes nothing. Features are sorted by id.
    """
    validate_inputs(inputs)
    pts = inputs.points
    axis = [(pts[p].x_m, pts[p].y_m) for p in inputs.frame["axis_points"]]
    origin = pts[inputs.frame["origin"]]
    ctx = Context(inputs=inputs, frame=fit_grid_frame(axis, origin_xy=(origin.x_m, origin.y_m)))
    build_streets(ctx)

    too_fine = [
        f"element {e['id']}: accuracy_m {e['accuracy_m']} is finer than its {why} "
        f"({worst:g} m); declare at least {worst:g}"
        for e in inputs.elements
        if e["geometry"]["method"] != NOT_LOCATED
        for worst, why in [defining_accuracy_m(ctx, e)]
        if float(e["accuracy_m"]) < worst
    ]
    too_fine += [
        f"street {st['id']}: accuracy_m {st.get('accuracy_m')} is finer than its point "
        f"{inputs.points[st['through']].name_zh} ({inputs.points[st['through']].accuracy_m:g} m); "
        f"declare at least {inputs.points[st['through']].accuracy_m:g}"
        for st in inputs.streets
        if "through" in st
        and float(st.get("accuracy_m", 0.0)) < inputs.points[st["through"]].accuracy_m
    ]
    collect(too_fine, what="plan_elements.toml / streets.toml accuracy", error=ConfigError)

    zones: list[dict[str, Any]] = []
    for element in inputs.elements:
        built = build_element(ctx, element["id"])
        props: dict[str, Any] = {
            "id": element["id"],
            "name_zh": element["name_zh"],
            "name_en": element["name_en"],
            "layer": element["layer"],
            "group": element["group"],
            "level": element["level"],
            "tier": element.get("tier"),
            "plan_article": element["plan_article"],
            "plan_quote_zh": element["plan_quote_zh"],
            "plan_land_km2": element.get("plan_land_km2"),
            "plan_floor_m2": element.get("plan_floor_m2"),
            "geometry_source": built.source,
            "source_detail": built.detail,
            "accuracy_m": element.get("accuracy_m"),
            "assumptions": ctx.describe(element.get("assumptions")),
            # Only public boundary data is survey-grade; street-derived extents rest on
            # inferred street positions (±150-300 m) and are schematic too.
            "schematic": built.source != "public_boundary",
            "land_figure_check": _land_figure_check(element, built.source),
            "figure_source": element.get("figure_source"),
            "members_zh": element.get("members_zh"),
            "brief_section": str(element["brief_section"]),
        }
        _in_both(
            props,
            {
                "source_detail": say(built.detail, "zh"),
                "assumptions": ctx.describe(element.get("assumptions_zh")),
                "figure_source": element.get("figure_source_zh"),
            },
        )
        geometry = None if built.source == NOT_LOCATED else finish(built.geom)
        zones.append({"type": "Feature", "properties": props, "geometry": geometry})

    streets: list[dict[str, Any]] = []
    for sid, (st, line) in ctx.streets.items():
        props = {
            "id": sid,
            "name_zh": st["name_zh"],
            "name_en": st["name_en"],
            "layer": "streets",
            "geometry_source": st["geometry_source"],
            "source_detail": st["source"],
            "accuracy_m": st.get("accuracy_m"),
            "assumptions": ctx.describe(st.get("assumptions")),
        }
        _in_both(
            props,
            {
                "source_detail": st.get("source_zh"),
                "assumptions": ctx.describe(st.get("assumptions_zh")),
            },
        )
        streets.append({"type": "Feature", "properties": props, "geometry": finish(line)})
    zones.sort(key=lambda f: str(f["properties"]["id"]))
    streets.sort(key=lambda f: str(f["properties"]["id"]))
    return zones, streets


def geojson_text(features: Sequence[Mapping[str, Any]], *, name: str) -> str:
    """Deterministic GeoJSON text: fixed key order, coordinates rounded to 1e-7 degree."""
    collection = {
        "type": "FeatureCollection",
        "name": name,
        "features": [
            {
                "type": "Feature",
                "properties": dict(f["properties"]),
                "geometry": None if f["geometry"] is None else mapping(f["geometry"]),
            }
            for f in features
        ],
    }
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    data = json.loads(text, parse_float=lambda s: round(float(s), COORD_DECIMALS))
    # One feature per line: small diffs in review, still compact.
    head = '{"type":"FeatureCollection","name":' + json.dumps(name, ensure_ascii=False)
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in data["features"]]
    return head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


def build(
    *, out_dir: Path | None = None, config_dir: Path = CONFIG_DIR, data_dir: Path = DATA_DIR
) -> dict[str, Path]:
    """Rebuild ``zones.geojson`` and ``streets.geojson`` into ``out_dir`` (default data/).

    Returns the written paths by name.
    """
    out = out_dir if out_dir is not None else data_dir
    zones, streets = build_features(load_inputs(config_dir=config_dir, data_dir=data_dir))
    written = {}
    for name, feats in (("zones", zones), ("streets", streets)):
        path = out / f"{name}.geojson"
        with atomic_write(path) as fh:
            fh.write(geojson_text(feats, name=name))
        written[name] = path
    return written


def main(*, out_dir: Path | None = None) -> None:
    """Command-line entry (``python -m geo build-data``): build and say what was written."""
    for name, path in build(out_dir=out_dir).items():
        count = path.read_text(encoding="utf-8").count('"type":"Feature"')
        print(f"wrote {path} ({count} {name} features)")
