"""The planner's workbench: building early warnings, the threshold pipeline (准千万元楼 / 准亿元楼), vacant space and
output per ㎡ / per employee. Keyword-only functions on an engine (or pure functions on frames); no Streamlit.

Rules (the README's "Planner's workbench" says the same in words):
- **vacant area** = leasable − occupied area in the period's last month (NaN when the building did not report
  then); its 3-month trend = vacant now − vacant three months earlier (both months reported);
- **output per ㎡ / per employee**: the building's tax over the months of the period it reported, annualised
  (× 12 ÷ months reported), ÷ its leasable area (÷ employees) in the period's last month; a district's = its tax
  over the period × 12 ÷ months in the period, ÷ Σ leasable (÷ Σ employees) in the last month (`aggregates`);
- **early warnings** (`WarningRules`, settings with defaults): occupancy down ≥ N points over 3 months or year on
  year; year-to-date tax down ≥ X % on the same months last year; no report for the last ≥ K months (having
  reported in the year before); over the 1,000 万元 / 亿元 line last calendar year and forecast under it this year;
  only buildings of at least `min_area_m2` leasable ㎡ (a small building's noise would flood the list);
- **year-end forecast** (pipeline and "fell below a line"): year-to-date tax ÷ the share of last year's tax that
  the same months carried: the building's own last year when it reported all 12 months with a positive total, else
  its district's last year (same test), else linear (month ÷ 12). A **candidate** is under the line year to date
  and forecast to reach it; it still needs (line − year to date) ÷ months left per month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Engine, Select, func, select
from sqlmodel import col

from data_layer import fmt, moves
from data_layer.aggregates import ratio
from data_layer.auth import tax_access
from data_layer.i18n import translate
from data_layer.indicators import TAX_10M_BOUND_10K, TAX_100M_BOUND_10K
from data_layer.models import Building, BuildingMonth, BuildingYtd, District, DistrictMonth
from data_layer.periods import Period, add_months
from data_layer.settings import get_settings

BOUNDS: dict[str, float] = {"10m": TAX_10M_BOUND_10K, "100m": TAX_100M_BOUND_10K}
RULES = ("occupancy_drop_3m", "occupancy_drop_yoy", "tax_drop_yoy", "stopped_reporting", "below_10m", "below_100m",
         "move_out")
MOVE_OUT_MONTHS = 3  # the move-out rule looks at the three months through the as-of month
ALERT_COLUMNS = ["building_id", "code", "name", "district_code", "grade", "leasable_area_m2", "rule", "before",
                 "after", "change", "unit"]
PIPELINE_COLUMNS = ["building_id", "code", "name", "district_code", "grade", "bound", "ytd", "forecast", "basis",
                    "share", "months_left", "need_per_month", "last_year"]


@dataclass(frozen=True)
class WarningRules:
    """Thresholds of the building early warnings (settings DASHBOARD_WARN_*; defaults and reasons there)."""

    occupancy_drop_pp: float = 10.0
    tax_drop_share: float = 0.30
    silent_months: int = 2
    min_area_m2: float = 5_000.0
    move_out_tax_10k: float = 100.0

    @classmethod
    def from_settings(cls) -> WarningRules:
        s = get_settings()
        return cls(s.warn_occupancy_drop_pp, s.warn_tax_drop_share, s.warn_silent_months, s.warn_min_area_m2,
                   s.warn_move_out_tax_10k)


# ------------------------------------------------------------------------------------------------ reading


def _frame(engine: Engine, statement: Select) -> pd.DataFrame:
    """The rows as plain DBAPI tuples (as buildings._records): SQLAlchemy's Row objects cost as much again as the
    query at 50,000 buildings, and no column here needs their type processing (ids, numbers, month text or dates,
    which the callers convert)."""
    with engine.connect() as conn:
        result = conn.execute(statement)
        return pd.DataFrame.from_records(result.cursor.fetchall(), columns=list(result.keys()))


def _month_values(engine: Engine, months: list[date]) -> pd.DataFrame:
    bm = BuildingMonth
    frame = _frame(engine, select(col(bm.building_id), col(bm.month), col(bm.occupied_area_m2),
                                  col(bm.leasable_area_m2), col(bm.tax_10k))
                   .where(col(bm.month).in_(months)))
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def _ytd_at(engine: Engine, month: date) -> pd.Series:
    frame = _frame(engine, select(col(BuildingYtd.building_id),
                                  col(BuildingYtd.ytd_tax_10k)).where(col(BuildingYtd.month) == month))
    return frame.set_index("building_id")["ytd_tax_10k"].astype(float)


def _ytd_snapshot(engine: Engine, through: date) -> pd.DataFrame:
    """building_ytd at the latest month of `through`'s year up to `through` that has rows (the carried-forward
    year to date; empty when the year has no data by then): building_id, ytd_tax_10k, months_reported,
    last_month (a date)."""
    y = BuildingYtd
    with engine.connect() as conn:
        month = conn.execute(select(func.max(col(y.month))).where(col(y.month) >= date(through.year, 1, 1),
                                                                  col(y.month) <= through)).scalar()
    frame = _frame(engine, select(col(y.building_id), col(y.ytd_tax_10k), col(y.months_reported),
                                  col(y.last_month)).where(col(y.month) == month))
    frame["last_month"] = pd.to_datetime(frame["last_month"]).dt.date
    return frame


def seasonal_shares(engine: Engine, *, as_of: date) -> pd.DataFrame:
    """Per building, the share of last year's tax that January..as_of's month carried and where it came from:
    columns building_id, share, basis (own | district | linear), last_year (its last-year total or NaN)."""
    dm = DistrictMonth
    first, last = date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 1)
    through = date(as_of.year - 1, as_of.month, 1)
    # each building's months, total and tax through `through` last year: building_ytd at last year's last month
    # and at `through` (the carried-forward sums of building_month, read as two snapshots instead of a scan)
    year_end = _ytd_snapshot(engine, last).rename(columns={"months_reported": "months", "ytd_tax_10k": "total"})
    to_date = _ytd_snapshot(engine, through).set_index("building_id")["ytd_tax_10k"]
    own = year_end[["building_id", "months", "total"]].assign(to_date=year_end["building_id"].map(to_date))
    district = _frame(engine, select(col(dm.district_code), func.count().label("months"),
                                     func.sum(col(dm.tax_10k)).label("total"),
                                     func.sum(col(dm.tax_10k)).filter(col(dm.month) <= through).label("to_date"))
                      .where(col(dm.month) >= first, col(dm.month) <= last).group_by(col(dm.district_code)))
    buildings = _frame(engine, select(col(Building.id).label("building_id"), col(Building.district_code)))
    own = buildings.merge(own, on="building_id", how="left")
    for frame in (own, district):
        for column in ("months", "total", "to_date"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    usable = (own["months"] == 12) & (own["total"] > 0)
    d_usable = (district["months"] == 12) & (district["total"] > 0)
    d_share = (district["to_date"].fillna(0) / district["total"]).where(d_usable)
    by_district = dict(zip(district["district_code"], d_share, strict=True))
    own_share = (own["to_date"].fillna(0) / own["total"]).where(usable)
    dist_share = own["district_code"].map(by_district).astype(float)
    linear = as_of.month / 12
    share = own_share.fillna(dist_share).fillna(linear)
    basis = np.select([own_share.notna(), dist_share.notna()], ["own", "district"], "linear")
    # a share of 0 (no tax in these months last year) cannot scale a forecast: linear then
    zero = share <= 0
    share, basis = share.where(~zero, linear), np.where(zero, "linear", basis)
    return pd.DataFrame({"building_id": own["building_id"], "share": share.astype(float), "basis": basis,
                         "last_year": own["total"].where(own["months"] > 0)})


def _attributes(engine: Engine) -> pd.DataFrame:
    return _frame(engine, select(col(Building.id).label("building_id"), col(Building.code), col(Building.name),
                                 col(Building.district_code), col(Building.grade), col(Building.leasable_area_m2))
                  .order_by(col(Building.id)))


def forecasts(engine: Engine, *, as_of: date) -> pd.DataFrame:
    """Every building with tax this year: year to date at `as_of`, the seasonal year-end forecast, the linear one,
    and last year's total. Columns building_id, ytd, forecast, linear, basis, share, last_year."""
    shares = seasonal_shares(engine, as_of=as_of)
    ytd = _ytd_at(engine, as_of)
    frame = shares.assign(ytd=shares["building_id"].map(ytd).astype(float))
    frame = frame[frame["ytd"].notna()].copy()
    frame["forecast"] = frame["ytd"] / frame["share"]
    frame["linear"] = frame["ytd"] * 12 / as_of.month
    return frame.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ pipeline


