"""DXF drawings from CAD: closed polylines become polygons; everything else is listed.

A planning bureau's boundaries (控规, 用地 plans) come as CAD drawings. The file is read
in three steps, all bounded:

1. :func:`scan_dxf` reads the group codes by pattern, without GDAL and without a Python
   loop over coordinates: that every code is a whole number (a damaged file is refused
   with its line), the header (``$ACADVER``, ``$DWGCODEPAGE``, ``$INSUNITS``), every
   entity's type and handle, and enough counts to refuse a drawing that would expand
   beyond the upload limits (tessellated arcs, block grids) before GDAL builds a single
   geometry;
2. the text encoding is decided (R2007 and later are UTF-8; older files name a code page,
   ``ANSI_936`` being GBK; a header that contradicts the text is reported; the user may
   choose) and the file is handed to GDAL as UTF-8 (GDAL itself never recodes DXF text,
   :data:`geo.gdal.DXF_READING`);
3. GDAL's DXF driver reads the model-space entities (blocks are not expanded). Closed
   LWPOLYLINE/POLYLINE entities become polygons; open ones are reported by handle and CAD
   layer, never closed; blocks, hatches, text, dimensions, points, lines, arcs, circles
   and paper-space entities are listed and ignored; Z values are dropped, with a note.

A DXF declares no CRS: :mod:`geo.upload.load` proposes ranked candidates (Gauss-Kruger
with or without the zone number, …) for the user to confirm.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.declared.i18n import Joined, Message, Names
from geo.errors import InputFileError
from geo.io import read_vector
from geo.upload.formats import FORMATS, RawLayer, codec_for
from geo.upload.settings import UploadSettings
from geo.upload.shapefile import detect_text_encoding

DRIVERS: Final = FORMATS["dxf"].drivers
GDAL_LAYER: Final = "entities"
"""The layer of GDAL's DXF driver holding the model- and paper-space entities."""

POLYLINES: Final = frozenset({"LWPOLYLINE", "POLYLINE"})
_SUBENTITIES: Final = frozenset({"VERTEX", "SEQEND", "ATTRIB"})
_LABELS: Final = frozenset({"TEXT", "MTEXT"})
_CURVES: Final = frozenset({"CIRCLE", "ARC", "ELLIPSE", "SPLINE"})
ARC_VERTICES: Final = 90
"""Vertices GDAL makes of a full circle (OGR_ARC_STEPSIZE, 4°): the estimate per curve."""
DIMENSION_FEATURES: Final = 12
"""Features GDAL makes of one dimension (lines, arrow heads, text), about."""
_MESH: Final = 16 | 64  # POLYLINE flags: 3D polygon mesh, polyface mesh
R2007: Final = 1021
"""``$ACADVER`` AC1021 (AutoCAD 2007) and later: text is UTF-8 whatever the code page."""
COLUMNS: Final = ("cad_layer", "cad_handle", "cad_entity", "cad_text")
"""Attributes of an imported polygon: its CAD layer, entity handle and type, and the text
labels (TEXT/MTEXT) that lie inside it."""

_KIND_NAMES: Final[dict[str, tuple[str, str]]] = {
    "INSERT": ("block reference", "块参照"),
    "HATCH": ("hatch", "填充图案"),
    "SOLID": ("solid fill", "实体填充"),
    "TEXT": ("text", "文字"),
    "MTEXT": ("text", "文字"),
    "ATTDEF": ("attribute definition", "属性定义"),
    "DIMENSION": ("dimension", "标注"),
    "LEADER": ("leader", "引线"),
    "MLEADER": ("leader", "引线"),
    "POINT": ("point", "点"),
    "LINE": ("line", "直线"),
    "ARC": ("arc", "圆弧"),
    "CIRCLE": ("circle", "圆"),
    "ELLIPSE": ("ellipse", "椭圆"),
    "SPLINE": ("spline", "样条曲线"),
    "3DFACE": ("3D face", "三维面"),
    "IMAGE": ("image", "图像"),
    "VIEWPORT": ("viewport", "视口"),
}
"""Entity type → (English, Chinese) name, as the ignored entities are listed."""
_SEMICOLON: Final = Message("sep_semicolon")
_COMMA: Final = Message("sep_comma")

