"""Cell values as bureaus write them, parsed by column type, one column at a time (vectorised: a monthly file can
hold a million rows).

Numbers: `1,234.5`, `85%`, `85.3`, `12.3万元` against `123000元`, `1.2亿`, `3.5万㎡`, `120家`. The header's unit
(`税收（元）`, `税收（单位：元）`, `（人民币元）`, `（元/月）`) applies to plain numbers; a unit in the cell
wins. A money column with no unit anywhere is read as 万元, the documented default, and `Column.unit_assumed`
says so (the caller adds a note). Percent columns: `85%` is 0.85; a plain number is a percentage when the header
says `(%)` or when every non-zero plain number of the column is above 1 (`85.3` means 85.3 %), a fraction when
every one is at most 1 (`0.853`); a column mixing both (`0.9` next to `95`) is ambiguous and those cells are
refused. Months: `2024年3月`, `2024-03`, `2024/3`, `2024.3`, `202403`, a full date, or an Excel date cell. A
formula (`=B2*2`) is never taken for a number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from data_layer import fmt

EMPTY_TOKENS = frozenset({"", "-", "--", "—", "——", "－", "/", "n/a", "na", "null", "none", "nan", "#n/a"})


@dataclass
class Column:
    """A parsed column: `values` (NaN/None where empty or bad), which cells were empty, which could not be read
    and why (`reasons` holds (code, params) for the bad positions only)."""

    values: pd.Series
    empty: np.ndarray
    bad: np.ndarray
    reasons: dict[int, tuple[str, dict[str, object]]] = field(default_factory=dict)
    unit_assumed: bool = False  # plain numbers were read in the default unit because no unit was given anywhere


@lru_cache(maxsize=65_536)
def _norm(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s_\-·:：*\u3000]+", "", value)


def norm(text: object) -> str:
    """Compare-form of a header or option: NFKC (full-width to half-width, ㎡ to m2), lower case, no spaces."""
    return _norm(str(text))


def per_unique(values: pd.Series | np.ndarray, fn: Callable[[object], object], *, missing: object = None,
               dtype: npt.DTypeLike = object) -> np.ndarray:
    """`fn` applied once per distinct value and spread back (a million cells often hold a few hundred values)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=dtype)
    for index, value in enumerate(uniques):
        results[index] = fn(value)
    results[-1] = missing
    return results[codes]


_is_missing = fmt.missing


def _is_empty_series(raw: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        return raw.isna().to_numpy()
    return per_unique(raw, lambda v: _is_missing(v) or str(v).strip().lower() in EMPTY_TOKENS, missing=True,
                      dtype=bool)


def _text_of(raw: pd.Series, mask: np.ndarray) -> pd.Series:
    sub = raw[mask]
    return pd.Series(per_unique(sub, lambda v: unicodedata.normalize("NFKC", str(v)).strip(), missing=""),
                     index=sub.index, dtype=object)


# ---------------------------------------------------------------- numbers

_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)(.*)$", re.IGNORECASE)

UNIT_FACTORS: dict[str, dict[str, float]] = {
    # target 万元
    "money": {"万元": 1.0, "万": 1.0, "元": 1e-4, "亿元": 1e4, "亿": 1e4, "千元": 0.1, "百万元": 100.0,
              "10kyuan": 1.0, "10k": 1.0, "yuan": 1e-4, "rmb": 1e-4, "cny": 1e-4, "人民币": 1e-4, "亿元人民币": 1e4,
              "万元人民币": 1.0},
    # target m²
    "area": {"m2": 1.0, "平方米": 1.0, "平米": 1.0, "平": 1.0, "sqm": 1.0, "万m2": 1e4, "万平方米": 1e4,
             "万平米": 1e4, "万平": 1e4},
    # target fraction 0-1
    "pct": {"%": 0.01, "百分比": 0.01, "pct": 0.01, "percent": 0.01},
    "count": {"家": 1.0, "个": 1.0, "人": 1.0, "户": 1.0, "名": 1.0, "栋": 1.0, "座": 1.0, "次": 1.0, "场": 1.0,
              "万人": 1e4, "星": 1.0, "星级": 1.0},
    "year": {"年": 1.0},
    "plain": {},
    "degree": {"°": 1.0, "度": 1.0},
}


