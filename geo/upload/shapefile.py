"""Zipped Shapefiles: the layers in the zip, their attribute text encoding, and reading one.

The attribute encoding comes from the ``.cpg`` or is detected from the ``.dbf`` text
(UTF-8, else GBK/GB18030), or is given by the caller. The ``.shp``, ``.shx`` and ``.dbf``
are unpacked under names chosen here and their headers checked before GDAL sees them,
so a member that is something else (an OGR VRT, a GeoJSON) is refused, never opened.
"""

from __future__ import annotations

import codecs
import struct
import zipfile
from pathlib import Path, PurePosixPath
from typing import Final

from geo.declared.i18n import Joined, Message
from geo.errors import InputFileError
from geo.io import read_vector
from geo.upload.formats import FORMATS, RawLayer, choose_layer, codec_for
from geo.upload.settings import UploadSettings
from geo.upload.zips import extract, with_members

# .cpg contents (upper-cased) -> Python codec. GB18030 decodes GBK/GB2312/CP936 text too.
_CPG_CODECS: Final[dict[str, str]] = {
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
    "65001": "utf-8",
    "GBK": "gb18030",
    "CP936": "gb18030",
    "936": "gb18030",
    "ANSI 936": "gb18030",
    "GB2312": "gb18030",
    "GB18030": "gb18030",
    "54936": "gb18030",
    "BIG5": "big5",
    "950": "big5",
    "ISO-8859-1": "latin-1",
    "ISO88591": "latin-1",
    "8859_1": "latin-1",
    "LATIN1": "latin-1",
    "ASCII": "ascii",
}
_DETECT_ORDER: Final = ("utf-8", "gb18030")


def _stem(member: str) -> str:
    return member.replace("\\", "/").rsplit(".", 1)[0]


def _shapefile_groups(members: list[zipfile.ZipInfo]) -> dict[str, dict[str, zipfile.ZipInfo]]:
    groups: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in members:
        suffix = PurePosixPath(info.filename.replace("\\", "/")).suffix.lower()
        if suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            groups.setdefault(_stem(info.filename).lower(), {})[suffix] = info
    return groups


def _shapefile_layers(
    groups: dict[str, dict[str, zipfile.ZipInfo]], members: list[zipfile.ZipInfo], name: str
) -> dict[str, dict[str, zipfile.ZipInfo]]:
    """Layers (by path without extension) that have a .shp; errors for incomplete ones."""
    layers = {_stem(g[".shp"].filename): g for g in groups.values() if ".shp" in g}
    if not layers:
        found = ", ".join(i.filename for i in members[:10]) or "nothing"
        orphan = [g for g in groups.values() if ".dbf" in g or ".shx" in g]
        if orphan:
            parts = ", ".join(sorted(i.filename for g in orphan for i in g.values()))
            raise InputFileError("err_shp_missing_shp", name=name, parts=parts)
        raise InputFileError(
            "err_shp_no_layer", name=name, found=found, supported=Message("err_supported")
        )
    problems = []
    for stem, group in layers.items():
        missing = [s for s in (".shx", ".dbf") if s not in group]
        if missing:
            problems.append(
                Message(
                    "err_shp_part_missing",
                    stem=stem,
                    missing=Joined(missing, sep=Message("word_or")),
                )
            )
    if problems:
        raise InputFileError("err_shp_missing_parts", name=name, problems=Joined(problems))
    return layers


def dbf_text_values(dbf: bytes, *, max_records: int = 20_000) -> list[bytes]:
    """The raw bytes of the non-blank character fields of a .dbf file (dBase III layout)."""
    if len(dbf) < 32:
        return []
    n_records, header_len, record_len = struct.unpack("<IHH", dbf[4:12])
    fields: list[tuple[int, int]] = []  # (offset in record, length) of 'C' fields
    offset, pos = 1, 32
    while pos + 32 <= min(header_len, len(dbf)) and dbf[pos] != 0x0D:
        kind, length = chr(dbf[pos + 11]), dbf[pos + 16]
        if kind == "C":
            fields.append((offset, length))
        offset += length
        pos += 32
    out: list[bytes] = []
    for r in range(min(n_records, max_records)):
        start = header_len + r * record_len
        record = dbf[start : start + record_len]
        if len(record) < record_len:
            break
        out += [v for o, n in fields if (v := record[o : o + n].rstrip(b" \x00"))]
    return out


def _decode_failures(values: list[bytes], codec: str) -> int:
    bad = 0
    for value in values:
        try:
            value.decode(codec)
        except UnicodeDecodeError:
            # A fixed-width field may cut the last multi-byte character in two.
            try:
                value[:-1].decode(codec)
            except UnicodeDecodeError:
                bad += 1
    return bad


def detect_text_encoding(values: list[bytes]) -> str | None:
    """``"utf-8"`` or ``"gb18030"`` (which also reads GBK/GB2312), whichever decodes every
    value; ``"ascii"`` when all text is ASCII; ``None`` when neither fits."""
    if all(v.isascii() for v in values):
        return "ascii"
    for codec in _DETECT_ORDER:
        if _decode_failures(values, codec) == 0:
            return codec
    return None


