"""The geometry of each plan element, built from the parsed inputs.

Each ``geometry.method`` of ``config/plan_elements.toml`` has one function here
(:data:`METHODS`); :func:`build_element` builds an element once, its members first, then
subtracts and clips. Street centrelines are built first (:func:`build_streets`) on the
street-grid frame (:class:`geo.plan.shapes.GridFrame`). Everything is in EPSG:4543 metres.

Every result records its ``geometry_source``: ``public_boundary`` (official outline),
``street_derived`` (enclosed by / drawn through located streets and points),
``point_buffer`` (a disc around a located point), ``calibrated`` (an area *set* to the
plan's figure: never evidence for it) or ``sketch`` (drawn by hand).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import shapely
from shapely.geometry import GeometryCollection, LineString, Polygon
from shapely.geometry.base import BaseGeometry

from geo.declared.i18n import Joined, Message, Names, t
from geo.errors import ConfigError, GeometryError
from geo.measure.area import M2_PER_KM2
from geo.plan.shapes import GridFrame, calibrated_radius_m, disc, lines, radius_for_area_m, to_gk
from geo.plan.sources import ASSUMPTION_REF, NOT_LOCATED, Inputs
from geo.plan.streets import enclosed_polygon, missing_boundary_streets
from geo.plan.zones import GEOMETRY_SOURCES

SOURCE_KINDS: Final = GEOMETRY_SOURCES
"""Geometry sources from strongest to weakest; a union takes its weakest member's."""


@dataclass
class Built:
    geom: BaseGeometry  # EPSG:4543
    source: str
    detail: str
    """Where the shape comes from: a :class:`~geo.declared.i18n.Message` (English as a
    str, the data's ``source_detail``; :func:`~geo.declared.i18n.say` gives Chinese)."""


@dataclass
class Context:
    inputs: Inputs
    frame: GridFrame
    streets: dict[str, tuple[dict[str, Any], LineString]] = field(default_factory=dict)
    street_v: dict[str, float] = field(default_factory=dict)
    built: dict[str, Built] = field(default_factory=dict)
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

        return ASSUMPTION_REF.sub(sub, text)


def _source_names(kind: str) -> Names:
    """A geometry source as its code (English, as the data has always said it) and in
    words (Chinese)."""
    return Names(t(f"source_{kind}", "zh"), kind)


def _weakest(kinds: Iterable[str]) -> str:
    return max(kinds, key=SOURCE_KINDS.index)


def build_streets(ctx: Context) -> None:
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


def _anchor_points(
    ctx: Context, g: Mapping[str, Any]
) -> tuple[list[tuple[float, float]], list[str], bool]:
    """The (x, y) anchors of a point-based method, their descriptions, and sketch-ness."""
    if "uv_m" in g:
        u, v = (float(x) for x in ctx.value(g["uv_m"]))
        return (
            [ctx.frame.to_xy(u, v)],
            [Message("detail_sketch_position", u=u, v=v)],
            True,
        )
    names = g.get("points", [g.get("point")])
    anchors: list[tuple[float, float]] = []
    details: list[str] = []
    sketchy = False
    for name in names:
        p = ctx.inputs.points.get(name)
        if p is None:
            raise ConfigError(f"point {name!r} is not in data/sources/reference_points.csv")
        anchors.append((p.x_m, p.y_m))
        conv = Message("detail_gcj") if p.crs == "GCJ-02" else Message("detail_crs", crs=p.crs)
        details.append(
            Message(
                "detail_point", name=p.name_zh, source=p.source, conv=conv,
                origin=Names(t(f"origin_{p.origin}", "zh"), p.origin),
                confidence=Names(t(f"confidence_{p.confidence}", "zh"), p.confidence),
            )
        )  # fmt: skip
        sketchy |= p.origin == "sketch"
    return anchors, details, sketchy


