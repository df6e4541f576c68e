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
