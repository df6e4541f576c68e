"""Number formatting in the conventions users expect: 万元 / 亿元, ㎡, %. The one home of how a figure reads: the
overview, the map, the goals page, the wall screen and the review pack all format through here, so the same label
shows the same digits everywhere."""

from __future__ import annotations

import math

import pandas as pd

from data_layer.i18n import translate


def missing(value: object) -> bool:
    """No value: None, NaN (Python or numpy), pandas' NA or NaT."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return math.isnan(value)  # type: ignore[arg-type]
    except TypeError:
        return False


_missing = missing


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


# digits of a rate shown as a percentage, by indicator code (the rest: one)
RATE_DIGITS = {"occupancy_rate": 1, "registration_rate": 1, "tax_share": 2}


def indicator(value: float | None, unit: str, lang: str, code: str = "") -> str:
    """A value in its indicator's unit (`indicators.UNITS`; rates are percentages: 72.5 means 72.5 %). `code`, the
    indicator, gives a rate the digits its KPI tile shows (RATE_DIGITS: tax share to 0.01 %), so the goal table,
    the tile, the wall and the pack read the same."""
    if _missing(value):
        return "—"
    assert value is not None
    if unit == "pct":
        return f"{value:.{RATE_DIGITS.get(code, 1)}f}%"
    if unit == "10k_yuan":
        return money_10k(value, lang)
    if unit == "m2":
        return area(value, lang)
    return count(value)


# A goal's status as a symbol beside its words, and a comparator as a reader writes it (page, screen, pack).
STATUS_SYMBOL = {"on_track": "✔", "achieved": "✔", "at_risk": "▲", "off_track": "✖", "missed": "✖",
                 "no_data": "–", "no_target": "–"}
COMPARATOR_TEXT = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def kpi_parts(code: str, value: float | None, lang: str) -> tuple[str, str]:
    """A district or city KPI (queries.period_kpis codes) as (number, unit), so a big screen can set the unit
    smaller: rates are fractions 0-1 shown as percentages (tax share to 0.01), tax in 万元 / 亿元, the rest counts."""
    if missing(value):
        return "—", ""
    assert value is not None
    if code in RATE_DIGITS:
        return f"{value * 100:.{RATE_DIGITS[code]}f}", "%"
    if code == "building_tax":
        number, _, unit = money_10k(value, lang).partition(" ")
        return number, unit
    if code == "vacant_area":  # the workbench's figures (data_layer.workbench)
        number, _, unit = area(value, lang).partition(" ")
        return number, unit
    if code == "tax_per_m2":
        return f"{value:,.0f}", "元/㎡" if lang == "zh" else "yuan/m²"
    if code == "tax_per_employee":
        return f"{value:,.1f}", "万元/人" if lang == "zh" else "10k yuan/person"
    return count(value), ""


def kpi(code: str, value: float | None, lang: str) -> str:
    """kpi_parts as one string: "24.71%", "1.23 亿元", "1,234"."""
    number, unit = kpi_parts(code, value, lang)
    return f"{number}{unit}" if unit in ("%", "") else f"{number} {unit}"


def change(kind: str, value: float | None, lang: str) -> str:
    """A change against an earlier period: percentage points for rates (`pp`), relative for flows (`rel`), an
    absolute count otherwise (`abs`); "—" when there is nothing to compare, "" for kind `none`."""
    if kind == "none":
        return ""
    if missing(value):
        return "—"
    assert value is not None
    if kind == "pp":
        return f"{value * 100:+.1f} {translate('unit.pp', lang)}"
    if kind == "rel":
        return f"{value * 100:+.1f}%"
    return f"{value:+,.0f}"


def progress(unit: str, gap: float | None, attainment: float | None, lang: str) -> str:
    """A goal's progress: rates by their gap to the target in percentage points; everything else by attainment
    (over 100 % = better than the target, whichever way it is met; goals.progress_of)."""
    if unit == "pct":
        return "—" if missing(gap) else f"{float(gap):+.1f} {translate('unit.pp', lang)}"  # type: ignore[arg-type]
    return "—" if missing(attainment) else f"{float(attainment) * 100:.1f}%"  # type: ignore[arg-type]