# Records (group code 0 and the record type) with the handle when it follows at once,
# as every CAD program writes it. A value line is never followed by a letter-led line
# that is a code, so a value "0" cannot be taken for a record. Anchored on the line break
# (not ``(?m)^``): three times faster on a 50 MB drawing.
_RECORD: Final = re.compile(
    rb"\n[ \t]*0[ \t]*\r?\n([A-Z_][A-Z0-9_]*)[ \t]*\r?(?=\n)"
    rb"(?:\n[ \t]*5[ \t]*\r?\n([0-9A-Fa-f]+)[ \t]*\r?(?=\n))?"
)
"""Every pattern here starts at a line break and leaves the next one unread."""
_SECTION: Final = re.compile(rb"\n[ \t]*2[ \t]*\r?\n([A-Z]+)[ \t]*\r?(?=\n)")
_VARIABLE: Final = re.compile(
    rb"\n[ \t]*9[ \t]*\r?\n(\$[A-Z0-9_]+)[ \t]*\r?\n[ \t]*\d+[ \t]*\r?\n([^\r\n]*)"
)
_CODE_70_71: Final = re.compile(rb"\n[ \t]*(7[01])[ \t]*\r?\n[ \t]*(-?\d+)[ \t]*\r?(?=\n)")
_PAIRS: Final = re.compile(rb"(?:[ \t]*+-?\d{1,4}+[ \t]*+\r?\n[^\n]*+\n)*+")
"""Group code / value pairs from the start, as far as they go (possessive: no
backtracking state; 0.6 s for 70 MB)."""
_LAST_PAIR: Final = re.compile(rb"[ \t]*-?\d{1,4}[ \t]*\r?\n[^\n]*\s*\Z")
_HIGH_BYTE: Final = re.compile(rb"[\x80-\xff]")


def _non_ascii_lines(data: bytes) -> list[bytes]:
    """Every distinct line holding a byte above 127 (text: layer names, labels)."""
    found: dict[bytes, None] = {}
    pos = 0
    while (m := _HIGH_BYTE.search(data, pos)) is not None:
        start = data.rfind(b"\n", 0, m.start()) + 1
        end = data.find(b"\n", m.start())
        end = len(data) if end < 0 else end
        found[data[start:end].rstrip(b"\r")] = None
        pos = end + 1
    return list(found)


def _count_code(data: bytes, code: bytes, start: int, end: int) -> int:
    """Lines holding just ``code`` in data[start:end], aligned and ended as the file's
    first line is (a value line that reads the same counts too: an estimate)."""
    newline = b"\r\n" if b"\r\n" in data[:4096] else b"\n"
    first = data[: data.find(b"\n")].rstrip(b"\r")
    width = len(first) if first.strip() == b"0" else 0
    return data.count(b"\n" + code.rjust(width) + newline, start, end)


@dataclass(frozen=True)
class DxfScan:
    """What :func:`scan_dxf` finds in a DXF's group codes (no geometry is built)."""

    version: str | None
    """``$ACADVER``, e.g. ``"AC1015"`` (DXF 2000)."""
    codepage: str | None
    """``$DWGCODEPAGE``, e.g. ``"ANSI_936"`` (GBK)."""
    insunits: int | None
    """``$INSUNITS``: 0 unitless, 4 millimetres, 6 metres, …"""
    polylines: dict[str, tuple[str, int]]
    """Model- and paper-space LWPOLYLINE/POLYLINE entities: handle → (type, flags; the
    flags are read for POLYLINE only, to tell meshes: GDAL closes flagged rings itself)."""
    kinds: Counter[str] = field(default_factory=Counter)
    """Entity type → count, in the ENTITIES section."""
    labels: frozenset[str] = frozenset()
    """Handles of the TEXT/MTEXT entities (not the text that dimensions draw)."""
    unhandled: int = 0
    """Entities without a handle (group code 5)."""
    vertices_estimate: int = 0
    features_estimate: int = 0

    @property
    def version_number(self) -> int | None:
        """1015 for ``AC1015``; None when absent or unreadable."""
        digits = (self.version or "")[2:]
        return int(digits) if digits.isdigit() else None


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


