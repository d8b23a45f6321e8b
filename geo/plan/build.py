"""The one build: hand-authored sources -> ``data/zones.geojson`` and ``data/streets.geojson``.

    python -m geo build-data            # writes into data/
    python -m geo build-data --out-dir /tmp/x

Inputs (all committed, all hand-authored or extracted by a script):

- ``config/plan_elements.toml``: every element of the plan, with the plan's words and how
  its geometry is built;
- ``config/assumptions.toml``: the interpretations the geometry rests on;
- ``data/sources/reference_points.csv``: located points (mostly GCJ-02, converted here
  with :mod:`geo.measure.gcj02`);
- ``data/sources/streets.toml``: street centrelines as constructions on the street grid;
- ``data/sources/sketches.geojson``: free-hand WGS-84 sketches;
- ``data/boundaries.geojson``: public boundaries (``scripts/extract_boundaries.py``).

All construction happens in CGCS2000 / Gauss-Kruger CM 102°E (EPSG:4543, metres); the
output is EPSG:4326 with coordinates on a 1e-7 degree grid, features sorted by id,
properties in a fixed order and no timestamps, so the same inputs give the same bytes.

Every feature records ``geometry_source``: ``public_boundary`` (official outline),
``street_derived`` (enclosed by / drawn through located streets and points),
``point_buffer`` (a disc around a located point), ``calibrated`` (a disc whose area was
*set* to the plan's figure: never evidence for it) or ``sketch`` (drawn by hand).
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import LineString, MultiLineString, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.declared.config import CONFIG_DIR, DATA_DIR, check_keys, load_toml
from geo.declared.registry import parse_registry
from geo.errors import ConfigError, GeometryError, InputFileError, collect
from geo.io import atomic_write
from geo.measure.area import M2_PER_KM2, ellipsoidal_area_m2
from geo.measure.crs import GK_CM102, STORAGE_CRS
from geo.measure.gcj02 import gcj02_to_wgs84
from geo.measure.projection import transformer
from geo.plan.streets import enclosed_polygon, missing_boundary_streets
from geo.plan.zones import GEOMETRY_SOURCES, REQUIRED_PROPERTIES

SOURCE_KINDS: Final = GEOMETRY_SOURCES
"""Geometry sources from strongest to weakest; a union takes its weakest member's."""

LAND_FIGURE_CHECKS: Final = ("independent", "partly_fitted", "calibrated", "schematic")
"""How a computed land area may be read against the plan's figure (see plan_check)."""

PROPERTY_ORDER: Final = (*REQUIRED_PROPERTIES, "land_figure_check", "members_zh", "brief_section")
"""The zones schema the app relies on (geo.plan.zones), then the build's extra properties."""
STREET_PROPERTY_ORDER: Final = (
    "id",
    "name_zh",
    "name_en",
    "layer",
    "geometry_source",
    "source_detail",
    "accuracy_m",
    "assumptions",
)
LEVELS: Final = ("province", "city", "district")
TIERS: Final = ("1", "3", "N", "core", "development", "linkage")
COORD_DECIMALS: Final = 7
QUAD_SEGS: Final = 16

_ELEMENT_REQUIRED: Final = (
    "id",
    "name_zh",
    "name_en",
    "layer",
    "group",
    "level",
    "plan_article",
    "plan_quote_zh",
    "accuracy_m",
    "brief_section",
    "geometry",
)
_ELEMENT_OPTIONAL: Final = (
    "tier",
    "plan_land_km2",
    "plan_floor_m2",
    "assumptions",
    "members_zh",
    "land_figure_check",
)
_STREET_REQUIRED: Final = ("id", "name_zh", "name_en", "kind", "geometry_source", "source")
_STREET_OPTIONAL: Final = (
    "accuracy_m",
    "assumptions",
    "through",
    "u_m",
    "v_m",
    "between",
    "overshoot_m",
    "uv_m",
)
_ASSUMPTION_REF: Final = re.compile(r"assumption:([a-z0-9_]+)")
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


_TO_GK: Final = transformer(CRS(STORAGE_CRS), CRS(GK_CM102))  # shared, cached
_TO_WGS: Final = transformer(CRS(GK_CM102), CRS(STORAGE_CRS))


def _to_gk(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda c: np.column_stack(_TO_GK.transform(c[:, 0], c[:, 1])))


