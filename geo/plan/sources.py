"""The build's inputs: read every hand-authored source, then check them all at once.

Inputs (all committed, all hand-authored or extracted by a script):

- ``config/plan_elements.toml``: every element of the plan, with the plan's words and how
  its geometry is built;
- ``config/assumptions.toml``: the interpretations the geometry rests on;
- ``data/sources/reference_points.csv``: located points (mostly GCJ-02, converted here
  with :mod:`geo.measure.gcj02`);
- ``data/sources/streets.toml``: street centrelines as constructions on the street grid;
- ``data/sources/sketches.geojson``: free-hand WGS-84 sketches;
- ``data/boundaries.geojson``: public boundaries (``scripts/extract_boundaries.py``);
- ``data/lakes.geojson``: the 滇池 shoreline (``scripts/extract_lakes.py``), read as one
  more boundary.

:func:`load_inputs` is the only function here that reads files; :func:`validate_inputs`
is pure and reports every problem together.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.declared.config import (
    CONFIG_DIR,
    DATA_DIR,
    check_keys,
    declared_twice,
    is_number,
    load_toml,
    one_of,
)
from geo.declared.registry import parse_registry
from geo.errors import ConfigError, InputFileError, collect
from geo.measure.gcj02 import gcj02_to_wgs84
from geo.plan.shapes import COORD_DECIMALS, gk_transformer
from geo.plan.zones import NOT_LOCATED as NOT_LOCATED  # the method is named after the source

LAND_FIGURE_CHECKS: Final = ("independent", "partly_fitted", "calibrated", "schematic")
"""How a computed land area may be read against the plan's figure (see geo.plan.check)."""
LEVELS: Final = ("province", "city", "district")
TIERS: Final = ("1", "3", "N", "core", "development", "linkage")

_ELEMENT_REQUIRED: Final = (
    "id",
    "name_zh",
    "name_en",
    "layer",
    "group",
    "level",
    "plan_article",
    "plan_quote_zh",
    "brief_section",
    "geometry",
)
_ELEMENT_OPTIONAL: Final = (
    "accuracy_m",  # required unless the element is not located (see _element_problems)
    "tier",
    "plan_land_km2",
    "plan_floor_m2",
    "assumptions",
    "assumptions_zh",
    "members_zh",
    "land_figure_check",
    "figure_source",
    "figure_source_zh",
)
DESCRIBED_IN_BOTH: Final = ("assumptions", "figure_source", "source")
"""Descriptive fields written in English (``<field>``) and Chinese (``<field>_zh``): the
build gives the data both (``<field>_en``, ``<field>_zh``)."""
_STREET_REQUIRED: Final = ("id", "name_zh", "name_en", "kind", "geometry_source", "source")
_STREET_OPTIONAL: Final = (
    "accuracy_m",
    "assumptions",
    "assumptions_zh",
    "source_zh",
    "through",
    "u_m",
    "v_m",
    "between",
    "overshoot_m",
    "uv_m",
)
ASSUMPTION_REF: Final = re.compile(r"assumption:([a-z0-9_]+)")
_SLUG: Final = re.compile(r"^[A-Za-z0-9_]+$")


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RefPoint:
    """A located reference point, converted to WGS-84 and projected to EPSG:4543 metres."""

    id: str
    name_zh: str
    lon_wgs84: float
    lat_wgs84: float
    x_m: float
    y_m: float
    crs: str
    origin: str  # "source", "derived" or "sketch"
    source: str
    confidence: str
    accuracy_m: float  # how far the real place may be from this point


@dataclass(frozen=True)
class Inputs:
    """Everything the build reads, already parsed (no geometry built yet)."""

    elements: list[dict[str, Any]]
    layers: dict[str, dict[str, str]]
    assumptions: dict[str, dict[str, Any]]
    points: dict[str, RefPoint]
    streets: list[dict[str, Any]]
    frame: dict[str, Any]
    sketches: dict[str, tuple[dict[str, Any], BaseGeometry]]
    boundaries: dict[str, tuple[dict[str, Any], BaseGeometry]]


def expected_wgs84(lon_src: float, lat_src: float, crs_src: str) -> tuple[float, float]:
    """The WGS-84 position a reference row must store, given its coordinates as found.

    GCJ-02 is converted exactly (:func:`geo.measure.gcj02.gcj02_to_wgs84`) and rounded to 1e-7
    degree; WGS-84 is kept; ``unknown`` is kept too: those rows are 0.01-degree city seats,
    where the ~350 m GCJ-02 offset is below their precision.
    """
    if crs_src == "GCJ-02":
        lon, lat = gcj02_to_wgs84(lon_src, lat_src)
        return round(float(lon), COORD_DECIMALS), round(float(lat), COORD_DECIMALS)
    return lon_src, lat_src


