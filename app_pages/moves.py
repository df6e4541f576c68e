"""企业迁移: enterprises moving between buildings, into the city and out of it (derived from the register's
tenancies, data_layer/moves.py), for the city, a district, a street or a building over the months through an as-of
month; net flows per area, the routes between districts, headquarters per district, and the list of moves."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from data_layer.cached import enterprises as cached_enterprises
from data_layer.cached import moves as cached_moves
from data_layer.export import to_xlsx_sheets
from data_layer.moves import MOVE_WINDOW_MONTHS, MoveScope, flows, routes
from data_layer.periods import add_months
from ui.enterprise_view import (
    access_of,
    gap_params,
    load_places,
    pick_place,
    place_filters,
    place_words,
    viewer,
    write_place_url,
)
from ui.moves_view import flow_table, move_table
from ui.shell import page_context, page_link, plain, t

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

places = load_places(ctx.url, ctx.version, lang=lang, first_month=ctx.first_month, last_month=ctx.last_month,
                     months_offered=MONTHS_OFFERED)
district_names, street_names = places.district_names, places.street_names
raw_span = st.query_params.get("span", "")
span_wanted = int(raw_span) if raw_span.isdigit() and int(raw_span) in SPANS else DEFAULT_SPAN
view = pick_place(places, t, prefix="mv", month_label=t("mv.as_of"))
with st.sidebar:
    span = st.selectbox(t("mv.span"), SPANS, index=SPANS.index(span_wanted), key="mv_span",
                        format_func=lambda n: t("mv.span.months", n=n))
district, street, building, month = view.scope.district, view.scope.street_id, view.scope.building_id, view.month
wanted = gap_params(view, latest=ctx.last_month) | {"lang": lang}
if span != DEFAULT_SPAN:
    wanted["span"] = str(span)
write_place_url(wanted, names=("district", "street", "building", "month", "span"))

scope = MoveScope(district=district, street_id=street, building_id=building)
first = add_months(month, 1 - span)
st.subheader(plain(place_words(places, view.scope, t)) + f" · {first:%Y-%m} – {month:%Y-%m}")

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
        areas = {s: street_names[s] for s, d in places.street_district.items() if d == district}
        if (places.buildings.loc[places.buildings["district_code"] == district, "street_id"].isna()).any():
            areas[-1] = t("mv.no_street")
    else:
        inside = places.buildings[(places.buildings["district_code"] == district)
                                  & (places.buildings["street_id"] == street)]
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
    map_params = {"colour": "headquarters", "period": f"month-{month.year}-{month.month}"} | (
        {"district": district} if district else {})
    page_link("app_pages/map.py", url_path="map", label=t("mv.hq.on_map"), icon=":material/map:", params=map_params)

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

filters = [*place_filters(places, view.scope, t),
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
