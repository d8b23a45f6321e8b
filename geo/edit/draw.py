"""Shapes drawn and edited on the map: from the editor's GeoJSON to a checked, measured
plan element (pure; no files, no store).

The browser editor (``ui/components/plan_editor``) sends what the planner drew as
GeoJSON in EPSG:4326. Before anything is saved:

1. :func:`parse_drawing` reads it as untrusted input: bounded in size and vertices,
   polygons only, every position two finite numbers within longitude/latitude range;
   every problem is reported at once.
2. :func:`measure_drawing` gives the statutory figures: the ellipsoidal area on CGCS2000
   (:func:`geo.measure.area.ellipsoidal_area_m2`, pyproj Geod) with the Gauss-Kruger
   EPSG:4543 area beside it, rounded for display by the project's one rule
   (:func:`geo.measure.precision.area_display`) for the accuracy the editor states.
3. :func:`check_drawing` runs the uploads' validation (:func:`geo.measure.validate.
   repair_geometries`: a self-intersection is repaired with ``make_valid`` and the area
   change reported, a shape left with no area is refused), the review's sliver test
   (:func:`geo.review.topology.check_topology`: parts narrower than 1 m on average are
   refused) and the review's land rule (``district_zones_within_chenggong`` of
   ``config/rules.toml``, run by :func:`geo.review.conflicts.run_rule` on the plan with the
   drawing in place: a district-level zone with a part off the district's land beyond the
   rule's tolerance and the accuracy band is refused; within the band it is a warning).
4. :func:`edited_frame` is the element's row with the new shape and its provenance
   (``geometry_source = "edited"``, the editor, the stated accuracy and the previous
   source), what :meth:`geo.store.store.Store.edit` saves as a new version.

:func:`split_shape` (by a drawn line) and :func:`merge_shapes` (two elements into one)
are the server-side operations the editor offers beside vertex editing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

from geo.declared.i18n import Message, say
from geo.declared.registry import Registry
from geo.errors import GeometryError, InputFileError, collect
from geo.measure.area import ellipsoidal_area_m2, gauss_kruger_area_m2
from geo.measure.crs import STORAGE_CRS
from geo.measure.precision import area_display, perimeter_m
from geo.measure.validate import ValidationReport, repair_geometries
from geo.plan.zones import REQUIRED_PROPERTIES
from geo.review.conflicts import run_rule
from geo.review.features import plan_features, select
from geo.review.rules import RuleSet
from geo.review.topology import SLIVER_WIDTH_M, check_topology

EDITED: Final = "edited"
"""The ``geometry_source`` of an element drawn or edited in the app."""
LAND_RULE: Final = "district_zones_within_chenggong"
"""The rule of ``config/rules.toml`` a drawing must keep: district zones on the land."""
MAX_PAYLOAD_CHARS: Final = 2_000_000
"""Longest GeoJSON text accepted from the editor (a hand drawing is a few kB)."""
MAX_DRAWN_VERTICES: Final = 20_000
"""Most positions accepted in one drawing (the largest plan element has about 3,000)."""
MAX_SHOWN_PROBLEMS: Final = 10
ELEMENT_ID: Final = re.compile(r"^[a-z][a-z0-9_]{2,63}$")
"""A new element's id: lower-case letters, digits and underscores, as the plan's ids."""
_POLYGONAL: Final = ("Polygon", "MultiPolygon")
DETAIL_LANGUAGES: Final = (("source_detail_zh", "zh"), ("source_detail_en", "en"))
"""The plan data's provenance in each language (the zone panel shows the page's)."""


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _ring(
    raw: object, where: str, problems: list[str], *, at_least: int = 3
) -> list[tuple[float, float]]:
    """The positions of a ring (or, ``at_least=2``, a line), each checked."""
    if not isinstance(raw, list):
        problems.append(Message("draw_not_positions", where=where, found=type(raw).__name__))
        return []
    ring: list[tuple[float, float]] = []
    for k, pos in enumerate(raw):
        if not (isinstance(pos, list) and len(pos) in (2, 3) and all(_number(c) for c in pos)):
            problems.append(Message("draw_bad_position", where=where, k=k + 1, pos=f"{pos!r:.60}"))
            continue
        lon, lat = float(pos[0]), float(pos[1])
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            problems.append(
                Message("draw_not_lonlat", where=where, k=k + 1, lon=f"{lon:g}", lat=f"{lat:g}")
            )
            continue
        ring.append((lon, lat))
    if len(set(ring)) < at_least:
        problems.append(
            Message("draw_too_few", where=where, at_least=at_least, found=len(set(ring)))
        )
    return ring


def _polygons(geometry: object, where: str, problems: list[str]) -> list[list[object]]:
    """The coordinate arrays of the polygons in one GeoJSON geometry object."""
    if not isinstance(geometry, Mapping):
        problems.append(Message("draw_no_geometry", where=where))
        return []
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon" and isinstance(coords, list):
        return [coords]
    if kind == "MultiPolygon" and isinstance(coords, list):
        return list(coords)
    problems.append(Message("draw_not_polygon", where=where, kind=f"{kind!s:.30}"))
    return []


def _geojson_object(payload: object) -> Mapping[str, Any]:
    """The editor's GeoJSON as an object (text is parsed, within its size limit)."""
    if isinstance(payload, str):
        if len(payload) > MAX_PAYLOAD_CHARS:
            raise GeometryError(
                "err_draw_too_long", chars=f"{len(payload):,}", limit=f"{MAX_PAYLOAD_CHARS:,}"
            )
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError as exc:
            raise GeometryError("err_draw_not_json", problem=exc.msg, pos=exc.pos) from None
    if not isinstance(payload, Mapping):
        raise GeometryError("err_draw_not_object", found=type(payload).__name__)
    return payload


