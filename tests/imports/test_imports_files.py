"""Messy files built here: each good one lands exactly (values worked out by hand), each bad one is rejected
naming its row and column and leaves the store exactly as it was (row counts and checksum)."""

from __future__ import annotations

from datetime import date

import pytest
from imports_helpers import MONTHLY_HEADER, csv_bytes, inside, snapshot, xlsx_bytes
from sqlalchemy import Engine, text

from data_layer.imports import Options, run_import


def _rows(engine: Engine, sql: str, **params: object) -> list[tuple]:
    """Rows with dates as ISO text on both backends (SQLite returns text from raw SQL, PostgreSQL dates)."""
    with engine.connect() as conn:
        return [tuple(v.isoformat() if isinstance(v, date) else v for v in r) for r in conn.execute(text(sql), params)]


def _import(engine: Engine, kind: str, name: str, data: bytes, **options: object):  # type: ignore[no-untyped-def]
    return run_import(engine, kind=kind, file_name=name, data=data, user="tester", options=Options(**options))


def _rejected(engine: Engine, kind: str, name: str, data: bytes, **options: object) -> list:
    """Import a bad file; assert it was refused and nothing at all changed; return its problems."""
    before = snapshot(engine)
    outcome = _import(engine, kind, name, data, **options)
    assert not outcome.ok and not outcome.committed and outcome.batch_id is None
    assert snapshot(engine) == before
    return outcome.findings.problems


def _where(problems: list, code: str) -> list[tuple]:
    return [(p.sheet, p.row, p.letter, p.column) for p in problems if p.code == code]


# ---------------------------------------------------------------- good files land exactly


def test_gbk_csv_with_title_row_units_percent_and_chinese_months_lands_exactly(city: Engine) -> None:
    header = ["楼宇编号", "统计月份", "可租面积（㎡）", "入驻率", "在楼经营企业数", "注册在楼企业数", "税收（元）",
              "从业人员", "新入驻企业数"]
    data = csv_bytes([header,
                      ["B001", "2026年3月", "10,000", "85%", "40", "32", "1,234,500", "950", "1"],
                      ["B002", "2026/3", "6000", "70.5", "20", "15", "12.3万元", "300", "0"],
                      ["", "", "", "", "", "", "", "", ""],
                      ["合计", "", "16,000", "", "60", "", "", "", ""],
                      ["B003", "2026-03", "4000", "50", "10", "10", "0.5亿", "100", "3"]],
                     encoding="gbk", title="2026年3月全市楼宇经济统计表（单位见表头）")
    outcome = _import(city, "monthly", "三月.csv", data)
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert outcome.changes["building_month"].counts == {"new": 3, "updated": 0, "unchanged": 0}
    assert {p.code for p in outcome.findings.notes} >= {"encoding_used", "blank_rows", "total_rows"}
    rows = _rows(city, "SELECT building_id, month, occupied_area_m2, leasable_area_m2, enterprises_operating,"
                       " enterprises_registered, tax_10k, employees, new_enterprises FROM building_month"
                       " WHERE month = '2026-03-01' ORDER BY building_id")
    # tax: 1,234,500 元 = 123.45 万元; 12.3万元; 0.5亿 = 5,000 万元. Occupied = rate × leasable.
    # "70.5" and "50" are percentages because the column holds plain numbers above 1.
    assert rows == [(1, "2026-03-01", 8_500.0, 10_000.0, 40, 32, pytest.approx(123.45), 950, 1),
                    (2, "2026-03-01", 4_230.0, 6_000.0, 20, 15, pytest.approx(12.3), 300, 0),
                    (3, "2026-03-01", 2_000.0, 4_000.0, 10, 10, pytest.approx(5_000.0), 100, 3)]
    # the district summary pages read is up to date in the same commit
    summary = _rows(city, "SELECT district_code, buildings_reporting, occupied_area_m2, tax_10k FROM district_month"
                          " WHERE month = '2026-03-01' ORDER BY district_code")
    assert summary == [("440105", 1, 4_230.0, pytest.approx(12.3)), ("440106", 2, 10_500.0, pytest.approx(5_123.45))]
    batch = _rows(city, "SELECT kind, file_name, file_hash, user_name, rows_new FROM import_batch WHERE id = :i",
                  i=outcome.batch_id)
    assert batch[0][:2] == ("monthly", "三月.csv") and len(batch[0][2]) == 64 and batch[0][3:] == ("tester", 3)
    audit = _rows(city, "SELECT action, user_name, row_key FROM audit_log")
    assert ("import", "tester", f"import_batch:{outcome.batch_id}") in audit


