"""Enterprises (the enterprise table, 一企一档), keyed by 统一社会信用代码. A code that fails GB 32100-2015 (length,
characters, division digits, check character) is refused at its row and column. A row whose code is new creates
an enterprise and needs a name; a row whose code exists updates it, and a blank cell keeps what is stored."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from data_layer import credit_code, fmt
from data_layer.imports.base import Change, Rows, diff, fetch_in, sync_sequences
from data_layer.imports.kinds.common import duplicates, undo_batch_table, with_defaults, with_stored, write_batch
from data_layer.imports.problems import Findings

if TYPE_CHECKING:  # the pipeline imports the kinds: only the type checker reads this import
    from data_layer.imports.pipeline import Context

TABLE = "enterprise"
KEY = ("credit_code",)
COLUMNS = ("name", "industry", "size_band", "is_headquarters", "tax_year", "tax_10k")
DEFAULTS: dict[str, object] = {"industry": "general", "size_band": "small", "is_headquarters": False}


def credit_codes(rows: Rows, findings: Findings) -> tuple[pd.Series, np.ndarray]:
    """Each row's credit code, normalised (full-width folded, capitals), and which rows hold a valid one;
    invalid ones are reported at the credit-code column with the reason. Shared with the tenancies kind."""
    raw = rows.frame["credit_code"] if rows.has("credit_code") else pd.Series([None] * len(rows.frame), dtype=object)
    codes = raw.map(lambda v: None if fmt.missing(v) else credit_code.normalise(v)).astype(object)
    problems = codes.map(lambda v: None if v is None else credit_code.problem(v))
    for code in ("credit_length", "credit_characters", "credit_division", "credit_check"):
        mask = (problems == code).to_numpy()
        rows.report(findings, mask, "credit_code", code, params=[{"value": str(v)[:40]} for v in codes[mask]])
    valid = codes.notna().to_numpy() & problems.isna().to_numpy()
    return codes, valid


def check(conn: Connection, rows: Rows, ctx: Context) -> list[Change]:
    findings: Findings = ctx.findings
    if not rows.has("credit_code"):
        rows.missing_column(findings, "credit_code")
        return []
    frame = rows.frame
    rows.require(findings, "credit_code")
    codes, valid = credit_codes(rows, findings)
    duplicates(rows, findings, pd.DataFrame({"credit_code": codes}), "credit_code", usable=valid)
    existing = fetch_in(conn, f"SELECT id, credit_code, {', '.join(COLUMNS)}, batch_id FROM enterprise"
                              " WHERE credit_code IN :codes", "codes", codes[valid].unique().tolist(),
                        bools=("is_headquarters",))
    is_new = ~codes.isin(existing["credit_code"]).to_numpy() & valid
    if is_new.any() and not rows.has("name"):
        rows.missing_column(findings, "name")
    elif rows.has("name"):
        rows.require(findings, "name", mask=is_new)
    if not findings.ok:
        return []
    incoming = pd.DataFrame({"credit_code": codes})
    for name in COLUMNS:
        if rows.has(name):
            incoming[name] = frame[name].to_numpy()
    merged = with_stored(incoming, existing, is_new, key="credit_code")
    ctx.pending["enterprises"] = set(codes[is_new])
    compare = [c for c in COLUMNS if c in merged.columns]
    change = diff(TABLE, merged[["credit_code", *compare]], existing, KEY, compare, carry=("batch_id",))
    change.new = _with_defaults(change.new)
    return [change]


def _with_defaults(new: pd.DataFrame) -> pd.DataFrame:
    out = with_defaults(new, DEFAULTS, optional=("tax_year", "tax_10k",))  # these may stay empty
    if out.empty:
        return out
    out["tax_year"] = pd.to_numeric(out["tax_year"], errors="coerce").round().astype("Int64")
    out["tax_10k"] = pd.to_numeric(out["tax_10k"], errors="coerce").astype("float64")
    return out


def write(conn: Connection, changes: list[Change], ctx: Context, batch_id: int) -> dict:
    change = changes[0]
    sync_sequences(conn, ("enterprise",))  # the demo build writes explicit ids
    given = [c for c in COLUMNS if c in change.updated.columns]  # a file may leave optional columns out
    return write_batch(conn, TABLE, change, batch_id, key=KEY, columns=COLUMNS, update_columns=given)


def undo(conn: Connection, created: dict, replaced: dict, batch_id: int) -> set[str]:
    """Deleting an enterprise a later tenancy refers to fails on the foreign key: undo_batch refuses then."""
    undo_batch_table(conn, TABLE, batch_id, created.get(TABLE, {}), replaced.get(TABLE))
    return set()
