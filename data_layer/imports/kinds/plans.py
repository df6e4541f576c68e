"""Plans and their annual targets (plan, plan_target) from one flat sheet: one row per target, the plan's own
columns repeated on each row. Targets name an indicator of data_layer/indicators.py by code or name; rates are
stored as percentages (85 = 85 %), amounts in 万元. A target without a comparator keeps the one already stored for
it, and a new one gets its indicator's default (≤ for lower-is-better indicators such as vacant area), never a
blanket ≥.

plan and plan_target carry no batch column, so this kind keeps what it inserted and what it replaced in the
import's audit row, and undo checks that nobody changed those rows since."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from data_layer.imports.base import Change, Rows, delete_rows, diff, fetch, insert_rows, update_rows
from data_layer.imports.kinds.buildings import district_lookup
from data_layer.imports.kinds.common import UndoConflict, duplicates, replaced_payload
from data_layer.imports.problems import Findings
from data_layer.imports.values import norm, parse_number
from data_layer.indicators import BY_CODE

if TYPE_CHECKING:  # the pipeline imports the kinds: only the type checker reads this import
    from data_layer.imports.pipeline import Context

PLAN_FIELDS = {"plan_name": "name_zh", "plan_name_en": "name_en", "start_year": "start_year",
               "end_year": "end_year", "source": "source"}
PLAN_COLUMNS = ("name_zh", "name_en", "scope_type", "scope_code", "start_year", "end_year", "source")
TARGET_KEY = ("plan_code", "indicator_code", "year")
UNIT_KIND = {"pct": "pct", "10k_yuan": "money", "count": "count", "m2": "area"}
CITY_WORDS = {norm(w) for w in ("全市", "市", "市级", "本市", "city", "citywide", "whole city")}


def _indicators(conn: Connection) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Every spelling -> code, code -> unit, code -> Chinese name."""
    lookup: dict[str, str] = {}
    units: dict[str, str] = {}
    names: dict[str, str] = {}
    for code, zh, en, unit in conn.execute(text("SELECT code, name_zh, name_en, unit FROM indicator")):
        for word in (code, zh, en):
            lookup.setdefault(norm(word), code)
        units[code] = unit
        names[code] = zh
    return lookup, units, names


def _closest(value: str, lookup: dict[str, str], names: dict[str, str], count: int = 3) -> str:
    """The indicators whose code or names are nearest to `value` ('已建楼宇入驻率（occupancy_rate）、…'); the
    template's 填写说明-指标 sheet lists them all. Chinese names are also compared without the common words a
    typo keeps (a plain ratio of matching characters finds 入驻率 in 已建楼宇入驻率)."""
    key = norm(value)
    scored: dict[str, float] = {}
    for word, code in lookup.items():
        ratio = difflib.SequenceMatcher(None, key, word).ratio()
        contained = 0.6 if key and (key in word or word in key) else 0.0
        scored[code] = max(scored.get(code, 0.0), ratio, contained)
    best = sorted((c for c, r in scored.items() if r >= 0.4), key=lambda c: -scored[c])[:count]
    return "、".join(f"{names[c]}（{c}）" for c in best) or "—"


def _targets(rows: Rows, findings: Findings, indicator: pd.Series, units: dict[str, str]) -> np.ndarray:
    """Target values in the indicator's unit (rates as percentages)."""
    raw = rows.frame["target"]
    values = np.full(len(raw), np.nan)
    unit_of = indicator.map(units)
    header_unit = next((u for (_sheet, name), u in rows.units.items() if name == "target"), "")
    for unit, kind in UNIT_KIND.items():
        mask = (unit_of == unit).to_numpy() & raw.notna().to_numpy()
        if not mask.any():
            continue
        parsed = parse_number(raw[mask], kind=kind, header_unit=header_unit)
        numbers = parsed.values.to_numpy(dtype="float64")
        values[np.flatnonzero(mask)] = numbers * (100.0 if unit == "pct" else 1.0)
        bad = np.zeros(len(raw), dtype=bool)
        bad[np.flatnonzero(mask)[parsed.bad]] = True
        reasons = [parsed.reasons[int(i)] for i in np.flatnonzero(parsed.bad)]
        for (code, params), position in zip(reasons, np.flatnonzero(bad), strict=True):
            findings.error(code, **rows.locate(int(position), "target"), **params)
    return values


