"""``python -m geo export …``: maps, layers and tables from the command line.

    python -m geo export map --preset financial_district --paper A4 \\
        --orientation landscape --dpi 150 --out fin.pdf
    python -m geo export map --layers extents,ecology --title "生态景观" --out eco.png
    python -m geo export layer --format gpkg --layers village_renewal --out villages.gpkg
    python -m geo export table --kind areas --unit ha --out areas.xlsx
    python -m geo export table --kind overlaps --layers city_tiers \\
        --against university_industry --out overlaps.csv
    python -m geo export atlas --out atlas.pdf          # the plan's main zones, A4
    python -m geo export review --layer sanxian.gpkg --out review.pdf   # + review.xlsx
    python -m geo export html --preset overview_1_3_n --out 1_3_n.html  # interactive, offline

By default the data is the project's own: ``data/zones.geojson`` plus
``data/streets.geojson`` when present; ``--data FILE`` (repeatable) names other files,
whose features need a ``layer`` column of registry ids for maps. The map's fingerprint
is the SHA-256 of these files and the app version.

Wired into :mod:`geo.cli` by ``add_parser(sub)``.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.errors import GeometryError
from geo.export.layers import FORMATS, export_layer
from geo.export.maps import MapRequest, render_map
from geo.export.presets import get_preset, load_presets, source_note
from geo.export.provenance import fingerprint, today_in_china
from geo.export.sheet import DPI_CHOICES, PAPER_MM
from geo.export.tables import area_export_table, overlap_export_table, write_table
from geo.plan.zones import STREETS_FILE, ZONES_FILE, load_plan_layers


def _data_files(args: argparse.Namespace) -> list[Path]:
    if args.data:
        return [Path(p) for p in args.data]
    return [p for p in (ZONES_FILE, STREETS_FILE) if p.exists()] or [ZONES_FILE]


def _load(args: argparse.Namespace, files: list[Path]) -> gpd.GeoDataFrame:
    """The project's plan layers (validated, :func:`geo.plan.zones.load_plan_layers`), or the
    ``--data`` files, read as every file on the command line is (upload rules)."""
    if not args.data:
        return load_plan_layers(ZONES_FILE, STREETS_FILE)
    from geo.cli import read_input  # deferred: geo.cli loads this module for 'export'

    frames = [read_input(p) for p in files]
    if len(frames) == 1:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip()) if value else ()


def _only_layers(gdf: gpd.GeoDataFrame, layers: tuple[str, ...], *, what: str) -> gpd.GeoDataFrame:
    if not layers:
        return gdf
    if "layer" not in gdf.columns:
        raise GeometryError(f"{what}: the data has no 'layer' column to select {', '.join(layers)}")
    picked = gdf[gdf["layer"].isin(list(layers))]
    if picked.empty:
        raise GeometryError(
            f"{what}: no features in layers {', '.join(layers)}; the data has "
            f"{', '.join(sorted(set(gdf['layer'].dropna().astype(str))))}"
        )
    return picked


def cmd_export_map(args: argparse.Namespace) -> int:
    files = _data_files(args)
    features = _load(args, files)
    own_data = not args.data
    note = source_note(args.lang) if own_data else ""
    if args.preset:
        request = MapRequest.from_preset(
            get_preset(args.preset),
            lang=args.lang,
            title=args.title,
            subtitle=args.subtitle,
            source_note=note,
        )
        if args.layers:  # other layers than the preset's: frame on them
            request = dataclasses.replace(
                request, layers=_split(args.layers), zoom_layers=(), zoom_ids=()
            )
    else:
        layers = _split(args.layers)
        if not layers:
            raise GeometryError("export map: give --preset or --layers (comma-separated ids)")
        request = MapRequest(
            layers=layers,
            title=args.title or "",
            subtitle=args.subtitle or "",
            lang=args.lang,
            source_note=note,
        )
    out = render_map(
        features,
        args.out,
        request=request,
        paper=args.paper,
        orientation=args.orientation,
        dpi=args.dpi,
        files=files,
    )
    print(out)
    return 0


def cmd_export_layer(args: argparse.Namespace) -> int:
    files = _data_files(args)
    features = _only_layers(_load(args, files), _split(args.layers), what="export layer")
    print(export_layer(features, args.out, fmt=args.format, crs=args.crs))
    return 0


def cmd_export_table(args: argparse.Namespace) -> int:
    files = _data_files(args)
    features = _load(args, files)
    a = _only_layers(features, _split(args.layers), what="export table")
    if args.kind == "areas":
        frame = area_export_table(a, unit=args.unit)
    else:
        b = _only_layers(features, _split(args.against), what="export table") if args.against else a
        frame = overlap_export_table(a, b, unit=args.unit)
    fp = fingerprint(files=files)
    notes: dict[str, Any] = {
        "date": today_in_china().isoformat(),
        "data": ", ".join(str(p) for p in files),
        "fingerprint": fp.describe(),
        "layers": args.layers or "all",
    }
    print(write_table(frame, args.out, sheet=args.kind, notes=notes))
    return 0


def cmd_export_atlas(args: argparse.Namespace) -> int:
    from geo.export.atlas import (  # deferred: only this command needs it
        CONTEXT_LAYERS,
        MAIN_LAYERS,
        AtlasRequest,
        atlas_features,
        render_atlas,
        select_zones,
    )
    from geo.review.conflicts import run_rules
    from geo.review.rules import load_rules

    plan = load_plan_layers(ZONES_FILE, STREETS_FILE)
    context = atlas_features(plan)
    context = context[context["layer"].isin(list(CONTEXT_LAYERS))]
    report = None
    if args.data:
        from geo.cli import read_input  # deferred: geo.cli loads this module for 'export'

        files = [Path(p) for p in args.data]
        frames = [atlas_features(read_input(p), name=Path(p).stem) for p in files]
        features = gpd.GeoDataFrame(pd.concat(frames), crs=frames[0].crs)
        features = features[~features.index.duplicated()]
    else:
        files = _data_files(args)
        layers = _split(args.layers) or MAIN_LAYERS
        features = select_zones(plan, layers=layers, zone_ids=_split(args.zones))
        if args.by == "findings":
            features = atlas_features(plan)  # every zone a finding may name
        if not args.no_rules or args.by == "findings":
            report = run_rules(load_rules(), zones=plan)
    request = AtlasRequest(
        layers=_split(args.layers) or MAIN_LAYERS,
        paper=args.paper,
        orientation=args.orientation,
        by=args.by,
        **({"title": args.title} if args.title else {}),
    )
    print(
        render_atlas(
            features, args.out, request=request, context=context, files=files, report=report
        )
    )
    return 0


def cmd_export_review(args: argparse.Namespace) -> int:
    from geo.cli import read_input  # deferred: geo.cli loads this module for 'export'
    from geo.export.review_pack import ReviewInputs, write_review_pack
    from geo.review.cli import user_layer_arg
    from geo.review.rules import RULES_FILE, load_rules

    rules_path = Path(args.rules) if args.rules else RULES_FILE
    files: dict[str, Path] = {"rules": rules_path, "zones": ZONES_FILE}
    layers: dict[str, gpd.GeoDataFrame] = {}
    for spec in args.layer or []:
        name, path = user_layer_arg(spec)
        layers[name] = read_input(path)
        files[f"layer {name}"] = path
    landuse = None
    if args.landuse:
        name, path = user_layer_arg(args.landuse)
        landuse = (name, read_input(path))
        files[f"land use {name}"] = path
    inputs = ReviewInputs(
        zones=load_plan_layers(ZONES_FILE, None),
        rules=load_rules(rules_path),
        user_layers=layers,
        landuse=landuse,
        files=files,
        gap_width_m=args.gap_width_m,
        sliver_width_m=args.sliver_width_m,
    )
    pdf, xlsx = write_review_pack(inputs, args.out, out_xlsx=args.xlsx, paper=args.paper)
    print(pdf)
    print(xlsx)
    return 0


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``export`` with its ``map``, ``layer`` and ``table`` commands to ``sub``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "export", help="print-ready maps (PNG/PDF), layers (GeoJSON/GPKG/SHP/KML), tables"
    )
    commands = p.add_subparsers(dest="export_command", required=True)

    def data(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--data",
            action="append",
            help="data file (repeatable); default data/zones.geojson and data/streets.geojson",
        )
        sp.add_argument("--out", required=True, help="output file")

    sp = commands.add_parser("map", help="a map sheet as PNG or PDF (from --out's suffix)")
    sp.add_argument("--preset", choices=sorted(load_presets()), help="a named view")
    sp.add_argument("--layers", help="comma-separated layer ids (instead of or over a preset)")
    sp.add_argument("--title", help="title (default: the preset's)")
    sp.add_argument("--subtitle", help="subtitle (default: the preset's)")
    sp.add_argument("--paper", choices=list(PAPER_MM), default="A4")
    sp.add_argument("--orientation", choices=["landscape", "portrait"], default="landscape")
    sp.add_argument("--dpi", type=int, choices=list(DPI_CHOICES), default=150)
    sp.add_argument("--lang", choices=["zh", "en"], default="zh")
    data(sp)
    sp.set_defaults(func=cmd_export_map)

    sp = commands.add_parser("layer", help="features as GeoJSON, GeoPackage, zipped Shapefile, KML")
    sp.add_argument("--format", choices=list(FORMATS), help="default: from --out's suffix")
    sp.add_argument("--layers", help="comma-separated layer ids (default: all)")
    sp.add_argument("--crs", help="GeoPackage/Shapefile CRS, e.g. EPSG:4543 (default EPSG:4326)")
    data(sp)
    sp.set_defaults(func=cmd_export_layer)

    sp = commands.add_parser("table", help="area or overlap table as CSV (UTF-8 BOM) or XLSX")
    sp.add_argument("--kind", choices=["areas", "overlaps"], default="areas")
    sp.add_argument("--layers", help="comma-separated layer ids (default: all)")
    sp.add_argument("--against", help="overlaps: the other side's layer ids (default: same)")
    sp.add_argument("--unit", choices=["km2", "ha", "mu", "m2"], default="km2")
    data(sp)
    sp.set_defaults(func=cmd_export_table)

    sp = commands.add_parser("atlas", help="atlas PDF: cover, contents and one page per zone")
    sp.add_argument("--layers", help="comma-separated layer ids (default: the plan's main zones)")
    sp.add_argument("--zones", help="comma-separated zone ids (instead of whole layers)")
    sp.add_argument("--title", help="the cover's title")
    sp.add_argument("--paper", choices=list(PAPER_MM), default="A4")
    sp.add_argument("--orientation", choices=["portrait", "landscape"], default="portrait")
    sp.add_argument("--no-rules", action="store_true", help="leave the rule findings out")
    sp.add_argument(
        "--by",
        choices=["zones", "findings"],
        default="zones",
        help="a page per zone (default) or per violating piece of config/rules.toml",
    )
    data(sp)
    sp.set_defaults(func=cmd_export_atlas)

    sp = commands.add_parser(
        "review", help="review pack PDF (+ XLSX): rules, topology, overlaps, plan check, land use"
    )
    sp.add_argument("--rules", help="rules file (default config/rules.toml)")
    sp.add_argument("--layer", action="append", help="user layer FILE or NAME=FILE (repeatable)")
    sp.add_argument(
        "--landuse", help="a land-use layer with 用地代码/DLBM codes (FILE or NAME=FILE)"
    )
    sp.add_argument("--xlsx", help="the XLSX beside the PDF (default: same name, .xlsx)")
    sp.add_argument("--paper", choices=list(PAPER_MM), default="A4")
    sp.add_argument(
        "--gap-width-m", type=float, default=1.0, help="topology: narrower gaps are errors"
    )
    sp.add_argument(
        "--sliver-width-m", type=float, default=1.0, help="topology: thinner parts are slivers"
    )
    sp.add_argument("--out", required=True, help="output PDF")
    sp.set_defaults(func=cmd_export_review)

    sp = commands.add_parser("html", help="a standalone interactive HTML map (opens offline)")
    sp.add_argument("--preset", choices=sorted(load_presets()), help="a named view")
    sp.add_argument("--layers", help="comma-separated layer ids (default: the app's start view)")
    sp.add_argument("--title", help="title (default: the preset's or the app's)")
    sp.add_argument("--lang", choices=["zh", "en"], default="zh")
    data(sp)
    sp.set_defaults(func=_run_by_name("layers.cli", "cmd_export_html"))
    return p


def _run_by_name(module: str, name: str) -> Any:
    """A command whose code lives above ``geo/`` (the Folium map, ``layers/``): imported
    by name when it runs, so ``geo/`` itself never imports Folium or ``layers/``."""

    def run(args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(module), name)(args))

    return run
