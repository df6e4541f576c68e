"""The `report` verb of the command line: the quarterly review pack for scheduled runs.

    python -m data_layer report --year 2026 --quarter 3 [--scope city|district:440106] --format pdf|pptx
                                --out FILE [--lang zh|en] [--sections kpis,targets,...] [--issue USER]

Exit codes: 0 written; 2 the store cannot be used, the arguments do not fit the data (no data in the quarter,
unknown district), the CJK font is missing or cannot be embedded (the message names DASHBOARD_CJK_FONT), or
making the pack failed on something unforeseen in the data (one line saying what, never a traceback). The file is written only
when the whole pack was made (a temporary file beside it is renamed into place), so a failed run leaves no half
file for a mailing job to pick up.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from data_layer import db, report
from data_layer.aggregates import Scope
from data_layer.report import archive, sections
from data_layer.settings import get_settings

log = logging.getLogger("dashboard.report")


def add_parsers(verbs: argparse._SubParsersAction) -> None:
    parser = verbs.add_parser("report", help="write the quarterly review pack (PDF or PPTX)")
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--quarter", type=int, required=True, choices=(1, 2, 3, 4))
    parser.add_argument("--scope", default="city", help="city (default) or district:CODE")
    parser.add_argument("--format", choices=report.FORMATS, required=True)
    parser.add_argument("--out", required=True, help="file to write")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--sections", default="all",
                        help="comma-separated sections to print (default all): " + ", ".join(report.SECTIONS))
    parser.add_argument("--issue", metavar="USER", default=None,
                        help="record the pack as issued by USER (archived with the data version and its figures)")


def run(args: argparse.Namespace) -> int:
    engine = db.make_engine(get_settings().database_url)
    status = db.store_status(engine)
    if status.code != "ok":
        print(f"Store not usable: {status.code} {status.detail}".strip(), file=sys.stderr)
        return 2
    try:
        scope = Scope.parse(args.scope)
        if args.format == "pdf":
            report.cjk_font_path()  # fail early, before the queries, with the message that names the setting
        pack = report.build(engine, year=args.year, quarter=args.quarter, scope=scope, lang=args.lang,
                            sections=sections.parse(args.sections))
        data = report.render_pack(pack, fmt=args.format)
    except (report.ReportError, report.FontMissingError, ValueError) as error:
        print(str(error), file=sys.stderr)
        return 2
    except Exception as error:
        log.debug("report failed", exc_info=True)  # the traceback, for whoever turns on debug logging
        print(f"The pack could not be made ({args.year} Q{args.quarter}, {args.scope}, {args.format}): "
              f"{type(error).__name__}: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    with os.fdopen(handle, "wb") as file:
        file.write(data)
    os.replace(temporary, out)
    print(f"Wrote {out} ({len(data):,} bytes): {args.year} Q{args.quarter}, {scope}, {args.format}")
    if args.issue:  # only once the file is in place: an archived pack is one that exists
        number = archive.issue(engine, pack=pack, fmt_code=args.format, user=args.issue, via="cli")
        print(f"Recorded as issued pack no. {number}")
    return 0


HANDLERS = {"report": run}
