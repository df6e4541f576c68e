"""Command-line verbs for backup and restore (the operator's side of data_layer/backup.py):

    python -m data_layer backup FILE [--data-only] [--lang zh|en]      # full by default: accounts included
    python -m data_layer restore FILE [--full] [--user NAME] [--lang zh|en]   # data tables only by default

Whoever runs these has the server's DATABASE_URL, so they act as an admin (like `user` and `kiosk`). A restore
never removes audit rows: it appends its own, and --full also adds the backup's rows the store lacks.

Exit codes: 0 done, 1 the backup was refused (the reason on stderr, the store unchanged), 2 bad arguments or an
unusable store.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from data_layer import backup as backups
from data_layer import db
from data_layer.i18n import translate
from data_layer.imports.cli import LANGS, _engine, _lang, _say, cli_user
from data_layer.settings import get_settings


def add_parsers(verbs: argparse._SubParsersAction) -> None:
    bak = verbs.add_parser("backup", help="write a backup of the store (SQLite online backup / pg_dump); full "
                                          "unless --data-only")
    bak.add_argument("file", type=Path)
    bak.add_argument("--data-only", action="store_true",
                     help="leave out accounts, kiosk links, sign-in history and the audit trail (what editors get)")
    res = verbs.add_parser("restore", help="replace the store's data tables with a checked backup (accounts, kiosk "
                                           "links and the audit trail are kept unless --full)")
    res.add_argument("file", type=Path)
    res.add_argument("--full", action="store_true",
                     help="also replace accounts, kiosk links and sign-in history (disaster recovery); the audit "
                          "trail still keeps every row it has")
    res.add_argument("--user", default=None, help="name recorded in the audit trail (default: cli:<login>)")
    for verb in (bak, res):
        verb.add_argument("--lang", choices=LANGS, default=None, help="language of the messages (zh or en)")


def cmd_backup(args: argparse.Namespace) -> int:
    lang = _lang(args)
    engine = _engine(lang)
    if engine is None:
        return 2
    try:
        path = backups.backup(engine, args.file, full=not args.data_only)
    except backups.BackupError as error:
        _say(lang, "backup_failed", error=True,
             reason=translate(f"imports.backup.bad.{error.code}", lang, **error.params))
        return 2
    _say(lang, "backup_written", file=path, size=f"{path.stat().st_size:,}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    lang = _lang(args)
    if not args.file.is_file():
        _say(lang, "not_found", error=True, file=args.file)
        return 2
    engine = db.make_engine(get_settings().database_url)
    try:
        result = backups.restore(engine, args.file, user=args.user or cli_user(), via="cli", full=args.full)
    except backups.BackupError as error:
        print(translate(f"imports.backup.bad.{error.code}", lang, **error.params), file=sys.stderr)
        return 1
    except (SQLAlchemyError, sqlite3.Error, OSError) as error:  # the store itself failed: say so, no traceback
        print(translate("imports.backup.bad.failed", lang, detail=str(error)[:300]), file=sys.stderr)
        return 1
    key = "imports.backup.restored_full" if result.full else "imports.backup.restored"
    print(translate(key, lang, tables=result.tables))
    return 0


HANDLERS = {"backup": cmd_backup, "restore": cmd_restore}