Record = tuple[bytes, bytes | None, int, int]
"""A record: its type, handle (if written first), where it starts and where its codes start."""


def _sections(
    data: bytes, records: list[Record], name: str
) -> dict[bytes, tuple[int, int, int, int]]:
    """Section name → (first byte, end byte, first record, end record); a section without
    ENDSEC is a truncated file."""
    out: dict[bytes, tuple[int, int, int, int]] = {}
    marks = [i for i, r in enumerate(records) if r[0] in (b"SECTION", b"ENDSEC", b"EOF")]
    for i, j in zip(marks, [*marks[1:], None], strict=True):
        kind, _handle, _start, after = records[i]
        title = _SECTION.match(data, after) if kind == b"SECTION" else None
        if title is None:
            continue
        if j is None or records[j][0] != b"ENDSEC":
            section = title.group(1).decode("ascii", "replace")
            raise InputFileError("err_dxf_truncated", name=name, section=section)
        out[title.group(1)] = (title.end(), records[j][2], i + 1, j)
    if b"ENTITIES" not in out:
        raise InputFileError("err_dxf_no_entities", name=name)
    return out


def _check_pairs(data: bytes, name: str) -> None:
    """Refuse a file whose group codes stop being whole numbers before its end."""
    stop = _PAIRS.match(data)
    end = stop.end() if stop else 0
    if end < len(data) and not _LAST_PAIR.match(data, end) and data[end:].strip(b" \t\r\n\x1a"):
        raise InputFileError("err_dxf_damaged", name=name, line=f"{_line_of(data, end):,}")


def _header(data: bytes, sections: dict[bytes, tuple[int, int, int, int]]) -> dict[bytes, bytes]:
    """The HEADER section's variables ($ACADVER …) and their values (first one wins)."""
    header: dict[bytes, bytes] = {}
    if b"HEADER" in sections:
        h0, h1, _r0, _r1 = sections[b"HEADER"]
        for m in _VARIABLE.finditer(data, h0, h1):
            header.setdefault(m.group(1), m.group(2).strip())
    return header


@dataclass
class _Entities:
    """What the ENTITIES section's records say, gathered by :func:`_scan_entities`."""

    kinds: Counter[str] = field(default_factory=Counter)
    polylines: dict[str, tuple[str, int]] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)
    unhandled: int = 0
    grid_extra: int = 0


def _scan_entities(
    data: bytes, records: list[Record], sections: dict[bytes, tuple[int, int, int, int]]
) -> _Entities:
    """Every entity's type and handle; POLYLINE flags; the extra copies of block grids."""
    found = _Entities()
    _e0, e1, r0, r1 = sections[b"ENTITIES"]
    for i in range(r0, r1):
        raw_kind, raw_handle, _start, after = records[i]
        kind = raw_kind.decode("ascii")
        if kind in _SUBENTITIES:
            continue
        found.kinds[kind] += 1
        if raw_handle is None:
            found.unhandled += 1
            continue
        end = records[i + 1][2] if i + 1 < r1 else e1
        _note_entity(found, kind, raw_handle.decode("ascii").upper(), data[after:end])
    return found


def _note_entity(found: _Entities, kind: str, handle: str, codes: bytes) -> None:
    if kind == "LWPOLYLINE":  # closed ones come from GDAL with the ring closed
        found.polylines[handle] = (kind, 0)
    elif kind == "POLYLINE":  # a short record: its VERTEX records follow
        flags = {c: int(v) for c, v in _CODE_70_71.findall(codes)}
        found.polylines[handle] = (kind, flags.get(b"70", 0))
    elif kind in _LABELS:
        found.labels.add(handle)
    elif kind == "INSERT":
        grid = {c: int(v) for c, v in _CODE_70_71.findall(codes)}
        found.grid_extra += max(grid.get(b"70", 1), 1) * max(grid.get(b"71", 1), 1) - 1


