"""Plans: create, edit, copy from a template; validation; one audit row per change, in the same transaction."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import text

from data_layer import audit, plans, queries
from data_layer.plans import PlanError, PlanInput


def _audit(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text("SELECT user_name, action, via, table_name, row_key, old_value, new_value"
                                " FROM audit_log ORDER BY id"), conn)


def _targets(engine, code: str) -> dict[tuple[str, int], tuple[float, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT t.indicator_code, t.year, t.target_value, t.comparator FROM plan_target t"
                                 " JOIN plan p ON p.id = t.plan_id WHERE p.code = :c"), {"c": code}).all()
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def _codes(error: PlanError) -> list[str]:
    return [p.code for p in error.problems]


NEW = PlanInput("GZ-2027-2029", "广州三年计划", "Guangzhou plan", 2027, 2029)


def test_create_a_plan_with_targets_records_who_and_what(engine) -> None:
    plans.create_plan(engine, user="wang", plan=NEW, targets=[
        {"indicator_code": "occupancy_rate", "year": 2027, "target_value": 80},
        {"indicator_code": "vacant_area", "year": 2028, "target_value": 5_000}])
    assert _targets(engine, "GZ-2027-2029") == {("occupancy_rate", 2027): (80.0, ">="),
                                                ("vacant_area", 2028): (5_000.0, "<=")}  # lower-is-better default
    log = _audit(engine)
    assert log["action"].tolist() == ["plan_create"] * 3
    assert set(log["user_name"]) == {"wang"}
    assert log["row_key"].tolist() == ["GZ-2027-2029", "GZ-2027-2029:occupancy_rate:2027",
                                       "GZ-2027-2029:vacant_area:2028"]
    assert json.loads(log["new_value"][1]) == {"comparator": ">=", "target_value": 80.0}


@pytest.mark.parametrize(("row", "problem"), [
    ({"indicator_code": "occupancy_rate", "year": 2030, "target_value": 80}, "year_outside"),
    ({"indicator_code": "occupancy_rate", "year": 2027, "target_value": 101}, "pct_range"),
    ({"indicator_code": "buildings_tax_10m", "year": 2027, "target_value": 10.5}, "count_integer"),
    ({"indicator_code": "building_tax", "year": 2027, "target_value": -1}, "negative"),
    ({"indicator_code": "building_tax", "year": 2027, "target_value": float("nan")}, "not_a_number"),
    ({"indicator_code": "no_such_thing", "year": 2027, "target_value": 1}, "unknown_indicator"),
    ({"indicator_code": "building_tax", "year": 2027, "target_value": 1, "comparator": "=="}, "bad_comparator"),
])
def test_invalid_targets_are_refused_and_nothing_is_written(engine, row: dict, problem: str) -> None:
    with pytest.raises(PlanError) as refused:
        plans.create_plan(engine, user="wang", plan=NEW, targets=[row])
    assert problem in _codes(refused.value)
    assert plans.list_plans(engine, templates=False).empty
    assert _audit(engine).empty


def test_duplicates_and_bad_plans_are_refused(engine, make) -> None:
    make.district("440106")
    with pytest.raises(PlanError) as refused:
        plans.create_plan(engine, user="wang", plan=NEW, targets=[
            {"indicator_code": "building_tax", "year": 2027, "target_value": 1},
            {"indicator_code": "building_tax", "year": 2027, "target_value": 2}])
    assert _codes(refused.value) == ["duplicate"]
    bad = [(PlanInput("bad code!", "甲", "A", 2027, 2029), "bad_code"),
           (PlanInput("P1", "", "A", 2027, 2029), "name_missing"),
           (PlanInput("P1", "甲", "A", 2029, 2027), "years_order"),
           (PlanInput("P1", "甲", "A", 2020, 2035), "years_span"),
           (PlanInput("P1", "甲", "A", 2027, 2029, "district", "999999"), "unknown_district"),
           (PlanInput("JX-2015-2017", "甲", "A", 2027, 2029), "code_taken")]
    for plan, problem in bad:
        with pytest.raises(PlanError) as refused:
            plans.create_plan(engine, user="wang", plan=plan)
        assert problem in _codes(refused.value), plan
    plans.create_plan(engine, user="wang", plan=PlanInput("P1", "甲", "A", 2027, 2029, "district", "440106"))
    assert plans.plan_by_code(engine, "P1")["scope_code"] == "440106"


def test_editing_the_grid_records_old_and_new_for_each_change(engine) -> None:
    plans.create_plan(engine, user="wang", plan=NEW, targets=[
        {"indicator_code": "occupancy_rate", "year": 2027, "target_value": 80},
        {"indicator_code": "occupancy_rate", "year": 2028, "target_value": 82},
        {"indicator_code": "building_tax", "year": 2027, "target_value": 1_000}])
    version = queries.data_version(engine)
    counts = plans.save_targets(engine, user="li", plan_code=NEW.code, targets=[
        {"indicator_code": "occupancy_rate", "year": 2027, "target_value": 80},  # unchanged
        {"indicator_code": "occupancy_rate", "year": 2028, "target_value": 83.5},  # changed
        {"indicator_code": "new_enterprises", "year": 2029, "target_value": 500}])  # added; tax 2027 removed
    assert counts == {"added": 1, "changed": 1, "removed": 1, "unchanged": 1}
    assert _targets(engine, NEW.code) == {("occupancy_rate", 2027): (80.0, ">="),
                                          ("occupancy_rate", 2028): (83.5, ">="),
                                          ("new_enterprises", 2029): (500.0, ">=")}
    edits = _audit(engine).query("user_name == 'li'")
    assert len(edits) == 3 and set(edits["action"]) == {"plan_edit"}
    by_key = {r.row_key: (r.old_value, r.new_value) for r in edits.itertuples()}
    old, new = by_key["GZ-2027-2029:occupancy_rate:2028"]
    assert json.loads(old)["target_value"] == 82.0 and json.loads(new)["target_value"] == 83.5
    assert pd.isna(by_key["GZ-2027-2029:building_tax:2027"][1])  # removed: no new value
    assert pd.isna(by_key["GZ-2027-2029:new_enterprises:2029"][0])  # added: no old value
    assert queries.data_version(engine) != version  # caches see the change
    history = plans.plan_history(engine, plan_code=NEW.code)
    assert len(history) == 7 and history["user_name"].iloc[0] == "li"


def test_a_failure_half_way_leaves_no_change_and_no_audit_row(engine, monkeypatch: pytest.MonkeyPatch) -> None:
    plans.create_plan(engine, user="wang", plan=NEW, targets=[
        {"indicator_code": "occupancy_rate", "year": 2027, "target_value": 80}])
    before_targets, before_audit = _targets(engine, NEW.code), len(_audit(engine))
    calls = {"n": 0}
    real = audit.record

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError):
        plans.save_targets(engine, user="li", plan_code=NEW.code, targets=[
            {"indicator_code": "occupancy_rate", "year": 2027, "target_value": 81},
            {"indicator_code": "building_tax", "year": 2027, "target_value": 9}])
    assert _targets(engine, NEW.code) == before_targets
    assert len(_audit(engine)) == before_audit


def test_copy_a_reference_plan_as_a_template(engine) -> None:
    plans.copy_plan(engine, user="wang", source_code="JX-2015-2017",
                    plan=PlanInput("JX-COPY", "嘉兴式计划", "Jiaxing-style plan", 2027, 0))
    plan = plans.plan_by_code(engine, "JX-COPY")
    assert (plan["start_year"], plan["end_year"], plan["is_template"]) == (2027, 2029, False)
    copied = _targets(engine, "JX-COPY")
    # the brief's Jiaxing targets, shifted from 2015-2017 to 2027-2029
    assert copied[("occupancy_rate", 2027)] == (65.0, ">=") and copied[("occupancy_rate", 2029)] == (85.0, ">=")
    assert copied[("buildings_tax_10m", 2028)] == (70.0, ">=")
    assert len(copied) == 15
    log = _audit(engine)
    assert set(log["action"]) == {"plan_copy"} and len(log) == 16
    assert json.loads(log["new_value"][0])["copied_from"] == "JX-2015-2017"


def test_templates_are_read_only_and_years_must_keep_the_targets(engine) -> None:
    with pytest.raises(PlanError) as refused:
        plans.save_targets(engine, user="wang", plan_code="SZ-2023", targets=[])
    assert _codes(refused.value) == ["template_read_only"]
    plans.create_plan(engine, user="wang", plan=NEW, targets=[
        {"indicator_code": "occupancy_rate", "year": 2029, "target_value": 80}])
    with pytest.raises(PlanError) as refused:
        plans.update_plan(engine, user="wang", plan_code=NEW.code, name_zh="新名", name_en="New", start_year=2027,
                          end_year=2028)
    assert _codes(refused.value) == ["targets_outside"]
    assert plans.update_plan(engine, user="wang", plan_code=NEW.code, name_zh="新名", name_en="Guangzhou plan",
                             start_year=2026, end_year=2029)
    edit = _audit(engine).iloc[-1]
    assert json.loads(edit["old_value"]) == {"name_zh": "广州三年计划", "start_year": 2027}
    assert json.loads(edit["new_value"]) == {"name_zh": "新名", "start_year": 2026}


# ------------------------------------------------------------------------------------------------ review fixes


def test_a_rate_typed_as_a_fraction_is_refused_with_the_indicator_and_year(engine) -> None:
    from data_layer.i18n import translate
    from ui.plan_grid import problem_messages

    def message(lang: str) -> str:
        return problem_messages(refused.value.problems, lang=lang,
                                t=lambda key, **kw: translate(key, lang, **kw))[0]

    with pytest.raises(PlanError) as refused:
        plans.create_plan(engine, user="wang", plan=NEW, targets=[
            {"indicator_code": "occupancy_rate", "year": 2028, "target_value": 0.65}])
    assert [(p.code, p.params["indicator"], p.params["year"]) for p in refused.value.problems] == [
        ("pct_fraction", "occupancy_rate", 2028)]
    zh, en = message("zh"), message("en")
    assert "已建楼宇入驻率" in zh and "2028" in zh and "65 表示 65%" in zh
    assert "Occupancy of built buildings" in en and "2028" in en and "65 means 65 %" in en
    assert plans.list_plans(engine, templates=False).empty
    for fine in (0, 1, 65):  # the bounds themselves are real targets
        assert plans.validate_targets([{"indicator_code": "registration_rate", "year": 2027, "target_value": fine}],
                                      start_year=2027, end_year=2029) == []


def test_a_small_tax_share_is_accepted_with_a_warning(engine) -> None:
    rows = [{"indicator_code": "tax_share", "year": 2027, "target_value": 0.8},
            {"indicator_code": "tax_share", "year": 2028, "target_value": 12.0}]
    plans.create_plan(engine, user="wang", plan=NEW, targets=rows)  # a district's 0.8 % of city tax can be real
    assert _targets(engine, NEW.code)[("tax_share", 2027)] == (0.8, ">=")
    warnings = plans.target_warnings(rows)
    assert [(w.code, w.params) for w in warnings] == [
        ("pct_small", {"indicator": "tax_share", "year": 2027, "value": 0.8})]


def test_saving_refuses_when_the_targets_changed_since_the_grid_was_loaded(engine) -> None:
    plans.create_plan(engine, user="wang", plan=NEW, targets=[
        {"indicator_code": "occupancy_rate", "year": 2027, "target_value": 80}])
    loaded = plans.plan_targets(engine, plan_code=NEW.code).to_dict("records")
    # meanwhile someone else (an import, another editor) changes the target
    plans.save_targets(engine, user="zhao", plan_code=NEW.code, targets=[
        {"indicator_code": "occupancy_rate", "year": 2027, "target_value": 82}])
    before = len(_audit(engine))
    with pytest.raises(PlanError) as refused:
        plans.save_targets(engine, user="li", plan_code=NEW.code, loaded=loaded, targets=[
            {"indicator_code": "occupancy_rate", "year": 2027, "target_value": 80},
            {"indicator_code": "building_tax", "year": 2027, "target_value": 9_000}])
    assert _codes(refused.value) == ["stale"]
    assert _targets(engine, NEW.code) == {("occupancy_rate", 2027): (82.0, ">=")}  # zhao's change kept
    assert len(_audit(engine)) == before
    fresh = plans.plan_targets(engine, plan_code=NEW.code).to_dict("records")
    counts = plans.save_targets(engine, user="li", plan_code=NEW.code, loaded=fresh, targets=[
        {"indicator_code": "occupancy_rate", "year": 2027, "target_value": 82},
        {"indicator_code": "building_tax", "year": 2027, "target_value": 9_000}])
    assert counts == {"added": 1, "changed": 0, "removed": 0, "unchanged": 1}


def test_a_copy_names_its_source_in_both_languages(engine) -> None:
    plans.copy_plan(engine, user="wang", source_code="SZ-2023",
                    plan=PlanInput("SZ-COPY", "苏州式", "Suzhou-style", 2027, 0))
    assert plans.plan_by_code(engine, "SZ-COPY")["source"] == "复制自 SZ-2023 / copied from SZ-2023"


# ------------------------------------------------------------------------------------- plan imports


def _plan_csv(rows: list[list[object]]) -> bytes:
    header = ["计划编号", "计划名称", "适用范围", "起始年份", "截止年份", "指标", "目标年份", "目标值", "比较方式"]
    return "\n".join(",".join(str(v) for v in row) for row in [header, *rows]).encode("utf-8")


def test_an_import_uses_each_indicators_own_comparator_and_keeps_stored_ones(engine) -> None:
    from data_layer.imports import run_import

    plans.create_plan(engine, user="wang", plan=NEW, targets=[
        {"indicator_code": "new_enterprises", "year": 2027, "target_value": 70, "comparator": ">"}])
    data = _plan_csv([[NEW.code, "", "", "", "", "vacant_area", 2027, "5000", ""],  # lower is better
                      [NEW.code, "", "", "", "", "new_enterprises", 2027, "80", ""],  # keeps its ">"
                      [NEW.code, "", "", "", "", "occupancy_rate", 2027, "85", ""]])
    outcome = run_import(engine, kind="plans", file_name="targets.csv", data=data, user="zhao")
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    assert _targets(engine, NEW.code) == {("vacant_area", 2027): (5_000.0, "<="),
                                          ("new_enterprises", 2027): (80.0, ">"),
                                          ("occupancy_rate", 2027): (85.0, ">=")}


def test_plan_history_shows_the_imports_that_wrote_its_targets(engine) -> None:
    from data_layer.imports import run_import, undo_batch

    plans.create_plan(engine, user="wang", plan=NEW, targets=[
        {"indicator_code": "occupancy_rate", "year": 2027, "target_value": 80}])
    other = PlanInput("OTHER", "别的计划", "Other plan", 2027, 2029)
    plans.create_plan(engine, user="wang", plan=other)
    data = _plan_csv([[NEW.code, "", "", "", "", "occupancy_rate", 2027, "82", ""],
                      [NEW.code, "", "", "", "", "building_tax", 2028, "9000", ""],
                      ["OTHER", "", "", "", "", "building_tax", 2028, "1", ""]])
    outcome = run_import(engine, kind="plans", file_name="二季度目标.csv", data=data, user="zhao")
    assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    history = plans.plan_history(engine, plan_code=NEW.code)
    imported = history[history["action"] == "import"].set_index("row_key")
    assert sorted(imported.index) == ["GZ-2027-2029:building_tax:2028", "GZ-2027-2029:occupancy_rate:2027"]
    assert set(imported["user_name"]) == {"zhao"} and set(imported["file_name"]) == {"二季度目标.csv"}
    changed = imported.loc["GZ-2027-2029:occupancy_rate:2027"]
    assert json.loads(changed["old_value"]) == {"comparator": ">=", "target_value": 80.0}
    assert json.loads(changed["new_value"]) == {"comparator": ">=", "target_value": 82.0}
    assert pd.isna(imported.loc["GZ-2027-2029:building_tax:2028", "old_value"])  # added by the import
    assert history["action"].iloc[0] == "import"  # newest first: after wang's creation
    assert len(history) == 4  # wang's plan and target rows, two imported targets
    assert len(plans.plan_history(engine, plan_code="OTHER").query("action == 'import'")) == 1
    assert undo_batch(engine, batch_id=outcome.batch_id, user="qian").ok
    undone = plans.plan_history(engine, plan_code=NEW.code).iloc[0]
    assert (undone["action"], undone["user_name"], undone["file_name"]) == ("undo_import", "qian", "二季度目标.csv")
