"""Exports keep Chinese intact and cannot smuggle formulas into a spreadsheet."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import load_workbook

from data_layer.export import to_csv_bytes, to_xlsx_bytes


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"名称": ["天河大厦", "=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "普通"],
                         "税收（万元）": [1.5, 2.0, 3.0, -4.0, 5.0, 6.0]})


def test_csv_has_a_bom_round_trips_chinese_and_escapes_formulas() -> None:
    data = to_csv_bytes(_frame())
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == ["名称", "税收（万元）"]
    assert back["名称"].tolist() == ["天河大厦", "'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "普通"]
    assert back["税收（万元）"].tolist()[3] == -4.0  # numbers are not escaped


def test_xlsx_cells_are_text_not_formulas() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx_bytes(_frame(), sheet_name="楼宇"))).active
    values = [sheet.cell(row=r, column=1).value for r in range(2, 8)]
    assert values[1] == "'=HYPERLINK(\"http://x\")"
    assert all(sheet.cell(row=r, column=1).data_type == "s" for r in range(2, 8))
    assert sheet.cell(row=5, column=2).value == -4.0