def pipeline(engine: Engine, *, as_of: date, district: str | None = None) -> pd.DataFrame:
    """准千万元楼 and 准亿元楼: buildings under each line year to date at `as_of` whose year-end forecast reaches it,
    with the tax they still need per remaining month; the closest to the line first. Empty in December (the year
    is complete). Columns PIPELINE_COLUMNS (bound: 10m | 100m)."""
    months_left = 12 - as_of.month
    if months_left <= 0:
        return pd.DataFrame(columns=PIPELINE_COLUMNS)
    frame = forecasts(engine, as_of=as_of).merge(_attributes(engine), on="building_id")
    if district is not None:
        frame = frame[frame["district_code"] == district]
    parts = []
    for code, bound in BOUNDS.items():
        hit = frame[(frame["ytd"] < bound) & (frame["forecast"] >= bound)].copy()
        hit["bound"] = code
        hit["months_left"] = months_left
        hit["need_per_month"] = (bound - hit["ytd"]) / months_left
        parts.append(hit.sort_values(["need_per_month", "building_id"]))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=PIPELINE_COLUMNS)
    return out[PIPELINE_COLUMNS].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ early warnings


def building_alerts(engine: Engine, *, as_of: date, rules: WarningRules, district: str | None = None) -> pd.DataFrame:
    """Every rule a building of at least `rules.min_area_m2` leasable ㎡ trips at `as_of`, one row per building and
    rule, with the figures that fired it: before, after, change and their unit (pp | rel | months | 10k_yuan).
    Order: rule (RULES), then the largest change first. Columns ALERT_COLUMNS."""
    every = _attributes(engine)
    if district is not None:
        every = every[every["district_code"] == district]
    buildings = every[every["leasable_area_m2"] >= rules.min_area_m2]
    ids = buildings.set_index("building_id")
    rows: list[dict] = []

    def add(building_id: int, rule: str, before: object, after: object, change: object, unit: str) -> None:
        rows.append({"building_id": int(building_id), "rule": rule, "before": before, "after": after,
                     "change": change, "unit": unit})

    # occupancy, over 3 months and year on year (both months reported)
    months = {"now": as_of, "3m": add_months(as_of, -3), "12m": add_months(as_of, -12)}
    values = _month_values(engine, list(months.values()))
    occupancy = {key: values[values["month"] == month].set_index("building_id")
                 .pipe(lambda f: ratio(f["occupied_area_m2"], f["leasable_area_m2"]))
                 for key, month in months.items()}
    now = occupancy["now"].reindex(ids.index)
    for key, rule in (("3m", "occupancy_drop_3m"), ("12m", "occupancy_drop_yoy")):
        before = occupancy[key].reindex(ids.index)
        drop = (now - before) * 100
        # compared as displayed (to 0.1 point), so a list reading "−10.0" never leaves the building out
        for building_id in drop.index[drop.round(1) <= -rules.occupancy_drop_pp]:
            add(building_id, rule, before[building_id], now[building_id], drop[building_id] / 100, "pp")

    # year-to-date tax against the same months last year
    ytd_now = _ytd_at(engine, as_of).reindex(ids.index)
    ytd_before = _ytd_at(engine, add_months(as_of, -12)).reindex(ids.index)
    relative = ratio(ytd_now - ytd_before, ytd_before)
    for building_id in relative.index[(relative * 100).round(1) <= -rules.tax_drop_share * 100]:
        add(building_id, "tax_drop_yoy", ytd_before[building_id], ytd_now[building_id], relative[building_id], "rel")

    # stopped reporting: no report in the last `silent_months` months through as_of, one in the year before
    # each building's last report in the 12 months before as_of: this year's latest through as_of, else last
    # year's latest if it falls inside the window (building_ytd.last_month, two snapshots)
    this_year = _ytd_snapshot(engine, as_of).set_index("building_id")["last_month"].dropna()
    last_year = _ytd_snapshot(engine, date(as_of.year - 1, 12, 1)).set_index("building_id")["last_month"].dropna()
    last_year = last_year[[month >= add_months(as_of, -12) for month in last_year]]
    found = pd.concat([this_year, last_year[~last_year.index.isin(this_year.index)]])
    latest = pd.DataFrame({"building_id": found.index.astype("int64"), "last": found.to_numpy()})
    cutoff = add_months(as_of, -rules.silent_months)
    for building_id, last in zip(latest["building_id"], latest["last"], strict=True):
        if building_id in ids.index and last <= cutoff:
            silent = (as_of.year - last.year) * 12 + as_of.month - last.month
            add(building_id, "stopped_reporting", last.strftime("%Y-%m"), as_of.strftime("%Y-%m"), silent, "months")

    # over a line last calendar year, forecast under it this year
    forecast = forecasts(engine, as_of=as_of).set_index("building_id").reindex(ids.index)
    for code, bound in BOUNDS.items():
        fell = forecast.index[(forecast["last_year"] >= bound) & (forecast["forecast"] < bound)]
        for building_id in fell:
            add(building_id, f"below_{code}", forecast.at[building_id, "last_year"],
                forecast.at[building_id, "forecast"], forecast.at[building_id, "forecast"] - bound, "10k_yuan")

    # large taxpayers that moved out of the city (data_layer.moves), from a building of any size: the count per
    # building only, no name and no tax (move_out_names gives an editor the names)
    leavers = moves.move_out_alerts(engine, as_of=as_of, min_tax_10k=rules.move_out_tax_10k,
                                    months=MOVE_OUT_MONTHS, district=district)
    for building_id, count in leavers.groupby("building_id").size().items():
        if building_id in set(every["building_id"]):
            add(building_id, "move_out", MOVE_OUT_MONTHS, None, int(count), "enterprises")

    if not rows:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    out = pd.DataFrame(rows).merge(every, on="building_id")
    out["_rule"] = out["rule"].map({r: i for i, r in enumerate(RULES)})
    out["_size"] = pd.to_numeric(out["change"], errors="coerce").abs()  # the largest fall, the longest silence
    out = out.sort_values(["_rule", "_size", "building_id"], ascending=[True, False, True])
    return out[ALERT_COLUMNS].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ vacancy and output


