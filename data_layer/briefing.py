"""What the leadership briefing screen (领导驾驶舱) and the quarterly review pack show, as DataFrames and plain values.

Keyword-only functions on an engine; no Streamlit. The screen (app_pages/briefing.py) calls them through
`data_layer.cached.briefing`; the pack (`data_layer.report`) calls them directly.

Goal tracking and rankings come from `goals` / `goal_rankings` (the same numbers as the 目标跟踪 page); the
perception index, negative share and alerts from `observation` with its one rule: the calendar quarter of the data
month, through that month, against the whole quarter before (`observation.alert_table`), so the screen, the
观测点 page and the pack count the same points.

Demands are counted by their dates with `observation.open_on` / `overdue_on` as of `observation.demand_day`: today
on the screen and the 观测点 page, the quarter's end in a past quarter's pack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlmodel import col

from data_layer import geo, goal_rankings, goals, observation, plans, queries, workbench
from data_layer.aggregates import Scope
from data_layer.models import Building, ImportBatch, Plan
from data_layer.periods import Period, add_months
from data_layer.settings import get_settings

PANELS = ("kpis", "targets", "map", "alerts", "rankings")
# Headline tiles of the screen, in reading order (codes of queries.overview_kpis).
HEADLINE_CODES = ("buildings_reporting", "super_a", "grade_a", "occupancy_rate", "building_tax",
                  "buildings_tax_10m", "buildings_tax_100m", "tax_share")


@dataclass(frozen=True)
class AlertRules:
    """Thresholds of the sentiment alerts (settings: DASHBOARD_ALERT_INDEX_DROP, _NEGATIVE_SHARE, _MIN_RESPONSES)."""

    index_drop: float = 5.0
    negative_share: float = 0.30
    min_responses: int = 5

    @classmethod
    def from_settings(cls) -> AlertRules:
        settings = get_settings()
        return cls(settings.alert_index_drop, settings.alert_negative_share, settings.min_responses)


# ------------------------------------------------------------------------------------------------ as-of and scope


def data_updated_at(engine: Engine) -> datetime | None:
    """When data last arrived: the newest import batch that was not undone (the demo build counts as one)."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(col(ImportBatch.created_at)))
                            .where(col(ImportBatch.undone_at).is_(None))).scalar()


def district_of(scope: Scope) -> str | None:
    return scope.code if scope.kind == "district" else None


# ------------------------------------------------------------------------------------------------ headline figures


def headline(engine: Engine, *, as_of: date, scope: Scope = Scope()) -> pd.DataFrame:
    """The screen's tiles: year to date through `as_of`, with the change against the same period last year.
    Index: HEADLINE_CODES; columns value, previous, change, change_kind (as `queries.overview_kpis`)."""
    kpis = queries.overview_kpis(engine, period=Period("ytd", as_of.year, as_of.month), district=district_of(scope))
    return kpis.loc[list(HEADLINE_CODES)]


def period_figures(engine: Engine, *, period: Period, scope: Scope = Scope()) -> pd.DataFrame:
    """Every overview KPI for a period and scope (the pack shows the quarter and the year to date)."""
    return queries.overview_kpis(engine, period=period, district=district_of(scope))


# ------------------------------------------------------------------------------------------------ targets


def plan_for(engine: Engine, *, scope: Scope, year: int) -> dict | None:
    """The bureau's own (non-template) plan for the scope that covers `year`; the latest-starting one when several
    do. None when there is none."""
    where = [col(Plan.is_template).is_(False), col(Plan.start_year) <= year, col(Plan.end_year) >= year]
    if scope.kind == "district":
        where += [col(Plan.scope_type) == "district", col(Plan.scope_code) == scope.code]
    else:
        where += [col(Plan.scope_type) == "city"]
    with engine.connect() as conn:
        row = conn.execute(select(col(Plan.code)).where(*where).order_by(col(Plan.start_year).desc(),
                                                                         col(Plan.code))).first()
    return plans.plan_by_code(engine, row[0]) if row else None


