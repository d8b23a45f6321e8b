"""Adopting authoritative geometry: an uploaded layer's features replace plan elements.

The planning bureau holds the approved boundaries (控规, 用地 plans) as CAD drawings and
GIS files. Adoption is three pure steps, each testable without files or a store:

1. :func:`match_features` assigns features of an uploaded layer to plan elements by a
   name or code attribute. The column is found forgivingly: every text column is tried
   against the elements' ids and Chinese and English names (full-width/half-width,
   case, spaces and bracketed qualifiers such as "（示意）" ignored), and the column that
   matches most is used. Explicit assignments (from clicking on the map) override it.
2. :func:`propose_adoption` gives, per element, the old and new shape, their ellipsoidal
   areas (:func:`geo.measure.area.ellipsoidal_area_m2`) and the change, and the
   provenance record: ``geometry_source = "authoritative"`` with the file, its layer,
   the features, the source document the user names and the accuracy the user states.
3. :func:`adopted_zones` returns the zones with the proposal applied (a new frame; the
   input is not changed). Saving it as a new version is the store's job.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.declared.i18n import Message, say
from geo.errors import GeometryError, InputFileError, collect
from geo.measure.area import M2_PER_KM2, ellipsoidal_area_m2
from geo.measure.crs import require_crs

AUTHORITATIVE: Final = "authoritative"
"""The ``geometry_source`` of an adopted element."""
ELEMENT_KEYS: Final = ("id", "name_zh", "name_en")
"""The plan element attributes a feature's value is matched against."""
PREFERRED_COLUMNS: Final = (
    "id",
    "code",
    "编号",
    "代码",
    "name_zh",
    "name",
    "名称",
    "用地名称",
    "地块名称",
    "name_en",
    "cad_text",
    "cad_layer",
)
"""Column names tried first when two columns match equally many features."""
FEATURE_ID_COLUMNS: Final = ("cad_handle", "id", "fid", "objectid", "编号", "地块编号", "bsm")
"""Columns that name a feature in the provenance record beside its position (#1, #2 …)."""
_AREAL: Final = (3, 6, 7)  # shapely type ids: Polygon, MultiPolygon, GeometryCollection
_BRACKETS: Final = re.compile(r"[(\[【][^)\]】]*[)\]】]")
_NOISE: Final = re.compile(r"[\s\-_·•.,;:/\\'\"]+")


