"""Plans and targets, feedback (with sentiment), demands, district boundaries, and undo of a batch."""

from __future__ import annotations

import json
from datetime import date

import pytest
from imports_helpers import MONTHLY_HEADER, csv_bytes, domain_rows, inside, snapshot
from sqlalchemy import Engine, text

from data_layer.imports import Options, run_import, undo_batch


def _rows(engine: Engine, sql: str, **params: object) -> list[tuple]:
    """Rows with dates as ISO text on both backends (SQLite returns text from raw SQL, PostgreSQL dates)."""
    with engine.connect() as conn:
        return [tuple(v.isoformat() if isinstance(v, date) else v for v in r) for r in conn.execute(text(sql), params)]


def _import(engine: Engine, kind: str, name: str, data: bytes, **options: object):  # type: ignore[no-untyped-def]
    return run_import(engine, kind=kind, file_name=name, data=data, user="tester", options=Options(**options))


PLAN_HEADER = ["计划编号", "计划名称", "适用范围", "起始年份", "截止年份", "指标", "目标年份", "目标值", "比较方式"]


def test_plan_targets_name_indicators_by_code_or_name_and_store_rates_as_percent(city: Engine) -> None:
    data = csv_bytes([PLAN_HEADER,
                      ["TH-2026", "天河区三年计划", "天河区", 2026, 2028, "已建楼宇入驻率", 2026, "85%", "≥"],
                      ["TH-2026", "", "", "", "", "occupancy_rate", 2027, "0.88", ""],
                      ["TH-2026", "", "", "", "", "楼宇税收", 2026, "1.2亿元", "不低于"],
                      ["TH-2026", "", "", "", "", "亿元楼宇", 2028, "12", ">"]])
    outcome = _import(city, "plans", "plan.csv", data)
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert _rows(city, "SELECT name_zh, name_en, scope_type, scope_code, start_year, end_year, is_template FROM plan"
                       " WHERE code = 'TH-2026'") == [("天河区三年计划", "天河区三年计划", "district", "440106", 2026, 2028, 0)]
    assert _rows(city, "SELECT t.indicator_code, t.year, t.target_value, t.comparator FROM plan_target t JOIN plan p"
                       " ON p.id = t.plan_id WHERE p.code = 'TH-2026' ORDER BY t.indicator_code, t.year") == [
        ("building_tax", 2026, 12_000.0, ">="), ("buildings_tax_100m", 2028, 12.0, ">"),
        ("occupancy_rate", 2026, 85.0, ">="), ("occupancy_rate", 2027, pytest.approx(88.0), ">=")]


def test_plan_problems_unknown_indicator_year_outside_and_template(city: Engine) -> None:
    before = snapshot(city)
    data = csv_bytes([PLAN_HEADER, ["X-1", "计划", "全市", 2026, 2027, "不存在的指标", 2026, "1", ""],
                      ["X-1", "", "", "", "", "building_tax", 2030, "1", ""],
                      ["JX-2015-2017", "", "", "", "", "building_tax", 2016, "1", ""]])
    outcome = _import(city, "plans", "bad.csv", data)
    codes = {(p.code, p.row) for p in outcome.findings.problems}
    assert {("unknown_indicator", 2), ("year_outside_plan", 3), ("template_plan", 4)} <= codes
    assert snapshot(city) == before


def test_feedback_needs_an_observation_point_and_gets_sentiment(city: Engine) -> None:
    header = ["观测点编号", "楼宇编号", "反馈日期", "评价维度", "评分", "意见内容", "渠道"]
    data = csv_bytes([header, ["OP1", "", "2026-10-08", "载体运营", 5, "物业响应很及时，服务非常好", "问卷"],
                      ["", "B001", "2026/10/9", "政务服务", 1, "审批太慢了，跑了好几趟都没办成", "走访"],
                      ["", "B001", "2026年10月10日", "人才服务", "", "", ""]])
    outcome = _import(city, "feedback", "fb.csv", data)
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    rows = _rows(city, "SELECT point_id, submitted_on, dimension, channel, score, text, sentiment_label"
                       " FROM feedback ORDER BY submitted_on")
    assert [r[:6] for r in rows] == [(1, "2026-10-08", "operations", "survey", 5, "物业响应很及时，服务非常好"),
                                     (1, "2026-10-09", "gov_service", "visit", 1, "审批太慢了，跑了好几趟都没办成"),
                                     (1, "2026-10-10", "talent", "survey", None, "")]
    try:
        from data_layer import sentiment  # noqa: F401 - the scorer is optional
    except ImportError:
        assert {p.code for p in outcome.findings.notes} >= {"sentiment_unavailable"}
    else:
        assert rows[0][6] == "positive" and rows[1][6] == "negative" and rows[2][6] is None
    refused = _import(city, "feedback", "fb2.csv", csv_bytes([header, ["", "B002", "2026-10-08", "载体运营", 3, "", ""]]))
    assert [(p.code, p.row, p.letter) for p in refused.findings.problems] == [("not_observation_point", 2, "B")]


