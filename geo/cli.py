"""Command line: figures without the UI, for scripts and checks.

    python -m geo areas FILE [--by FIELD] [--unit km2|ha|mu|m2] [--format table|csv|json]
    python -m geo overlaps FILE_A FILE_B [--unit ...] [--format ...] [--out PAIRS.geojson]
    python -m geo build-data      # rebuild data/zones.geojson from the sources
    python -m geo plan-check      # the plan's stated land areas against computed ones
    python -m geo export map|layer|table ...   # briefing maps (PNG/PDF), layers, tables
    python -m geo diff A B        # what changed per element: two versions, or plan vs a layer

Errors in the input print one clear message and exit with status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.errors import CRSError, GeoError, GeometryError, InputFileError
from geo.io import write_geojson_atomic
from geo.measure.area import UNIT_LABELS, area_table, convert_area
from geo.measure.engines import DEFAULT_ENGINE, ENGINE_MODULES
from geo.measure.overlap import overlap_matrix, overlap_pairs, overlap_totals, union_area_m2
from geo.measure.validate import ValidationReport, has_geometry
from geo.upload import (
    CoordinateSystem,
    NeedsCRS,
    UploadSettings,
    default_settings,
    read_upload,
)
from geo.upload.load import LoadedLayer
from geo.upload.settings import BYTES_PER_MB

TABLE_MAX_ROWS = 500
"""The table format is for reading: longer results print their first rows and a count."""


def _label_column(gdf: gpd.GeoDataFrame, requested: str | None) -> str | None:
    if requested is not None:
        if requested not in gdf.columns:
            raise GeometryError(
                f"column {requested!r} is not in the file; available: "
                f"{', '.join(c for c in gdf.columns if c != 'geometry')}"
            )
        return requested
    return "id" if "id" in gdf.columns else None


def _settings(args: argparse.Namespace) -> UploadSettings:
    """The upload limits of ``config/upload.toml``, raised for this run by the flags."""
    settings = default_settings()
    if args.max_file_mb is not None:
        settings = dataclasses.replace(
            settings,
            max_file_bytes=int(args.max_file_mb * BYTES_PER_MB),
            max_uncompressed_bytes=max(
                settings.max_uncompressed_bytes, int(4 * args.max_file_mb * BYTES_PER_MB)
            ),
        )
    if args.max_features is not None:
        settings = dataclasses.replace(settings, max_features=args.max_features)
    if args.max_vertices is not None:
        settings = dataclasses.replace(settings, max_vertices=args.max_vertices)
    return settings


def read_input(
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    coordinates: CoordinateSystem = "wgs84",
    allow_outside: bool = False,
    settings: UploadSettings | None = None,
) -> gpd.GeoDataFrame:
    """Read a file given on the command line exactly as the app reads an upload: the
    same formats, limits, CRS checks and candidates, conversions and messages (notes go
    to stderr). A file whose CRS is missing or cannot be right is an error listing the
    candidates (give one with --crs). The frame is the validated (repaired) one."""
    return load_input(
        path, layer=layer, crs=crs, encoding=encoding, coordinates=coordinates,
        allow_outside=allow_outside, settings=settings,
    ).frame  # fmt: skip


def load_input(
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    encoding: str | None = None,
    coordinates: CoordinateSystem = "wgs84",
    allow_outside: bool = False,
    settings: UploadSettings | None = None,
) -> LoadedLayer:
    """:func:`read_input` with the validation report of the repairs made while reading."""
    source = Path(path)
    if not source.is_file():
        raise InputFileError(f"{path}: no such file; check the path.")
    settings = settings or default_settings()
    if source.stat().st_size > settings.max_file_bytes:
        raise InputFileError(
            f"{path}: {source.stat().st_size / BYTES_PER_MB:,.1f} MB; the limit is "
            f"{settings.max_file_bytes / BYTES_PER_MB:,.1f} MB (max_file_mb in "
            "config/upload.toml). Raise it for this run with --max-file-mb N."
        )
    result = read_upload(
        source.read_bytes(),
        source.name,
        layer=layer,
        crs=crs,
        encoding=encoding,
        coordinate_system=coordinates,
        allow_outside_region=allow_outside,
        settings=settings,
    )
    if isinstance(result, NeedsCRS):
        raise CRSError(result.message + "\nGive one with --crs EPSG:NNNN.")
    for note in result.notes:
        print(f"{path}: {note}", file=sys.stderr)
    return result


def _read(path: str, *, layer: str | None, args: argparse.Namespace) -> gpd.GeoDataFrame:
    return _load(path, layer=layer, args=args).frame


def _load(path: str, *, layer: str | None, args: argparse.Namespace) -> LoadedLayer:
    return load_input(
        path,
        layer=layer,
        crs=args.crs,
        encoding=args.encoding,
        coordinates=args.coordinates,
        allow_outside=args.allow_outside,
        settings=_settings(args),
    )


def _load_polygons(
    path: str, *, layer: str | None, args: argparse.Namespace
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    # The upload's own validation (repairs and their report), done once while reading.
    loaded = _load(path, layer=layer, args=args)
    gdf = fixed = loaded.frame
    report = loaded.report
    areal = has_geometry(fixed)
    areal &= fixed.geometry.geom_type.isin(["Polygon", "MultiPolygon", "GeometryCollection"])
    if not areal.any():
        raise GeometryError(
            f"{path}: no polygons found ({len(gdf)} feature(s), types: "
            f"{', '.join(sorted(set(gdf.geometry.geom_type.dropna())) or ['none'])}); "
            "areas need Polygon or MultiPolygon features."
        )
    return fixed[areal], report


def _emit(frame: pd.DataFrame, fmt: str, out: Callable[[str], object]) -> None:
    if fmt == "csv":
        from geo.csv_text import csv_text  # pandas' text, written by pyarrow
        from geo.tables import defuse_formulas  # text a spreadsheet would run stays text

        out(csv_text(defuse_formulas(frame)).rstrip("\n"))
    elif fmt == "json":
        out(frame.to_json(orient="records", force_ascii=False, indent=1))
    else:
        shown = frame.head(TABLE_MAX_ROWS)
        with pd.option_context("display.max_rows", None, "display.width", 200):
            out(shown.to_string(index=False, float_format=lambda v: f"{v:,.4f}"))
        if len(frame) > TABLE_MAX_ROWS:
            out(
                f"… {len(frame) - TABLE_MAX_ROWS:,} more rows not shown; "
                "use --format csv or json for all of them"
            )


def _warn(report: ValidationReport, *, path: str) -> None:
    for line in report.messages():
        print(f"{path}: {line}", file=sys.stderr)


def cmd_areas(args: argparse.Namespace) -> int:
    gdf, report = _load_polygons(args.file, layer=args.layer, args=args)
    _warn(report, path=args.file)
    unit = args.unit
    table = area_table(gdf, by=args.by, method=args.method)
    label = args.by or _label_column(gdf, args.label)
    frame = pd.DataFrame(
        {
            (label or "index"): table.index if args.by else (gdf[label] if label else gdf.index),
            f"area_{unit}": convert_area(table["area_m2"], unit=unit),
            f"gk_area_{unit}": convert_area(table["gk_area_m2"], unit=unit),
        }
    )
    if args.by:
        frame["feature_count"] = table["feature_count"].to_numpy()
    _emit(frame.reset_index(drop=True), args.format, print)
    if args.format == "table":
        total = float(table["area_m2"].sum())
        union = union_area_m2(gdf)
        name = UNIT_LABELS[unit]["en"]
        print(
            f"\nsum {convert_area(total, unit=unit):,.4f} {name}; "
            f"union (overlaps counted once) {convert_area(union, unit=unit):,.4f} {name}; "
            f"ellipsoidal on CGCS2000 ({args.method}); GK = EPSG:4543 planar"
        )
    return 0


def cmd_overlaps(args: argparse.Namespace) -> int:
    a, report_a = _load_polygons(args.file_a, layer=args.layer_a, args=args)
    b, report_b = _load_polygons(args.file_b, layer=args.layer_b, args=args)
    _warn(report_a, path=args.file_a)
    _warn(report_b, path=args.file_b)
    label_a = _label_column(a, args.a_id)
    label_b = _label_column(b, args.b_id)
    pairs = overlap_pairs(
        a,
        b,
        names=(args.file_a, args.file_b),
        keep_geometry=bool(args.out),
        threads=args.threads,
        engine=args.engine or ("dask" if args.scheduler else DEFAULT_ENGINE),
        scheduler=args.scheduler,
    )
    unit = args.unit
    frame = pd.DataFrame(
        {
            "a": a.loc[pairs["a_index"], label_a].to_numpy() if label_a else pairs["a_index"],
            "b": b.loc[pairs["b_index"], label_b].to_numpy() if label_b else pairs["b_index"],
            f"overlap_{unit}": convert_area(pairs["overlap_m2"], unit=unit),
            "a_share": pairs["a_share"],
            "b_share": pairs["b_share"],
        }
    )
    if args.matrix:
        matrix = overlap_matrix(frame, rows="a", columns="b", value=f"overlap_{unit}")
        frame = matrix.reset_index().rename(columns={"a": "a \\ b"})
    _emit(frame, args.format, print)
    if args.out:
        write_geojson_atomic(pairs, args.out)
    if args.format == "table":
        totals = overlap_totals(pairs, a, side="a", other=b) if args.out else None
        covered = totals["covered_m2"].sum() if totals is not None else pairs["overlap_m2"].sum()
        print(
            f"\n{len(pairs)} overlapping pair(s); A features touched: "
            f"{pairs['a_index'].nunique()} of {len(a)}; overlap "
            f"{convert_area(float(covered), unit=unit):,.4f} {UNIT_LABELS[unit]['en']}"
        )
    return 0


def cmd_build_data(args: argparse.Namespace) -> int:
    from geo.plan.build import main as build_main  # deferred: only this command needs the sources

    build_main(out_dir=Path(args.out_dir) if args.out_dir else None)
    return 0


def cmd_plan_check(args: argparse.Namespace) -> int:
    from geo.plan.check import main as plan_check_main

    print(plan_check_main(fmt=args.format))
    return 0


# Commands whose modules load only when one of them runs (or for the full help): the
# export commands pull in matplotlib (0.4 s), the store SQLAlchemy (1.3 s), review 0.7 s;
# the figures' own commands need none of them.
LAZY_COMMANDS: dict[str, str] = {
    "check": "geo.review.cli",
    "topology": "geo.review.cli",
    "landuse": "geo.review.cli",
    "users": "geo.store.cli",
    "history": "geo.store.cli",
    "store": "geo.store.cli",
    "diff": "geo.edit.cli",
    "export": "geo.export.cli",
}


def parser(*, command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and for ``--help`` documentation).

    With ``command`` one of the built-in commands, the modules of :data:`LAZY_COMMANDS`
    are not imported; with one of those, only its own module is; otherwise (``--help``,
    an unknown word) every command is registered, so the help and the error list them.
    """
    p = argparse.ArgumentParser(prog="python -m geo", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--unit", choices=["km2", "ha", "mu", "m2"], default="km2")
        sp.add_argument("--format", choices=["table", "csv", "json"], default="table")
        sp.add_argument(
            "--crs", help="the CRS of files that declare none, e.g. EPSG:4543 (never guessed)"
        )
        sp.add_argument(
            "--coordinates",
            choices=["wgs84", "gcj02", "bd09"],
            default="wgs84",
            help="convert coordinates picked from Amap/Tencent (gcj02) or Baidu (bd09) maps",
        )
        sp.add_argument("--encoding", help="attribute encoding of a Shapefile, e.g. gbk")
        sp.add_argument(
            "--allow-outside",
            action="store_true",
            help="accept a layer that lies wholly outside the expected region (Yunnan)",
        )
        limits = "raise this limit of config/upload.toml for this run"
        sp.add_argument("--max-file-mb", type=float, help=f"largest file in MB: {limits}")
        sp.add_argument("--max-features", type=int, help=f"most features: {limits}")
        sp.add_argument("--max-vertices", type=int, help=f"most coordinates: {limits}")

    sp = sub.add_parser("areas", help="ellipsoidal (CGCS2000) and Gauss-Kruger areas of a layer")
    sp.add_argument("file")
    sp.add_argument("--layer", help="layer name in a multi-layer file (GeoPackage)")
    sp.add_argument("--by", help="sum areas by this column")
    sp.add_argument("--label", help="column naming each feature (default: 'id' if present)")
    sp.add_argument("--method", choices=["geod", "equal_area"], default="geod")
    common(sp)
    sp.set_defaults(func=cmd_areas)

    sp = sub.add_parser("overlaps", help="overlapping pairs of two layers, with areas and shares")
    sp.add_argument("file_a")
    sp.add_argument("file_b")
    sp.add_argument("--layer-a")
    sp.add_argument("--layer-b")
    sp.add_argument("--a-id", help="column naming A's features (default: 'id' if present)")
    sp.add_argument("--b-id", help="column naming B's features (default: 'id' if present)")
    sp.add_argument("--out", help="also write the intersection polygons to this GeoJSON file")
    sp.add_argument("--threads", type=int, default=None)
    sp.add_argument(
        "--matrix", action="store_true", help="print an A x B table of overlap areas instead"
    )
    sp.add_argument(
        "--engine",
        choices=[DEFAULT_ENGINE, *ENGINE_MODULES],
        help=f"overlap engine (default {DEFAULT_ENGINE}; dask needs requirements-dask.txt)",
    )
    sp.add_argument(
        "--scheduler",
        help="run on this dask scheduler, e.g. tcp://HOST:8786 (implies --engine dask)",
    )
    common(sp)
    sp.set_defaults(func=cmd_overlaps)

    sp = sub.add_parser("build-data", help="rebuild data/zones.geojson from data/sources")
    sp.add_argument("--out-dir", help="write into this folder instead of data/")
    sp.set_defaults(func=cmd_build_data)

    sp = sub.add_parser("plan-check", help="stated land areas against computed ones")
    sp.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sp.set_defaults(func=cmd_plan_check)

    eager = {"areas", "overlaps", "build-data", "plan-check"}
    if command in eager:
        return p
    wanted = {LAZY_COMMANDS[command]} if command in LAZY_COMMANDS else set(LAZY_COMMANDS.values())
    for module in dict.fromkeys(LAZY_COMMANDS.values()):  # registration order, once each
        if module in wanted:
            importlib.import_module(module).add_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    args = parser(command=words[0] if words else None).parse_args(words)
    try:
        return int(args.func(args))
    except GeoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
