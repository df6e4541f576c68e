"""The indicator registry: how each number a plan can target is defined, aggregated, paced and forecast.

Aggregation is not averaging: rates are ratios of sums (occupancy = Σ occupied / Σ leasable over the buildings
reporting in the period's last month), flows are sums over the period's months, stocks are read at its end.

Tax thresholds (buildings over 1,000 万元, 亿元楼宇 over 10,000 万元) use the **calendar year to date** through the
period's last month, and the bound is **inclusive** (a building with exactly 1,000 万元 counts). A building that did
not report in some month keeps the tax it reported earlier in the year. A **new** 亿元楼宇 is over the bound this year
to date and was not over it in the whole of last year (or did not report last year). This rule is used everywhere:
overview, goal tracking, rankings and reports.

Each definition says, besides its names and unit:
- `aggregation`: how a scope's value is formed from the stored rows (codes explained in `AGGREGATIONS`);
- `forecast`: how the year-end value is projected (codes explained in `FORECASTS`);
- `comparator`: how a target is met by default (">=" for higher-is-better, "<=" for lower-is-better; a plan's
  target may say otherwise, e.g. Suzhou's "more than 70 events" is ">");
- `history`: False when the store keeps only the current state (grades and designations are not dated), so a
  past year's value cannot be known and is shown as "no history" rather than guessed;
- `small_rate_possible`: for rates (stored in percent), True when a value under 1 % can be real (a district's
  building tax is 0.8 % of the city's), so the plan editor warns about a target between 0 and 1 instead of
  refusing it as a fraction typed for a percentage (0.65 for 65 %).
"""

from __future__ import annotations

from dataclasses import dataclass

TAX_10M_BOUND_10K = 1_000.0  # 万元 = 10 million yuan
TAX_100M_BOUND_10K = 10_000.0  # 万元 = 100 million yuan (亿元楼宇)

UNITS = ("pct", "10k_yuan", "count", "m2")
KINDS = ("rate", "flow", "stock")
COMPARATORS = (">=", ">", "<=", "<")

AGGREGATIONS: dict[str, str] = {
    "ratio_at_end": "Σ numerator ÷ Σ denominator over the buildings reporting in the period's last month",
    "ratio_over_period": "Σ numerator ÷ Σ denominator over the period's months",
    "sum_over_period": "sum over the period's months",
    "sum_at_end": "sum over the buildings reporting in the period's last month",
    "count_ytd_over_bound": "buildings whose calendar-year-to-date tax through the period's last month ≥ bound",
    "count_new_over_bound": "as count_ytd_over_bound, and not over the bound in the whole of last year",
    "count_designated": "buildings currently holding the designation (no history kept)",
    "count_in_year": "buildings whose dated event falls in the period's year",
    "count_overdue_at_end": "demands past their due date and not closed at the end of the period's last month",
    "no_source": "no data source in the store yet",
}
FORECASTS: dict[str, str] = {
    "pace": "year to date ÷ share of the year's total expected by now (linear, or last year's monthly profile)",
    "pace_ratio": "each side of the ratio forecast by pace, then divided",
    "pace_threshold": "buildings whose year-to-date tax ÷ expected share of the year reaches the bound",
    "trend": "least-squares line through the last six monthly values, carried to December",
    "held": "the current value is kept (it changes by decision, not by a monthly trend)",
    "none": "no forecast",
}


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    name_zh: str
    name_en: str
    unit: str  # pct | 10k_yuan | count | m2
    kind: str  # rate | flow | stock
    direction: str  # higher | lower
    definition_zh: str
    definition_en: str
    aggregation: str
    forecast: str
    comparator: str = ">="
    history: bool = True
    small_rate_possible: bool = False

    def row(self) -> dict[str, str]:
        """The columns the `indicator` table stores."""
        return {"code": self.code, "name_zh": self.name_zh, "name_en": self.name_en, "unit": self.unit,
                "kind": self.kind, "direction": self.direction, "definition_zh": self.definition_zh,
                "definition_en": self.definition_en}

    @property
    def is_rate(self) -> bool:
        return self.unit == "pct"

    @property
    def has_pace(self) -> bool:
        """Flows accumulate through the year, so an expected pace by the as-of date applies to them only."""
        return self.kind == "flow" and self.aggregation != "no_source"