def test_demands_update_their_status_on_reimport(city: Engine) -> None:
    header = ["楼宇编号", "诉求类别", "诉求内容", "办理状态", "受理日期", "办结日期"]
    first = _import(city, "demands", "d1.csv", csv_bytes([header, ["B001", "停车需求", "访客车位不足", "待办", "2026-09-01", ""]]))
    assert first.committed
    assert _rows(city, "SELECT point_id, status, due_on, closed_on FROM demand") == [(1, "open", "2026-10-01", None)]
    second = _import(city, "demands", "d2.csv",
                     csv_bytes([header, ["B001", "停车需求", "访客车位不足", "已办结", "2026-09-01", "2026-09-20"]]))
    assert second.changes["demand"].counts == {"new": 0, "updated": 1, "unchanged": 0}
    assert _rows(city, "SELECT status, closed_on FROM demand") == [("closed", "2026-09-20")]
    bad = _import(city, "demands", "d3.csv", csv_bytes([header, ["B002", "停车需求", "x", "已办结", "2026-09-01", ""]]))
    assert [(p.code, p.row) for p in bad.findings.problems] == [("closed_without_date", 2)]


def _collection(crs: str | None, features: list[dict]) -> bytes:
    body: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        body["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(body, ensure_ascii=False).encode()


SQUARE = {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.1], [120.0, 30.0]]]}


def test_boundaries_of_another_city_then_buildings_inside_them(engine: Engine) -> None:
    data = _collection("urn:ogc:def:crs:OGC:1.3:CRS84", [
        {"type": "Feature", "properties": {"adcode": "330106", "name": "西湖区", "name_en": "Xihu", "city": "杭州市"},
         "geometry": SQUARE}])
    outcome = _import(engine, "boundaries", "hz.geojson", data)
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert _rows(engine, "SELECT code, name_zh, name_en, city FROM district") == [("330106", "西湖区", "Xihu", "杭州市")]
    assert _rows(engine, "SELECT district_code, crs FROM district_boundary") == [("330106", "WGS-84")]
    header = ["楼宇编号", "楼宇名称", "所属区", "经度", "纬度", "坐标系", "建筑面积", "可租面积", "建成年份"]
    inside_ok = csv_bytes([header, ["HZ1", "西湖楼", "西湖区", 120.05, 30.05, "WGS-84", 100, 80, 2020]])
    assert _import(engine, "buildings", "hz.csv", inside_ok).committed
    outside = csv_bytes([header, ["HZ2", "外楼", "西湖区", 120.5, 30.05, "WGS-84", 100, 80, 2020]])
    assert [p.code for p in _import(engine, "buildings", "hz2.csv", outside).findings.problems] == ["outside_city"]


def test_boundaries_need_a_declared_crs_and_valid_polygons(engine: Engine) -> None:
    feature = {"type": "Feature", "properties": {"code": "1", "name": "甲"}, "geometry": SQUARE}
    assert [p.code for p in _import(engine, "boundaries", "a.geojson", _collection(None, [feature])).findings.problems] \
        == ["crs_missing_geojson"]
    assert _import(engine, "boundaries", "a.geojson", _collection(None, [feature]), crs="GCJ-02").committed
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    bad = _collection("GCJ-02", [{"type": "Feature", "properties": {"code": "2", "name": "乙"}, "geometry": bowtie}])
    problems = _import(engine, "boundaries", "b.geojson", bad).findings.problems
    assert [(p.code, p.row) for p in problems] == [("invalid_geometry", 1)]
    assert "第1行 · 字段「geometry」:" in problems[0].line("zh")  # a GeoJSON file has no column letters


