"""City-wide tax per month (city_month), the denominator of "building tax as a share of city tax"."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Connection

from data_layer.imports.base import Change, Rows, diff, fetch_in
from data_layer.imports.kinds.common import duplicates, months_of, required_columns, undo_batch_table, write_batch
from data_layer.imports.kinds.monthly import _future_months

if TYPE_CHECKING:  # the pipeline imports the kinds: only the type checker reads this import
    from data_layer.imports.pipeline import Context

CITY_WIDE = "*city*"  # data_layer.imports.pipeline.CITY_WIDE (the pipeline imports the kinds, not the reverse)

TABLE = "city_month"
KEY = ("month",)
MEASURES = ("city_tax_10k",)


def check(conn: Connection, rows: Rows, ctx: Context) -> list[Change]:
    findings = ctx.findings
    usable = required_columns(rows, findings, ("month", "city_tax_10k"))
    if usable is None:
        return []
    ctx.touched["city"] = pd.Series([CITY_WIDE] * len(rows.frame), dtype=object)
    _future_months(rows, findings, rows.frame["month"], ctx.today)
    duplicates(rows, findings, rows.frame[["month"]], "month", usable=usable)
    if not findings.ok:
        return []
    incoming = pd.DataFrame({"month": rows.frame["month"].astype(object),
                             "city_tax_10k": rows.frame["city_tax_10k"].astype("float64")})
    existing = fetch_in(conn, "SELECT month, city_tax_10k, batch_id FROM city_month WHERE month IN :months", "months",
                        sorted(incoming["month"].unique()), dates=("month",))
    return [diff(TABLE, incoming, existing, KEY, MEASURES, carry=("batch_id",))]


def write(conn: Connection, changes: list[Change], ctx: Context, batch_id: int) -> dict:
    change = changes[0]
    ctx.months |= months_of(change.new) | months_of(change.updated)  # summaries that read city tax, if any
    return write_batch(conn, TABLE, change, batch_id, key=KEY, columns=MEASURES)


def undo(conn: Connection, created: dict, replaced: dict, batch_id: int) -> set[str]:
    undo_batch_table(conn, TABLE, batch_id, created.get(TABLE, {}), replaced.get(TABLE))
    return set()