def _vertices_estimate(
    data: bytes, records: list[Record], sections: dict[bytes, tuple[int, int, int, int]]
) -> int:
    """Vertices GDAL will make: coordinates, plus :data:`ARC_VERTICES` per curve or bulge."""
    vertices = curves = 0
    for section in (b"ENTITIES", b"BLOCKS"):
        if section in sections:
            s0, s1, q0, q1 = sections[section]
            vertices += _count_code(data, b"10", s0, s1)
            curves += _count_code(data, b"42", s0, s1)  # bulges: arcs within polylines
            curves += sum(1 for k, *_ in records[q0:q1] if k.decode("ascii") in _CURVES)
    return vertices + curves * ARC_VERTICES


def scan_dxf(data: bytes, name: str) -> DxfScan:
    """Read what is needed before GDAL from an ASCII DXF, by pattern (no geometry built,
    no Python loop over coordinates): the header, every entity's type and handle, the
    flags of old-style POLYLINEs and block grids, and size estimates.

    Raises :class:`InputFileError` for a DXF without an ENTITIES section or one cut off
    inside a section.
    """
    _check_pairs(data, name)
    records: list[Record] = [
        (m.group(1), m.group(2), m.start(), m.end()) for m in _RECORD.finditer(b"\n" + data)
    ]
    records = [(k, h, max(a - 1, 0), b - 1) for k, h, a, b in records]  # without the "\n"
    sections = _sections(data, records, name)
    header = _header(data, sections)
    found = _scan_entities(data, records, sections)
    version = header.get(b"$ACADVER")
    codepage = header.get(b"$DWGCODEPAGE")
    units = header.get(b"$INSUNITS")
    kinds = found.kinds
    return DxfScan(
        version=version.decode("ascii", "replace") if version else None,
        codepage=codepage.decode("ascii", "replace").upper() if codepage else None,
        insunits=_int(units) if units is not None else None,
        polylines=found.polylines,
        kinds=kinds,
        labels=frozenset(found.labels),
        unhandled=found.unhandled,
        vertices_estimate=_vertices_estimate(data, records, sections),
        features_estimate=sum(kinds.values())
        + found.grid_extra
        + kinds["DIMENSION"] * (DIMENSION_FEATURES - 1),
    )


def _int(value: bytes) -> int:
    try:
        return int(value.strip())
    except ValueError:
        return 0


def _check_estimates(scan: DxfScan, name: str, settings: UploadSettings) -> None:
    """Refuse, before GDAL reads it, a drawing that would exceed the upload limits."""
    if scan.vertices_estimate > settings.max_vertices:
        raise InputFileError(
            "err_dxf_vertices",
            name=name,
            estimate=f"{scan.vertices_estimate:,}",
            limit=f"{settings.max_vertices:,}",
        )
    if scan.features_estimate > settings.max_features:
        raise InputFileError(
            "err_dxf_features",
            name=name,
            estimate=f"{scan.features_estimate:,}",
            limit=f"{settings.max_features:,}",
        )


# ---------------------------------------------------------------------------- encoding


def _header_codec(scan: DxfScan) -> tuple[str, str, list[str]]:
    """(codec, where it comes from, notes) as the header says."""
    number = scan.version_number
    if number is not None and number >= R2007:
        return "utf-8", Message("enc_dxf_utf8", version=scan.version), []
    page = scan.codepage
    if page is None:
        return "cp1252", Message("enc_dxf_no_codepage"), []
    digits = page.removeprefix("ANSI_").removeprefix("DOS")
    try:
        return codecs.lookup(f"cp{digits}").name, Message("enc_dxf_codepage", page=page), []
    except LookupError:
        note = Message("note_dxf_unknown_codepage", page=repr(page))
        return "cp1252", Message("enc_dxf_default"), [note]


def _failures(values: list[bytes], codec: str) -> int:
    bad = 0
    for value in values:
        try:
            value.decode(codec)
        except UnicodeDecodeError:
            bad += 1
    return bad


