"""One building's profile: shared by the map's selection panel and the 楼宇档案 page.

Names, addresses and codes come from imported data, so they are escaped before any Markdown element shows them
(or shown in dataframes, which never interpret markup)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_layer import fmt
from data_layer.buildings import FLAG_COLUMNS
from data_layer.cached import enterprises as cached_enterprises
from data_layer.cached import map as cached_map
from data_layer.enterprises import GapScope
from data_layer.i18n import localized
from data_layer.periods import Period
from data_layer.settings import get_settings
from ui import moves_view, workbench_view
from ui.building_charts import enterprises_chart, occupancy_chart, tax_chart
from ui.enterprise_view import access_of, enterprise_table, rates_block, viewer
from ui.map_state import period_param
from ui.shell import PageContext, page_link, plain, t


def flag_labels(detail: dict) -> list[str]:
    labels = []
    for flag, column in FLAG_COLUMNS.items():
        value = detail.get(column)
        if value:
            label = t(f"map.flag.{flag}")
            labels.append(f"{label} {'★' * int(value)}" if flag == "energy_star" else label)
    return labels


def link_to_profile(building_id: int, period: Period, lang: str) -> None:
    """A link to the profile page (?id=...), carrying the period and language."""
    params = {"id": str(building_id), "period": period_param(period), "lang": lang}
    page_link("app_pages/building.py", url_path="building", label=t("map.profile.open_page"),
              icon=":material/apartment:", params=params)


def _kpis(detail: dict, lang: str, columns: int) -> None:
    has_end = pd.notna(detail.get("leasable_end")) and detail["leasable_end"] > 0
    band = t(f"map.tax_band.{detail['tax_band']}")
    tiles = [
        ("map.kpi.occupancy", fmt.pct(detail["occupancy_rate"]) if has_end else "—", None),
        ("map.kpi.tax_period", fmt.money_10k(detail["tax_period"], lang), None),
        ("map.kpi.tax_ytd", fmt.money_10k(detail["tax_ytd"], lang), band),
        ("map.kpi.enterprises", fmt.count(detail["enterprises_operating"]), None),
        ("map.kpi.registration", fmt.pct(detail["registration_rate"]), None),
        ("map.kpi.employees", fmt.count(detail["employees"]), None),
        ("map.kpi.new_enterprises", fmt.count(detail["new_enterprises"]), None),
    ]
    for start in range(0, len(tiles), columns):
        for column, (key, value, delta) in zip(st.columns(columns), tiles[start:start + columns], strict=False):
            column.metric(t(key), value, delta, delta_color="off", delta_arrow="off", border=True)
    if not has_end:
        st.caption(t("map.kpi.no_data"))


def _attributes(detail: dict, lang: str) -> pd.DataFrame:
    district = detail[localized("district", lang)]
    street = detail[localized("street", lang)]
    rows = [
        ("map.attr.code", detail["code"]), ("map.attr.address", detail["address"]),
        ("map.attr.district", f"{district} / {street}" if isinstance(street, str) and street else district),
        ("map.attr.grade", t(f"map.grade.{detail['grade']}")), ("map.attr.status", t(f"map.status.{detail['status']}")),
        ("map.attr.industry", t(f"map.industry.{detail['industry']}")),
        ("map.attr.operator", t(f"map.operator.{detail['operator_type']}")),
        ("map.attr.gross_area", fmt.area(detail["gross_area_m2"], lang)),
        ("map.attr.leasable_area", fmt.area(detail["leasable_area_m2"], lang)),
        ("map.attr.year_completed", "—" if pd.isna(detail["year_completed"]) else str(int(detail["year_completed"]))),
        ("map.attr.flags", t("map.list_sep").join(flag_labels(detail)) or t("map.profile.flags_none")),
        ("map.attr.crs", t("firstday.not_on_map") if pd.isna(detail["lon"]) or pd.isna(detail["lat"])
         else f"{detail['lon']:.5f}, {detail['lat']:.5f} ({detail['crs']})"),
    ]
    return pd.DataFrame({t("map.attr.field"): [t(k) for k, _ in rows], t("map.attr.value"): [str(v) for _, v in rows]})


def _history(ctx: PageContext, building_id: int, period: Period, height: int) -> None:
    st.markdown(f"**{t('map.profile.history')}**")
    history = cached_map.building_history(ctx.url, ctx.version, building_id, period.end, 36)
    if history.empty:
        st.info(t("map.history.empty"))
        return
    occ_tab, tax_tab, ent_tab = st.tabs([t("map.history.occupancy"), t("map.history.tax"),
                                         t("map.history.enterprises")])
    occ_tab.plotly_chart(occupancy_chart(history, label=t("map.history.occupancy"), height=height),
                         key=f"occ_{building_id}")
    tax_tab.plotly_chart(tax_chart(history, label=t("map.history.tax"), height=height), key=f"tax_{building_id}")
    ent_tab.plotly_chart(enterprises_chart(history, labels={"operating": t("map.history.operating"),
                                                            "registered": t("map.history.registered")},
                                           height=height), key=f"ent_{building_id}")


def _observation(ctx: PageContext, building_id: int, period: Period) -> None:
    point, scores = cached_map.observation(ctx.url, ctx.version, building_id, period.kind, period.year, period.number)
    if point is None:
        return
    st.markdown(f"**{t('map.obs.heading')}**")
    st.caption(t("map.obs.caption", code=plain(point["code"]), date=point["designated_on"].isoformat()))
    if scores.empty:
        st.info(t("map.obs.no_scores"))
        return
    n_period, n_all = int(scores["period_responses"].sum()), int(scores["all_responses"].sum())
    mean_period = (scores["period_avg"] * scores["period_responses"]).sum() / n_period if n_period else None
    mean_all = (scores["all_avg"] * scores["all_responses"]).sum() / n_all
    left, right = st.columns(2)
    left.metric(t("map.obs.avg_period"), f"{mean_period:.2f}" if mean_period is not None else "—",
                t("map.obs.responses", count=n_period), delta_color="off", delta_arrow="off", border=True)
    right.metric(t("map.obs.avg_all"), f"{mean_all:.2f}", t("map.obs.responses", count=n_all), delta_color="off",
                 delta_arrow="off", border=True)
    sentiment = cached_map.sentiment_index(ctx.url, ctx.version, period.kind, period.year, period.number,
                                   get_settings().min_responses)
    row = sentiment[sentiment["building_id"] == building_id]
    value = row["sentiment_index"].iloc[0] if len(row) else float("nan")
    if pd.isna(value):  # fewer responses in the period than an index needs
        st.caption(t("map.obs.sentiment_too_few", n=get_settings().min_responses))
    else:
        st.metric(t("map.obs.sentiment"), f"{value:.0f}", t("map.obs.responses", count=int(row["responses"].iloc[0])),
                  delta_color="off", delta_arrow="off", border=True)
    table = pd.DataFrame({
        t("map.obs.dimension"): scores["dimension"].map(lambda d: t(f"map.dimension.{d}")),
        t("map.obs.period_avg"): scores["period_avg"].round(2),
        t("map.obs.period_responses"): scores["period_responses"],
        t("map.obs.all_avg"): scores["all_avg"].round(2), t("map.obs.all_responses"): scores["all_responses"],
    })
    st.dataframe(table, hide_index=True)


def gap_link(district: str, period: Period, lang: str) -> None:
    """A link to the registration-gap list of the building's district, as of the profile's month."""
    params = {"district": district, "month": period.end.strftime("%Y-%m"), "lang": lang}
    page_link("app_pages/registration.py", url_path="registration-gap", label=t("ent.gap_link"),
              icon=":material/how_to_reg:", params=params)


def _enterprises(ctx: PageContext, building_id: int, detail: dict, period: Period) -> None:
    """The enterprises in the building in the period's last month (一企一档), tax as the viewer's role allows."""
    st.markdown(f"**{t('ent.heading')}**")
    if not cached_enterprises.has_register(ctx.url, ctx.version):
        st.caption(t("ent.no_register"))
        return
    role, kiosk = viewer()
    month = period.end
    frame = cached_enterprises.building_enterprises(ctx.url, ctx.version, building_id, month, role, kiosk)
    gap_link(detail["district_code"], period, ctx.lang)
    if frame.empty:
        st.info(t("ent.none", month=month.strftime("%Y-%m")))
        return
    st.caption(t("ent.count", month=month.strftime("%Y-%m"), count=len(frame),
                 registered=int(frame["registered_here"].sum()), hq=int(frame["is_headquarters"].sum())) + " "
               + t(f"ent.order.{access_of(role, kiosk)}"))
    table = enterprise_table(frame.drop(columns=["enterprise_id", "to_month"]), t, lang=ctx.lang)
    # headquarters marked in the name column too, so the mark survives a sort by any other column
    name = t("ent.col.name")
    table[name] = [f"【{t('ent.hq')}】{n}" if hq else n for n, hq in zip(table[name], frame["is_headquarters"],
                                                                       strict=True)]
    st.dataframe(table, hide_index=True, key=f"enterprises_{building_id}", height=320)
    scope = GapScope(building_id=building_id)
    rates_block(cached_enterprises.register_rates(ctx.url, ctx.version, month, scope), t, month=month)


def render_profile(ctx: PageContext, building_id: int, period: Period, *, wide: bool, show_link: bool) -> bool:
    """Draw the profile; False (after saying so) when there is no such building."""
    detail = cached_map.building_detail(ctx.url, ctx.version, building_id, period.kind, period.year, period.number)
    if detail is None:
        st.warning(t("building.not_found", id=building_id))
        return False
    district = detail[localized("district", ctx.lang)]
    st.subheader(plain(detail["name"]))
    st.caption(" · ".join([plain(detail["code"]), plain(district), t(f"map.grade.{detail['grade']}"),
                           period.label(ctx.lang)]))
    flags = flag_labels(detail)
    if flags:  # words, not an emoji: intranet PCs often lack an emoji font
        st.caption(t("map.profile.flags_line", flags=t("map.list_sep").join(flags)))
    if show_link:
        link_to_profile(building_id, period, ctx.lang)
    _kpis(detail, ctx.lang, columns=4 if wide else 2)
    workbench_view.profile_figures(ctx, building_id, period, columns=4 if wide else 2)  # vacancy, output, ranks
    if wide:
        left, right = st.columns([3, 2])
        with left:
            _history(ctx, building_id, period, height=300)
        with right:
            st.markdown(f"**{t('map.profile.attributes')}**")
            st.dataframe(_attributes(detail, ctx.lang), hide_index=True, height="content")
            _observation(ctx, building_id, period)
        _enterprises(ctx, building_id, detail, period)
        moves_view.profile_moves(ctx, building_id, period)  # the last 12 months' moves (issue 24)
    else:
        _history(ctx, building_id, period, height=220)
        _observation(ctx, building_id, period)
        with st.expander(t("map.profile.attributes")):
            st.dataframe(_attributes(detail, ctx.lang), hide_index=True, height="content")
    return True