def test_xlsx_with_title_row_merged_two_level_header_and_total_row_lands_exactly(city: Engine) -> None:
    sheet = [
        ["2026年2月楼宇经济月报", None, None, None, None, None, None],
        ["楼宇编号", "统计月份", "面积（㎡）", None, "企业（家）", None, "全口径税收（万元）"],
        [None, None, "已入驻", "可租", "在楼经营企业数", "注册在楼企业数", None],
        ["B001", "2026年2月", 7000, 10000, 38, 30, 88.5],
        ["B003", "2026年2月", "3,000", "4,000", 12, 12, "1,000"],
        ["小计", None, 10000, 14000, 50, 42, 1088.5],
    ]
    data = xlsx_bytes({"二月": sheet}, merges={"二月": ["A1:G1", "C2:D2", "E2:F2", "A2:A3", "B2:B3", "G2:G3"]})
    outcome = _import(city, "monthly", "二月.xlsx", data)
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    rows = _rows(city, "SELECT building_id, occupied_area_m2, leasable_area_m2, enterprises_operating,"
                       " enterprises_registered, tax_10k, employees FROM building_month WHERE month = '2026-02-01'"
                       " ORDER BY building_id")
    assert rows == [(1, 7_000.0, 10_000.0, 38, 30, 88.5, 0), (3, 3_000.0, 4_000.0, 12, 12, 1_000.0, 0)]
    assert {p.code for p in outcome.findings.notes} >= {"total_rows", "column_zero"}


def test_english_headers_and_variants_are_understood(city: Engine) -> None:
    data = csv_bytes([["Building code", "Month", "Occupied area", "Leasable area", "Enterprises operating",
                       "Enterprises registered", "Tax (10k yuan)", "Employees", "New enterprises"],
                      ["B002", "2026-04", 5000, 6000, 21, 16, 9.75, 310, 1]])
    outcome = _import(city, "monthly", "april.csv", data)
    assert outcome.committed
    assert _rows(city, "SELECT tax_10k, enterprises_registered FROM building_month WHERE building_id = 2") == \
        [(9.75, 16)]


def test_reimporting_the_same_file_changes_nothing_and_a_changed_value_is_an_update(city: Engine) -> None:
    rows = [MONTHLY_HEADER, ["B001", "2026-01", 8000, 10000, 40, 30, 100, 900, 2]]
    same = _import(city, "monthly", "jan.csv", csv_bytes(rows))
    assert same.ok and same.nothing_to_do and not same.committed
    rows[1][6] = 120
    changed = _import(city, "monthly", "jan.csv", csv_bytes(rows))
    assert changed.committed and changed.changes["building_month"].counts == {"new": 0, "updated": 1, "unchanged": 0}
    assert changed.changes["building_month"].changed == [["tax_10k"]]
    assert _rows(city, "SELECT tax_10k FROM district_month WHERE month = '2026-01-01'") == [(120.0,)]


