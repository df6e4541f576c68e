"""Buildings (the building table) and the observation points flagged on them.

A row names its building by code, or (district rosters rarely carry codes) by district and name, a former name
(曾用名) included; a row that matches no building creates one (name, district and areas needed) with a generated
code (data_layer.imports.identity). A row of an existing building updates it, and a blank cell keeps what is
stored. Coordinates are optional (a building without them is imported and listed as "not on the map"); given,
they must lie inside the city's district polygons, in a declared CRS (a 坐标系 column, the CRS chosen for the
file, or the deployment's DASHBOARD_IMPORT_CRS, which the preview names). A street the registry does not hold is
created with the building (shown in the preview as a new street of its district)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from data_layer.imports.base import (
    Change,
    Rows,
    delete_rows,
    diff,
    empty_change,
    fetch,
    fetch_in,
    insert_rows,
    update_rows,
)
from data_layer.imports.fields import CRS_NAMES
from data_layer.imports.geo import city_shape
from data_layer.imports.identity import (
    generated_code,
    join_former,
    name_key,
    split_former,
    stored_streets,
    street_index,
    street_key,
)
from data_layer.imports.kinds.common import (
    UndoConflict,
    duplicates,
    replaced_payload,
    undo_batch_table,
    with_defaults,
    with_stored,
)
from data_layer.imports.problems import Findings
from data_layer.imports.values import norm
from data_layer.settings import get_settings

if TYPE_CHECKING:  # the pipeline imports the kinds: only the type checker reads this import
    from data_layer.imports.pipeline import Context

TABLE = "building"
COLUMNS = ("name", "former_names", "address", "district_code", "street_id", "lon", "lat", "crs", "grade", "gross_area_m2",
           "leasable_area_m2", "year_completed", "status", "operator_type", "industry", "is_zero_carbon_pilot",
           "energy_star", "is_featured", "is_hq_cluster", "is_observation_point", "renovated_year")
DEFAULTS: dict[str, object] = {"address": "", "former_names": "", "crs": "GCJ-02", "grade": "unrated", "status": "in_use", "operator_type": "private",
                               "industry": "general", "is_zero_carbon_pilot": False, "energy_star": 0,
                               "is_featured": False, "is_hq_cluster": False, "is_observation_point": False}
FOR_NEW = ("name", "district", "gross_area_m2", "leasable_area_m2")
BOOLS = ("is_zero_carbon_pilot", "is_featured", "is_hq_cluster", "is_observation_point")
INTS = ("year_completed", "energy_star", "renovated_year", "street_id")
# file field -> building column, where they differ
FIELD_TO_COLUMN = {"district": "district_code", "street": "street_id"}


def district_lookup(conn: Connection) -> dict[str, str]:
    """Every spelling of each district (code, Chinese name, name without 区/县/市, English name) -> code."""
    out: dict[str, str] = {}
    for code, zh, en in conn.execute(text("SELECT code, name_zh, name_en FROM district")):
        for word in (code, zh, en, zh.rstrip("区县市") if len(zh) > 2 else zh, f"{en} district"):
            out.setdefault(norm(word), code)
    return out


def _districts(rows: Rows, findings: Findings, lookup: dict[str, str]) -> pd.Series:
    values = rows.frame["district"] if rows.has("district") else pd.Series([None] * len(rows.frame), dtype=object)
    codes = values.map(lambda v: None if v is None else lookup.get(norm(v)))
    unknown = values.notna().to_numpy() & codes.isna().to_numpy()
    rows.report(findings, unknown, "district", "unknown_district", params=[{"value": str(v)} for v in values[unknown]])
    return codes


def _streets(conn: Connection, rows: Rows, findings: Findings, districts: pd.Series
             ) -> tuple[pd.Series, pd.DataFrame]:
    """Each row's street id; a street the registry lacks gets a negative placeholder id and a row in the returned
    frame of new streets (created before the buildings, ids filled in at write)."""
    n = len(rows.frame)
    new_columns = ["code", "district_code", "name_zh", "name_en", "placeholder"]
    if not rows.has("street"):
        return pd.Series([None] * n, dtype=object), pd.DataFrame(columns=new_columns)
    stored = stored_streets(conn)
    index = street_index(stored)
    code_to_id = dict(zip(stored["code"], stored["id"], strict=True)) if not stored.empty else {}
    taken = set(code_to_id)
    district_names: dict[str, str] = dict(conn.execute(text("SELECT code, name_zh FROM district")).all())
    new: dict[tuple[str, str], list[object]] = {}
    ids: list[object] = []
    for position, (value, district) in enumerate(zip(rows.frame["street"], districts, strict=True)):
        if value is None or district is None:
            ids.append(None)
            continue
        key = (district, street_key(value))
        code = index.get(key) or index.get((district, norm(value)))
        if code is not None:
            ids.append(int(code_to_id[code]))
            continue
        if key not in new:
            code = generated_code(district, str(value), taken, limit=20)
            new[key] = [code, district, str(value), str(value), -(len(new) + 1)]
            findings.note("street_new", **rows.locate(position, "street"), value=str(value), street_code=code,
                          district=district_names.get(district, district))
        ids.append(new[key][4])
    return pd.Series(ids, dtype=object), pd.DataFrame(list(new.values()), columns=new_columns)


def _identify(conn: Connection, rows: Rows, findings: Findings, districts: pd.Series) -> pd.Series:
    """Each row's building code: as written; else the stored building of that district with that name or former
    name; else a generated code (a new building). Same name twice in a district of the store: refused, naming
    both buildings."""
    frame = rows.frame
    n = len(frame)
    given = frame["code"].astype(object) if rows.has("code") else pd.Series([None] * n, dtype=object)
    names = frame["name"].astype(object) if rows.has("name") else pd.Series([None] * n, dtype=object)
    former = frame["former_names"] if rows.has("former_names") else pd.Series([None] * n, dtype=object)
    stored = fetch(conn, "SELECT code, name, district_code, former_names FROM building")
    by_name: dict[tuple[str, str], list[str]] = {}
    for code, name, district, formers in stored.itertuples(index=False, name=None):
        for word in (name, *split_former(formers)):
            hits = by_name.setdefault((district, name_key(word)), [])
            if code not in hits:
                hits.append(code)
    taken = set(stored["code"]) if not stored.empty else set()
    codes: list[object] = []
    lacking = np.zeros(n, dtype=bool)
    ambiguous = np.zeros(n, dtype=bool)
    params = []
    tally = {"by_name": 0, "by_former": 0, "generated": 0}
    for position in range(n):
        code, name, district = given.iat[position], names.iat[position], districts.iat[position]
        if code is not None:
            codes.append(str(code))
            continue
        if name is None or district is None:
            lacking[position] = name is None
            codes.append(None)
            continue
        candidates = by_name.get((district, name_key(name)), [])
        via = "by_name"
        for word in split_former(former.iat[position]) if not candidates else []:
            candidates, via = by_name.get((district, name_key(word)), []), "by_former"
            if candidates:
                break
        if len(candidates) > 1:
            ambiguous[position] = True
            params.append({"value": str(name), "codes": "、".join(candidates)})
            codes.append(None)
        else:
            codes.append(candidates[0] if candidates else generated_code(district, str(name), taken))
            tally[via if candidates else "generated"] += 1
    if any(tally.values()):  # what the preview's new / updated / unchanged rest on, when no code was given
        findings.note("matched_by_name", matched=tally["by_name"] + tally["by_former"], former=tally["by_former"],
                      generated=tally["generated"])
    at = "code" if rows.has("code") else "name"
    rows.report(findings, lacking & ~rows.bad("code") & ~rows.bad("name"), at, "missing_value")
    rows.report(findings, ambiguous, "name", "ambiguous_name", params=params)
    no_district = names.notna().to_numpy() & given.isna().to_numpy() & districts.isna().to_numpy()
    if rows.has("district"):
        rows.report(findings, no_district & rows.missing("district"), "district", "missing_value")
    elif no_district.any():
        rows.missing_column(findings, "district")
    return pd.Series(codes, dtype=object)


def _former_names(rows: Rows, codes: pd.Series, existing: pd.DataFrame) -> list[str]:
    """Former names after this file: the stored ones, the file's, and a stored name the file replaces (so the
    old name keeps matching), never the current name itself."""
    stored = existing.set_index("code") if not existing.empty else None
    frame = rows.frame
    out = []
    for position, code in enumerate(codes):
        parts: list[str] = []
        current = frame["name"].iat[position] if rows.has("name") else None
        if stored is not None and code in stored.index:
            parts += split_former(stored.at[code, "former_names"])
            old = stored.at[code, "name"]
            current = current if current is not None else old
            if name_key(old) != name_key(current):
                parts.append(str(old))
        if rows.has("former_names"):
            parts += split_former(frame["former_names"].iat[position])
        out.append(join_former(p for p in parts if current is None or name_key(p) != name_key(current)))
    return out


def check(conn: Connection, rows: Rows, ctx: Context) -> list[Change]:
    findings: Findings = ctx.findings
    frame = rows.frame
    if not rows.has("code") and not rows.has("name"):
        rows.missing_column(findings, "name")
        return []
    districts = _districts(rows, findings, district_lookup(conn))
    codes = _identify(conn, rows, findings, districts)
    usable = codes.notna().to_numpy()
    duplicates(rows, findings, pd.DataFrame({"code": codes}), "code" if rows.has("code") else "name", usable=usable)
    if rows.has("name"):
        keys = pd.DataFrame({"d": districts, "n": frame["name"].map(lambda v: None if v is None else name_key(v))})
        duplicates(rows, findings, keys, "name", usable=usable)
    existing = fetch_in(conn, f"SELECT id, code, {', '.join(COLUMNS)}, batch_id FROM building WHERE code IN :codes",
                        "codes", codes.dropna().unique().tolist(), bools=BOOLS)
    is_new = ~codes.isin(existing["code"]).to_numpy() & usable
    stored_district = codes.map(existing.set_index("code")["district_code"]) if not existing.empty else districts
    ctx.touched["buildings"] = districts.where(districts.notna(), stored_district)
    if not existing.empty:  # moving a building out of a district touches that district too
        moved = stored_district.notna() & districts.notna() & (stored_district != districts)
        ctx.touched["buildings"] = ctx.touched["buildings"].where(~moved, stored_district)
    for name in FOR_NEW:
        if is_new.any() and not rows.has(name):
            rows.missing_column(findings, name)
        elif rows.has(name):
            rows.require(findings, name, mask=is_new)
    _half_points(rows, findings)
    streets, new_streets = _streets(conn, rows, findings, districts)
    crs = _crs(rows, findings, ctx.options.crs)
    incoming = pd.DataFrame({"code": codes})
    for name in rows.kind.by_name:
        if name in ("code", "crs", "point_code", "designated_on", "former_names") or not rows.has(name):
            continue
        column = FIELD_TO_COLUMN.get(name, name)
        incoming[column] = districts if name == "district" else streets if name == "street" else frame[name]
    if rows.has("name") or rows.has("former_names"):
        incoming["former_names"] = _former_names(rows, codes, existing)
    if "lon" in incoming.columns or "lat" in incoming.columns:
        incoming["crs"] = crs
    _areas(rows, findings, incoming, existing)
    given = frame["code"].notna().to_numpy() if rows.has("code") else np.zeros(len(frame), dtype=bool)
    _same_name(conn, rows, findings, incoming, is_new & given)
    merged = with_stored(incoming, existing, is_new, key="code")
    _inside_city(conn, rows, findings, merged)
    _points_pending(conn, rows, findings, merged, ctx)
    if not findings.ok:
        return []
    pending = merged.reindex(columns=["code", "name", "district_code", "leasable_area_m2"])
    ctx.pending["buildings"] = pending[is_new].copy()
    compare = [c for c in COLUMNS if c in merged.columns]
    shown = ["street"] if rows.has("street") else []
    if shown:
        merged = merged.assign(street=frame["street"].to_numpy())  # the name as written, for the preview
    change = diff(TABLE, merged[["code", *compare, *shown]], existing, ("code",), compare, carry=("batch_id",),
                  show=shown)
    change.new = _with_defaults(change.new)
    points = ctx.pending.get("new_points")
    point_change = empty_change("observation_point", ("code",))
    if points is not None and not points.empty:
        point_change.new = points
    street_change = empty_change("street", ("code",))
    street_change.new = new_streets
    return [change, point_change, street_change]


def _half_points(rows: Rows, findings: Findings) -> None:
    """A longitude without its latitude (or the reverse) places nothing: refused on the row."""
    if not rows.has("lon") and not rows.has("lat"):
        return
    lon = rows.frame["lon"].notna().to_numpy() if rows.has("lon") else np.zeros(len(rows.frame), dtype=bool)
    lat = rows.frame["lat"].notna().to_numpy() if rows.has("lat") else np.zeros(len(rows.frame), dtype=bool)
    for name, has, other in (("lat", lat, lon), ("lon", lon, lat)):
        lacking = other & ~has & ~rows.bad(name)
        if rows.has(name):
            rows.report(findings, lacking, name, "missing_value")
        elif lacking.any():
            rows.missing_column(findings, name)


def _crs(rows: Rows, findings: Findings, declared: str | None) -> pd.Series:
    """Each row's CRS: its own 坐标系 cell, else the CRS declared for the file, else the deployment's default
    (DASHBOARD_IMPORT_CRS, named in a note); coordinates without any of them are refused, never guessed."""
    n = len(rows.frame)
    fallback = CRS_NAMES.lookup.get(norm(declared)) if declared else None
    default = CRS_NAMES.lookup.get(norm(get_settings().import_crs)) if get_settings().import_crs else None
    crs = rows.frame["crs"].astype(object) if rows.has("crs") else pd.Series([None] * n, dtype=object)
    has_point = np.zeros(n, dtype=bool)
    for name in ("lon", "lat"):
        if rows.has(name):
            has_point |= rows.frame[name].notna().to_numpy()
    if fallback is None and default is not None and (has_point & crs.isna().to_numpy()).any():
        fallback = default
        findings.note("crs_default", crs=default)
    crs = crs.where(crs.notna(), fallback)
    crs = crs.where(has_point, None)  # rows without coordinates keep the stored CRS
    lacking = has_point & crs.isna().to_numpy()
    if lacking.any():
        if rows.has("crs"):
            rows.report(findings, lacking & ~rows.bad("crs"), "crs", "crs_missing")
        else:  # once, at the first row with coordinates: the answer is one choice for the whole file
            first = int(np.flatnonzero(lacking)[0])
            findings.error("crs_missing", **rows.locate(first, "lon" if rows.has("lon") else "lat"),
                           rows=int(lacking.sum()))
    return crs


def _areas(rows: Rows, findings: Findings, incoming: pd.DataFrame, existing: pd.DataFrame) -> None:
    if "leasable_area_m2" not in incoming.columns and "gross_area_m2" not in incoming.columns:
        return
    stored = existing.set_index("code") if not existing.empty else None
    def pick(column: str) -> np.ndarray:
        values = incoming[column].astype("float64") if column in incoming.columns else \
            pd.Series(np.nan, index=incoming.index)
        if stored is not None:
            values = values.fillna(incoming["code"].map(stored[column]).astype("float64"))
        return values.to_numpy()
    leasable, gross = pick("leasable_area_m2"), pick("gross_area_m2")
    with np.errstate(invalid="ignore"):
        over = leasable > gross * (1 + 1e-9)
    at = "leasable_area_m2" if rows.has("leasable_area_m2") else "gross_area_m2"
    rows.report(findings, over, at, "leasable_over_gross",
                params=[{"leasable": f"{a:,.0f}", "gross": f"{b:,.0f}"} for a, b in zip(leasable[over], gross[over],
                                                                                      strict=True)])


def _same_name(conn: Connection, rows: Rows, findings: Findings, incoming: pd.DataFrame, is_new: np.ndarray) -> None:
    """A new code whose name is already a building of the same district is a duplicate under another id."""
    if "name" not in incoming.columns or "district_code" not in incoming.columns or not is_new.any():
        return
    stored = fetch(conn, "SELECT code, name, district_code FROM building")
    lookup = {(name, district): code for code, name, district in stored.itertuples(index=False, name=None)}
    hit = np.zeros(len(incoming), dtype=bool)
    params = []
    for position in np.flatnonzero(is_new):
        other = lookup.get((incoming["name"].iat[position], incoming["district_code"].iat[position]))
        if other is not None:
            hit[position] = True
            params.append({"value": str(incoming["name"].iat[position]), "code": str(other)})
    rows.report(findings, hit, "name", "duplicate_building_name", params=params)


def _with_defaults(new: pd.DataFrame) -> pd.DataFrame:
    out = with_defaults(new, DEFAULTS, optional=("street_id", "renovated_year", "year_completed", "lon", "lat",))  # these may stay empty
    if out.empty:
        return out
    for column in INTS:
        out[column] = pd.to_numeric(out[column], errors="coerce").round().astype("Int64")
    return out


def _inside_city(conn: Connection, rows: Rows, findings: Findings, merged: pd.DataFrame) -> None:
    if not (rows.has("lon") and rows.has("lat")):
        return
    lon = pd.to_numeric(merged["lon"], errors="coerce").to_numpy(dtype="float64")
    lat = pd.to_numeric(merged["lat"], errors="coerce").to_numpy(dtype="float64")
    crs = merged["crs"].astype(object).to_numpy() if "crs" in merged.columns else np.full(len(merged), None)
    checkable = ~np.isnan(lon) & ~np.isnan(lat) & (crs != None)  # noqa: E711
    if not checkable.any():
        return
    shapes = city_shape(conn)
    if shapes.empty:
        findings.note("no_boundaries")
        return
    where = shapes.locate(np.where(checkable, lon, np.nan), np.where(checkable, lat, np.nan),
                          np.where(checkable, crs, "GCJ-02"))
    outside = checkable & (where == None)  # noqa: E711
    if outside.any():
        swapped = shapes.locate(lat[outside], lon[outside], crs[outside].astype(object))
        params = [{"lon": f"{x:.6f}", "lat": f"{y:.6f}", "crs": str(c),
                   "hint": "swapped" if s is not None else ""}
                  for x, y, c, s in zip(lon[outside], lat[outside], crs[outside], swapped, strict=True)]
        rows.report(findings, outside, "lon", "outside_city", params=params)
    if "district_code" in merged.columns:
        elsewhere = checkable & ~outside & (where != merged["district_code"].to_numpy())
        elsewhere &= merged["district_code"].notna().to_numpy()
        for position in np.flatnonzero(elsewhere)[:50]:
            findings.note("outside_district", **rows.locate(int(position), "lon"),
                          district=str(merged["district_code"].iat[position]), found=str(where[position]))


def _points_pending(conn: Connection, rows: Rows, findings: Findings, merged: pd.DataFrame,
                    ctx: Context) -> None:
    """Observation points to create for buildings flagged 营商环境观测点 that have none yet."""
    if "is_observation_point" not in merged.columns:
        return
    flagged = merged["is_observation_point"].fillna(False).astype(bool).to_numpy()
    if not flagged.any():
        return
    points = fetch(conn, "SELECT p.code AS point_code, b.code AS building_code FROM observation_point p"
                         " JOIN building b ON b.id = p.building_id")
    has_point = merged["code"].isin(points["building_code"]).to_numpy()
    todo = flagged & ~has_point
    if not todo.any():
        return
    frame = rows.frame
    given = frame["point_code"].astype(object) if rows.has("point_code") else pd.Series([None] * len(frame))
    point_codes = [str(g) if g is not None else f"OP-{c}"[:30] for g, c in zip(given, merged["code"], strict=True)]
    designated = frame["designated_on"] if rows.has("designated_on") else pd.Series([None] * len(frame))
    new = pd.DataFrame({"code": np.array(point_codes, dtype=object)[todo],
                        "building_code": merged["code"].to_numpy()[todo],
                        "designated_on": designated.where(designated.notna(), ctx.today.isoformat()).to_numpy()[todo]})
    clash = new["code"].isin(points["point_code"]).to_numpy() | new["code"].duplicated().to_numpy()
    if clash.any():
        mask = np.zeros(len(frame), dtype=bool)
        mask[np.flatnonzero(todo)[clash]] = True
        rows.report(findings, mask, "point_code" if rows.has("point_code") else "is_observation_point",
                    "duplicate_point_code", params=[{"value": v} for v in new.loc[clash, "code"]])
    ctx.pending["new_points"] = new
    ctx.pending["points"] = new[["code", "building_code"]]


def _create_streets(conn: Connection, streets: Change, change: Change) -> list[str]:
    """Insert the streets the roster named but the registry lacked, and put their ids in place of the negative
    placeholders the check gave the buildings."""
    if streets.new.empty:
        return []
    insert_rows(conn, "street", streets.new, ["code", "district_code", "name_zh", "name_en"])
    ids: dict[str, int] = dict(conn.execute(text("SELECT code, id FROM street")).all())
    real = {int(p): int(ids[c]) for c, p in zip(streets.new["code"], streets.new["placeholder"], strict=True)}
    for frame in (change.new, change.updated):
        if "street_id" in frame.columns and len(frame):
            frame["street_id"] = frame["street_id"].map(
                lambda v: real.get(int(v), v) if v is not None and not pd.isna(v) and int(v) < 0 else v).astype("Int64")
    return streets.new["code"].tolist()


def write(conn: Connection, changes: list[Change], ctx: Context, batch_id: int) -> dict:
    change, points, streets = changes
    created_streets = _create_streets(conn, streets, change)
    new = change.new.drop(columns=["id"], errors="ignore").assign(batch_id=batch_id)
    insert_rows(conn, TABLE, new, ["code", *COLUMNS, "batch_id"])
    columns = [c for c in change.updated.columns if c in COLUMNS]
    if not change.updated.empty:
        update_rows(conn, TABLE, change.updated.assign(batch_id=batch_id), ("code",), [*columns, "batch_id"])
        moved = [code for code, fields in zip(change.updated["code"], change.changed, strict=True)
                 if "district_code" in fields or "street_id" in fields]
        if moved:  # a building that changed district moves its whole history in the district summary
            months = fetch_in(conn, "SELECT DISTINCT m.month FROM building_month m JOIN building b"
                                    " ON b.id = m.building_id WHERE b.code IN :codes", "codes", moved, dates=("month",))
            ctx.months |= set(months["month"]) if not months.empty else set()
    ctx.buildings_changed = not change.new.empty or not change.updated.empty
    created_points: list[str] = []
    if not points.new.empty:
        ids = fetch_in(conn, "SELECT id, code FROM building WHERE code IN :codes", "codes",
                       points.new["building_code"].tolist())
        mapping = dict(zip(ids["code"], ids["id"], strict=True))
        frame = points.new.assign(building_id=points.new["building_code"].map(mapping))
        insert_rows(conn, "observation_point", frame, ["code", "building_id", "designated_on"])
        created_points = frame["code"].tolist()
    payload = replaced_payload(change, [*columns, "batch_id"])
    return {"created": {TABLE: change.counts, "observation_point": {"codes": created_points},
                        "street_new": {"codes": created_streets}},
            "replaced": {TABLE: payload} if payload else {}}


def undo(conn: Connection, created: dict, replaced: dict, batch_id: int) -> set[str]:
    codes = created.get("observation_point", {}).get("codes", [])
    if codes:
        current = fetch_in(conn, "SELECT code FROM observation_point WHERE code IN :codes", "codes", codes)
        if len(current) != len(codes):
            raise UndoConflict("overwritten", table="observation_point", changed=len(codes) - len(current))
        for part in range(0, len(codes), 500):
            from sqlalchemy import bindparam

            conn.execute(text("DELETE FROM observation_point WHERE code IN :codes")
                         .bindparams(bindparam("codes", expanding=True)), {"codes": codes[part:part + 500]})
    payload = replaced.get(TABLE)
    months: set[str] = set()
    if payload and ("district_code" in payload["columns"] or "street_id" in payload["columns"]):
        code_index = payload["columns"].index("code")
        moved = [row[code_index] for row in payload["rows"]]
        found = fetch_in(conn, "SELECT DISTINCT m.month FROM building_month m JOIN building b ON b.id = m.building_id"
                               " WHERE b.code IN :codes", "codes", moved, dates=("month",))
        months = set(found["month"]) if not found.empty else set()
    undo_batch_table(conn, TABLE, batch_id, created.get(TABLE, {}), payload)
    streets = created.get("street_new", {}).get("codes", [])  # created with this roster's buildings
    delete_rows(conn, "street", pd.DataFrame({"code": pd.Series(streets, dtype=object)}), ("code",))
    return months
