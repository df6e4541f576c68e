"""The enterprise register (一企一档): who is in a building, and who operates in one but is registered elsewhere.

Every function that returns enterprise rows takes the viewer's `role` (None for an anonymous session) and whether
the session came through a `kiosk` link, and applies `data_layer.auth.tax_access` itself: the yearly tax in 万元
for editors, its band for signed-in viewers, neither for anyone else. Pages never receive more than that.

A tenancy is active in month m when from_month ≤ m and (to_month is empty or to_month ≥ m). The official
registration rate (注册率) is the one from the buildings' monthly statistics (queries / indicators); the
register-based rate here is shown beside it, labelled, and never replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Date, Engine, TextClause, bindparam, text

from data_layer.auth import tax_access

# Yearly tax bands in 万元, lower bound inclusive: under 10, 10-100, 100-1,000, 1,000 and over.
TAX_BAND_EDGES = (10.0, 100.0, 1_000.0)
TAX_BANDS = ("lt_10", "10_100", "100_1000", "ge_1000")
UNKNOWN_BAND = "unknown"
_BAND_RANK = {band: rank for rank, band in enumerate((UNKNOWN_BAND, *TAX_BANDS))}  # higher = more tax

_ACTIVE = "t.from_month <= :month AND (t.to_month IS NULL OR t.to_month >= :month)"


@dataclass(frozen=True)
class GapScope:
    """Where the registration-gap list looks: the whole city, a district, a street or one building."""

    district: str | None = None
    street_id: int | None = None
    building_id: int | None = None


def tax_band(values: pd.Series) -> pd.Series:
    """Band code of each yearly tax (万元); `unknown` where none was reported."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    index = np.searchsorted(np.array(TAX_BAND_EDGES), numbers, side="right")
    bands = np.array(TAX_BANDS, dtype=object)[np.minimum(index, len(TAX_BANDS) - 1)]
    bands[np.isnan(numbers)] = UNKNOWN_BAND
    return pd.Series(bands, index=values.index, dtype=object)


def redact(frame: pd.DataFrame, access: str) -> pd.DataFrame:
    """Keep `tax_10k` only for "value" and `tax_band` only for "value" or "band"; drop both for "none"."""
    drop = [c for c in ("tax_10k", "tax_year") if access != "value" and c in frame.columns]
    if access == "none" and "tax_band" in frame.columns:
        drop.append("tax_band")
    return frame.drop(columns=drop)


def _sql(sql: str) -> TextClause:
    """The statement with :month typed as a date (the same binding on SQLite and PostgreSQL)."""
    return text(sql).bindparams(bindparam("month", type_=Date)) if ":month" in sql else text(sql)


def _read(engine: Engine, sql: str, params: dict[str, object]) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(_sql(sql), params)
        keys = list(result.keys())
        rows = result.cursor.fetchall()  # plain tuples: a text() query has no result types to process
    # Column-wise: a frame built from Row objects costs ~10x more (0.37 s for a city's 30,000-row gap list).
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(keys)
    frame = pd.DataFrame({key: pd.Series(list(values)) if values else pd.Series([], dtype=object)
                          for key, values in zip(keys, columns, strict=True)})
    for column in ("is_headquarters", "registered_here"):
        if column in frame.columns:
            frame[column] = frame[column].astype(bool)
    for column in ("from_month", "to_month"):
        if column in frame.columns:  # SQLite gives ISO text, PostgreSQL dates: the same text on both
            # missing (an open tenancy's end) stays missing: pandas 3 reads a text column's None as NaN, which
            # str() would turn into the text 'nan'
            frame[column] = frame[column].map(lambda v: None if pd.isna(v) else str(v)[:7])
    return frame


