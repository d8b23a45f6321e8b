"""``python -m geo users …`` and ``python -m geo history …``: accounts and the audit trail.

    python -m geo users add NAME --role editor     # asks for the password (or --password-stdin)
    python -m geo users disable NAME               # enable NAME, role NAME ROLE, list
    python -m geo users list
    python -m geo history [ELEMENT_OR_LAYER] [--user NAME] [--format table|csv|json]
    python -m geo store import-layer FILE --owner NAME [--name N] [--share]
        [--max-file-mb N] [--max-features N] [--max-vertices N]   # a layer over the
        # upload's limits, saved as an upload (geo/store/importer.py), figures and tiles built

All work on the store the app uses (``PLANMAP_DATABASE_URL``, else the embedded file in
the app's workspace: ``PLANMAP_WORKSPACE`` or ``config/upload.toml``). The command line
is the administrator's: ``history`` shows every entry, private layers included. Wired
into :mod:`geo.cli` by ``add_parser(sub)``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import cast

import pandas as pd

from geo.errors import GeoError
from geo.store.importer import IMPORT_BOUNDS, app_workspace_dir
from geo.store.store import AuditEntry, Store, StoreError, open_plan_store
from geo.store.users import ROLES, Role, User

HISTORY_COLUMNS = (
    "time_utc", "username", "action", "kind", "object_id", "name", "version_before",
    "version_after", "area_before_m2", "area_after_m2", "reason",
)  # fmt: skip
ADMIN = User("command line", "admin", False, "")
"""Who reads the history from the command line: the machine's administrator."""


def history_table(entries: list[AuditEntry]) -> pd.DataFrame:
    """The audit trail as a table, newest first (the app's export uses it too)."""
    rows = [{c: getattr(e, c) for c in HISTORY_COLUMNS} for e in entries]
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise GeoError("no terminal to ask the password on; give it with --password-stdin.")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise GeoError("the two passwords differ; run the command again.")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    with open_plan_store(seed=False, workspace_dir=app_workspace_dir()) as store:
        return _users(store, args)


def _users(store: Store, args: argparse.Namespace) -> int:
    if args.action == "add":
        user = store.add_user(args.name, _password(args), cast(Role, args.role))
        print(f"added {user.username} ({user.role})")
    elif args.action in ("disable", "enable"):
        user = store.set_user(args.name, disabled=args.action == "disable")
        print(f"{user.username}: {'disabled' if user.disabled else 'enabled'}")
    elif args.action == "role":
        user = store.set_user(args.name, role=cast(Role, args.role))
        print(f"{user.username}: {user.role}")
    else:
        for user in store.list_users():
            state = "disabled" if user.disabled else "active"
            print(f"{user.username}\t{user.role}\t{state}\tsince {user.created_utc[:10]}")
    return 0


def _object_id(store: Store, wanted: str) -> str:
    """An element or layer id as given, or the id of the one object with that name."""
    if store.versions_exist(wanted):
        return wanted
    found = store.find_by_name(wanted)
    if len(found) == 1:
        return found[0]
    if found:
        raise StoreError(f"{len(found)} objects are named {wanted!r}; give one of: "
                         f"{', '.join(found)}.")  # fmt: skip
    raise StoreError(f"no plan element or layer {wanted!r}; `python -m geo history` lists all.")


def cmd_history(args: argparse.Namespace) -> int:
    with open_plan_store(workspace_dir=app_workspace_dir()) as store:
        object_id = _object_id(store, args.object) if args.object else None
        table = history_table(
            store.history(ADMIN, object_id=object_id, username=args.user, limit=args.limit)
        )
    if args.format == "csv":
        from geo.tables import defuse_formulas  # names and reasons are user text

        print(defuse_formulas(table).to_csv(index=False).rstrip("\n"))
    elif args.format == "json":
        print(table.to_json(orient="records", force_ascii=False, indent=1))
    elif table.empty:
        print("no changes recorded")
    else:
        print(table.to_string(index=False))
    return 0