def test_a_workbook_may_create_the_buildings_its_monthly_sheet_refers_to(city: Engine) -> None:
    lon, lat = inside("440104")
    buildings = [["楼宇编号", "楼宇名称", "所属区", "经度", "纬度", "坐标系", "建筑面积（㎡）", "可租面积（㎡）", "建成年份"],
                 ["N100", "越秀新楼", "越秀区", lon, lat, "GCJ-02", 9000, 7000, 2020]]
    monthly = [MONTHLY_HEADER, ["N100", "2026年5月", 3500, 7000, 10, 9, 20, 80, 10]]
    outcome = _import(city, "workbook", "both.xlsx", xlsx_bytes({"楼宇": buildings, "5月": monthly}))
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert _rows(city, "SELECT b.code, b.district_code, m.occupied_area_m2 FROM building_month m JOIN building b"
                       " ON b.id = m.building_id WHERE m.month = '2026-05-01'") == [("N100", "440104", 3500.0)]


# ---------------------------------------------------------------- bad files: rejected, named, nothing written


def test_duplicate_id_is_rejected_naming_both_rows(city: Engine) -> None:
    data = csv_bytes([MONTHLY_HEADER, ["B002", "2026-06", 1, 6000, 1, 1, 1, 1, 0],
                      ["B003", "2026-06", 1, 4000, 1, 1, 1, 1, 0], ["B002", "2026年6月", 2, 6000, 1, 1, 1, 1, 0]])
    problems = _rejected(city, "monthly", "dup.csv", data)
    assert _where(problems, "duplicate_row") == [("", 4, "A", "楼宇编号")]
    assert dict(problems[0].params)["first"] == 2
    assert "第4行" in problems[0].line("zh") and "与第2行重复" in problems[0].line("zh")


def test_out_of_range_rate_is_rejected_at_its_cell(city: Engine) -> None:
    data = csv_bytes([["楼宇编号", "统计月份", "入驻率", "可租面积", "在楼经营企业数", "注册在楼企业数", "税收"],
                      ["B001", "2026-06", "95%", 10000, 1, 1, 1], ["B002", "2026-06", "120%", 6000, 1, 1, 1]])
    problems = _rejected(city, "monthly", "rate.csv", data)
    assert _where(problems, "rate_out_of_range") == [("", 3, "C", "入驻率")]
    assert "120%" in problems[0].message("zh") and "Row" not in problems[0].line("zh")
    assert "row 3" in problems[0].line("en")


def test_occupied_above_leasable_is_rejected(city: Engine) -> None:
    data = csv_bytes([MONTHLY_HEADER, ["B003", "2026-06", 4001, 4000, 1, 1, 1, 1, 0]])
    assert _where(_rejected(city, "monthly", "over.csv", data), "occupied_over_leasable") == \
        [("", 2, "C", "已入驻面积（㎡）")]


def test_unknown_district_is_rejected(city: Engine) -> None:
    lon, lat = inside("440106")
    data = csv_bytes([["楼宇编号", "楼宇名称", "所属区", "经度", "纬度", "建筑面积", "可租面积", "建成年份"],
                      ["N1", "新楼一", "天河区", lon, lat, 100, 80, 2020],
                      ["N2", "新楼二", "火星区", lon, lat, 100, 80, 2020]])
    problems = _rejected(city, "buildings", "b.csv", data, crs="GCJ-02")
    assert _where(problems, "unknown_district") == [("", 3, "C", "所属区")]


def test_unknown_building_in_monthly_file_is_rejected(city: Engine) -> None:
    data = csv_bytes([MONTHLY_HEADER, ["B999", "2026-06", 1, 2, 1, 1, 1, 1, 0]])
    assert _where(_rejected(city, "monthly", "u.csv", data), "unknown_building") == [("", 2, "A", "楼宇编号")]


