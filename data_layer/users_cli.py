"""The `user` and `kiosk` verbs of `python -m data_layer`: accounts and display links from the command line.

Whoever runs these has the store in hand, so they act as an admin; the audit rows name the operating-system user
and say `via = cli`."""

from __future__ import annotations

import argparse
import getpass
import sys
from urllib.parse import urlencode

import pandas as pd
from sqlalchemy import Engine

from data_layer import db, users
from data_layer.auth import ROLES, Actor
from data_layer.settings import get_settings


def add_parsers(verbs: argparse._SubParsersAction) -> None:
    user = verbs.add_parser("user", help="accounts: add, list, disable, enable, reset-password, set-role")
    actions = user.add_subparsers(dest="user_verb", required=True)
    add = actions.add_parser("add", help="create an account (asks for the password twice)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="viewer")
    add.add_argument("--display-name", default="", help="the person's name as shown in the app")
    add.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    add.add_argument("--districts", default="", help="comma-separated district codes an editor may import for")
    actions.add_parser("list", help="list the accounts")
    for verb, text in (("disable", "stop an account from signing in"), ("enable", "let a disabled account in again")):
        actions.add_parser(verb, help=text).add_argument("name")
    reset = actions.add_parser("reset-password", help="set a new password (asks twice)")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    set_role = actions.add_parser("set-role", help="change an account's role")
    set_role.add_argument("name")
    set_role.add_argument("role", choices=ROLES)
    scope = actions.add_parser("set-districts", help="limit an editor's imports to some districts")
    scope.add_argument("name")
    scope.add_argument("districts", nargs="*", help="district codes (e.g. 440106 440105); none: every district")

    kiosk = verbs.add_parser("kiosk", help="read-only display links for briefing screens")
    kiosk_actions = kiosk.add_subparsers(dest="kiosk_verb", required=True)
    create = kiosk_actions.add_parser("create", help="make a link; its token is printed once")
    create.add_argument("label", help="where the screen stands, e.g. 3F meeting room")
    create.add_argument("--base-url", default="http://localhost:8501", help="the app's address as screens reach it")
    kiosk_actions.add_parser("list", help="list the links (never their tokens)")
    kiosk_actions.add_parser("revoke", help="stop a link from working").add_argument("id", type=int)


def _operator() -> Actor:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        name = "cli"
    return Actor(name=name[:80] or "cli", role="admin", via="cli")


def _engine() -> Engine | None:
    engine = db.make_engine(get_settings().database_url)
    status = db.store_status(engine)
    if status.usable:
        return engine
    hint = {"missing": "create it first: python -m data_layer init",
            "needs_upgrade": "upgrade it first: python -m data_layer upgrade"}.get(status.code, status.detail)
    print(f"The store is not usable ({status.code}); {hint}", file=sys.stderr)
    return None


def _read_password(from_stdin: bool) -> str:
    """One line from stdin for scripts; otherwise asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise users.UserError("mismatch", "the two passwords differ")
    return first


def _print_users(engine: Engine) -> None:
    frame = users.list_users(engine)
    if frame.empty:
        print("No accounts yet.")
        return
    print(f"{'user name':<24} {'role':<7} {'status':<9} {'last sign-in':<17} {'districts':<16} name")
    for row in frame.itertuples():
        last = "-" if pd.isna(row.last_login_at) else row.last_login_at.strftime("%Y-%m-%d %H:%M")
        status = "active" if row.is_active else "disabled"
        scope = row.districts or "all"
        print(f"{row.username:<24} {row.role:<7} {status:<9} {last:<17} {scope:<16} {row.display_name}")


def cmd_user(args: argparse.Namespace) -> int:
    engine = _engine()
    if engine is None:
        return 2
    by = _operator()
    name = getattr(args, "name", "")
    try:
        if args.user_verb == "list":
            _print_users(engine)
        elif args.user_verb == "add":
            added = users.add_user(engine, username=name, password=_read_password(args.password_stdin),
                                   role=args.role, by=by, display_name=args.display_name)
            print(f"Account {added.username} added with role {added.role}.")
            if args.districts:
                users.set_districts(engine, username=name, districts=args.districts.split(","), by=by)
                print(f"Imports limited to districts {args.districts}.")
        elif args.user_verb == "reset-password":
            users.reset_password(engine, username=name, password=_read_password(args.password_stdin), by=by)
            print(f"Password of {users.normalise_username(name)} reset.")
        elif args.user_verb in ("disable", "enable"):
            users.set_active(engine, username=name, active=args.user_verb == "enable", by=by)
            print(f"Account {users.normalise_username(name)} {args.user_verb}d.")
        elif args.user_verb == "set-role":
            users.set_role(engine, username=name, role=args.role, by=by)
            print(f"Account {users.normalise_username(name)} now has role {args.role}.")
        elif args.user_verb == "set-districts":
            users.set_districts(engine, username=name, districts=args.districts, by=by)
            scope = ", ".join(args.districts) if args.districts else "every district"
            print(f"Account {users.normalise_username(name)} may import for: {scope}.")
    except users.UserError as error:
        print(f"Refused: {error}", file=sys.stderr)
        return 2
    return 0


def cmd_kiosk(args: argparse.Namespace) -> int:
    engine = _engine()
    if engine is None:
        return 2
    by = _operator()
    try:
        if args.kiosk_verb == "create":
            token_id, token = users.create_kiosk_token(engine, label=args.label, by=by)
            print(f"Display link #{token_id} created. Its token is shown only now:\n  {token}")
            # The briefing page: a display link is for the wall screen (the root opens the overview and its sidebar).
            print(f"Open on the screen: {args.base_url.rstrip('/')}/briefing?{urlencode({'kiosk': token})}")
        elif args.kiosk_verb == "list":
            frame = users.list_kiosk_tokens(engine)
            for row in frame.itertuples():
                state = "active" if pd.isna(row.revoked_at) else "revoked"
                print(f"#{row.id:<4} {state:<8} {row.created_at:%Y-%m-%d} {row.created_by:<16} {row.label}")
            if frame.empty:
                print("No display links yet.")
        elif args.kiosk_verb == "revoke":
            users.revoke_kiosk_token(engine, token_id=args.id, by=by)
            print(f"Display link #{args.id} revoked.")
    except users.UserError as error:
        print(f"Refused: {error}", file=sys.stderr)
        return 2
    return 0


HANDLERS = {"user": cmd_user, "kiosk": cmd_kiosk}