def _has_cjk(values: list[bytes], codec: str) -> bool:
    return any(
        "\u4e00" <= ch <= "\u9fff" for v in values for ch in v.decode(codec, errors="ignore")
    )


def text_codec(
    data: bytes, scan: DxfScan, *, encoding: str | None, name: str
) -> tuple[str, str, list[str]]:
    """(codec, how it was chosen, notes) for the drawing's text (layer names, labels).

    The user's choice wins (refused when the text is not valid in it); otherwise the
    header, unless the text contradicts it: text that is valid UTF-8, or Chinese in
    GB18030 under the Western default ANSI_1252 (a common mislabel), is read so, with a
    note.
    """
    values = _non_ascii_lines(data)
    if encoding is not None:
        codec = codec_for(encoding, name)
        bad = _failures(values, codec)
        if bad:
            raise InputFileError("err_dxf_not_encoding", name=name, count=bad, encoding=encoding)
        return codec, Message("enc_chosen"), []
    codec, source, notes = _header_codec(scan)
    if not values:
        return codec, source, notes
    fits = _failures(values, codec) == 0
    single_byte = codec.startswith("cp125")
    if fits and not single_byte:
        return codec, source, notes
    detected = detect_text_encoding(values)
    if detected not in (None, "ascii", codec) and (
        not fits or detected == "utf-8" or _has_cjk(values, detected)
    ):
        said = "note_dxf_header_other" if fits else "note_dxf_header_invalid"
        notes.append(Message(said, source=source, detected=detected))
        return str(detected), Message("enc_dxf_detected", source=source), notes
    if fits:
        return codec, source, notes
    raise InputFileError("err_dxf_unknown_encoding", name=name, source=source)


def as_utf8(data: bytes, codec: str, name: str) -> bytes:
    """The drawing as UTF-8 (what GDAL is told to expect), the header's code page kept."""
    if codec in ("utf-8", "ascii"):
        return data
    try:
        return data.decode(codec).encode("utf-8")
    except UnicodeDecodeError as exc:
        line = f"{_line_of(data, exc.start):,}"
        raise InputFileError(
            "err_dxf_line_not_encoding", name=name, line=line, codec=codec
        ) from exc


# ---------------------------------------------------------------------------- entities

_UNITS: Final[dict[int, Names]] = {
    1: Names(zh="英寸", en="inches"),
    2: Names(zh="英尺", en="feet"),
    4: Names(zh="毫米", en="millimetres"),
    5: Names(zh="厘米", en="centimetres"),
}


def _ignored(scan: DxfScan, texts: list[str], paper: int) -> str | None:
    """The entities that are not polygons, in words ('2 texts (大学城, …), 1 hatch')."""
    counts: Counter[tuple[str, str]] = Counter()
    for kind, n in scan.kinds.items():
        if kind not in POLYLINES:
            counts[_KIND_NAMES.get(kind, (kind.lower(), kind.lower()))] += n
    if not counts and not paper:
        return None
    parts: list[Message] = []
    for (label, label_zh), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        plural = label if n == 1 else f"{label}s"
        extra = ""
        if label == "text" and texts:
            shown = ", ".join(texts[:5]) + (", …" if len(texts) > 5 else "")
            extra = f" ({shown})"
        named = Names(zh=label_zh, en=plural)
        parts.append(Message("dxf_ignored_kind", count=f"{n:,}", kind=named, extra=extra))
    if paper:
        parts.append(Message("dxf_ignored_paper", count=f"{paper:,}"))
    key = "note_dxf_ignored_labels" if texts else "note_dxf_ignored"
    return Message(key, parts=Joined(tuple(parts), _SEMICOLON))


def _open_note(open_rows: list[tuple[str, str, float]]) -> str:
    listed = Joined(
        tuple(
            Message("dxf_open_row", handle=h, layer=repr(layer), gap=f"{gap:,.2f}")
            for h, layer, gap in open_rows[:10]
        ),
        _SEMICOLON,
    )
    more = Message("dxf_more", count=len(open_rows) - 10) if len(open_rows) > 10 else ""
    return Message("note_dxf_open", count=len(open_rows), listed=listed, more=more)


