"""观测点: the perception index of the observation points on the map, alerts, trends, dimensions, keywords of
negative feedback, each point's feedback (labels corrected by editors) and the demands (诉求)."""

from __future__ import annotations

import streamlit as st

from data_layer import cached, fmt, observation
from data_layer.cached import observation as cached_observation
from data_layer.i18n import localized
from data_layer.models import DIMENSIONS, SENTIMENTS
from data_layer.periods import Period
from data_layer.settings import get_settings
from ui import observation_charts as charts
from ui import sentiment_learning as learning
from ui import view_state as vs
from ui.auth import require_role, shows_names
from ui.held import held
from ui.shell import page_context, plain, t

OBS_SAVED = "obs_saved_params"  # the last view's parameters, for a return from another page

ctx = page_context()
lang, settings = ctx.lang, get_settings()
stats = cached_observation.monthly_stats(ctx.url, ctx.version)
points = cached_observation.points(ctx.url, ctx.version)
st.title(t("obs.heading"))
if stats.empty or points.empty:
    st.info(t("obs.no_feedback"))
    st.stop()
dims = {code: t(f"obs.dimension.{code}") for code in DIMENSIONS}
labels = {code: t(f"obs.sentiment.{code}") for code in SENTIMENTS}
review = {"review": t("obs.filter.review")}
district_col = localized("district", lang)
districts = dict(zip(points["district_code"], points[district_col], strict=False))
names = {int(r.point_id): f"{r.code} {r.name}" for r in points.itertuples()}


def quarter_label(key: str) -> str:
    period = Period("quarter", int(key[:4]), int(key[-1]))
    if period.end <= ctx.last_month:
        return period.label(lang)
    return t("obs.to_date", quarter=period.label(lang), month=ctx.last_month.strftime("%Y-%m"))


# quarter, district, point and tab are kept in the URL (ui.view_state)
quarters = observation.quarters(stats)
point_district = dict(zip(points["point_id"].astype(int), points["district_code"], strict=True))
url_view = vs.parse_observation(vs.url_params(vs.OBS_PARAMS, OBS_SAVED), quarters=quarters, districts=set(districts),
                                point_district=point_district)
vs.seed({"obs_quarter": url_view.quarter, "obs_district": url_view.district, "obs_point": url_view.point})
with st.sidebar:
    quarter = st.selectbox(t("obs.filter.quarter"), quarters, index=held("obs_quarter", quarters), key="obs_quarter",
                           format_func=quarter_label)
    district_options = [None, *sorted(districts)]
    district = st.selectbox(t("filter.district"), district_options, index=held("obs_district", district_options),
                            key="obs_district",
                            format_func=lambda c: t("filter.all_districts") if c is None else districts[c])
    in_scope = points if district is None else points[points["district_code"] == district]
    if st.session_state.get("obs_point") not in {None, *in_scope["point_id"].astype(int)}:  # another district
        del st.session_state["obs_point"]  # its first option, all points (state None would show an empty box)
    point_options = [None, *in_scope["point_id"].astype(int)]
    point = st.selectbox(t("obs.filter.point"), point_options, index=held("obs_point", point_options), key="obs_point",
                         format_func=lambda p: t("obs.filter.all_points") if p is None else names[p])

scope_name = names[point] if point else (districts[district] if district else t("filter.all_districts"))
# Point and district names are imported data: a caption renders Markdown, so they are escaped there.
st.caption(t("obs.caption", scope=plain(scope_name), quarter=quarter_label(quarter), min=settings.min_responses))
# Demands are counted as of today (observation.demand_day), like the briefing screen and this quarter's pack.
as_of = observation.demand_day(settings.today)
table = cached_observation.point_table(ctx.url, ctx.version, quarter, settings.min_responses, as_of)
table = table if district is None else table[table["district_code"] == district]
trend = cached_observation.trend(ctx.url, ctx.version, settings.min_responses, district, point)
found = charts.alerts_view(observation.alerts(table, index_drop=settings.alert_index_drop,
                                              negative_share=settings.alert_negative_share), lang=lang, t=t)
now, change = charts.quarter_figures(trend, quarter)
chosen = table if point is None else table[table["point_id"] == point]
tiles = charts.kpi_tiles(now, change, alerts=len(found), open_demands=int(chosen["open"].sum()),
                         overdue=int(chosen["overdue"].sum()))
for column, (code, value, delta) in zip(st.columns(len(tiles)), tiles, strict=True):
    column.metric(t(f"obs.kpi.{code}"), value, delta, border=True, help=t("obs.kpi.help.index") if code == "index"
                  else None)

