"""Tables the 数据管理 page shows: problems and notes, the change preview, the import history, template columns.
Pure functions of data and language (no st.* calls), so tests can check them; every cell is plain text that the
page hands to st.dataframe (never markup)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd

from data_layer import fmt
from data_layer.i18n import table as i18n_table
from data_layer.i18n import translate
from data_layer.imports import KINDS, Outcome
from data_layer.imports.base import Change
from data_layer.imports.problems import Problem, frame
from data_layer.imports.templates import columns_frame

PREVIEW_ROWS = 200


def kind_label(code: str, lang: str) -> str:
    if code in KINDS:
        return KINDS[code].label(lang)
    if code == "demo":
        return translate("imports.history.demo", lang)
    return translate(f"imports.kind.{code}", lang) if code == "workbook" else code


def table_label(table: str, lang: str) -> str:
    """The table's name for users; tables added later without a label show their code."""
    key = f"imports.table.{table}"
    return translate(key, lang) if key in i18n_table() else table


def findings_table(items: list[Problem], lang: str, *, note: bool = False) -> pd.DataFrame:
    """File, sheet, row, column and the message, with headers in the UI language."""
    out = frame(items, lang)
    out.columns = [translate(f"imports.col.{c}", lang) if not (note and c == "message")
                   else translate("imports.col.note", lang) for c in out.columns]
    return out


def counts_table(outcome: Outcome, lang: str) -> pd.DataFrame:
    rows = [{translate("imports.table", lang): table_label(table, lang),
             **{translate(f"imports.count.{k}", lang): v for k, v in change.counts.items()}}
            for table, change in outcome.changes.items()]
    return pd.DataFrame(rows)


def _field_labels(kind: str, lang: str) -> dict[str, str]:
    """Store column -> the header users know from the template."""
    labels: dict[str, str] = {}
    spec = KINDS.get(kind)
    if spec is None:
        return labels
    rename = {"district": "district_code", "street": "street_id", "code": "code", "plan_code": "plan_code",
              "indicator": "indicator_code", "target": "target_value", "plan_name": "name_zh",
              "plan_name_en": "name_en"}
    for f in spec.fields:
        labels[rename.get(f.name, f.name)] = f.header_zh if lang == "zh" else f.en
    return labels


def _column_labels(kind: str, table: str, columns: list[str], lang: str) -> dict[str, str]:
    """Every shown column -> a header in the UI language: a column of the table's own label first (plan.code
    is the plan's code, not a building's), then the template header, then a label of the store column; a
    column added later without any label shows its name."""
    fields = _field_labels(kind, lang)
    known = i18n_table()
    labels: dict[str, str] = {}
    for column in columns:
        own, common = f"imports.column.{table}.{column}", f"imports.column.{column}"
        if own in known:
            labels[column] = translate(own, lang)
        elif column in fields:
            labels[column] = fields[column]
        elif common in known:
            labels[column] = translate(common, lang)
    return labels


def geometry_summary(geojson: object, lang: str) -> str:
    """'多边形 · 123 个顶点' instead of the GeoJSON itself (a district outline is thousands of numbers).
    Vertices are counted once per ring (a ring's closing point repeats its first)."""
    if not isinstance(geojson, str) or not geojson:
        return ""
    try:
        geometry = json.loads(geojson)
    except ValueError:
        return translate("imports.geometry.unreadable", lang)
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    polygons = {"Polygon": [geometry.get("coordinates") or []],
                "MultiPolygon": geometry.get("coordinates") or []}.get(kind) if kind else None
    if polygons is None:
        return translate("imports.geometry.other", lang, type=str(kind))
    vertices = sum(_ring_vertices(ring) for polygon in polygons for ring in polygon)
    if kind == "Polygon":
        return translate("imports.geometry.polygon", lang, vertices=f"{vertices:,}")
    return translate("imports.geometry.multipolygon", lang, parts=len(polygons), vertices=f"{vertices:,}")


def _ring_vertices(ring: list) -> int:
    closed = len(ring) > 1 and ring[0] == ring[-1]
    return len(ring) - 1 if closed else len(ring)


_BOOL_WORDS = {"zh": ("是", "否"), "en": ("yes", "no")}
_COLUMN_CHOICES = {"district_code": "district", "street_id": "street"}  # store column -> field, where they differ


