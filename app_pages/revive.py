"""盘活一批: buildings under an occupancy threshold ranked by vacant ㎡, filtered by district, street, grade, status
and industry (all in the URL, ui/workbench_state.py), exported with a first sheet that states the filters, the
period and the as-of month; a row opens the building's profile."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from data_layer import cached, fmt
from data_layer.buildings import BuildingFilter
from data_layer.cached import map as cached_map
from data_layer.export import to_xlsx_sheets
from data_layer.i18n import localized
from data_layer.models import GRADES, INDUSTRIES, STATUSES
from data_layer.workbench import REVIVE_COLUMNS, revive_list, revive_table
from ui.held import held_value
from ui.map_state import period_param, period_picker
from ui.shell import md, page_context, t
from ui.workbench_state import PARAMS, ReviveView, parse_params, to_params
from ui.workbench_view import open_profile, picked_row

ctx = page_context()
lang = ctx.lang
districts = cached.districts(ctx.url, ctx.version)
district_names = dict(zip(districts["code"], districts[localized("name", lang)], strict=True))
streets = cached_map.streets(ctx.url, ctx.version)
street_names = dict(zip(streets["id"].astype(int), streets[localized("name", lang)], strict=True))
street_district = dict(zip(streets["id"].astype(int), streets["district_code"], strict=True))

state = st.session_state
asked = parse_params(st.query_params.to_dict(), districts=set(district_names), streets=set(street_district),
                     first_month=ctx.first_month, last_month=ctx.last_month)
if "rev_districts" not in state:  # the first visit of this session: the URL seeds the widgets
    f = asked.filters
    state.update(rev_districts=list(f.districts), rev_streets=list(f.streets), rev_grades=list(f.grades),
                 rev_statuses=list(f.statuses), rev_industries=list(f.industries), rev_below=asked.below)
any_label = t("map.filter.any")
period = period_picker(t, prefix="rev", initial=asked.period, first_month=ctx.first_month, last_month=ctx.last_month)
with st.sidebar:
    st.multiselect(t("filter.district"), list(district_names), key="rev_districts", format_func=district_names.get,
                   default=held_value("rev_districts", []),
                   placeholder=any_label)
    chosen = set(state["rev_districts"])
    state["rev_streets"] = [s for s in state["rev_streets"] if not chosen or street_district.get(s) in chosen]
    st.multiselect(t("map.filter.street"), [s for s in street_names if not chosen or street_district[s] in chosen],
                   key="rev_streets", format_func=street_names.get, placeholder=any_label,
                   default=held_value("rev_streets", []))
    # buttons, not a type-ahead: typing 甲级 + Enter in a multiselect picks 超甲级 (its first match)
    st.pills(t("map.filter.grade"), list(GRADES), selection_mode="multi", key="rev_grades",
             default=held_value("rev_grades", []),
             format_func=lambda c: t(f"map.grade.{c}"))
    st.multiselect(t("map.filter.status"), list(STATUSES), key="rev_statuses", placeholder=any_label,
                   default=held_value("rev_statuses", []),
                   format_func=lambda c: t(f"map.status.{c}"))
    st.multiselect(t("map.filter.industry"), list(INDUSTRIES), key="rev_industries", placeholder=any_label,
                   default=held_value("rev_industries", []),
                   format_func=lambda c: t(f"map.industry.{c}"))
    st.slider(t("wb.revive.below"), 5, 100, key="rev_below", step=5, value=held_value("rev_below", 60))
view = ReviveView(BuildingFilter(districts=tuple(state["rev_districts"]), streets=tuple(state["rev_streets"]),
                                 grades=tuple(g for g in GRADES if g in state["rev_grades"]),
                                 statuses=tuple(state["rev_statuses"]), industries=tuple(state["rev_industries"])),
                  int(state["rev_below"]), period)
wanted = to_params(view, last_month=ctx.last_month)
for name in PARAMS:
    if name in wanted and st.query_params.get(name) != wanted[name]:
        st.query_params[name] = wanted[name]
    elif name not in wanted and name in st.query_params:
        del st.query_params[name]

st.title(t("wb.revive.heading"))
crs = cached_map.boundary_crs(ctx.url, ctx.version)
frame = revive_list(cached_map.filtered(ctx.url, ctx.version, period.kind, period.year, period.number, crs, view.filters),
                    below_pct=view.below)
table = revive_table(frame, lang=lang)
st.caption(md("wb.revive.caption", below=view.below, period=period.label(lang), as_of=f"{ctx.last_month:%Y-%m}",
              n=f"{len(table):,}", vacant=fmt.area(float(table["vacant_m2"].sum()), lang)))
headers = {c: t(f"wb.revive.col.{c}") for c in REVIVE_COLUMNS}
key = f"revive_table_{state.get('revive_nonce', 0)}"
st.dataframe(table, hide_index=True, key=key, on_select="rerun", selection_mode="single-row",
             height=min(35 * (len(table) + 1) + 3, 420),
             column_order=list(REVIVE_COLUMNS), column_config=headers)
picked = picked_row(key)
if picked is not None and picked < len(table):
    state["revive_nonce"] = state.get("revive_nonce", 0) + 1
    open_profile(int(table["building_id"].iloc[picked]), period, lang)

f = view.filters
names = {"district": [district_names[c] for c in f.districts], "street": [street_names[s] for s in f.streets],
         "grade": [t(f"map.grade.{c}") for c in f.grades], "status": [t(f"map.status.{c}") for c in f.statuses],
         "industry": [t(f"map.industry.{c}") for c in f.industries]}
sep = t("map.list_sep")
filters = [(t(f"wb.revive.filter.{k}"), sep.join(v) or any_label) for k, v in names.items()]
filters += [(t("wb.revive.filter.below"), f"< {view.below}%"), (t("wb.revive.filter.period"), period.label(lang)),
            (t("wb.revive.filter.as_of"), f"{ctx.last_month:%Y-%m}"), (t("wb.revive.filter.rows"), str(len(table))),
            (t("wb.revive.filter.vacant"), f"{table['vacant_m2'].sum():,.0f}"),
            (t("wb.revive.filter.made"), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))]
sheet = pd.DataFrame(filters, columns=[t("wb.revive.filter.item"), t("wb.revive.filter.value")])
stem = "_".join(["revive", *(f"{k}-{v}" for k, v in to_params(view, last_month=ctx.last_month).items()
                             if k != "period"), f"below-{view.below}", period_param(period)])
listing = table[list(REVIVE_COLUMNS)].rename(columns=headers)
st.download_button(t("wb.revive.download"), data=lambda: to_xlsx_sheets({t("wb.revive.sheet.filters"): sheet,
                                                                         t("wb.revive.sheet.list"): listing}),
                   file_name=f"{stem.replace(',', '+')}.xlsx", on_click="ignore", icon=":material/download:",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="revive_download")