def _ind(code: str, name_zh: str, name_en: str, unit: str, kind: str, direction: str, definition_zh: str,
         definition_en: str, *, aggregation: str, forecast: str, history: bool = True,
         small_rate_possible: bool = False) -> IndicatorDef:
    return IndicatorDef(code, name_zh, name_en, unit, kind, direction, definition_zh, definition_en,
                        aggregation=aggregation, forecast=forecast,
                        comparator=">=" if direction == "higher" else "<=", history=history,
                        small_rate_possible=small_rate_possible)


# Codes are stable: plans and their audit trail refer to them. Add new ones at the end.
REGISTRY: tuple[IndicatorDef, ...] = (
    _ind("occupancy_rate", "已建楼宇入驻率", "Occupancy of built buildings", "pct", "rate", "higher",
         "期末月 Σ已入驻面积 ÷ Σ可租面积（面积加权）", "Σ occupied ÷ Σ leasable area in the period's last month (area-weighted)",
         aggregation="ratio_at_end", forecast="trend"),
    _ind("registration_rate", "市场主体注册率", "Registration rate of market entities", "pct", "rate", "higher",
         "期末月 Σ注册在楼企业数 ÷ Σ在楼经营企业数", "Σ enterprises registered at the address ÷ Σ operating, last month",
         aggregation="ratio_at_end", forecast="trend"),
    _ind("building_tax", "楼宇税收", "Building tax revenue", "10k_yuan", "flow", "higher",
         "期内各月全口径税收之和（万元）", "Sum of monthly tax over the period (10k yuan)",
         aggregation="sum_over_period", forecast="pace"),
    _ind("tax_share", "楼宇税收占全市税收比重", "Building tax as a share of city tax", "pct", "rate", "higher",
         "期内 Σ楼宇税收 ÷ Σ全市税收", "Σ building tax ÷ Σ city tax over the period",
         aggregation="ratio_over_period", forecast="pace_ratio", small_rate_possible=True),
    _ind("buildings_tax_10m", "税收超千万元楼宇", "Buildings with tax ≥ 10M yuan", "count", "stock", "higher",
         "当年1月至期末月税收 ≥ 1000万元的楼宇数（含等于）", "Buildings whose calendar-year-to-date tax ≥ 1,000 (10k yuan), inclusive",
         aggregation="count_ytd_over_bound", forecast="pace_threshold"),
    _ind("buildings_tax_100m", "亿元楼宇", "Buildings with tax ≥ 100M yuan", "count", "stock", "higher",
         "当年1月至期末月税收 ≥ 1亿元的楼宇数（含等于）", "Buildings whose calendar-year-to-date tax ≥ 10,000 (10k yuan), inclusive",
         aggregation="count_ytd_over_bound", forecast="pace_threshold"),
    _ind("new_buildings_tax_100m", "新增亿元楼宇", "New buildings with tax ≥ 100M yuan", "count", "flow", "higher",
         "今年达到亿元而上年全年未达到的楼宇数", "Over the 100M bound this year to date and not over it in the whole of last year",
         aggregation="count_new_over_bound", forecast="pace_threshold"),
    _ind("featured_buildings", "专业特色楼宇", "Featured-industry buildings", "count", "stock", "higher",
         "认定为专业特色楼宇的数量", "Buildings designated as featured-industry buildings",
         aggregation="count_designated", forecast="held", history=False),
    _ind("graded_super_a", "超甲级楼宇", "Super-A buildings", "count", "stock", "higher",
         "评定为超甲级的楼宇数", "Buildings graded super-A",
         aggregation="count_designated", forecast="held", history=False),
    _ind("graded_a", "甲级楼宇", "Grade-A buildings", "count", "stock", "higher",
         "评定为甲级的楼宇数", "Buildings graded A",
         aggregation="count_designated", forecast="held", history=False),
    _ind("zero_carbon_pilots", "零碳数智试点楼宇", "Zero-carbon smart pilots", "count", "stock", "higher",
         "公示的零碳数智试点楼宇数", "Buildings listed as zero-carbon smart pilots",
         aggregation="count_designated", forecast="held", history=False),
    _ind("energy_star_buildings", "节能降碳星级楼宇", "Energy-saving star buildings", "count", "stock", "higher",
         "评定星级的楼宇数", "Buildings with an energy-saving star rating",
         aggregation="count_designated", forecast="held", history=False),
    # A flow like tax, forecast by pace like tax. The register dates a renovation by its year only
    # (building.renovated_year), so there is no monthly profile: the pace is linear even when seasonal is chosen,
    # and the count is the renovations recorded for the year as the register stands now (goals: note year_dated).
    _ind("renovated_buildings", "盘活改造存量楼宇", "Stock buildings renovated", "count", "flow", "higher",
         "当年完成改造的存量楼宇数（只记录完成年份，按线性进度推算）",
         "Stock buildings whose renovation finished in the year (dated by year only: paced linearly)",
         aggregation="count_in_year", forecast="pace"),
    _ind("new_enterprises", "新入驻企业", "New enterprises", "count", "flow", "higher",
         "期内各月新入驻企业数之和", "Sum of new enterprises over the period",
         aggregation="sum_over_period", forecast="pace"),
    _ind("promotion_events", "招商推介活动", "Promotion events held", "count", "flow", "higher",
         "期内举办的招商推介活动场次（需导入活动数据）", "Promotion events held in the period (needs event data)",
         aggregation="no_source", forecast="none"),
    _ind("vacant_area", "空置面积", "Vacant floor area", "m2", "stock", "lower",
         "期末月 Σ(可租面积 − 已入驻面积)", "Σ (leasable − occupied) area in the period's last month",
         aggregation="sum_at_end", forecast="trend"),
    _ind("graded_b", "乙级楼宇", "Grade-B buildings", "count", "stock", "higher",
         "评定为乙级的楼宇数", "Buildings graded B",
         aggregation="count_designated", forecast="held", history=False),
    _ind("graded_buildings", "评级楼宇（乙级及以上）", "Graded buildings (B and above)", "count", "stock", "higher",
         "评定为超甲级、甲级或乙级的楼宇数", "Buildings graded super-A, A or B",
         aggregation="count_designated", forecast="held", history=False),
    _ind("overdue_demands", "超期未办结诉求", "Overdue open demands", "count", "stock", "lower",
         "期末月底已过办理期限仍未办结的企业诉求数", "Demands past their due date and not closed at the end of the period's last month",
         aggregation="count_overdue_at_end", forecast="trend"),
)

