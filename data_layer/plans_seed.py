"""Reference data every store gets (the indicator registry and the reference plans of other cities), and the
demo city's own plans, whose targets are set against the generated actuals so that some are met, some at risk
and some missed.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, select
from sqlmodel import col

from data_layer.aggregates import ratio
from data_layer.db import inserted_id
from data_layer.indicators import REGISTRY, TAX_10M_BOUND_10K, TAX_100M_BOUND_10K
from data_layer.models import Indicator, Plan, PlanTarget

# Reference plans from the source documents (../shared/seeds): stored as templates to copy.
REFERENCE_PLANS: tuple[dict, ...] = (
    {
        "code": "JX-2015-2017", "name_zh": "嘉兴市楼宇经济三年行动计划（2015-2017年）",
        "name_en": "Jiaxing building economy three-year action plan (2015-2017)", "start_year": 2015, "end_year": 2017,
        "source": "嘉兴市人民政府办公室, 2015", "targets": {
            "occupancy_rate": (65, 75, 85), "registration_rate": (84, 87, 90), "tax_share": (6, 8, 10),
            "featured_buildings": (40, 70, 100), "buildings_tax_10m": (40, 70, 100)},
    },
    {
        "code": "SZ-2023", "name_zh": "苏州市推进楼宇经济高质量发展工作方案（2023年）",
        "name_en": "Suzhou plan for high-quality building economy (2023)", "start_year": 2023, "end_year": 2023,
        "source": "苏府办〔2023〕48号", "targets": {
            "new_buildings_tax_100m": (18,), "buildings_tax_100m": (87,), "featured_buildings": (27,),
            "renovated_buildings": (7,), "promotion_events": (70,)},
        "comparators": {"promotion_events": ">"},
    },
)

CITY_INDICATORS = ("occupancy_rate", "registration_rate", "building_tax", "tax_share", "buildings_tax_10m",
                   "buildings_tax_100m", "new_buildings_tax_100m", "featured_buildings", "graded_super_a", "graded_a",
                   "zero_carbon_pilots", "energy_star_buildings", "renovated_buildings", "new_enterprises")
DISTRICT_INDICATORS = ("occupancy_rate", "registration_rate", "building_tax", "buildings_tax_10m", "new_enterprises")
# For the current year of the demo city plan: where each indicator should end up against its target.
CITY_OUTCOME = {"occupancy_rate": "met", "registration_rate": "at_risk", "building_tax": "at_risk",
                "tax_share": "met", "buildings_tax_10m": "met", "buildings_tax_100m": "off", "new_buildings_tax_100m": "at_risk",
                "featured_buildings": "met", "graded_super_a": "met", "graded_a": "at_risk", "zero_carbon_pilots": "met",
                "energy_star_buildings": "off", "renovated_buildings": "at_risk", "new_enterprises": "met"}
OUTCOME_FACTOR = {"met": 0.96, "at_risk": 1.05, "off": 1.2}
OUTCOME_PP = {"met": -1.0, "at_risk": 1.0, "off": 4.0}


def seed_reference(conn: Connection) -> None:
    """Indicator definitions and reference plan templates; idempotent (rows that exist are kept)."""
    known = set(conn.execute(select(col(Indicator.code))).scalars())
    rows = [ind.row() for ind in REGISTRY if ind.code not in known]
    if rows:
        conn.execute(insert(Indicator), rows)
    existing = set(conn.execute(select(col(Plan.code))).scalars())
    for ref in REFERENCE_PLANS:
        if ref["code"] in existing:
            continue
        plan = {k: ref[k] for k in ("code", "name_zh", "name_en", "start_year", "end_year", "source")}
        plan |= {"scope_type": "city", "scope_code": None, "is_template": True}
        targets = [
            {"indicator_code": code, "year": ref["start_year"] + i, "target_value": float(value),
             "comparator": ref.get("comparators", {}).get(code, ">=")}
            for code, values in ref["targets"].items() for i, value in enumerate(values)
        ]
        write_plans(conn, [plan], [dict(t, plan_code=ref["code"]) for t in targets])


def write_plans(conn: Connection, plans: list[dict], targets: list[dict]) -> None:
    """Insert plans and their targets (targets name their plan by `plan_code`)."""
    ids: dict[str, int] = {}
    for plan in plans:
        result = conn.execute(insert(Plan).values(**plan))
        ids[plan["code"]] = inserted_id(result)
    rows = [{k: v for k, v in t.items() if k != "plan_code"} | {"plan_id": ids[t["plan_code"]]} for t in targets]
    if rows:
        conn.execute(insert(PlanTarget), rows)


def demo_plans(*, stats: list[dict], city: list[dict], buildings: list[dict], district_names: dict[str, tuple[str, str]],
               today: date, seed: int) -> tuple[list[dict], list[dict]]:
    """A city three-year plan ending next year and one plan per district."""
    rng = np.random.default_rng(seed + 1)
    start, end = today.year - 1, today.year + 1
    frame = pd.DataFrame(stats)
    frame["month"] = pd.to_datetime(frame["month"])
    district_of = {b["id"]: b["district_code"] for b in buildings}
    frame["district_code"] = frame["building_id"].map(district_of)
    city_tax = pd.DataFrame(city).assign(month=lambda f: pd.to_datetime(f["month"]))
    plans, targets = [], []
    city_code = f"GZ-{start}-{end}"
    plans.append({"code": city_code, "name_zh": f"广州市楼宇经济高质量发展三年行动计划（{start}-{end}年）",
                  "name_en": f"Guangzhou building economy three-year action plan ({start}-{end})",
                  "scope_type": "city", "scope_code": None, "start_year": start, "end_year": end,
                  "source": "演示数据 demo", "is_template": False})
    for code in CITY_INDICATORS:
        outcomes: tuple[str, ...] = ("met" if rng.random() < 0.6 else "off", CITY_OUTCOME[code])
        targets += _targets(city_code, code, frame, city_tax, buildings, start, end, outcomes)
    for district in sorted(frame["district_code"].unique()):
        plan_code = f"GZ-{district}-{start}-{end}"
        name_zh, name_en = district_names[district]
        plans.append({"code": plan_code, "name_zh": f"{name_zh}楼宇经济三年行动计划（{start}-{end}年）",
                      "name_en": f"{name_en} District building economy plan ({start}-{end})", "scope_type": "district",
                      "scope_code": district, "start_year": start, "end_year": end, "source": "演示数据 demo",
                      "is_template": False})
        part = frame[frame["district_code"] == district]
        in_district = [b for b in buildings if b["district_code"] == district]
        for code in DISTRICT_INDICATORS:
            outcomes = tuple(str(rng.choice(["met", "at_risk", "off"], p=[0.5, 0.3, 0.2])) for _ in range(2))
            targets += _targets(plan_code, code, part, city_tax, in_district, start, end, outcomes)
    return plans, targets


def _targets(plan_code: str, code: str, frame: pd.DataFrame, city_tax: pd.DataFrame, buildings: list[dict],
             start: int, end: int, outcomes: tuple[str, ...]) -> list[dict]:
    """Targets for the plan's first year (final) and current year (projected), and next year stepped up."""
    rows: list[dict[str, Any]] = []
    for year, outcome in zip((start, start + 1), outcomes, strict=True):
        actual = _projected_actual(code, frame, city_tax, buildings, year)
        if actual is None:
            continue
        rows.append({"plan_code": plan_code, "indicator_code": code, "year": year,
                     "target_value": _target_from(code, actual, outcome), "comparator": ">="})
    if rows:
        last = rows[-1]["target_value"]
        rate = code in ("occupancy_rate", "registration_rate", "tax_share")
        next_value = min(98.0, last + 2.0) if rate else _round_target(code, last * 1.05)
        rows.append({"plan_code": plan_code, "indicator_code": code, "year": end, "target_value": next_value,
                     "comparator": ">="})
    return rows


