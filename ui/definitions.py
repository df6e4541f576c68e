"""Table headers that carry their definition: column configs whose tooltip is the registry's definition
(`data_layer.indicators.definition`), so a reader finds how a number is made where the number is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from data_layer.buildings import TABLE_COLUMNS
from data_layer.i18n import translate
from data_layer.indicators import LABEL_COLUMNS, definition

# The map table's columns (buildings.TABLE_COLUMNS) whose definition is filed under another code.
MAP_TABLE_CODES = {"occupancy_rate": "building_occupancy", "tax_period": "building_tax_period"}


def header_config(columns: Iterable[str], *, label: Callable[[str], str], lang: str,
                  codes: Mapping[str, str] | None = None, frame: pd.DataFrame | pa.Table | None = None
                  ) -> dict[str, ColumnConfig]:
    """st.dataframe column_config for `columns`: each header `label(column)` with the definition of
    `codes.get(column, column)` as its help; columns that only name the row (LABEL_COLUMNS) get none. The numeric
    columns of `frame` read with thousands separators (238,430 ㎡, not 238430)."""
    codes = codes or {}
    numbers = numeric_columns(frame)
    return {column: _column(label(column), None if column in LABEL_COLUMNS else definition(
        codes.get(column, column), lang), number=column in numbers) for column in columns}


def _column(text: str, tip: str | None, *, number: bool) -> ColumnConfig:
    if number:
        return st.column_config.NumberColumn(text, help=tip, format="localized")
    return st.column_config.Column(text, help=tip)


def numeric_columns(frame: pd.DataFrame | pa.Table | None) -> set[str]:
    """The columns of `frame` (a DataFrame, or the Arrow table a stored page arrives as) holding numbers."""
    if frame is None:
        return set()
    if isinstance(frame, pa.Table):
        return {f.name for f in frame.schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)}
    return {str(c) for c in frame.columns
            if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])}


def map_table_headers(lang: str, table: pd.DataFrame | pa.Table | None = None) -> dict[str, ColumnConfig]:
    """column_config for the map's table, whose headers arrive translated: each with its definition, numbers with
    thousands separators."""
    numbers = numeric_columns(table)
    config = {}
    for column in TABLE_COLUMNS:
        text = translate(f"map.col.{column}", lang)
        tip = None if column in LABEL_COLUMNS else definition(MAP_TABLE_CODES.get(column, column), lang)
        config[text] = _column(text, tip, number=text in numbers)
    return config