def _to_wgs(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda c: np.column_stack(_TO_WGS.transform(c[:, 0], c[:, 1])))


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
            if row.get("origin") not in ("source", "derived", "sketch"):
                problems.append(f"{where}: origin must be source, derived or sketch")
            if row["id"] in out:
                problems.append(f"{where}: duplicate id")
            x, y = _TO_GK.transform(lon, lat)
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
        boundaries=_read_feature_collection(data_dir / "boundaries.geojson"),
    )


# --------------------------------------------------------------------------------------
# Validation (every problem at once)
# --------------------------------------------------------------------------------------
def _assumption_refs(obj: Any) -> set[str]:
    if isinstance(obj, str):
        return set(_ASSUMPTION_REF.findall(obj))
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
        ("element", g.get("subtract", []), element_ids),
        ("sketch", [g["sketch"]] if "sketch" in g else [], inputs.sketches),
        ("boundary", [g[k] for k in ("boundary", "clip") if k in g], inputs.boundaries),
    ]
    for part in g.get("parts", []):
        wanted.append(("point", part, inputs.points))
    return [
        f"{where}: {kind} {name!r} is not declared"
        for kind, names, known in wanted
        for name in names
        if name not in known
    ]


def validate_inputs(inputs: Inputs) -> None:
    """Raise :class:`ConfigError` listing every problem in the declared inputs."""
    problems: list[str] = []
    ids: set[str] = set()
    for i, el in enumerate(inputs.elements):
        where = f"plan_elements.toml element {el.get('id', f'#{i}')}"
        problems += check_keys(
            el, where=where, required=_ELEMENT_REQUIRED, optional=_ELEMENT_OPTIONAL
        )
        eid = str(el.get("id", ""))
        if not _SLUG.match(eid):
            problems.append(f"{where}: id must be an ascii slug")
        if eid in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(eid)
        if el.get("layer") not in inputs.layers:
            problems.append(
                f"{where}: layer {el.get('layer')!r} is not declared in config/layers.toml"
            )
        if el.get("level") not in LEVELS:
            problems.append(f"{where}: level must be one of {', '.join(LEVELS)}")
        if "tier" in el and el["tier"] not in TIERS:
            problems.append(f"{where}: tier must be one of {', '.join(TIERS)}")
        check = el.get("land_figure_check")
        if check is not None and check not in LAND_FIGURE_CHECKS:
            problems.append(f"{where}: land_figure_check must be one of {LAND_FIGURE_CHECKS}")
        if not isinstance(el.get("accuracy_m", 0), int | float) or el.get("accuracy_m", 0) <= 0:
            problems.append(f"{where}: accuracy_m must be a positive number of metres")
    street_ids: set[str] = set()
    for st in inputs.streets:
        where = f"streets.toml street {st.get('id')}"
        problems += check_keys(
            st, where=where, required=_STREET_REQUIRED, optional=_STREET_OPTIONAL
        )
        if st.get("geometry_source") not in ("street_derived", "sketch"):
            problems.append(f"{where}: geometry_source must be street_derived or sketch")
        if st.get("kind") not in ("cross", "parallel", "grid_line"):
            problems.append(f"{where}: kind must be cross, parallel or grid_line")
        if "through" in st and st["through"] not in inputs.points:
            problems.append(f"{where}: point {st['through']!r} not in reference_points.csv")
        street_ids.add(str(st.get("id")))
    for el in inputs.elements:
        problems += _reference_problems(el, inputs, element_ids=ids, street_ids=street_ids)
    referenced = _assumption_refs(inputs.elements) | _assumption_refs(inputs.streets)
    for name in sorted(referenced - set(inputs.assumptions)):
        problems.append(f"'assumption:{name}' is used but not declared in assumptions.toml")
    for name in sorted(set(inputs.assumptions) - referenced):
        problems.append(f"assumptions.toml [{name}] is declared but never used")
    for name, table in inputs.assumptions.items():
        problems += check_keys(
            table,
            where=f"assumptions.toml [{name}]",
            required=("value", "unit", "description_en", "basis"),
            optional=(),
        )
    for pid in [*inputs.frame.get("axis_points", []), inputs.frame.get("origin")]:
        if pid not in inputs.points:
            problems.append(f"streets.toml [frame]: point {pid!r} not in reference_points.csv")
    collect(problems, what="plan build inputs", error=ConfigError)