def _scope(rows: Rows, findings: Findings, districts: dict[str, str]) -> tuple[pd.Series, pd.Series]:
    n = len(rows.frame)
    if not rows.has("scope"):
        return pd.Series([None] * n, dtype=object), pd.Series([None] * n, dtype=object)
    values = rows.frame["scope"]
    kinds: list[str | None] = []
    codes: list[str | None] = []
    unknown = np.zeros(n, dtype=bool)
    for position, value in enumerate(values):
        key = norm(value) if value is not None else ""
        kind: str | None = None
        code: str | None = None
        if not key:
            pass  # not given on this row: the plan's other rows or the store say
        elif key in CITY_WORDS:
            kind = "city"
        elif key in districts:
            kind, code = "district", districts[key]
        else:
            unknown[position] = True
        kinds.append(kind)
        codes.append(code)
    rows.report(findings, unknown, "scope", "unknown_district", params=[{"value": str(v)} for v in values[unknown]])
    return pd.Series(kinds, dtype=object), pd.Series(codes, dtype=object)


def check(conn: Connection, rows: Rows, ctx: Context) -> list[Change]:
    findings: Findings = ctx.findings
    frame = rows.frame
    for name in ("plan_code", "indicator", "year", "target"):
        if not rows.has(name):
            rows.missing_column(findings, name)
    if not findings.ok:
        return []
    usable = np.ones(len(frame), dtype=bool)
    for name in ("plan_code", "indicator", "year", "target"):
        usable &= ~rows.require(findings, name)
    lookup, units, names = _indicators(conn)
    indicator = frame["indicator"].map(lambda v: None if v is None else lookup.get(norm(v)))
    unknown = frame["indicator"].notna().to_numpy() & indicator.isna().to_numpy()
    rows.report(findings, unknown, "indicator", "unknown_indicator",
                params=[{"value": str(v), "closest": _closest(str(v), lookup, names)}
                        for v in frame["indicator"][unknown]])
    target = _targets(rows, findings, indicator, units)
    scope_type, scope_code = _scope(rows, findings, district_lookup(conn))
    stored_scope: dict[str,
                       str] = dict(conn.execute(text("SELECT code, COALESCE(scope_code, '*city*') FROM plan")).all())
    ctx.touched["plans"] = pd.Series([c if c is not None else ("*city*" if t == "city" else stored_scope.get(p, "*city*"))
                                      for c, t, p in zip(scope_code, scope_type, frame["plan_code"], strict=True)],
                                     dtype=object)
    duplicates(rows, findings, pd.DataFrame({"p": frame["plan_code"], "i": indicator, "y": frame["year"]}),
               "indicator", usable=usable & indicator.notna().to_numpy())

    plans = pd.DataFrame({"code": frame["plan_code"], "scope_type": scope_type, "scope_code": scope_code})
    for name, column in PLAN_FIELDS.items():
        if rows.has(name):
            plans[column] = frame[name]
    stored = fetch(conn, "SELECT id, code, " + ", ".join(PLAN_COLUMNS) + ", is_template FROM plan",
                   bools=("is_template",))
    plan_rows = _with_stored_plan(_one_row_per_plan(rows, findings, plans), stored)
    templates = set(stored.loc[stored["is_template"].fillna(False).astype(bool), "code"]) if not stored.empty else set()
    is_template = frame["plan_code"].isin(templates).to_numpy()
    rows.report(findings, is_template, "plan_code", "template_plan",
                params=[{"value": str(v)} for v in frame["plan_code"][is_template]])
    known = set(stored["code"]) if not stored.empty else set()
    _new_plan_fields(rows, findings, plan_rows, known)
    _years(rows, findings, plan_rows, stored)
    if not findings.ok:
        return []
    plan_change = diff("plan", plan_rows.drop(columns=["_first"]), stored, ("code",),
                       [c for c in PLAN_COLUMNS if c in plan_rows.columns])
    if not plan_change.new.empty:
        for column, default in (("name_en", None), ("source", ""), ("scope_type", "city")):
            if column not in plan_change.new.columns:
                plan_change.new[column] = default
        plan_change.new["name_en"] = plan_change.new["name_en"].fillna(plan_change.new["name_zh"])
        plan_change.new["source"] = plan_change.new["source"].fillna("")
    years = frame["year"].astype("float64").round().astype("Int64")
    existing = fetch(conn, "SELECT p.code AS plan_code, t.indicator_code, t.year, t.target_value, t.comparator"
                           " FROM plan_target t JOIN plan p ON p.id = t.plan_id")
    if not existing.empty:
        existing["year"] = existing["year"].astype("Int64")
    given = frame["comparator"] if rows.has("comparator") else pd.Series([None] * len(frame), index=frame.index,
                                                                           dtype=object)
    comparator = _comparators(given, frame["plan_code"], indicator, years, existing)
    incoming = pd.DataFrame({"plan_code": frame["plan_code"], "indicator_code": indicator, "year": years,
                             "target_value": target, "comparator": comparator})
    target_change = diff("plan_target", incoming, existing, TARGET_KEY, ("target_value", "comparator"))
    return [plan_change, target_change]


