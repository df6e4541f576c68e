"""总览: headline KPIs for a period and district with their change against last year, and the trends."""

from __future__ import annotations

from typing import Any

import streamlit as st

from data_layer import aggregates, cached, fmt
from data_layer.cached import enterprises as cached_enterprises
from data_layer.cached import imports as cached_imports
from data_layer.enterprises import GapScope
from data_layer.i18n import localized
from data_layer.indicators import definition
from data_layer.settings import get_settings
from ui import view_state as vs
from ui import workbench_view
from ui.charts import axis_title, district_indicator_bar, indicator_trend
from ui.enterprise_view import register_rate_line
from ui.first_day import guide_wanted, render_guide
from ui.held import held
from ui.map_state import period_picker
from ui.shell import md, page_context, t

OVERVIEW_SAVED = "overview_saved_params"  # the last view's parameters, for a return from another page

ctx = page_context(guide=True)
lang = ctx.lang
loaded = cached_imports.loaded(ctx.url, ctx.version)
if guide_wanted(loaded):  # partly loaded: the figures below are real but incomplete, say what is missing
    with st.expander(t("firstday.partly", step=t(f"firstday.step.{loaded.next_step()}")), icon=":material/flag:"):
        render_guide(loaded, t, today=get_settings().today, key="overview_guide",
                     unplaced=cached_imports.unplaced(ctx.url, ctx.version))
name_col = localized("name", lang)

# Filters: period kind, year, month or quarter, district, kept in the URL (ui.view_state); defaults: year to date
# through the latest month, the whole city.
district_frame = cached.districts(ctx.url, ctx.version)
names = dict(zip(district_frame["code"], district_frame[name_col], strict=True))
url_view = vs.parse_overview(vs.url_params(vs.OVERVIEW_PARAMS, OVERVIEW_SAVED), districts=set(names),
                             first_month=ctx.first_month, last_month=ctx.last_month)
vs.seed({"district": url_view.district, "trend_indicator": url_view.trend, "district_indicator": url_view.by})
period = period_picker(t, prefix="ov", initial=url_view.period, first_month=ctx.first_month, last_month=ctx.last_month)
kind, year, number = period.kind, period.year, period.number
with st.sidebar:
    district = st.selectbox(t("filter.district"), [None, *names], index=held("district", [None, *names]), key="district",
                            format_func=lambda code: t("filter.all_districts") if code is None else names[code])

scope_name = t("filter.all_districts") if district is None else names[district]
st.title(t("overview.heading"))
st.caption(md("overview.caption", scope=scope_name, period=period.label(lang),
             as_of=ctx.last_month.strftime("%Y-%m")))

kpis = cached.overview_kpis(ctx.url, ctx.version, kind, year, number, district)
if kpis["value"].drop(["super_a", "grade_a"]).isna().all():
    st.info(t("overview.no_data", first=ctx.first_month.strftime("%Y-%m"), last=ctx.last_month.strftime("%Y-%m")))
    st.stop()

def _delta(row: Any) -> str | None:  # a row of overview_kpis.itertuples()
    """The change against last year (fmt.change, as on the wall screen and in the pack)."""
    if row.change_kind == "none":
        return None
    if fmt.missing(row.change):  # nothing to compare
        return None if fmt.missing(row.value) else t("overview.delta_none")
    return fmt.change(row.change_kind, row.change, lang)


tiles = list(aggregates.HEADLINE_KPIS)
for row_codes in (tiles[:5], tiles[5:]):
    for column, code in zip(st.columns(len(row_codes)), row_codes, strict=True):
        row = kpis.loc[code]
        column.metric(t(f"kpi.{code}"), fmt.kpi(code, row.value, lang), _delta(row),
                      help=definition(code, lang), border=True,  # the registry's definition (indicators.py)
                      delta_color="off" if row.change_kind == "none" else "normal")

if cached_enterprises.has_register(ctx.url, ctx.version):  # the register-based rate beside the official one, labelled as such
    st.caption(register_rate_line(cached_enterprises.register_rates(ctx.url, ctx.version, period.end, GapScope(district=district)),
                                  t, month=period.end))

left, right = st.columns([3, 2])
with left:  # any headline figure month by month (aggregates.monthly_indicators: the same rules as the tiles)
    st.subheader(t("overview.trend"))
    trend_code = st.selectbox(t("overview.trend.indicator"), vs.TREND_INDICATORS, key="trend_indicator",
                              index=held("trend_indicator", vs.TREND_INDICATORS),
                              format_func=lambda c: t(f"kpi.{c}"))
    trend = cached.monthly_indicators(ctx.url, ctx.version, period.end, 36, district)
    st.plotly_chart(indicator_trend(trend, code=trend_code, title=axis_title(trend_code, t),
                                    texts=[fmt.kpi(trend_code, v, lang) for v in trend[trend_code]],
                                    labels={"month": t("chart.month")}), key="trend_chart")
with right:
    st.subheader(t("overview.by_district"))
    by_code = st.selectbox(t("overview.by_district.indicator"), aggregates.DISTRICT_INDICATORS,
                           index=held("district_indicator", aggregates.DISTRICT_INDICATORS),
                           key="district_indicator", format_func=lambda c: t(f"kpi.{c}"))
    breakdown = cached.district_indicators(ctx.url, ctx.version, kind, year, number)
    st.plotly_chart(district_indicator_bar(breakdown, code=by_code, name_column=name_col, title=axis_title(by_code, t),
                                           texts=[fmt.kpi(by_code, v, lang) for v in breakdown[by_code]]),
                    key="district_chart")

vs.write_url(vs.overview_params(vs.OverviewView(period, district, trend_code, by_code), last_month=ctx.last_month),
             names=vs.OVERVIEW_PARAMS, saved_key=OVERVIEW_SAVED)

# Building early warnings (the planner's workbench, issue 17): one list for the period's last month and the
# district, each row with the rule that fired and its figures; a row opens the profile (ui/workbench_view.py).
workbench_view.alert_list(ctx, as_of=period.end, district=district, key="overview")