def _plain_number(value: float | np.floating) -> str:
    """90000.0 -> '90000', 0.125 -> '0.125' (what was typed, not Python's float text)."""
    if fmt.missing(value):
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _human(out: pd.DataFrame, kind: str, lang: str, lookups: Mapping[str, Mapping[object, str]]) -> pd.DataFrame:
    """Codes as their labels (甲级, 已建, district and street names), flags as 是/否, whole floats without '.0';
    blanks stay blank. `lookups`: store column -> {code: name} (districts, streets) from the page."""
    spec = KINDS.get(kind)
    choices = {}
    if spec is not None:
        for f in spec.fields:
            if f.choices is not None:
                choices[f.name] = f.choices
    out = out.copy()
    if "street" in out.columns and "street_id" in out.columns:
        # the street as the file wrote it (a new street has no id yet), under the street column's header
        out = out.drop(columns=["street_id"]).rename(columns={"street": "street_id"})
    for column in out.columns:
        field = _COLUMN_CHOICES.get(column, column)
        series = out[column]
        if column in lookups:
            table = lookups[column]
            out[column] = series.map(lambda v, t=table: None if fmt.missing(v)
                                     else t.get(v, t.get(str(v), v)))
        elif field in choices and column != "crs":
            options = choices[field]
            out[column] = series.map(lambda v, o=options: o.label(v, lang) if v in o.options else v)
        elif pd.api.types.is_bool_dtype(series.dtype) or (series.dtype == object and series.map(
                lambda v: isinstance(v, bool | np.bool_) or v is None).all() and series.notna().any()):
            yes, no = _BOOL_WORDS.get(lang, _BOOL_WORDS["zh"])
            out[column] = series.map(lambda v, yes=yes, no=no: None if v is None else (yes if v else no))
        elif pd.api.types.is_float_dtype(series.dtype) or series.map(lambda v: isinstance(v, float)).any():
            out[column] = series.map(lambda v: _plain_number(v) if isinstance(v, float | np.floating) else v)
    return out


def preview_table(change: Change, kind: str, lang: str, limit: int = PREVIEW_ROWS,
                  lookups: Mapping[str, Mapping[object, str]] | None = None) -> pd.DataFrame:
    """The first changed rows: new ones, then updated ones with the fields that change, in human form."""
    change_col = translate("imports.change", lang)
    fields_col = translate("imports.changed_fields", lang)
    columns = [*change.new.columns, *change.updated.columns, *(c for fields in change.changed for c in fields)]
    labels = _column_labels(kind, change.table, list(dict.fromkeys(columns)), lang)
    parts = []
    if not change.new.empty:
        parts.append(change.new.head(limit).assign(**{change_col: translate("imports.count.new", lang),
                                                      fields_col: ""}))
    room = limit - sum(len(p) for p in parts)
    if room > 0 and not change.updated.empty:
        changed = ["、".join(labels.get(c, c) for c in fields) for fields in change.changed[:room]]
        parts.append(change.updated.head(room).assign(**{change_col: translate("imports.count.updated", lang),
                                                         fields_col: changed}))
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    internal = ("batch_id", "id", "building_id", "point_id", "plan_id")  # ids mean nothing to users; codes do
    out = out.drop(columns=[c for c in out.columns if c.startswith("sentiment_") or c in internal])
    if "geojson" in out.columns:
        out["geojson"] = out["geojson"].map(lambda g: geometry_summary(g, lang))
    out = _human(out.drop(columns=["placeholder"], errors="ignore"), kind, lang, lookups or {})
    ordered = [change_col, *[c for c in out.columns if c not in (change_col, fields_col)], fields_col]
    out = out[ordered].rename(columns=labels)
    return out.astype(object).where(out.notna(), None).astype(str).replace({"None": "", "<NA>": "", "nan": "",
                                                                           "NaN": ""})


HISTORY_COLUMNS = ("id", "kind", "file_name", "user_name", "created_at", "rows_new", "rows_updated",
                   "rows_unchanged", "undone_at", "file_hash")


# Who ran an import and the names of their files identify staff: shown to editors only.
PERSONAL_HISTORY_COLUMNS = ("file_name", "user_name")


def history_table(history: pd.DataFrame, lang: str, *, personal: bool) -> pd.DataFrame:
    """The import history as shown; without the staff names and file names unless `personal` (editors)."""
    out = history[[c for c in HISTORY_COLUMNS if personal or c not in PERSONAL_HISTORY_COLUMNS]].copy()
    out["kind"] = out["kind"].map(lambda k: kind_label(k, lang))
    for column in ("created_at", "undone_at"):
        out[column] = pd.to_datetime(out[column], utc=True, errors="coerce").dt.strftime("%Y-%m-%d %H:%M").fillna("")
    out.columns = [translate(f"imports.history.{c}", lang) for c in out.columns]
    return out


def template_columns(kind: str, lang: str) -> pd.DataFrame:
    out = columns_frame(kind, lang)
    out["need"] = out["need"].map(lambda n: translate(f"imports.need.{n}", lang))
    out.columns = [translate(f"imports.templates.col.{c}", lang) for c in out.columns]
    return out
