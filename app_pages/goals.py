"""目标跟踪: a plan's targets for a year against the actuals by an as-of month, with pace, forecast and status; the
target-against-actual chart over the plan's years; district and street rankings; the buildings that moved a number."""

from __future__ import annotations

from datetime import date

import streamlit as st

from data_layer import cached
from data_layer.aggregates import Scope
from data_layer.cached import goals as cached_goals
from data_layer.goal_rankings import BASES, COMPARE, MIN_RANK_BUILDINGS, RANKABLE
from data_layer.goals import PACE_METHODS, Margins
from data_layer.i18n import localized
from data_layer.indicators import BY_CODE, TAX_10M_BOUND_10K, TAX_100M_BOUND_10K, definition
from ui import goal_charts, workbench_view
from ui import view_state as vs
from ui.commentary_view import render_commentary
from ui.definitions import header_config
from ui.drivers_view import render_drivers
from ui.held import held, held_choice
from ui.shell import md, page_context, plain, t

GOALS_SAVED = "goals_saved_params"  # the last view's parameters, for a return from another page

ctx = page_context()
lang = ctx.lang
name_col = localized("name", lang)
district_frame = cached.districts(ctx.url, ctx.version)
names = dict(zip(district_frame["code"], district_frame[name_col], strict=True))
all_plans = cached_goals.plan_list(ctx.url, ctx.version, False)
st.title(t("goals.heading"))
if all_plans.empty:
    st.info(t("goals.no_plans"))
    st.stop()

# The view (scope, plan, as-of month, pace, tab, chart and ranking choices) lives in the URL (ui.view_state).
plan_choices = {r.code: vs.PlanChoice("city" if r.scope_type == "city" else r.scope_code, int(r.start_year),
                                      int(r.end_year)) for r in all_plans.itertuples()}
url_view = vs.parse_goals(vs.url_params(vs.GOAL_PARAMS, GOALS_SAVED), plans=plan_choices, districts=set(names),
                          last_month=ctx.last_month)
vs.seed({"goal_scope": url_view.scope, "goal_plan": url_view.plan, "goal_year": url_view.year,
         f"goal_month_{url_view.year}": url_view.month, "goal_pace": url_view.pace, "rank_code": url_view.rank,
         "rank_basis": url_view.basis, "rank_level": url_view.level})
with st.sidebar:
    scopes = vs.goal_scopes(plan_choices)
    scope_code = st.selectbox(t("goals.filter.scope"), scopes, index=held("goal_scope", scopes), key="goal_scope",
                              format_func=lambda s: t("filter.all_districts") if s == "city" else names.get(s, s))
    here = all_plans[all_plans["scope_type"] == "city"] if scope_code == "city" else \
        all_plans[all_plans["scope_code"] == scope_code]
    plan_names = dict(zip(here["code"], here[name_col], strict=True))
    if st.session_state.get("goal_plan") not in plan_names:  # the scope changed: its first plan
        st.session_state["goal_plan"] = next(iter(plan_names))
    plan_code = st.selectbox(t("goals.filter.plan"), list(plan_names), index=held("goal_plan", list(plan_names)),
                             key="goal_plan",
                             format_func=lambda c: plan_names[c])
    plan = plan_choices[plan_code]
    if st.session_state.get("goal_year") not in plan.years:
        st.session_state["goal_year"] = vs.default_year(plan, ctx.last_month)
    year = st.selectbox(t("filter.year"), plan.years, index=held("goal_year", plan.years), key="goal_year")
    months = vs.goal_months(year, ctx.last_month)
    # one widget per year, so a finished year opens at December (its final attainment), the running one at the
    # latest month with data
    if st.session_state.get(f"goal_month_{year}") not in months:
        st.session_state[f"goal_month_{year}"] = months[-1]
    month = st.selectbox(t("goals.filter.as_of"), months, index=held(f"goal_month_{year}", months),
                         key=f"goal_month_{year}",
                         format_func=lambda m: f"{year}-{m:02d}")
    pace = st.segmented_control(t("goals.filter.pace"), PACE_METHODS, key="goal_pace",
                                default=held_choice("goal_pace", PACE_METHODS),
                                format_func=lambda p: t(f"goals.pace.{p}"),
                                help=t("goals.filter.pace_help")) or "linear"