def test_formula_in_a_number_column_is_rejected_and_in_text_is_kept_literally(city: Engine) -> None:
    csv_formula = csv_bytes([MONTHLY_HEADER, ["B001", "2026-06", "=C3*2", 10000, 1, 1, 1, 1, 0]])
    assert _where(_rejected(city, "monthly", "f.csv", csv_formula), "formula") == [("", 2, "C", "已入驻面积（㎡）")]
    # An XLSX formula Excel never computed has no value to import.
    xlsx_formula = xlsx_bytes({"月报": [MONTHLY_HEADER, ["B001", "2026-06", 5000, 10000, 1, 1, "=G3*2", 1, 0]]})
    assert _where(_rejected(city, "monthly", "f.xlsx", xlsx_formula), "formula_no_value") == \
        [("月报", 2, "G", "全口径税收（万元）")]


def test_future_month_and_unreadable_month_are_rejected(city: Engine) -> None:
    data = csv_bytes([MONTHLY_HEADER, ["B001", "2026-11", 1, 10000, 1, 1, 1, 1, 0],
                      ["B002", "二〇二六年", 1, 6000, 1, 1, 1, 1, 0]])
    problems = _rejected(city, "monthly", "m.csv", data)
    assert _where(problems, "future_month") == [("", 2, "B", "统计月份")]
    assert _where(problems, "not_month") == [("", 3, "B", "统计月份")]


def test_one_bad_row_among_good_ones_writes_nothing(city: Engine) -> None:
    rows = [MONTHLY_HEADER] + [[code, "2026-07", 100, 1000, 1, 1, 1, 1, 0] for code in ("B001", "B002", "B003")]
    rows[3][4] = "一些"
    problems = _rejected(city, "monthly", "partial.csv", csv_bytes(rows))
    assert _where(problems, "not_number") == [("", 4, "E", "在楼经营企业数")]


def test_coordinates_outside_the_city_or_without_a_crs_are_rejected(city: Engine) -> None:
    header = ["楼宇编号", "楼宇名称", "所属区", "经度", "纬度", "建筑面积", "可租面积", "建成年份"]
    lon, lat = inside("440106")
    outside = csv_bytes([header, ["N1", "新楼", "天河区", 116.40, 39.90, 100, 80, 2020]])
    problems = _rejected(city, "buildings", "o.csv", outside, crs="WGS-84")
    assert _where(problems, "outside_city") == [("", 2, "D", "经度")]
    swapped = csv_bytes([header, ["N1", "新楼", "天河区", lat, lon, 100, 80, 2020]])
    assert _where(_rejected(city, "buildings", "s.csv", swapped, crs="GCJ-02"), "out_of_range") == \
        [("", 2, "E", "纬度")]  # a longitude of 113 is no latitude
    no_crs = csv_bytes([header, ["N1", "新楼", "天河区", lon, lat, 100, 80, 2020]])
    assert [p.code for p in _rejected(city, "buildings", "n.csv", no_crs)] == ["crs_missing"]


def test_wgs84_coordinates_are_converted_before_the_city_check_and_stored_as_given(city: Engine) -> None:
    import numpy as np

    from data_layer.geo import gcj02_to_wgs84

    lon, lat = inside("440106")
    w_lon, w_lat = (float(v[0]) for v in gcj02_to_wgs84(np.array([lon]), np.array([lat])))
    data = csv_bytes([["楼宇编号", "楼宇名称", "所属区", "经度", "纬度", "坐标系", "建筑面积", "可租面积", "建成年份"],
                      ["N7", "GPS楼", "天河", round(w_lon, 6), round(w_lat, 6), "WGS84", 100, 80, 2020]])
    assert _import(city, "buildings", "w.csv", data).committed
    assert _rows(city, "SELECT lon, lat, crs FROM building WHERE code = 'N7'") == \
        [(round(w_lon, 6), round(w_lat, 6), "WGS-84")]