def target_status(engine: Engine, *, as_of: date, scope: Scope = Scope(),
                  margins: goals.Margins | None = None) -> tuple[dict | None, pd.DataFrame]:
    """The plan covering `as_of`'s year for the scope and its goal table at `as_of` (goals.GOAL_COLUMNS);
    (None, empty table) when the scope has no plan for that year."""
    plan = plan_for(engine, scope=scope, year=as_of.year)
    if plan is None:
        return None, pd.DataFrame(columns=goals.GOAL_COLUMNS)
    return plan, goals.goal_table(engine, plan_code=plan["code"], as_of=as_of, scope=scope, margins=margins)


def status_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many indicators are good (on track / achieved), at risk, bad (off track / missed), or without data."""
    groups = {"good": ("on_track", "achieved"), "at_risk": ("at_risk",), "bad": ("off_track", "missed"),
              "no_data": ("no_data", "no_target")}
    counts = table["status"].value_counts() if len(table) else pd.Series(dtype=int)
    return {group: int(sum(counts.get(code, 0) for code in codes)) for group, codes in groups.items()}


# ------------------------------------------------------------------------------------------------ rankings


def district_ranking(engine: Engine, *, as_of: date) -> pd.DataFrame:
    """Every district ranked on year-to-date building tax at `as_of` (with the change in rank since last month),
    and its occupancy and occupancy rank beside. Columns: entity, name_zh, name_en, buildings, tax, rank,
    rank_change, state, occupancy (percent), occupancy_rank."""
    tax = goal_rankings.ranking(engine, code="building_tax", as_of=as_of)
    occupancy = goal_rankings.ranking(engine, code="occupancy_rate", as_of=as_of).set_index("entity")
    out = tax.rename(columns={"value": "tax"})[["entity", "name_zh", "name_en", "buildings", "tax", "rank",
                                                  "rank_change", "state"]].copy()
    out["occupancy"] = out["entity"].map(occupancy["value"])
    out["occupancy_rank"] = out["entity"].map(occupancy["rank"])
    return out.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ observation points


@dataclass(frozen=True)
class ObservationData:
    """What every sentiment figure is computed from, read once: feedback summed per point, dimension and month
    (`observation.monthly_stats`, small) and the points with their districts (`observation.points`)."""

    stats: pd.DataFrame
    points: pd.DataFrame

    @classmethod
    def load(cls, engine: Engine, scope: Scope = Scope()) -> ObservationData:
        return cls.of(observation.monthly_stats(engine), observation.points(engine), scope)

    @classmethod
    def of(cls, stats: pd.DataFrame, points: pd.DataFrame, scope: Scope = Scope()) -> ObservationData:
        """The scope's part of the city's stats and points (as read by `load`, or held by the cached layer)."""
        if scope.kind == "district":
            points = points[points["district_code"] == scope.code]
        return cls(stats[stats["point_id"].isin(points["point_id"])], points.reset_index(drop=True))

    def window(self, start: date, end: date) -> pd.DataFrame:
        """The stats of the months from `start`'s through `end`'s."""
        months = pd.to_datetime(self.stats["month"])
        first, last = pd.Timestamp(start.replace(day=1)), pd.Timestamp(end.replace(day=1))
        return self.stats[(months >= first) & (months <= last)]


def point_figures(data: ObservationData, *, start: date, end: date, min_responses: int) -> pd.DataFrame:
    """Per observation point with feedback in the window: the point's code, building, district, responses, index
    and negative share (`observation.perception_index`: None below `min_responses`)."""
    index = observation.perception_index(data.window(start, end), ["point_id"], min_responses=min_responses)
    columns = ["point_id", "code", "building_id", "name", "district_code", *observation.INDEX_COLUMNS]
    if index.empty:
        return pd.DataFrame(columns=columns)
    return data.points.merge(index, on="point_id", how="inner")[columns]


def sentiment_summary(data: ObservationData, *, start: date, end: date, min_responses: int) -> dict:
    """The scope's figures over the window, pooled over all its points' responses: points with feedback,
    responses, perception index and negative share (None where there are too few responses or labels)."""
    window = data.window(start, end)
    empty = {"points": 0, "responses": 0, "index": None, "negative_share": None}
    if window.empty:
        return empty
    pooled = observation.perception_index(window.assign(scope="all"), ["scope"], min_responses=min_responses)
    row = pooled.iloc[0]
    return {"points": int(window.loc[window["responses"] > 0, "point_id"].nunique()),
            "responses": int(row["responses"]), "index": _number(row["index"]),
            "negative_share": _number(row["negative_share"])}


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def sentiment_alerts(data: ObservationData, *, as_of: date, rules: AlertRules) -> pd.DataFrame:
    """Points that trip an alert in the quarter of `as_of` through that month (`observation.alert_table`).
    Columns: code, building, district_code, responses, index, previous_index, change, negative_share, reason
    (index_drop, negative_share, or both joined by '+'); the largest fall first."""
    columns = ["code", "building", "district_code", "responses", "index", "previous_index", "change",
               "negative_share", "reason"]
    flagged = observation.alert_table(data.stats, data.points, quarter=observation.quarter_of(as_of), through=as_of,
                                      index_drop=rules.index_drop, negative_share=rules.negative_share,
                                      min_responses=rules.min_responses)
    if flagged.empty:
        return pd.DataFrame(columns=columns)
    flagged["reason"] = ["+".join(r for r, hit in (("index_drop", fell), ("negative_share", negative)) if hit)
                         for fell, negative in zip(flagged["fell"], flagged["too_negative"], strict=True)]
    flagged = flagged.rename(columns={"name": "building", "previous": "previous_index"})
    return flagged[columns].reset_index(drop=True)


def dimension_figures(data: ObservationData, *, start: date, end: date, min_responses: int) -> pd.DataFrame:
    """Per feedback dimension over the window: responses, perception index, negative share."""
    frame = observation.perception_index(data.window(start, end), ["dimension"], min_responses=min_responses)
    return frame[["dimension", "responses", "index", "negative_share"]].reset_index(drop=True)


def quarter_window(as_of: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """(first month of `as_of`'s quarter, `as_of`'s month) and the whole quarter before it, as month pairs."""
    first = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    return (first, as_of.replace(day=1)), (add_months(first, -3), add_months(first, -1))


def _demands(engine: Engine, scope: Scope) -> pd.DataFrame:
    frame = observation.demands(engine)
    if scope.kind == "district":
        return frame[frame["district_code"] == scope.code]
    if scope.kind == "street":
        return frame[frame["street_code"] == scope.code]
    return frame


def demand_summary(engine: Engine, *, day: date, scope: Scope = Scope()) -> dict[str, int]:
    """Demands open and overdue on `day` (observation.open_on / overdue_on), and those opened and closed during
    `day`'s calendar quarter through it."""
    frame = _demands(engine, scope)
    if frame.empty:
        return {"open": 0, "overdue": 0, "opened": 0, "closed": 0}
    (first, _), _ = quarter_window(day)
    dated = frame.assign(**{c: pd.to_datetime(frame[c]) for c in ("opened_on", "due_on", "closed_on")})
    start, end = pd.Timestamp(first), pd.Timestamp(day)
    return {"open": int(observation.open_on(dated, day).sum()), "overdue": int(observation.overdue_on(dated, day).sum()),
            "opened": int(dated["opened_on"].between(start, end).sum()),
            "closed": int(dated["closed_on"].between(start, end).sum())}


