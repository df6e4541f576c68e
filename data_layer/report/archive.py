"""Issued packs: every pack that is issued (from the report page or `report --issue`) is recorded with the store's
data version and the figures it printed, so a pack that late monthly reports have overtaken is marked "revised
since issued" with the figures that changed (as printed then and as they read now).

The figures are the headline KPIs (the quarter and the year to date), each indicator's actual in the target
table and the change in building tax the drivers section splits: what a meeting quotes from the pack. They are
compared as printed (`fmt`), so a change too small to alter a printed digit does not revise a pack."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, insert, select
from sqlmodel import col

from data_layer import audit, briefing, fmt, queries
from data_layer.aggregates import Scope
from data_layer.db import inserted_id
from data_layer.goals import Margins
from data_layer.i18n import localized, translate
from data_layer.models import IssuedPack
from data_layer.periods import Period
from data_layer.report.content import KPI_ROWS, ReviewPack, read_through

Figures = dict[str, dict[str, str]]  # key -> {"label", "text"}


def _figures(*, quarter_kpis: pd.DataFrame, ytd_kpis: pd.DataFrame, goal_table: pd.DataFrame, lang: str,
             period_label: str, ytd_label: str) -> Figures:
    out: Figures = {}
    for code in KPI_ROWS:
        name = translate(f"kpi.{code}", lang)
        out[f"kpi.quarter.{code}"] = {"label": f"{name} · {period_label}",
                                      "text": fmt.kpi(code, quarter_kpis.loc[code]["value"], lang)}
        out[f"kpi.ytd.{code}"] = {"label": f"{name} · {ytd_label}",
                                  "text": fmt.kpi(code, ytd_kpis.loc[code]["value"], lang)}
    name_col = localized("name", lang)
    for _, row in goal_table.iterrows():
        out[f"goal.{row['indicator']}"] = {
            "label": f"{row[name_col]} · {translate('report.col.actual', lang)}",
            "text": fmt.indicator(row["actual"], str(row["unit"]), lang, str(row["indicator"]))}
    return out


def pack_figures(pack: ReviewPack) -> Figures:
    """The figures a gathered pack prints."""
    return _figures(quarter_kpis=pack.quarter_kpis, ytd_kpis=pack.ytd_kpis, goal_table=pack.goals, lang=pack.lang,
                    period_label=pack.quarter_label, ytd_label=Period("ytd", pack.year, pack.as_of.month).label(pack.lang))


def current_figures(engine: Engine, *, year: int, quarter: int, scope: str, lang: str,
                    margins: Margins | None = None) -> Figures:
    """The same figures read from the store now (the pack's queries, without drawing a pack)."""
    period = Period("quarter", year, quarter)
    latest = queries.latest_month(engine)
    if latest is None:
        return {}
    as_of, compared = read_through(period, latest)
    parsed = Scope.parse(scope)
    district = parsed.code if parsed.kind == "district" else None
    _, goal_table = briefing.target_status(engine, as_of=as_of, scope=parsed, margins=margins or Margins.from_settings())
    return _figures(quarter_kpis=queries.overview_kpis(engine, period=compared, district=district),
                    ytd_kpis=queries.overview_kpis(engine, period=Period("ytd", year, as_of.month), district=district),
                    goal_table=goal_table, lang=lang, period_label=period.label(lang),
                    ytd_label=Period("ytd", year, as_of.month).label(lang))


def issue(engine: Engine, *, pack: ReviewPack, fmt_code: str, user: str, via: str = "app") -> int:
    """Record `pack` as issued in `fmt_code` (audited); the id of its archive row. Issuing the same pack (same
    quarter, scope, language, format, sections and data version) again returns the existing row."""
    version = queries.data_version(engine)
    key = {"year": pack.year, "quarter": pack.quarter, "scope": str(pack.scope), "lang": pack.lang,
           "format": fmt_code, "sections": ",".join(pack.sections), "data_version": version}
    with engine.begin() as conn:
        existing = conn.execute(select(col(IssuedPack.id)).where(
            *[getattr(IssuedPack, column) == value for column, value in key.items()])).scalar()
        if existing is not None:
            return int(existing)
        new_id = inserted_id(conn.execute(insert(IssuedPack).values(
            **key, figures=json.dumps(pack_figures(pack), ensure_ascii=False, sort_keys=True), issued_by=user,
            issued_at=datetime.now(UTC))))
        audit.record(conn, user=user, action="pack_issue", table="issued_pack", key=str(new_id), via=via,
                     new={k: v for k, v in key.items()})
    return new_id


def issued(engine: Engine, *, figures_now: Callable[[int, int, str, str], Figures] | None = None) -> pd.DataFrame:
    """Every issued pack, newest first: id, year, quarter, scope, lang, format, sections, issued_by, issued_at,
    revised (bool) and changed (a list of {"label", "then", "now"}). `figures_now(year, quarter, scope, lang)`
    reads today's figures (the page passes a cached one); only packs whose data version has moved are compared."""
    version = queries.data_version(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(IssuedPack).order_by(col(IssuedPack.id).desc())).mappings().all()
    read = figures_now or (lambda y, q, s, lang: current_figures(engine, year=y, quarter=q, scope=s, lang=lang))
    out = []
    for row in rows:
        changed: list[dict[str, str]] = []
        if row["data_version"] != version:
            then = json.loads(row["figures"])
            now = read(int(row["year"]), int(row["quarter"]), str(row["scope"]), str(row["lang"]))
            for key, figure in then.items():
                current = now.get(key, {"text": "—"})["text"]
                if current != figure["text"]:
                    changed.append({"label": figure["label"], "then": figure["text"], "now": current})
        out.append({"id": row["id"], "year": row["year"], "quarter": row["quarter"], "scope": row["scope"],
                    "lang": row["lang"], "format": row["format"], "sections": row["sections"],
                    "issued_by": row["issued_by"], "issued_at": row["issued_at"], "revised": bool(changed),
                    "changed": changed})
    return pd.DataFrame(out, columns=["id", "year", "quarter", "scope", "lang", "format", "sections", "issued_by",
                                      "issued_at", "revised", "changed"])
