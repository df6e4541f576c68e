"""Streets and towns (街道 / 镇) of each district: the registry street scopes, street sums and the monthly street
ranking need. A row names its district and the street; its 统计用区划代码 is optional; so is its outline, given
as a GeoJSON FeatureCollection (properties district / name / code, Polygon or MultiPolygon geometry, the CRS
declared in the file or chosen for it, as for district boundaries). A row matches a stored
street by code, else by (district, name with or without its 街道/镇 suffix); a new street without a code gets a
generated one (data_layer.imports.identity). Re-importing the same registry changes nothing.

street carries no batch column, so this kind keeps the codes it created and the names it replaced in the
import's audit row (as plans do); undo is refused while buildings stand in a street it would delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from data_layer.imports.base import Change, Rows, delete_rows, diff, insert_rows, update_rows
from data_layer.imports.identity import generated_code, stored_streets, street_index, street_key
from data_layer.imports.kinds.buildings import district_lookup
from data_layer.imports.kinds.common import duplicates, replaced_payload, required_columns
from data_layer.imports.problems import Findings
from data_layer.imports.values import norm

if TYPE_CHECKING:  # the pipeline imports the kinds: only the type checker reads this import
    from data_layer.imports.pipeline import Context, Options

TABLE = "street"
COLUMNS = ("district_code", "name_zh", "name_en", "geojson", "crs")
GEOJSON_PROPERTIES = {"district": ("district", "所属区", "district_code", "区", "区划代码"),
                      "name": ("name", "name_zh", "街道名称", "街道", "名称"),
                      "code": ("code", "town_code", "统计用区划代码", "街道代码"),
                      "name_en": ("name_en", "英文名称")}


def parse_geojson(file_name: str, data: bytes, options: Options, findings: Findings) -> Rows | None:
    """A streets FeatureCollection as the rows of this kind, with each outline (checked as district outlines are)."""
    from data_layer.imports.fields import STREETS
    from data_layer.imports.kinds.boundaries import SHEET, _declared_crs, _geometry, read_json

    parsed = read_json(data, findings)
    if parsed is None:
        return None
    collection = parsed[0]
    if not isinstance(collection, dict) or not isinstance(collection.get("features"), list):
        findings.error("not_feature_collection")
        return None
    crs = _declared_crs(collection, options.crs, findings)
    records = []
    for number, feature in enumerate(collection["features"], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        record: dict[str, object] = {"_sheet": SHEET, "_row": number}
        for field, keys in GEOJSON_PROPERTIES.items():
            value = next((props[k] for k in keys if props.get(k) not in (None, "")), None)
            record[field] = None if value is None else str(value).strip()[:60]
        record["geojson"], record["_geometry_problem"] = _geometry(feature)
        records.append(record)
    frame = pd.DataFrame(records, columns=["_sheet", "_row", *GEOJSON_PROPERTIES, "geojson", "_geometry_problem"])
    frame["crs"] = crs
    where = {(SHEET, name): (keys[0], "") for name, keys in GEOJSON_PROPERTIES.items()}
    where[(SHEET, "geometry")] = ("geometry", "")
    rows = Rows(kind=STREETS, frame=frame, present=set(GEOJSON_PROPERTIES) | {"geometry"}, where=where)
    for position, problem in enumerate(frame["_geometry_problem"]):
        if problem:
            findings.error(problem[0], **rows.locate(position, "geometry"), **problem[1])
    if not len(frame):
        findings.error("no_features")
    return rows


def check(conn: Connection, rows: Rows, ctx: Context) -> list[Change]:
    findings: Findings = ctx.findings
    frame = rows.frame
    usable = required_columns(rows, findings, ("district", "name"))
    if usable is None:
        return []
    lookup = district_lookup(conn)
    districts = frame["district"].map(lambda v: None if v is None else lookup.get(norm(v)))
    unknown = frame["district"].notna().to_numpy() & districts.isna().to_numpy()
    rows.report(findings, unknown, "district", "unknown_district",
                params=[{"value": str(v)} for v in frame["district"][unknown]])
    ctx.touched["streets"] = districts
    keys = pd.DataFrame({"d": districts, "n": frame["name"].map(lambda v: None if v is None else street_key(v))})
    duplicates(rows, findings, keys, "name", usable=usable & ~unknown)
    if not findings.ok:
        return []
    stored = stored_streets(conn)
    index = street_index(stored)
    by_code = set(stored["code"]) if not stored.empty else set()
    taken = set(by_code)
    given = frame["code"] if rows.has("code") else pd.Series([None] * len(frame), dtype=object)
    codes = []
    for position, (district, name, code) in enumerate(zip(districts, frame["name"], given, strict=True)):
        if code is not None and str(code) in by_code:
            codes.append(str(code))
            continue
        known = index.get((district, street_key(name)))
        if known is not None:
            if code is not None and str(code) != known:
                findings.note("street_code_kept", **rows.locate(position, "code"), value=str(code), street_code=known)
            codes.append(known)
        elif code is not None:
            taken.add(str(code))
            codes.append(str(code))
        else:
            codes.append(generated_code(district, str(name), taken, limit=20))
    incoming = pd.DataFrame({"code": codes, "district_code": districts, "name_zh": frame["name"]})
    if not stored.empty:  # '猎德' for the registered '猎德街道' is the same name written shorter: no rename
        registered = incoming["code"].map(stored.set_index("code")["name_zh"])
        same = [r is not None and not pd.isna(r) and street_key(r) == street_key(n)
                for r, n in zip(registered, incoming["name_zh"], strict=True)]
        incoming["name_zh"] = incoming["name_zh"].where(~np.array(same, dtype=bool), registered)
    english = frame["name_en"] if rows.has("name_en") else pd.Series([None] * len(frame), dtype=object)
    incoming["name_en"] = english.where(english.notna(), None)
    if not stored.empty:  # a blank English name keeps the stored one
        incoming["name_en"] = incoming["name_en"].fillna(incoming["code"].map(stored.set_index("code")["name_en"]))
    incoming["name_en"] = incoming["name_en"].fillna(incoming["name_zh"])
    if "geojson" in frame.columns:  # a GeoJSON file: each street's outline and its CRS
        incoming["geojson"] = frame["geojson"].to_numpy()
        incoming["crs"] = frame["crs"].to_numpy()
    moved = incoming["code"].map(stored.set_index("code")["district_code"]) if not stored.empty else None
    if moved is not None:
        other = (moved.notna() & (moved != incoming["district_code"])).to_numpy()
        rows.report(findings, other, "district", "street_other_district",
                    params=[{"value": str(c), "district": str(d)} for c, d in zip(incoming["code"][other],
                                                                                    moved[other], strict=True)])
    if not findings.ok:
        return []
    return [diff(TABLE, incoming, stored, ("code",), COLUMNS)]


def write(conn: Connection, changes: list[Change], ctx: Context, batch_id: int) -> dict:
    change = changes[0]
    insert_rows(conn, TABLE, change.new, ["code", *[c for c in COLUMNS if c in change.new.columns]])
    columns = [c for c in change.updated.columns if c in COLUMNS]
    update_rows(conn, TABLE, change.updated, ("code",), columns)
    return {"created": {TABLE: {**change.counts, "codes": change.new["code"].tolist() if len(change.new) else []}},
            "replaced": {TABLE: replaced_payload(change, columns)}}


def undo(conn: Connection, created: dict, replaced: dict, batch_id: int) -> set[str]:
    old = replaced.get(TABLE) or {}
    if old:
        frame = pd.DataFrame(old["rows"], columns=old["columns"])
        update_rows(conn, TABLE, frame, ("code",), [c for c in old["columns"] if c != "code"])
    codes = created.get(TABLE, {}).get("codes", [])
    delete_rows(conn, TABLE, pd.DataFrame({"code": np.array(codes, dtype=object)}), ("code",))
    return set()
