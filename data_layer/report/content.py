"""What the quarterly review pack (季度分析通报) says, gathered once and shared by the PDF and the PPTX, so both
formats show the same numbers, tables and words.

The quarter is read through its last month with data: a quarter still running (or a store whose latest month
falls inside it) is reported through that month and the pack says so on its cover and in its notes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine

from data_layer import briefing, fmt, goals, observation, queries, workbench
from data_layer.aggregates import HEADLINE_KPIS, Scope
from data_layer.i18n import localized, translate
from data_layer.i18n import table as i18n_table
from data_layer.indicators import BY_CODE, KPI_ALIASES, definition
from data_layer.periods import Period, month_end
from data_layer.report import review_content
from data_layer.report import sections as pack_sections
from data_layer.settings import get_settings

Translate = Callable[..., str]
COMPARATOR_TEXT, STATUS_SYMBOL = fmt.COMPARATOR_TEXT, fmt.STATUS_SYMBOL
KPI_ROWS = HEADLINE_KPIS
TREND_MONTHS = 24
OPEN_DEMANDS_LISTED = 15
DEMAND_TEXT_CHARS = 40


class ReportError(ValueError):
    """The pack cannot be made for what was asked (no data in the quarter, unknown scope); says why in words."""


@dataclass(frozen=True)
class Table:
    """A table as text, ready for either format: header, rows, column alignment ("l"/"r"), and per row an
    optional status code the renderer colours the last cell by."""

    header: list[str]
    rows: list[list[str]]
    align: list[str]
    status: list[str | None] = field(default_factory=list)


@dataclass(frozen=True)
class PackSettings:
    """What a pack depends on besides the store and the quarter: the day demands are counted to, the zone its
    times are printed in, the alert rules, the status margins and when it was made. The cached pack takes these
    as arguments, so a changed setting or a new minute never serves an older file."""

    today: date
    timezone: str
    rules: briefing.AlertRules
    margins: goals.Margins
    generated_at: datetime
    warnings: workbench.WarningRules = workbench.WarningRules()  # the building early warnings' rules

    @classmethod
    def from_settings(cls, now: datetime | None = None) -> PackSettings:
        settings = get_settings()
        return cls(today=settings.today, timezone=settings.timezone, rules=briefing.AlertRules.from_settings(),
                   margins=goals.Margins.from_settings(), generated_at=now or datetime.now(UTC),
                   warnings=workbench.WarningRules.from_settings())


@dataclass(frozen=True)
class ReviewPack:
    year: int
    quarter: int
    scope: Scope
    lang: str
    scope_label: str
    as_of: date  # the quarter's last month with data
    complete: bool  # the quarter's last month has data
    generated_at: datetime
    updated_at: datetime | None
    plan: dict | None
    quarter_kpis: pd.DataFrame
    ytd_kpis: pd.DataFrame
    goals: pd.DataFrame
    trend: pd.DataFrame
    ranking: pd.DataFrame
    sentiment: dict
    sentiment_before: dict
    dimensions: pd.DataFrame
    alerts: pd.DataFrame
    building_alerts: pd.DataFrame  # building early warnings at the as-of month (workbench.building_alerts)
    demands: dict
    categories: pd.DataFrame
    open_demands: pd.DataFrame
    district_names: dict[str, str]
    rules: briefing.AlertRules
    options: PackSettings
    demand_day: date
    qoq_kpis: pd.DataFrame  # the quarter against the previous quarter (issue 18)
    extras: review_content.ReviewExtras  # commentary, drivers, completeness (issue 18)
    sections: tuple[str, ...] = pack_sections.SECTIONS

    def t(self, key: str, **values: object) -> str:
        return translate(key, self.lang, **values)

    def heading(self, code: str) -> str:
        """A section's (or a section part's) title, numbered by its place among the chosen sections."""
        return pack_sections.numbered(self.sections, code, self.t(f"report.heading.{code}"), self.lang)

    @property
    def period(self) -> Period:
        return Period("quarter", self.year, self.quarter)

    @property
    def quarter_label(self) -> str:
        return self.period.label(self.lang)

    @property
    def title(self) -> str:
        return self.t("report.title")

    @property
    def file_stem(self) -> str:
        scope = "city" if self.scope.kind == "city" else f"{self.scope.kind}-{self.scope.code}"
        return f"review_{self.year}Q{self.quarter}_{scope}"




def read_through(quarter: Period, latest: date) -> tuple[date, Period]:
    """The month a pack's quarter is read through, and the period its quarter figures cover: the quarter, or while
    it runs its months so far, compared with the same months of the quarter before and of last year (October and
    November against July and August, and against October and November): whole quarters would show a fall of a
    third, and the stock figures (read in a month without data) blanks."""
    as_of = min(quarter.end, latest)
    return as_of, quarter if as_of == quarter.end else Period("qtd", as_of.year, as_of.month)


def build(engine: Engine, *, year: int, quarter: int, scope: Scope = Scope(), lang: str = "zh",
          options: PackSettings | None = None, sections: tuple[str, ...] = pack_sections.SECTIONS) -> ReviewPack:
    """Gather everything the pack shows for quarter `quarter` of `year` in `scope` (`options`: the settings now;
    `sections`: which sections it prints, `sections.SECTIONS` order)."""
    options = options or PackSettings.from_settings()
    if not 1 <= quarter <= 4:
        raise ReportError(translate("report.error.quarter", lang, quarter=quarter))
    if scope.kind not in ("city", "district"):
        raise ReportError(translate("report.error.scope", lang, scope=str(scope)))
    period = Period("quarter", year, quarter)
    latest = queries.latest_month(engine)
    if latest is None or latest < period.start:
        raise ReportError(translate("report.error.no_data", lang, quarter=period.label(lang),
                                    latest=latest.strftime("%Y-%m") if latest else "—"))
    districts = queries.districts(engine)
    names = dict(zip(districts["code"], districts[localized("name", lang)], strict=True))
    if scope.kind == "district" and scope.code not in names:
        raise ReportError(translate("report.error.scope", lang, scope=str(scope)))
    as_of, compared = read_through(period, latest)
    district = scope.code if scope.kind == "district" else None
    plan, goal_table = briefing.target_status(engine, as_of=as_of, scope=scope, margins=options.margins)
    rules = options.rules
    # demands as of today, or the quarter's last day for a past quarter (observation.demand_day)
    demand_day = observation.demand_day(options.today, month_end(period.end))
    _, previous = briefing.quarter_window(as_of)
    observed = briefing.ObservationData.load(engine, scope)
    return ReviewPack(
        year=year, quarter=quarter, scope=scope, lang=lang,
        scope_label=translate("filter.all_districts", lang) if scope.kind == "city" else names[scope.code or ""],
        as_of=as_of, complete=as_of == period.end, generated_at=options.generated_at,
        updated_at=briefing.data_updated_at(engine), plan=plan,
        quarter_kpis=queries.overview_kpis(engine, period=compared, district=district),
        ytd_kpis=queries.overview_kpis(engine, period=Period("ytd", year, as_of.month), district=district),
        goals=goal_table,
        trend=queries.monthly_trend(engine, end=as_of, months=TREND_MONTHS, district=district),
        ranking=briefing.district_ranking(engine, as_of=as_of),
        sentiment=briefing.sentiment_summary(observed, start=period.start, end=as_of,
                                             min_responses=rules.min_responses),
        sentiment_before=briefing.sentiment_summary(observed, start=previous[0], end=previous[1],
                                                    min_responses=rules.min_responses),
        dimensions=briefing.dimension_figures(observed, start=period.start, end=as_of,
                                              min_responses=rules.min_responses),
        alerts=briefing.sentiment_alerts(observed, as_of=as_of, rules=rules),
        building_alerts=briefing.building_alerts(engine, as_of=as_of, scope=scope, rules=options.warnings),
        demands=briefing.demand_summary(engine, day=demand_day, scope=scope),
        categories=briefing.demand_categories(engine, day=demand_day, scope=scope),
        open_demands=briefing.open_demands(engine, day=demand_day, scope=scope, limit=OPEN_DEMANDS_LISTED),
        district_names=names, rules=rules, options=options, demand_day=demand_day,
        qoq_kpis=queries.overview_kpis(engine, period=compared, district=district, base=compared.quarter_before()),
        extras=review_content.gather(engine, plan=plan, year=year, quarter=quarter, scope=scope, as_of=as_of),
        sections=sections,
    )


# ------------------------------------------------------------------------------------------------ formatting





def change_text(kind: str, change: float | None, lang: str, t: Translate) -> str:
    return t("report.kpi.current") if kind == "none" else fmt.change(kind, change, lang)


def label(key: str, lang: str, fallback: str) -> str:
    """A translation when the key exists (dimension and category names), otherwise the code itself."""
    return translate(key, lang) if key in i18n_table() else fallback


# ------------------------------------------------------------------------------------------------ tables


def kpi_table(pack: ReviewPack) -> Table:
    t = pack.t
    quarter = t("report.col.quarter")
    if not pack.complete:  # a running quarter: its months so far (read_through)
        first, last = 3 * pack.quarter - 2, pack.as_of.month
        quarter += t("report.col.quarter_months", months=f"{first}-{last}" if first < last else str(last))
    header = [t("report.col.indicator"), quarter, t("report.col.qoq"), t("report.col.yoy"), t("report.col.ytd"),
              t("report.col.yoy")]
    rows = []
    for code in KPI_ROWS:
        q, y, p = pack.quarter_kpis.loc[code], pack.ytd_kpis.loc[code], pack.qoq_kpis.loc[code]
        rows.append([t(f"kpi.{code}"), fmt.kpi(code, q["value"], pack.lang),
                     change_text(p["change_kind"], p["change"], pack.lang, t),
                     change_text(q["change_kind"], q["change"], pack.lang, t),
                     fmt.kpi(code, y["value"], pack.lang), change_text(y["change_kind"], y["change"], pack.lang, t)])
    return Table(header, rows, ["l", "r", "r", "r", "r", "r"])


def goals_table(pack: ReviewPack) -> Table:
    t, lang = pack.t, pack.lang
    name = localized("name", lang)
    header = [t("report.col.indicator"), t("report.col.target"), t("report.col.actual"), t("report.col.progress"),
              t("report.col.expected"), t("report.col.forecast"), t("report.col.status")]
    rows: list[list[str]] = []
    status: list[str | None] = []
    for _, row in pack.goals.iterrows():
        unit = str(row["unit"])
        target = "—" if fmt.missing(row["target"]) else \
            f"{COMPARATOR_TEXT.get(str(row['comparator']), '')} {fmt.indicator(row['target'], unit, lang, str(row['indicator']))}"
        rows.append([str(row[name]), target, fmt.indicator(row["actual"], unit, lang, str(row["indicator"])), fmt.progress(str(row["unit"]), row["gap"], row["progress"], lang),
                     fmt.indicator(row["expected"], unit, lang, str(row["indicator"])), fmt.indicator(row["forecast"], unit, lang, str(row["indicator"])),
                     f"{STATUS_SYMBOL.get(str(row['status']), '–')} {t('goals.status.' + str(row['status']))}"])
        status.append(str(row["status"]))
    return Table(header, rows, ["l", "r", "r", "r", "r", "r", "l"], status)


def goal_counts_text(pack: ReviewPack) -> str:
    counts = briefing.status_counts(pack.goals)
    final = goals.table_is_final(pack.goals)
    return pack.t("report.targets.counts" + ("_final" if final else ""), total=len(pack.goals), **counts)


def ranking_table(pack: ReviewPack) -> Table:
    t, lang = pack.t, pack.lang
    name = localized("name", lang)
    header = [t("report.col.rank"), t("report.col.district"), t("report.col.tax_ytd"), t("report.col.rank_change"),
              t("report.col.occupancy"), t("report.col.occupancy_rank"), t("report.col.buildings")]
    rows, marks = [], []
    for _, row in pack.ranking.iterrows():
        change = row["rank_change"]
        change_text_ = "—" if fmt.missing(change) else ("＝" if int(change) == 0 else
                                                     f"▲{int(change)}" if change > 0 else f"▼{-int(change)}")
        rows.append(["—" if fmt.missing(row["rank"]) else str(int(row["rank"])), str(row[name]),
                     fmt.money_10k(row["tax"], lang), change_text_,
                     "—" if fmt.missing(row["occupancy"]) else f"{float(row['occupancy']):.1f}%",
                     "—" if fmt.missing(row["occupancy_rank"]) else str(int(row["occupancy_rank"])),
                     fmt.count(row["buildings"])])
        marks.append("highlight" if pack.scope.kind == "district" and row["entity"] == pack.scope.code else None)
    return Table(header, rows, ["r", "l", "r", "r", "r", "r", "r"], marks)


def sentiment_text(pack: ReviewPack) -> str:
    t, now, before = pack.t, pack.sentiment, pack.sentiment_before
    if not now["responses"]:
        return t("report.sentiment.none")
    index = "—" if fmt.missing(now["index"]) else f"{float(now['index']):.1f}"
    share = "—" if fmt.missing(now["negative_share"]) else fmt.pct(now["negative_share"])
    if fmt.missing(now["index"]) or fmt.missing(before["index"]):
        change = t("report.sentiment.no_previous")
    else:
        change = t("report.sentiment.change", change=f"{float(now['index']) - float(before['index']):+.1f}")
    return t("report.sentiment.summary", points=now["points"], responses=f"{now['responses']:,}", index=index,
             change=change, share=share, alerts=len(pack.alerts))


def dimension_table(pack: ReviewPack) -> Table:
    t = pack.t
    header = [t("report.col.dimension"), t("report.col.responses"), t("report.col.index"),
              t("report.col.negative_share")]
    rows = []
    for _, row in pack.dimensions.iterrows():
        rows.append([label(f"map.dimension.{row['dimension']}", pack.lang, str(row["dimension"])),
                     fmt.count(row["responses"]),
                     "—" if fmt.missing(row["index"]) else f"{float(row['index']):.1f}",
                     fmt.pct(None if fmt.missing(row["negative_share"]) else float(row["negative_share"]))])
    return Table(header, rows, ["l", "r", "r", "r"])


def alerts_table(pack: ReviewPack, limit: int = 20) -> Table:
    t = pack.t
    header = [t("report.col.point"), t("report.col.district"), t("report.col.responses"), t("report.col.index"),
              t("report.col.index_change"), t("report.col.negative_share"), t("report.col.reason")]
    rows = []
    for _, row in pack.alerts.head(limit).iterrows():
        reasons = "、".join(t(f"report.reason.{r}") for r in str(row["reason"]).split("+") if r)
        rows.append([str(row["building"]), pack.district_names.get(row["district_code"], str(row["district_code"])),
                     fmt.count(row["responses"]),
                     "—" if fmt.missing(row["index"]) else f"{float(row['index']):.1f}",
                     "—" if fmt.missing(row["change"]) else f"{float(row['change']):+.1f}",
                     fmt.pct(None if fmt.missing(row["negative_share"]) else float(row["negative_share"])), reasons])
    return Table(header, rows, ["l", "l", "r", "r", "r", "r", "l"])


BUILDING_ALERTS_LISTED = 20


def building_alerts_table(pack: ReviewPack, limit: int = BUILDING_ALERTS_LISTED) -> Table:
    """The building early warnings (the overview's list, workbench.alert_rows): building, district, grade,
    leasable area, rule, figures."""
    t = pack.t
    header = [t("wb.col.building"), t("wb.col.district"), t("wb.col.grade"), t("wb.col.leasable"), t("wb.col.rule"),
              t("wb.col.figures")]
    rows = workbench.alert_rows(pack.building_alerts.head(limit), lang=pack.lang, district_names=pack.district_names)
    return Table(header, [[r.building, r.district, r.grade, fmt.count(r.leasable), r.rule, r.figures]
                          for r in rows.itertuples()], ["l", "l", "l", "r", "l", "l"])


def building_alerts_text(pack: ReviewPack, limit: int = BUILDING_ALERTS_LISTED) -> str:
    as_of = pack.as_of.strftime("%Y-%m")
    if pack.building_alerts.empty:
        return pack.t("report.building_alerts.none", as_of=as_of)
    return pack.t("report.building_alerts.caption", as_of=as_of, n=len(pack.building_alerts),
                  shown=min(limit, len(pack.building_alerts)))


def demand_text(pack: ReviewPack) -> str:
    d = pack.demands
    # counted on the demand day (today, or a past quarter's last day: observation.demand_day), from its quarter's start
    return pack.t("report.demands.summary", day=pack.demand_day.isoformat(), open=f"{d['open']:,}",
                  overdue=f"{d['overdue']:,}", opened=f"{d['opened']:,}", closed=f"{d['closed']:,}")


def categories_table(pack: ReviewPack) -> Table:
    t = pack.t
    header = [t("report.col.category"), t("report.col.open"), t("report.col.overdue")]
    rows = [[label(f"report.category.{row['category']}", pack.lang, str(row["category"])), fmt.count(row["open"]),
             fmt.count(row["overdue"])] for _, row in pack.categories.iterrows()]
    return Table(header, rows, ["l", "r", "r"])


def shorten(text: object, limit: int = DEMAND_TEXT_CHARS) -> str:
    """Demand text on one line, cut to `limit` characters (the full text stays in the 观测点 page)."""
    clean = " ".join(str(text or "").split())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def open_demands_table(pack: ReviewPack) -> Table:
    t = pack.t
    header = [t("report.col.building"), t("report.col.district"), t("report.col.category"), t("report.col.opened"),
              t("report.col.due"), t("report.col.days_overdue"), t("report.col.demand")]
    rows = []
    for _, row in pack.open_demands.iterrows():
        rows.append([str(row["building"]), pack.district_names.get(row["district_code"], str(row["district_code"])),
                     label(f"report.category.{row['category']}", pack.lang, str(row["category"])),
                     str(row["opened_on"]), str(row["due_on"]),
                     fmt.count(row["days_overdue"]) if row["days_overdue"] else "—", shorten(row["text"])])
    return Table(header, rows, ["l", "l", "l", "r", "r", "r", "l"])


def cover_lines(pack: ReviewPack) -> list[str]:
    t = pack.t
    lines = [t("report.cover.scope", scope=pack.scope_label)]
    if pack.plan is not None:
        lines.append(t("report.cover.plan", plan=pack.plan[localized("name", pack.lang)]))
    lines.append(t("report.cover.as_of", as_of=pack.as_of.strftime("%Y-%m")))
    if not pack.complete:
        lines.append(t("report.cover.incomplete", as_of=pack.as_of.strftime("%Y-%m")))
    lines.append(t("report.cover.generated", at=_local(pack.generated_at, pack.options.timezone)))
    return lines


def _local(moment: datetime | None, zone: str) -> str:
    """A timestamp (naive ones are UTC, as stored) in DASHBOARD_TIMEZONE: the pack is read in China, whatever
    zone the server or the scheduled job runs in."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def notes(pack: ReviewPack) -> list[str]:
    """Notes on the data: as-of, sources, and the definitions readers ask about."""
    t, margins = pack.t, pack.options.margins
    out = [t("report.notes.as_of", as_of=pack.as_of.strftime("%Y-%m"), updated=_local(pack.updated_at,
                                                                                      pack.options.timezone))]
    if not pack.complete:
        out.append(t("report.cover.incomplete", as_of=pack.as_of.strftime("%Y-%m")))
    out += [t("report.notes.occupancy"), t("report.notes.flows"), t("report.notes.thresholds"),
            t("report.notes.pace"),
            t("report.notes.status", share=f"{margins.share * 100:g}", pp=f"{margins.pp:g}"),
            t("report.notes.ranking", min=goals_min_buildings()),
            t("report.notes.index", min=pack.rules.min_responses),
            t("report.notes.alerts", drop=f"{pack.rules.index_drop:g}",
              share=f"{pack.rules.negative_share * 100:g}"),
            t("report.notes.demands"), workbench.rules_note(pack.options.warnings, pack.lang)]
    return out


def definitions(pack: ReviewPack) -> list[str]:
    """'name: definition' for each headline figure of the pack, then each further indicator of the plan's goal
    table, in the registry's words (`indicators.definition`: the same text as the pages' tooltips and the README)."""
    lang = pack.lang
    colon = "：" if lang == "zh" else ": "
    lines = [f"{pack.t(f'kpi.{code}')}{colon}{definition(code, lang)}" for code in KPI_ROWS]
    covered = {KPI_ALIASES.get(code, code) for code in KPI_ROWS}
    name = localized("name", lang)
    return lines + [f"{getattr(BY_CODE[code], name)}{colon}{definition(code, lang)}"
                    for code in pack.goals["indicator"] if code in BY_CODE and code not in covered]


def goals_min_buildings() -> int:
    from data_layer.goal_rankings import MIN_RANK_BUILDINGS

    return MIN_RANK_BUILDINGS


# ------------------------------------------------------------------------------------------------ chart data


@dataclass(frozen=True)
class ProgressBar:
    name: str
    percent: float | None  # actual ÷ target × 100 (target ÷ actual for lower-is-better)
    expected: float | None  # expected share of the target by now × 100 (flows only)
    status: str
    actual: str
    target: str


def progress_bars(pack: ReviewPack) -> list[ProgressBar]:
    """Each indicator's attainment in percent of its target (the 'target against actual' chart)."""
    name = localized("name", pack.lang)
    bars = []
    for _, row in pack.goals.iterrows():
        target, actual = row["target"], row["actual"]
        percent = None
        if not fmt.missing(target) and not fmt.missing(actual) and float(target) != 0:
            lower = str(row["comparator"]) in ("<=", "<")
            if lower:
                percent = 100 * float(target) / float(actual) if float(actual) else None
            else:
                percent = 100 * float(actual) / float(target)
        expected = None
        if not fmt.missing(row["expected"]) and not fmt.missing(target) and float(target):
            expected = 100 * float(row["expected"]) / float(target)
        unit = str(row["unit"])
        bars.append(ProgressBar(str(row[name]), percent, expected, str(row["status"]),
                                fmt.indicator(actual, unit, pack.lang, str(row["indicator"])),
                                fmt.indicator(target, unit, pack.lang, str(row["indicator"]))))
    return bars


def has_year_targets(pack: ReviewPack) -> bool:
    """Whether the plan sets any target for the pack's year (a plan may set some years only): without one, the
    'target against actual' chart has nothing to draw."""
    return bool(len(pack.goals)) and bool(pack.goals["target"].notna().any())


def trend_series(pack: ReviewPack) -> pd.DataFrame:
    """month label, tax in 亿元 (100M yuan), occupancy in percent: the trend charts' data."""
    trend = pack.trend
    return pd.DataFrame({"month": [m.strftime("%Y-%m") for m in trend["month"]],
                         "tax_yi": (trend["tax_10k"] / 10_000).astype(float).round(3),
                         "occupancy": (trend["occupancy_rate"] * 100).astype(float).round(2)})


def ranking_series(pack: ReviewPack) -> pd.DataFrame:
    """Ranked districts with year-to-date tax in 亿元, first ranked first; `highlight` marks the scope's district."""
    name = localized("name", pack.lang)
    ranked = pack.ranking[pack.ranking["state"] == "ranked"]
    return pd.DataFrame({"name": ranked[name].astype(str), "tax_yi": (ranked["tax"] / 10_000).astype(float),
                         "highlight": ranked["entity"] == (pack.scope.code if pack.scope.kind == "district" else None)})


STATUS_COLOURS = {"on_track": "#1a7f37", "achieved": "#1a7f37", "at_risk": "#bf8700", "off_track": "#cf222e",
                  "missed": "#cf222e", "no_data": "#8c959f", "no_target": "#8c959f"}
ACCENT = "#C8102E"
SECOND = "#1F4E79"