def _target_from(code: str, actual: float, outcome: str) -> float:
    if code in ("occupancy_rate", "registration_rate", "tax_share"):
        return round((actual + OUTCOME_PP[outcome]) * 2) / 2  # half-point steps, as plans are written
    return _round_target(code, actual * OUTCOME_FACTOR[outcome])


def _round_target(code: str, value: float) -> float:
    if code in ("building_tax",):
        return float(round(value, -2))
    return float(max(1, math.ceil(value)))


def _projected_actual(code: str, frame: pd.DataFrame, city_tax: pd.DataFrame, buildings: list[dict],
                      year: int) -> float | None:
    """The year's final value, or for the running year a simple run-rate projection (the goal-tracking page
    computes its own forecast; this only places the demo targets near the data)."""
    year_rows = frame[frame["month"].dt.year == year]
    if year_rows.empty:
        return None
    months_seen = year_rows["month"].dt.month.max()
    scale = 12 / months_seen
    last = year_rows[year_rows["month"] == year_rows["month"].max()]
    if code == "occupancy_rate":
        return 100 * ratio(last["occupied_area_m2"].sum(), last["leasable_area_m2"].sum())
    if code == "registration_rate":
        return 100 * last["enterprises_registered"].sum() / last["enterprises_operating"].sum()
    if code == "building_tax":
        return float(year_rows["tax_10k"].sum() * scale)
    if code == "tax_share":
        city = city_tax[city_tax["month"].dt.year == year]["city_tax_10k"].sum()
        return 100 * year_rows["tax_10k"].sum() / city
    if code == "new_enterprises":
        return float(year_rows["new_enterprises"].sum() * scale)
    per_building = year_rows.groupby("building_id")["tax_10k"].sum() * scale
    if code == "buildings_tax_10m":
        return float((per_building >= TAX_10M_BOUND_10K).sum())
    if code == "buildings_tax_100m":
        return float((per_building >= TAX_100M_BOUND_10K).sum())
    if code == "new_buildings_tax_100m":
        previous = frame[frame["month"].dt.year == year - 1].groupby("building_id")["tax_10k"].sum()
        over_before = set(previous[previous >= TAX_100M_BOUND_10K].index)
        return float(sum(1 for b in per_building[per_building >= TAX_100M_BOUND_10K].index if b not in over_before))
    if code == "renovated_buildings":  # a flow paced like tax (goals), so projected like tax
        return float(sum(b["renovated_year"] == year for b in buildings) * scale)
    counts = {
        "featured_buildings": sum(b["is_featured"] for b in buildings),
        "graded_super_a": sum(b["grade"] == "super_a" for b in buildings),
        "graded_a": sum(b["grade"] == "a" for b in buildings),
        "zero_carbon_pilots": sum(b["is_zero_carbon_pilot"] for b in buildings),
        "energy_star_buildings": sum(b["energy_star"] > 0 for b in buildings),
    }
    return float(counts[code]) if code in counts else None