# --------------------------------------------------------------------------------------
# The street-grid frame
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GridFrame:
    """Local frame of the new town's street grid, in EPSG:4543 metres.

    ``u`` runs along the grid's cross streets (bearing ≈ 72°), ``v`` along the 彩云路
    axis (bearing ≈ 342°); the origin is a reference point.
    """

    origin_x_m: float
    origin_y_m: float
    north: tuple[float, float]  # unit vector along +v

    @property
    def east(self) -> tuple[float, float]:
        """Unit vector along +u (the axis direction turned 90° clockwise)."""
        return (self.north[1], -self.north[0])

    @property
    def axis_bearing_deg(self) -> float:
        """Grid bearing of +v, degrees clockwise from grid north of EPSG:4543."""
        return math.degrees(math.atan2(self.north[0], self.north[1])) % 360.0

    def to_xy(self, u_m: float, v_m: float) -> tuple[float, float]:
        ex, ey = self.east
        nx, ny = self.north
        return (self.origin_x_m + u_m * ex + v_m * nx, self.origin_y_m + u_m * ey + v_m * ny)

    def to_uv(self, x_m: float, y_m: float) -> tuple[float, float]:
        dx, dy = x_m - self.origin_x_m, y_m - self.origin_y_m
        ex, ey = self.east
        nx, ny = self.north
        return (dx * ex + dy * ey, dx * nx + dy * ny)


def fit_grid_frame(
    points_xy: Sequence[tuple[float, float]], *, origin_xy: tuple[float, float]
) -> GridFrame:
    """Fit the axis direction to collinear points (principal axis), oriented northward."""
    pts = np.asarray(points_xy, dtype=float)
    if len(pts) < 2:
        raise GeometryError("the street-grid frame needs at least two axis points")
    _u, _s, vt = np.linalg.svd(pts - pts.mean(axis=0))
    n = vt[0] if vt[0][1] >= 0 else -vt[0]
    return GridFrame(origin_xy[0], origin_xy[1], (float(n[0]), float(n[1])))


# --------------------------------------------------------------------------------------
# Construction
# --------------------------------------------------------------------------------------
@dataclass
class _Built:
    geom: BaseGeometry  # EPSG:4543
    source: str
    detail: str


@dataclass
class _Context:
    inputs: Inputs
    frame: GridFrame
    streets: dict[str, tuple[dict[str, Any], LineString]] = field(default_factory=dict)
    street_v: dict[str, float] = field(default_factory=dict)
    built: dict[str, _Built] = field(default_factory=dict)
    in_progress: set[str] = field(default_factory=set)

    def value(self, raw: Any) -> Any:
        """Resolve ``assumption:<name>`` references (also inside lists)."""
        if isinstance(raw, str) and raw.startswith("assumption:"):
            return self.inputs.assumptions[raw.removeprefix("assumption:")]["value"]
        if isinstance(raw, list):
            return [self.value(v) for v in raw]
        return raw

    def describe(self, text: str | None) -> str | None:
        """Spell out each ``assumption:<name>`` in ``text`` with its current value."""
        if text is None:
            return None

        def sub(m: re.Match[str]) -> str:
            a = self.inputs.assumptions[m.group(1)]
            unit = f" {a['unit']}" if a["unit"] else ""
            return f"{m.group(1)} = {a['value']}{unit}"

        return _ASSUMPTION_REF.sub(sub, text)


def _weakest(kinds: Iterable[str]) -> str:
    return max(kinds, key=SOURCE_KINDS.index)


def _build_streets(ctx: _Context) -> None:
    frame = ctx.frame
    pts = ctx.inputs.points
    cross = [s for s in ctx.inputs.streets if s["kind"] == "cross"]
    others = [s for s in ctx.inputs.streets if s["kind"] != "cross"]
    for st in cross:
        v = (
            frame.to_uv(pts[st["through"]].x_m, pts[st["through"]].y_m)[1]
            if "through" in st
            else float(ctx.value(st["v_m"]))
        )
        u0, u1 = (float(x) for x in ctx.value(st["u_m"]))
        ctx.street_v[st["id"]] = v
        ctx.streets[st["id"]] = (st, LineString([frame.to_xy(u0, v), frame.to_xy(u1, v)]))
    for st in others:
        if st["kind"] == "grid_line":
            line = LineString([frame.to_xy(float(u), float(v)) for u, v in ctx.value(st["uv_m"])])
        else:
            u = (
                frame.to_uv(pts[st["through"]].x_m, pts[st["through"]].y_m)[0]
                if "through" in st
                else float(ctx.value(st["u_m"]))
            )
            if "between" in st:
                north, south = (str(ctx.value(s)) for s in st["between"])
                if north not in ctx.street_v or south not in ctx.street_v:
                    raise ConfigError(
                        f"streets.toml street {st['id']}: 'between' names {north!r}/{south!r}; "
                        "both must be cross streets."
                    )
                over = float(st.get("overshoot_m", 0.0))
                v0, v1 = ctx.street_v[south] - over, ctx.street_v[north] + over
            else:
                v0, v1 = (float(x) for x in ctx.value(st["v_m"]))
            line = LineString([frame.to_xy(u, v0), frame.to_xy(u, v1)])
        ctx.streets[st["id"]] = (st, line)


