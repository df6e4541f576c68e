"""The enterprise register's import kinds: enterprises (credit codes checked by GB 32100-2015) and tenancies
(unknown buildings, overlapping tenancies and double registration refused by row and column), all or nothing."""

from __future__ import annotations

from datetime import date

from imports_helpers import csv_bytes, snapshot
from sqlalchemy import Engine, text

from data_layer import credit_code
from data_layer.imports import Options, run_import, undo_batch

ENT_HEADER = ["统一社会信用代码", "企业名称", "所属行业", "企业规模", "总部企业", "纳税年度", "年度纳税额（万元）"]
TEN_HEADER = ["统一社会信用代码", "楼宇编号", "入驻月份", "迁出月份", "使用面积（㎡）", "注册在本楼"]
A = credit_code.make("91440106MA5CKQ7R2")  # ...R24
B = credit_code.make("91440105MA5CKQ7R3")
C = credit_code.make("91440106MA5CKQ7R5")


def _import(engine: Engine, kind: str, data: bytes):  # type: ignore[no-untyped-def]
    return run_import(engine, kind=kind, file_name=f"{kind}.csv", data=data, user="tester", options=Options())


def _problems(outcome) -> set[tuple[str, int | None, str]]:  # type: ignore[no-untyped-def]
    return {(p.code, p.row, p.column) for p in outcome.findings.problems}


def _month(value: object) -> object:
    """Months as 'YYYY-MM' on both backends (SQLite returns ISO text, PostgreSQL dates)."""
    if isinstance(value, date):
        return value.isoformat()[:7]
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return value[:7]
    return value


def _rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(_month(v) for v in r) for r in conn.execute(text(sql))]


def _enterprises(city: Engine) -> None:
    outcome = _import(city, "enterprises", csv_bytes([
        ENT_HEADER, [A, "甲科技有限公司", "数字经济", "中型", "否", 2025, "356.8"],
        [B.lower(), "乙投资有限公司", "金融", "大型", "是", 2025, "1.2亿元"],  # lower case is folded
        [C, "丙设计有限公司", "设计", "小型", "否", "", ""]]))
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]


def test_enterprises_import_with_codes_folded_and_tax_in_10k_yuan(city: Engine) -> None:
    _enterprises(city)
    assert _rows(city, "SELECT credit_code, name, industry, size_band,"
                       " CASE WHEN is_headquarters THEN 1 ELSE 0 END, tax_year, tax_10k"
                       " FROM enterprise ORDER BY credit_code") == [
        (B, "乙投资有限公司", "finance", "large", 1, 2025, 12_000.0),
        (A, "甲科技有限公司", "digital", "medium", 0, 2025, 356.8),
        (C, "丙设计有限公司", "design", "small", 0, None, None)]


def test_an_invalid_credit_code_is_refused_by_row_and_column_and_nothing_is_written(city: Engine) -> None:
    before = snapshot(city)
    wrong_check = A[:17] + ("5" if A[17] != "5" else "6")
    outcome = _import(city, "enterprises", csv_bytes([
        ENT_HEADER, [A, "甲", "数字经济", "中型", "否", 2025, 1], [wrong_check, "乙", "金融", "大型", "否", 2025, 1],
        [A[:16], "丙", "设计", "小型", "否", 2025, 1]]))
    assert not outcome.committed
    assert _problems(outcome) == {("credit_check", 3, "统一社会信用代码"), ("credit_length", 4, "统一社会信用代码")}
    assert snapshot(city) == before


def test_tenancies_refer_to_known_enterprises_and_buildings(city: Engine) -> None:
    _enterprises(city)
    before = snapshot(city)
    unknown = credit_code.make("91440106MA5CKQ7R9")
    outcome = _import(city, "tenancies", csv_bytes([
        TEN_HEADER, [A, "B001", "2024-03", "", 1200, "是"], [A, "B999", "2024-03", "", 100, "否"],
        [unknown, "B002", "2024-03", "", 100, "否"], [B, "B002", "2025-06", "2025-01", 100, "否"]]))
    assert _problems(outcome) == {("unknown_building", 3, "楼宇编号"), ("unknown_enterprise", 4, "统一社会信用代码"),
                                  ("tenancy_backwards", 5, "迁出月份")}
    assert snapshot(city) == before


def test_overlapping_tenancies_are_refused_in_the_file_and_against_the_store(city: Engine) -> None:
    _enterprises(city)
    first = _import(city, "tenancies", csv_bytes([
        TEN_HEADER, [A, "B001", "2023-01", "2024-06", 1200, "是"], [B, "B002", "2024-01", "", 800, "否"]]))
    assert first.committed, [p.line("en") for p in first.findings.problems]
    before = snapshot(city)
    outcome = _import(city, "tenancies", csv_bytes([
        TEN_HEADER,
        [A, "B001", "2024-06", "", 1000, "是"],         # row 2: starts in the stored tenancy's last month
        [C, "B003", "2022-01", "2023-12", 50, "否"],     # row 3
        [C, "B003", "2023-06", "", 60, "否"],            # row 4: overlaps row 3 in the file
        [B, "B001", "2024-05", "", 100, "是"],           # row 5: fine alone (operating in B002, registered here)
        [A, "B003", "2023-03", "2023-04", 30, "是"],     # row 6: A is registered at B001 then (stored)
    ]))
    assert _problems(outcome) == {("tenancy_overlap", 2, "入驻月份"), ("tenancy_overlap", 4, "入驻月份"),
                                  ("registered_twice", 6, "注册在本楼")}
    assert snapshot(city) == before
    # the stored tenancy of A ends in 2024-06: a new one from 2024-07 is no overlap, and re-sending the stored
    # row with a move-out month is an update of it, not an overlap with itself
    later = _import(city, "tenancies", csv_bytes([
        TEN_HEADER, [A, "B001", "2024-07", "", 1000, "是"], [B, "B002", "2024-01", "2025-12", 800, "否"]]))
    assert later.committed, [p.line("en") for p in later.findings.problems]
    assert later.changes["tenancy"].counts == {"new": 1, "updated": 1, "unchanged": 0}
    assert _rows(city, "SELECT e.credit_code, t.building_id, t.from_month, t.to_month,"
                       " CASE WHEN t.registered_here THEN 1 ELSE 0 END"
                       " FROM tenancy t JOIN enterprise e ON e.id = t.enterprise_id ORDER BY t.id") == [
        (A, 1, "2023-01", "2024-06", 1), (B, 2, "2024-01", "2025-12", 0), (A, 1, "2024-07", None, 1)]
    assert undo_batch(city, batch_id=later.batch_id, user="tester").ok
    assert _rows(city, "SELECT to_month FROM tenancy ORDER BY id") == [("2024-06",), (None,)]