def defining_accuracy_m(ctx: Context, element: Mapping[str, Any]) -> tuple[float, str]:
    """The worst accuracy among the sources that define ``element``'s geometry, and which.

    Sources: its streets (``accuracy_m`` in streets.toml), points (reference_points.csv),
    sketch, boundary or lake (their ``accuracy_m`` where stated), and the elements it
    unites, rings, subtracts or is clipped to (their declared ``accuracy_m``). Positions on
    the street grid (``uv_m``) add nothing here: the element's own figure says how far
    they are from the truth. No element may claim a finer accuracy than this.
    """
    g = element["geometry"]
    found: list[tuple[float, str]] = [(0.0, "")]
    for sid in g.get("streets", []):
        st = next((s for s in ctx.inputs.streets if s["id"] == sid), {})
        found.append((float(st.get("accuracy_m", 0.0)), f"street {st.get('name_zh', sid)}"))
    points = [*g.get("points", []), *([g["point"]] if "point" in g else [])]
    points += [p for part in g.get("parts", []) for p in part]
    for pid in points:
        point = ctx.inputs.points[pid]
        found.append((point.accuracy_m, f"point {point.name_zh}"))
    if "sketch" in g:
        props = ctx.inputs.sketches[g["sketch"]][0]
        found.append((float(props.get("accuracy_m", 0.0)), f"sketch {g['sketch']}"))
    members = ctx.value(g.get("members", []))
    elements = [*members, *g.get("subtract", []), *g.get("excluding", [])]
    elements += [g["within"]] if "within" in g else []
    for key in [g[k] for k in ("boundary", "clip") if k in g]:
        if key in ctx.inputs.boundaries:
            props = ctx.inputs.boundaries[key][0]
            found.append((float(props.get("accuracy_m", 0.0)), f"boundary {key}"))
        else:
            elements.append(key)
    for eid in elements:
        other = next(e for e in ctx.inputs.elements if e["id"] == eid)
        found.append((float(other["accuracy_m"]), f"element {eid}"))
    return max(found, key=lambda item: item[0])


def _boundary_gk(ctx: Context, key: str) -> BaseGeometry:
    if key not in ctx.inputs.boundaries:
        raise ConfigError(f"boundary {key!r} is not in data/boundaries.geojson or lakes.geojson")
    return to_gk(ctx.inputs.boundaries[key][1])


Params = Mapping[str, Any]


def _from_boundary(ctx: Context, el: Params, g: Params) -> Built:
    props = ctx.inputs.boundaries.get(g["boundary"], ({}, None))[0]
    detail = Message("detail_boundary", source=props.get("source", ""))
    return Built(_boundary_gk(ctx, g["boundary"]), "public_boundary", detail)


def _from_streets_enclosed(ctx: Context, el: Params, g: Params) -> Built:
    lines = {ctx.streets[s][0]["name_zh"]: ctx.streets[s][1] for s in g["streets"]}
    poly = enclosed_polygon(lines, grid_size=0.01)
    missing = missing_boundary_streets(poly, lines, tolerance=1.0, min_contact=10.0)
    if missing:
        raise GeometryError(
            f"element {el['id']}: the enclosed area is not bounded by {', '.join(missing)}; "
            "check the street lines in data/sources/streets.toml"
        )
    kinds = Joined(
        [
            Message("detail_named_source", name=ctx.streets[s][0]["name_zh"],
                    source=_source_names(ctx.streets[s][0]["geometry_source"]))
            for s in g["streets"]
        ],
        sep=", ",
    )  # fmt: skip
    detail = Message("detail_enclosed", kinds=kinds)
    # An area is only as located as its least located street: one sketched side makes
    # the whole extent a sketch.
    kind = _weakest(ctx.streets[s][0]["geometry_source"] for s in g["streets"])
    return Built(poly, kind, detail)


def _from_street_lines(ctx: Context, el: Params, g: Params) -> Built:
    geom = lines([ctx.streets[s][1] for s in g["streets"]])
    kind = _weakest(ctx.streets[s][0]["geometry_source"] for s in g["streets"])
    detail = Message("detail_street_lines", streets=", ".join(g["streets"]))
    return Built(geom, kind, detail)


