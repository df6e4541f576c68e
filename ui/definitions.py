"""Table headers that carry their definition: column configs whose tooltip is the registry's definition
(`data_layer.indicators.definition`), so a reader finds how a number is made where the number is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from data_layer.buildings import TABLE_COLUMNS
from data_layer.i18n import translate
from data_layer.indicators import LABEL_COLUMNS, definition

# The map table's columns (buildings.TABLE_COLUMNS) whose definition is filed under another code.
MAP_TABLE_CODES = {"occupancy_rate": "building_occupancy", "tax_period": "building_tax_period"}


def header_config(columns: Iterable[str], *, label: Callable[[str], str], lang: str,
                  codes: Mapping[str, str] | None = None) -> dict[str, ColumnConfig]:
    """st.dataframe column_config for `columns`: each header `label(column)` with the definition of
    `codes.get(column, column)` as its help; columns that only name the row (LABEL_COLUMNS) get none."""
    codes = codes or {}
    return {column: st.column_config.Column(
        label(column), help=None if column in LABEL_COLUMNS else definition(codes.get(column, column), lang))
        for column in columns}


def map_table_headers(lang: str) -> dict[str, ColumnConfig]:
    """column_config for the map's table, whose headers arrive translated: each with its definition."""
    config = header_config(TABLE_COLUMNS, label=lambda c: translate(f"map.col.{c}", lang), lang=lang,
                           codes=MAP_TABLE_CODES)
    return {translate(f"map.col.{c}", lang): config[c] for c in TABLE_COLUMNS}
