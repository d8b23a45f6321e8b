"""``python -m geo check``: the declared conflict rules on the plan and the user's layers.

    python -m geo check                                  # config/rules.toml on the plan
    python -m geo check --layer sanqu_sanxian.gpkg        # with the three control lines
    python -m geo check --layer 红线=red_line.geojson --format json
    python -m geo check --rules my_rules.toml --rule city_tiers_disjoint --out pieces.geojson
    python -m geo topology parcels.gpkg --gap-width-m 0.5 --out findings.geojson  # exit 1: findings
    python -m geo landuse parcels.gpkg --level 2 [--by-zone] [--format csv]

Exit status 1 when any rule fails (uncertain and not-run rules do not fail the check),
2 on an input error. User layers are read exactly as uploads are (formats, limits, CRS
checks); ``--layer NAME=FILE`` names the layer for ``user:NAME`` selectors, otherwise
the file's stem is its name.

Wired into :mod:`geo.cli` by ``add_parser(sub)``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.errors import InputFileError
from geo.io import write_geojson_atomic
from geo.plan.zones import ZONES_FILE, load_zones
from geo.review.conflicts import all_violations, run_rules
from geo.review.landuse import (
    class_areas,
    classify,
    code_problems,
    detect_columns,
    load_codes,
    zone_class_areas,
)
from geo.review.report import format_report
from geo.review.rules import RULES_FILE, load_rules
from geo.review.topology import GAP_WIDTH_M, SLIVER_WIDTH_M, check_topology, topology_summary
from geo.tables import defuse_formulas


def user_layer_arg(text: str) -> tuple[str, Path]:
    """``NAME=FILE`` or ``FILE`` (named by its stem)."""
    name, sep, path = text.partition("=")
    if sep and name.strip() and path.strip():
        return name.strip(), Path(path.strip())
    return Path(text).stem, Path(text)


def read_user_layers(specs: list[str], *, crs: str | None) -> dict[str, gpd.GeoDataFrame]:
    """Read each ``--layer`` as an upload; two layers with one name are an error."""
    from geo.cli import read_input  # deferred: geo.cli loads this module

    layers: dict[str, gpd.GeoDataFrame] = {}
    for spec in specs:
        name, path = user_layer_arg(spec)
        if name in layers:
            raise InputFileError(
                f"--layer {spec}: a layer named {name!r} is given twice; name them NAME=FILE."
            )
        layers[name] = read_input(path, crs=crs)
    return layers


def cmd_check(args: argparse.Namespace) -> int:
    rules_path = Path(args.rules) if args.rules else RULES_FILE
    rules = load_rules(rules_path)
    zones = None if args.no_plan else load_zones(ZONES_FILE)
    layers = read_user_layers(args.layer or [], crs=args.crs)
    inputs = [str(rules_path)] + ([] if args.no_plan else [str(ZONES_FILE)])
    inputs += [str(user_layer_arg(s)[1]) for s in args.layer or []]
    report = run_rules(
        rules,
        zones=zones,
        user_layers=layers,
        only=tuple(args.rule or ()),
        inputs=tuple(inputs),
    )
    print(format_report(report, fmt=args.format))
    if args.out:
        write_geojson_atomic(all_violations(report), args.out)
    return 1 if report.failed else 0


def cmd_topology(args: argparse.Namespace) -> int:
    from geo.cli import read_input  # deferred: geo.cli loads this module

    findings = check_topology(
        read_input(args.file, crs=args.crs),
        id_column=args.id,
        gap_width_m=args.gap_width_m,
        sliver_width_m=args.sliver_width_m,
    )
    table = pd.DataFrame(findings.drop(columns="geometry"))
    _emit(table if args.format != "table" else topology_summary(findings), args.format)
    if args.format == "table" and len(table):
        _emit(table, "table")
    if args.out:
        write_geojson_atomic(findings, args.out)
    return 1 if len(findings) else 0


def cmd_landuse(args: argparse.Namespace) -> int:
    from geo.cli import read_input  # deferred: geo.cli loads this module

    codes = load_codes()
    layer = read_input(args.file, crs=args.crs)
    columns = detect_columns(layer, table=codes, code=args.code_column, name=args.name_column)
    classified = classify(layer, table=codes, columns=columns)
    print(
        f"{codes.citation} · {codes.levels_covered} · code column {columns.code!r}"
        f", name column {columns.name!r}",
        file=sys.stderr,
    )
    if args.by_zone:
        zones = load_zones(ZONES_FILE)
        table = zone_class_areas(
            layer, classified, zones.to_crs(layer.crs), table=codes, level=args.level
        )
    else:
        table = class_areas(layer, classified, table=codes, level=args.level)
    _emit(table, args.format)
    problems = code_problems(classified)
    if len(problems):
        print(f"{len(problems)} code problem(s):", file=sys.stderr)
        print(problems.to_string(index=False), file=sys.stderr)
    return 0


def _emit(table: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        print(defuse_formulas(table).to_csv(index=False).rstrip("\n"))
    elif fmt == "json":
        print(table.to_json(orient="records", force_ascii=False, indent=1))
    else:
        with pd.option_context("display.max_rows", 500, "display.width", 200):
            print(table.to_string(index=False))


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``check``, ``topology`` and ``landuse`` to ``sub`` (the CLI's subparsers)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "check",
        help="conflict rules (config/rules.toml) on the plan and user layers; exit 1 on failure",
    )
    p.add_argument("--rules", help="rules file (default config/rules.toml)")
    p.add_argument(
        "--layer",
        action="append",
        help="a user layer, FILE or NAME=FILE (repeatable), e.g. the three control lines",
    )
    p.add_argument("--rule", action="append", help="run only this rule id (repeatable)")
    p.add_argument("--no-plan", action="store_true", help="check the user layers only")
    p.add_argument("--crs", help="the CRS of layer files that declare none, e.g. EPSG:4543")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--out", help="also write every violating piece to this GeoJSON file")
    p.set_defaults(func=cmd_check)

    t = sub.add_parser(
        "topology", help="overlaps, gaps, slivers, invalid and duplicate geometries of a layer"
    )
    t.add_argument("file")
    t.add_argument("--id", default="id", help="column naming the features (default: id)")
    t.add_argument("--gap-width-m", type=float, default=GAP_WIDTH_M)
    t.add_argument("--sliver-width-m", type=float, default=SLIVER_WIDTH_M)
    t.add_argument("--crs", help="the CRS of a file that declares none, e.g. EPSG:4543")
    t.add_argument("--format", choices=["table", "csv", "json"], default="table")
    t.add_argument("--out", help="also write the findings to this GeoJSON file")
    t.set_defaults(func=cmd_topology)

    u = sub.add_parser("landuse", help="areas by land-use class (用地用海分类) of a coded layer")
    u.add_argument("file")
    u.add_argument("--level", type=int, choices=[1, 2], default=1)
    u.add_argument("--by-zone", action="store_true", help="by plan zone x class")
    u.add_argument("--code-column", help="the code column (default: found by name)")
    u.add_argument("--name-column", help="the name column (default: found by name)")
    u.add_argument("--crs", help="the CRS of a file that declares none, e.g. EPSG:4543")
    u.add_argument("--format", choices=["table", "csv", "json"], default="table")
    u.set_defaults(func=cmd_landuse)
    return p