def has_register(engine: Engine) -> bool:
    """True when any tenancy is stored (the register has been loaded)."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1 FROM tenancy LIMIT 1")).first() is not None


def _ranked(frame: pd.DataFrame, access: str) -> pd.DataFrame:
    """Largest taxpayers first (by band, then by value where the viewer may see it); without tax access, by area
    then name, so the order itself does not disclose tax."""
    if frame.empty:
        return frame
    if access == "none":
        keys, ascending = ["area_m2", "name"], [False, True]
    else:
        frame = frame.assign(_band_rank=frame["tax_band"].map(_BAND_RANK))
        keys, ascending = ["_band_rank", "area_m2", "name"], [False, False, True]
        if access == "value":
            keys, ascending = ["_band_rank", "tax_10k", "area_m2", "name"], [False, False, False, True]
    out = frame.sort_values(keys, ascending=ascending, na_position="last", kind="mergesort")
    return out.drop(columns=[c for c in ("_band_rank",) if c in out.columns]).reset_index(drop=True)


def building_enterprises(engine: Engine, *, building_id: int, month: date, role: str | None,
                         kiosk: bool = False) -> pd.DataFrame:
    """The enterprises in a building in `month`: credit code, name, industry, size band, headquarters flag, area,
    registered here or not, since when; the tax as the viewer may see it. Largest taxpayers first."""
    access = tax_access(role, kiosk=kiosk)
    frame = _read(engine, f"""
        SELECT e.id AS enterprise_id, e.credit_code, e.name, e.industry, e.size_band, e.is_headquarters,
               t.area_m2, t.registered_here, t.from_month, t.to_month, e.tax_year, e.tax_10k
        FROM tenancy t JOIN enterprise e ON e.id = t.enterprise_id
        WHERE t.building_id = :building AND {_ACTIVE}""", {"building": building_id, "month": month})
    frame["tax_band"] = tax_band(frame["tax_10k"])
    return redact(_ranked(frame, access), access)


def _scope_sql(scope: GapScope) -> tuple[str, dict[str, object]]:
    clauses: list[str] = []
    params: dict[str, object] = {}
    if scope.district:
        clauses.append("b.district_code = :district")
        params["district"] = scope.district
    if scope.street_id is not None:
        clauses.append("b.street_id = :street")
        params["street"] = scope.street_id
    if scope.building_id is not None:
        clauses.append("b.id = :building")
        params["building"] = scope.building_id
    return "".join(f" AND {c}" for c in clauses), params


def registration_gap(engine: Engine, *, month: date, scope: GapScope, role: str | None,
                     kiosk: bool = False) -> pd.DataFrame:
    """Enterprises operating in a building of `scope` in `month` but not registered at its address: the visit
    list that raises 注册率. Ranked by tax band (largest first), numbered from 1."""
    access = tax_access(role, kiosk=kiosk)
    where, params = _scope_sql(scope)
    frame = _read(engine, f"""
        SELECT e.id AS enterprise_id, e.credit_code, e.name, e.industry, e.size_band, e.is_headquarters,
               b.id AS building_id, b.code AS building_code, b.name AS building_name, b.district_code,
               s.name_zh AS street_zh, s.name_en AS street_en, t.area_m2, t.from_month, e.tax_year, e.tax_10k
        FROM tenancy t JOIN enterprise e ON e.id = t.enterprise_id JOIN building b ON b.id = t.building_id
        LEFT JOIN street s ON s.id = b.street_id
        WHERE t.registered_here = :no AND {_ACTIVE}{where}""", {"month": month, "no": False, **params})
    frame["tax_band"] = tax_band(frame["tax_10k"])
    out = redact(_ranked(frame, access), access)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def register_rates(engine: Engine, *, month: date, scope: GapScope) -> dict[str, object]:
    """The official 注册率 of `scope` in `month` (Σ registered ÷ Σ operating in the buildings' monthly
    statistics) beside the register-based one (tenancies active in the month, registered here ÷ all), with the
    counts behind each, so the page can explain the difference. Rates are None where nothing was counted."""
    where, params = _scope_sql(scope)
    with engine.connect() as conn:
        official = conn.execute(_sql(f"""
            SELECT COALESCE(SUM(m.enterprises_registered), 0), COALESCE(SUM(m.enterprises_operating), 0),
                   COUNT(*)
            FROM building_month m JOIN building b ON b.id = m.building_id
            WHERE m.month = :month{where}"""), {"month": month, **params}).one()
        register = conn.execute(_sql(f"""
            SELECT COALESCE(SUM(CASE WHEN t.registered_here THEN 1 ELSE 0 END), 0), COUNT(*),
                   COUNT(DISTINCT t.building_id)
            FROM tenancy t JOIN building b ON b.id = t.building_id
            WHERE {_ACTIVE}{where}"""), {"month": month, **params}).one()
    off_reg, off_op, reporting = (int(v) for v in official)
    reg_reg, reg_op, covered = (int(v) for v in register)
    return {"official_registered": off_reg, "official_operating": off_op, "buildings_reporting": reporting,
            "official_rate": off_reg / off_op if off_op else None,
            "register_registered": reg_reg, "register_operating": reg_op, "buildings_in_register": covered,
            "register_rate": reg_reg / reg_op if reg_op else None}


GAP_LEVELS = ("district", "street", "building")


def gap_summary(engine: Engine, *, month: date, scope: GapScope, by: str) -> pd.DataFrame:
    """Enterprises operating but not registered here in `month`, counted per district, street or building of
    `scope` (with the area they use), most first: where the visits are. No tax in it, so every role may see it."""
    if by not in GAP_LEVELS:
        raise ValueError(f"unknown level {by!r}")
    where, params = _scope_sql(scope)
    key = {"district": "b.district_code", "street": "b.street_id", "building": "b.id"}[by]
    labels = {"district": "d.name_zh AS name_zh, d.name_en AS name_en",
              "street": "s.name_zh AS name_zh, s.name_en AS name_en",
              "building": "b.name AS name_zh, b.name AS name_en"}[by]
    grouped = {"district": "d.name_zh, d.name_en", "street": "s.name_zh, s.name_en", "building": "b.name"}[by]
    return _read(engine, f"""
        SELECT {key} AS code, {labels}, COUNT(*) AS enterprises, COALESCE(SUM(t.area_m2), 0) AS area_m2
        FROM tenancy t JOIN building b ON b.id = t.building_id JOIN district d ON d.code = b.district_code
        LEFT JOIN street s ON s.id = b.street_id
        WHERE t.registered_here = :no AND {_ACTIVE}{where}
        GROUP BY {key}, {grouped}
        ORDER BY COUNT(*) DESC, {key}""", {"month": month, "no": False, **params})


def building_places(engine: Engine) -> pd.DataFrame:
    """Every building's id, code, name, district and street: the gap page's choices and its URL check."""
    return _read(engine, "SELECT id, code, name, district_code, street_id FROM building ORDER BY id", {})