def _from_station_line(ctx: Context, el: Params, g: Params) -> Built:
    pts = ctx.inputs.points
    parts = [LineString([(pts[p].x_m, pts[p].y_m) for p in part]) for part in g["parts"]]
    detail = Message("detail_station_line")
    return Built(lines(parts), "street_derived", detail)


def _from_point_buffer(ctx: Context, el: Params, g: Params) -> Built:
    anchors, details, sketchy = _anchor_points(ctx, g)
    raw = g.get("buffer_m", 0.0)
    radii = [float(r) for r in raw] if isinstance(raw, list) else [float(raw)] * len(anchors)
    discs = [disc(x, y, r) for (x, y), r in zip(anchors, radii, strict=True)]
    sizes = "/".join(f"{r:.0f}" for r in dict.fromkeys(radii))
    around = Joined(details)
    points = all(r == 0 for r in radii)
    what = (
        Message("detail_points", details=around)
        if points
        else Message("detail_discs", sizes=sizes, details=around)
    )
    kind = "sketch" if sketchy else "point_buffer"
    return Built(shapely.union_all(discs), kind, what)


def _from_calibrated_disc(ctx: Context, el: Params, g: Params) -> Built:
    anchors, details, _ = _anchor_points(ctx, g)
    ((x, y),) = anchors
    radius = calibrated_radius_m(x, y, float(el["plan_land_km2"]) * M2_PER_KM2)
    detail = Message(
        "detail_calibrated_disc", km2=el["plan_land_km2"], radius=radius, point=details[0]
    )
    return Built(disc(x, y, radius), "calibrated", detail)


def _from_calibrated_part(ctx: Context, el: Params, g: Params) -> Built:
    """Discs of one common radius round the part's seats, inside ``within`` and outside
    ``excluding``, with the radius *set* so that the part's area is its published figure
    (``area_km2``, or the element's ``plan_land_km2``)."""
    anchors, details, _ = _anchor_points(ctx, g)
    target_km2 = float(ctx.value(g.get("area_km2", el.get("plan_land_km2"))))
    within = build_element(ctx, g["within"]).geom if "within" in g else None
    taken = [build_element(ctx, e).geom for e in g.get("excluding", [])]

    def shape_at(radius_m: float) -> BaseGeometry:
        geom = shapely.union_all([disc(x, y, radius_m) for x, y in anchors])
        geom = geom if within is None else geom.intersection(within)
        return geom.difference(shapely.union_all(taken)) if taken else geom

    radius = radius_for_area_m(shape_at, target_km2 * M2_PER_KM2)
    inside = "" if within is None else Message("detail_inside", what=g["within"])
    outside = Message("detail_outside", what=", ".join(g["excluding"])) if taken else ""
    detail = Message(
        "detail_calibrated_part", km2=target_km2, radius=radius, inside=inside,
        outside=outside, details=Joined(details),
    )  # fmt: skip
    return Built(shape_at(radius), "calibrated", detail)


def _from_grid_box(ctx: Context, el: Params, g: Params) -> Built:
    u0, u1, v0, v1 = (float(x) for x in ctx.value(g["box_uv_m"]))
    corners = [ctx.frame.to_xy(u, v) for u, v in ((u0, v0), (u1, v0), (u1, v1), (u0, v1))]
    detail = Message("detail_grid_box", u0=u0, u1=u1, v0=v0, v1=v1)
    return Built(Polygon(corners), "sketch", detail)


def _from_grid_shape(ctx: Context, el: Params, g: Params) -> Built:
    coords = [ctx.frame.to_xy(float(u), float(v)) for u, v in ctx.value(g["uv_m"])]
    geom: BaseGeometry = Polygon(coords) if g["method"] == "grid_polygon" else LineString(coords)
    return Built(geom, "sketch", Message("detail_grid_shape"))