BY_CODE: dict[str, IndicatorDef] = {ind.code: ind for ind in REGISTRY}

# Designations counted by `count_designated`: which building column and which values.
DESIGNATIONS: dict[str, tuple[str, tuple[object, ...] | None]] = {
    "featured_buildings": ("is_featured", (True,)),
    "graded_super_a": ("grade", ("super_a",)),
    "graded_a": ("grade", ("a",)),
    "graded_b": ("grade", ("b",)),
    "graded_buildings": ("grade", ("super_a", "a", "b")),
    "zero_carbon_pilots": ("is_zero_carbon_pilot", (True,)),
    "energy_star_buildings": ("energy_star", None),  # None: any value above 0
}
# The bound each threshold count uses.
BOUNDS: dict[str, float] = {"buildings_tax_10m": TAX_10M_BOUND_10K, "buildings_tax_100m": TAX_100M_BOUND_10K,
                            "new_buildings_tax_100m": TAX_100M_BOUND_10K}


# --- definitions of every figure a tile or a table header shows ------------------------------------------------
# One home for "how is this number made", read by the tiles' and headers' tooltips (overview, map, goals), the
# README's definitions and the review pack's notes. A goal indicator's definition is its registry entry above; the
# overview's and the map's KPI codes that are not goal indicators are defined here, and the codes the pages use for
# a registry indicator under another name point at it (super_a is graded_super_a).

KPI_ALIASES: dict[str, str] = {"super_a": "graded_super_a", "grade_a": "graded_a", "tax_period": "building_tax"}

