"""What the quarterly review adds to the pack (issue 18), gathered once for the PDF and the PPTX: the analyst's
commentary, the drivers of the change in building tax (against last year and the previous quarter), reporting
completeness (the data note) and the figures an issued pack is archived with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Engine

from data_layer import commentary, completeness, drivers, fmt
from data_layer.aggregates import Scope
from data_layer.i18n import localized
from data_layer.indicators import BY_CODE

if TYPE_CHECKING:
    from data_layer.report.content import ReviewPack, Table

DRIVER_INDICATOR = "building_tax"
COMPLETENESS_LISTED = 20


@dataclass(frozen=True)
class ReviewExtras:
    notes: pd.DataFrame  # commentary.notes
    notes_final: dict | None
    drivers_yoy: drivers.Drivers
    drivers_qoq: drivers.Drivers
    reporting: pd.DataFrame  # completeness.buildings


def gather(engine: Engine, *, plan: dict | None, year: int, quarter: int, scope: Scope, as_of: date) -> ReviewExtras:
    key: commentary.QuarterKey = {"plan_code": plan["code"] if plan else "", "year": year, "quarter": quarter,
                                  "scope": str(scope)}
    return ReviewExtras(
        notes=commentary.notes(engine, **key) if plan else pd.DataFrame(
            columns=["indicator", "text", "updated_by", "updated_at"]),
        notes_final=commentary.final_state(engine, **key) if plan else None,
        drivers_yoy=drivers.drivers(engine, indicator=DRIVER_INDICATOR, scope=scope, as_of=as_of, basis="yoy"),
        drivers_qoq=drivers.drivers(engine, indicator=DRIVER_INDICATOR, scope=scope, as_of=as_of, basis="qoq"),
        reporting=completeness.buildings(engine, month=as_of, scope=scope),
    )


# ------------------------------------------------------------------------------------------------ commentary


def commentary_blocks(pack: ReviewPack) -> list[tuple[str, str]]:
    """(heading, text) pairs: the key findings, then each indicator's note in the goal table's order. Empty when
    nothing was written."""
    notes = pack.extras.notes
    if notes.empty:
        return []
    by_code = dict(zip(notes["indicator"], notes["text"], strict=True))
    name = localized("name", pack.lang)
    out = []
    if commentary.FINDINGS in by_code:
        out.append((pack.t("review.notes.findings"), str(by_code[commentary.FINDINGS])))
    order = [*[c for c in pack.goals["indicator"] if c in by_code], *sorted(c for c in by_code if c
                                                                            and c not in set(pack.goals["indicator"]))]
    for code in order:
        if code == commentary.FINDINGS:
            continue
        out.append((getattr(BY_CODE[code], name) if code in BY_CODE else code, str(by_code[code])))
    return out


def commentary_status(pack: ReviewPack) -> str:
    if pack.plan is None:
        return pack.t("report.commentary.no_plan")
    final = pack.extras.notes_final
    if final:
        return pack.t("report.commentary.final", at=str(final["final_at"])[:10])
    return pack.t("report.commentary.draft") if len(pack.extras.notes) else pack.t("report.commentary.none")


# ------------------------------------------------------------------------------------------------ drivers


def _bar_name(pack: ReviewPack, row: pd.Series) -> str:
    if row["kind"] in ("entering", "leaving"):
        return pack.t(f"review.drivers.{row['kind']}")
    if str(row["key"]).startswith("nostreet:"):
        return pack.t("review.drivers.no_street")
    return str(row["name"])


def drivers_series(pack: ReviewPack) -> pd.DataFrame:
    """name, contribution (万元): the year-on-year bridge's bars, then the total ("总变动")."""
    bars = pack.extras.drivers_yoy.bars(scope=pack.scope, lang=pack.lang)
    names = [_bar_name(pack, row) for _, row in bars.iterrows()]
    return pd.DataFrame({"name": names, "contribution": bars["contribution"].astype(float)})