def test_wrong_kind_empty_and_binary_files_are_refused_in_words(city: Engine) -> None:
    monthly = csv_bytes([[*MONTHLY_HEADER, "楼宇名称"], ["B001", "2026-06", 1, 10000, 1, 1, 1, 1, 0, "天河一号楼"]])
    assert [p.code for p in _rejected(city, "city", "m.csv", monthly)] == ["wrong_kind"]
    assert [p.code for p in _rejected(city, "buildings", "m.csv", monthly)] == ["wrong_kind"]
    unknown = csv_bytes([["甲", "乙"], ["1", "2"]])
    assert [p.code for p in _rejected(city, "monthly", "u.csv", unknown)] == ["no_header"]
    assert [p.code for p in _rejected(city, "monthly", "e.csv", b"")] == ["empty_file"]
    assert [p.code for p in _rejected(city, "monthly", "x.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100)] == ["old_xls"]
    assert [p.code for p in _rejected(city, "monthly", "z.xlsx", b"PK\x03\x04garbage")] == ["bad_xlsx"]


# ---------------------------------------------------------------- values stored and shown literally


def test_script_and_sql_looking_text_is_stored_literally(city: Engine) -> None:
    lon, lat = inside("440106")
    evil = ["<script>alert('x')</script>", "'; DROP TABLE building; --", "=HYPERLINK(\"http://x\",\"y\")"]
    data = csv_bytes([["楼宇编号", "楼宇名称", "地址", "所属区", "经度", "纬度", "建筑面积", "可租面积", "建成年份"]]
                     + [[f"X{i}", name, name, "天河区", lon, lat, 100, 80, 2020] for i, name in enumerate(evil)])
    outcome = _import(city, "buildings", "evil.csv", data, crs="GCJ-02")
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert _rows(city, "SELECT name, address FROM building WHERE code LIKE 'X%' ORDER BY code") == \
        [(name, name) for name in evil]
    assert _rows(city, "SELECT COUNT(*) FROM building") == [(6,)]


def test_a_blank_cell_keeps_the_stored_value_when_updating_a_building(city: Engine) -> None:
    data = csv_bytes([["楼宇编号", "楼宇名称", "楼宇等级", "地址"], ["B002", "", "超甲级", ""]])
    outcome = _import(city, "buildings", "grade.csv", data)
    assert outcome.committed and outcome.changes["building"].changed == [["grade"]]
    assert _rows(city, "SELECT name, grade FROM building WHERE id = 2") == [("海珠二号楼", "super_a")]


# ---------------------------------------------------------------- money units, rate spellings, encodings, stray cells

RATE_HEADER = ["楼宇编号", "统计月份", "可租面积", "入驻率", "在楼经营企业数", "注册在楼企业数"]


@pytest.mark.parametrize(("tax_header", "written", "stored"), [
    ("税收（单位：元）", "1,234,500", 123.45),  # 1,234,500 元 = 123.45 万元
    ("全口径税收（人民币元）", "1,234,500", 123.45),
    ("税收（元/月）", "1,234,500", 123.45),
    ("税收（单位：千元）", "1,234.5", 123.45),  # 1,234.5 千元 = 1,234,500 元
    ("税收（亿元人民币）", "0.5", 5_000.0),
    ("税收（人民币万元）", "88.5", 88.5),
])
def test_money_unit_spellings_in_the_header_are_understood(city: Engine, tax_header: str, written: str,
                                                           stored: float) -> None:
    data = csv_bytes([[*RATE_HEADER, tax_header], ["B001", "2026-03", 10_000, "50%", 1, 1, written]])
    outcome = _import(city, "monthly", "unit.csv", data)
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert "money_unit_assumed" not in {n.code for n in outcome.findings.notes}
    assert _rows(city, "SELECT tax_10k FROM building_month WHERE month = '2026-03-01'") == [(pytest.approx(stored),)]


def test_a_title_row_unit_sets_the_money_unit_and_no_unit_at_all_gets_a_note(city: Engine) -> None:
    header = [*RATE_HEADER, "全口径税收"]
    titled = csv_bytes([header, ["B001", "2026-03", 10_000, "50%", 1, 1, "1,234,500"]],
                       title="2026年3月楼宇经济统计表（单位：元）")
    outcome = _import(city, "monthly", "titled.csv", titled)
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert [(n.letter, n.column) for n in outcome.findings.notes if n.code == "money_unit_from_title"] == \
        [("G", "全口径税收")]
    assert _rows(city, "SELECT tax_10k FROM building_month WHERE month = '2026-03-01'") == [(pytest.approx(123.45),)]

    # No unit in the header, the title or the cell: the documented default 万元, said per column.
    bare = csv_bytes([header, ["B001", "2026-04", 10_000, "50%", 1, 1, "88.5"]])
    outcome = _import(city, "monthly", "bare.csv", bare)
    assert outcome.committed
    notes = [n for n in outcome.findings.notes if n.code == "money_unit_assumed"]
    assert [(n.letter, n.column) for n in notes] == [("G", "全口径税收")] and "万元" in notes[0].message("zh")
    assert _rows(city, "SELECT tax_10k FROM building_month WHERE month = '2026-04-01'") == [(88.5,)]
    # Every cell carries its unit: nothing is assumed, so no note.
    cells = csv_bytes([header, ["B001", "2026-05", 10_000, "50%", 1, 1, "12.3万元"]])
    assert "money_unit_assumed" not in {n.code for n in _import(city, "monthly", "c.csv", cells).findings.notes}


def test_a_money_unit_that_cannot_be_converted_is_refused_at_the_header(city: Engine) -> None:
    data = csv_bytes([[*RATE_HEADER, "税收（美元）"], ["B001", "2026-03", 10_000, "50%", 1, 1, "1,000"]])
    assert _where(_rejected(city, "monthly", "usd.csv", data), "unknown_header_unit") == [("", 1, "G", "税收（美元）")]


def test_a_rate_column_mixing_fractions_and_percentages_is_refused_cell_by_cell(city: Engine) -> None:
    rows = [[*RATE_HEADER, "税收（万元）"], ["B001", "2026-06", 10_000, "0.9", 1, 1, 1],
            ["B002", "2026-06", 6_000, "95", 1, 1, 1], ["B003", "2026-06", 4_000, "85", 1, 1, 1]]
    problems = _rejected(city, "monthly", "mixed.csv", csv_bytes(rows))
    # 0.9 is the odd one out (one cell at most 1 against two above 1): it is the cell named.
    assert _where(problems, "pct_mixed") == [("", 2, "D", "入驻率")]
    assert problems[0].message("zh").startswith("比例写法不一致：请统一写成 85% 或 0.85")
    # One way of writing throughout is fine, and 0 reads the same either way.
    rows[1][3] = "0"
    same = _import(city, "monthly", "same.csv", csv_bytes(rows))
    assert same.committed, [p.line("en") for p in same.findings.problems]
    assert _rows(city, "SELECT building_id, occupied_area_m2 FROM building_month WHERE month = '2026-06-01'"
                       " ORDER BY building_id") == [(1, 0.0), (2, pytest.approx(5_700.0)), (3, pytest.approx(3_400.0))]


def test_a_utf8_file_with_one_gbk_cell_is_refused_naming_the_line(city: Engine) -> None:
    header = ["楼宇编号", "楼宇名称", "地址"]
    lines = [",".join(header), "B001,天河一号楼,天河路1号", "B002,海珠二号楼,天河大厦旁", "B003,天河三号楼,天河路3号"]
    data = "\n".join(lines).encode("utf-8").replace("天河大厦".encode(), "天河大厦".encode("gbk"))
    problems = _rejected(city, "buildings", "mixed.csv", data)
    assert [(p.code, p.row) for p in problems] == [("mixed_encoding", 3)]
    assert "UTF-8" in problems[0].message("zh") and "GBK" in problems[0].message("zh")
    # A file that is GBK throughout still reads (as GB18030), with a note.
    outcome = _import(city, "buildings", "gbk.csv", "\n".join(lines).replace("天河路1号", "天河大厦").encode("gbk"))
    assert outcome.committed and "encoding_used" in {n.code for n in outcome.findings.notes}
    assert _rows(city, "SELECT address FROM building WHERE code = 'B001'") == [("天河大厦",)]


def test_cells_right_of_the_header_are_refused_or_noted_by_row(city: Engine) -> None:
    rows = [MONTHLY_HEADER, ["B001", "2026-06", 100, 10_000, 1, 1, 1, 1, 0, "备注：含补缴"],
            ["B002", "2026-06", 100, 6_000, 1, 1, 1, 1, 0], ["B003", "2026-06", 100, 4_000, 1, 1, 1, 1, 0]]
    problems = _rejected(city, "monthly", "extra.csv", csv_bytes(rows))
    assert [(p.code, p.row, p.letter) for p in problems] == [("extra_cells", 2, "J")]
    assert "备注：含补缴" in problems[0].message("zh") and "第2行 · J列" in problems[0].line("zh")
    rows[1][9] = ""  # a stray delimiter only: imported, with a note naming the row
    outcome = _import(city, "monthly", "stray.csv", csv_bytes(rows))
    assert outcome.committed
    assert [dict(n.params)["rows"] for n in outcome.findings.notes if n.code == "extra_empty_cells"] == ["2"]


def test_an_xlsx_that_unpacks_far_beyond_the_upload_limit_is_refused_unopened(
        city: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import zipfile

    monkeypatch.setenv("DASHBOARD_IMPORT_MAX_MB", "1")  # so members may unpack to 10 MB at most
    book = xlsx_bytes({"月报": [MONTHLY_HEADER, ["B001", "2026-06", 100, 10_000, 1, 1, 1, 1, 0]]})
    assert _import(city, "monthly", "ok.xlsx", book).ok
    buffer = io.BytesIO(book)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (11 * 1024 * 1024))  # ~11 KB compressed
    bomb = buffer.getvalue()
    assert len(bomb) < 1024 * 1024
    problems = _rejected(city, "monthly", "bomb.xlsx", bomb)
    assert [p.code for p in problems] == ["unzipped_too_big"] and "10 MB" in problems[0].message("en")


@pytest.mark.parametrize("form", ["tab", "prefix"])
def test_styled_blanks_written_in_any_valid_xml_form_are_counted_and_refused(city: Engine, form: str) -> None:
    """`<c\\tr="A2">` and `<x:c r="A2">` are valid XML that openpyxl reads cell by cell: 250,000 styled blank cells
    written so (a 1 MB file held the server 31 s and 1.6 GB before they were counted) are refused unread."""
    import io
    import zipfile

    p, sep = ("x:", " ") if form == "prefix" else ("", "\t")
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    header = "".join(f'<{p}c{sep}r="{chr(65 + i)}1"{sep}t="inlineStr"><{p}is><{p}t>{name}</{p}t></{p}is></{p}c>'
                     for i, name in enumerate(MONTHLY_HEADER[:3]))
    blanks = "".join(f'<{p}row{sep}r="{r}">' + f'<{p}c{sep}s="0"/>' * 10 + f"</{p}row>" for r in range(2, 25_002))
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet xmlns{":x" if p else ""}="{ns}"><{p}sheetData>'
             f'<{p}row{sep}r="1">{header}</{p}row>{blanks}</{p}sheetData></{p}worksheet>').encode()
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes({"月报": [MONTHLY_HEADER]})))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, sheet if info.filename == "xl/worksheets/sheet1.xml" else source.read(info))
    problems = _rejected(city, "monthly", "blanks.xlsx", buffer.getvalue())
    assert [(p.code, dict(p.params)["empty"]) for p in problems] == [("xlsx_mostly_empty", "250,000")]
