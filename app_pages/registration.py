"""注册缺口: enterprises operating in a building but registered elsewhere, per district, street or building, ranked
by tax band: the visit list that raises 注册率, downloadable with the filters it was made with."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from data_layer import cached
from data_layer.cached import enterprises as cached_enterprises
from data_layer.cached import map as cached_map
from data_layer.enterprises import GapScope
from data_layer.export import to_xlsx_sheets
from data_layer.periods import add_months, month_range
from ui.enterprise_view import GapView, access_of, enterprise_table, gap_params, parse_gap_params, rates_block, viewer
from ui.shell import page_context, plain, t

MONTHS_OFFERED = 36
SHOWN_ROWS = 1_000

ctx = page_context()
lang = ctx.lang
st.title(t("gap.heading"))
st.caption(t("gap.caption"))
if not cached_enterprises.has_register(ctx.url, ctx.version):
    st.info(t("gap.no_register"))
    st.stop()

districts = cached.districts(ctx.url, ctx.version)
district_names = dict(zip(districts["code"], districts["name_zh" if lang == "zh" else "name_en"], strict=True))
streets = cached_map.streets(ctx.url, ctx.version)
street_names = dict(zip(streets["id"].astype(int), streets["name_zh" if lang == "zh" else "name_en"], strict=True))
street_district = dict(zip(streets["id"].astype(int), streets["district_code"], strict=True))
places = cached_enterprises.building_places(ctx.url, ctx.version)
months = month_range(max(ctx.first_month, add_months(ctx.last_month, 1 - MONTHS_OFFERED)), ctx.last_month)

view = parse_gap_params(dict(st.query_params), districts=set(district_names), streets=street_district,
                        buildings={int(r.id): (r.district_code, None if pd.isna(r.street_id) else int(r.street_id))
                                   for r in places.itertuples()}, months=months)
building_names = dict(zip(places["id"].astype(int), places["name"], strict=True))

with st.sidebar:
    district = st.selectbox(t("gap.district"), [None, *district_names], key="gap_district",
                            index=[None, *district_names].index(view.scope.district),
                            format_func=lambda c: t("gap.any") if c is None else district_names[c])
    street_options = [None, *[s for s, d in street_district.items() if d == district]] if district else [None]
    street = st.selectbox(t("gap.street"), street_options, key="gap_street",
                          index=street_options.index(view.scope.street_id) if view.scope.street_id in street_options
                          else 0, format_func=lambda s: t("gap.any") if s is None else street_names[s])
    inside = places[(places["district_code"] == district) & ((places["street_id"] == street) if street is not None
                                                             else True)] if district else places.iloc[:0]
    building_options = [None, *inside["id"].astype(int).tolist()]
    building = st.selectbox(t("gap.building"), building_options, key="gap_building",
                            index=building_options.index(view.scope.building_id)
                            if view.scope.building_id in building_options else 0,
                            format_func=lambda b: t("gap.any") if b is None else building_names[b])
    month = st.selectbox(t("gap.month"), months[::-1], index=months[::-1].index(view.month), key="gap_month",
                         format_func=lambda m: m.strftime("%Y-%m"))
scope = GapScope(district=district, street_id=street, building_id=building)
view = GapView(scope, month)
wanted = gap_params(view, latest=ctx.last_month) | {"lang": lang}
for key in ("district", "street", "building", "month"):
    if key in st.query_params and key not in wanted:
        del st.query_params[key]
for key, value in wanted.items():
    if st.query_params.get(key) != value:
        st.query_params[key] = value

scope_words = [district_names[district]] if district else [t("gap.filter.city")]
if street is not None:
    scope_words.append(street_names[street])
if building is not None:
    scope_words.append(building_names.get(building, str(building)))
st.subheader(plain(" / ".join(scope_words)) + f" · {month:%Y-%m}")
rates_block(cached_enterprises.register_rates(ctx.url, ctx.version, month, scope), t, month=month)

level = "building" if street is not None or building is not None else "street" if district else "district"
summary = cached_enterprises.gap_summary(ctx.url, ctx.version, month, scope, level)
per_area = summary.assign(name=summary["name_zh" if lang == "zh" else "name_en"].fillna("—"))[
    ["name", "enterprises", "area_m2"]].rename(columns={"name": t(f"gap.{level}"), "enterprises": t("gap.filter.rows"),
                                                       "area_m2": t("ent.col.area_m2")})
if not per_area.empty:
    st.dataframe(per_area, hide_index=True, height=min(36 * (len(per_area) + 1), 300), key="gap_summary")

role, kiosk = viewer()
access = access_of(role, kiosk)
frame = cached_enterprises.registration_gap(ctx.url, ctx.version, month, scope, role, kiosk)
if frame.empty:
    st.info(t("gap.empty"))
    st.stop()
st.caption(t("gap.count", count=f"{len(frame):,}") + " " + t(f"ent.order.{access}"))


def listing(rows: pd.DataFrame) -> pd.DataFrame:
    return enterprise_table(rows.drop(columns=["enterprise_id", "building_id"]), t, lang=lang,
                            district_names=district_names)


# The screen shows the top of the list (a city's gap runs to tens of thousands of rows, which the browser would
# receive on every rerun); the download holds all of it.
st.dataframe(listing(frame.head(SHOWN_ROWS)), hide_index=True, height=420, key="gap_table")
if len(frame) > SHOWN_ROWS:
    st.caption(t("gap.shown", shown=f"{SHOWN_ROWS:,}", count=f"{len(frame):,}"))

any_ = t("gap.any")
filters = [(t("gap.filter.scope"), " / ".join(scope_words)),
           (t("gap.district"), district_names[district] if district else any_),
           (t("gap.street"), street_names[street] if street is not None else any_),
           (t("gap.building"), building_names.get(building, any_) if building is not None else any_),
           (t("gap.filter.period"), f"{month:%Y-%m}"),
           (t("gap.filter.as_of"), f"{ctx.last_month:%Y-%m}"), (t("gap.filter.rows"), f"{len(frame)}"),
           (t("gap.filter.tax"), t(f"gap.filter.tax.{access}")), (t("gap.filter.order"), t(f"ent.order.{access}")),
           (t("gap.filter.made"), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))]
filter_sheet = pd.DataFrame(filters, columns=[t("gap.filter.item"), t("gap.filter.value")])
stem = "_".join(["registration_gap", *(f"{k}-{v}" for k, v in gap_params(view, latest=month).items()),
                 f"{month:%Y-%m}"])
st.download_button(t("gap.download"), data=lambda: to_xlsx_sheets({t("gap.sheet.filters"): filter_sheet,
                                                                   t("gap.sheet.summary"): per_area,
                                                                   t("gap.sheet.list"): listing(frame)}),
                   file_name=f"{stem}.xlsx", on_click="ignore", icon=":material/download:",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="gap_download")
