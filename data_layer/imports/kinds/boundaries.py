"""District boundaries from a GeoJSON FeatureCollection (district + district_boundary), so that a city other
than the demo's can be mapped. Each feature is one district: properties `code` (or adcode), `name` (or name_zh),
optionally `name_en` and `city`; geometry a Polygon or MultiPolygon. The CRS must be declared: a `crs` member
(e.g. {"type": "name", "properties": {"name": "GCJ-02"}}, or urn:ogc:def:crs:OGC:1.3:CRS84 for WGS-84), or the
CRS chosen for the file on the page or the command line."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity
from sqlalchemy import Connection

from data_layer.imports.base import Change, Rows, delete_rows, diff, fetch, insert_rows, update_rows
from data_layer.imports.fields import BOUNDARIES, CRS_NAMES
from data_layer.imports.geo import CityShape
from data_layer.imports.kinds.common import duplicates, replaced_payload, undo_batch_table
from data_layer.imports.problems import Findings
from data_layer.imports.reader import decode_reported
from data_layer.imports.values import norm

if TYPE_CHECKING:  # the pipeline imports the kinds: only the type checker reads this import
    from data_layer.imports.pipeline import Context, Options

PROPERTY_NAMES = {"code": ("code", "adcode", "district_code", "区划代码", "id"),
                  "name_zh": ("name_zh", "name", "名称", "district", "区名"),
                  "name_en": ("name_en", "english_name", "英文名称"),
                  "city": ("city", "所属城市", "城市")}
SHEET = "features"


def _declared_crs(collection: dict, option: str | None, findings: Findings) -> str | None:
    member = collection.get("crs")
    if isinstance(member, dict):
        member = (member.get("properties") or {}).get("name") or member.get("name")
    if member is None and isinstance(collection.get("properties"), dict):
        member = collection["properties"].get("crs")
    if member is not None:
        code = CRS_NAMES.lookup.get(norm(member))
        if code is None:
            findings.error("unknown_crs", value=str(member)[:60])
        return code
    if option:
        code = CRS_NAMES.lookup.get(norm(option))
        if code is None:  # the pipeline refuses it first; kept so this parser never yields a CRS-less frame
            findings.error("unknown_crs_option", value=str(option)[:60])
        return code
    findings.error("crs_missing_geojson")
    return None


def read_json(data: bytes, findings: Findings) -> tuple[object] | None:
    """A GeoJSON file's parsed JSON (any encoding the reader knows) as a 1-tuple (a file may hold `null`), or None
    with the problem reported."""
    decoded = decode_reported(data, findings)
    if decoded is None:
        return None
    try:
        return (json.loads(decoded[0]),)
    except (json.JSONDecodeError, RecursionError) as exc:
        findings.error("bad_json", detail=str(exc)[:120])
        return None


def parse(file_name: str, data: bytes, options: Options, findings: Findings) -> Rows | None:
    parsed = read_json(data, findings)
    if parsed is None:
        return None
    collection = parsed[0]
    if isinstance(collection, dict) and collection.get("type") == "Feature":
        collection = {"type": "FeatureCollection", "features": [collection], "crs": collection.get("crs")}
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        findings.error("not_feature_collection")
        return None
    crs = _declared_crs(collection, options.crs, findings)
    source = str(collection.get("name") or file_name)[:200]
    records = []
    for number, feature in enumerate(collection["features"], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        record: dict[str, object] = {"_sheet": SHEET, "_row": number}
        for field, keys in PROPERTY_NAMES.items():
            value = next((props[k] for k in keys if props.get(k) not in (None, "")), None)
            record[field] = None if value is None else str(value).strip()[:200]
        record["source"] = str(props.get("source") or source)[:200]
        record["geojson"], record["_geometry_problem"] = _geometry(feature)
        records.append(record)
    frame = pd.DataFrame(records, columns=["_sheet", "_row", *PROPERTY_NAMES, "source", "geojson",
                                           "_geometry_problem"])
    frame["crs"] = crs
    where = {(SHEET, name): (keys[0], "") for name, keys in PROPERTY_NAMES.items()}
    where[(SHEET, "geometry")] = ("geometry", "")
    rows = Rows(kind=BOUNDARIES, frame=frame, present=set(PROPERTY_NAMES) | {"geometry"}, where=where)
    for position, problem in enumerate(frame["_geometry_problem"]):
        if problem:
            findings.error(problem[0], **rows.locate(position, "geometry"), **problem[1])
    for name, limit in (("code", 12), ("name_zh", 40), ("name_en", 60), ("city", 40)):
        long = frame[name].map(lambda v, lim=limit: isinstance(v, str) and len(v) > lim).to_numpy(dtype=bool)
        rows.report(findings, long, name, "too_long", limit=limit)
    if not len(frame):
        findings.error("no_features")
    return rows


def _geometry(feature: object) -> tuple[str | None, tuple[str, dict] | None]:
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        return None, ("not_polygon", {"value": str(kind)})
    try:
        shp = shape(geometry)
    except Exception as exc:
        return None, ("invalid_geometry", {"detail": type(exc).__name__})
    if shp.is_empty:
        return None, ("invalid_geometry", {"detail": "empty"})
    x0, y0, x1, y1 = shp.bounds
    if x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90:
        return None, ("coords_out_of_range", {})
    if not shp.is_valid:
        return None, ("invalid_geometry", {"detail": explain_validity(shp)[:80]})
    return json.dumps(geometry, separators=(",", ":"), ensure_ascii=False), None


def check(conn: Connection, rows: Rows, ctx: Context) -> list[Change]:
    findings: Findings = ctx.findings
    if rows is None:
        return []
    frame = rows.frame
    usable = ~rows.require(findings, "code") & ~rows.require(findings, "name_zh")
    ctx.touched["boundaries"] = frame["code"].astype(object)
    duplicates(rows, findings, frame[["code"]], "code", usable=usable)
    if not findings.ok:
        return []
    stored = fetch(conn, "SELECT code, name_zh, name_en, city FROM district")
    city_default = stored["city"].mode().iat[0] if not stored.empty else ""
    districts = pd.DataFrame({"code": frame["code"], "name_zh": frame["name_zh"],
                              "name_en": frame["name_en"].where(frame["name_en"].notna(), frame["name_zh"]),
                              "city": frame["city"]})
    if not stored.empty:
        known_city = districts["code"].map(stored.set_index("code")["city"])
        districts["city"] = districts["city"].where(districts["city"].notna(), known_city)
    districts["city"] = districts["city"].fillna(city_default)
    district_change = diff("district", districts, stored, ("code",), ("name_zh", "name_en", "city"))
    boundaries = pd.DataFrame({"district_code": frame["code"], "crs": frame["crs"], "geojson": frame["geojson"],
                               "source": frame["source"]})
    stored_b = fetch(conn, "SELECT district_code, crs, geojson, source, batch_id FROM district_boundary")
    boundary_change = diff("district_boundary", boundaries, stored_b, ("district_code",), ("crs", "geojson", "source"),
                           carry=("batch_id",))
    _buildings_outside(conn, findings, boundaries)
    return [district_change, boundary_change]


def _buildings_outside(conn: Connection, findings: Findings, boundaries: pd.DataFrame) -> None:
    """A note when stored buildings fall outside every new polygon (a wrong file or a wrong CRS)."""
    buildings = fetch(conn, "SELECT lon, lat, crs FROM building")
    if buildings.empty:
        return
    polygons = {}
    for code, crs, geojson in boundaries[["district_code", "crs", "geojson"]].itertuples(index=False, name=None):
        geometry = shape(json.loads(geojson))
        shapely.prepare(geometry)
        polygons[code] = (crs, geometry)
    located = CityShape(polygons).locate(buildings["lon"].to_numpy(dtype="float64"),
                                         buildings["lat"].to_numpy(dtype="float64"),
                                         buildings["crs"].fillna("GCJ-02").to_numpy(dtype=object))
    outside = int(np.sum(located == None))  # noqa: E711
    if outside:
        findings.note("buildings_outside_new", count=outside, total=len(buildings))


def write(conn: Connection, changes: list[Change], ctx: Context, batch_id: int) -> dict:
    if not changes:
        return {}
    district_change, boundary_change = changes
    insert_rows(conn, "district", district_change.new, ["code", "name_zh", "name_en", "city"])
    update_rows(conn, "district", district_change.updated, ("code",),
                [c for c in ("name_zh", "name_en", "city") if c in district_change.updated.columns])
    insert_rows(conn, "district_boundary", boundary_change.new.assign(batch_id=batch_id),
                ["district_code", "crs", "geojson", "source", "batch_id"])
    update_rows(conn, "district_boundary", boundary_change.updated.assign(batch_id=batch_id), ("district_code",),
                ["crs", "geojson", "source", "batch_id"])
    payload = replaced_payload(boundary_change, ["crs", "geojson", "source", "batch_id"])
    return {"created": {"district": {**district_change.counts,
                                     "codes": district_change.new["code"].tolist() if len(district_change.new) else []},
                        "district_boundary": boundary_change.counts},
            "replaced": {"district": replaced_payload(district_change, ["name_zh", "name_en", "city"]),
                         "district_boundary": payload}}


def undo(conn: Connection, created: dict, replaced: dict, batch_id: int) -> set[str]:
    undo_batch_table(conn, "district_boundary", batch_id, created.get("district_boundary", {}),
                     replaced.get("district_boundary"))
    old = replaced.get("district") or {}
    if old:
        frame = pd.DataFrame(old["rows"], columns=old["columns"])
        update_rows(conn, "district", frame, ("code",), [c for c in old["columns"] if c != "code"])
    codes = created.get("district", {}).get("codes", [])
    delete_rows(conn, "district", pd.DataFrame({"code": codes}), ("code",))
    return set()