def test_buildings_flagged_as_observation_points_get_a_point(city: Engine) -> None:
    lon, lat = inside("440105")
    data = csv_bytes([["楼宇编号", "楼宇名称", "所属区", "经度", "纬度", "建筑面积", "可租面积", "建成年份", "营商环境观测点"],
                      ["N9", "海珠新楼", "海珠区", lon, lat, 1000, 800, 2021, "是"]])
    assert _import(city, "buildings", "n9.csv", data, crs="GCJ-02").committed
    assert _rows(city, "SELECT p.code, p.designated_on FROM observation_point p JOIN building b ON b.id = p.building_id"
                       " WHERE b.code = 'N9'") == [("OP-N9", "2026-11-23")]


# ---------------------------------------------------------------- undo


def test_undo_restores_every_row_and_the_summaries(city: Engine) -> None:
    original = domain_rows(city, without=())
    rows = [MONTHLY_HEADER, ["B001", "2026-01", 9000, 10000, 41, 31, 150, 950, 3],
            ["B002", "2026-01", 3000, 6000, 10, 9, 20, 100, 1]]
    outcome = _import(city, "monthly", "jan.csv", csv_bytes(rows))
    assert outcome.changes["building_month"].counts == {"new": 1, "updated": 1, "unchanged": 0}
    assert _rows(city, "SELECT SUM(tax_10k) FROM district_month WHERE month = '2026-01-01'") == [(170.0,)]
    result = undo_batch(city, batch_id=outcome.batch_id, user="tester")
    assert result.ok, result.message("en")
    assert domain_rows(city, without=()) == original
    assert _rows(city, "SELECT undone_at IS NOT NULL FROM import_batch WHERE id = :i", i=outcome.batch_id) == [(1,)]
    assert ("undo_import", "tester") in _rows(city, "SELECT action, user_name FROM audit_log")
    again = undo_batch(city, batch_id=outcome.batch_id, user="tester")
    assert not again.ok and again.code == "already"


def test_undo_is_refused_when_a_later_import_changed_the_same_rows(city: Engine) -> None:
    rows = [MONTHLY_HEADER, ["B002", "2026-02", 3000, 6000, 10, 9, 20, 100, 1]]
    first = _import(city, "monthly", "a.csv", csv_bytes(rows))
    rows[1][6] = 25
    second = _import(city, "monthly", "b.csv", csv_bytes(rows))
    before = snapshot(city)
    refused = undo_batch(city, batch_id=first.batch_id, user="tester")
    assert not refused.ok and refused.code == "overwritten" and "撤销" in refused.message("zh")
    assert snapshot(city) == before
    assert undo_batch(city, batch_id=second.batch_id, user="tester").ok
    assert undo_batch(city, batch_id=first.batch_id, user="tester").ok
    assert _rows(city, "SELECT COUNT(*) FROM building_month WHERE month = '2026-02-01'") == [(0,)]


def test_undo_of_new_buildings_is_refused_while_later_data_refers_to_them(city: Engine) -> None:
    lon, lat = inside("440106")
    made = _import(city, "buildings", "n.csv", csv_bytes([
        ["楼宇编号", "楼宇名称", "所属区", "经度", "纬度", "建筑面积", "可租面积", "建成年份"],
        ["N1", "新楼", "天河区", lon, lat, 100, 80, 2020]]), crs="GCJ-02")
    monthly = _import(city, "monthly", "m.csv", csv_bytes([MONTHLY_HEADER, ["N1", "2026-03", 50, 80, 1, 1, 1, 1, 0]]))
    assert made.committed and monthly.committed
    refused = undo_batch(city, batch_id=made.batch_id, user="tester")
    assert not refused.ok and refused.code == "dependents"
    assert undo_batch(city, batch_id=monthly.batch_id, user="tester").ok
    assert undo_batch(city, batch_id=made.batch_id, user="tester").ok
    assert _rows(city, "SELECT COUNT(*) FROM building WHERE code = 'N1'") == [(0,)]


def test_the_template_workbook_imports_whole_and_undoes_whole(city: Engine) -> None:
    from imports_helpers import TODAY

    from data_layer.imports.templates import template_bytes

    original = domain_rows(city, without=())
    outcome = _import(city, "workbook", "template.xlsx", template_bytes("workbook", "xlsx", TODAY))
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert set(outcome.changes) == {"street", "building", "observation_point", "building_month", "city_month", "plan",
                                    "plan_target", "feedback", "demand", "enterprise", "tenancy"}
    assert undo_batch(city, batch_id=outcome.batch_id, user="tester").ok
    assert domain_rows(city, without=()) == original


