"""Builders for the messy files the import tests feed in, and a snapshot of the store to compare before/after."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from shapely.geometry import shape
from sqlalchemy import Engine, func, select

from data_layer import store
from data_layer.demo import load_districts
from data_layer.models import DOMAIN_TABLES, AuditLog, ImportBatch

TODAY = date(2026, 11, 23)  # the date the import tests run "on" (months after it have not ended)
MONTHLY_HEADER = ["楼宇编号", "统计月份", "已入驻面积（㎡）", "可租面积（㎡）", "在楼经营企业数", "注册在楼企业数",
                  "全口径税收（万元）", "从业人员", "新入驻企业数"]


def csv_bytes(rows: Sequence[Sequence[object]], *, encoding: str = "utf-8", title: str | None = None) -> bytes:
    buffer = io.StringIO()
    if title:
        buffer.write(title + "\n")
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list[object]]], *, merges: dict[str, list[str]] | None = None) -> bytes:
    """A workbook; cells that are strings starting with '=' become formulas (as Excel writes them)."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        for cell_range in (merges or {}).get(name, []):
            sheet.merge_cells(cell_range)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def snapshot(engine: Engine) -> tuple[dict[str, int], str]:
    """Row counts of every domain table, the import history and the audit log, plus the store checksum."""
    counts = {}
    with engine.connect() as conn:
        for model in (*DOMAIN_TABLES, ImportBatch, AuditLog):
            table = model.__table__  # type: ignore[attr-defined]
            counts[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
    return counts, store.checksum(engine)


def domain_rows(engine: Engine, *, without: Sequence[str] = ("batch_id",)) -> dict[str, list[tuple]]:
    """Every domain row (primary-key order), leaving out the columns named (e.g. which batch wrote a row)."""
    out = {}
    with engine.connect() as conn:
        for model in DOMAIN_TABLES:
            table = model.__table__  # type: ignore[attr-defined]
            columns = [c for c in table.columns if c.name not in without]
            out[table.name] = list(conn.execute(select(*columns).order_by(*table.primary_key.columns)))
    return out


def inside(code: str) -> tuple[float, float]:
    """A point certainly inside a district's polygon (GCJ-02)."""
    feature = next(f for f in load_districts() if f["properties"]["code"] == code)
    point = shape(feature["geometry"]).representative_point()
    return round(point.x, 6), round(point.y, 6)