def vacancy(frame: pd.DataFrame) -> pd.DataFrame:
    """Vacant area now and its 3-month trend for a period frame with occupied/leasable at the end and 3 months
    before (`occupied_3m`, `leasable_3m`): adds vacant_m2 and vacant_change_3m (NaN where a month is missing)."""
    now = (frame["leasable_end"] - frame["occupied_end"]).where(frame["leasable_end"] > 0)
    before = (frame["leasable_3m"] - frame["occupied_3m"]).where(frame["leasable_3m"] > 0)
    return frame.assign(vacant_m2=now.astype(float), vacant_change_3m=(now - before).astype(float))


def output(frame: pd.DataFrame) -> pd.DataFrame:
    """Annualised tax per ㎡ and per employee for a period frame with `tax_reported` (tax over the months the
    building reported in the period) and `months_reported`: adds tax_annual (万元 a year), tax_per_m2 (元 per ㎡ a
    year) and tax_per_employee (万元 per person a year)."""
    annual = ratio(frame["tax_reported"] * 12, frame["months_reported"])
    return frame.assign(tax_annual=annual,
                        tax_per_m2=ratio(annual * 10_000, frame["leasable_end"]),
                        tax_per_employee=ratio(annual, frame["employees"]))


def output_ranks(frame: pd.DataFrame) -> pd.DataFrame:
    """Each building's rank on tax per ㎡ among its district's and its grade's buildings with a value (1 = highest;
    ties share the better rank), and how many were ranked: rank_district, of_district, rank_grade, of_grade."""
    value = frame["tax_per_m2"]
    has = value.notna()
    out = pd.DataFrame(index=frame.index)
    for key, column in (("district", "district_code"), ("grade", "grade")):
        groups = frame[column].astype("object")
        out[f"rank_{key}"] = value.groupby(groups).rank(ascending=False, method="min")
        out[f"of_{key}"] = has.groupby(groups).transform("sum").where(has)
    return out