def _comparators(given: pd.Series, plan_code: pd.Series, indicator: pd.Series, years: pd.Series,
                 existing: pd.DataFrame) -> pd.Series:
    """The comparator of each row: as given on the file; else the stored target's (a file that leaves it out does
    not rewrite a "more than 70" into "at least 70"); else the indicator's own default (≤ when lower is better)."""
    stored = {} if existing.empty else {
        (p, i, int(y)): c for p, i, y, c in existing[["plan_code", "indicator_code", "year", "comparator"]]
        .itertuples(index=False, name=None)}
    out = []
    for value, plan, code, year in zip(given, plan_code, indicator, years, strict=True):
        if value is not None and not pd.isna(value) and str(value).strip():
            out.append(value)
        elif not pd.isna(code) and not pd.isna(year) and (plan, code, int(year)) in stored:
            out.append(stored[(plan, code, int(year))])
        else:  # an unknown indicator is reported by check(); any comparator will do for it
            out.append(BY_CODE[code].comparator if code in BY_CODE else ">=")
    return pd.Series(out, index=plan_code.index, dtype=object)


def _one_row_per_plan(rows: Rows, findings: Findings, plans: pd.DataFrame) -> pd.DataFrame:
    """The plan's own columns must agree on every row that fills them in."""
    out = []
    for code, group in plans.groupby("code", sort=False):
        record: dict[str, object] = {"code": code, "_first": int(group.index[0])}
        for column in group.columns.drop("code"):
            values = group[column].dropna()
            distinct = pd.unique(values.astype(object))
            if len(distinct) > 1:
                second = values.index[values.astype(object) != distinct[0]][0]
                field = next((f for f, c in PLAN_FIELDS.items() if c == column), "scope")
                findings.error("plan_conflict", **rows.locate(int(second), field if rows.has(field) else "plan_code"),
                               plan=str(code), first=int(rows.frame["_row"].iat[int(values.index[0])]))
            record[column] = distinct[0] if len(distinct) else None
        out.append(record)
    frame = pd.DataFrame(out)
    for column in ("start_year", "end_year"):
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").round().astype("Int64")
    return frame