as_of = date(year, month, 1)
scope = Scope() if scope_code == "city" else Scope("district", scope_code)
scope_label = t("filter.all_districts") if scope_code == "city" else names.get(scope_code, scope_code)
margins = Margins.from_settings()
table = cached_goals.goal_table(ctx.url, ctx.version, plan_code, as_of, pace, margins.share, margins.pp)
# the core's rule (goals.is_final), read from the table so page, command line and table always agree
final = bool(table["final"].any())
st.text(plan_names[plan_code])
st.caption(t("goals.caption", scope=plain(scope_label), year=year, as_of=f"{year}-{month:02d}",
             last=ctx.last_month.strftime("%Y-%m"))
           + (" · " + t("goals.final") if final else ""))
counts = table["status"].value_counts()
groups = {"good": ("on_track", "achieved"), "at_risk": ("at_risk",), "bad": ("off_track", "missed"),
          "no_data": ("no_data", "no_target")}
for column, (group, codes) in zip(st.columns(4), groups.items(), strict=True):
    column.metric(t(f"goals.metric.{group}" + ("_final" if final and group in ("good", "bad") else "")),
                  int(sum(counts.get(c, 0) for c in codes)), border=True, help=definition("status_text", lang))

tab_labels, tab_key = [t(f"goals.tab.{c}") for c in vs.GOAL_TABS], f"goal_tab_{lang}"  # its state: the label
vs.tab_state(tab_key, vs.GOAL_TABS, tab_labels, url_view.tab)
tab_status, tab_chart, tab_rank, tab_movers, tab_drivers, tab_notes = st.tabs(tab_labels, key=tab_key, on_change="rerun")

with tab_status:
    display = goal_charts.status_table(table, lang=lang, t=t)
    st.dataframe(goal_charts.style_status(display), hide_index=True, key="status_table", height=36 * len(display) + 40,
                 column_order=[c for c in display.columns if c != "status"],
                 column_config=header_config([c for c in display.columns if c != "status"], lang=lang,
                                             label=lambda c: t(f"goals.col.{c}")))
    with st.expander(t("goals.method.title")):
        st.markdown(t("goals.method.body", share=f"{margins.share * 100:g}", pp=f"{margins.pp:g}"))
    # 准千万元楼 / 准亿元楼 beside the threshold-count targets (the planner's workbench, issue 17)
    workbench_view.pipeline_block(ctx, goals=table, as_of=as_of, district=scope.code if scope.kind == "district" else None)

with tab_chart:
    chart_codes = list(table["indicator"])
    vs.seed({"chart_indicator": url_view.indicator if url_view.indicator in chart_codes else chart_codes[0]})
    if st.session_state["chart_indicator"] not in chart_codes:  # another plan: its first indicator
        st.session_state["chart_indicator"] = chart_codes[0]
    chosen = st.selectbox(t("goals.chart.indicator"), chart_codes, index=held("chart_indicator", chart_codes),
                          key="chart_indicator",
                          format_func=lambda c: getattr(BY_CODE[c], name_col))
    history = cached_goals.attainment(ctx.url, ctx.version, plan_code, as_of, pace, margins.share, margins.pp)
    labels = {k: t(f"goals.chart.{k}") for k in ("target", "actual", "forecast", "year")}
    st.plotly_chart(goal_charts.target_actual_chart(history[history["indicator"] == chosen], unit=BY_CODE[chosen].unit,
                                           lang=lang, labels=labels, t=t), key="goal_chart")
    st.caption(t("goals.chart.caption") + " " + definition(chosen, lang))