def _disc(x: float, y: float, radius_m: float) -> BaseGeometry:
    return Point(x, y).buffer(radius_m, quad_segs=QUAD_SEGS) if radius_m > 0 else Point(x, y)


def _anchor_points(
    ctx: _Context, g: Mapping[str, Any]
) -> tuple[list[tuple[float, float]], list[str], bool]:
    """The (x, y) anchors of a point-based method, their descriptions, and sketch-ness."""
    if "uv_m" in g:
        u, v = (float(x) for x in ctx.value(g["uv_m"]))
        return (
            [ctx.frame.to_xy(u, v)],
            [f"sketch position u={u:.0f} m, v={v:.0f} m on the grid"],
            True,
        )
    names = g.get("points", [g.get("point")])
    anchors, details, sketchy = [], [], False
    for name in names:
        p = ctx.inputs.points.get(name)
        if p is None:
            raise ConfigError(f"point {name!r} is not in data/sources/reference_points.csv")
        anchors.append((p.x_m, p.y_m))
        conv = "converted GCJ-02 -> WGS-84" if p.crs == "GCJ-02" else f"CRS {p.crs}"
        details.append(f"{p.name_zh} [{p.origin}, {p.confidence}; {p.source}; {conv}]")
        sketchy |= p.origin == "sketch"
    return anchors, details, sketchy


def _calibrated_radius_m(x: float, y: float, target_m2: float) -> float:
    """Radius whose disc has ``target_m2`` on the CGCS2000 ellipsoid (one correction step)."""
    radius = math.sqrt(target_m2 / math.pi)
    for _ in range(2):
        disc = gpd.GeoSeries([_to_wgs(_disc(x, y, radius))], crs=STORAGE_CRS)
        actual = float(ellipsoidal_area_m2(disc).iloc[0])
        radius *= math.sqrt(target_m2 / actual)
    return radius


def _boundary_gk(ctx: _Context, key: str) -> BaseGeometry:
    if key not in ctx.inputs.boundaries:
        raise ConfigError(f"boundary {key!r} is not in data/boundaries.geojson")
    return _to_gk(ctx.inputs.boundaries[key][1])


Params = Mapping[str, Any]


def _from_boundary(ctx: _Context, el: Params, g: Params) -> _Built:
    props = ctx.inputs.boundaries.get(g["boundary"], ({}, None))[0]
    detail = f"{props.get('source', '')}; converted GCJ-02 -> WGS-84"
    return _Built(_boundary_gk(ctx, g["boundary"]), "public_boundary", detail)


def _from_streets_enclosed(ctx: _Context, el: Params, g: Params) -> _Built:
    lines = {ctx.streets[s][0]["name_zh"]: ctx.streets[s][1] for s in g["streets"]}
    poly = enclosed_polygon(lines, grid_size=0.01)
    missing = missing_boundary_streets(poly, lines, tolerance=1.0, min_contact=10.0)
    if missing:
        raise GeometryError(
            f"element {el['id']}: the enclosed area is not bounded by {', '.join(missing)}; "
            "check the street lines in data/sources/streets.toml"
        )
    kinds = ", ".join(
        f"{ctx.streets[s][0]['name_zh']} ({ctx.streets[s][0]['geometry_source']})"
        for s in g["streets"]
    )
    detail = f"area enclosed by street centrelines (data/streets.geojson): {kinds}"
    return _Built(poly, "street_derived", detail)


def _lines(lines: Sequence[LineString]) -> BaseGeometry:
    return lines[0] if len(lines) == 1 else MultiLineString(list(lines))


