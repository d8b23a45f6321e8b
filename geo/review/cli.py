"""``python -m geo check``: the declared conflict rules on the plan and the user's layers.

    python -m geo check                                  # config/rules.toml on the plan
    python -m geo check --layer sanqu_sanxian.gpkg        # with the three control lines
    python -m geo check --layer 红线=red_line.geojson --format json
    python -m geo check --rules my_rules.toml --rule city_tiers_disjoint --out pieces.geojson

Exit status 1 when any rule fails (uncertain and not-run rules do not fail the check),
2 on an input error. User layers are read exactly as uploads are (formats, limits, CRS
checks); ``--layer NAME=FILE`` names the layer for ``user:NAME`` selectors, otherwise
the file's stem is its name.

Wired into :mod:`geo.cli` by ``add_parser(sub)``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.errors import InputFileError
from geo.io import write_geojson_atomic
from geo.plan.zones import ZONES_FILE, load_zones
from geo.review.conflicts import all_violations, run_rules
from geo.review.report import format_report
from geo.review.rules import RULES_FILE, load_rules


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


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``check`` command to ``sub`` (the CLI's subparsers)."""
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
    return p