def _from_sketch(ctx: Context, el: Params, g: Params) -> Built:
    if g["sketch"] not in ctx.inputs.sketches:
        raise ConfigError(f"element {el['id']}: sketch {g['sketch']!r} not in sketches.geojson")
    props, geom = ctx.inputs.sketches[g["sketch"]]
    basis = Names(props.get("basis_zh") or props["basis"], props["basis"])
    detail = Message("detail_sketch", sketch=g["sketch"], basis=basis)
    return Built(to_gk(geom), "sketch", detail)


def _from_union(ctx: Context, el: Params, g: Params) -> Built:
    members = [str(m) for m in ctx.value(g["members"])]
    parts = [build_element(ctx, m) for m in members]
    named = [
        Message("detail_named_source", name=m, source=_source_names(p.source))
        for m, p in zip(members, parts, strict=True)
    ]
    detail = Message("detail_union", members=Joined(named, sep=", "))
    return Built(
        shapely.union_all([p.geom for p in parts]), _weakest(p.source for p in parts), detail
    )


def _from_rings(ctx: Context, el: Params, g: Params) -> Built:
    members = [str(m) for m in ctx.value(g["members"])]
    core = shapely.union_all([build_element(ctx, m).geom for m in members])
    radii = [float(r) for r in ctx.value(g["radii_m"])]
    i = int(g["ring"])
    centre = core.centroid
    inner = core if i == 0 else disc(centre.x, centre.y, radii[i - 1])
    ring = disc(centre.x, centre.y, radii[i]).difference(inner)
    detail = Message(
        "detail_ring", members=", ".join(members), r0=0 if i == 0 else radii[i - 1], r1=radii[i]
    )
    return Built(ring, "sketch", detail)


def _not_located(ctx: Context, el: Params, g: Params) -> Built:
    detail = Message("detail_not_located")
    return Built(GeometryCollection(), NOT_LOCATED, detail)


METHODS: Final[dict[str, Callable[[Context, Params, Params], Built]]] = {
    NOT_LOCATED: _not_located,
    "boundary": _from_boundary,
    "streets_enclosed": _from_streets_enclosed,
    "street_lines": _from_street_lines,
    "station_line": _from_station_line,
    "point_buffer": _from_point_buffer,
    "points": _from_point_buffer,
    "calibrated_disc": _from_calibrated_disc,
    "calibrated_part": _from_calibrated_part,
    "grid_box": _from_grid_box,
    "grid_polygon": _from_grid_shape,
    "grid_line": _from_grid_shape,
    "sketch": _from_sketch,
    "union": _from_union,
    "rings": _from_rings,
}


def build_element(ctx: Context, eid: str) -> Built:
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
    handler = METHODS.get(str(g.get("method")))
    if handler is None:
        raise ConfigError(
            f"element {eid}: unknown geometry method {g.get('method')!r}; "
            f"use one of {', '.join(METHODS)}"
        )
    built = handler(ctx, element, g)
    for sub in g.get("subtract", []):  # the cut edge is the subtracted element's edge
        other = build_element(ctx, sub)
        kind = _weakest([built.source, other.source])
        detail = Message("detail_minus", detail=built.detail, sub=sub)
        built = Built(built.geom.difference(other.geom), kind, detail)
    if "clip" in g:
        clip = str(g["clip"])  # a boundary id, or an element (e.g. the district's land)
        in_boundaries = clip in ctx.inputs.boundaries
        mask = _boundary_gk(ctx, clip) if in_boundaries else build_element(ctx, clip).geom
        geom = built.geom.intersection(mask)
        detail = Message("detail_clipped", detail=built.detail, clip=g["clip"])
        built = Built(geom, built.source, detail)
    if built.geom.is_empty and built.source != NOT_LOCATED:
        raise GeometryError(f"element {eid}: its geometry came out empty; check its parameters")
    ctx.in_progress.discard(eid)
    ctx.built[eid] = built
    return built
