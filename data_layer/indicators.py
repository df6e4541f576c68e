"""The indicator registry: how each number a plan can target is defined and aggregated.

Aggregation is not averaging: rates are ratios of sums (occupancy = Σ occupied / Σ leasable over the buildings
reporting in the period's last month), flows are sums over the period's months, stocks are counts at its end.

Tax thresholds (buildings over 1,000 万元, 亿元楼宇 over 10,000 万元) use the **calendar year to date** through the
period's last month, and the bound is **inclusive** (a building with exactly 1,000 万元 counts). This rule is used
everywhere: overview, goal tracking, rankings and reports.
"""

from __future__ import annotations

from dataclasses import dataclass

TAX_10M_BOUND_10K = 1_000.0  # 万元 = 10 million yuan
TAX_100M_BOUND_10K = 10_000.0  # 万元 = 100 million yuan (亿元楼宇)


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


REGISTRY: tuple[IndicatorDef, ...] = (
    IndicatorDef("occupancy_rate", "已建楼宇入驻率", "Occupancy of built buildings", "pct", "rate", "higher",
                 "期末月 Σ已入驻面积 ÷ Σ可租面积（面积加权）", "Σ occupied ÷ Σ leasable area in the period's last month (area-weighted)"),
    IndicatorDef("registration_rate", "市场主体注册率", "Registration rate of market entities", "pct", "rate", "higher",
                 "期末月 Σ注册在楼企业数 ÷ Σ在楼经营企业数", "Σ enterprises registered at the address ÷ Σ operating, last month"),
    IndicatorDef("building_tax", "楼宇税收", "Building tax revenue", "10k_yuan", "flow", "higher",
                 "期内各月全口径税收之和（万元）", "Sum of monthly tax over the period (10k yuan)"),
    IndicatorDef("tax_share", "楼宇税收占全市税收比重", "Building tax as a share of city tax", "pct", "rate", "higher",
                 "期内 Σ楼宇税收 ÷ Σ全市税收", "Σ building tax ÷ Σ city tax over the period"),
    IndicatorDef("buildings_tax_10m", "税收超千万元楼宇", "Buildings with tax ≥ 10M yuan", "count", "stock", "higher",
                 "当年1月至期末月税收 ≥ 1000万元的楼宇数（含等于）", "Buildings whose calendar-year-to-date tax ≥ 1,000 (10k yuan), inclusive"),
    IndicatorDef("buildings_tax_100m", "亿元楼宇", "Buildings with tax ≥ 100M yuan", "count", "stock", "higher",
                 "当年1月至期末月税收 ≥ 1亿元的楼宇数（含等于）", "Buildings whose calendar-year-to-date tax ≥ 10,000 (10k yuan), inclusive"),
    IndicatorDef("new_buildings_tax_100m", "新增亿元楼宇", "New buildings with tax ≥ 100M yuan", "count", "flow", "higher",
                 "今年达到亿元而上年全年未达到的楼宇数", "Over the 100M bound this year to date and not over it in the whole of last year"),
    IndicatorDef("featured_buildings", "专业特色楼宇", "Featured-industry buildings", "count", "stock", "higher",
                 "认定为专业特色楼宇的数量", "Buildings designated as featured-industry buildings"),
    IndicatorDef("graded_super_a", "超甲级楼宇", "Super-A buildings", "count", "stock", "higher",
                 "评定为超甲级的楼宇数", "Buildings graded super-A"),
    IndicatorDef("graded_a", "甲级楼宇", "Grade-A buildings", "count", "stock", "higher",
                 "评定为甲级的楼宇数", "Buildings graded A"),
    IndicatorDef("zero_carbon_pilots", "零碳数智试点楼宇", "Zero-carbon smart pilots", "count", "stock", "higher",
                 "公示的零碳数智试点楼宇数", "Buildings listed as zero-carbon smart pilots"),
    IndicatorDef("energy_star_buildings", "节能降碳星级楼宇", "Energy-saving star buildings", "count", "stock", "higher",
                 "评定星级的楼宇数", "Buildings with an energy-saving star rating"),
    IndicatorDef("renovated_buildings", "盘活改造存量楼宇", "Stock buildings renovated", "count", "flow", "higher",
                 "当年完成改造的存量楼宇数", "Stock buildings whose renovation finished in the year"),
    IndicatorDef("new_enterprises", "新入驻企业", "New enterprises", "count", "flow", "higher",
                 "期内各月新入驻企业数之和", "Sum of new enterprises over the period"),
    IndicatorDef("promotion_events", "招商推介活动", "Promotion events held", "count", "flow", "higher",
                 "期内举办的招商推介活动场次（需导入活动数据）", "Promotion events held in the period (needs event data)"),
    IndicatorDef("vacant_area", "空置面积", "Vacant floor area", "m2", "stock", "lower",
                 "期末月 Σ(可租面积 − 已入驻面积)", "Σ (leasable − occupied) area in the period's last month"),
)

BY_CODE: dict[str, IndicatorDef] = {ind.code: ind for ind in REGISTRY}
