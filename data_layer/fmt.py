"""Number formatting in the conventions users expect: 万元 / 亿元, ㎡, %."""

from __future__ import annotations

import math


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money_10k(value: float | None, lang: str = "zh") -> str:
    """Format an amount given in 万元: 亿元 from 10,000 万元 up."""
    if _missing(value):
        return "—"
    assert value is not None
    if lang != "zh":  # 1 万元 = 10,000 yuan, so 100 万元 = 1 million yuan
        if abs(value) >= 100_000:
            return f"¥{value / 100_000:,.2f} bn"
        return f"¥{value / 100:,.1f} M"
    if abs(value) >= 10_000:
        return f"{value / 10_000:,.2f} 亿元"
    return f"{value:,.0f} 万元"


def pct(value: float | None, digits: int = 1) -> str:
    """A fraction 0-1 as a percentage."""
    if _missing(value):
        return "—"
    assert value is not None
    return f"{value * 100:.{digits}f}%"


def area(value: float | None, lang: str = "zh") -> str:
    if _missing(value):
        return "—"
    assert value is not None
    if lang == "zh" and abs(value) >= 10_000:
        return f"{value / 10_000:,.1f} 万㎡"
    return f"{value:,.0f} ㎡" if lang == "zh" else f"{value:,.0f} m²"


def count(value: float | None) -> str:
    if _missing(value):
        return "—"
    assert value is not None
    return f"{value:,.0f}"


def indicator(value: float | None, unit: str, lang: str) -> str:
    """A value in its indicator's unit (`indicators.UNITS`; rates are percentages: 72.5 means 72.5 %)."""
    if _missing(value):
        return "—"
    assert value is not None
    if unit == "pct":
        return f"{value:.1f}%"
    if unit == "10k_yuan":
        return money_10k(value, lang)
    if unit == "m2":
        return area(value, lang)
    return count(value)


def kpi(code: str, value: float | None, lang: str) -> str:
    """A district or city KPI (queries.period_kpis codes): rates are fractions 0-1, tax in 万元, the rest counts."""
    if code in ("occupancy_rate", "registration_rate"):
        return pct(value)
    if code == "tax_share":
        return pct(value, digits=2)
    if code == "building_tax":
        return money_10k(value, lang)
    return count(value)