def _geometries_of(payload: Mapping[str, Any]) -> list[object]:
    """The geometry members of a geometry, Feature or FeatureCollection."""
    kind = payload.get("type")
    if kind == "FeatureCollection":
        features = payload.get("features")
        items = features if isinstance(features, list) else []
        geometries = [(f.get("geometry") if isinstance(f, Mapping) else None) for f in items]
    elif kind == "Feature":
        geometries = [payload.get("geometry")]
    else:
        geometries = [payload]
    return geometries


def parse_drawing(payload: object) -> BaseGeometry:
    """The polygon(s) of the editor's GeoJSON (a geometry, Feature or FeatureCollection;
    text or parsed), as one shapely geometry in EPSG:4326, not yet repaired.

    Several polygons become one MultiPolygon (overlapping parts are left for
    :func:`check_drawing` to report). Raises :class:`GeometryError` listing every problem.
    """
    geometries = _geometries_of(_geojson_object(payload))
    problems: list[str] = []
    if not geometries:
        raise GeometryError("err_draw_empty")
    polygons = []
    for i, geometry in enumerate(geometries):
        polygons += _polygons(geometry, Message("draw_where_shape", n=i + 1), problems)
    vertices = sum(len(r) for p in polygons for r in p if isinstance(r, list))
    if vertices > MAX_DRAWN_VERTICES:
        raise GeometryError(
            "err_draw_too_many_vertices", count=f"{vertices:,}", limit=f"{MAX_DRAWN_VERTICES:,}"
        )
    built = []
    for i, rings in enumerate(polygons):
        if not isinstance(rings, list) or not rings:
            problems.append(Message("draw_no_rings", where=Message("draw_where_polygon", n=i + 1)))
            continue
        parsed = [
            _ring(r, Message("draw_where_ring", n=i + 1, k=k + 1), problems)
            for k, r in enumerate(rings)
        ]
        if len(problems) == 0:
            built.append(shapely.Polygon(parsed[0], parsed[1:]))
    collect(problems[:MAX_SHOWN_PROBLEMS], what=Message("draw_what_drawing"), error=GeometryError)
    return built[0] if len(built) == 1 else shapely.MultiPolygon(built)