def test_one_workbook_creates_enterprises_and_their_tenancies_and_undo_refuses_while_tenancies_depend(
        city: Engine) -> None:
    from imports_helpers import xlsx_bytes

    data = xlsx_bytes({"企业名录": [ENT_HEADER, [A, "甲科技有限公司", "数字经济", "中型", "否", 2025, 10]],
                       "企业入驻": [TEN_HEADER, [A, "B001", "2024-01", "", 300, "否"]]})
    outcome = run_import(city, kind="workbook", file_name="register.xlsx", data=data, user="tester")
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert {t: c.counts["new"] for t, c in outcome.changes.items()} == {"enterprise": 1, "tenancy": 1}
    enterprises = _import(city, "enterprises", csv_bytes([ENT_HEADER, [B, "乙", "金融", "大型", "否", 2025, 1]]))
    tenancy = _import(city, "tenancies", csv_bytes([TEN_HEADER, [B, "B002", "2024-01", "", 10, "否"]]))
    assert enterprises.committed and tenancy.committed
    refused = undo_batch(city, batch_id=enterprises.batch_id, user="tester")
    assert not refused.ok  # B's tenancy (a later batch) still refers to it
    assert undo_batch(city, batch_id=tenancy.batch_id, user="tester").ok
    assert undo_batch(city, batch_id=enterprises.batch_id, user="tester").ok


def test_an_overlap_names_the_other_tenancy_in_words(city: Engine) -> None:
    _enterprises(city)
    outcome = _import(city, "tenancies", csv_bytes([
        TEN_HEADER, [C, "B003", "2022-01", "2023-12", 50, "否"], [C, "B003", "2023-06", "", 60, "否"]]))
    [problem] = outcome.findings.problems
    assert problem.line("zh") == ("tenancies.csv · 第3行 · C列「入驻月份」: 与同一企业在楼宇“B003”的另一段入驻期"
                                  "（2022-01 至 2023-12，第2行）重叠。")
    assert problem.message("en") == ("Overlaps another tenancy of the same enterprise in building “B003” "
                                     "(2022-01 to 2023-12, row 2).")


def test_the_register_templates_import_as_downloaded(city: Engine) -> None:
    from imports_helpers import TODAY

    from data_layer.imports import prepare
    from data_layer.imports.templates import template_bytes

    assert _import(city, "buildings", template_bytes("buildings", "csv", TODAY)).committed  # the example building
    for fmt in ("csv", "xlsx"):
        outcome = prepare(city, kind="enterprises", file_name=f"e.{fmt}", data=template_bytes("enterprises", fmt, TODAY))
        assert outcome.ok and outcome.totals()["new"] == 1, fmt
    assert _import(city, "enterprises", template_bytes("enterprises", "csv", TODAY)).committed
    for fmt in ("csv", "xlsx"):
        outcome = prepare(city, kind="tenancies", file_name=f"t.{fmt}", data=template_bytes("tenancies", fmt, TODAY))
        assert outcome.ok and outcome.totals()["new"] == 1, (fmt, [p.line("en") for p in outcome.findings.problems])


def test_the_data_page_previews_and_commits_the_register(city: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    import ui.auth

    monkeypatch.setenv("DATABASE_URL", city.url.render_as_string(hide_password=False))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app_pages" / "data_admin.py"),
                           default_timeout=60)
    at.session_state["auth_user"] = ui.auth.AuthUser("tester", "editor")
    at.run()
    for kind, rows in (("enterprises", [ENT_HEADER, [A, "<b>甲</b>科技有限公司", "数字经济", "中型", "否", 2025, 10]]),
                       ("tenancies", [TEN_HEADER, [A, "B001", "2024-01", "", 300, "否"]])):
        at.selectbox(key="import_kind").set_value(kind).run()
        at.get("file_uploader")[0].set_value((f"{kind}.csv", csv_bytes(rows), "text/csv"))
        at.run()
        assert not at.exception and "校验通过" in at.success[0].value, kind
        preview = at.dataframe[-1].value
        assert preview["变化"].tolist() == ["新增"]
        at.button(key="import_commit").click().run()
        assert not at.exception and "导入完成" in at.success[0].value
    assert all("<b>" not in m.value for m in at.markdown)
    assert _rows(city, "SELECT e.name, t.building_id FROM tenancy t JOIN enterprise e ON e.id = t.enterprise_id") == [
        ("<b>甲</b>科技有限公司", 1)]
