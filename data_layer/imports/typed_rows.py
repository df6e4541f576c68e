"""From a sheet and its header to typed rows: blank and total rows skipped with a note, every mapped column
parsed by its type, and each cell that cannot be read reported at its row and column."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from data_layer import fmt
from data_layer.imports.base import Rows
from data_layer.imports.fields import Field, Kind
from data_layer.imports.problems import Findings, row_ranges
from data_layer.imports.reader import Header, RawSheet, column_letter
from data_layer.imports.values import (
    Column,
    canonical_unit,
    header_factor,
    parse_bool,
    parse_choice,
    parse_date,
    parse_month,
    parse_number,
    parse_text,
    per_unique,
)

_TOTAL = re.compile(r"^\s*(?:全市|全区|本月|本期|各区|总)?\s*(?:合\s*计|总\s*计|小\s*计)|^\s*(?:sub)?total\b|^\s*sum\s*$",
                    re.IGNORECASE)
NUMBER_KINDS = {"money": "money", "area": "area", "pct": "pct", "count": "count", "year": "year",
                "degree": "degree"}


def _parse(spec: Field, raw: pd.Series, unit: str) -> Column:
    if spec.type in NUMBER_KINDS:
        return parse_number(raw, kind=NUMBER_KINDS[spec.type], header_unit=unit,
                            integer=spec.type in ("count", "year"))
    if spec.type == "month":
        return parse_month(raw)
    if spec.type == "date":
        return parse_date(raw)
    if spec.type == "bool":
        return parse_bool(raw)
    if spec.type == "choice" and spec.choices is not None:
        return parse_choice(raw, spec.choices.lookup, spec.choices.allowed)
    if spec.type == "number":  # parsed later by the kind, which knows the unit (a plan target's indicator)
        return parse_text(raw)
    return parse_text(raw, max_len=spec.max_len)


def _blank(frame: pd.DataFrame) -> np.ndarray:
    """Rows with nothing in any mapped column."""
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series.dtype):
            filled = series.notna().to_numpy(dtype=bool)
        elif series.dtype == object:
            filled = per_unique(series, lambda v: not fmt.missing(v) and str(v).strip() != "",
                                missing=False, dtype=bool)
        else:
            filled = (series.notna() & (series.str.strip() != "")).to_numpy(dtype=bool)
        blank &= ~filled
    return blank


def _is_total(value: object) -> bool:
    return isinstance(value, str) and bool(_TOTAL.search(value))


def _totals(frame: pd.DataFrame, columns: list[int]) -> np.ndarray:
    """Rows whose first cell or key cells say 合计 / 总计 / 小计 / total (sums typed into the sheet)."""
    found = np.zeros(len(frame), dtype=bool)
    for column in columns:
        if column in frame.columns and not pd.api.types.is_numeric_dtype(frame[column].dtype):
            found |= per_unique(frame[column], _is_total, missing=False, dtype=bool)
    return found


def typed_rows(sheet: RawSheet, header: Header, kind: Kind, findings: Findings) -> Rows | None:
    """Parse the data under `header`; cell problems are reported, the bad cells left empty."""
    numeric = {index for name, index in header.columns.items() if kind.by_name[name].type in NUMBER_KINDS}
    body = sheet.body(header.last_row + 1, findings, numeric, width=header.width)
    if body is None:
        return None
    raw, row_numbers = body
    columns = {name: index for name, index in header.columns.items() if index < max(raw.shape[1], 1)}
    used = sorted(columns.values())
    for missing in set(header.columns) - set(columns):
        columns[missing] = -1  # a header cell with no column under it: every value empty
    mapped = raw[[c for c in used if c in raw.columns]] if not raw.empty else raw
    identity_cols = [columns[n] for n in kind.identity[0] if columns.get(n, -1) >= 0] if kind.identity else []
    keep, total = _rows_to_keep(sheet, raw, row_numbers, mapped, identity_cols, findings)
    _note_header_columns(sheet, header, findings)
    _extra_cells(sheet, header, raw, row_numbers, findings, skip=total)
    data = raw[keep].reset_index(drop=True)
    rows_kept = row_numbers[keep]
    frame = pd.DataFrame({"_sheet": pd.Series([sheet.name] * len(data), dtype=object), "_row": rows_kept})
    where: dict[tuple[str, str], tuple[str, str]] = {}
    units: dict[tuple[str, str], str] = {}
    formula_rows = _formula_cells(sheet, header, row_numbers, keep)
    for name, index in columns.items():
        spec = kind.by_name[name]
        where[(sheet.name, name)] = (header.texts.get(index, spec.zh), column_letter(index) if index >= 0 else "")
        unit = _column_unit(spec, header, index, sheet.name, where[(sheet.name, name)], findings)
        units[(sheet.name, name)] = unit or ""
        raw_column = data[index] if index in data.columns else pd.Series([None] * len(data), dtype=object)
        for position in formula_rows.get(index, []):
            findings.error("formula_no_value", sheet=sheet.name, row=int(rows_kept[position]),
                           column=where[(sheet.name, name)][0], letter=where[(sheet.name, name)][1])
        _typed_column(frame, spec, raw_column, unit, sheet.name, rows_kept, where[(sheet.name, name)], findings)
    return Rows(kind=kind, frame=frame, present=set(columns), where=where, units=units)


def _rows_to_keep(sheet: RawSheet, raw: pd.DataFrame, row_numbers: np.ndarray, mapped: pd.DataFrame,
                  identity_cols: list[int], findings: Findings) -> tuple[np.ndarray, np.ndarray]:
    """(rows holding data, 合计 rows): blank rows (nothing in a mapped column) and rows whose first or identity cell
    says 合计 / total are set aside, each kind with one note; blank rows after the last filled one say nothing."""
    blank = _blank(mapped) if len(mapped.columns) else np.ones(len(raw), dtype=bool)
    total = _totals(raw, sorted({0, *identity_cols})) & ~blank
    inner_blank = blank & (np.arange(len(blank)) < _last_filled(blank))
    if inner_blank.any():
        findings.note("blank_rows", sheet=sheet.name, rows=row_ranges(row_numbers[inner_blank][:5000].tolist()),
                      count=int(inner_blank.sum()))
    if total.any():
        findings.note("total_rows", sheet=sheet.name, rows=row_ranges(row_numbers[total].tolist()),
                      count=int(total.sum()))
    return ~blank & ~total, total


def _note_header_columns(sheet: RawSheet, header: Header, findings: Findings) -> None:
    """A note for each header no field knows (its column is ignored) and each field named twice."""
    for index in header.unknown:
        findings.note("column_ignored", sheet=sheet.name, column=header.texts.get(index, ""),
                      letter=column_letter(index))
    for index in header.duplicate:
        findings.note("column_duplicate", sheet=sheet.name, column=header.texts.get(index, ""),
                      letter=column_letter(index))


def _typed_column(frame: pd.DataFrame, spec: Field, raw_column: pd.Series, unit: str | None, sheet: str,
                  rows_kept: np.ndarray, where: tuple[str, str], findings: Findings) -> None:
    """Parse one column by its field's type into frame[name] and frame[_bad_name], reporting each unreadable cell;
    a number outside the field's range is reported and left empty."""
    name = spec.name
    parsed = _parse(spec, raw_column, unit or "")
    _report_cells(findings, sheet, rows_kept, where, parsed)
    if parsed.unit_assumed and unit is not None:  # None: the header's unit was refused, already said
        findings.note("money_unit_assumed", sheet=sheet, column=where[0], letter=where[1])
    values = parsed.values.to_numpy()
    # Explicit dtypes: pandas 3 would turn an object array of text into its string dtype (None becomes NaN).
    frame[name] = pd.Series(values, dtype=object if values.dtype == object else values.dtype)
    if spec.type in NUMBER_KINDS:
        out = _check_range(findings, sheet, rows_kept, where, spec, frame[name])
        if out.any():
            frame.loc[out, name] = np.nan
        frame[f"_bad_{name}"] = parsed.bad | out
    else:
        frame[f"_bad_{name}"] = parsed.bad