tab_labels, tab_key = [t(f"obs.tab.{c}") for c in vs.OBS_TABS], f"obs_tab_{lang}"  # its state: the label
vs.tab_state(tab_key, vs.OBS_TABS, tab_labels, url_view.tab)
tab_map, tab_trend, tab_feedback, tab_demands = st.tabs(tab_labels, key=tab_key, on_change="rerun")
vs.write_url(vs.observation_params(vs.ObservationView(quarter, district, point, vs.tab_code(tab_key, vs.OBS_TABS,
                                                                                         tab_labels)),
                                   quarters=quarters), names=vs.OBS_PARAMS, saved_key=OBS_SAVED)
with tab_map:
    left, right = st.columns([3, 2])
    with left:
        st.pydeck_chart(charts.points_deck(table, cached_observation.boundaries(ctx.url, ctx.version), lang=lang, t=t),
                        key="obs_map", height=520)
        st.markdown(charts.legend_html(t), unsafe_allow_html=True)  # constant colours and band labels, no data
    with right:
        st.subheader(t("obs.alerts"))
        st.caption(t("obs.alerts_rule", drop=f"{settings.alert_index_drop:g}",
                     share=fmt.pct(settings.alert_negative_share, 0)))
        if found.empty:
            st.success(t("obs.no_alerts"))
        else:
            st.dataframe(found, hide_index=True, key="obs_alerts", placeholder="—")
    st.subheader(t("obs.points"))
    st.dataframe(charts.points_table(table, lang=lang, t=t), hide_index=True, key="obs_points", placeholder="—")

with tab_trend:
    left, right = st.columns(2)
    city = cached_observation.trend(ctx.url, ctx.version, settings.min_responses, None, None)
    chart_labels = {"city": t("filter.all_districts"), "scope": scope_name, "index": t("obs.col.index"),
                    "quarter": t("obs.filter.quarter"), "negative_share": t("obs.col.negative_share"),
                    "responses": t("obs.col.responses"), "count": t("obs.col.mentions")}
    with left:
        st.subheader(t("obs.trend"))
        st.plotly_chart(charts.trend_chart(city, trend if (district or point) else None, labels=chart_labels),
                        key="obs_trend")
    with right:
        st.subheader(t("obs.by_dimension"))
        breakdown = cached_observation.dimension_breakdown(ctx.url, ctx.version, quarter, settings.min_responses, district, point)
        st.plotly_chart(charts.dimension_chart(breakdown, names=dims, labels=chart_labels), key="obs_dimensions")
    st.subheader(t("obs.keywords"))
    start, end = charts.keyword_window(quarter)
    ids = None if district is None and point is None else tuple(int(p) for p in (
        [point] if point else in_scope["point_id"]))
    words = cached_observation.negative_keywords(ctx.url, ctx.version, start, end, ids)
    st.caption(t("obs.keywords_caption", start=start.strftime("%Y-%m"), end=end.strftime("%Y-%m")))
    present = [d for d in DIMENSIONS if d in set(words["dimension"])]
    if not present:
        st.info(t("obs.no_keywords", min=observation.MIN_KEYWORD_COUNT))  # none, or none mentioned often enough
    else:
        dimension = st.segmented_control(t("obs.filter.dimension"), present, default=present[0],
                                         key="obs_keyword_dimension", format_func=dims.get) or present[0]
        shown = words[words["dimension"] == dimension]
        st.plotly_chart(charts.keywords_chart(shown, labels=chart_labels), key="obs_keywords")
        term = st.selectbox(t("obs.keyword.open"), [None, *shown["term"]], key="obs_keyword_term",
                            format_func=lambda w: t("obs.keyword.pick") if w is None else w)
        if term:
            behind = cached_observation.keyword_comments(ctx.url, ctx.version, term, dimension, start, end, ids)
            st.caption(t("obs.keyword.caption", term=plain(term), n=fmt.count(len(behind))))
            st.dataframe(charts.keyword_comments_table(behind, points=names, t=t), hide_index=True,
                         key="obs_keyword_comments")

