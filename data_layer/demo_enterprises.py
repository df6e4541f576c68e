"""The demo city's enterprise register (一企一档), derived from its monthly statistics so the two agree: in every
building and month that has statistics, the tenancies active are exactly `enterprises_operating`, and those
registered at the address exactly `enterprises_registered` (tests/data_layer/test_enterprises_demo.py checks it).

Per building, the registered and the operating-only tenants are two pools walked month by month: when the
registered count rises while the operating-only count falls, an operating-only enterprise registers here (its
tenancy ends and a registered one begins; the reverse when it moves its registration away); what is left is
met by new enterprises moving in or the latest arrivals moving out. Deterministic: one numpy generator.

Moves within the city (`_moves`): after every building is walked, about `MOVE_SHARE` of the enterprises that
arrive in a month take the place of one that left another building that month: the same enterprise, so the moves
page and the profile's moves have something to show while every building-month's counts stay as they were.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

import numpy as np
import pandas as pd

from data_layer import credit_code
from data_layer.models import INDUSTRIES
from data_layer.periods import add_months

NAME_CHARS = "汇嘉合信华粤越盈宏博达丰创智星云富康天珠锦瑞恒鼎海金德隆泰安晖誉源业辉晟景荟港湾峰域通致远卓"
NAME_WORDS = {"finance": ("投资", "资本", "金融服务", "基金管理"), "legal": ("律师事务所",), "accounting": ("会计师事务所", "税务师事务所"),
              "ip": ("知识产权代理", "专利代理"), "tech_rd": ("科技", "生物科技", "智能科技"), "design": ("设计", "建筑设计"),
              "digital": ("网络科技", "信息技术", "数字科技"), "trade": ("贸易", "供应链管理", "商贸"),
              "hq": ("控股集团", "实业集团"), "general": ("企业管理", "咨询", "商务服务", "文化传播")}
LEGAL_FORMS = {"legal": "", "accounting": "（特殊普通合伙）"}
EARLIEST_MOVE_IN = date(2012, 1, 1)
MOVE_SHARE = 0.3  # of the arrivals after the statistics begin: an enterprise moving from another building
ENTERPRISE_COLUMNS = ("id", "credit_code", "name", "industry", "size_band", "is_headquarters", "tax_year", "tax_10k",
                      "batch_id")
TENANCY_COLUMNS = ("id", "enterprise_id", "building_id", "from_month", "to_month", "area_m2", "registered_here",
                   "batch_id")


def _base31(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rest = divmod(number, 31)
        digits.append(credit_code.ALPHABET[rest])
    return "".join(reversed(digits))


def _size_band(area: float) -> str:
    return "large" if area >= 3_000 else "medium" if area >= 800 else "small" if area >= 200 else "micro"


class _Draws:
    """Uniform and normal numbers drawn from the generator in blocks: a numpy call per number would cost more
    than the rest of the register's build (~600k draws)."""

    BLOCK = 65_536

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._uniform: list[float] = []
        self._normal: list[float] = []

    def random(self) -> float:
        if not self._uniform:
            self._uniform = self.rng.random(self.BLOCK).tolist()
        return self._uniform.pop()

    def integers(self, n: int) -> int:
        return min(n - 1, int(self.random() * n))

    def lognormal(self, mean: float, sigma: float) -> float:
        if not self._normal:
            self._normal = self.rng.standard_normal(self.BLOCK).tolist()
        return math.exp(mean + sigma * self._normal.pop())


class _Register:
    """Enterprises and tenancies as they are created (rows ready for INSERT)."""

    def __init__(self, rng: np.random.Generator, district_names: dict[str, str]) -> None:
        self.rng = _Draws(rng)
        self.generator = rng
        self.district_names = district_names
        self.enterprises: list[dict] = []
        self.tenancies: list[dict] = []
        self.arrivals: list[tuple[date, int]] = []  # (month, enterprise id) of enterprises new after the start

    def enterprise(self, building: dict, area: float) -> int:
        rng = self.rng
        enterprise_id = len(self.enterprises) + 1
        industry = building["industry"] if rng.random() < 0.5 else INDUSTRIES[rng.integers(len(INDUSTRIES))]
        words = NAME_WORDS[industry]
        trade_name = NAME_CHARS[rng.integers(len(NAME_CHARS))] + NAME_CHARS[rng.integers(len(NAME_CHARS))]
        word = words[rng.integers(len(words))]
        place = self.district_names[building["district_code"]].removesuffix("区")
        name = f"广州{place}{trade_name}{word}" + (LEGAL_FORMS.get(industry, "有限公司") if "所" in word
                                                    else "有限公司")
        first17 = "91" + building["district_code"] + "MA" + _base31(enterprise_id, 7)
        self.enterprises.append({
            "id": enterprise_id, "credit_code": credit_code.make(first17), "name": name, "industry": industry,
            "size_band": _size_band(area),
            "is_headquarters": bool(area >= 2_000 and (building["is_hq_cluster"] or rng.random() < 0.15)),
            "tax_year": None, "tax_10k": None, "batch_id": 1})
        return enterprise_id

    def open(self, enterprise_id: int, building_id: int, start: date, area: float, registered: bool) -> dict:
        row = {"id": len(self.tenancies) + 1, "enterprise_id": enterprise_id, "building_id": building_id,
               "from_month": start, "to_month": None, "area_m2": area, "registered_here": registered, "batch_id": 1}
        self.tenancies.append(row)
        return row