def _column_unit(spec: Field, header: Header, index: int, sheet: str, where: tuple[str, str],
                 findings: Findings) -> str | None:
    """The unit plain numbers of a column are in: the header's, else (money) the sheet title's 「单位：元」.
    A money header naming a unit we cannot convert (「美元」, 「十万元」) is refused (None): reading it as 万元
    would store the wrong amount without a word."""
    unit = header.units.get(index, "")
    if spec.type != "money" or header_factor("money", unit) is not None:
        return unit
    written = canonical_unit(unit)
    if "元" in written or written in ("usd", "hkd", "$", "us$", "eur", "€"):
        findings.error("unknown_header_unit", sheet=sheet, row=header.last_row + 1, column=where[0],
                       letter=where[1], unit=unit)
        return None
    if header.money_unit:
        findings.note("money_unit_from_title", sheet=sheet, column=where[0], letter=where[1],
                      unit=header.money_unit)
        return header.money_unit
    return unit


def _extra_cells(sheet: RawSheet, header: Header, raw: pd.DataFrame, row_numbers: np.ndarray,
                 findings: Findings, skip: np.ndarray | None = None) -> None:
    """Rows (CSV or XLSX) with text right of the last header: refused (it belongs to no column, so importing the
    row without it would drop data unseen); in a CSV, empty extra cells (stray delimiters) get a note. `skip`:
    rows already set aside (合计 rows, whose merged cells may run across the sheet)."""
    if not len(raw) or not header.width:
        return
    extra = [c for c in raw.columns if isinstance(c, int | np.integer) and c >= header.width]
    if not extra:
        return
    filled = np.zeros(len(raw), dtype=bool)
    first = np.full(len(raw), -1, dtype="int64")
    for column in extra:
        has = per_unique(raw[column], lambda v: not fmt.missing(v) and str(v).strip() != "",
                         missing=False, dtype=bool)
        first[has & (first < 0)] = int(column)
        filled |= has
    if skip is not None:
        filled &= ~skip
    last = column_letter(header.width - 1)
    for position in np.flatnonzero(filled):
        if findings.full():
            findings.unlisted += 1
            continue
        column = int(first[position])
        findings.error("extra_cells", sheet=sheet.name, row=int(row_numbers[position]), letter=column_letter(column),
                       value=str(raw.iat[position, raw.columns.get_loc(column)])[:40], last=last)
    # An empty extra cell reads like no cell at all, so only the text itself can show it. Counting cells per
    # record costs ~0.3 s per million rows: done only when the body holds more delimiters than rows of exactly
    # header-width cells would (a note is at stake here, not data).
    if sheet.rows is not None:
        return  # a workbook has no delimiters: an empty cell right of the table is no cell at all
    start = header.last_row + 1
    head_delimiters = sum(max(len(row), 1) - 1 for row in sheet.head[:start])
    if sheet.text.count(sheet.delimiter) - head_delimiters <= (header.width - 1) * len(raw):
        return
    empty_only = (sheet.field_counts(start, len(raw)) > header.width) & ~filled
    if empty_only.any():
        findings.note("extra_empty_cells", sheet=sheet.name, rows=row_ranges(row_numbers[empty_only].tolist()),
                      count=int(empty_only.sum()), last=last)