def parse_split_lines(payload: object) -> BaseGeometry:
    """The lines drawn to split a shape (a GeoJSON FeatureCollection of LineStrings from
    the editor) as one (Multi)LineString in EPSG:4326. Raises :class:`GeometryError`."""
    features = payload.get("features") if isinstance(payload, Mapping) else None
    if not isinstance(features, list) or not features:
        raise GeometryError("err_split_none")
    if len(features) > MAX_SHOWN_PROBLEMS:
        raise GeometryError("err_split_too_many", count=len(features), limit=MAX_SHOWN_PROBLEMS)
    problems: list[str] = []
    lines = []
    for i, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, Mapping) else None
        if not (isinstance(geometry, Mapping) and geometry.get("type") == "LineString"):
            problems.append(
                Message("draw_split_not_line", where=Message("draw_where_split", n=i + 1))
            )
            continue
        coords = geometry.get("coordinates")
        if isinstance(coords, list) and len(coords) > MAX_DRAWN_VERTICES:
            where = Message("draw_where_split", n=i + 1)
            limit = f"{MAX_DRAWN_VERTICES:,}"
            problems.append(Message("draw_split_too_long", where=where, limit=limit))
            continue
        line = _ring(coords, Message("draw_where_split", n=i + 1), problems, at_least=2)
        if len(set(line)) >= 2:
            lines.append(shapely.LineString(line))
    collect(problems[:MAX_SHOWN_PROBLEMS], what=Message("draw_what_split"), error=GeometryError)
    return lines[0] if len(lines) == 1 else shapely.MultiLineString(lines)


@dataclass(frozen=True)
class DrawnFigures:
    """The statutory figures of a shape: ellipsoidal on CGCS2000, Gauss-Kruger beside."""

    area_m2: float
    """Ellipsoidal area on CGCS2000 (pyproj Geod), m²."""
    gk_area_m2: float
    """Planar area in EPSG:4543 (CGCS2000 / 3-degree Gauss-Kruger CM 102°E), m²."""
    perimeter_m: float
    """Geodesic perimeter on CGCS2000 (rings and holes), m."""
    accuracy_m: float | None
    """The accuracy the figures are rounded for (the editor's statement), m."""

    def display(self, unit: str, *, gauss_kruger: bool = False) -> str:
        """The area in ``unit`` rounded to what ``accuracy_m`` supports."""
        return area_display(
            self.gk_area_m2 if gauss_kruger else self.area_m2,
            unit=unit,
            accuracy_m=self.accuracy_m,
            perimeter_m=self.perimeter_m,
        )


def measure_drawing(shape: BaseGeometry, *, accuracy_m: float | None = None) -> DrawnFigures:
    """The figures of ``shape`` (EPSG:4326): see :class:`DrawnFigures`."""
    series = gpd.GeoSeries([shape], crs=STORAGE_CRS)
    return DrawnFigures(
        area_m2=float(ellipsoidal_area_m2(series).iloc[0]),
        gk_area_m2=float(gauss_kruger_area_m2(series).iloc[0]),
        perimeter_m=float(perimeter_m(series).iloc[0]),
        accuracy_m=accuracy_m,
    )