# Spellings around a unit that do not change it: 「单位：元」, 「金额单位：万元」, 「人民币元」, 「万元人民币」,
# 「元/月」 (a monthly file's money is per month anyway). Applied to the compare-form (norm: no spaces or colons).
_UNIT_PREFIX = re.compile(r"^(?:金额|计量)?单位")
_UNIT_CURRENCY = re.compile(r"^(?:人民币|rmb|cny)(?=.)|(?<=.)(?:人民币|rmb|cny)$")
_UNIT_PER_MONTH = re.compile(r"(?<=.)(?:/月|每月|/month)$")
# A title row above the header that says the file's money unit: 「2026年3月统计表（单位：元）」.
_TITLE_MONEY_UNIT = re.compile(r"单位(?:为)?(?:人民币)?(百万元|亿元|万元|千元|元)")


@lru_cache(maxsize=4096)
def canonical_unit(unit: str) -> str:
    """The compare-form of a unit with the words around it removed: '单位：元' -> '元', '人民币万元' -> '万元',
    '元/月' -> '元'. Unknown units come back normalised but otherwise as written."""
    value = _UNIT_PREFIX.sub("", norm(unit))
    value = _UNIT_PER_MONTH.sub("", value)
    return _UNIT_CURRENCY.sub("", value)


def title_money_unit(text: object) -> str:
    """The money unit a title cell declares for the whole sheet ('' when it declares none)."""
    match = _TITLE_MONEY_UNIT.search(norm(text))
    return match[1] if match else ""


def header_factor(kind: str, header_unit: str) -> float | None:
    """The factor a header unit implies for plain numbers (None when the header names no unit we know)."""
    unit = canonical_unit(header_unit)
    if not unit:
        return None
    return UNIT_FACTORS.get(kind, {}).get(unit)


def parse_number(raw: pd.Series, *, kind: str = "plain", header_unit: str = "", integer: bool = False) -> Column:
    """Numbers of one column in the target unit of `kind` (money → 万元, area → m², pct → fraction)."""
    raw = raw.reset_index(drop=True)
    empty = _is_empty_series(raw)
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.astype("float64")
    else:
        values = pd.to_numeric(raw.where(~empty), errors="coerce").astype("float64")
        values[empty] = np.nan
    bad = np.zeros(len(raw), dtype=bool)
    reasons: dict[int, tuple[str, dict[str, object]]] = {}
    failed = values.isna().to_numpy() & ~empty
    cell_unit = pd.Series("", index=raw.index, dtype=object)
    if failed.any():
        text = _text_of(raw, failed).str.replace(r"[,，\s']", "", regex=True)
        parts = text.str.extract(_NUMBER)
        numbers = pd.to_numeric(parts[0], errors="coerce")
        unit_text = parts[1].fillna("").map(canonical_unit)
        values[failed] = numbers.to_numpy()
        cell_unit[failed] = unit_text.to_numpy()
        table = UNIT_FACTORS.get(kind, {})
        known = unit_text.isin(list(table)) | (unit_text == "")
        for position, original, number, unit, ok in zip(np.flatnonzero(failed), text, numbers, unit_text, known,
                                                         strict=True):
            if pd.isna(number):
                code = "formula" if str(original).startswith("=") else "not_number"
                reasons[int(position)] = (code, {"value": _short(original)})
                bad[position] = True
            elif not ok:
                reasons[int(position)] = ("unknown_unit", {"value": _short(original), "unit": unit})
                bad[position] = True
        values[bad] = np.nan
        has_unit = (cell_unit != "").to_numpy() & ~bad
        if has_unit.any():
            factors = cell_unit[has_unit].map(table).astype("float64").to_numpy()
            values[has_unit] = values[has_unit].to_numpy() * factors
    else:
        has_unit = np.zeros(len(raw), dtype=bool)
    plain = ~empty & ~bad & ~has_unit
    default = header_factor(kind, header_unit)
    if kind == "pct" and default is None and plain.any():
        default = _percent_scale(values, plain, raw, bad, reasons)
        plain &= ~bad
    unit_assumed = kind == "money" and default is None and bool(plain.any())
    if default not in (None, 1.0):
        values[plain] = values[plain].to_numpy() * default
    if integer:
        finite = ~np.isnan(values.to_numpy())
        fractional = finite & (np.abs(values.to_numpy() - np.round(values.to_numpy())) > 1e-9)
        for position in np.flatnonzero(fractional):
            reasons[int(position)] = ("not_whole", {"value": _short(raw.iloc[position])})
        bad |= fractional
        values[fractional] = np.nan
    return Column(values=values, empty=empty, bad=bad, reasons=reasons, unit_assumed=unit_assumed)


