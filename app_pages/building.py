"""楼宇档案: one building's profile, opened by its id in the URL (?id=123) or found by name."""

from __future__ import annotations

import streamlit as st

from data_layer.cached import map as cached_map
from ui.building_profile import render_profile
from ui.map_state import is_id, parse_period, period_param, period_picker
from ui.shell import md, page_context, plain, t

SEARCH_LIMIT = 20

ctx = page_context()
initial = parse_period(st.query_params.get("period"), first_month=ctx.first_month, last_month=ctx.last_month)
period = period_picker(t, prefix="bld", initial=initial, first_month=ctx.first_month, last_month=ctx.last_month)
if period != initial or "period" in st.query_params:
    st.query_params["period"] = period_param(period)

st.title(t("building.heading"))
query = st.text_input(t("building.search"), key="building_q", placeholder=t("building.search_placeholder"),
                      max_chars=60)
if query.strip():
    results = cached_map.search(ctx.url, ctx.version, query.strip(), SEARCH_LIMIT)
    if results.empty:
        st.info(md("building.no_results", text=query.strip()))
    else:
        labels = {int(r.id): f"{r.name} · {r.district_zh if ctx.lang == 'zh' else r.district_en} · "
                  f"{t(f'map.grade.{r.grade}')}" for r in results.itertuples()}

        def _open() -> None:
            st.query_params["id"] = str(st.session_state["building_pick"])

        st.selectbox(t("building.results", count=len(results), limit=SEARCH_LIMIT), list(labels), index=None,
                     key="building_pick", format_func=labels.get, on_change=_open)

raw_id = st.query_params.get("id", "")
if not raw_id:
    st.info(t("building.start"))
    st.stop()
if not is_id(raw_id):
    st.warning(t("building.not_found", id=plain(raw_id[:20])))
    st.stop()
render_profile(ctx, int(raw_id), period, wide=True, show_link=False)