def read_reference_points(path: Path) -> dict[str, RefPoint]:
    """Read ``reference_points.csv`` and check each stored WGS-84 position.

    Every row keeps the coordinates as found (``lon_src``, ``lat_src``, ``crs_src``) and
    the WGS-84 position used (``lon_wgs84``, ``lat_wgs84``). A row whose WGS-84 columns
    disagree with :func:`expected_wgs84` by more than 2e-7 degree is reported, with the
    value to write.
    """
    if not path.exists():
        raise InputFileError(f"{path}: reference points missing; restore it from the repository.")
    problems: list[str] = []
    out: dict[str, RefPoint] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            where = f"{path.name} line {n} ({row.get('id')})"
            try:
                lon_src, lat_src = float(row["lon_src"]), float(row["lat_src"])
                lon, lat = float(row["lon_wgs84"]), float(row["lat_wgs84"])
            except (KeyError, TypeError, ValueError):
                problems.append(f"{where}: lon_src/lat_src/lon_wgs84/lat_wgs84 must be numbers")
                continue
            crs = row.get("crs_src", "")
            if crs not in ("GCJ-02", "WGS-84", "unknown"):
                problems.append(f"{where}: crs_src {crs!r} is not GCJ-02, WGS-84 or unknown")
                continue
            want = expected_wgs84(lon_src, lat_src, crs)
            if abs(want[0] - lon) > 2e-7 or abs(want[1] - lat) > 2e-7:
                problems.append(
                    f"{where}: stored WGS-84 ({lon}, {lat}) is not the conversion of the "
                    f"{crs} source ({lon_src}, {lat_src}); write {want[0]:.7f}, {want[1]:.7f}"
                )
            try:
                accuracy_m = float(row["accuracy_m"])
            except (KeyError, TypeError, ValueError):
                accuracy_m = 0.0
            if not accuracy_m > 0:
                problems.append(f"{where}: accuracy_m must be a positive number of metres")
            if row.get("origin") not in ("source", "derived", "sketch"):
                problems.append(f"{where}: origin must be source, derived or sketch")
            if row["id"] in out:
                problems.append(f"{where}: duplicate id")
            x, y = gk_transformer().transform(lon, lat)
            out[row["id"]] = RefPoint(
                id=row["id"],
                name_zh=row["name_zh"],
                lon_wgs84=lon,
                lat_wgs84=lat,
                x_m=float(x),
                y_m=float(y),
                crs=crs,
                origin=row["origin"],
                source=row["source"],
                confidence=row["confidence"],
                accuracy_m=accuracy_m,
            )
    collect(problems, what=str(path), error=InputFileError)
    return out


def _read_feature_collection(path: Path) -> dict[str, tuple[dict[str, Any], BaseGeometry]]:
    if not path.exists():
        raise InputFileError(f"{path}: file missing; restore it (or rerun its script).")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{path}: not valid JSON ({exc}).") from exc
    out: dict[str, tuple[dict[str, Any], BaseGeometry]] = {}
    for feature in data.get("features", []):
        props = feature.get("properties") or {}
        out[str(props.get("id"))] = (props, shape(feature["geometry"]))
    return out


def load_inputs(*, config_dir: Path = CONFIG_DIR, data_dir: Path = DATA_DIR) -> Inputs:
    """Read every input of the build. Everything after this (validation, construction)
    is pure; :func:`build` writes the result through :func:`geo.io.atomic_write`."""
    plan = load_toml(config_dir / "plan_elements.toml")
    assumptions = load_toml(config_dir / "assumptions.toml")
    streets = load_toml(data_dir / "sources" / "streets.toml")
    return Inputs(
        elements=list(plan.get("element", [])),
        layers={
            spec.id: {"name_zh": spec.name_zh, "name_en": spec.name_en}
            for spec in parse_registry(load_toml(config_dir / "layers.toml")).layers
        },
        assumptions=assumptions,
        points=read_reference_points(data_dir / "sources" / "reference_points.csv"),
        streets=list(streets.get("street", [])),
        frame=dict(streets.get("frame", {})),
        sketches=_read_feature_collection(data_dir / "sources" / "sketches.geojson"),
        boundaries={
            **_read_feature_collection(data_dir / "boundaries.geojson"),
            **_read_feature_collection(data_dir / "lakes.geojson"),
        },
    )


# --------------------------------------------------------------------------------------
# Validation (every problem at once)
# --------------------------------------------------------------------------------------
def _assumption_refs(obj: Any) -> set[str]:
    if isinstance(obj, str):
        return set(ASSUMPTION_REF.findall(obj))
    if isinstance(obj, Mapping):
        return set().union(*(_assumption_refs(v) for v in obj.values())) if obj else set()
    if isinstance(obj, list):
        return set().union(*(_assumption_refs(v) for v in obj)) if obj else set()
    return set()


