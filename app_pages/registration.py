"""注册缺口: enterprises operating in a building but registered elsewhere, per district, street or building, ranked
by tax band: the visit list that raises 注册率, downloadable with the filters it was made with."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from data_layer.cached import enterprises as cached_enterprises
from data_layer.export import to_xlsx_sheets
from data_layer.i18n import localized
from ui.enterprise_view import (
    access_of,
    enterprise_table,
    gap_params,
    load_places,
    pick_place,
    place_filters,
    place_words,
    rates_block,
    viewer,
    write_place_url,
)
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

places = load_places(ctx.url, ctx.version, lang=lang, first_month=ctx.first_month, last_month=ctx.last_month,
                     months_offered=MONTHS_OFFERED)
district_names = places.district_names
view = pick_place(places, t, prefix="gap", month_label=t("gap.month"))
scope, month = view.scope, view.month
district, street, building = scope.district, scope.street_id, scope.building_id
write_place_url(gap_params(view, latest=ctx.last_month) | {"lang": lang}, names=("district", "street", "building", "month"))
st.subheader(plain(place_words(places, scope, t)) + f" · {month:%Y-%m}")
rates_block(cached_enterprises.register_rates(ctx.url, ctx.version, month, scope), t, month=month)

level = "building" if street is not None or building is not None else "street" if district else "district"
summary = cached_enterprises.gap_summary(ctx.url, ctx.version, month, scope, level)
per_area = summary.assign(name=summary[localized("name", lang)].fillna("—"))[
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

filters = [*place_filters(places, view.scope, t),
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