def open_demands(engine: Engine, *, day: date, scope: Scope = Scope(), limit: int = 20) -> pd.DataFrame:
    """Demands open on `day`, the longest-overdue first (then the oldest). Columns: id, building, district_code,
    category, text, opened_on, due_on, days_open, days_overdue (0 when not yet due; both count `day`)."""
    frame = _demands(engine, scope)
    columns = ["id", "building", "district_code", "category", "text", "opened_on", "due_on", "days_open",
               "days_overdue"]
    listed = observation.demand_list(frame, as_of=day, open_only=True, limit=len(frame) or 1)
    if listed.empty:
        return pd.DataFrame(columns=columns)
    listed = listed.merge(frame[["id", "building"]], on="id", how="left")
    listed["days_open"] = listed["days_open"].astype(int) + 1  # the as-of day counts: opened today is day 1
    listed["days_overdue"] = [max(0, (pd.Timestamp(day) - due).days + 1) if late else 0
                              for due, late in zip(listed["due_on"], listed["overdue"], strict=True)]
    listed = listed.sort_values(["due_on", "opened_on", "id"]).head(limit)
    for column in ("opened_on", "due_on"):
        listed[column] = listed[column].dt.date
    return listed[columns].reset_index(drop=True)


def demand_categories(engine: Engine, *, day: date, scope: Scope = Scope()) -> pd.DataFrame:
    """Open demands on `day` by category: category, open, overdue (most open first)."""
    summary = observation.demand_summary(_demands(engine, scope), by=["category"], as_of=day)
    summary = summary[summary["open"] > 0][["category", "open", "overdue"]].astype({"open": int, "overdue": int})
    return summary.sort_values(["open", "category"], ascending=[False, True]).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ the screen's panels


