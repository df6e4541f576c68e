"""楼宇地图: buildings on an offline map with filters kept in the URL, a profile panel on click, the filtered
table with downloads, and districts compared side by side."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from data_layer import cached, fmt
from data_layer.auth import has_role
from data_layer.buildings import page_count, summarise
from data_layer.cached import imports as cached_imports
from data_layer.cached import map as cached_map
from data_layer.export import to_csv_bytes, to_xlsx_bytes
from data_layer.first_day import place_building
from data_layer.geo import normalise_crs, parse_crs
from data_layer.i18n import localized
from data_layer.imports.geo import CRS_CODES
from data_layer.indicators import definition
from data_layer.settings import get_settings
from ui import map_charts, workbench_view
from ui.auth import current_user, require_role, store_engine
from ui.building_profile import render_profile
from ui.definitions import map_table_headers
from ui.first_day import render_unplaced
from ui.map_state import (
    display_options,
    filter_sidebar,
    period_param,
    split_sort,
    sync_from_url,
    table_controls,
    write_url,
)
from ui.shell import page_context, page_link, plain, t

ctx = page_context()
lang, settings = ctx.lang, get_settings()
district_frame = cached.districts(ctx.url, ctx.version)
district_names = dict(zip(district_frame["code"], district_frame[localized("name", lang)],
                          strict=True))
street_frame = cached_map.streets(ctx.url, ctx.version)
street_names = dict(zip(street_frame["id"], street_frame[localized("name", lang)], strict=True))
street_district = dict(zip(street_frame["id"], street_frame["district_code"], strict=True))
has_sentiment = cached_map.has_observation_points(ctx.url, ctx.version)  # the index itself only when colouring by it
colours = map_charts.COLOUR_DIMENSIONS if has_sentiment else tuple(c for c in map_charts.COLOUR_DIMENSIONS if c != "sentiment")

view = sync_from_url(districts=set(district_names), streets=street_district, first_month=ctx.first_month,
                     last_month=ctx.last_month, colours=colours)
period = view.period
key = (ctx.url, ctx.version, period.kind, period.year, period.number)
# Draw in the tile server's CRS when one is configured, otherwise in the boundaries' own CRS.
target_crs = normalise_crs(settings.tile_crs) if settings.tile_url else cached_map.boundary_crs(ctx.url, ctx.version)
if settings.tile_url and parse_crs(settings.tile_crs) is None:  # a typo would shift every point by ~500 m
    st.warning(t("map.tile_crs_unknown", value=plain(settings.tile_crs), crs=target_crs))
frame = cached_map.filtered(*key, target_crs, view.filters)
pages = page_count(len(frame))
view = replace(view, table_page=min(view.table_page, pages))  # a narrower filter may leave fewer pages
write_url(view, last_month=ctx.last_month)
sort_by, descending = split_sort(view.table_sort)
table, table_ids = cached_map.table_page(*key, target_crs, view.filters, lang, sort_by, descending, view.table_page)
table_key = f"map_table_{view.table_sort}_{view.table_page}"  # a row picked on one page is not a row of another

# The title, metrics and display options are drawn into this container after the map (their values are settled
# already): the map's element then reaches the browser first and deck.gl's code starts loading before the browser
# lays out the rest of the page. The layout is the same; only the order the elements arrive in changes.
head = st.container()
districts = cached_map.district_map(*key, target_crs)
map_col, side_col = st.columns([3, 2])
with map_col:
    if frame.empty:
        st.info(t("map.empty"))
    indicator = view.choropleth or None
    features = map_charts.district_features(districts, lang=lang, indicator=indicator,
                                    formatter=lambda v: fmt.kpi(indicator or "", v, lang))
    points = cached_map.map_points(*key, target_crs, view.filters, view.colour, lang,
                           view.height if view.mode == "columns" else None, settings.min_responses)
    placed = frame[frame["lon"].notna() & frame["lat"].notna()]  # buildings without coordinates: listed below
    extent = placed if len(placed) else districts.geometry.get_coordinates().rename(columns={"x": "lon", "y": "lat"})
    deck = map_charts.buildings_deck(
        points, districts=features, labels=map_charts.district_labels(districts, lang=lang), mode=view.mode,
        colour_by=view.colour, tooltip=t("map.tooltip"), choropleth=indicator is not None, tile_url=settings.tile_url,
        view=map_charts.fit_view(extent["lon"], extent["lat"], pitch=45 if view.mode in ("columns", "hexagon") else 0))
    event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="map_deck", height=560)

with head:
    st.title(t("map.heading"))
    page_link("app_pages/map_time.py", url_path="map-time", label=t("playback.link"), icon=":material/play_circle:",
              params={"lang": lang})  # issue 25: the map through time, its own page
    st.caption(t("map.caption", period=period.label(lang), as_of=ctx.last_month.strftime("%Y-%m")))
    summary = summarise(frame)
    for column, (label, code, value) in zip(st.columns(5), [
            ("map.metric.buildings", "buildings", fmt.count(summary["buildings"])),
            ("map.metric.occupancy", "occupancy_rate", fmt.pct(summary["occupancy_rate"])),
            ("map.metric.tax", "building_tax", fmt.money_10k(summary["tax_period"], lang)),
            ("map.metric.tax_10m", "buildings_tax_10m", fmt.count(summary["buildings_tax_10m"])),
            ("map.metric.tax_100m", "buildings_tax_100m", fmt.count(summary["buildings_tax_100m"]))], strict=True):
        column.metric(t(label), value, border=True, help=definition(code, lang))  # the registry's definition
    display_options(t, colours=colours)
with map_col:
    # The filters are drawn after the map (their values were settled by sync_from_url): the browser then starts
    # loading the map's deck.gl code before it renders a dozen sidebar widgets, which draws the map ~0.2 s sooner.
    filter_sidebar(t, district_names=district_names, street_names=street_names, street_district=street_district,
                   first_month=ctx.first_month, last_month=ctx.last_month)
    notes = [t("map.tile_note", crs=target_crs) if settings.tile_url else t("map.offline_note", crs=target_crs),
             t("map.filter.street_help")]
    if view.mode in ("hexagon", "heatmap"):
        notes.append(t("map.density_note"))
    st.caption(" ".join(notes))
with side_col:
    # a click on a point or a pick in the table below opens the profile here; the newer of the two wins
    selected = workbench_view.latest_pick(map_charts.selected_building(event, points), pd.DataFrame({"id": table_ids}),
                                          "map_table", table_key)
    if selected is not None:
        render_profile(ctx, selected, period, wide=False, show_link=True)
    else:
        st.caption(t("map.pick_hint"))
    # the legends stay while a profile is open: the map beside it still needs reading
    if view.mode in ("points", "columns") and len(frame):
        items = map_charts.legend(points, colour_by=view.colour, lang=lang)
        st.html(map_charts.legend_html(items, title=t(f"map.colour.{view.colour}")))
    if indicator:
        edges = map_charts.choropleth_bins(districts[indicator])
        items = map_charts.choropleth_legend(edges, lambda v: fmt.kpi(indicator, v, lang))
        st.html(map_charts.legend_html(items, title=t("map.legend.choropleth", indicator=t(f"kpi.{indicator}"))))


def full() -> pd.DataFrame:  # every filtered building in the table's order, built when a download is clicked
    return cached_map.table(*key, target_crs, view.filters, lang, sort_by, descending)


st.subheader(t("map.table"))
# one page of rows reaches the browser, sorted over every filtered building here; the downloads carry them all
table_controls(t, pages=pages, page=view.table_page)
st.caption(t("map.table_caption", page=view.table_page, pages=pages, count=f"{len(frame):,}"))
st.dataframe(table, hide_index=True, height=360, key=table_key, on_select="rerun", selection_mode="single-row",
             column_config=map_table_headers(lang, table))  # each header's definition as its tooltip
stem = f"buildings_{period_param(period)}"
left, right, _ = st.columns([2, 2, 3])  # wide enough for "Download CSV" and "Download Excel" at 1,280 px
left.download_button(t("map.download_csv"), data=lambda: to_csv_bytes(full()), file_name=f"{stem}.csv",
                     mime="text/csv", on_click="ignore", icon=":material/download:")
right.download_button(t("map.download_xlsx"), data=lambda: to_xlsx_bytes(full(), sheet_name="buildings"),
                      file_name=f"{stem}.xlsx", on_click="ignore", icon=":material/download:",
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader(t("map.compare"))
st.multiselect(t("map.compare.pick"), list(district_names), key="map_compare", format_func=district_names.get,
               placeholder=t("map.filter.any"))
chosen = list(view.compare) or list(view.filters.districts) or list(district_names)
st.dataframe(map_charts.district_comparison(cached_map.district_indicators(*key), codes=chosen, lang=lang), hide_index=True)

# the building early warnings of the buildings shown (issue 17); a row opens the profile page
workbench_view.alert_list(ctx, as_of=period.end, key="map", within=set(frame["id"].astype(int)))

if (placed_flash := st.session_state.pop("place_flash", None)) is not None:
    st.success(placed_flash)
user = current_user()
editor = user is not None and has_role(user.role, "editor")
render_unplaced(cached_imports.unplaced(ctx.url, ctx.version), t, district_names=district_names, crs_codes=CRS_CODES,
                place=(lambda code, lon, lat, crs: place_building(store_engine(), code=code, lon=lon, lat=lat, crs=crs,
                                                                  user=require_role("editor").username))
                if editor else None)
