"""The `goals` verb of the command line: the goal table for scheduled reports.

    python -m data_layer goals --plan GZ-2025-2027 --year 2026 --as-of 2026-09 [--scope city|district:CODE|street:CODE]
                               [--pace linear|seasonal] [--format csv|table] [--lang zh|en]

CSV columns: indicator, name, unit, comparator, target, actual, progress, progress_unit (ratio = attainment, over 1
always better than the target: actual ÷ target, or target ÷ actual for lower-is-better targets; pp = percentage
points for rates), expected_pace, pace_method, forecast, status (on_track, at_risk, off_track, achieved, missed,
no_data, no_target; achieved and missed only once the year is over, goals.is_final), note. Numbers are in the
indicator's unit (rates in percent, tax in 万元).
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date

import pandas as pd
from sqlalchemy import Engine

from data_layer import db, export, fmt, goals, plans
from data_layer.aggregates import Scope
from data_layer.i18n import localized, translate
from data_layer.settings import get_settings


def add_parsers(verbs: argparse._SubParsersAction) -> None:
    parser = verbs.add_parser("goals", help="print a plan's goal table (target, actual, progress, pace, forecast,"
                                            " status)")
    parser.add_argument("--plan", required=True, help="plan code, e.g. GZ-2025-2027")
    parser.add_argument("--year", type=int, required=True, help="the target year")
    parser.add_argument("--as-of", dest="as_of", help="YYYY-MM inside the year (default: its last month with data)")
    parser.add_argument("--scope", default=None, help="city, district:CODE or street:CODE (default: the plan's scope)")
    parser.add_argument("--pace", choices=goals.PACE_METHODS, default="linear", help="expected-pace profile")
    parser.add_argument("--format", choices=("csv", "table"), default="csv")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of names and statuses")


def _number(value: object, digits: int = 2) -> float | int | None:
    """Rounded, and whole numbers as integers (402, not 402.0); numbers stay numbers in the CSV."""
    if fmt.missing(value):
        return None
    number = round(float(value), digits)  # type: ignore[arg-type]
    return int(number) if number == int(number) else number


def report_frame(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The goal table as the CSV's columns (plain numbers: no thousands separators, no units)."""
    rates = table["unit"] == "pct"
    return pd.DataFrame({
        "indicator": table["indicator"],
        "name": table[localized("name", lang)],
        "unit": table["unit"],
        "comparator": table["comparator"],
        "target": pd.Series([_number(v) for v in table["target"]], dtype=object),
        "actual": pd.Series([_number(v) for v in table["actual"]], dtype=object),
        "progress": pd.Series([_number(g) if r else _number(p, 4)
                               for r, g, p in zip(rates, table["gap"], table["progress"], strict=True)], dtype=object),
        "progress_unit": rates.map({True: "pp", False: "ratio"}),
        "expected_pace": pd.Series([_number(v) for v in table["expected"]], dtype=object),
        "pace_method": table["pace_method"].fillna(""),
        "forecast": pd.Series([_number(v) for v in table["forecast"]], dtype=object),
        "status": table["status"],
        "note": table["note"],
    })




def table_text(table: pd.DataFrame, lang: str) -> str:
    """An aligned plain-text table for reading in a terminal."""
    def shown(row: dict, column: str) -> str:  # the goal table's own format (fmt.indicator: the page, wall and pack)
        return fmt.indicator(row[column], str(row["unit"]), lang, str(row["indicator"]))

    rows = [{"indicator": row[localized("name", lang)],
             "target": f"{row['comparator']} {shown(row, 'target')}", "actual": shown(row, "actual"),
             "progress": fmt.progress(str(row["unit"]), row["gap"], row["progress"], lang),
             "expected": shown(row, "expected"), "forecast": shown(row, "forecast"),
             "status": translate(f"goals.status.{row['status']}", lang)} for row in table.to_dict("records")]
    return pd.DataFrame(rows).to_string(index=False)


def run(args: argparse.Namespace) -> int:
    engine = db.make_engine(get_settings().database_url)
    status = db.store_status(engine)
    if not status.usable:
        print(f"Store not usable: {status.code} {status.detail}", file=sys.stderr)
        return 2
    try:
        plan = plans.plan_by_code(engine, args.plan)
        scope = Scope.parse(args.scope) if args.scope else goals.plan_scope(plan)
        as_of = _as_of(engine, args.year, args.as_of)
    except plans.PlanError as error:
        print("; ".join(translate(f"plan.error.{p.code}", "en", **p.params) for p in error.problems), file=sys.stderr)
        return 2
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 2
    if not plan["start_year"] <= args.year <= plan["end_year"]:
        print(f"{args.year} is outside plan {args.plan} ({plan['start_year']}-{plan['end_year']})", file=sys.stderr)
        return 2
    table = goals.goal_table(engine, plan_code=args.plan, as_of=as_of, scope=scope, pace=args.pace)
    if args.format == "csv":
        frame = report_frame(table, args.lang)
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(frame.columns)
        for row in frame.itertuples(index=False):  # cell by cell: pandas would turn 402 into 402.0
            writer.writerow(["" if v is None else export.neutralise(v) for v in row])
    else:
        print(f"{plan['name_zh' if args.lang == 'zh' else 'name_en']} · {scope} · {as_of:%Y-%m}")
        print(table_text(table, args.lang))
    return 0


def _as_of(engine: Engine, year: int, text: str | None) -> date:
    if text:
        try:
            parsed = date.fromisoformat(text + "-01") if len(text) == 7 else date.fromisoformat(text)
        except ValueError as error:
            raise ValueError(f"--as-of must be YYYY-MM, not {text!r}") from error
        if parsed.year != year:
            raise ValueError(f"--as-of {text} is not in {year}")
        return parsed.replace(day=1)
    with engine.connect() as conn:
        last = goals.year_last_month(conn, year)
    return last or date(year, 12, 1)


HANDLERS = {"goals": run}