def _with_stored_plan(plan_rows: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """Blank plan cells keep the stored plan's values; a new plan without a scope is a city plan."""
    out = plan_rows.copy()
    known = stored.set_index("code") if not stored.empty else None
    is_new = ~out["code"].isin(stored["code"]) if not stored.empty else pd.Series(True, index=out.index)
    scope_given = out["scope_type"].notna()
    for column in out.columns.drop(["code", "_first"]):
        if known is not None and column in known.columns:
            keep = out[column].isna() & ~is_new
            if column == "scope_code":
                keep = ~scope_given & ~is_new  # a city scope given on the file clears the district
            if keep.any():
                out[column] = out[column].astype(object)
                out.loc[keep, column] = out.loc[keep, "code"].map(known[column]).to_numpy()
    out.loc[is_new & ~scope_given, "scope_type"] = "city"
    return out


def _new_plan_fields(rows: Rows, findings: Findings, plan_rows: pd.DataFrame, known: set[str]) -> None:
    for record in plan_rows.itertuples(index=False):
        if record.code in known:
            continue
        for name, column in (("plan_name", "name_zh"), ("start_year", "start_year"), ("end_year", "end_year")):
            value = getattr(record, column, None)
            if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
                if rows.has(name):
                    findings.error("missing_value", **rows.locate(record._first, name))
                else:
                    rows.missing_column(findings, name)


def _years(rows: Rows, findings: Findings, plan_rows: pd.DataFrame, stored: pd.DataFrame) -> None:
    spans = {r.code: (r.start_year, r.end_year) for r in stored.itertuples(index=False)} if not stored.empty else {}
    for record in plan_rows.itertuples(index=False):
        start = getattr(record, "start_year", None)
        end = getattr(record, "end_year", None)
        old = spans.get(record.code, (None, None))
        start = old[0] if start is None or start is pd.NA else start
        end = old[1] if end is None or end is pd.NA else end
        if start is not None and end is not None and start > end:
            at = "end_year" if rows.has("end_year") else "plan_code"
            findings.error("plan_years", **rows.locate(record._first, at),
                           start=int(start), end=int(end))
        spans[record.code] = (start, end)
    years = rows.frame["year"]
    outside = np.zeros(len(years), dtype=bool)
    for position, (code, year) in enumerate(zip(rows.frame["plan_code"], years, strict=True)):
        start, end = spans.get(code, (None, None))
        if year is not None and not pd.isna(year) and start is not None and end is not None \
                and not start <= year <= end:
            outside[position] = True
    rows.report(findings, outside, "year", "year_outside_plan",
                params=[{"value": int(y)} for y in years[outside]])


def _plan_ids(conn: Connection) -> dict[str, int]:
    return {code: int(i) for i, code in conn.execute(text("SELECT id, code FROM plan"))}


def write(conn: Connection, changes: list[Change], ctx: Context, batch_id: int) -> dict:
    plan_change, target_change = changes
    if not plan_change.new.empty:
        insert_rows(conn, "plan", plan_change.new.assign(is_template=False),
                    ["code", *[c for c in PLAN_COLUMNS if c in plan_change.new.columns], "is_template"])
    plan_columns = [c for c in plan_change.updated.columns if c in PLAN_COLUMNS]
    update_rows(conn, "plan", plan_change.updated, ("code",), plan_columns)
    ids = _plan_ids(conn)
    with_ids = {name: frame.assign(plan_id=frame["plan_code"].map(ids)) if not frame.empty else frame
                for name, frame in (("new", target_change.new), ("updated", target_change.updated))}
    insert_rows(conn, "plan_target", with_ids["new"], ["plan_id", "indicator_code", "year", "target_value",
                                                       "comparator"])
    update_rows(conn, "plan_target", with_ids["updated"], ("plan_id", "indicator_code", "year"),
                ["target_value", "comparator"])
    return {"created": {
        "plan": {**plan_change.counts, "codes": plan_change.new["code"].tolist() if not plan_change.new.empty else []},
        "plan_target": {**target_change.counts, "written": _rows(target_change.new, target_change.updated)}},
        "replaced": {"plan": replaced_payload(plan_change, plan_columns),
                     "plan_target": replaced_payload(target_change, ["target_value", "comparator"])}}


def _rows(*frames: pd.DataFrame) -> list[list[object]]:
    out: list[list[object]] = []
    for frame in frames:
        if frame.empty:
            continue
        for row in frame[[*TARGET_KEY, "target_value", "comparator"]].itertuples(index=False, name=None):
            out.append([v.item() if isinstance(v, np.generic) else (None if v is pd.NA else v) for v in row])
    return out


def undo(conn: Connection, created: dict, replaced: dict, batch_id: int) -> set[str]:
    ids = _plan_ids(conn)
    current = fetch(conn, "SELECT p.code AS plan_code, t.indicator_code, t.year, t.target_value, t.comparator"
                          " FROM plan_target t JOIN plan p ON p.id = t.plan_id")
    now = {(r.plan_code, r.indicator_code, int(r.year)): (float(r.target_value), r.comparator)
           for r in current.itertuples(index=False)}
    written = created.get("plan_target", {}).get("written", [])
    changed = sum(1 for p, i, y, v, c in written if now.get((p, i, int(y))) != (float(v), c))
    if changed:
        raise UndoConflict("overwritten", table="plan_target", changed=changed)
    old = replaced.get("plan_target") or {}
    old_keys = {(r[0], r[1], int(r[2])) for r in old.get("rows", [])}
    inserted = pd.DataFrame([[ids.get(p), i, int(y)] for p, i, y, _v, _c in written if (p, i, int(y)) not in old_keys],
                            columns=["plan_id", "indicator_code", "year"])
    delete_rows(conn, "plan_target", inserted, ("plan_id", "indicator_code", "year"))
    if old:
        frame = pd.DataFrame(old["rows"], columns=old["columns"])
        frame["plan_id"] = frame["plan_code"].map(ids)
        update_rows(conn, "plan_target", frame, ("plan_id", "indicator_code", "year"), ["target_value", "comparator"])
    plans_old = replaced.get("plan") or {}
    if plans_old:
        frame = pd.DataFrame(plans_old["rows"], columns=plans_old["columns"])
        update_rows(conn, "plan", frame, ("code",), [c for c in plans_old["columns"] if c != "code"])
    codes = created.get("plan", {}).get("codes", [])
    delete_rows(conn, "plan", pd.DataFrame({"code": codes}), ("code",))
    return set()