def revive_list(frame: pd.DataFrame, *, below_pct: int) -> pd.DataFrame:
    """盘活一批: buildings of a (filtered) period frame whose occupancy is under `below_pct` %, ranked by vacant ㎡
    (largest first)."""
    under = frame[(frame["occupancy_rate"] * 100 < below_pct) & frame["vacant_m2"].notna()]
    return under.sort_values(["vacant_m2", "id"], ascending=[False, True])


def alert_counts(alerts: pd.DataFrame) -> dict[str, int]:
    """Alerts per rule (every rule present, zero included)."""
    counts = alerts["rule"].value_counts() if len(alerts) else pd.Series(dtype=int)
    return {rule: int(counts.get(rule, 0)) for rule in RULES}


def district_names(engine: Engine) -> pd.DataFrame:
    return _frame(engine, select(col(District.code), col(District.name_zh), col(District.name_en)))


def period_months(period: Period) -> int:
    return len(period.months)


# ------------------------------------------------------------------------------------------------ how an alert reads


def alert_figures(row: pd.Series | dict, lang: str, *, short: bool = False) -> str:
    """The figures that fired an alert, in words: one wording for the overview, the map, the wall and the pack.
    `short`: the wall screen's one-cell form of the same figures (92.6% → 33.1%; 同比 -35.2%; 3 个月未报)."""
    unit, before, after, change = row["unit"], row["before"], row["after"], row["change"]
    if unit == "pp":
        values = {"before": fmt.pct(before), "after": fmt.pct(after), "change": fmt.change("pp", change, lang)}
    elif unit == "rel":
        values = {"before": fmt.money_10k(before, lang), "after": fmt.money_10k(after, lang),
                  "change": fmt.change("rel", change, lang)}
    elif unit == "enterprises":
        values = {"before": f"{int(before)}", "after": "", "change": f"{int(change)}"}
    elif unit == "months":
        values = {"before": str(before), "after": str(after), "change": f"{int(change)}"}
    else:
        values = {"before": fmt.money_10k(before, lang), "after": fmt.money_10k(after, lang), "change": ""}
    return translate(f"wb.figures_short.{unit}" if short else f"wb.figures.{unit}", lang, **values)