def _percent_scale(values: pd.Series, plain: np.ndarray, raw: pd.Series, bad: np.ndarray,
                   reasons: dict[int, tuple[str, dict[str, object]]]) -> float:
    """Column-level rule for plain numbers in a rate column without a (%) header: all above 1 are percentages
    (85.3 → 85.3 %), all at most 1 are fractions (0.853). Both kinds at once (0.9 next to 95) cannot be read
    either way without guessing, so the cells of the smaller group (both groups on a tie) are refused, naming
    each; `bad` and `reasons` are updated in place. Zero reads the same either way and takes no side."""
    numbers = values.to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        above = plain & (np.abs(numbers) > 1.0)
        fraction = plain & (np.abs(numbers) <= 1.0) & (numbers != 0.0)
    if not above.any() or not fraction.any():
        return 0.01 if above.any() else 1.0
    count_above, count_fraction = int(above.sum()), int(fraction.sum())
    refused = (fraction if count_fraction <= count_above else np.zeros_like(fraction)) | \
        (above if count_above <= count_fraction else np.zeros_like(above))
    for position in np.flatnonzero(refused):
        reasons[int(position)] = ("pct_mixed", {"value": _short(raw.iloc[position])})
    bad |= refused
    values[refused] = np.nan
    return 0.01 if count_above >= count_fraction else 1.0