def _last_filled(blank: np.ndarray) -> int:
    """Blank rows after the last filled row are the sheet's end, not skipped data."""
    filled = np.flatnonzero(~blank)
    return int(filled[-1]) + 1 if filled.size else 0


def _formula_cells(sheet: RawSheet, header: Header, row_numbers: np.ndarray, keep: np.ndarray) -> dict[int, list[int]]:
    """Kept-row positions, per column, of formulas that Excel never computed (no value to import)."""
    if not sheet.formulas:
        return {}
    kept_index = {int(r): i for i, r in enumerate(row_numbers[keep].tolist())}
    out: dict[int, list[int]] = {}
    for (r0, c0), value in sheet.formulas.items():
        if value is None and (r0 + 1) in kept_index and c0 in header.columns.values():
            out.setdefault(c0, []).append(kept_index[r0 + 1])
    return out


def _report_cells(findings: Findings, sheet: str, rows: np.ndarray, where: tuple[str, str], parsed: Column) -> None:
    for position, (code, params) in sorted(parsed.reasons.items()):
        if findings.full():
            findings.unlisted += 1
            continue
        findings.error(code, sheet=sheet, row=int(rows[position]), column=where[0], letter=where[1], **params)


def _check_range(findings: Findings, sheet: str, rows: np.ndarray, where: tuple[str, str], spec: Field,
                 values: pd.Series) -> np.ndarray:
    """Report values outside the field's bounds (and infinities); returns which rows they are."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        infinite = np.isinf(numbers)
        low = (numbers < spec.low) if spec.low is not None else np.zeros(len(numbers), dtype=bool)
        high = (numbers > spec.high) if spec.high is not None else np.zeros(len(numbers), dtype=bool)
    out = infinite | low | high
    code = "rate_out_of_range" if spec.type == "pct" else "out_of_range"
    for position in np.flatnonzero(out):
        if findings.full():
            findings.unlisted += 1
            continue
        value = numbers[position]
        shown = f"{value * 100:g}%" if spec.type == "pct" else f"{value:,.6g}"
        bounds = _bounds(spec)
        findings.error(code, sheet=sheet, row=int(rows[position]), column=where[0], letter=where[1], value=shown,
                       bounds=bounds)
    return out


def _bounds(spec: Field) -> str:
    scale = 100 if spec.type == "pct" else 1
    unit = "%" if spec.type == "pct" else ""
    low, high = spec.low, spec.high
    if low is not None and high is not None:
        return f"{low * scale:g}{unit} – {high * scale:g}{unit}"
    if low is not None:
        return f"≥ {low * scale:g}{unit}"
    return f"≤ {high * scale:g}{unit}" if high is not None else ""