def _texts(frame: gpd.GeoDataFrame, handles: pd.Series, scan: DxfScan) -> gpd.GeoDataFrame:
    """TEXT/MTEXT labels in model space: their text and insertion point."""
    if "Text" not in frame.columns:
        return gpd.GeoDataFrame({"text": []}, geometry=gpd.GeoSeries([]))
    keep = frame["Text"].notna() & handles.isin(scan.labels) & ~_paper(frame)
    keep &= np.asarray(frame.geometry.geom_type == "Point")
    labels = frame.loc[keep]
    return gpd.GeoDataFrame(
        {"text": labels["Text"].astype(str).str.strip()},
        geometry=shapely.force_2d(np.asarray(labels.geometry.array)),
    )


def _paper(frame: gpd.GeoDataFrame) -> pd.Series:
    if "PaperSpace" not in frame.columns:
        return pd.Series(False, index=frame.index)
    values = pd.array(frame["PaperSpace"], dtype="boolean").fillna(False)
    return pd.Series(np.asarray(values, dtype=bool), index=frame.index)


def _labels_inside(polygons: np.ndarray, texts: gpd.GeoDataFrame) -> list[str | None]:
    """For each polygon, the labels whose insertion point lies inside, joined by ' / '."""
    out: list[str | None] = [None] * len(polygons)
    if texts.empty or not len(polygons):
        return out
    tree = shapely.STRtree(np.asarray(texts.geometry.array))
    poly_i, text_i = tree.query(polygons, predicate="contains_properly")
    values = texts["text"].to_numpy()
    for p in np.unique(poly_i):
        found = [str(values[t]) for t in text_i[poly_i == p] if str(values[t])]
        out[int(p)] = " / ".join(dict.fromkeys(found)) or None
    return out


@dataclass(frozen=True)
class _Polylines:
    """The drawing's own polylines among GDAL's entities (model space, no meshes)."""

    picked: np.ndarray
    """Positions in GDAL's frame."""
    handles: np.ndarray
    layers: np.ndarray
    kinds: np.ndarray
    meshes: int
    paper: int


def _drawing_polylines(frame: gpd.GeoDataFrame, scan: DxfScan) -> _Polylines:
    """Which of GDAL's line features are the drawing's polylines (the parts of a
    dimension or a block carry the handle of their dimension or insert, not of a
    polyline); meshes and paper-space polylines are counted and left out."""
    handles = frame.get("EntityHandle", pd.Series(None, index=frame.index)).astype(str)
    handles = handles.str.upper()
    cad_layers = frame.get("Layer", pd.Series("0", index=frame.index)).fillna("0").astype(str)
    paper = _paper(frame).to_numpy()
    geoms = np.asarray(frame.geometry.array)
    entries = [scan.polylines.get(h) for h in handles]
    kinds = np.array([e[0] if e else "" for e in entries], dtype=object)
    flags = np.array([e[1] if e else 0 for e in entries], dtype=np.int64)
    # A polyline of the drawing, drawn by GDAL as one line.
    ours = (kinds != "") & np.asarray(shapely.get_type_id(geoms) == 1)
    ours &= ~pd.Series(handles).where(ours).duplicated(keep="first").to_numpy() | ~ours
    mesh = (kinds == "POLYLINE") & ((flags & _MESH) != 0)
    meshes = int(np.sum(ours & mesh))
    ours &= ~mesh
    paper_lines = int(np.sum(ours & paper))
    ours &= ~paper
    return _Polylines(
        picked=np.flatnonzero(ours),
        handles=handles.to_numpy(dtype=object),
        layers=cad_layers.to_numpy(dtype=object),
        kinds=kinds,
        meshes=meshes,
        paper=paper_lines,
    )


@dataclass(frozen=True)
class _Rings:
    """Per picked polyline: closed or not, the gap between its ends, and its polygon when
    it is a ring (``ring_ok``); ``z`` the non-zero elevations of the kept ones."""

    closed: np.ndarray
    gap_m: np.ndarray
    ring_ok: np.ndarray
    polygons: np.ndarray
    z: np.ndarray