def _from_street_lines(ctx: _Context, el: Params, g: Params) -> _Built:
    geom = _lines([ctx.streets[s][1] for s in g["streets"]])
    kind = _weakest(ctx.streets[s][0]["geometry_source"] for s in g["streets"])
    detail = "street centreline(s) " + ", ".join(g["streets"]) + " (data/streets.geojson)"
    return _Built(geom, kind, detail)


def _from_station_line(ctx: _Context, el: Params, g: Params) -> _Built:
    pts = ctx.inputs.points
    parts = [LineString([(pts[p].x_m, pts[p].y_m) for p in part]) for part in g["parts"]]
    detail = "polyline through metro station points (S1 km.js, converted GCJ-02 -> WGS-84)"
    return _Built(_lines(parts), "street_derived", detail)


def _from_point_buffer(ctx: _Context, el: Params, g: Params) -> _Built:
    anchors, details, sketchy = _anchor_points(ctx, g)
    raw = g.get("buffer_m", 0.0)
    radii = [float(r) for r in raw] if isinstance(raw, list) else [float(raw)] * len(anchors)
    discs = [_disc(x, y, r) for (x, y), r in zip(anchors, radii, strict=True)]
    sizes = "/".join(f"{r:.0f}" for r in dict.fromkeys(radii))
    what = "point(s)" if all(r == 0 for r in radii) else f"disc(s) of {sizes} m around"
    kind = "sketch" if sketchy else "point_buffer"
    return _Built(shapely.union_all(discs), kind, f"{what} " + "; ".join(details))


def _from_calibrated_disc(ctx: _Context, el: Params, g: Params) -> _Built:
    anchors, details, _ = _anchor_points(ctx, g)
    ((x, y),) = anchors
    radius = _calibrated_radius_m(x, y, float(el["plan_land_km2"]) * M2_PER_KM2)
    detail = (
        f"disc whose area was set to the plan's {el['plan_land_km2']} km² "
        f"(radius {radius:.0f} m) around {details[0]}"
    )
    return _Built(_disc(x, y, radius), "calibrated", detail)


def _from_grid_box(ctx: _Context, el: Params, g: Params) -> _Built:
    u0, u1, v0, v1 = (float(x) for x in ctx.value(g["box_uv_m"]))
    corners = [ctx.frame.to_xy(u, v) for u, v in ((u0, v0), (u1, v0), (u1, v1), (u0, v1))]
    detail = (
        f"hand-drawn box on the street grid, u {u0:.0f}..{u1:.0f} m, "
        f"v {v0:.0f}..{v1:.0f} m (origin 联大街 station)"
    )
    return _Built(Polygon(corners), "sketch", detail)


def _from_grid_shape(ctx: _Context, el: Params, g: Params) -> _Built:
    coords = [ctx.frame.to_xy(float(u), float(v)) for u, v in ctx.value(g["uv_m"])]
    geom: BaseGeometry = Polygon(coords) if g["method"] == "grid_polygon" else LineString(coords)
    return _Built(geom, "sketch", "hand-drawn on the street grid (origin 联大街 station)")


def _from_sketch(ctx: _Context, el: Params, g: Params) -> _Built:
    if g["sketch"] not in ctx.inputs.sketches:
        raise ConfigError(f"element {el['id']}: sketch {g['sketch']!r} not in sketches.geojson")
    props, geom = ctx.inputs.sketches[g["sketch"]]
    detail = f"hand-drawn (data/sources/sketches.geojson {g['sketch']}): {props['basis']}"
    return _Built(_to_gk(geom), "sketch", detail)


def _from_union(ctx: _Context, el: Params, g: Params) -> _Built:
    members = [str(m) for m in ctx.value(g["members"])]
    parts = [_build_element(ctx, m) for m in members]
    detail = "union of " + ", ".join(
        f"{m} ({p.source})" for m, p in zip(members, parts, strict=True)
    )
    return _Built(
        shapely.union_all([p.geom for p in parts]), _weakest(p.source for p in parts), detail
    )


