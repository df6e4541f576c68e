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
from data_layer.indicators import BY_CODE, TAX_10M_BOUND_10K, TAX_100M_BOUND_10K
from ui import goal_charts as gc
from ui.shell import md, page_context, plain, t

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

with st.sidebar:
    scopes = ["city", *sorted(all_plans.loc[all_plans["scope_type"] == "district", "scope_code"].dropna().unique())]
    scope_code = st.selectbox(t("goals.filter.scope"), scopes, key="goal_scope",
                              format_func=lambda s: t("filter.all_districts") if s == "city" else names.get(s, s))
    here = all_plans[all_plans["scope_type"] == "city"] if scope_code == "city" else \
        all_plans[all_plans["scope_code"] == scope_code]
    plan_names = dict(zip(here["code"], here[name_col], strict=True))
    plan_code = st.selectbox(t("goals.filter.plan"), list(plan_names), key="goal_plan",
                             format_func=lambda c: plan_names[c])
    plan = here[here["code"] == plan_code].iloc[0]
    years = list(range(int(plan["start_year"]), int(plan["end_year"]) + 1))
    default_year = min(max(ctx.last_month.year, years[0]), years[-1])
    year = st.selectbox(t("filter.year"), years, index=years.index(default_year), key="goal_year")
    months = list(range(1, (ctx.last_month.month if year == ctx.last_month.year else 12) + 1))
    # one widget per year, so a finished year opens at December (its final attainment), the running one at the
    # latest month with data
    month = st.selectbox(t("goals.filter.as_of"), months, index=len(months) - 1, key=f"goal_month_{year}",
                         format_func=lambda m: f"{year}-{m:02d}")
    pace = st.segmented_control(t("goals.filter.pace"), PACE_METHODS, default="linear", key="goal_pace",
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
                  int(sum(counts.get(c, 0) for c in codes)), border=True)

tab_status, tab_chart, tab_rank, tab_movers = st.tabs(
    [t("goals.tab.status"), t("goals.tab.chart"), t("goals.tab.ranking"), t("goals.tab.movers")])

with tab_status:
    display = gc.status_table(table, lang=lang, t=t)
    st.dataframe(gc.style_status(display), hide_index=True, key="status_table", height=36 * len(display) + 40,
                 column_order=[c for c in display.columns if c != "status"],
                 column_config={c: t(f"goals.col.{c}") for c in display.columns if c != "status"})
    with st.expander(t("goals.method.title")):
        st.markdown(t("goals.method.body", share=f"{margins.share * 100:g}", pp=f"{margins.pp:g}"))

with tab_chart:
    codes = list(table["indicator"])
    chosen = st.selectbox(t("goals.chart.indicator"), codes, key="chart_indicator",
                          format_func=lambda c: getattr(BY_CODE[c], name_col))
    history = cached_goals.attainment(ctx.url, ctx.version, plan_code, as_of, pace, margins.share, margins.pp)
    labels = {k: t(f"goals.chart.{k}") for k in ("target", "actual", "forecast", "year")}
    st.plotly_chart(gc.target_actual_chart(history[history["indicator"] == chosen], unit=BY_CODE[chosen].unit,
                                           lang=lang, labels=labels, t=t), key="goal_chart")
    st.caption(t("goals.chart.caption"))

with tab_rank:
    left, middle, right, last = st.columns(4)
    rank_code = left.selectbox(t("goals.rank.indicator"), RANKABLE, key="rank_code",
                               format_func=lambda c: getattr(BY_CODE[c], name_col))
    basis = middle.selectbox(t("goals.rank.basis"), BASES, key="rank_basis",
                             format_func=lambda b: t(f"goals.rank.basis.{b}"))
    levels = ["district", *names] if scope_code == "city" else [scope_code]
    level = right.selectbox(t("goals.rank.level"), levels, key="rank_level",
                            format_func=lambda v: t("goals.rank.level.district") if v == "district"
                            else md("goals.rank.level.street", district=names.get(v, v)))
    min_buildings = int(last.number_input(t("goals.rank.min_buildings"), min_value=1, max_value=10_000,
                                          value=MIN_RANK_BUILDINGS, key="rank_min"))
    by_district = level == "district"
    frame = cached_goals.ranking(ctx.url, ctx.version, rank_code, as_of, "district" if by_district else "street",
                                 None if by_district else level, basis, min_buildings)
    st.caption(t("goals.rank.caption", min=min_buildings, month=f"{year}-{month:02d}"))
    unit = BY_CODE[rank_code].unit
    shown = gc.ranking_table(frame, unit=unit, basis=basis, lang=lang, t=t)
    table_col, chart_col = st.columns([3, 2])
    table_col.dataframe(shown, hide_index=True, key="ranking_table", height=36 * len(shown) + 40,
                        column_config={c: t(f"goals.rank.col.{c}") for c in shown.columns})
    chart_col.plotly_chart(gc.ranking_chart(frame, unit=unit, basis=basis, lang=lang,
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
            shown = gc.movers_table(part, lang=lang, district_names=names)
            st.dataframe(shown, hide_index=True, key=f"movers_{movement}",
                         column_config={c: t(f"goals.movers.col.{c}") for c in shown.columns})
    st.subheader(t("goals.movers.occupancy"))
    occupancy = cached_goals.occupancy_movers(ctx.url, ctx.version, str(scope), as_of, compare)
    shown = gc.occupancy_table(occupancy, lang=lang, district_names=names, t=t)
    st.dataframe(shown, hide_index=True, key="movers_occupancy",
                 column_config={c: t(f"goals.movers.col.{c}") for c in shown.columns})