with tab_rank:
    left, middle, right, last = st.columns(4)
    rank_code = left.selectbox(t("goals.rank.indicator"), RANKABLE, index=held("rank_code", RANKABLE), key="rank_code",
                               format_func=lambda c: getattr(BY_CODE[c], name_col))
    basis = middle.selectbox(t("goals.rank.basis"), BASES, index=held("rank_basis", BASES), key="rank_basis",
                             format_func=lambda b: t(f"goals.rank.basis.{b}"))
    levels = ["district", *names] if scope_code == "city" else [scope_code]
    if st.session_state.get("rank_level") not in levels:  # another scope
        st.session_state["rank_level"] = levels[0]
    level = right.selectbox(t("goals.rank.level"), levels, index=held("rank_level", levels), key="rank_level",
                            format_func=lambda v: t("goals.rank.level.district") if v == "district"
                            else md("goals.rank.level.street", district=names.get(v, v)))
    min_buildings = int(last.number_input(t("goals.rank.min_buildings"), min_value=1, max_value=10_000,
                                          value=MIN_RANK_BUILDINGS, key="rank_min"))
    by_district = level == "district"
    frame = cached_goals.ranking(ctx.url, ctx.version, rank_code, as_of, "district" if by_district else "street",
                                 None if by_district else level, basis, min_buildings)
    st.caption(t("goals.rank.caption", min=min_buildings, month=f"{year}-{month:02d}"))
    unit = BY_CODE[rank_code].unit
    shown = goal_charts.ranking_table(frame, unit=unit, basis=basis, lang=lang, t=t)
    table_col, chart_col = st.columns([3, 2])
    table_col.dataframe(shown, hide_index=True, key="ranking_table", height=36 * len(shown) + 40,
                        column_config=header_config(shown.columns, label=lambda c: t(f"goals.rank.col.{c}"), lang=lang,
                                                    codes={"score": rank_code, "buildings": "ranked_buildings",
                                                           "state": "rank_state"}, frame=shown))
    chart_col.plotly_chart(goal_charts.ranking_chart(frame, unit=unit, basis=basis, lang=lang,
                                            label=t(f"goals.rank.basis.{basis}"), t=t), key="ranking_chart")

with tab_movers:
    left, right = st.columns(2)
    compare = left.segmented_control(t("goals.movers.compare"), COMPARE, default="last_month", key="movers_compare",
                                     format_func=lambda c: t(f"goals.movers.compare.{c}")) or "last_month"
    bound = right.segmented_control(t("goals.movers.bound"), ["10m", "100m"], default="10m", key="movers_bound",
                                    format_func=lambda b: t(f"goals.movers.bound.{b}")) or "10m"
    movers = cached_goals.threshold_movers(ctx.url, ctx.version, str(scope), as_of,
                                           TAX_10M_BOUND_10K if bound == "10m" else TAX_100M_BOUND_10K, compare)
    for movement in ("entered", "left"):
        part = movers[movers["movement"] == movement]
        st.subheader(t(f"goals.movers.{movement}", n=len(part)))
        if part.empty:
            st.caption(t("goals.movers.none"))
        else:
            shown = goal_charts.movers_table(part, lang=lang, district_names=names)
            st.dataframe(shown, hide_index=True, key=f"movers_{movement}",
                         column_config=header_config(shown.columns, label=lambda c: t(f"goals.movers.col.{c}"),
                                                     lang=lang, frame=shown))
    st.subheader(t("goals.movers.occupancy"))
    occupancy = cached_goals.occupancy_movers(ctx.url, ctx.version, str(scope), as_of, compare)
    shown = goal_charts.occupancy_table(occupancy, lang=lang, district_names=names, t=t)
    st.dataframe(shown, hide_index=True, key="movers_occupancy",
                 column_config=header_config(shown.columns, label=lambda c: t(f"goals.movers.col.{c}"), lang=lang,
                                             codes={"state": "mover_state"}, frame=shown))

with tab_drivers:  # issue 18: the drivers of change (ui/drivers_view.py)
    render_drivers(url=ctx.url, version=ctx.version, scope=str(scope), as_of=as_of, lang=lang,
                   scope_label=scope_label)

with tab_notes:  # issue 18: the quarter's commentary (ui/commentary_view.py)
    render_commentary(url=ctx.url, version=ctx.version, plan_code=plan_code, year=year, quarter=(month - 1) // 3 + 1,
                      scope=str(scope), indicators={c: getattr(BY_CODE[c], name_col) for c in table["indicator"]
                                                    if c in BY_CODE})

shown_view = vs.GoalsView(scope_code, plan_code, year, month, pace, vs.tab_code(tab_key, vs.GOAL_TABS, tab_labels),
                          None if chosen == chart_codes[0] else chosen, rank_code, basis, level)
vs.write_url(vs.goals_params(shown_view, plans=plan_choices, last_month=ctx.last_month), names=vs.GOAL_PARAMS,
             saved_key=GOALS_SAVED)