def _from_rings(ctx: _Context, el: Params, g: Params) -> _Built:
    members = [str(m) for m in ctx.value(g["members"])]
    core = shapely.union_all([_build_element(ctx, m).geom for m in members])
    radii = [float(r) for r in ctx.value(g["radii_m"])]
    i = int(g["ring"])
    centre = core.centroid
    inner = core if i == 0 else _disc(centre.x, centre.y, radii[i - 1])
    ring = _disc(centre.x, centre.y, radii[i]).difference(inner)
    detail = (
        f"ring around the centroid of {', '.join(members)}, "
        f"{0 if i == 0 else radii[i - 1]:.0f}-{radii[i]:.0f} m"
    )
    return _Built(ring, "sketch", detail)


_METHODS: Final[dict[str, Callable[[_Context, Params, Params], _Built]]] = {
    "boundary": _from_boundary,
    "streets_enclosed": _from_streets_enclosed,
    "street_lines": _from_street_lines,
    "station_line": _from_station_line,
    "point_buffer": _from_point_buffer,
    "points": _from_point_buffer,
    "calibrated_disc": _from_calibrated_disc,
    "grid_box": _from_grid_box,
    "grid_polygon": _from_grid_shape,
    "grid_line": _from_grid_shape,
    "sketch": _from_sketch,
    "union": _from_union,
    "rings": _from_rings,
}


def _build_element(ctx: _Context, eid: str) -> _Built:
    """Build (once) the geometry of element ``eid``, building its members first."""
    if eid in ctx.built:
        return ctx.built[eid]
    if eid in ctx.in_progress:
        raise ConfigError(f"element {eid}: its geometry depends on itself (a 'members' cycle)")
    element = next((e for e in ctx.inputs.elements if e["id"] == eid), None)
    if element is None:
        raise ConfigError(f"element {eid!r} is referenced but not declared")
    ctx.in_progress.add(eid)
    g = element["geometry"]
    handler = _METHODS.get(str(g.get("method")))
    if handler is None:
        raise ConfigError(
            f"element {eid}: unknown geometry method {g.get('method')!r}; "
            f"use one of {', '.join(_METHODS)}"
        )
    built = handler(ctx, element, g)
    for sub in g.get("subtract", []):
        geom = built.geom.difference(_build_element(ctx, sub).geom)
        built = _Built(geom, built.source, built.detail + f"; minus {sub}")
    if "clip" in g:
        geom = built.geom.intersection(_boundary_gk(ctx, g["clip"]))
        built = _Built(geom, built.source, built.detail + f"; clipped to {g['clip']}")
    if built.geom.is_empty:
        raise GeometryError(f"element {eid}: its geometry came out empty; check its parameters")
    ctx.in_progress.discard(eid)
    ctx.built[eid] = built
    return built


def _finish(geom_gk: BaseGeometry) -> BaseGeometry:
    """EPSG:4543 -> EPSG:4326 on the 1e-7 degree grid, valid, polygons oriented (RFC 7946)."""
    geom: BaseGeometry = shapely.set_precision(_to_wgs(geom_gk), 10.0**-COORD_DECIMALS)
    if geom.geom_type == "GeometryCollection":  # a clip can leave slivers of lower dimension
        parts = shapely.get_parts(geom)
        polys = [g for g in parts if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(polys)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = shapely.orient_polygons(geom)
    return geom


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


def build_features(inputs: Inputs) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Build the zone features and the street features (GeoJSON-like dicts, EPSG:4326).

    Pure: reads nothing, writes nothing. Features are sorted by id.
    """
    validate_inputs(inputs)
    pts = inputs.points
    axis = [(pts[p].x_m, pts[p].y_m) for p in inputs.frame["axis_points"]]
    origin = pts[inputs.frame["origin"]]
    ctx = _Context(inputs=inputs, frame=fit_grid_frame(axis, origin_xy=(origin.x_m, origin.y_m)))
    _build_streets(ctx)

    zones: list[dict[str, Any]] = []
    for element in inputs.elements:
        built = _build_element(ctx, element["id"])
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
            "accuracy_m": element["accuracy_m"],
            "assumptions": ctx.describe(element.get("assumptions")),
            # Only public boundary data is survey-grade; street-derived extents rest on
            # inferred street positions (±150-300 m) and are schematic too.
            "schematic": built.source != "public_boundary",
            "land_figure_check": _land_figure_check(element, built.source),
            "members_zh": element.get("members_zh"),
            "brief_section": str(element["brief_section"]),
        }
        zones.append({"type": "Feature", "properties": props, "geometry": _finish(built.geom)})

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
        streets.append({"type": "Feature", "properties": props, "geometry": _finish(line)})
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
                "geometry": mapping(f["geometry"]),
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
