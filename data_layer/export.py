"""Downloads of tables as CSV (UTF-8 with BOM, so Excel shows Chinese) and XLSX, with formula injection
neutralised: a cell that starts with =, +, -, @ (or a tab / carriage return) is prefixed with an apostrophe so a
spreadsheet shows it as text instead of running it. Numbers stay numbers."""

from __future__ import annotations

import io

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Escape one cell: only text that a spreadsheet would read as a formula is changed."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and column names) cannot run as formulas."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, *, sheet_name: str = "data") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe_frame(frame).to_excel(writer, index=False, sheet_name=sheet_name[:31])
    return buffer.getvalue()


def to_xlsx_sheets(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One workbook with a sheet per frame, in the order given (e.g. the filters a list was made with, then the
    list), every sheet escaped like `to_xlsx_bytes`."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe_frame(frame).to_excel(writer, index=False, sheet_name=name[:31])
    return buffer.getvalue()