# (Chinese, English) for the KPI codes and table columns that are not goal indicators.
DEFINITIONS: dict[str, tuple[str, str]] = {
    # the workbench: vacancy and output per ㎡ / person (map table, choropleth, profile)
    "vacant_m2": ("楼宇空置面积（㎡）：期末月可租面积 − 已入驻面积",
                  "The building's vacant area (㎡): leasable minus occupied area in the period's last month"),
    "vacant_change_3m": ("空置面积较三个月前的变化（㎡），正数为空置增加",
                         "Change in vacant area since three months earlier (㎡); positive means more vacant space"),
    "tax_per_m2": ("税收单产：期内税收按报送月数年化后 ÷ 期末可租面积（元/㎡·年）",
                   "Tax per ㎡: the period's tax, annualised over the months reported, ÷ leasable area in the period's last month (yuan per ㎡ per year)"),
    "tax_per_employee": ("人均税收：期内税收按报送月数年化后 ÷ 期末从业人员（万元/人·年）",
                         "Tax per employee: the period's tax, annualised over the months reported, ÷ people employed in the period's last month (10k yuan per person per year)"),
    # the workbench's warning list (overview, map) and pipeline (goals page)
    "wb_grade": ("楼宇等级：超甲级、甲级、乙级或未评级",
                 "The building's grade: super-A, A, B or unrated"),
    "wb_leasable": ("楼宇可租面积（㎡），预警只看不小于最小面积的楼宇",
                    "The building's leasable area (㎡); warnings cover buildings at or above the minimum size only"),
    "wb_rule": ("触发的预警规则（入驻率下降、税收下降、停报、跌破千万元或亿元线），阈值见设置",
                "The warning rule that fired (occupancy down, tax down, stopped reporting, fell below the 1,000 万元 or 亿元 line); thresholds in the settings"),
    "wb_figures": ("触发该规则的数值：前后两期的入驻率或税收、停报月数、预测年度税收",
                   "The figures that fired the rule: occupancy or tax in the two periods, months without a report, the forecast year's tax"),
    "wb_ytd": ("本年 1 月至截至月的楼宇税收（万元）",
               "The building's tax from January through the as-of month (万元)"),
    "wb_forecast": ("按季节规律（本楼去年，否则所在区）预测的全年税收（万元）",
                    "The year's tax forecast from the seasonal profile (the building's own last year, else its district's), in 万元"),
    "wb_need_per_month": ("达到门槛线还需的每月税收（万元）",
                          "Tax still needed per remaining month to reach the line (万元)"),
    "wb_basis": ("预测所用的季节规律来源：本楼去年、所在区或线性",
                 "Where the forecast's seasonal profile comes from: the building's last year, its district, or a straight line"),
    # the drivers-of-change table (goals page, 变动归因)
    "drivers_unit": ("贡献单位：区、街道或楼宇；本期新增或退出报送的楼宇单列一项",
                     "The contributing unit: a district, a street or a building; buildings entering or leaving the "
                     "reporting set are bars of their own"),
    "drivers_contribution": ("该单位对总变动的贡献，各项之和恰等于总变动（无“其他”项）；流量为单位自身的变动，比率为 "
                             "(O_i,t − O_i,0)/L_t − r_0·(L_i,t − L_i,0)/L_t，以百分点计",
                             "The unit's share of the total change; the bars add up to it exactly (no 'other' bar); "
                             "flows: the unit's own change; rates: (O_i,t − O_i,0)/L_t − r_0·(L_i,t − L_i,0)/L_t, in "
                             "percentage points"),
    "drivers_profile": ("打开该楼宇的档案", "Opens the building's profile"),
    "buildings_reporting": ("期末月报送了统计数据的楼宇数",
                            "Buildings that reported statistics in the period's last month"),
    "employees": ("期末月 Σ在楼从业人员", "Σ people employed in the buildings, in the period's last month"),
    "buildings": ("符合当前筛选条件的楼宇数（不论当期是否报送）",
                  "Buildings matching the filters (whether or not they reported in the period)"),
    # the map's table: one building per row
    "gross_area_m2": ("楼宇总建筑面积（㎡）", "The building's gross floor area (m²)"),
    "building_occupancy": ("期末月该楼已入驻面积 ÷ 可租面积（%）",
                           "The building's occupied ÷ leasable area in the period's last month (%)"),
    "building_tax_period": ("期内各月该楼税收之和（万元）", "The building's tax summed over the period's months (10k yuan)"),
    "tax_ytd": ("当年1月至期末月该楼累计税收（万元），千万元、亿元楼宇按此计数",
                "The building's tax from January through the period's last month (10k yuan); the ≥ 10M and ≥ 100M "
                "counts read this"),
    "tax_band": ("按当年累计税收分档：100万元以下、100-1000、1000-10000、10000万元及以上（含下限）",
                 "Band of year-to-date tax: under 100, 100-1,000, 1,000-10,000, 10,000 and over (10k yuan; lower "
                 "bound inclusive)"),
    "enterprises_operating": ("期末月在楼经营的企业数", "Enterprises operating in the building in the period's last month"),
    "grade": ("当前评定等级（超甲级、甲级、乙级），不随统计周期变化",
              "Current grading (super-A, A, B); does not change with the period"),
    "status": ("楼宇当前状态：已建、在建或改造中", "The building's current status: in use, under construction or being "
               "renovated"),
    "industry": ("楼宇的主导产业", "The building's leading industry"),
    "flags": ("专业特色楼宇、零碳数智试点、节能星级等认定（当前）",
              "Current designations: featured industry, zero-carbon pilot, energy star"),
    # the goal table
    "target": ("计划对该年设定的目标及比较方式（≥、≤、>）", "The plan's target for the year and how it is met (≥, ≤, >)"),
    "actual": ("当年1月至截至月的实际值：流量求和，比率为比值之和，存量取截至月",
               "Year to date through the as-of month: flows summed, rates as ratios of sums, stocks read in the "
               "as-of month"),
    "progress": ("完成度：实际 ÷ 目标（越低越好的指标为目标 ÷ 实际），100% 即恰好达到；比率指标为差距（百分点）",
                 "Attainment: actual ÷ target (target ÷ actual when lower is better), 100 % meets it exactly; for "
                 "rates the gap in percentage points"),
    "expected": ("应达进度（仅流量指标）：目标 × 截至月应完成的比例（线性为月份 ÷ 12，季节性为上年同期累计占比）",
                 "Expected by now (flows only): target × the share of the year expected by the as-of month (linear: "
                 "month ÷ 12; seasonal: last year's cumulative share)"),
    "forecast": ("预计全年：流量按进度外推，比率与存量按近六个月趋势，认定类保持现值",
                 "Year-end forecast: flows by pace, rates and stocks by the last six months' trend, designations "
                 "held"),
    "status_text": ("预计值与目标比较：达到为可完成，差距在阈值内为有风险，超出为滞后；年度结束后为已完成或未完成",
                    "The forecast against the target: on track when it meets it, at risk within the margin, off "
                    "track beyond; achieved or missed once the year is over"),
    "note": ("口径说明（如无历史数据、按线性进度）", "Notes on how the row was computed (no history, paced linearly…)"),
    # the ranking table
    "rank": ("按所选指标的名次，并列取较好名次；在统楼宇不足最低数的区域不排名",
             "Rank by the chosen indicator, ties share the better rank; areas with fewer buildings reporting than "
             "the minimum are not ranked"),
    "score": ("截至月所选指标的值（或同比变化）", "The chosen indicator in the as-of month (or its change on last year)"),
    "change": ("较上月名次变化（▲上升，▼下降）", "Change in rank since last month (▲ up, ▼ down)"),
    "ranked_buildings": ("截至月报送数据的楼宇数", "Buildings reporting in the as-of month"),
    "rank_state": ("已排名，或楼宇数不足、无数据而不排名", "Ranked, or not ranked for too few buildings or no data"),
    # the movers tables
    "ytd_before": ("比较月的当年累计税收（万元）", "Year-to-date tax in the month compared with (10k yuan)"),
    "ytd_now": ("截至月的当年累计税收（万元）", "Year-to-date tax in the as-of month (10k yuan)"),
    "mover_state": ("入驻面积增加或减少", "Occupied area up or down"),
    "rate_before": ("比较月该楼入驻率", "The building's occupancy in the month compared with"),
    "rate_now": ("截至月该楼入驻率", "The building's occupancy in the as-of month"),
    "delta": ("已入驻面积的变化（㎡）", "Change in occupied area (m²)"),
}
# Columns that name a row rather than hold a figure: no definition needed (a test checks every other header).
LABEL_COLUMNS = frozenset({"code", "name", "building", "district", "street", "address", "indicator"})


def definition(code: str, lang: str) -> str:
    """How the figure `code` is made, in `lang` (zh or en): a goal indicator's registry definition, or the entry of
    DEFINITIONS; KeyError for a code defined nowhere (so a new tile without a definition fails its test)."""
    code = KPI_ALIASES.get(code, code)
    if code in BY_CODE:
        indicator = BY_CODE[code]
        return indicator.definition_en if lang == "en" else indicator.definition_zh
    zh, en = DEFINITIONS[code]
    return en if lang == "en" else zh


def has_definition(code: str) -> bool:
    return KPI_ALIASES.get(code, code) in BY_CODE or code in DEFINITIONS