@dataclass(frozen=True)
class DrawingCheck:
    """What :func:`check_drawing` found: the shape to save (repaired), the uploads'
    validation report, and what refuses a save (``refused``) or only warns."""

    shape: BaseGeometry
    report: ValidationReport
    refused: tuple[Message, ...] = field(default=())
    warnings: tuple[Message, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.refused

    def repair_lines(self) -> list[str]:
        """The validation report's lines (the same words as for uploads)."""
        return self.report.messages()


def _land_findings(
    shape: BaseGeometry,
    element: Mapping[str, Any],
    plan: gpd.GeoDataFrame,
    *,
    rules: RuleSet,
    registry: Registry,
) -> tuple[list[Message], list[Message]]:
    """The land rule on the plan with ``shape`` as ``element``: (refusals, warnings)."""
    try:
        rule = rules.rule(LAND_RULE)
    except KeyError:
        return [], []
    element_id = str(element["id"])
    others = plan[plan["id"].astype(str) != element_id]
    row = {**dict(element), "geometry": shape}
    candidate = gpd.GeoDataFrame(
        pd.concat([others, gpd.GeoDataFrame([row], crs=STORAGE_CRS)], ignore_index=True),
        geometry="geometry",
        crs=STORAGE_CRS,
    )
    features = plan_features(candidate)
    features = features.set_index("key", drop=False).rename_axis(None)
    wanted = features["key"].eq(element_id) | select(features, rule.b, registry=registry)
    result = run_rule(rule, features[wanted], registry=registry)
    found = result.violations[result.violations["feature"].astype(str) == element_id]
    refused: list[Message] = []
    warnings: list[Message] = []
    for v in found.itertuples():
        text = Message(
            "draw_off_land",
            area_m2=f"{float(v.violation_m2):,.0f}",
            band_m2=f"{float(v.band_m2):,.0f}",
            tolerance_m2=f"{rule.tolerance_m2:,.0f}",
        )
        (refused if v.status == "fail" else warnings).append(text)
    return refused, warnings


def check_drawing(
    shape: BaseGeometry,
    *,
    element: Mapping[str, Any],
    plan: gpd.GeoDataFrame,
    rules: RuleSet,
    registry: Registry,
    accuracy_m: float | None = None,
) -> DrawingCheck:
    """Validate ``shape`` (EPSG:4326) as the new shape of ``element`` (its plan row:
    ``id``, ``layer``, ``level``, ``group``, ``accuracy_m`` …) in ``plan`` (pure).

    ``accuracy_m``, the editor's statement, replaces the element's own for the land
    rule's accuracy band. See the module docstring for the checks. The returned shape is
    the repaired one.
    """
    frame = gpd.GeoDataFrame({"id": [str(element["id"])]}, geometry=[shape], crs=STORAGE_CRS)
    fixed, report = repair_geometries(frame, id_column="id")
    repaired = fixed.geometry.iloc[0]
    refused: list[Message] = []
    warnings: list[Message] = []
    if repaired is None or repaired.is_empty or repaired.geom_type not in _POLYGONAL:
        refused.append(Message("draw_no_area"))
        return DrawingCheck(shape, report, tuple(refused))
    for r in report.repairs:
        warnings.append(
            Message(
                "draw_repaired",
                problem=r.problem,
                before_m2=f"{r.area_before_m2:,.0f}",
                after_m2=f"{r.area_after_m2:,.0f}",
                change_m2=f"{r.area_change_m2:+,.0f}",
            )
        )
    single = gpd.GeoDataFrame({"id": ["drawing"]}, geometry=[repaired], crs=STORAGE_CRS)
    slivers = check_topology(single)
    for width in slivers.loc[slivers["kind"] == "sliver", "width_m"]:
        refused.append(
            Message("draw_sliver", width_m=f"{float(width):.2f}", limit_m=f"{SLIVER_WIDTH_M:g}")
        )
    stated = dict(element) if accuracy_m is None else {**element, "accuracy_m": accuracy_m}
    off, near = _land_findings(repaired, stated, plan, rules=rules, registry=registry)
    return DrawingCheck(repaired, report, tuple(refused + off), tuple(warnings + near))


def split_shape(shape: BaseGeometry, line: BaseGeometry) -> list[BaseGeometry]:
    """The pieces of ``shape`` cut by ``line`` (both EPSG:4326), largest first.

    Raises :class:`GeometryError` when the line does not cross the shape from edge to
    edge (it leaves one piece)."""
    if line.geom_type not in ("LineString", "MultiLineString"):
        raise GeometryError("err_split_needs_line", kind=line.geom_type)
    pieces = [p for p in shapely.get_parts(split(shape, line)) if p.geom_type == "Polygon"]
    if len(pieces) < 2:
        raise GeometryError("err_split_no_cut")
    areas = ellipsoidal_area_m2(gpd.GeoSeries(pieces, crs=STORAGE_CRS)).to_numpy()
    return [pieces[i] for i in np.argsort(-areas)]


def merge_shapes(first: BaseGeometry, second: BaseGeometry) -> BaseGeometry:
    """The union of two shapes (EPSG:4326); a MultiPolygon when they do not touch."""
    merged = shapely.union(first, second)
    if merged.is_empty or merged.geom_type not in _POLYGONAL:
        raise GeometryError("err_merge_not_area", kind=merged.geom_type)
    return merged


def _accuracy_problem(accuracy_m: float | None) -> list[str]:
    if accuracy_m is None or not (math.isfinite(accuracy_m) and accuracy_m > 0):
        return [Message("draw_accuracy", found=repr(accuracy_m))]
    return []


def edited_frame(
    element: gpd.GeoDataFrame,
    shape: BaseGeometry,
    *,
    accuracy_m: float,
    editor: str,
) -> gpd.GeoDataFrame:
    """The element's one-row frame with ``shape`` and the provenance of an edit (a new
    frame). ``geometry_source`` becomes :data:`EDITED`, ``accuracy_m`` the editor's
    statement; the previous source is kept in ``source_detail``. A hand-drawn shape is
    no survey: it stays ``schematic`` and its comparison with a stated land figure is
    ``schematic`` (never counted as agreement)."""
    collect(_accuracy_problem(accuracy_m), what=Message("draw_what_edit"), error=InputFileError)
    if len(element) != 1:
        raise GeometryError("err_edit_rows", count=len(element))
    out = element.copy()
    before = out.iloc[0]
    detail = Message("detail_edited", editor=editor, accuracy=f"{accuracy_m:g}")
    for column, lang in (("source_detail", "en"), *DETAIL_LANGUAGES):
        if column not in out and column != "source_detail":
            continue
        previous = " — ".join(
            str(before[k])
            for k in ("geometry_source", column)
            if k in out and isinstance(before[k], str) and before[k]
        )
        said = (
            Message("detail_previously", detail=detail, previous=previous) if previous else detail
        )
        out[column] = say(said, lang)
    out[out.geometry.name] = gpd.GeoSeries([shape], index=out.index, crs=out.crs)
    out["geometry_source"] = EDITED
    out["accuracy_m"] = float(accuracy_m)
    out["schematic"] = True
    if "land_figure_check" in out:
        out["land_figure_check"] = out["land_figure_check"].where(
            out["land_figure_check"].isna(), "schematic"
        )
    return out


def new_zone_frame(
    shape: BaseGeometry,
    *,
    element_id: str,
    name_zh: str,
    name_en: str,
    layer: str,
    kind: str | None,
    level: str | None,
    accuracy_m: float | None,
    editor: str,
    taken: frozenset[str] = frozenset(),
) -> gpd.GeoDataFrame:
    """A new plan element drawn in the app: one row with every property the plan's
    schema needs (:data:`geo.plan.zones.REQUIRED_PROPERTIES`), in EPSG:4326. Raises
    :class:`InputFileError` listing every problem (id format or ``taken``, names,
    accuracy)."""
    problems = _accuracy_problem(accuracy_m)
    if not ELEMENT_ID.fullmatch(element_id):
        problems.append(Message("draw_bad_id", id=repr(element_id)))
    elif element_id in taken:
        problems.append(Message("draw_id_taken", id=repr(element_id)))
    if not name_zh.strip() or not name_en.strip():
        problems.append(Message("draw_names"))
    collect(problems, what=Message("draw_what_new_zone"), error=InputFileError)
    assert accuracy_m is not None
    row: dict[str, Any] = dict.fromkeys(REQUIRED_PROPERTIES)
    row.update(
        id=element_id, name_zh=name_zh.strip(), name_en=name_en.strip(), layer=layer,
        group=kind, level=level, geometry_source=EDITED,
        accuracy_m=float(accuracy_m), schematic=True,
    )  # fmt: skip
    drawn = Message("detail_drawn", editor=editor, accuracy=f"{accuracy_m:g}")
    assumed = Message("assumption_drawn")
    row.update(source_detail=str(drawn), assumptions=str(assumed))
    for column, lang in DETAIL_LANGUAGES:  # the zone panel says them in the page's language
        row[column] = say(drawn, lang)
        row[column.replace("source_detail", "assumptions")] = say(assumed, lang)
    return gpd.GeoDataFrame([row], geometry=[shape], crs=STORAGE_CRS)