def _short(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- months and dates

_YM = re.compile(r"^(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*(?:月份?)?$")
_YM_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_YMD = re.compile(r"^(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?"
                  r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_YMD_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = date(1899, 12, 30)


def _as_date(value: object, *, need_day: bool) -> date | str:
    """A date, or an error code ('not_month' / 'not_date')."""
    error = "not_date" if need_day else "not_month"
    if isinstance(value, datetime | pd.Timestamp):
        return value.date() if isinstance(value, datetime) else value.to_pydatetime().date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer():
            whole = int(number)
            if not need_day and 190001 <= whole <= 210012:
                return _ymd(whole // 100, whole % 100, 1) or error
            if 19000101 <= whole <= 21001231:
                return _ymd(whole // 10000, whole // 100 % 100, whole % 100) or error
            if 20000 <= whole <= 80000:  # an Excel serial day number
                return _EXCEL_EPOCH + timedelta(days=whole)
        return error
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    for pattern in (_YMD, _YMD_COMPACT):
        match = pattern.match(text)
        if match:
            return _ymd(int(match[1]), int(match[2]), int(match[3])) or error
    if not need_day:
        for pattern in (_YM, _YM_COMPACT):
            match = pattern.match(text)
            if match:
                return _ymd(int(match[1]), int(match[2]), 1) or error
    if re.fullmatch(r"\d+(\.0+)?", text):
        return _as_date(int(float(text)), need_day=need_day)
    return error


def _ymd(year: int, month: int, day: int) -> date | None:
    if not 1900 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _parse_dates(raw: pd.Series, *, need_day: bool) -> Column:
    raw = raw.reset_index(drop=True)
    empty = _is_empty_series(raw)
    codes, uniques = pd.factorize(np.asarray(raw, dtype=object), use_na_sentinel=True)
    iso = np.full(len(uniques) + 1, None, dtype=object)
    error = np.full(len(uniques) + 1, None, dtype=object)
    for index, value in enumerate(uniques):
        result = _as_date(value, need_day=need_day)
        if isinstance(result, str):
            error[index] = result
        else:
            iso[index] = result.isoformat() if need_day else result.replace(day=1).isoformat()
    values = pd.Series(iso[codes], dtype=object)
    values[empty] = None
    errors = error[codes]
    failed = (errors != None) & ~empty  # noqa: E711 - element-wise
    reasons: dict[int, tuple[str, dict[str, object]]] = {}
    for position in np.flatnonzero(failed)[:5000]:
        reasons[int(position)] = (str(errors[position]), {"value": _short(raw.iloc[position])})
    return Column(values=values, empty=empty, bad=failed, reasons=reasons)


def parse_month(raw: pd.Series) -> Column:
    """Months as ISO text of their first day ('2024-03-01'), the form the store keeps."""
    return _parse_dates(raw, need_day=False)


def parse_date(raw: pd.Series) -> Column:
    """Dates as ISO text ('2024-03-05')."""
    return _parse_dates(raw, need_day=True)


# ---------------------------------------------------------------- codes, flags, text

TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "1.0", "√", "✓", "✔", "有", "t", "是的", "对"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", "0.0", "×", "✗", "x", "无", "f", "不是", "没有"})


def _map_codes(raw: pd.Series, lookup: Callable[[str], object], code: str,
               allowed: Mapping[str, object] | None = None) -> Column:
    raw = raw.reset_index(drop=True)
    empty = per_unique(raw, lambda v: _is_missing(v) or not str(v).strip(), missing=True, dtype=bool)
    values = pd.Series(None, index=raw.index, dtype=object)
    bad = np.zeros(len(raw), dtype=bool)
    reasons: dict[int, tuple[str, dict[str, object]]] = {}
    cache: dict[str, object] = {}
    for position in np.flatnonzero(~empty):
        original = raw.iloc[position]
        key = norm(original)
        if key not in cache:
            cache[key] = lookup(key)
        result = cache[key]
        if result is None:
            bad[position] = True
            reasons[int(position)] = (code, {"value": _short(original), **(allowed or {})})
        else:
            values.iat[position] = result
    return Column(values=values, empty=empty, bad=bad, reasons=reasons)


def parse_bool(raw: pd.Series) -> Column:
    def lookup(key: str) -> object:
        if key in TRUE_WORDS:
            return True
        if key in FALSE_WORDS:
            return False
        return None

    return _map_codes(raw, lookup, "not_bool")


def parse_choice(raw: pd.Series, aliases: Mapping[str, str], allowed: Mapping[str, object]) -> Column:
    """`aliases` maps normalised spellings to codes; `allowed` goes into the message (allowed values)."""
    return _map_codes(raw, aliases.get, "not_choice", allowed)


def parse_text(raw: pd.Series, *, max_len: int | None = None) -> Column:
    """Text as written (only surrounding spaces removed): never interpreted, so `<script>` stays `<script>`."""
    raw = raw.reset_index(drop=True)
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        stripped = raw.str.strip()
        text = stripped.astype(object).where(stripped.notna() & (stripped != ""), None)
        lengths = None
    else:  # once per distinct value (a million codes are often ten thousand buildings), lengths too
        codes, uniques = pd.factorize(np.asarray(raw, dtype=object), use_na_sentinel=True)
        cleaned = [None if _is_missing(v) else _cell_text(v).strip() or None for v in uniques]
        text = pd.Series(np.array([*cleaned, None], dtype=object)[codes], dtype=object)
        lengths = np.array([len(v) if v else 0 for v in cleaned] + [0], dtype="int64")[codes]
    empty = text.isna().to_numpy()
    bad = np.zeros(len(raw), dtype=bool)
    reasons: dict[int, tuple[str, dict[str, object]]] = {}
    if max_len:
        if lengths is None:
            lengths = text.str.len().fillna(0).to_numpy(dtype="int64") if len(text) else np.zeros(0, dtype="int64")
        too_long = lengths > max_len
        for position in np.flatnonzero(too_long):
            reasons[int(position)] = ("too_long", {"limit": max_len, "length": int(lengths[position])})
        bad |= too_long
    return Column(values=text, empty=empty, bad=bad, reasons=reasons)


def _cell_text(value: object) -> str:
    """Codes typed into Excel often come back as floats (1001.0): write them the way they were typed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    return str(value)