def alert_rows(alerts: pd.DataFrame, *, lang: str, district_names: dict[str, str]) -> pd.DataFrame:
    """The alert list as people read it (codes translated, figures in words): building, code, district, grade,
    leasable area, rule, figures, plus building_id for opening the profile. Shared by every screen."""
    figures = alerts[["unit", "before", "after", "change"]].to_dict("records")  # not iterrows: 20× its speed
    return pd.DataFrame({
        "building_id": alerts["building_id"].astype(int),
        "building": alerts["name"].astype(str), "code": alerts["code"].astype(str),
        "district": [district_names.get(c, c) for c in alerts["district_code"]],
        "grade": [translate(f"map.grade.{g}", lang) for g in alerts["grade"]],
        "leasable": alerts["leasable_area_m2"].astype(float).round(0),
        "rule": [translate(f"wb.rule.{r}", lang) for r in alerts["rule"]],
        "figures": [alert_figures(row, lang) for row in figures],
        "rule_short": [translate(f"wb.rule_short.{r}", lang) for r in alerts["rule"]],  # the wall's one line
        "figures_short": [alert_figures(row, lang, short=True) for row in figures],
    }).reset_index(drop=True)


def rules_note(rules: WarningRules, lang: str) -> str:
    return translate("wb.rules_note", lang, pp=f"{rules.occupancy_drop_pp:g}", share=f"{rules.tax_drop_share * 100:g}",
                     months=rules.silent_months, area=f"{rules.min_area_m2:,.0f}") + translate(
        "wb.rules_note.move_out", lang, tax=f"{rules.move_out_tax_10k:,g}", months=MOVE_OUT_MONTHS)


