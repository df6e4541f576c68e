"""计划编辑 (editors only): create a plan with its period and scope, copy one from a template, and edit its
targets per year and indicator in a grid. Every change is validated and recorded (who, when, old and new value).

The grid is built from a snapshot of the plan's targets kept in the session, not from the store on every rerun:
an import that lands while someone edits must neither reset the grid (losing the edits) nor be overwritten by the
save. With no edits pending the snapshot follows the store; with edits it is kept, the page says the targets
changed, and the save is refused (`plans.save_targets(loaded=...)`) until the editor reloads."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from data_layer import cached, plans
from data_layer.cached import goals as cached_goals
from data_layer.i18n import localized
from data_layer.indicators import COMPARATORS, REGISTRY
from ui.auth import require_role
from ui.goal_charts import COMPARATOR_TEXT
from ui.plan_grid import (
    changed_rows,
    grid_targets,
    history_table,
    loaded_targets,
    mixed_comparators,
    problem_messages,
    target_grid,
    targets_token,
)
from ui.shell import md, page_context, t

ctx = page_context()
st.title(t("plan.heading"))
user = require_role("editor")
lang = ctx.lang
name_col = localized("name", lang)
engine = cached.engine(ctx.url)
district_frame = cached.districts(ctx.url, ctx.version)
names = dict(zip(district_frame["code"], district_frame[name_col], strict=True))
ind_names = {i.code: getattr(i, name_col) for i in REGISTRY}

if goto := st.session_state.pop("plan_goto", None):  # after a create or copy, open the new plan for editing
    st.session_state["plan_mode"], st.session_state["edit_plan"] = "edit", goto
if flash := st.session_state.pop("plan_flash", None):
    st.success(flash)
for caution in st.session_state.pop("plan_flash_warnings", []):
    st.warning(caution)


def _run(action: Callable[[], object], success: str, goto: str | None = None,
         warnings: list[str] | None = None, forget: str | None = None) -> None:
    """Call a data-layer write; show its problems, or remember the success message (and any warnings about what
    was accepted) and rerun. `forget`: a session key to drop on success (the grid's snapshot)."""
    try:
        result = action()
    except plans.PlanError as error:
        for message in problem_messages(error.problems, lang=lang, t=t):
            st.error(message)
        return
    st.session_state["plan_flash"] = md(success, **(result if isinstance(result, dict) else {}))
    st.session_state["plan_flash_warnings"] = warnings or []
    if goto:
        st.session_state["plan_goto"] = goto
    if forget:
        st.session_state.pop(forget, None)
    st.rerun()


def _pending_edits(grid_key: str, indicators_key: str, in_plan: list[str]) -> bool:
    """Whether the grid or the indicator choice holds edits not saved yet."""
    state = st.session_state.get(grid_key) or {}
    edited = any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))
    chosen = st.session_state.get(indicators_key)
    return edited or (chosen is not None and list(chosen) != in_plan)


def _widget_keys(code: str, token: str) -> tuple[str, str]:
    """The grid's and the indicator choice's keys: they change with the snapshot, never with the data version."""
    return f"grid_{code}_{token}", f"indicators_{code}_{token}"


def _snapshot(key: str, code: str, current: pd.DataFrame) -> tuple[pd.DataFrame, str, bool]:
    """The targets the grid is built from, their token, and whether the store has moved on since (stale). The
    snapshot follows the store while nothing is typed; with edits pending it is kept, so they survive."""
    kept = st.session_state.get(key)
    if kept is not None:
        token = targets_token(kept)
        stale = targets_token(current) != token
        in_plan = list(dict.fromkeys(kept["indicator_code"]))
        if not stale or _pending_edits(*_widget_keys(code, token), in_plan):
            return kept, token, stale
    st.session_state[key] = current
    return current, targets_token(current), False


def _plan_fields(prefix: str, *, scope: bool, end: bool = True) -> plans.PlanInput:
    code = st.text_input(t("plan.field.code"), key=f"{prefix}_code", help=t("plan.field.code_help"), max_chars=40)
    name_zh = st.text_input(t("plan.field.name_zh"), key=f"{prefix}_name_zh", max_chars=120)
    name_en = st.text_input(t("plan.field.name_en"), key=f"{prefix}_name_en", max_chars=160)
    scope_type, district = "city", None
    if scope:
        scope_type = st.selectbox(t("plan.field.scope"), ["city", "district"], key=f"{prefix}_scope",
                                  format_func=lambda s: t(f"plan.scope.{s}"))
        district = st.selectbox(t("plan.field.district"), list(names), key=f"{prefix}_district",
                                format_func=lambda c: names[c], help=t("plan.field.district_help"))
    start = int(st.number_input(t("plan.field.start_year"), 2000, 2100, ctx.last_month.year, key=f"{prefix}_start"))
    finish = int(st.number_input(t("plan.field.end_year"), 2000, 2100, ctx.last_month.year + 2,
                                 key=f"{prefix}_end")) if end else start
    return plans.PlanInput(code.strip(), name_zh, name_en, start, finish, scope_type,
                           district if scope_type == "district" else None)