def _reference_problems(
    el: Mapping[str, Any], inputs: Inputs, *, element_ids: set[str], street_ids: set[str]
) -> list[str]:
    """Names in an element's geometry table that point at nothing."""
    g = el.get("geometry", {})
    where = f"plan_elements.toml element {el.get('id')} geometry"
    wanted: list[tuple[str, Iterable[Any], Iterable[str]]] = [
        ("street", g.get("streets", []), street_ids),
        ("point", [*g.get("points", []), *([g["point"]] if "point" in g else [])], inputs.points),
        ("element", [] if isinstance(g.get("members"), str) else g.get("members", []), element_ids),
        ("element", [*g.get("subtract", []), *g.get("excluding", [])], element_ids),
        ("element", [g["within"]] if "within" in g else [], element_ids),
        ("sketch", [g["sketch"]] if "sketch" in g else [], inputs.sketches),
        ("boundary", [g["boundary"]] if "boundary" in g else [], inputs.boundaries),
        ("clip", [g["clip"]] if "clip" in g else [], {*inputs.boundaries, *element_ids}),
    ]
    for part in g.get("parts", []):
        wanted.append(("point", part, inputs.points))
    return [
        f"{where}: {kind} {name!r} is not declared"
        for kind, names, known in wanted
        for name in names
        if name not in known
    ]


def _element_problems(el: Mapping[str, Any], inputs: Inputs, *, where: str) -> list[str]:
    """Keys and enumerated values of one element of plan_elements.toml."""
    problems = check_keys(el, where=where, required=_ELEMENT_REQUIRED, optional=_ELEMENT_OPTIONAL)
    if not _SLUG.match(str(el.get("id", ""))):
        problems.append(f"{where}: id must be an ascii slug")
    if el.get("layer") not in inputs.layers:
        problems.append(f"{where}: layer {el.get('layer')!r} is not declared in config/layers.toml")
    problems += one_of(el.get("level"), LEVELS, where=where, key="level")
    for key, allowed in (("tier", TIERS), ("land_figure_check", LAND_FIGURE_CHECKS)):
        problems += one_of(el[key], allowed, where=where, key=key) if key in el else []
    problems += _both_languages(el, where=where)
    located = (el.get("geometry") or {}).get("method") != NOT_LOCATED
    if located and (not is_number(el.get("accuracy_m")) or el["accuracy_m"] <= 0):
        problems.append(f"{where}: accuracy_m must be a positive number of metres")
    if not located and "accuracy_m" in el:
        problems.append(f"{where}: a not_located element has no position, so no accuracy_m")
    return problems


def _both_languages(item: Mapping[str, Any], *, where: str) -> list[str]:
    """A descriptive field in English needs its Chinese (and the other way round)."""
    return [
        f"{where}: {field} needs {field}_zh beside it (and the other way round)"
        for field in DESCRIBED_IN_BOTH
        if (field in item) != (f"{field}_zh" in item)
    ]


def _street_problems(st: Mapping[str, Any], inputs: Inputs) -> list[str]:
    """Keys and enumerated values of one street of streets.toml."""
    where = f"streets.toml street {st.get('id')}"
    problems = check_keys(st, where=where, required=_STREET_REQUIRED, optional=_STREET_OPTIONAL)
    problems += _both_languages(st, where=where)
    source = st.get("geometry_source")
    problems += one_of(source, ("street_derived", "sketch"), where=where, key="geometry_source")
    problems += one_of(st.get("kind"), ("cross", "parallel", "grid_line"), where=where, key="kind")
    if "through" in st and st["through"] not in inputs.points:
        problems.append(f"{where}: point {st['through']!r} not in reference_points.csv")
    return problems


def _assumption_problems(inputs: Inputs) -> list[str]:
    """Assumptions used but not declared, declared but not used, or malformed."""
    referenced = _assumption_refs(inputs.elements) | _assumption_refs(inputs.streets)
    problems = [
        f"'assumption:{name}' is used but not declared in assumptions.toml"
        for name in sorted(referenced - set(inputs.assumptions))
    ]
    problems += [
        f"assumptions.toml [{name}] is declared but never used"
        for name in sorted(set(inputs.assumptions) - referenced)
    ]
    for name, table in inputs.assumptions.items():
        problems += check_keys(
            table,
            where=f"assumptions.toml [{name}]",
            required=("value", "unit", "description_en", "basis"),
            optional=(),
        )
    return problems


def validate_inputs(inputs: Inputs) -> None:
    """Raise :class:`ConfigError` listing every problem in the declared inputs."""
    problems: list[str] = []
    ids = [str(el.get("id", "")) for el in inputs.elements]
    for i, el in enumerate(inputs.elements):
        where = f"plan_elements.toml element {el.get('id', f'#{i}')}"
        problems += _element_problems(el, inputs, where=where)
    problems += declared_twice(ids, where="plan_elements.toml", kind="element id")
    for st in inputs.streets:
        problems += _street_problems(st, inputs)
    street_ids = {str(st.get("id")) for st in inputs.streets}
    for el in inputs.elements:
        problems += _reference_problems(el, inputs, element_ids=set(ids), street_ids=street_ids)
    problems += _assumption_problems(inputs)
    for pid in [*inputs.frame.get("axis_points", []), inputs.frame.get("origin")]:
        if pid not in inputs.points:
            problems.append(f"streets.toml [frame]: point {pid!r} not in reference_points.csv")
    collect(problems, what="plan build inputs", error=ConfigError)
