"""``python -m geo diff A B``: what changed between two versions, element by element.

    python -m geo diff before.geojson after.geojson          # two versions, paired by id
    python -m geo diff plan 控规.dxf --crs EPSG:4543           # a user layer against the plan
    python -m geo diff plan after.gpkg --unit ha --out diff.xlsx
    python -m geo diff store@2026-12-01T09:00:00Z store  # the stored plan then and now

``A`` and ``B`` are files read exactly as uploads are (:func:`geo.cli.read_input`: the
same formats, DXF included, limits and CRS checks), ``plan`` for the published zones
(``data/zones.geojson``), or a reference one of :data:`VERSION_SOURCES` resolves:
``store`` / ``store@TIME`` for the plan in the versioned store, now or at a time. When one
side is the plan and the other has no key column, the other's features are matched to
plan elements by a name or code column (:func:`geo.edit.compare.compare_with_plan`).

Wired into :mod:`geo.cli` by ``add_parser(sub)``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import geopandas as gpd

from geo.edit.compare import Comparison, compare_layers, compare_with_plan, diff_table
from geo.errors import InputFileError

PLAN: Final = "plan"
"""The reference that names the plan's current zones (``data/zones.geojson``)."""

VersionSource = Callable[[str], gpd.GeoDataFrame | None]
"""Resolves a version reference to a layer (EPSG:4326), or None when it is not its own."""
STORE: Final = "store"
"""The reference that names the plan as the versioned store holds it now; ``store@TIME``
(ISO 8601 UTC, as the history lists versions) names it as it was then."""


def store_plan(ref: str) -> gpd.GeoDataFrame | None:
    """``store`` / ``store@TIME``: the store's plan (:meth:`geo.store.store.Store.current_plan`)
    in the store the settings name (``PLANMAP_DATABASE_URL`` or the workspace's file)."""
    name, _sep, as_of = ref.partition("@")
    if name != STORE:
        return None
    from geo.store.store import open_plan_store  # deferred: only this reference needs it

    with open_plan_store() as store:
        return store.current_plan(as_of=_utc(as_of, ref=ref) if as_of else None)


def _utc(text: str, *, ref: str) -> str:
    """An ISO 8601 time as the store writes times (UTC, microseconds); a time without a
    zone is taken as UTC."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputFileError(
            f"{ref}: {text!r} is not a time; write it as ISO 8601, e.g. "
            "store@2026-12-01T09:00:00Z (UTC) or store@2026-12-01T17:00:00+08:00."
        ) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


VERSION_SOURCES: Final[list[VersionSource]] = [store_plan]
"""Resolvers of version references tried after files and ``plan``, in turn."""


def load_side(ref: str, *, layer: str | None, args: argparse.Namespace) -> gpd.GeoDataFrame:
    """The layer a reference names: ``plan``, a file, or a version a source resolves."""
    if ref == PLAN:
        from geo.plan.zones import load_zones

        return load_zones()
    if Path(ref).is_file():
        from geo.cli import _read  # deferred: geo.cli loads this module

        return _read(ref, layer=layer, args=args)
    for source in VERSION_SOURCES:
        found = source(ref)
        if found is not None:
            return found
    raise InputFileError(
        f"{ref}: neither a file nor '{PLAN}' (the published zones) nor '{STORE}' / "
        f"'{STORE}@TIME' (the plan in the versioned store); check the path."
    )


def compare_refs(
    a: gpd.GeoDataFrame, b: gpd.GeoDataFrame, *, a_is_plan: bool, b_is_plan: bool, key: str
) -> Comparison:
    """Compare two loaded sides; a plan side against a layer without ``key`` matches."""
    if a_is_plan and key not in b.columns:
        return compare_with_plan(b, a)
    if b_is_plan and key not in a.columns:
        raise InputFileError(
            f"the first layer has no column {key!r}: to compare a layer against the plan, put "
            "the plan first (python -m geo diff plan FILE); the plan is the 'before' side."
        )
    return compare_layers(a, b.to_crs(a.crs) if b.crs != a.crs else b, key=key)


def _is_plan(ref: str) -> bool:
    return ref == PLAN or ref.partition("@")[0] == STORE


def cmd_diff(args: argparse.Namespace) -> int:
    a = load_side(args.a, layer=args.layer_a, args=args)
    b = load_side(args.b, layer=args.layer_b, args=args)
    comparison = compare_refs(
        a, b, a_is_plan=_is_plan(args.a), b_is_plan=_is_plan(args.b), key=args.key
    )
    for note in comparison.notes:
        print(f"note: {note}", file=sys.stderr)
    table = diff_table(comparison, unit=args.unit)
    if args.out:
        from geo.export.tables import write_table

        notes = {"before": args.a, "after": args.b, "method": str(table["method"].iloc[0])}
        written = write_table(table, args.out, sheet="diff", notes=notes)
        print(f"wrote {written}", file=sys.stderr)
    from geo.cli import _emit

    _emit(table.drop(columns=["method", "crs", "unit_zh"]), args.format, print)
    return 0


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``diff`` on the subparsers of :func:`geo.cli.parser`."""
    sp: argparse.ArgumentParser = sub.add_parser(
        "diff", help="what changed between two versions (or a layer and the plan), per element"
    )
    sp.add_argument(
        "a", help="before: a file, 'plan' (published zones), 'store' or 'store@TIME' (stored)"
    )
    sp.add_argument("b", help="after: the same kinds as A")
    sp.add_argument("--key", default="id", help="the column pairing elements (default: id)")
    sp.add_argument("--layer-a", help="layer of A (GeoPackage layer, CAD layer of a DXF)")
    sp.add_argument("--layer-b", help="layer of B")
    sp.add_argument("--unit", choices=["km2", "ha", "mu", "m2"], default="km2")
    sp.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sp.add_argument("--out", help="also write the table to this .xlsx or .csv file")
    sp.add_argument("--crs", help="the CRS of files that declare none, e.g. EPSG:4543")
    sp.add_argument("--encoding", help="text encoding of a Shapefile or DXF, e.g. gbk")
    sp.add_argument("--allow-outside", action="store_true")
    # geo.cli reads files with these too; the upload limits of config/upload.toml apply.
    sp.set_defaults(func=cmd_diff, coordinates="wgs84", max_file_mb=None)
    sp.set_defaults(max_features=None, max_vertices=None)
    return sp