def _rings(lines: np.ndarray) -> _Rings:
    """Polygons of the closed lines with at least 3 distinct vertices and an area (built
    vectorised; GDAL repeats the first vertex of a polyline flagged closed)."""
    coords, owner = shapely.get_coordinates(lines, include_z=True, return_index=True)
    counts = np.bincount(owner, minlength=len(lines))
    top = max(len(coords) - 1, 0)
    first = np.minimum(np.cumsum(counts) - counts, top)
    last = np.clip(first + counts - 1, 0, top)
    ends = (coords[first, :2], coords[last, :2]) if len(coords) else (np.zeros((0, 2)),) * 2
    closed = (counts > 0) & np.all(ends[0] == ends[1], axis=1)
    ring_ok = closed & (counts >= 4)
    candidates = np.flatnonzero(ring_ok)
    in_ring = ring_ok[owner]
    polygons = np.full(len(lines), None, dtype=object)
    polygons[candidates] = shapely.polygons(
        shapely.linearrings(
            coords[in_ring, :2], indices=np.searchsorted(candidates, owner[in_ring])
        )
    )
    ring_ok[candidates] &= np.asarray(shapely.area(polygons[candidates]) > 0)
    z = (
        coords[np.isin(owner, np.flatnonzero(ring_ok)), 2]
        if coords.shape[1] == 3
        else coords[:0, 0]
    )
    return _Rings(
        closed=closed,
        gap_m=np.hypot(*(ends[1] - ends[0]).T),
        ring_ok=ring_ok,
        polygons=polygons,
        z=z[np.isfinite(z) & (z != 0)],
    )


def _problem_notes(
    lines: _Polylines, rings: _Rings, scan: DxfScan, texts: gpd.GeoDataFrame
) -> list[str]:
    """Meshes, degenerate rings, open polylines and the entities ignored, in words."""
    handle = lines.handles[lines.picked]
    layer = lines.layers[lines.picked]
    open_rows = [
        (handle[j], layer[j], float(rings.gap_m[j])) for j in np.flatnonzero(~rings.closed)
    ]
    not_rings = [
        Message("dxf_on_layer", handle=handle[j], layer=repr(layer[j]))
        for j in np.flatnonzero(rings.closed & ~rings.ring_ok)
    ]
    notes: list[str] = []
    if lines.meshes:
        notes.append(Message("note_dxf_meshes", count=lines.meshes))
    if not_rings:
        which = Joined(tuple(not_rings[:10]), _COMMA)
        notes.append(Message("note_dxf_not_rings", count=len(not_rings), which=which))
    if open_rows:
        notes.append(_open_note(open_rows))
    ignored = _ignored(scan, list(texts["text"]), lines.paper)
    if ignored:
        notes.append(ignored)
    return notes


def _reading_notes(rings: _Rings, scan: DxfScan) -> list[str]:
    """What was done to the polygons read: Z dropped, the drawing's units."""
    notes: list[str] = []
    if rings.z.size:
        low, high = f"{float(rings.z.min()):,.2f}", f"{float(rings.z.max()):,.2f}"
        notes.append(Message("note_dxf_z_dropped", low=low, high=high))
    if scan.insunits in _UNITS:
        notes.append(Message("note_dxf_units", units=_UNITS[scan.insunits]))
    return notes