with tab_demands:
    scoped = observation.scope_demands(cached_observation.demands(ctx.url, ctx.version), district=district, point_id=point)
    left, right = st.columns([2, 3])
    with left:
        st.subheader(t("obs.demands.by_category"))
        by_category = observation.demand_summary(scoped, by=["category"], as_of=as_of)
        st.plotly_chart(charts.demand_chart(by_category, names=charts.category_names(by_category, t),
                                            labels=charts.demand_labels(t)), key="obs_demand_chart")
    with right:
        st.subheader(t("obs.demands.by_district"))
        by_district = cached_observation.demand_summary(ctx.url, ctx.version, ("district_code",), as_of)
        st.dataframe(charts.demand_table(by_district, key="district_code", names=districts, t=t), hide_index=True,
                     placeholder="—")
        st.subheader(t("obs.demands.by_point"))
        by_point = observation.demand_summary(scoped, by=["point_id"], as_of=as_of)
        st.dataframe(charts.demand_table(by_point, key="point_id", names=names, t=t), hide_index=True,
                     placeholder="—")
    st.caption(t("obs.demands.note", today=as_of.isoformat()))
    st.subheader(t("obs.demands.list"))
    mean_days, median_days = observation.close_times(scoped)
    closed_n = int((scoped["status"] == "closed").sum()) if not scoped.empty else 0
    st.markdown(t("obs.demands.close_times", closed=fmt.count(closed_n), mean=charts.number(mean_days),
                  median=charts.number(median_days)))  # numbers only: nothing from the data is Markdown here
    open_only = st.toggle(t("obs.demands.open_only"), value=True, key="obs_demands_open_only")
    listed = observation.demand_list(scoped, as_of=as_of, open_only=open_only)
    total = int(observation.demand_summary(scoped, by=[], as_of=as_of)["open" if open_only else "total"].sum())
    st.caption(t("obs.demands.list_caption", shown=fmt.count(len(listed)), total=fmt.count(total),
                 limit=fmt.count(observation.DEMAND_LIST_LIMIT), today=as_of.isoformat()))
    st.dataframe(charts.demand_list_table(listed, points=names, categories=charts.category_names(listed, t), t=t),
                 hide_index=True, key="obs_demand_list", placeholder="—")

with tab_feedback:
    options = [int(p) for p in in_scope["point_id"]]
    # The tab's own picker follows a new pick in the sidebar (a keyed box keeps its value, and index= applies only
    # when it is first drawn: the tiles showed one point and this list another's comments); a pick made here stays
    # until the sidebar changes again.
    state = st.session_state
    if point in options and state.get("obs_feedback_follows") != point:
        state["obs_feedback_point"] = point
    state["obs_feedback_follows"] = point
    if state.get("obs_feedback_point") not in (None, *options):  # a point of another district
        del state["obs_feedback_point"]
    chosen_point = st.selectbox(t("obs.filter.point"), options, key="obs_feedback_point", format_func=names.get,
                                index=options.index(point) if point in options else 0)
    left, right = st.columns(2)
    dimension = left.selectbox(t("obs.filter.dimension"), [None, *DIMENSIONS], key="obs_feedback_dimension",
                               format_func=lambda d: t("obs.filter.all") if d is None else dims[d])
    label = right.selectbox(t("obs.filter.sentiment"), [None, *SENTIMENTS, "review"], key="obs_feedback_sentiment",
                            format_func=lambda s: t("obs.filter.all") if s is None else (labels | review)[s])
    # "To review" is a filter in SQL like the others, so the newest-500 cap does not hide older ones.
    query = (ctx.url, ctx.version, chosen_point, dimension, None if label == "review" else label, label == "review",
             settings.review_confidence)
    listing = cached_observation.feedback_list(*query)
    total, waiting = cached_observation.feedback_counts(*query)
    st.caption(t("obs.feedback_caption_review" if label == "review" else "obs.feedback_caption",
                 shown=fmt.count(len(listing)), n=fmt.count(total), review=fmt.count(waiting),
                 limit=fmt.count(observation.FEEDBACK_LIST_LIMIT), threshold=f"{settings.review_confidence:g}"))
    if listing.empty:
        st.info(t("obs.no_comments"))
    else:
        st.dataframe(charts.feedback_table(listing, dims=dims, labels=labels, t=t, people=shows_names()),
                     hide_index=True, key="obs_feedback", placeholder="—")
    if st.session_state.pop("obs_corrected", None):
        st.success(t("obs.corrected"))
    st.subheader(t("obs.correct"))
    user = require_role("editor")  # stops here for viewers: nothing is drawn below
    if not listing.empty:
        with st.form("obs_correct_form"):
            row = st.selectbox(t("obs.correct.record"), listing["id"].astype(int).tolist(), key="obs_correct_id",
                               format_func=charts.record_option(listing, labels))
            new = st.selectbox(t("obs.correct.label"), [*SENTIMENTS, None], key="obs_correct_label",
                               format_func=lambda s: t("obs.correct.clear") if s is None else labels[s])
            new_dimension = st.selectbox(t("obs.correct.dimension"), [None, *DIMENSIONS], key="obs_correct_dimension",
                                         format_func=lambda d: t("obs.correct.keep_dimension") if d is None else dims[d])
            if st.form_submit_button(t("obs.correct.submit")):
                observation.correct_label(cached.engine(ctx.url), feedback_id=row, label=new, user=user.username)
                if new_dimension:
                    observation.correct_dimension(cached.engine(ctx.url), feedback_id=row, dimension=new_dimension,
                                                  user=user.username)
                st.session_state["obs_corrected"] = True
                st.rerun()
    learning.status(ctx.url, ctx.version, t=t)
    learning.retrain_panel(ctx.url, t=t)  # admins only (stops here for editors)