def cmd_import_layer(args: argparse.Namespace) -> int:
    """``store import-layer``: the layer saved, measured and tiled; what was done said in
    Chinese and in English."""
    from geo.declared.i18n import say, t
    from geo.store.importer import import_layer, import_settings

    settings = import_settings(
        max_file_mb=args.max_file_mb, max_features=args.max_features,
        max_vertices=args.max_vertices,
    )  # fmt: skip
    workspace = app_workspace_dir()
    with open_plan_store(workspace_dir=workspace) as store:
        done = import_layer(
            store, store.user(args.owner), args.file,
            workspace_dir=workspace, name=args.name, share=args.share,
            settings=settings, layer=args.layer, crs=args.crs, encoding=args.encoding,
            coordinates=args.coordinates, allow_outside=args.allow_outside,
        )  # fmt: skip
    for lang in ("zh", "en"):
        print(
            t(
                "import_layer_done", lang, name=done.layer.name, layer_id=done.layer.layer_id,
                owner=done.owner, version=done.version,
                access=t("import_shared" if done.shared else "import_private", lang),
            )
        )  # fmt: skip
        print(done.summary.line("km2", lang))
        print(
            t(
                "import_layer_tiles", lang, count=done.tiles.feature_count,
                min_zoom=done.tiles.min_zoom, max_zoom=done.tiles.max_zoom,
            )
        )  # fmt: skip
        for message in done.messages:
            print(say(message, lang))
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sp = sub.add_parser("users", help="accounts of the store: add, disable, enable, role, list")
    sp.add_argument("action", choices=["add", "disable", "enable", "role", "list"])
    sp.add_argument("name", nargs="?", help="the user name (not for list)")
    sp.add_argument("--role", choices=ROLES, default="viewer", help="for add and role")
    sp.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    sp.set_defaults(func=_checked_users)

    sp = sub.add_parser("history", help="the audit trail of the plan and the layers")
    sp.add_argument("object", nargs="?", help="a plan element or layer (id or name)")
    sp.add_argument("--user", help="only this user's changes")
    sp.add_argument("--limit", type=int, help="only the latest N entries")
    sp.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sp.set_defaults(func=cmd_history)

    sp = sub.add_parser("store", help="the administrator's work on the store")
    work = sp.add_subparsers(dest="store_command", required=True)
    ip = work.add_parser(
        "import-layer",
        help="save a layer too large to upload as a user's layer, with its figures and tiles",
    )
    ip.add_argument("file", help="GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, CSV or DXF")
    ip.add_argument("--owner", required=True, help="the user whose layer it becomes")
    ip.add_argument("--name", help="the layer's name (default: the file's name)")
    ip.add_argument("--share", action="store_true", help="share it (private by default)")
    ip.add_argument("--layer", help="layer name in a multi-layer file (GeoPackage)")
    ip.add_argument("--crs", help="the CRS of a file that declares none (never guessed)")
    ip.add_argument("--encoding", help="attribute encoding of a Shapefile, e.g. gbk")
    ip.add_argument("--coordinates", choices=["wgs84", "gcj02", "bd09"], default="wgs84")
    ip.add_argument("--allow-outside", action="store_true", help="accept data outside Yunnan")
    for flag, kind, what in (
        ("max_file_mb", float, "largest file in MB"),
        ("max_features", int, "most features"),
        ("max_vertices", int, "most coordinates"),
    ):
        ip.add_argument(
            f"--{flag.replace('_', '-')}",
            type=kind,
            help=f"{what}: raise the upload's limit (config/upload.toml) for this import, "
            f"at most to {IMPORT_BOUNDS[flag]:,}",
        )
    ip.set_defaults(func=cmd_import_layer)


def _checked_users(args: argparse.Namespace) -> int:
    if args.action != "list" and not args.name:
        raise GeoError(f"users {args.action} needs a user name.")
    return cmd_users(args)