def move_out_names(engine: Engine, *, as_of: date, rules: WarningRules, role: str | None,
                   kiosk: bool = False) -> dict[int, list[str]]:
    """Per building, the names of the enterprises behind its move-out warning, for editors only (the rule that
    editors see the enterprise named and everyone else a count); an empty dict for any other session."""
    if tax_access(role, kiosk=kiosk) != "value":
        return {}
    leavers = moves.move_out_alerts(engine, as_of=as_of, min_tax_10k=rules.move_out_tax_10k, months=MOVE_OUT_MONTHS)
    if leavers.empty:
        return {}
    listed = moves.move_list(engine, leavers.assign(kind="out", from_building_id=leavers["building_id"],
                                                    to_building_id=pd.NA), role=role, kiosk=kiosk)
    out: dict[int, list[str]] = {}
    for building_id, name in zip(listed["from_building_id"], listed["name"], strict=True):
        out.setdefault(int(building_id), []).append(str(name))
    return out


def building_figures(frame: pd.DataFrame, *, building_id: int) -> dict | None:
    """One building's workbench figures from a period frame: vacant_m2, vacant_change_3m, tax_per_m2,
    tax_per_employee, months_reported and its ranks (output_ranks); None when it is not in the frame."""
    where = np.flatnonzero(frame["id"].to_numpy() == building_id)
    if not len(where):
        return None
    row = frame.iloc[where[0]]
    ranks = output_ranks(frame).iloc[where[0]]
    return {"vacant_m2": row["vacant_m2"], "vacant_change_3m": row["vacant_change_3m"],
            "tax_per_m2": row["tax_per_m2"], "tax_per_employee": row["tax_per_employee"],
            "months_reported": row["months_reported"], "grade": row["grade"], **ranks.to_dict()}


REVIVE_COLUMNS = ("code", "name", "district", "street", "grade", "status", "industry", "leasable_m2",
                  "occupancy_rate", "vacant_m2", "vacant_change_3m", "tax_per_m2")


def revive_table(frame: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """The 盘活一批 list for people (and its download): codes translated, occupancy in percent, areas in whole ㎡;
    plain column codes (the page and the workbook put the translated headers on)."""
    def label(prefix: str, codes: pd.Series) -> list[str]:
        return [translate(f"{prefix}.{c}", lang) for c in codes.astype("object")]

    street = frame[f"street_{'zh' if lang == 'zh' else 'en'}"]
    return pd.DataFrame({
        "building_id": frame["id"].astype(int), "code": frame["code"], "name": frame["name"],
        "district": frame[f"district_{'zh' if lang == 'zh' else 'en'}"].astype(str),
        "street": street.where(street.notna(), "").astype(str),
        "grade": label("map.grade", frame["grade"]), "status": label("map.status", frame["status"]),
        "industry": label("map.industry", frame["industry"]), "leasable_m2": frame["leasable_end"].round(0),
        "occupancy_rate": (frame["occupancy_rate"] * 100).round(1), "vacant_m2": frame["vacant_m2"].round(0),
        "vacant_change_3m": frame["vacant_change_3m"].round(0), "tax_per_m2": frame["tax_per_m2"].round(0),
    }).reset_index(drop=True)
