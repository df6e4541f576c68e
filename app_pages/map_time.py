"""地图回放: the map through time (issue 25). A month slider with play / pause / step and speed over any range the
store holds, animating each building's occupancy, monthly or cumulative tax, or vacancy (colour, or column height)
and the district choropleth, with bins fixed across the range. Its own page: the map page stays one period.

Each step sends the browser one byte per building (the month's colour class), not a new deck: the positions travel
once per range and filter (ui/playback_view.py). Range, month and options live in the URL."""

from __future__ import annotations

import streamlit as st

from data_layer import cached
from data_layer.cached import map as cached_map
from data_layer.cached import playback as cached_playback
from data_layer.geo import normalise_crs
from data_layer.i18n import localized
from data_layer.periods import month_range
from data_layer.playback import METRICS
from data_layer.settings import get_settings
from ui import playback_view
from ui.held import held_choice, held_value
from ui.shell import page_context, t

ctx = page_context()
lang, settings = ctx.lang, get_settings()
district_frame = cached.districts(ctx.url, ctx.version)
district_names = dict(zip(district_frame["code"], district_frame[localized("name", lang)], strict=True))
view = playback_view.sync_from_url(first_month=ctx.first_month, last_month=ctx.last_month,
                                   districts=set(district_names))

st.title(t("playback.heading"))
st.caption(t("playback.caption", as_of=ctx.last_month.strftime("%Y-%m")))
months = month_range(ctx.first_month, ctx.last_month)
left, middle, right = st.columns([5, 4, 3])
left.select_slider(t("playback.range"), options=months, key="pb_range", value=held_value("pb_range", None),
                   format_func=playback_view.month_param)
middle.segmented_control(t("playback.metric"), list(METRICS), key="pb_metric",
                         default=held_choice("pb_metric", METRICS, "occupancy"),
                         format_func=lambda m: t(f"playback.metric.{m}"))
with right:
    st.segmented_control(t("playback.mode"), list(playback_view.MODES), key="pb_mode",
                         default=held_choice("pb_mode", playback_view.MODES, "points"),
                         format_func=lambda m: t(f"playback.mode.{m}"))
    st.checkbox(t("playback.cumulative"), key="pb_cum", value=held_value("pb_cum", False),
                disabled=view.metric != "tax", help=t("playback.cumulative_help"))
st.multiselect(t("filter.district"), list(district_names), key="pb_districts", format_func=district_names.get,
               default=held_value("pb_districts", []), placeholder=t("map.filter.any"))
playback_view.write_url(view)

# drawn in the boundaries' CRS, or the tile server's when one is configured (as the map page does)
crs = normalise_crs(settings.tile_crs) if settings.tile_url else cached_map.boundary_crs(ctx.url, ctx.version)
where = cached_playback.positions(ctx.url, ctx.version, view.end, crs, view.districts)
steps = cached_playback.steps(ctx.url, ctx.version, view.start, view.end, view.metric, view.cumulative)
district_steps = cached_playback.district_steps(ctx.url, ctx.version, view.start, view.end, view.metric,
                                                view.cumulative)
key = playback_view.positions_key(ctx.version, view, crs)
send = not playback_view.holds_positions(key)
geo = first = None
if send:  # the outlines and the first view travel with the positions only
    districts = cached_map.district_map(ctx.url, ctx.version, "month", view.end.year, view.end.month, crs)
    if view.districts:
        districts = districts[districts["code"].isin(view.districts)]
    geo, first = playback_view.geo_features(districts, lang), playback_view.first_view(where, districts)
if not len(where.ids):
    st.info(t("map.empty"))
playback_view.render(playback_view.step_args(
    view=view, steps=steps, district_steps=district_steps, where=where, columns=steps.columns_for(where.ids),
    key=key, send_positions=send, t=t, lang=lang, geo=geo, first=first, tile_url=settings.tile_url))
st.caption(t("playback.tile_note" if settings.tile_url else "playback.note", crs=crs))
