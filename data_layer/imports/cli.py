"""Command-line verbs for scheduled loads (backup and restore: data_layer/backup_cli.py):

    python -m data_layer import KIND FILE [--dry-run] [--user NAME] [--crs GCJ-02|WGS-84|BD-09] [--lang zh|en]
        (--user naming an editor limited to some districts imports within that scope)
    python -m data_layer undo BATCH [--user NAME] [--lang zh|en]
    python -m data_layer template KIND FILE [--lang zh|en]     # .xlsx, .csv (or .geojson for boundaries)
    python -m data_layer export TABLE FILE [--lang zh|en]      # .xlsx or .csv, formula-looking cells escaped

Messages are in --lang, else DASHBOARD_LOCALE (the help texts stay English, like every other verb's).

Exit codes: 0 done (or a clean dry run), 1 the file was rejected (every problem listed on stderr with file, sheet,
row and column), 2 bad arguments or an unusable store, 3 the store stayed busy.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sqlalchemy import Engine

from data_layer import db, users
from data_layer.i18n import translate
from data_layer.imports import ALL_KINDS, Options, Outcome, StoreBusy, resolve_kind, run_import, undo_batch
from data_layer.imports.fields import CRS_NAMES
from data_layer.imports.geo import CRS_CODES
from data_layer.imports.table_export import EXPORTABLE, TooManyRows, export_bytes
from data_layer.imports.templates import template_bytes
from data_layer.imports.values import norm
from data_layer.settings import get_settings

LANGS = ("zh", "en")


def cli_user() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _crs_option(value: str) -> str:
    """--crs: a CRS code or one of its spellings (wgs84, gps, 高德...), as the code; anything else is left as
    written so that argparse refuses it against CRS_CODES with the list of choices."""
    return CRS_NAMES.lookup.get(norm(value), value)


def _lang(args: argparse.Namespace) -> str:
    return getattr(args, "lang", None) or get_settings().locale


def _say(lang: str, key: str, *, error: bool = False, **params: object) -> None:
    print(translate(f"imports.cli.{key}", lang, **params), file=sys.stderr if error else sys.stdout)


def add_parsers(verbs: argparse._SubParsersAction) -> None:
    imp = verbs.add_parser("import", help="check and import a CSV/XLSX/GeoJSON file (all or nothing)")
    imp.add_argument("kind", help=f"one of: {', '.join(ALL_KINDS)}")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check and show what would change; write nothing")
    imp.add_argument("--user", default=None, help="name recorded in the import history (default: cli:<login>)")
    imp.add_argument("--crs", default=None, type=_crs_option, choices=CRS_CODES,
                     help="CRS of coordinates when the file does not say (GCJ-02, WGS-84, BD-09)")
    undo = verbs.add_parser("undo", help="undo an import batch (see the history on the 数据管理 page)")
    undo.add_argument("batch", type=int)
    undo.add_argument("--user", default=None)
    tpl = verbs.add_parser("template", help="write the import template of a kind (.xlsx, .csv, or .geojson)")
    tpl.add_argument("kind")
    tpl.add_argument("file", type=Path)
    exp = verbs.add_parser("export", help="write a table to .xlsx or .csv (formula-looking cells escaped)")
    exp.add_argument("table", help=f"one of: {', '.join(EXPORTABLE)}")
    exp.add_argument("file", type=Path)
    for verb in (imp, undo, tpl, exp):
        verb.add_argument("--lang", choices=LANGS, default=None, help="language of the messages (zh or en)")


def _engine(lang: str) -> Engine | None:
    engine = db.make_engine(get_settings().database_url)
    status = db.store_status(engine)
    if not status.usable:
        _say(lang, "store_unusable", error=True, code=status.code, detail=status.detail or "")
        return None
    return engine


def cmd_import(args: argparse.Namespace) -> int:
    lang = _lang(args)
    kind = resolve_kind(args.kind)
    if kind is None:
        print(translate("imports.problem.unknown_kind", lang, kind=args.kind), file=sys.stderr)
        return 2
    if not args.file.is_file():
        _say(lang, "not_found", error=True, file=args.file)
        return 2
    engine = _engine(lang)
    if engine is None:
        return 2
    # --user naming an account limited to some districts imports within that scope, as on the page
    account = users.get_user(engine, username=args.user) if args.user else None
    scope = account.scope if account is not None else None
    try:
        outcome = run_import(engine, kind=kind, file_name=args.file.name, data=args.file.read_bytes(),
                             user=args.user or cli_user(), via="cli",
                             options=Options(crs=args.crs, districts=scope), dry_run=args.dry_run)
    except StoreBusy:
        print(translate("imports.busy", lang), file=sys.stderr)
        return 3
    return print_outcome(outcome, lang, dry_run=args.dry_run)


def print_outcome(outcome: Outcome, lang: str, *, dry_run: bool) -> int:
    """Notes and problems on stderr, counts per table on stdout; the exit code (0 done or clean, 1 rejected)."""
    for note in outcome.findings.notes:
        print(note.line(lang), file=sys.stderr)
    if not outcome.ok:
        for problem in outcome.findings.problems:
            print(problem.line(lang), file=sys.stderr)
        if outcome.findings.unlisted:
            print(translate("imports.unlisted", lang, count=outcome.findings.unlisted), file=sys.stderr)
        print(translate("imports.rejected", lang, count=outcome.findings.error_count), file=sys.stderr)
        return 1
    print(outcome.file_name)
    for table, change in outcome.changes.items():
        counts = change.counts
        print(f"  {table}: " + ", ".join(f"{translate(f'imports.count.{k}', lang)} {v:,}" for k, v in counts.items()))
    totals = outcome.totals()
    if dry_run:
        _say(lang, "dry_run")
    elif outcome.committed:
        print(translate("imports.done", lang, batch=outcome.batch_id, **totals))
    else:
        print(translate("imports.nothing", lang))
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    lang = _lang(args)
    engine = _engine(lang)
    if engine is None:
        return 2
    try:
        outcome = undo_batch(engine, batch_id=args.batch, user=args.user or cli_user(), via="cli")
    except StoreBusy:
        print(translate("imports.busy", lang), file=sys.stderr)
        return 3
    print(outcome.message(lang), file=sys.stdout if outcome.ok else sys.stderr)
    return 0 if outcome.ok else 1


def cmd_template(args: argparse.Namespace) -> int:
    lang = _lang(args)
    kind = resolve_kind(args.kind)
    if kind is None:
        _say(lang, "unknown_kind", error=True, kind=args.kind, kinds=", ".join(ALL_KINDS))
        return 2
    suffix = args.file.suffix.lower().lstrip(".")
    fmt = {"xlsx": "xlsx", "csv": "csv", "geojson": "geojson", "json": "geojson"}.get(suffix)
    if fmt is None or (kind == "boundaries") != (fmt == "geojson") or (kind == "workbook" and fmt == "csv"):
        _say(lang, "template_suffix", error=True)
        return 2
    args.file.parent.mkdir(parents=True, exist_ok=True)
    args.file.write_bytes(template_bytes(kind, fmt, get_settings().today))
    _say(lang, "template_written", file=args.file)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    lang = _lang(args)
    if args.table not in EXPORTABLE:
        _say(lang, "unknown_table", error=True, table=args.table, tables=", ".join(EXPORTABLE))
        return 2
    fmt = args.file.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        _say(lang, "export_suffix", error=True)
        return 2
    engine = _engine(lang)
    if engine is None:
        return 2
    try:
        data = export_bytes(engine, args.table, fmt, role="admin")  # the command line acts as an admin
    except TooManyRows:
        print(translate("imports.export.too_many", lang), file=sys.stderr)
        return 2
    args.file.parent.mkdir(parents=True, exist_ok=True)
    args.file.write_bytes(data)
    _say(lang, "exported", table=args.table, file=args.file, size=f"{len(data):,}")
    return 0


HANDLERS = {"import": cmd_import, "undo": cmd_undo, "template": cmd_template, "export": cmd_export}