def test_every_template_imports_as_downloaded(city: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from imports_helpers import TODAY

    from data_layer import db, store
    from data_layer.imports import prepare
    from data_layer.imports.templates import template_bytes

    assert _import(city, "buildings", "b.csv", template_bytes("buildings", "csv", TODAY)).committed
    for kind in ("monthly", "city", "plans", "feedback", "demands"):
        for fmt in ("csv", "xlsx"):
            outcome = prepare(city, kind=kind, file_name=f"t.{fmt}", data=template_bytes(kind, fmt, TODAY))
            assert outcome.ok and outcome.totals()["new"] == (2 if kind == "plans" else 1), (kind, fmt)  # plan + target
    empty = db.make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    store.create_store(empty)
    boundaries = _import(empty, "boundaries", "d.geojson", template_bytes("boundaries", "geojson", TODAY))
    assert boundaries.committed and boundaries.changes["district"].counts["new"] == 1


def test_an_unknown_crs_option_is_refused_before_anything_is_checked_or_written(engine: Engine) -> None:
    from data_layer.imports import prepare

    feature = {"type": "Feature", "properties": {"code": "1", "name": "甲"}, "geometry": SQUARE}
    data = _collection(None, [feature])
    before = snapshot(engine)
    dry = prepare(engine, kind="boundaries", file_name="a.geojson", data=data, options=Options(crs="EPSG:3857"))
    assert [(p.code, dict(p.params)["value"]) for p in dry.findings.problems] == [("unknown_crs_option", "EPSG:3857")]
    done = _import(engine, "boundaries", "a.geojson", data, crs="EPSG:3857")
    assert not done.committed and [p.code for p in done.findings.problems] == ["unknown_crs_option"]
    assert "GCJ-02、WGS-84 或 BD-09" in done.findings.problems[0].message("zh")
    assert snapshot(engine) == before
    assert _import(engine, "boundaries", "a.geojson", data, crs="wgs84").committed  # a known spelling is fine


def test_previews_of_plans_and_boundaries_have_translated_headers_and_summarised_geometry(city: Engine) -> None:
    from data_layer.imports import prepare
    from ui.imports_view import geometry_summary, preview_table

    two = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"],
                                                   [[[121.0, 31.0], [121.1, 31.0], [121.0, 31.1], [121.0, 31.0]]]]}
    data = _collection("GCJ-02", [
        {"type": "Feature", "properties": {"code": "1", "name": "甲区"}, "geometry": SQUARE},
        {"type": "Feature", "properties": {"code": "2", "name": "乙区"}, "geometry": two}])
    outcome = prepare(city, kind="boundaries", file_name="d.geojson", data=data)
    boundary = preview_table(outcome.changes["district_boundary"], "boundaries", "zh")
    assert list(boundary.columns) == ["变化", "区划代码", "坐标系", "边界", "来源", "变更字段"]
    # the square: 5 points, the last closing the ring = 4 vertices; the triangle: 3 vertices
    assert boundary["边界"].tolist() == ["多边形 · 4 个顶点", "多多边形 · 2 个部分 · 7 个顶点"]
    assert geometry_summary(json.dumps(SQUARE), "en") == "Polygon · 4 vertices"
    district = preview_table(outcome.changes["district"], "boundaries", "en")
    assert list(district.columns) == ["Change", "code", "name", "name (English)", "city", "Changed fields"]

    plans = csv_bytes([PLAN_HEADER, ["TH-2026", "天河区三年计划", "天河区", 2026, 2028, "已建楼宇入驻率", 2026, "85%", "≥"]])
    outcome = prepare(city, kind="plans", file_name="p.csv", data=plans)
    plan = preview_table(outcome.changes["plan"], "plans", "zh")
    assert {"计划编号", "适用范围类型", "适用范围代码"} <= set(plan.columns)
    assert not {"code", "scope_type", "scope_code"} & set(plan.columns)
    target = preview_table(outcome.changes["plan_target"], "plans", "zh")
    assert not {"plan_code", "indicator_code", "target_value"} & set(target.columns)
