"""Command line: `python -m data_layer <verb>`. Verbs: init [--city guangzhou|none], demo, checksum, status, upgrade, user, kiosk, goals,
import, undo, template, export, backup, restore, sentiment, report."""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy import Engine

from data_layer import backup_cli, db, goals_cli, store, users_cli
from data_layer.i18n import translate
from data_layer.imports import cli as imports_cli
from data_layer.imports.cities import CITY_CHOICES
from data_layer.report import cli as report_cli
from data_layer.sentiment import cli as sentiment_cli
from data_layer.settings import get_settings


def _cmd_init(args: argparse.Namespace) -> int:
    engine = db.make_engine(get_settings().database_url)
    status = db.store_status(engine)
    if status.code == "newer":
        print(f"The store has schema revision {status.revision}, newer than this code knows; not touching it.",
              file=sys.stderr)
        return 2
    store.create_store(engine)
    print(f"Store ready (schema {db.store_status(engine).revision}): {_safe_url(engine)}")
    if args.city == "none":
        return 0
    if db.store_status(engine).code == "ok":  # buildings already: a store in use (the demo city, a bureau's)
        print(translate("imports.cli.init_in_use", args.lang or get_settings().locale), file=sys.stderr)
        return 0
    from data_layer.imports.cities import load_city
    from data_layer.imports.cli import print_outcome

    for outcome in load_city(engine, args.city, user=imports_cli.cli_user()):
        code = print_outcome(outcome, args.lang or get_settings().locale, dry_run=False)
        if code:
            return code
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from data_layer.demo import build_demo

    settings = get_settings()
    engine = db.make_engine(settings.database_url)
    status = db.store_status(engine)
    if args.if_missing and status.code == "ok":
        print("Store already holds data; demo build skipped.")
        return 0
    if status.code not in {"missing", "empty"} and not args.reset:
        print(f"The store is not empty ({status.code}); use --reset to replace it with the demo city.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    if args.reset or status.code == "unreadable":
        store.drop_everything(engine) if status.code != "unreadable" else _remove_sqlite_file(settings.database_url)
        engine.dispose()
        engine = db.make_engine(settings.database_url)
    store.create_store(engine)
    counts = build_demo(engine, today=settings.today, seed=settings.demo_seed)
    print(f"Demo city built in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


def _cmd_checksum(args: argparse.Namespace) -> int:
    engine = db.make_engine(get_settings().database_url)
    status = db.store_status(engine)
    if not status.usable:
        print(f"Store not usable: {status.code} {status.detail}", file=sys.stderr)
        return 2
    print(store.checksum(engine))
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    engine = db.make_engine(get_settings().database_url)
    status = db.store_status(engine)
    print(f"{status.code} revision={status.revision} {status.detail}".strip())
    return 0 if status.usable else 1


def _cmd_upgrade(args: argparse.Namespace) -> int:
    engine = db.make_engine(get_settings().database_url)
    status = db.store_status(engine)
    if status.code in {"newer", "unreadable"}:
        print(f"Cannot upgrade: {status.code} {status.detail}", file=sys.stderr)
        return 2
    store.create_store(engine)
    print(f"Schema at {db.store_status(engine).revision}")
    return 0


def _remove_sqlite_file(url: str) -> None:
    from pathlib import Path

    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if database:
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    """Every verb of `python -m data_layer` (tests/test_docs.py checks that the README names each one)."""
    parser = argparse.ArgumentParser(prog="python -m data_layer", description="Building-economy dashboard store")
    verbs = parser.add_subparsers(dest="verb", required=True)
    init = verbs.add_parser("init", help="create a store: schema, reference rows, and a city's districts and streets")
    init.add_argument("--city", choices=CITY_CHOICES, default="guangzhou",
                      help="the city whose district boundaries and street registry to load (none: a blank store)")
    init.add_argument("--lang", choices=("zh", "en"), default=None, help="language of the messages (zh or en)")
    demo = verbs.add_parser("demo", help="build the demo city into the configured store")
    demo.add_argument("--reset", action="store_true", help="drop whatever the store holds first")
    demo.add_argument("--if-missing", action="store_true", help="do nothing if the store already holds data")
    verbs.add_parser("checksum", help="print one checksum of the store's data")
    verbs.add_parser("status", help="print the store's schema status")
    verbs.add_parser("upgrade", help="upgrade the store's schema in place")
    users_cli.add_parsers(verbs)
    goals_cli.add_parsers(verbs)
    imports_cli.add_parsers(verbs)
    backup_cli.add_parsers(verbs)
    sentiment_cli.add_parsers(verbs)
    report_cli.add_parsers(verbs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"init": _cmd_init, "demo": _cmd_demo, "checksum": _cmd_checksum, "status": _cmd_status,
                "upgrade": _cmd_upgrade, **users_cli.HANDLERS, **goals_cli.HANDLERS,
                **imports_cli.HANDLERS, **backup_cli.HANDLERS, **sentiment_cli.HANDLERS, **report_cli.HANDLERS}
    return handlers[args.verb](args)


if __name__ == "__main__":
    sys.exit(main())