@dataclass(frozen=True)
class AlertsPanel:
    """The sentiment panel: the scope's summary now and in the window before, the alerts, the demands."""

    start: date
    end: date
    summary: dict[str, float | int | None]
    previous: dict[str, float | int | None]
    alerts: pd.DataFrame
    demands: dict[str, int]
    demand_day: date
    # building early warnings at the data month (workbench.building_alerts, workbench.ALERT_COLUMNS)
    building_alerts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=workbench.ALERT_COLUMNS))


def alerts_panel(engine: Engine, *, as_of: date, today: date, scope: Scope = Scope(),
                 rules: AlertRules | None = None,
                 building_rules: workbench.WarningRules | None = None,
                 warnings: pd.DataFrame | None = None, data: ObservationData | None = None) -> AlertsPanel:
    """The quarter of `as_of` through that month against the whole quarter before (the 观测点 page's rule); the
    demands as of `today` (observation.demand_day); the building early warnings at `as_of` (the overview's list:
    `warnings` when the caller holds it already, as the cached layer does, else `building_alerts`); `data`: the
    scope's feedback when the caller holds it (else read here)."""
    rules = rules or AlertRules.from_settings()
    building_rules = building_rules or workbench.WarningRules.from_settings()
    (start, end), previous = quarter_window(as_of)
    data = data if data is not None else ObservationData.load(engine, scope)
    return AlertsPanel(
        start=start, end=end,
        summary=sentiment_summary(data, start=start, end=end, min_responses=rules.min_responses),
        previous=sentiment_summary(data, start=previous[0], end=previous[1], min_responses=rules.min_responses),
        alerts=sentiment_alerts(data, as_of=as_of, rules=rules),
        demands=demand_summary(engine, day=observation.demand_day(today), scope=scope),
        demand_day=observation.demand_day(today),
        building_alerts=warnings if warnings is not None else building_alerts(engine, as_of=as_of, scope=scope,
                                                                                rules=building_rules),
    )


def building_alerts(engine: Engine, *, as_of: date, scope: Scope, rules: workbench.WarningRules) -> pd.DataFrame:
    """The building early warnings of the scope (city or one district) at `as_of`."""
    return workbench.building_alerts(engine, as_of=as_of, rules=rules, district=district_of(scope))


def alert_marks(engine: Engine, *, as_of: date, scope: Scope, rules: workbench.WarningRules,
                target_crs: str, warnings: pd.DataFrame | None = None) -> pd.DataFrame:
    """The buildings of the building early warnings (the alerts panel's list, `building_alerts`: one home) for the
    wall map, one row per building: building_id, name, district_code, rules (how many rules it trips), lon, lat in
    `target_crs` (the boundaries' CRS, so a mark lands in its district); lon/lat NaN for a building not yet
    placed (the map's key counts those). `warnings`: that list when the caller holds it already."""
    columns = ["building_id", "name", "district_code", "rules", "lon", "lat"]
    alerts = warnings if warnings is not None else building_alerts(engine, as_of=as_of, scope=scope, rules=rules)
    if alerts.empty:
        return pd.DataFrame(columns=columns)
    per_building = (alerts.groupby("building_id", sort=False)
                    .agg(name=("name", "first"), district_code=("district_code", "first"), rules=("rule", "size"))
                    .reset_index())
    ids = [int(i) for i in per_building["building_id"]]
    with engine.connect() as conn:
        rows = conn.execute(select(col(Building.id), col(Building.lon), col(Building.lat), col(Building.crs))
                            .where(col(Building.id).in_(ids))).all()
    where = pd.DataFrame(rows, columns=["building_id", "lon", "lat", "crs"])
    placed = where.dropna(subset=["lon", "lat"])
    if len(placed):
        placed = geo.convert_frame(placed, target=target_crs)
    out = per_building.merge(placed[["building_id", "lon", "lat"]], on="building_id", how="left")
    return out[columns].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ where to look

