"""Goal tracking: actuals for any scope and period, progress against a plan's targets, the pace expected by the
as-of month, a year-end forecast and a status. Rankings and drill-downs are in `goal_rankings`.

Only summary tables are read (district_month, street_month, building_ytd, designation_count; see `goal_sources`)
plus the small city_month and demand tables, so one goal table costs milliseconds even at province scale: 12 ms at
10k buildings × 60 months and 32 ms at 50k × 120, where DuckDB needs 42 and 243 ms from the raw rows
(bench/goals.py).

Rules (the README states them for readers):
- **Actual** for the year to date through the as-of month, by each indicator's aggregation (`indicators`).
- **Progress**: attainment, so that 100 % means the target is exactly met and more than 100 % always means better
  than the target: actual ÷ target when higher is better (comparator ≥ or >), target ÷ actual when lower is better
  (≤ or <; an actual of 0 beats any target outright and has no ratio, shown as —). For rates the gap in percentage
  points (actual − target) instead.
- **Expected pace** (flows only): target × the share of the year's total expected by the as-of month, linear
  (month ÷ 12) or seasonal (last year's monthly profile of the same series in the same scope, used only when last
  year has all twelve months and a positive total; otherwise linear). Rates and stocks compare their current value
  with the target and have no pace. Renovations are dated by year only, so they have no monthly profile and are
  always paced linearly (the page notes it).
- **Forecast** for December: flows = year to date ÷ the expected share of the months reported (renovations: the
  count recorded for the year ÷ the linear share of the year by the as-of month); tax share = each side forecast
  that way, then divided; threshold counts = buildings whose year-to-date tax ÷ expected share reaches the bound;
  rates and stocks = current value + least-squares slope of the last six monthly values × the months left;
  designations are held at their current value. When the year is final the forecast is the actual.
- **Status** from the forecast against the target: on track when it meets the target, at risk when it falls short
  by strictly less than the margin (`at_risk_margin_share` of the target, or `at_risk_margin_pp` points for rates),
  off track at the margin or beyond. A final year is achieved or missed.
- **Final**: a year is over when the store holds its December or any later month (a later month means no more data
  is coming for it, even if December itself is missing). The goal table is final when its year is over and the
  as-of month is at or after the year's last month with data; it is then evaluated at that last month, so a year
  whose data stops in October shows its October attainment as final. An as-of December whose December has no data
  yet (data through October, say) is not final: the forecast still projects the missing months. `is_final` is the
  one rule; the page reads it from the table's `final` column rather than deciding for itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from data_layer import plans
from data_layer.aggregates import Scope, ratio
from data_layer.goal_sources import (
    SUMS,
    city_tax,
    designation_counts,
    last_data_month,
    monthly_rows,
    monthly_sums,
    overdue_demands,
    threshold_totals,
    year_last_month,
)
from data_layer.indicators import BOUNDS, BY_CODE, IndicatorDef
from data_layer.periods import Period, add_months
from data_layer.settings import get_settings

PACE_METHODS = ("linear", "seasonal")
STATUSES = ("on_track", "at_risk", "off_track", "achieved", "missed", "no_data", "no_target")
TREND_MONTHS = 6
EPSILON = 1e-9  # targets are written to a few decimals; sums of floats should not miss them by rounding


@dataclass(frozen=True)
class Margins:
    """How far short of the target a forecast may fall and still be 'at risk' rather than 'off track'."""

    share: float = 0.10
    pp: float = 2.0

    @classmethod
    def from_settings(cls) -> Margins:
        settings = get_settings()
        return cls(share=settings.at_risk_margin_share, pp=settings.at_risk_margin_pp)


# ------------------------------------------------------------------------------------------------ pure computation


def pace_weights(last_year: dict[int, float] | None, method: str) -> tuple[list[float], str]:
    """Twelve monthly weights summing to 1 and the method actually used: last year's monthly profile when
    `method` is seasonal and that year has all twelve months with a positive total; otherwise linear."""
    if method == "seasonal" and last_year and len(last_year) == 12:
        values = [last_year[m] for m in range(1, 13)]
        total = sum(values)
        if total > 0 and min(values) >= 0:
            return [v / total for v in values], "seasonal"
    return [1 / 12] * 12, "linear"


def share_by(weights: list[float], months: Iterable[int]) -> float:
    return float(sum(weights[m - 1] for m in months))


def trend_forecast(series: dict[date, float], as_of: date) -> float | None:
    """The as-of value plus the least-squares slope of the last six monthly values × the months left in the year."""
    window = [add_months(as_of, -k) for k in range(TREND_MONTHS - 1, -1, -1)]
    points = [(i, series[m]) for i, m in enumerate(window) if m in series and series[m] is not None]
    if as_of not in series or series[as_of] is None:
        return None
    if len(points) < 2:
        return series[as_of]
    x, y = np.array([p[0] for p in points], float), np.array([p[1] for p in points], float)
    slope = float(np.polyfit(x, y, 1)[0])
    return series[as_of] + slope * (12 - as_of.month)


def meets(value: float, comparator: str, target: float) -> bool:
    if comparator == ">=":
        return value >= target - EPSILON
    if comparator == ">":
        return value > target + EPSILON
    if comparator == "<=":
        return value <= target + EPSILON
    if comparator == "<":
        return value < target - EPSILON
    raise ValueError(f"unknown comparator {comparator!r}")


def status_of(*, forecast: float | None, target: float | None, comparator: str, unit: str, final: bool,
              margins: Margins) -> str:
    """The status rule (module docstring). `forecast` is the actual when the year is final."""
    if target is None:
        return "no_target"
    if forecast is None:
        return "no_data"
    met = meets(forecast, comparator, target)
    if final:
        return "achieved" if met else "missed"
    if met:
        return "on_track"
    shortfall = forecast - target if lower_is_better(comparator) else target - forecast
    margin = margins.pp if unit == "pct" else margins.share * abs(target)
    # strictly less than the margin; a shortfall equal to it up to float rounding (0.1 × 2,900 is not exactly 290)
    # is off track
    within = shortfall < margin and not math.isclose(shortfall, margin, rel_tol=1e-9, abs_tol=EPSILON)
    return "at_risk" if within else "off_track"


def lower_is_better(comparator: str) -> bool:
    """A target met by staying at or under it (≤, <), as opposed to reaching it (≥, >)."""
    if comparator not in (">=", ">", "<=", "<"):
        raise ValueError(f"unknown comparator {comparator!r}")
    return comparator in ("<=", "<")


def progress_of(*, actual: float | None, target: float | None, comparator: str, unit: str) -> float | None:
    """Attainment (module docstring): 1.0 = the target exactly, above 1.0 = better than the target, whichever way
    the target is met. None for rates (their progress is the gap in points), without both numbers, with a zero
    target, or for a lower-is-better actual of 0 (no ratio: it beats any target)."""
    if unit == "pct" or actual is None or target is None or not target:
        return None
    if lower_is_better(comparator):
        return target / actual if actual else None
    return actual / target


def is_final(as_of: date, *, latest: date | None, year_last: date | None) -> bool:
    """The final rule (module docstring): the as-of year is over (the store's latest month is its December or
    later) and `as_of` is at or after `year_last`, the year's last month with data."""
    if latest is None or year_last is None:
        return False
    return latest >= date(as_of.year, 12, 1) and as_of >= year_last