def normalise_name(value: object) -> str:
    """A name as it is compared: NFKC (full-width → half-width), case folded, spaces and
    punctuation removed. ``'Ｃity Core '`` and ``'city-core'`` both give ``'citycore'``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return _NOISE.sub("", text)


def _keys(value: object) -> tuple[str, ...]:
    """The normalised value, and without bracketed qualifiers ('大学城（示意）' → '大学城')."""
    full = normalise_name(value)
    bare = normalise_name(_BRACKETS.sub("", unicodedata.normalize("NFKC", str(value))))
    return tuple(dict.fromkeys(k for k in (full, bare) if k))


def _element_index(zones: gpd.GeoDataFrame) -> dict[str, str | None]:
    """Normalised id/name → element id; None where two elements share the key."""
    index: dict[str, str | None] = {}
    for row in zones.itertuples(index=False):
        element = str(row.id)
        for attr in ELEMENT_KEYS:
            for key in _keys(getattr(row, attr, None)):
                if index.get(key, element) != element:
                    index[key] = None  # ambiguous: never matched
                else:
                    index[key] = element
    return index


@dataclass(frozen=True)
class Matching:
    """Which feature goes to which plan element, and what could not be matched."""

    column: str | None
    """The attribute matched on (None: explicit assignments only)."""
    assignments: dict[int, str]
    """Feature position (0-based, in the uploaded layer) → plan element id."""
    unmatched: tuple[int, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())


def _text_columns(layer: gpd.GeoDataFrame) -> list[str]:
    return [
        str(c)
        for c in layer.columns
        if c != layer.geometry.name
        and (layer[c].dtype == object or pd.api.types.is_string_dtype(layer[c]))
    ]


def _match_column(
    layer: gpd.GeoDataFrame, column: str, index: Mapping[str, str | None]
) -> dict[int, str]:
    found: dict[int, str] = {}
    for pos, value in enumerate(layer[column].to_numpy()):
        for key in _keys(value):
            element = index.get(key)
            if element is not None:
                found[pos] = element
                break
    return found


def match_features(
    layer: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    column: str | None = None,
    assignments: Mapping[int, str] | None = None,
) -> Matching:
    """Assign features of ``layer`` to plan elements of ``zones`` (pure).

    ``column`` names the attribute to match on; by default every text column is tried
    and the one matching most features wins (ties: :data:`PREFERRED_COLUMNS` order).
    ``assignments`` (feature position → element id) are added and win over matches.
    Raises :class:`InputFileError` for an unknown column or element id.
    """
    known = set(zones["id"].astype(str))
    problems: list[str] = [
        Message("adopt_no_element", n=pos + 1, element=repr(element))
        for pos, element in (assignments or {}).items()
        if element not in known
    ]
    problems += [
        Message("adopt_no_feature", n=pos + 1, count=len(layer))
        for pos in (assignments or {})
        if not 0 <= pos < len(layer)
    ]
    if column is not None and column not in layer.columns:
        columns = ", ".join(_text_columns(layer)) or Message("dxf_none")
        problems.append(Message("adopt_no_column", column=repr(column), columns=columns))
    collect(problems, what=Message("adopt_what_assignment"), error=InputFileError)
    index = _element_index(zones)
    notes: list[str] = []
    candidates = [column] if column is not None else _text_columns(layer)
    rank = {c: i for i, c in enumerate(PREFERRED_COLUMNS)}
    best: tuple[str | None, dict[int, str]] = (None, {})
    scored = []
    for candidate in candidates:
        found = _match_column(layer, candidate, index)
        scored.append((-len(found), rank.get(candidate.casefold(), len(rank)), candidate, found))
    scored.sort(key=lambda t: (t[0], t[1]))
    if scored and (scored[0][0] < 0 or column is not None):
        best = (scored[0][2], scored[0][3])
        notes.append(
            Message("note_matched_on", column=repr(best[0]), count=len(best[1]), of=len(layer))
        )
    elif not assignments:
        notes.append(Message("note_no_matching_column"))
    chosen = {**best[1], **dict(assignments or {})}
    unmatched = tuple(pos for pos in range(len(layer)) if pos not in chosen)
    return Matching(best[0], chosen, unmatched, tuple(notes))


@dataclass(frozen=True)
class SourceDocument:
    """What the user states about the authoritative file."""

    file: str
    """The file name as uploaded."""
    document: str
    """The document the geometry comes from, e.g. an approval number (批复文号)."""
    accuracy_m: float
    """The positional accuracy the user states, in metres."""
    layer: str | None = None
    """The layer of the file (GeoPackage layer, CAD layer), if one was chosen."""


def _feature_labels(layer: gpd.GeoDataFrame) -> list[str]:
    for column in layer.columns:
        if str(column).strip().casefold() in FEATURE_ID_COLUMNS:
            values = layer[column].astype(str).to_list()
            return [f"#{pos + 1} ({column}={v})" for pos, v in enumerate(values)]
    return [f"#{pos + 1}" for pos in range(len(layer))]


def provenance(source: SourceDocument, features: list[str]) -> dict[str, object]:
    """The provenance of an adopted element (the zone columns it sets)."""
    where = (
        Message("adopt_file_layer", file=source.file, layer=source.layer)
        if source.layer
        else source.file
    )
    detail = Message(
        "detail_authoritative",
        where=where,
        features=", ".join(features),
        document=source.document,
        accuracy=f"{source.accuracy_m:g}",
    )
    return {
        "geometry_source": AUTHORITATIVE,
        "source_detail": str(detail),
        "source_detail_zh": say(detail, "zh"),  # the zone panel says the page's language
        "source_detail_en": say(detail, "en"),
        "accuracy_m": float(source.accuracy_m),
        "schematic": False,
        "source_file": source.file,
        "source_layer": source.layer,
        "source_features": ", ".join(features),
        "source_document": source.document,
    }


def _check_source(source: SourceDocument) -> list[str]:
    problems: list[str] = []
    if not source.document.strip():
        problems.append(Message("adopt_no_document"))
    if not (math.isfinite(source.accuracy_m) and source.accuracy_m > 0):
        problems.append(Message("adopt_bad_accuracy", found=repr(source.accuracy_m)))
    return problems


@dataclass(frozen=True)
class Proposal:
    """The proposed replacement: one row per adopted element (``table``), the new shapes
    (``shapes``, EPSG:4326, index = element id) and the provenance of each."""

    table: pd.DataFrame
    shapes: gpd.GeoSeries
    provenance: dict[str, dict[str, object]]
    notes: tuple[str, ...] = field(default=())


def propose_adoption(
    layer: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    matching: Matching,
    *,
    source: SourceDocument,
) -> Proposal:
    """Old and new shape and area of every matched element, and its provenance (pure).

    Several features assigned to one element are united. ``table`` columns: ``id``,
    ``name_zh``, ``name_en``, ``features``, ``old_geometry_source``, ``old_area_m2``,
    ``new_area_m2``, ``delta_m2`` (new − old), ``delta_share`` (Δ / old; NaN when the
    element had no area), ``plan_land_m2`` (the plan's stated figure, if any). Areas are
    ellipsoidal on CGCS2000. Raises :class:`GeometryError` when an assigned feature has
    no area, :class:`InputFileError` for a source without document or accuracy.
    """
    require_crs(layer, name="uploaded layer")
    collect(_check_source(source), what=Message("adopt_what_source"), error=InputFileError)
    require_crs(zones, name="plan zones")
    geoms = np.asarray(layer.to_crs(zones.crs).geometry.array)
    labels = _feature_labels(layer)
    areal = np.isin(shapely.get_type_id(geoms), _AREAL) & ~shapely.is_empty(geoms)
    problems: list[str] = [
        Message(
            "adopt_not_polygon",
            label=labels[pos],
            element=element,
            kind=layer.geometry.iloc[pos].geom_type,
        )
        if layer.geometry.iloc[pos] is not None
        else Message("adopt_no_geometry", label=labels[pos], element=element)
        for pos, element in matching.assignments.items()
        if not areal[pos]
    ]
    collect(problems, what=Message("adopt_what_features"), error=GeometryError)
    by_element: dict[str, list[int]] = {}
    for pos, element in sorted(matching.assignments.items()):
        by_element.setdefault(element, []).append(pos)
    if not by_element:
        raise InputFileError("err_nothing_assigned")
    zones_by_id = zones.set_index(zones["id"].astype(str), drop=False)
    ids = list(by_element)
    new = gpd.GeoSeries(
        [shapely.union_all(geoms[by_element[e]]) for e in ids], index=ids, crs=zones.crs
    )
    old = gpd.GeoSeries(zones_by_id.loc[ids].geometry.to_numpy(), index=ids, crs=zones.crs)
    old_m2 = ellipsoidal_area_m2(old.fillna(shapely.Polygon())).to_numpy()
    new_m2 = ellipsoidal_area_m2(new).to_numpy()
    rows = zones_by_id.loc[ids]
    stated = rows["plan_land_km2"] if "plan_land_km2" in rows else pd.Series(np.nan, index=ids)
    plan_m2 = pd.to_numeric(stated, errors="coerce").to_numpy(dtype=float) * M2_PER_KM2
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(old_m2 > 0, (new_m2 - old_m2) / old_m2, np.nan)
    table = pd.DataFrame(
        {
            "id": ids,
            "name_zh": rows["name_zh"].to_numpy() if "name_zh" in rows else None,
            "name_en": rows["name_en"].to_numpy() if "name_en" in rows else None,
            "features": [", ".join(labels[p] for p in by_element[e]) for e in ids],
            "old_geometry_source": rows["geometry_source"].to_numpy()
            if "geometry_source" in rows
            else None,
            "old_area_m2": old_m2,
            "new_area_m2": new_m2,
            "delta_m2": new_m2 - old_m2,
            "delta_share": share,
            "plan_land_m2": plan_m2,
        }
    )
    records = {e: provenance(source, [labels[p] for p in by_element[e]]) for e in ids}
    notes = list(matching.notes)
    several = [e for e in ids if len(by_element[e]) > 1]
    if several:
        notes.append(Message("note_united", elements=", ".join(several)))
    return Proposal(table, new, records, tuple(notes))


def adopted_zones(zones: gpd.GeoDataFrame, proposal: Proposal) -> gpd.GeoDataFrame:
    """The zones with the proposal applied: new shapes and provenance (a new frame).

    Provenance columns the zones lack (``source_file``, ``source_document``, …) are
    added, empty for the other elements. An adopted element with a stated land figure is
    read as ``independent`` against it (``land_figure_check``).
    """
    out = zones.copy()
    position = pd.Index(out["id"].astype(str))
    for element, record in proposal.provenance.items():
        row = out.index[position.get_loc(element)]
        out.loc[row, out.geometry.name] = proposal.shapes.loc[element]
        for key, value in record.items():
            if key not in out.columns:
                out[key] = None
            out.loc[row, key] = value
        if "land_figure_check" in out.columns and pd.notna(out.loc[row, "land_figure_check"]):
            # the bureau's shape was not drawn to the plan's figure (geo.plan.check)
            out.loc[row, "land_figure_check"] = "independent"
    return out


@dataclass(frozen=True)
class AdoptionEdit:
    """One adopted element as a new version is saved (``geo.store.store.Store.edit``):
    its zone row with the new shape and provenance, and the source and accuracy texts."""

    element_id: str
    frame: gpd.GeoDataFrame
    source: str
    accuracy: str


def adoption_edits(zones: gpd.GeoDataFrame, proposal: Proposal) -> list[AdoptionEdit]:
    """The proposal as one edit per element, in the proposal's order (pure)."""
    adopted = adopted_zones(zones, proposal)
    ids = adopted["id"].astype(str)
    edits = []
    for element, record in proposal.provenance.items():
        row = adopted[(ids == element).to_numpy()].reset_index(drop=True)
        accuracy = (
            f"{float(str(record['accuracy_m'])):g} m, as stated by the user for "
            f"{record['source_document']}"
        )
        edits.append(AdoptionEdit(element, row, str(record["source_detail"]), accuracy))
    return edits
