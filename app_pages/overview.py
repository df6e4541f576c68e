"""总览: headline KPIs for a period and district with their change against last year, and the trends."""

from __future__ import annotations

from typing import Any

import streamlit as st

from data_layer import aggregates, cached, fmt
from data_layer.cached import enterprises as ce
from data_layer.cached import imports as cached_imports
from data_layer.enterprises import GapScope
from data_layer.i18n import localized
from data_layer.periods import PERIOD_KINDS, Period
from data_layer.settings import get_settings
from ui.charts import district_bar, trend_chart
from ui.enterprise_view import register_rate_line
from ui.first_day import guide_wanted, render_guide
from ui.shell import md, page_context, t

ctx = page_context(guide=True)
lang = ctx.lang
loaded = cached_imports.loaded(ctx.url, ctx.version)
if guide_wanted(loaded):  # partly loaded: the figures below are real but incomplete, say what is missing
    with st.expander(t("firstday.partly", step=t(f"firstday.step.{loaded.next_step()}")), icon=":material/flag:"):
        render_guide(loaded, t, today=get_settings().today, key="overview_guide",
                     unplaced=cached_imports.unplaced(ctx.url, ctx.version))
name_col = localized("name", lang)

# Filters: period kind, year, month or quarter, district. Defaults: year to date through the latest month.
with st.sidebar:
    kind = st.selectbox(t("filter.period_kind"), PERIOD_KINDS, index=PERIOD_KINDS.index("ytd"),
                        format_func=lambda k: t(f"period.{k}"), key="period_kind")
    years = list(range(ctx.last_month.year, ctx.first_month.year - 1, -1))
    year = st.selectbox(t("filter.year"), years, key="year")
    last_month_of_year = ctx.last_month.month if year == ctx.last_month.year else 12
    if kind == "quarter":
        quarters = list(range(1, (last_month_of_year - 1) // 3 + 2))
        number = st.selectbox(t("filter.quarter"), quarters, index=len(quarters) - 1, key="quarter",
                              format_func=lambda q: f"Q{q}")
    elif kind in ("month", "ytd"):
        months = list(range(1, last_month_of_year + 1))
        number = st.selectbox(t("filter.month"), months, index=len(months) - 1, key="month")
    else:
        number = 12
    district_frame = cached.districts(ctx.url, ctx.version)
    names = dict(zip(district_frame["code"], district_frame[name_col], strict=True))
    district = st.selectbox(t("filter.district"), [None, *names], key="district",
                            format_func=lambda code: t("filter.all_districts") if code is None else names[code])

period = Period(kind, year, number)
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
        help_key = f"kpi.help.{code}" if code in {"occupancy_rate", "buildings_tax_10m", "buildings_tax_100m",
                                                   "super_a"} else None
        column.metric(t(f"kpi.{code}"), fmt.kpi(code, row.value, lang), _delta(row),
                      help=t(help_key) if help_key else None, border=True,
                      delta_color="off" if row.change_kind == "none" else "normal")

if ce.has_register(ctx.url, ctx.version):  # the register-based rate beside the official one, labelled as such
    st.caption(register_rate_line(ce.register_rates(ctx.url, ctx.version, period.end, GapScope(district=district)),
                                  t, month=period.end))

labels = {"tax": t("chart.tax_yi"), "occupancy": t("chart.occupancy"), "month": t("chart.month")}
left, right = st.columns([3, 2])
with left:
    st.subheader(t("overview.trend"))
    trend = cached.monthly_trend(ctx.url, ctx.version, period.end, 36, district)
    st.plotly_chart(trend_chart(trend, labels=labels), key="trend_chart")
with right:
    st.subheader(t("overview.by_district"))
    breakdown = cached.district_breakdown(ctx.url, ctx.version, kind, year, number)
    st.plotly_chart(district_bar(breakdown, name_column=name_col, labels=labels), key="district_chart")