STATUS_ORDER = {"off_track": 0, "missed": 0, "at_risk": 1, "no_data": 2, "on_track": 3, "achieved": 3, "no_target": 4}


def goals_worst_first(table: pd.DataFrame) -> pd.DataFrame:
    """The goal table ordered by status: off track (or missed) first, then at risk, no data, on track, no target;
    the plan's order within a status (a stable sort), so a leader reads the rows that need attention first."""
    if table.empty:
        return table
    order = table["status"].map(STATUS_ORDER).fillna(len(STATUS_ORDER))
    return table.assign(_o=order).sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


def headline_trend(engine: Engine, *, as_of: date, scope: Scope = Scope(), months: int = 12) -> pd.DataFrame:
    """The headline figures month by month for the `months` months through `as_of` (a sparkline per tile): each
    month is its own period (`queries.period_kpis`, the pages' rule): tax and new enterprises are the month's
    sums, stocks and rates are read in the month, threshold counts use calendar-year-to-date tax through it.
    Index: the months (first days); columns: HEADLINE_CODES; None where the month has no data."""
    as_of = as_of.replace(day=1)
    rows = {}
    for back in range(months - 1, -1, -1):
        month = add_months(as_of, -back)
        figures = queries.period_kpis(engine, period=Period("month", month.year, month.month),
                                      district=district_of(scope))
        rows[month] = {code: figures.get(code) for code in HEADLINE_CODES}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(HEADLINE_CODES))


@dataclass(frozen=True)
class RankingNote:
    """Why every district's rank is what it was last month: `open_month` when the as-of month has fewer
    buildings reporting than the month before (the month has not closed), otherwise `steady` with the smallest
    gap between neighbours in the ranking (万元), which says how far the order is from changing."""

    reason: str  # "moved" (some rank changed: no note), "open_month", "steady", "no_previous"
    reporting: int = 0
    reporting_before: int = 0
    smallest_gap: float | None = None


def ranking_note(engine: Engine, *, as_of: date, frame: pd.DataFrame) -> RankingNote:
    """The note under the ranking when no rank changed since last month (`district_ranking`'s frame)."""
    ranked = frame[frame["state"] == "ranked"]
    changes = ranked["rank_change"].dropna()
    if changes.empty:
        return RankingNote("no_previous")
    if (changes != 0).any():
        return RankingNote("moved")
    previous = goal_rankings.ranking(engine, code="building_tax", as_of=add_months(as_of.replace(day=1), -1))
    now, before = int(frame["buildings"].fillna(0).sum()), int(previous["buildings"].fillna(0).sum())
    if now < before:
        return RankingNote("open_month", now, before)
    tax = ranked.sort_values("rank")["tax"].astype(float)
    gaps = (tax.shift(1) - tax).dropna()
    return RankingNote("steady", now, before, float(gaps.min()) if len(gaps) else None)


# ------------------------------------------------------------------------------------------------ map classes


