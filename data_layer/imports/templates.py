"""Templates to fill in: Chinese headers, one example row, and (in the workbook) a sheet explaining each column.
Written from the same field specs the importer reads, so an unedited template imports into the demo city."""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd

from data_layer.export import to_csv_bytes
from data_layer.imports.fields import KINDS, TABULAR, Field, Kind
from data_layer.periods import add_months, last_full_month

INSTRUCTIONS_SHEET = "填写说明"  # skipped by the importer
INDICATORS_SHEET = "填写说明-指标"  # the plans template's list of indicators (skipped too: its name says 填写说明)
_UNIT_ZH = {"pct": "%", "10k_yuan": "万元", "count": "个", "m2": "㎡"}
_DIRECTION_ZH = {"higher": "越高越好", "lower": "越低越好"}
_COMPARATOR_ZH = {">=": "≥（不低于）", ">": ">（超过）", "<=": "≤（不超过）", "<": "<（低于）"}


def _example(spec: Field, today: date) -> object:
    """The example cell, with dates and years that are valid relative to `today`."""
    month = last_full_month(today)
    day = add_months(month, 0).replace(day=15)
    dynamic = {"month": f"{month.year}年{month.month}月", "submitted_on": day.isoformat(),
               "opened_on": month.replace(day=3).isoformat(), "due_on": add_months(month, 1).replace(day=2).isoformat(),
               "closed_on": month.replace(day=21).isoformat(), "designated_on": date(month.year, 1, 15).isoformat(),
               "start_year": today.year, "end_year": today.year + 2, "year": today.year,
               "plan_code": f"GZ-{today.year}-{today.year + 2}",
               "plan_name": f"楼宇经济三年行动计划（{today.year}-{today.year + 2}年）",
               "plan_name_en": f"Building economy three-year plan ({today.year}-{today.year + 2})"}
    return dynamic.get(spec.name, spec.example)


def template_frame(kind: str, today: date) -> pd.DataFrame:
    spec = KINDS[kind]
    return pd.DataFrame([[_example(f, today) for f in spec.fields]], columns=[f.header_zh for f in spec.fields])


def columns_frame(kind: str, lang: str) -> pd.DataFrame:
    """One row per column: header, English header, whether required, unit or options, and the example."""
    spec = KINDS[kind]
    rows = []
    for f in spec.fields:
        need = "always" if f.required else ("new" if f.for_new else "optional")
        options = "、".join(w[0] for w in f.choices.options.values()) if f.choices and lang == "zh" else \
            ", ".join(w[1] for w in f.choices.options.values()) if f.choices else f.unit
        rows.append({"header": f.header_zh, "english": f.en, "need": need, "values": options,
                     "example": str(f.example)})
    return pd.DataFrame(rows)


_NEED_ZH = {"always": "必填", "new": "新建时必填", "optional": "选填"}


def _write_sheet(writer: pd.ExcelWriter, kind: Kind, today: date) -> None:
    frame = template_frame(kind.code, today)
    frame.to_excel(writer, index=False, sheet_name=kind.zh[:31])
    sheet = writer.sheets[kind.zh[:31]]
    for index, column in enumerate(frame.columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(12, len(column) * 2 + 2)


def template_xlsx(kind: str, today: date) -> bytes:
    """An Excel template; `workbook` gives one sheet per kind of table."""
    kinds = [KINDS[k] for k in TABULAR] if kind == "workbook" else [KINDS[kind]]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for spec in kinds:
            _write_sheet(writer, spec, today)
        notes = pd.concat([columns_frame(spec.code, "zh").assign(sheet=spec.zh) for spec in kinds], ignore_index=True)
        notes["need"] = notes["need"].map(_NEED_ZH)
        notes = notes[["sheet", "header", "english", "need", "values", "example"]]
        notes.columns = ["工作表", "表头", "英文表头（也可使用）", "是否必填", "单位/可选值", "示例"]
        notes.to_excel(writer, index=False, sheet_name=INSTRUCTIONS_SHEET)
        if any(spec.code == "plans" for spec in kinds):
            indicators_frame().to_excel(writer, index=False, sheet_name=INDICATORS_SHEET)
    return buffer.getvalue()


def indicators_frame() -> pd.DataFrame:
    """Every indicator a plan may name: code, Chinese and English name, unit, direction, default comparator."""
    from data_layer.indicators import REGISTRY

    rows = [{"指标代码": i.code, "指标名称": i.name_zh, "英文名称": i.name_en, "单位": _UNIT_ZH.get(i.unit, i.unit),
             "方向": _DIRECTION_ZH.get(i.direction, i.direction),
             "默认比较方式": _COMPARATOR_ZH.get(i.comparator, i.comparator)} for i in REGISTRY]
    return pd.DataFrame(rows)


def template_csv(kind: str, today: date) -> bytes:
    """A CSV template (UTF-8 with BOM so Excel shows the Chinese headers)."""
    return to_csv_bytes(template_frame(kind, today))


def template_geojson() -> bytes:
    """A one-district example with the CRS declared (a small square in Tianhe, GCJ-02)."""
    ring = [[113.30, 23.11], [113.36, 23.11], [113.36, 23.15], [113.30, 23.15], [113.30, 23.11]]
    collection = {
        "type": "FeatureCollection", "name": "示例区界",
        "crs": {"type": "name", "properties": {"name": "GCJ-02"}},
        "features": [{"type": "Feature",
                      "properties": {"code": "440106", "name": "天河区", "name_en": "Tianhe", "city": "广州市"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8")


def template_bytes(kind: str, fmt: str, today: date) -> bytes:
    """fmt: xlsx, csv or geojson (boundaries)."""
    if kind == "boundaries":
        return template_geojson()
    if fmt == "csv":
        if kind == "workbook":
            raise ValueError("a workbook template is XLSX only")
        return template_csv(kind, today)
    return template_xlsx(kind, today)