def drivers_table(pack: ReviewPack) -> Table:
    """Each unit's contribution to the change in building tax against last year and the previous quarter."""
    from data_layer.report.content import Table

    t = pack.t
    yoy = pack.extras.drivers_yoy.bars(scope=pack.scope, lang=pack.lang)
    qoq = pack.extras.drivers_qoq.bars(scope=pack.scope, lang=pack.lang)
    names = {row["key"]: _bar_name(pack, row) for frame in (yoy, qoq) for _, row in frame.iterrows()}
    y = dict(zip(yoy["key"], yoy["contribution"], strict=True))
    q = dict(zip(qoq["key"], qoq["contribution"], strict=True))
    keys = list(yoy["key"]) + [k for k in qoq["key"] if k not in y]
    rows = [[names[k], _signed(y.get(k)), _signed(q.get(k))] for k in keys]
    rows.append([t("review.drivers.total"), _signed(pack.extras.drivers_yoy.change),
                 _signed(pack.extras.drivers_qoq.change)])
    header = [t("review.drivers.col.name"), t("report.drivers.col.yoy"), t("report.drivers.col.qoq")]
    return Table(header, rows, ["l", "r", "r"], [None] * (len(rows) - 1) + ["highlight"])


def _signed(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:+,.1f}"


def drivers_caption(pack: ReviewPack) -> str:
    yoy, qoq = pack.extras.drivers_yoy, pack.extras.drivers_qoq

    def rel(result: drivers.Drivers) -> str:
        if result.change is None or not result.value_before:
            return "—"
        return fmt.change("rel", result.change / result.value_before, pack.lang)

    return pack.t("report.drivers.caption", now=yoy.current.label(), last_year=yoy.base.label(),
                  previous=qoq.base.label(), value=fmt.kpi(DRIVER_INDICATOR, yoy.value_now, pack.lang),
                  yoy=rel(yoy), qoq=rel(qoq))


# ------------------------------------------------------------------------------------------------ completeness


def completeness_lines(pack: ReviewPack) -> list[str]:
    frame = pack.extras.reporting
    totals = completeness.totals(frame)
    month = pack.as_of.strftime("%Y-%m")
    lines = [pack.t("report.completeness.summary", month=month, expected=totals["expected"],
                    reported=totals["month_reported"], quarter=totals["quarter_complete"],
                    districts=totals["districts"], complete=totals["districts_complete"])]
    missing = frame[~frame["month_reported"]]
    if missing.empty:
        lines.append(pack.t("report.completeness.all_in", month=month))
    return lines


def completeness_table(pack: ReviewPack) -> Table:
    """Per district: expected, reported this month, missing, complete for the quarter."""
    from data_layer.report.content import Table

    t = pack.t
    summary = completeness.summary(pack.extras.reporting, level="district", lang=pack.lang)
    header = [t("report.col.district"), t("data.completeness.col.expected"), t("data.completeness.col.month_reported"),
              t("data.completeness.col.month_missing"), t("data.completeness.col.quarter_complete")]
    rows = [[str(r["name"]), fmt.count(r["expected"]), fmt.count(r["month_reported"]), fmt.count(r["month_missing"]),
             fmt.count(r["quarter_complete"])] for _, r in summary.iterrows()]
    return Table(header, rows, ["l", "r", "r", "r", "r"])


def missing_buildings_table(pack: ReviewPack) -> Table:
    """The first COMPLETENESS_LISTED buildings that have not reported the month (all are on the data page)."""
    from data_layer.report.content import Table

    t = pack.t
    frame = pack.extras.reporting
    missing = frame[~frame["month_reported"]].head(COMPLETENESS_LISTED)
    header = [t("report.col.building"), t("report.col.district"), t("data.completeness.col.street"),
              t("data.completeness.col.quarter_reported")]
    rows = [[str(r["name"]), str(r[f"district_{pack.lang}"]),
             "—" if pd.isna(r[f"street_{pack.lang}"]) else str(r[f"street_{pack.lang}"]),
             f"{int(r['quarter_reported'])}/{int(r['quarter_months'])}"] for _, r in missing.iterrows()]
    return Table(header, rows, ["l", "l", "l", "r"])