def _shapefile_encoding(
    dbf: bytes, cpg: bytes | None, encoding: str | None, name: str
) -> tuple[str, str, list[str]]:
    """(codec, how it was chosen, notes) for a Shapefile's attribute text."""
    values = dbf_text_values(dbf)
    notes: list[str] = []
    if encoding is not None:
        codec = codec_for(encoding, name)
        bad = _decode_failures(values, codec)
        if bad:
            guess = detect_text_encoding(values)
            hint = Message("err_reads_as", guess=guess) if guess else ""
            raise InputFileError(
                "err_dbf_not_encoding", name=name, count=bad, encoding=encoding, hint=hint
            )
        return codec, Message("enc_chosen"), notes
    if cpg is not None:
        declared = cpg.decode("ascii", errors="replace").strip().upper()
        codec_or_none = _CPG_CODECS.get(declared)
        if codec_or_none is None:
            try:
                codec_or_none = codecs.lookup(declared).name
            except LookupError:
                notes.append(Message("note_cpg_unknown", declared=repr(declared)))
        if codec_or_none is not None:
            if _decode_failures(values, codec_or_none) == 0:
                return codec_or_none, Message("enc_cpg", declared=declared), notes
            notes.append(Message("note_cpg_wrong", declared=declared))
    detected = detect_text_encoding(values)
    if detected is None:
        raise InputFileError("err_dbf_unknown_encoding", name=name)
    if detected == "ascii":
        return "utf-8", Message("enc_ascii"), notes
    return detected, Message("enc_dbf"), notes


_SHAPE_FILE_CODE: Final = 9994
_DBF_VERSIONS: Final = frozenset(
    {0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0x8E, 0xCB, 0xF5, 0xFB}
)


def check_part(info: zipfile.ZipInfo, suffix: str, name: str) -> None:
    """Refuse a Shapefile part that is far too small to be one (before unpacking)."""
    if suffix in (".shp", ".shx") and info.file_size < 100:
        raise InputFileError(
            "err_shp_part_short",
            name=name,
            member=repr(info.filename),
            size=info.file_size,
            suffix=suffix,
        )


def check_counts_from_sizes(
    group: dict[str, zipfile.ZipInfo], name: str, settings: UploadSettings
) -> None:
    """Refuse, before unpacking, a Shapefile that certainly exceeds the limits.

    The .shx holds 8 bytes per record after its 100-byte header; each .shp record holds
    at least 52 bytes of header (record header, type, box, counts) and 16 bytes per
    point, plus 4 per part (at most one part per 4 points): so points >= (shp - 100 - 52
    x records) / 17.
    """
    records = max(0, (group[".shx"].file_size - 100) // 8)
    if records > settings.max_features:
        raise InputFileError(
            "err_too_many_features", name=name, count=records, limit=settings.max_features
        )
    points = max(0, (group[".shp"].file_size - 100 - 52 * records) // 17)
    if points > settings.max_vertices:
        raise InputFileError(
            "err_vertices_at_least", name=name, count=points, limit=settings.max_vertices
        )


def check_headers(folder: Path, name: str) -> None:
    """The unpacked .shp/.shx must start with the Shapefile file code and the .dbf with a
    dBase version byte; anything else is refused before GDAL opens it."""
    for suffix in (".shp", ".shx"):
        head = (folder / f"layer{suffix}").read_bytes()[:100]
        if len(head) < 100 or struct.unpack(">i", head[:4])[0] != _SHAPE_FILE_CODE:
            raise InputFileError(
                f"{name}: the {suffix} in the zip is not a Shapefile part (it does not start "
                "with the Shapefile header); it is refused. Export the Shapefile again."
            )
    dbf = (folder / "layer.dbf").read_bytes()[:32]
    if len(dbf) < 32 or dbf[0] not in _DBF_VERSIONS:
        raise InputFileError(
            f"{name}: the .dbf in the zip is not a dBase table; it is refused. Export the "
            "Shapefile again."
        )


def shapefile_layers_in(members: list[zipfile.ZipInfo], name: str) -> tuple[str, ...]:
    """The Shapefile layers (paths without extension) among a checked zip's members."""
    return tuple(sorted(_shapefile_layers(_shapefile_groups(members), members, name)))


def read_shapefile_zip(
    data: bytes,
    name: str,
    tmp: Path,
    *,
    layer: str | None,
    encoding: str | None,
    settings: UploadSettings,
) -> RawLayer:
    """Read one Shapefile from a zip, decoding its attribute text (see module doc)."""

    def pick(zf: zipfile.ZipFile, members: list[zipfile.ZipInfo], budget: list[int]) -> RawLayer:
        layers = _shapefile_layers(_shapefile_groups(members), members, name)
        chosen = choose_layer(sorted(layers), layer, name)
        group = layers[chosen]
        check_counts_from_sizes(group, name, settings)
        for suffix, info in group.items():
            check_part(info, suffix, name)
            extract(zf, info, tmp / f"layer{suffix}", budget=budget, name=name, settings=settings)
        cpg = (tmp / "layer.cpg").read_bytes() if ".cpg" in group else None
        dbf = (tmp / "layer.dbf").read_bytes()
        codec, source, notes = _shapefile_encoding(dbf, cpg, encoding, name)
        (tmp / "layer.cpg").unlink(missing_ok=True)  # we decode; GDAL must not re-decode
        check_headers(tmp, name)
        frame = read_vector(
            tmp / "layer.shp",
            drivers=FORMATS["shapefile_zip"].drivers,
            name=name,
            encoding=codec,
            max_features=settings.max_features,
        )
        crs_source = "declared in the .prj" if frame.crs is not None else "none"
        if ".prj" not in group:
            notes.append(Message("note_no_prj"))
        elif frame.crs is None:
            notes.append(Message("note_bad_prj"))
        return RawLayer(
            frame, "shapefile_zip", chosen, tuple(sorted(layers)), codec, source, crs_source,
            tuple(notes),
        )  # fmt: skip

    return with_members(data, name, settings, pick)
