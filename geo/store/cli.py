"""``python -m geo users …`` and ``python -m geo history …``: accounts and the audit trail.

    python -m geo users add NAME --role editor     # asks for the password (or --password-stdin)
    python -m geo users disable NAME               # enable NAME, role NAME ROLE, list
    python -m geo users list
    python -m geo history [ELEMENT_OR_LAYER] [--user NAME] [--format table|csv|json]

Both work on the store the app uses (``PLANMAP_DATABASE_URL``, else the embedded file in
the workspace). The command line is the administrator's: ``history`` shows every entry,
private layers included. Wired into :mod:`geo.cli` by ``add_parser(sub)``.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import cast

import pandas as pd

from geo.errors import GeoError
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
    with open_plan_store(seed=False) as store:
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
    with open_plan_store() as store:
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


def _checked_users(args: argparse.Namespace) -> int:
    if args.action != "list" and not args.name:
        raise GeoError(f"users {args.action} needs a user name.")
    return cmd_users(args)