def table_is_final(table: pd.DataFrame) -> bool:
    """Whether a goal table (goal_table) reports a final year: its rows carry `is_final`'s verdict."""
    return bool(len(table)) and bool(table["final"].any())


def year_end(conn: Connection, as_of: date) -> tuple[date, bool]:
    """Whether the table for `as_of` is final, and the month to evaluate: the year's last month with data when
    final (so a final year whose data stops in October is read in October), else `as_of` itself."""
    year_last = year_last_month(conn, as_of.year)
    final = is_final(as_of, latest=last_data_month(conn), year_last=year_last)
    return (year_last if final and year_last else as_of), final


def _clean(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return None
    return float(value)


def _clamp(ind: IndicatorDef, value: float | None) -> float | None:
    if value is None:
        return None
    value = max(0.0, value)
    return min(100.0, value) if ind.is_rate else value


# ----------------------------------------------------------------------------------------------- scope evaluation


@dataclass
class ScopeData:
    """Everything one scope's indicators are computed from, fetched once (a few small queries)."""

    scope: Scope
    monthly: dict[date, dict[str, float]]  # month -> sums
    city: dict[date, float]
    designations: dict[str, float]
    demands: dict[date, float] | None
    thresholds: dict[str, float]  # condition name -> count at as-of
    current_year: int | None  # year of the store's latest month: designations are known for it only
    final: bool = False  # the year is over and this is its last month with data (`is_final`)


def load_scope(conn: Connection, *, scope: Scope, as_of: date, codes: Iterable[str], pace: str,
               final: bool = False) -> ScopeData:
    codes = set(codes)
    year = as_of.year
    start = date(year - 1, 1, 1)
    monthly = {row[1]: dict(zip(SUMS, (float(v) for v in row[2:]), strict=True))
               for row in monthly_rows(conn, scope=scope, start=start, end=as_of)}
    latest = last_data_month(conn)
    thresholds: dict[str, float] = {}
    wanted = [c for c in BOUNDS if c in codes]
    if wanted and as_of in monthly:
        weights, _ = pace_weights(_profile(monthly, year - 1, "tax"), pace)
        share = share_by(weights, range(1, as_of.month + 1))
        conditions = {}
        for code in wanted:
            last_year = BOUNDS[code] if code.startswith("new_") else None  # last year's test uses the real bound
            conditions[code] = (BOUNDS[code], last_year)
            conditions[code + ":forecast"] = (BOUNDS[code] * share, last_year)
        thresholds = threshold_totals(conn, scope=scope, month=as_of, conditions=conditions, by=None).get("all", {})
    needs_designations = any(BY_CODE[c].aggregation in ("count_designated", "count_in_year") for c in codes)
    trend_months = [add_months(as_of, -k) for k in range(TREND_MONTHS)]
    return ScopeData(
        scope=scope, monthly=monthly, city=city_tax(conn, start=start, end=as_of) if "tax_share" in codes else {},
        designations=designation_counts(conn, scope=scope, year=year) if needs_designations else {},
        demands=overdue_demands(conn, scope=scope, months=trend_months) if "overdue_demands" in codes else None,
        thresholds=thresholds, current_year=latest.year if latest else None, final=final,
    )


def _profile(monthly: dict[date, dict[str, float]], year: int, column: str) -> dict[int, float]:
    return {m.month: v[column] for m, v in monthly.items() if m.year == year}


def _months_reported(data: ScopeData, as_of: date) -> list[int]:
    return [m.month for m in data.monthly if m.year == as_of.year and m <= as_of]


def _series(data: ScopeData, code: str) -> dict[date, float]:
    """The monthly series a rate or stock is read from (for its as-of value and its trend)."""
    out: dict[date, float] = {}
    for month, v in data.monthly.items():
        rate = ratio(v["occupied"], v["leasable"]) if code == "occupancy_rate" else ratio(
            v["registered"], v["operating"]) if code == "registration_rate" else None
        if rate is not None:
            out[month] = 100 * rate
        elif code == "vacant_area":
            out[month] = v["leasable"] - v["occupied"]
    if code == "overdue_demands" and data.demands is not None:
        out = {m: c for m, c in data.demands.items() if m in data.monthly}
    return out


@dataclass(frozen=True)
class Evaluation:
    actual: float | None
    expected_share: float | None  # share of the year's target expected by the as-of month (flows)
    pace_method: str | None
    forecast: float | None
    note: str = ""  # no_source | no_history | no_data | incomplete


def evaluate(ind: IndicatorDef, data: ScopeData, as_of: date, pace: str) -> Evaluation:
    """Actual (year to date through `as_of`), expected share, forecast for one indicator in one scope."""
    year, final = as_of.year, data.final
    reported = _months_reported(data, as_of)
    if ind.aggregation == "no_source":
        return Evaluation(None, None, None, None, "no_source")
    if not reported:
        return Evaluation(None, None, None, None, "no_data")
    note = "incomplete" if len(reported) < as_of.month else ""
    if ind.aggregation in ("ratio_at_end", "sum_at_end", "count_overdue_at_end"):
        series = _series(data, ind.code)
        actual = series.get(as_of)
        forecast = actual if final else _clamp(ind, trend_forecast(series, as_of))
        return Evaluation(_clean(actual), None, None, _clean(forecast), "no_data" if actual is None else "")
    if ind.aggregation == "sum_over_period":
        column = "tax" if ind.code == "building_tax" else "new_enterprises"
        weights, method = pace_weights(_profile(data.monthly, year - 1, column), pace)
        actual = sum(data.monthly[date(year, m, 1)][column] for m in reported)
        covered = share_by(weights, reported)
        forecast = actual if final else (actual / covered if covered else None)
        return Evaluation(actual, share_by(weights, range(1, as_of.month + 1)), method, _clean(forecast), note)
    if ind.aggregation == "ratio_over_period":
        return _tax_share(data, as_of, reported, pace, final, note)
    if ind.aggregation in ("count_ytd_over_bound", "count_new_over_bound"):
        if as_of.replace(day=1) not in data.monthly:
            return Evaluation(None, None, None, None, "no_data")
        actual = data.thresholds.get(ind.code)
        forecast = actual if final else data.thresholds.get(ind.code + ":forecast")
        share: float | None = None
        pace_method: str | None = None
        if ind.has_pace:
            weights, pace_method = pace_weights(_profile(data.monthly, year - 1, "tax"), pace)
            share = share_by(weights, range(1, as_of.month + 1))
        return Evaluation(actual, share, pace_method, forecast, note)
    if ind.aggregation == "count_designated":
        if data.current_year != year:
            return Evaluation(None, None, None, None, "no_history")
        value = data.designations.get(ind.code)
        return Evaluation(value, None, None, value, "")
    if ind.aggregation == "count_in_year":
        # dated by year only (renovated_year): no monthly profile exists, so the pace is linear whatever was chosen
        # and the forecast is the count recorded for the year ÷ the linear share of the year by the as-of month
        value = data.designations.get(ind.code)
        weights, method = pace_weights(None, "linear")
        share = share_by(weights, range(1, as_of.month + 1))
        forecast = value if final or value is None else value / share
        return Evaluation(value, share if ind.has_pace else None, method, forecast, "year_dated")
    raise ValueError(f"no rule for aggregation {ind.aggregation!r}")


def _tax_share(data: ScopeData, as_of: date, reported: list[int], pace: str, final: bool, note: str) -> Evaluation:
    year = as_of.year
    months = [m for m in reported if date(year, m, 1) in data.city]
    if not months:
        return Evaluation(None, None, None, None, "no_data")
    building = sum(data.monthly[date(year, m, 1)]["tax"] for m in months)
    city = sum(data.city[date(year, m, 1)] for m in months)
    actual = 100 * building / city if city else None
    if final or actual is None:
        return Evaluation(actual, None, None, actual, note)
    b_weights, method = pace_weights(_profile(data.monthly, year - 1, "tax"), pace)
    city_profile = {m.month: v for m, v in data.city.items() if m.year == year - 1}
    c_weights, c_method = pace_weights(city_profile, pace)
    b_share, c_share = share_by(b_weights, months), share_by(c_weights, months)
    forecast = 100 * (building / b_share) / (city / c_share) if b_share and c_share else None
    return Evaluation(actual, None, None, forecast, note)  # not clamped: a share over 100 % is a data problem to see


# ------------------------------------------------------------------------------------------------------ the table


def indicator_values(engine: Engine, *, scope: Scope, as_of: date, codes: Iterable[str] | None = None,
                     pace: str = "linear") -> dict[str, Evaluation]:
    """Actual, expected share and forecast of each indicator (year to date through `as_of`) for the scope."""
    codes = list(codes or BY_CODE)
    as_of = as_of.replace(day=1)
    with engine.connect() as conn:
        # the month stays as asked (a December without data has no December rates), only finality is read
        final = year_end(conn, as_of)[1]
        data = load_scope(conn, scope=scope, as_of=as_of, codes=codes, pace=pace, final=final)
    return {code: evaluate(BY_CODE[code], data, as_of, pace) for code in codes}


def goal_table(engine: Engine, *, plan_code: str, as_of: date, scope: Scope | None = None, pace: str = "linear",
               margins: Margins | None = None) -> pd.DataFrame:
    """One row per indicator the plan targets: target for the as-of year, actual, gap and progress, expected pace,
    forecast and status. `scope` defaults to the plan's own scope. A final year (`is_final`) is evaluated at its
    last month with data."""
    if pace not in PACE_METHODS:
        raise ValueError(f"pace must be one of {PACE_METHODS}")
    margins = margins or Margins.from_settings()
    as_of = as_of.replace(day=1)
    with engine.connect() as conn:  # one connection for the plan, its targets and the scope's figures
        plan = plans.plan_row(conn, plan_code)
        scope = scope or plan_scope(plan)
        targets = plans.target_rows(conn, plan["id"])
        codes = list(dict.fromkeys(code for code, *_ in targets))  # registry order
        as_of, final = year_end(conn, as_of)
        data = load_scope(conn, scope=scope, as_of=as_of, codes=codes, pace=pace, final=final)
    year_targets = {code: (value, comparator) for code, year, value, comparator in targets if year == as_of.year}
    rows = [_row(BY_CODE[c], evaluate(BY_CODE[c], data, as_of, pace), year_targets.get(c), final, margins)
            for c in codes]
    return pd.DataFrame(rows, columns=GOAL_COLUMNS)


GOAL_COLUMNS = ["indicator", "name_zh", "name_en", "unit", "kind", "direction", "comparator", "target", "actual",
                "gap", "progress", "expected", "pace_ratio", "pace_method", "forecast", "forecast_method", "status",
                "final", "note"]


def _row(ind: IndicatorDef, ev: Evaluation, target_spec: tuple[float, str] | None, final: bool,
         margins: Margins) -> dict:
    target, comparator = target_spec if target_spec else (None, ind.comparator)
    actual = ev.actual
    expected = target * ev.expected_share if target is not None and ev.expected_share is not None else None
    return {
        "indicator": ind.code, "name_zh": ind.name_zh, "name_en": ind.name_en, "unit": ind.unit, "kind": ind.kind,
        "direction": ind.direction, "comparator": comparator, "target": target, "actual": actual,
        "gap": actual - target if target is not None and actual is not None else None,
        "progress": progress_of(actual=actual, target=target, comparator=comparator, unit=ind.unit),
        "expected": expected,
        "pace_ratio": actual / expected if expected and actual is not None else None,
        "pace_method": ev.pace_method if expected is not None else None,
        "forecast": ev.forecast, "forecast_method": "actual" if final and ev.forecast is not None else ind.forecast,
        "status": status_of(forecast=ev.forecast, target=target, comparator=comparator, unit=ind.unit, final=final,
                            margins=margins),
        "final": final, "note": ev.note,
    }


def plan_scope(plan: dict) -> Scope:
    return Scope("district", plan["scope_code"]) if plan["scope_type"] == "district" else Scope()


def actuals(engine: Engine, *, scope: Scope, period: Period, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Indicator values for any scope and period (month, quarter, year to date, year): flows summed over the
    period's months, rates and stocks read in its last month, threshold counts on the calendar year to date
    through its last month, designations as they stand now (for the current year only)."""
    codes = list(codes or BY_CODE)
    ytd = indicator_values(engine, scope=scope, as_of=period.end, codes=codes)
    rows = []
    flows = {"building_tax": "tax", "new_enterprises": "new_enterprises"}
    sub_year = period.kind in ("month", "quarter")
    with engine.connect() as conn:
        frame = monthly_sums(conn, scope=scope, start=period.start, end=period.end) if sub_year else None
        city = city_tax(conn, start=period.start, end=period.end) if sub_year and "tax_share" in codes else {}
    for code in codes:
        value, note = ytd[code].actual, ytd[code].note
        if sub_year and code in flows:
            value = float(frame[flows[code]].sum()) if frame is not None and len(frame) else None
        elif sub_year and code == "tax_share":
            months = [m for m in frame["month"] if m in city] if frame is not None else []
            part = frame[frame["month"].isin(months)] if frame is not None else None
            total = sum(city[m] for m in months)
            value = 100 * float(part["tax"].sum()) / total if part is not None and months and total else None
        elif sub_year and code == "renovated_buildings":
            value, note = None, "yearly_only"
        rows.append({"indicator": code, "value": value, "note": note if value is None else ""})
    return pd.DataFrame(rows, columns=["indicator", "value", "note"])


def attainment_by_year(engine: Engine, *, plan_code: str, as_of: date, scope: Scope | None = None,
                       pace: str = "linear", margins: Margins | None = None) -> pd.DataFrame:
    """Target, actual, forecast and status for every year of the plan: past years at their last month with data
    (final by `is_final` once a later month exists), the as-of year at `as_of`, later years with targets only."""
    plan = plans.plan_by_code(engine, plan_code)
    frames = []
    with engine.connect() as conn:
        lasts = {year: year_last_month(conn, year) for year in range(plan["start_year"], plan["end_year"] + 1)}
    for year in range(plan["start_year"], plan["end_year"] + 1):
        month = as_of if year == as_of.year else (lasts[year] if year < as_of.year else None)
        if month is None:
            month = date(year, 12, 1)
        table = goal_table(engine, plan_code=plan_code, as_of=month, scope=scope, pace=pace, margins=margins)
        table.insert(0, "year", year)
        table.insert(1, "as_of", month)
        if year > as_of.year:
            table[["actual", "forecast", "gap", "progress", "expected", "pace_ratio"]] = None
            table["status"] = table["target"].map(lambda t: "no_target" if t is None or pd.isna(t) else "no_data")
        frames.append(table)
    return pd.concat(frames, ignore_index=True)
