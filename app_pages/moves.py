"""企业迁移: enterprises moving between buildings, into the city and out of it (derived from the register's
tenancies, data_layer/moves.py), for the city, a district, a street or a building over the months through an as-of
month; net flows per area, the routes between districts, headquarters per district, and the list of moves."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from data_layer import cached
from data_layer.cached import enterprises as cached_enterprises
from data_layer.cached import map as cached_map
from data_layer.cached import moves as cached_moves
from data_layer.enterprises import GapScope
from data_layer.export import to_xlsx_sheets
from data_layer.moves import MOVE_WINDOW_MONTHS, MoveScope, flows, routes
from data_layer.periods import add_months, month_range
from ui.enterprise_view import GapView, access_of, gap_params, parse_gap_params, viewer
from ui.moves_view import flow_table, move_table
from ui.shell import page_context, plain, t

MONTHS_OFFERED = 36
SPANS = (3, 6, 12, 24)
DEFAULT_SPAN = 12
SHOWN_ROWS = 1_000

ctx = page_context()
lang = ctx.lang
st.title(t("mv.heading"))
st.caption(t("mv.caption", window=MOVE_WINDOW_MONTHS))
if not cached_enterprises.has_register(ctx.url, ctx.version):
    st.info(t("gap.no_register"))
    st.stop()

districts = cached.districts(ctx.url, ctx.version)
district_names = dict(zip(districts["code"], districts["name_zh" if lang == "zh" else "name_en"], strict=True))
streets = cached_map.streets(ctx.url, ctx.version)
street_names = dict(zip(streets["id"].astype(int), streets["name_zh" if lang == "zh" else "name_en"], strict=True))
street_district = dict(zip(streets["id"].astype(int), streets["district_code"], strict=True))
places = cached_enterprises.building_places(ctx.url, ctx.version)
building_names = dict(zip(places["id"].astype(int), places["name"], strict=True))
months = month_range(max(ctx.first_month, add_months(ctx.last_month, 1 - MONTHS_OFFERED)), ctx.last_month)
view = parse_gap_params(dict(st.query_params), districts=set(district_names), streets=street_district,
                        buildings={int(r.id): (r.district_code, None if pd.isna(r.street_id) else int(r.street_id))
                                   for r in places.itertuples()}, months=months)
raw_span = st.query_params.get("span", "")
span_wanted = int(raw_span) if raw_span.isdigit() and int(raw_span) in SPANS else DEFAULT_SPAN

with st.sidebar:
    district = st.selectbox(t("gap.district"), [None, *district_names], key="mv_district",
                            index=[None, *district_names].index(view.scope.district),
                            format_func=lambda c: t("gap.any") if c is None else district_names[c])
    street_options = [None, *[s for s, d in street_district.items() if d == district]] if district else [None]
    street = st.selectbox(t("gap.street"), street_options, key="mv_street",
                          index=street_options.index(view.scope.street_id) if view.scope.street_id in street_options
                          else 0, format_func=lambda s: t("gap.any") if s is None else street_names[s])
    inside = places[(places["district_code"] == district) & ((places["street_id"] == street) if street is not None
                                                             else True)] if district else places.iloc[:0]
    building_options = [None, *inside["id"].astype(int).tolist()]
    building = st.selectbox(t("gap.building"), building_options, key="mv_building",
                            index=building_options.index(view.scope.building_id)
                            if view.scope.building_id in building_options else 0,
                            format_func=lambda b: t("gap.any") if b is None else building_names[b])
    month = st.selectbox(t("mv.as_of"), months[::-1], index=months[::-1].index(view.month), key="mv_month",
                         format_func=lambda m: m.strftime("%Y-%m"))
    span = st.selectbox(t("mv.span"), SPANS, index=SPANS.index(span_wanted), key="mv_span",
                        format_func=lambda n: t("mv.span.months", n=n))

wanted = gap_params(GapView(GapScope(district, street, building), month), latest=ctx.last_month) | {"lang": lang}
if span != DEFAULT_SPAN:
    wanted["span"] = str(span)
for key in ("district", "street", "building", "month", "span"):
    if key in st.query_params and key not in wanted:
        del st.query_params[key]
for key, value in wanted.items():
    if st.query_params.get(key) != value:
        st.query_params[key] = value

scope = MoveScope(district=district, street_id=street, building_id=building)
first = add_months(month, 1 - span)
scope_words = [district_names[district]] if district else [t("gap.filter.city")]
if street is not None:
    scope_words.append(street_names[street])
if building is not None:
    scope_words.append(building_names.get(building, str(building)))
st.subheader(plain(" / ".join(scope_words)) + f" · {first:%Y-%m} – {month:%Y-%m}")

frame = cached_moves.period_moves(ctx.url, ctx.version, first, month, scope)
level = scope.level
code = {"city": "city", "district": district, "street": street, "building": building}[level]
total = flows(frame, level=level, areas=[code]).loc[code]
city_level = "_city" if level == "city" else ""  # the city has no "from elsewhere in the city": those are within
tiles = [("arrivals", f"{int(total['arrivals']):,}", t(f"mv.tile.arrivals_split{city_level}", city=int(total["in_city"]),
                                                    outside=int(total["in_outside"]), new=int(total["new_site"]))),
         ("departures", f"{int(total['departures']):,}", t(f"mv.tile.departures_split{city_level}",
                                                        city=int(total["out_city"]), outside=int(total["out_outside"]),
                                                        closed=int(total["closed_site"]))),
         ("net", f"{int(total['net']):+,}", None),
         ("within", f"{int(total['within']):,}", None)]
for column, (key, value, note) in zip(st.columns(4), tiles, strict=True):
    column.metric(t(f"mv.flow.{key}"), value, note, delta_color="off", delta_arrow="off", border=True,
                  help=t(f"mv.help.{key}"))

# Net flows one level down: the city's districts, a district's streets, a street's buildings.
below = {"city": "district", "district": "street", "street": "building", "building": None}[level]
if below is not None:
    if below == "district":
        areas: dict[object, str] = dict(district_names)
    elif below == "street":
        areas = {s: street_names[s] for s, d in street_district.items() if d == district}
        if (places[places["district_code"] == district]["street_id"].isna()).any():
            areas[-1] = t("mv.no_street")
    else:
        areas = dict(zip(inside["id"].astype(int), inside["name"], strict=True))
    label = t(f"gap.{below}")
    per_area = flows(frame, level=below, areas=list(areas))
    per_area = per_area[per_area.index.isin(list(areas))]
    per_area = per_area.sort_values(["net", "arrivals"], ascending=[False, False], kind="mergesort")
    shown = flow_table(per_area, areas, t, label=label)
    st.markdown(f"**{t('mv.by_area', level=label)}**")
    st.caption(t("mv.by_area.note"))
    st.dataframe(shown, hide_index=True, key="mv_areas", height=min(36 * (len(shown) + 1), 420))
    if len(per_area):
        st.bar_chart(pd.DataFrame({label: [areas.get(c, str(c)) for c in per_area.index],
                                   t("mv.flow.net"): per_area["net"].to_numpy()}),
                     x=label, y=t("mv.flow.net"), height=260, sort=False)  # the table's order
else:
    per_area = pd.DataFrame()
    shown = pd.DataFrame()

if level in ("city", "district"):
    paths = routes(frame)
    if district:
        paths = paths[(paths["from_district"] == district) | (paths["to_district"] == district)]
    if len(paths):
        st.markdown(f"**{t('mv.routes')}**")
        st.dataframe(pd.DataFrame({t("mv.col.from"): [district_names.get(c, c) for c in paths["from_district"]],
                                   t("mv.col.to"): [district_names.get(c, c) for c in paths["to_district"]],
                                   t("mv.routes.moves"): paths["moves"]}).head(30),
                     hide_index=True, key="mv_routes", height=min(36 * (min(len(paths), 30) + 1), 300))

# Headquarters (总部企业, the register's flag) per district: how many there are now and a year before, and how many
# arrived and left over the months shown.
if level in ("city", "district"):
    now = cached_moves.headquarters(ctx.url, ctx.version, month).set_index("district_code")["headquarters"]
    before = cached_moves.headquarters(ctx.url, ctx.version, add_months(month, -12)).set_index(
        "district_code")["headquarters"]
    hq_moves = cached_moves.period_moves(ctx.url, ctx.version, first, month, MoveScope())
    hq_flows = flows(hq_moves[hq_moves["is_headquarters"]], level="district", areas=list(district_names))
    codes = [district] if district else list(district_names)
    hq = pd.DataFrame({
        t("gap.district"): [district_names[c] for c in codes],
        t("mv.hq.now", month=f"{month:%Y-%m}"): [int(now.get(c, 0)) for c in codes],
        t("mv.hq.before", month=f"{add_months(month, -12):%Y-%m}"): [int(before.get(c, 0)) for c in codes],
        t("mv.flow.arrivals"): [int(hq_flows.at[c, "arrivals"]) for c in codes],
        t("mv.flow.departures"): [int(hq_flows.at[c, "departures"]) for c in codes],
        t("mv.flow.net"): [int(hq_flows.at[c, "net"]) for c in codes]})
    st.markdown(f"**{t('mv.hq.heading')}**")
    st.caption(t("mv.hq.note"))
    st.dataframe(hq, hide_index=True, key="mv_hq", height=min(36 * (len(hq) + 1), 460))

role, kiosk = viewer()
access = access_of(role, kiosk)
listed = cached_moves.move_list(ctx.url, ctx.version, first, month, scope, role, kiosk)
st.markdown(f"**{t('mv.list')}**")
if listed.empty:
    st.info(t("mv.empty"))
    st.stop()
# The screen gets the first rows (the browser would receive a city's year of moves on every rerun); the download
# builds the whole table when it is asked for.
st.caption(t("mv.list.count", count=f"{len(listed):,}") + " " + t(f"mv.order.{access}"))
st.dataframe(move_table(listed.head(SHOWN_ROWS), t, outside=t("mv.outside")), hide_index=True, height=420,
             key="mv_table")
if len(listed) > SHOWN_ROWS:
    st.caption(t("gap.shown", shown=f"{SHOWN_ROWS:,}", count=f"{len(listed):,}"))

any_ = t("gap.any")
filters = [(t("gap.filter.scope"), " / ".join(scope_words)),
           (t("gap.district"), district_names[district] if district else any_),
           (t("gap.street"), street_names[street] if street is not None else any_),
           (t("gap.building"), building_names.get(building, any_) if building is not None else any_),
           (t("gap.filter.period"), f"{first:%Y-%m} – {month:%Y-%m}"),
           (t("gap.filter.as_of"), f"{ctx.last_month:%Y-%m}"), (t("mv.list.rows"), f"{len(listed)}"),
           (t("mv.window"), t("mv.window.value", n=MOVE_WINDOW_MONTHS)),
           (t("gap.filter.tax"), t(f"gap.filter.tax.{access}")),
           (t("gap.filter.made"), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))]
sheets = {t("gap.sheet.filters"): pd.DataFrame(filters, columns=[t("gap.filter.item"), t("gap.filter.value")])}
if len(shown):
    sheets[t("mv.sheet.areas")] = shown


def workbook() -> bytes:
    return to_xlsx_sheets(sheets | {t("mv.sheet.list"): move_table(listed, t, outside=t("mv.outside"))})


stem = "_".join(["moves", *(f"{k}-{v}" for k, v in wanted.items() if k != "lang"), f"{month:%Y-%m}"])
st.download_button(t("mv.download"), data=workbook, file_name=f"{stem}.xlsx",
                   on_click="ignore", icon=":material/download:",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="mv_download")