mode = st.segmented_control(t("plan.mode"), ["edit", "create", "copy"], default="edit", key="plan_mode",
                            format_func=lambda m: t(f"plan.mode.{m}")) or "edit"

if mode == "create":
    with st.form("create_plan"):
        new = _plan_fields("create", scope=True)
        if st.form_submit_button(t("plan.create"), type="primary"):
            _run(lambda: plans.create_plan(engine, user=user.username, plan=new), "plan.created", goto=new.code)

elif mode == "copy":
    every = cached_goals.plan_list(ctx.url, ctx.version, None).sort_values("is_template", ascending=False)
    labels = dict(zip(every["code"], every[name_col], strict=True))
    with st.form("copy_plan"):
        source = st.selectbox(t("plan.field.template"), list(labels), key="copy_source",
                              format_func=lambda c: labels[c], help=t("plan.field.template_help"))
        new = _plan_fields("copy", scope=True, end=False)
        if st.form_submit_button(t("plan.copy"), type="primary"):
            _run(lambda: plans.copy_plan(engine, user=user.username, source_code=source, plan=new), "plan.copied",
                 goto=new.code)

else:
    own = cached_goals.plan_list(ctx.url, ctx.version, False)
    if own.empty:
        st.info(t("plan.no_plans"))
        st.stop()
    labels = dict(zip(own["code"], own[name_col], strict=True))
    code = st.selectbox(t("plan.field.plan"), list(labels), key="edit_plan", format_func=lambda c: labels[c])
    plan = own[own["code"] == code].iloc[0]
    scope_text = t("plan.scope.city") if plan["scope_type"] == "city" else names.get(plan["scope_code"], "")
    st.text(f"{code} · {scope_text} · {plan['start_year']}–{plan['end_year']}")
    with st.expander(t("plan.info")), st.form("plan_info"):
        name_zh = st.text_input(t("plan.field.name_zh"), plan["name_zh"], max_chars=120)
        name_en = st.text_input(t("plan.field.name_en"), plan["name_en"], max_chars=160)
        start = int(st.number_input(t("plan.field.start_year"), 2000, 2100, int(plan["start_year"])))
        end = int(st.number_input(t("plan.field.end_year"), 2000, 2100, int(plan["end_year"])))
        if st.form_submit_button(t("plan.save_info")):
            _run(lambda: plans.update_plan(engine, user=user.username, plan_code=code, name_zh=name_zh,
                                           name_en=name_en, start_year=start, end_year=end), "plan.saved_info")

    snapshot_key = f"plan_snapshot_{code}"
    targets, token, stale = _snapshot(snapshot_key, code, cached_goals.plan_targets(ctx.url, ctx.version, code))
    in_plan = list(dict.fromkeys(targets["indicator_code"]))
    grid_key, indicators_key = _widget_keys(code, token)
    if stale:
        st.warning(t("plan.stale"))
        if st.button(t("plan.reload"), key="reload_targets"):
            st.session_state.pop(snapshot_key, None)  # drops the edits: the grid is rebuilt from the store
            st.rerun()
    chosen = st.multiselect(t("plan.indicators"), list(ind_names), default=in_plan,
                            format_func=lambda c: ind_names[c], key=indicators_key)
    years = list(range(int(plan["start_year"]), int(plan["end_year"]) + 1))
    grid = target_grid(targets, indicators=chosen, years=years, lang=lang, unit_label=lambda u: t(f"plan.unit.{u}"))
    config = {"name": t("plan.grid.indicator"), "unit": t("plan.grid.unit"),
              "comparator": st.column_config.SelectboxColumn(t("plan.grid.comparator"), options=list(COMPARATORS),
                                                             format_func=lambda c: COMPARATOR_TEXT[c], required=True)}
    config |= {str(y): st.column_config.NumberColumn(str(y), min_value=0.0, format="localized") for y in years}
    st.caption(t("plan.grid.help"))
    if mixed := [ind_names[c] for c in mixed_comparators(targets) if c in chosen]:
        st.caption(t("plan.grid.mixed", indicators="、".join(mixed) if lang == "zh" else ", ".join(mixed)))
    edited = st.data_editor(grid, hide_index=True, key=grid_key, disabled=["name", "unit"],
                            height=36 * len(grid) + 42,
                            column_order=[c for c in grid.columns if c != "indicator"], column_config=config)
    if st.button(t("plan.save"), type="primary", key="save_targets"):
        rows = grid_targets(edited, original=targets)
        cautions = problem_messages(plans.target_warnings(changed_rows(rows, targets)), lang=lang, t=t,
                                    kind="warning")
        _run(lambda: plans.save_targets(engine, user=user.username, plan_code=code, targets=rows,
                                        loaded=loaded_targets(targets)),
             "plan.saved", warnings=cautions, forget=snapshot_key)
    with st.expander(t("plan.history")):
        history = history_table(cached_goals.plan_history(ctx.url, ctx.version, code), t=t)
        st.dataframe(history, hide_index=True, key="plan_history",
                     column_config={c: t(f"plan.history.{c}") for c in history.columns})