def polygons_from_entities(
    frame: gpd.GeoDataFrame, scan: DxfScan, *, name: str, layer: str | None = None
) -> tuple[gpd.GeoDataFrame, tuple[str, ...], list[str]]:
    """(polygons, CAD layers that have some, notes) from GDAL's entities of a drawing.

    Pure: ``frame`` is what GDAL's DXF driver read (columns ``Layer``, ``EntityHandle``,
    ``PaperSpace``, ``Text``, …), ``scan`` what :func:`scan_dxf` found. ``layer`` keeps
    one CAD layer. Raises :class:`InputFileError` when no closed polyline is left.
    """
    lines = _drawing_polylines(frame, scan)
    rings = _rings(np.asarray(frame.geometry.array)[lines.picked])
    kept = lines.picked[rings.ring_ok]
    rows = pd.DataFrame(
        {
            "cad_layer": lines.layers[kept],
            "cad_handle": lines.handles[kept],
            "cad_entity": lines.kinds[kept].astype(str),
            "polygon": rings.polygons[rings.ring_ok],
        }
    )
    all_layers = tuple(dict.fromkeys(rows["cad_layer"]))
    if layer is not None:
        if layer not in all_layers:
            raise InputFileError(
                "err_dxf_no_layer",
                name=name,
                layer=repr(layer),
                layers=", ".join(all_layers) or Message("dxf_none"),
            )
        rows = rows[rows["cad_layer"] == layer]
    texts = _texts(frame, pd.Series(lines.handles, index=frame.index), scan)
    notes = _problem_notes(lines, rings, scan, texts)
    if rows.empty:
        found = Joined(tuple(notes), _SEMICOLON) if notes else Message("dxf_no_entities")
        raise InputFileError("err_dxf_no_polygons", name=name, found=found)
    notes += _reading_notes(rings, scan)
    polygons = rows["polygon"].to_numpy(dtype=object)
    out = gpd.GeoDataFrame(
        {
            **{c: rows[c].to_list() for c in ("cad_layer", "cad_handle", "cad_entity")},
            "cad_text": _labels_inside(polygons, texts),
        },
        geometry=gpd.GeoSeries(polygons, crs=None),
    )
    notes.insert(0, Message("note_dxf_read", count=len(rows), layers=layer_counts_text(out)))
    return out, all_layers, notes


def cad_layer_counts(polygons: gpd.GeoDataFrame) -> dict[str, int]:
    """CAD layer → how many polygons it gave, in the drawing's order (a frame read from a
    DXF, column ``cad_layer``; empty for a frame without it)."""
    if "cad_layer" not in polygons.columns:
        return {}
    return dict(Counter(str(v) for v in polygons["cad_layer"]))


def layer_counts_text(polygons: gpd.GeoDataFrame) -> Joined:
    """``"3 on 'A', 2 on 'B'"``: :func:`cad_layer_counts` in words (a message parameter)."""
    counts = cad_layer_counts(polygons).items()
    return Joined(
        tuple(Message("dxf_count_on_layer", count=n, layer=repr(lay)) for lay, n in counts),
        _COMMA,
    )


def read_dxf(
    data: bytes,
    name: str,
    tmp: Path,
    *,
    layer: str | None,
    encoding: str | None,
    settings: UploadSettings,
) -> RawLayer:
    """Read a DXF drawing's closed polylines as polygons (see the module doc).

    ``layer`` keeps one CAD layer; ``encoding`` overrides the text encoding. The frame
    has no CRS (a DXF declares none) and the columns :data:`COLUMNS`.
    """
    scan = scan_dxf(data, name)
    if scan.unhandled and not scan.polylines:
        raise InputFileError("err_dxf_no_handles", name=name)
    _check_estimates(scan, name, settings)
    codec, source, notes = text_codec(data, scan, encoding=encoding, name=name)
    if scan.unhandled:
        notes.append(Message("note_dxf_unhandled", count=f"{scan.unhandled:,}"))
    path = tmp / "upload.dxf"
    path.write_bytes(as_utf8(data, codec, name))
    frame = read_vector(
        path, drivers=DRIVERS, name=name, layer=GDAL_LAYER, max_features=settings.max_features + 1
    )
    if len(frame) > settings.max_features:
        raise InputFileError("err_dxf_too_many", name=name, limit=f"{settings.max_features:,}")
    gdal_notes = frame.attrs.pop("gdal_warnings", [])
    polygons, layers, found = polygons_from_entities(frame, scan, name=name, layer=layer)
    polygons.attrs["gdal_warnings"] = gdal_notes
    text_note = Message("note_dxf_text", codec=codec, source=source)
    return RawLayer(
        polygons, "dxf", layer, layers, codec, source, "none", (text_note, *notes, *found)
    )