def frames(enterprises: list[dict], tenancies: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows as frames typed for a raw insert (imports.base.insert_rows): nullable integers stay integers."""
    enterprise = pd.DataFrame(enterprises, columns=list(ENTERPRISE_COLUMNS))
    enterprise["tax_year"] = enterprise["tax_year"].astype("Int64")
    return enterprise, pd.DataFrame(tenancies, columns=list(TENANCY_COLUMNS))


def build_register(rng: np.random.Generator, buildings: list[dict], stats: list[dict],
                   district_names: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """(enterprises, tenancies) agreeing with `stats` (building_month rows, each building's months contiguous)."""
    series: dict[int, list[dict]] = defaultdict(list)
    for row in stats:
        series[row["building_id"]].append(row)
    register = _Register(rng, district_names)
    yearly: dict[int, float] = {}
    for building in buildings:
        rows = series.get(building["id"])
        if not rows:
            continue
        _walk(register, building, rows)
        occupied = max(1.0, rows[-1]["occupied_area_m2"])
        yearly[building["id"]] = sum(r["tax_10k"] for r in rows[-12:]) / occupied  # 万元 per m² and year
    _moves(register)
    _taxes(register, yearly, stats)
    _large_leavers(register, max(r["month"] for r in stats))
    return register.enterprises, register.tenancies


def _moves(register: _Register) -> None:
    """Turn some arrivals into moves: an enterprise new in month m becomes one that left another building in m
    (its tenancies are given to that enterprise, the new one is dropped). Months in order, so an enterprise can
    move more than once."""
    rng = register.rng
    by_enterprise: dict[int, list[dict]] = defaultdict(list)
    for tenancy in register.tenancies:
        by_enterprise[tenancy["enterprise_id"]].append(tenancy)
    leaving: dict[date, list[int]] = defaultdict(list)  # month after the last tenancy -> enterprise ids
    left_in: dict[int, date] = {}
    for enterprise_id, rows in by_enterprise.items():
        last = rows[-1]
        if last["to_month"] is not None:
            month = add_months(last["to_month"], 1)
            leaving[month].append(enterprise_id)
            left_in[enterprise_id] = month
    arriving: dict[date, list[int]] = defaultdict(list)
    for month, enterprise_id in register.arrivals:
        arriving[month].append(enterprise_id)
    dropped: set[int] = set()
    for month in sorted(arriving):
        for newcomer in arriving[month]:
            pool = leaving.get(month)
            if not pool or rng.random() >= MOVE_SHARE:
                continue
            mover = pool[rng.integers(len(pool))]
            if by_enterprise[mover][-1]["building_id"] == by_enterprise[newcomer][0]["building_id"]:
                continue  # back into the same building: not a move
            pool.remove(mover)
            del left_in[mover]
            for tenancy in by_enterprise[newcomer]:
                tenancy["enterprise_id"] = mover
            by_enterprise[mover].extend(by_enterprise.pop(newcomer))
            dropped.add(newcomer)
            if newcomer in left_in:  # the newcomer's own later departure is now the mover's
                later = left_in.pop(newcomer)
                leaving[later][leaving[later].index(newcomer)] = mover
                left_in[mover] = later
    register.enterprises = [e for e in register.enterprises if e["id"] not in dropped]


def _walk(register: _Register, building: dict, rows: list[dict]) -> None:
    rng = register.rng
    pools: dict[bool, list[dict]] = {True: [], False: []}  # registered here / operating only, oldest first

    def area_now(row: dict) -> float:
        per = row["occupied_area_m2"] / max(1, row["enterprises_operating"])
        return float(round(max(20.0, per * rng.lognormal(-0.18, 0.6)), -1))

    def move_in(row: dict, registered: bool, start: date, fresh: bool = False) -> None:
        area = area_now(row)
        enterprise_id = register.enterprise(building, area)
        if fresh:
            register.arrivals.append((start, enterprise_id))
        pools[registered].append(register.open(enterprise_id, building["id"], start, area, registered))

    def close(tenancy: dict, month: date) -> None:
        tenancy["to_month"] = add_months(month, -1)

    first = rows[0]
    earliest = max(EARLIEST_MOVE_IN, date(building["year_completed"], 1, 1))
    span = max(0, (first["month"].year - earliest.year) * 12 + first["month"].month - earliest.month)
    for registered, count in ((True, first["enterprises_registered"]),
                              (False, first["enterprises_operating"] - first["enterprises_registered"])):
        for _ in range(count):  # tenants already there when the statistics begin moved in at some earlier month
            move_in(first, registered, add_months(earliest, rng.integers(span + 1)) if span else first["month"])
    for row in rows[1:]:
        month = row["month"]
        want = {True: row["enterprises_registered"], False: row["enterprises_operating"] - row["enterprises_registered"]}
        gain = want[True] - len(pools[True])
        loss = len(pools[False]) - want[False]
        for source, target, moves in ((False, True, min(gain, loss)), (True, False, min(-gain, -loss))):
            for _ in range(max(0, moves)):  # the same enterprise changes where it is registered
                old = pools[source].pop(rng.integers(len(pools[source])))
                close(old, month)
                pools[target].append(register.open(old["enterprise_id"], building["id"], month, old["area_m2"],
                                                   target))
        for registered in (True, False):
            pool = pools[registered]
            while len(pool) > want[registered]:
                close(pool.pop(), month)  # the latest arrivals leave first
            while len(pool) < want[registered]:
                move_in(row, registered, month, fresh=True)


LARGE_LEAVERS = 5  # large taxpayers that leave the city in the last quarter: the move-out warning's demo rows


def _large_leavers(register: _Register, last_month: date) -> None:
    """The largest (by area) enterprises that left the city in the three months through `last_month` are given a
    yearly tax of 120-500 万元, so the demo's move-out warning (DASHBOARD_WARN_MOVE_OUT_TAX_10K, 100) has rows."""
    first = add_months(last_month, -2)
    latest: dict[int, dict] = {}
    for tenancy in register.tenancies:
        before = latest.get(tenancy["enterprise_id"])
        if before is None or tenancy["from_month"] >= before["from_month"]:
            latest[tenancy["enterprise_id"]] = tenancy
    gone = [t for t in latest.values() if t["to_month"] is not None and first <= add_months(t["to_month"], 1)
            <= last_month]
    gone.sort(key=lambda t: (-(t["area_m2"] or 0), t["enterprise_id"]))
    chosen = {t["enterprise_id"] for t in gone[:LARGE_LEAVERS]}
    for enterprise in register.enterprises:
        if enterprise["id"] in chosen:
            enterprise["tax_year"] = last_month.year - 1
            enterprise["tax_10k"] = round(120 + 380 * register.rng.random(), 2)


def _taxes(register: _Register, intensity: dict[int, float], stats: list[dict]) -> None:
    """Each enterprise's tax for the last full year it was present: its area × its building's tax per m², spread
    by a heavy-tailed factor (a few large taxpayers, many small ones)."""
    last_year = max(r["month"] for r in stats).year - 1
    latest: dict[int, dict] = {}
    for tenancy in register.tenancies:  # the latest by start (a mover's tenancies are in two buildings)
        before = latest.get(tenancy["enterprise_id"])
        if before is None or tenancy["from_month"] >= before["from_month"]:
            latest[tenancy["enterprise_id"]] = tenancy
    factors = register.generator.lognormal(-0.5, 1.0, size=len(register.enterprises))
    for enterprise, factor in zip(register.enterprises, factors, strict=True):
        tenancy = latest[enterprise["id"]]
        ended = tenancy["to_month"]
        if tenancy["from_month"].year > last_year:
            continue  # arrived this year: no full year of tax yet
        year = min(last_year, ended.year) if ended is not None else last_year
        enterprise["tax_year"] = year
        enterprise["tax_10k"] = round(float(tenancy["area_m2"] * intensity[tenancy["building_id"]] * factor), 2)
