"""Areas enclosed by named street centrelines.

The plan bounds two areas by streets rather than by a drawn outline (第二十二条: the
university area "在联大街以南、梁王路以西、昆磨高速以东、云南白药街以北围合";
第二十五条: the financial district "东至春融东路、和谐路，南至聚贤街，西至谊康北路、
春融西路、谊康南路，北至祥和街"). These functions turn such street lines into the area
they enclose, so the polygon follows the streets and its area is a result, not a
choice.

All functions are pure and work in any *planar* coordinates (use a projected CRS such
as EPSG:4543, metres, so that tolerances are in metres). Street lines may overshoot
their crossings; the dangling ends are discarded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import shapely
from shapely.geometry import LineString, MultiLineString, Polygon
from shapely.ops import polygonize, unary_union

from geo.errors import GeometryError


def enclosed_polygon(
    lines: Mapping[str, LineString | MultiLineString],
    *,
    grid_size: float = 0.0,
    min_face_area: float = 1.0,
) -> Polygon:
    """The area enclosed by the given street lines, as one polygon.

    ``lines`` maps a street name to its centreline. The lines are noded at every
    crossing and polygonized; every bounded face is kept and the faces are merged.
    Pass only the streets that bound the area: a street passing through the area
    splits it into faces, which are merged again, so it does no harm, but a street
    that closes a second, separate loop would add that loop and raise an error.

    Raises :class:`GeometryError` when the streets enclose nothing (they do not cross)
    or enclose more than one separate area. Faces smaller than ``min_face_area``
    (square units of the input) are ignored as noding slivers.

    ``grid_size`` (input units; e.g. 0.01 for metres) nodes the lines on a fixed
    precision grid, so that streets drawn separately along one line (two names for
    two stretches that overlap) merge instead of leaving floating-point slivers that
    break every ring. 0 means full floating precision.

    >>> block = {
    ...     "north": LineString([(-1, 2), (5, 2)]),
    ...     "south": LineString([(-1, 0), (5, 0)]),
    ...     "west": LineString([(0, -1), (0, 3)]),
    ...     "east": LineString([(4, -1), (4, 3)]),
    ... }
    >>> enclosed_polygon(block).area  # 4 x 2, the overshooting ends dropped
    8.0
    """
    if not lines:
        raise GeometryError("enclosed_polygon: no street lines given; pass the bounding streets.")
    noded = shapely.union_all(list(lines.values()), grid_size=grid_size or None)
    faces = [f for f in polygonize(noded) if f.area >= min_face_area]
    if not faces:
        raise GeometryError(
            f"streets {', '.join(lines)}: they enclose no area. Check that each street "
            "reaches (or overshoots) the streets it should cross."
        )
    merged = unary_union(faces)
    if not isinstance(merged, Polygon):
        raise GeometryError(
            f"streets {', '.join(lines)}: they enclose {len(getattr(merged, 'geoms', []))} "
            "separate areas; pass only the streets that bound one area."
        )
    # The area enclosed is everything inside the outer ring: a loop of streets lying
    # wholly inside it (a block) is part of the area, not a hole in it.
    return Polygon(merged.exterior)


def street_contact_m(
    polygon: Polygon,
    lines: Mapping[str, LineString | MultiLineString],
    *,
    tolerance: float = 1.0,
) -> dict[str, float]:
    """For each street, the length of it lying on the polygon's outline (input units).

    A street counts as lying on the outline within ``tolerance``. A street that bounds
    the polygon has a positive contact length; one that misses it has 0. Used to check
    that a derived area really is bounded by each street the plan names.
    """
    ring = polygon.exterior.buffer(tolerance)
    return {name: float(shapely.intersection(line, ring).length) for name, line in lines.items()}


def missing_boundary_streets(
    polygon: Polygon,
    lines: Mapping[str, LineString | MultiLineString],
    *,
    tolerance: float = 1.0,
    min_contact: float = 1.0,
) -> Sequence[str]:
    """Names of the streets that do not bound ``polygon`` (contact below ``min_contact``)."""
    contact = street_contact_m(polygon, lines, tolerance=tolerance)
    return [name for name, length in contact.items() if length < min_contact]
