"""Streets and towns (街道 / 镇) of each district: the registry street scopes, street sums and the monthly street
ranking need. A row names its district and the street; its 统计用区划代码 is optional. A row matches a stored
street by code, else by (district, name with or without its 街道/镇 suffix); a new street without a code gets a
generated one (data_layer.imports.identity). Re-importing the same registry changes nothing.

street carries no batch column, so this kind keeps the codes it created and the names it replaced in the
import's audit row (as plans do); undo is refused while buildings stand in a street it would delete."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from data_layer.imports.base import Change, Rows, delete_rows, diff, insert_rows, update_rows
from data_layer.imports.identity import generated_code, stored_streets, street_index, street_key
from data_layer.imports.kinds.buildings import district_lookup
from data_layer.imports.kinds.common import duplicates, replaced_payload
from data_layer.imports.problems import Findings
from data_layer.imports.values import norm

TABLE = "street"
COLUMNS = ("district_code", "name_zh", "name_en")


def check(conn: Connection, rows: Rows, ctx) -> list[Change]:  # type: ignore[no-untyped-def]
    findings: Findings = ctx.findings
    frame = rows.frame
    for name in ("district", "name"):
        if not rows.has(name):
            rows.missing_column(findings, name)
    if not findings.ok:
        return []
    usable = ~rows.require(findings, "district") & ~rows.require(findings, "name")
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
    english = frame["name_en"] if rows.has("name_en") else pd.Series([None] * len(frame), dtype=object)
    incoming["name_en"] = english.where(english.notna(), None)
    if not stored.empty:  # a blank English name keeps the stored one
        incoming["name_en"] = incoming["name_en"].fillna(incoming["code"].map(stored.set_index("code")["name_en"]))
    incoming["name_en"] = incoming["name_en"].fillna(incoming["name_zh"])
    moved = incoming["code"].map(stored.set_index("code")["district_code"]) if not stored.empty else None
    if moved is not None:
        other = (moved.notna() & (moved != incoming["district_code"])).to_numpy()
        rows.report(findings, other, "district", "street_other_district",
                    params=[{"value": str(c), "district": str(d)} for c, d in zip(incoming["code"][other],
                                                                                    moved[other], strict=True)])
    if not findings.ok:
        return []
    return [diff(TABLE, incoming, stored, ("code",), COLUMNS)]


def new_streets_frame(change: Change) -> pd.DataFrame:
    return change.new[["code", "district_code", "name_zh", "name_en"]] if not change.new.empty else change.new


def write(conn: Connection, changes: list[Change], ctx, batch_id: int) -> dict:  # type: ignore[no-untyped-def]
    change = changes[0]
    insert_rows(conn, TABLE, new_streets_frame(change), ["code", *COLUMNS])
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