def natural_breaks(values: pd.Series, classes: int = 4) -> list[float]:
    """Class edges by Jenks natural breaks (Fisher's exact optimisation: the least squared deviation within
    classes), so a leader far ahead of the rest gets a class of its own instead of sharing the darkest quantile
    with the runner-up. len(edges) - 1 classes, fewer when there are fewer distinct values; the first edge is the
    minimum and the last the maximum, and a value belongs to the class whose upper edge it does not exceed."""
    data = sorted(float(v) for v in values.dropna())
    distinct = sorted(set(data))
    if not distinct:
        return []
    if len(distinct) == 1:
        return [distinct[0], distinct[0]]
    k = min(classes, len(distinct))
    n = len(data)
    prefix, prefix_sq = [0.0], [0.0]
    for value in data:
        prefix.append(prefix[-1] + value)
        prefix_sq.append(prefix_sq[-1] + value * value)

    def cost(i: int, j: int) -> float:  # squared deviation of data[i..j] (inclusive) from its mean
        total, count = prefix[j + 1] - prefix[i], j - i + 1
        return prefix_sq[j + 1] - prefix_sq[i] - total * total / count

    best = [[math.inf] * n for _ in range(k + 1)]
    cut = [[0] * n for _ in range(k + 1)]
    for j in range(n):
        best[1][j] = cost(0, j)
    for c in range(2, k + 1):
        for j in range(c - 1, n):
            for i in range(c - 1, j + 1):  # the last class is data[i..j]
                candidate = best[c - 1][i - 1] + cost(i, j)
                if candidate < best[c][j]:
                    best[c][j], cut[c][j] = candidate, i
    uppers, j = [], n - 1
    for c in range(k, 1, -1):
        i = cut[c][j]
        uppers.append(data[i - 1])
        j = i - 1
    return [data[0], *sorted(set(uppers)), data[-1]]


def break_class(value: float | None, edges: list[float]) -> int | None:
    """The class (0-based) of `value` under `natural_breaks` edges; None for a missing value."""
    if value is None or pd.isna(value) or len(edges) < 2:
        return None
    for position, upper in enumerate(edges[1:]):
        if float(value) <= upper:
            return position
    return len(edges) - 2


# ------------------------------------------------------------------------------------------------ the screen itself


@dataclass(frozen=True)
class ScreenPlan:
    """What one wall screen shows: its panels in order, each with its seconds, and whether it is pinned (one
    panel, no rotation). From the kiosk link's parameters (`screen_plan`)."""

    panels: tuple[str, ...]
    seconds: tuple[int, ...]
    pinned: bool = False

    @property
    def tick(self) -> int:
        """The fragment's timer (seconds): the greatest common divisor of the panels' seconds, so every panel
        changes on a tick and a screen of 20 s panels reruns every 20 s, not every second."""
        return math.gcd(*self.seconds) if self.seconds else 1

    def ticks(self, position: int) -> int:
        return max(1, self.seconds[position % len(self.panels)] // self.tick)

    def position_of(self, panel: str | None) -> int:
        return self.panels.index(panel) if panel in self.panels else 0


MAX_PANEL_SECONDS = 3600


def screen_plan(params: dict[str, str], *, default_seconds: int) -> ScreenPlan:
    """The screen from URL parameters: `panels=kpis:30,map:45,rankings` (order; seconds per panel, the default
    interval where none is given), `pin=map` (that one panel only). Unknown panel names and impossible seconds
    are ignored (a mistyped link still shows a working screen: every panel, the default interval)."""
    default = max(1, int(default_seconds))
    pin = str(params.get("pin", "")).strip()
    if pin in PANELS:
        return ScreenPlan((pin,), (default,), pinned=True)
    panels: list[str] = []
    seconds: list[int] = []
    for item in str(params.get("panels", "")).split(","):
        name, _, text = item.strip().partition(":")
        if name not in PANELS or name in panels:
            continue
        try:
            value = int(text) if text else default
        except ValueError:
            value = default
        panels.append(name)
        seconds.append(value if 1 <= value <= MAX_PANEL_SECONDS else default)
    if not panels:
        return ScreenPlan(PANELS, (default,) * len(PANELS))
    return ScreenPlan(tuple(panels), tuple(seconds))


def months_behind(last_month: date | None, today: date) -> int | None:
    """Whole months from the newest data month to today's month (data for October read in December: 2)."""
    if last_month is None:
        return None
    return (today.year - last_month.year) * 12 + today.month - last_month.month
