"""The planner's workbench on the pages: the building early-warning list (overview and map), the threshold
pipeline beside the goals' threshold-count targets. Each page calls one function here, so the pages' own code
stays as it was (other work changes their URL state and layout)."""

from __future__ import annotations

import urllib.parse
from datetime import date

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from data_layer import cached, fmt
from data_layer.cached import workbench as cached_workbench
from data_layer.periods import Period
from data_layer.workbench import RULES, WarningRules, rules_note
from ui.definitions import header_config
from ui.enterprise_view import viewer
from ui.map_state import period_param
from ui.shell import PageContext, t

ALERT_SHOWN = ("building", "code", "district", "grade", "leasable", "rule", "figures")


def _district_names(ctx: PageContext) -> dict[str, str]:
    return cached.district_names(ctx.url, ctx.version, ctx.lang)


def open_profile(building_id: int, period: Period, lang: str) -> None:
    """Go to the building's profile page (?id=…&period=…); outside st.navigation (AppTest) show the link."""
    params = {"id": str(building_id), "period": period_param(period), "lang": lang}
    try:
        st.switch_page("app_pages/building.py", query_params=params)
    except StreamlitPageNotFoundError:
        st.markdown(f"[{t('wb.open_profile')}](building?{urllib.parse.urlencode(params)})")


def picked_row(key: str) -> int | None:
    """The row a single-row selectable dataframe has selected (None when none)."""
    state = st.session_state.get(key)
    rows = getattr(getattr(state, "selection", None), "rows", None) if state is not None else None
    if rows is None and isinstance(state, dict):
        rows = state.get("selection", {}).get("rows")
    return int(rows[0]) if rows else None


def alert_list(ctx: PageContext, *, as_of: date, key: str, district: str | None = None,
               within: set[int] | None = None) -> None:
    """The building early warnings at `as_of` for the city or a district (or the buildings `within`), with the
    rule that fired and its figures; picking a row opens the building's profile."""
    as_of = min(as_of, ctx.last_month)
    rules = WarningRules.from_settings()
    alerts = cached_workbench.building_alerts(ctx.url, ctx.version, as_of, district, rules)
    rows = cached_workbench.alert_rows(ctx.url, ctx.version, as_of, district, rules, ctx.lang)  # row for row
    if within is not None:
        keep = alerts["building_id"].isin(within).to_numpy()
        alerts, rows = alerts[keep], rows[keep].reset_index(drop=True)
    st.subheader(t("wb.alerts.heading"))
    month = as_of.strftime("%Y-%m")
    if alerts.empty:
        st.caption(t("wb.alerts.none", as_of=month) + " " + rules_note(rules, ctx.lang))
        return
    counts = alerts["rule"].value_counts()
    chosen = st.pills(t("wb.alerts.rule_filter"), [r for r in RULES if counts.get(r, 0)], selection_mode="multi",
                      key=f"{key}_alert_rules", format_func=lambda r: f"{t(f'wb.rule.{r}')} {counts.get(r, 0)}")
    if chosen:
        keep = alerts["rule"].isin(chosen).to_numpy()
        alerts, rows = alerts[keep], rows[keep].reset_index(drop=True)
    st.caption(t("wb.alerts.caption", as_of=month, n=len(alerts), buildings=alerts["building_id"].nunique()) + " "
               + rules_note(rules, ctx.lang))
    if (alerts["rule"] == "move_out").any():  # editors see who left; everyone else the count (issue 24)
        role, kiosk = viewer()
        names = cached_workbench.move_out_names(ctx.url, ctx.version, as_of, rules, role, kiosk)
        for i, (rule, building_id) in enumerate(zip(alerts["rule"], rows["building_id"], strict=True)):
            if rule == "move_out" and names.get(int(building_id)):
                rows.loc[i, "figures"] = "、".join(names[int(building_id)]) + " · " + rows.loc[i, "figures"]
    nonce = st.session_state.get(f"{key}_alert_nonce", 0)
    table_key = f"{key}_alerts_{nonce}"
    st.dataframe(rows[list(ALERT_SHOWN)], hide_index=True, key=table_key, on_select="rerun",
                 selection_mode="single-row", height=min(36 * (len(rows) + 1), 360),
                 column_config=header_config(ALERT_SHOWN, label=lambda c: t(f"wb.col.{c}"), lang=ctx.lang,
                                             codes={c: f"wb_{c}" for c in ("grade", "leasable", "rule", "figures")},
                                             frame=rows))
    picked = picked_row(table_key)
    if picked is not None and picked < len(rows):
        st.session_state[f"{key}_alert_nonce"] = nonce + 1  # a fresh table when the user comes back
        open_profile(int(rows["building_id"].iloc[picked]), Period("ytd", as_of.year, as_of.month), ctx.lang)


def pipeline_block(ctx: PageContext, *, goals: pd.DataFrame, as_of: date, district: str | None) -> None:
    """准千万元楼 / 准亿元楼 beside the threshold-count targets: "target needs +N more: these M candidates", each
    candidate with its year to date, seasonal forecast and the tax still needed per remaining month."""
    frame = cached_workbench.pipeline(ctx.url, ctx.version, as_of, district)
    st.subheader(t("wb.pipeline.heading"))
    if as_of.month == 12:
        st.caption(t("wb.pipeline.complete"))
        return
    targets = goals.set_index("indicator") if len(goals) else pd.DataFrame()
    names = _district_names(ctx)
    for bound, codes in (("10m", ("buildings_tax_10m",)), ("100m", ("buildings_tax_100m", "new_buildings_tax_100m"))):
        part = frame[frame["bound"] == bound]
        fresh = part["last_year"].isna() | (part["last_year"] < 10_000)  # a new 亿元楼 was under it all last year
        needs = []
        for code in codes:
            if code in targets.index:
                row = targets.loc[code]
                gap = None if fmt.missing(row["target"]) or fmt.missing(row["actual"]) else \
                    max(float(row["target"]) - float(row["actual"]), 0.0)
                needs.append(t("wb.pipeline.needs", indicator=t(f"wb.pipeline.indicator.{code}"),
                               target=fmt.count(row["target"]), actual=fmt.count(row["actual"]),
                               gap=fmt.count(gap), n=int(fresh.sum()) if code.startswith("new_") else len(part)))
        st.markdown(f"**{t(f'wb.pipeline.{bound}', n=len(part))}**")
        if needs:
            st.caption(" ".join(needs))
        if part.empty:
            continue
        shown = pd.DataFrame({
            "building_id": part["building_id"].astype(int), "building": part["name"].astype(str),
            "district": [names.get(c, c) for c in part["district_code"]],
            "ytd": part["ytd"].round(1), "forecast": part["forecast"].round(1),
            "need_per_month": part["need_per_month"].round(1),
            "basis": part["basis"].map({b: t(f"wb.pipeline.basis.{b}") for b in part["basis"].unique()}),
        }).reset_index(drop=True)
        key = f"pipeline_{bound}_{st.session_state.get('pipeline_nonce', 0)}"
        visible = [c for c in shown if c != "building_id"]
        st.dataframe(shown[visible], hide_index=True, key=key, on_select="rerun", selection_mode="single-row",
                     height=min(36 * (len(shown) + 1), 300),
                     column_config=header_config(visible, label=lambda c: t(f"wb.pipeline.col.{c}"), lang=ctx.lang,
                                                 codes={c: f"wb_{c}" for c in
                                                        ("ytd", "forecast", "need_per_month", "basis")},
                                                 frame=shown))
        picked = picked_row(key)
        if picked is not None and picked < len(shown):
            st.session_state["pipeline_nonce"] = st.session_state.get("pipeline_nonce", 0) + 1
            open_profile(int(shown["building_id"].iloc[picked]), Period("ytd", as_of.year, as_of.month), ctx.lang)
    st.caption(t("wb.pipeline.method"))


def profile_figures(ctx: PageContext, building_id: int, period: Period, *, columns: int) -> None:
    """The profile's workbench tiles: vacant area with its 3-month change, output per ㎡ with its rank among the
    district's and the grade's buildings, output per employee."""
    figures = cached_workbench.building_figures(ctx.url, ctx.version, building_id, period.kind, period.year, period.number)
    if figures is None:
        return
    change = figures["vacant_change_3m"]
    vacant_delta = None if fmt.missing(change) else t("wb.profile.vacant_3m", change=f"{change:+,.0f}")
    rank = t("wb.profile.rank", district=_rank(figures["rank_district"], figures["of_district"]),
             grade_name=t(f"map.grade.{figures['grade']}"), grade=_rank(figures["rank_grade"], figures["of_grade"]))
    months = figures["months_reported"]
    part = None if fmt.missing(months) or months >= len(period.months) else t("wb.profile.part_year",
                                                                              months=int(months))
    tiles = [("kpi.vacant_area", fmt.kpi("vacant_area", figures["vacant_m2"], ctx.lang), vacant_delta),
             ("kpi.tax_per_m2", fmt.kpi("tax_per_m2", figures["tax_per_m2"], ctx.lang), rank),
             ("kpi.tax_per_employee", fmt.kpi("tax_per_employee", figures["tax_per_employee"], ctx.lang), part)]
    for column, (key, value, delta) in zip(st.columns(columns), tiles, strict=False):
        column.metric(t(key), value, delta, delta_color="off", delta_arrow="off", border=True,
                      help=t("wb.profile.help"))


def _rank(rank: object, of: object) -> str:
    return "—" if fmt.missing(rank) else f"{int(rank)}/{int(of)}"  # type: ignore[call-overload]


def latest_pick(point: int | None, frame: pd.DataFrame, table_key: str, widget_key: str | None = None) -> int | None:
    """The building to show: the map's clicked point or the table's picked row (a row of `frame`, the table's
    rows in the same order), whichever changed last. `widget_key` is the table's own key when it differs from
    `table_key` (the map's paged table has one per page and order, so a pick never carries over to other rows)."""
    row = picked_row(widget_key or table_key)
    from_table = int(frame["id"].iloc[row]) if row is not None and row < len(frame) else None
    state = st.session_state
    previous = state.get(f"{table_key}_picks", (None, None))
    current = (point, from_table)
    chosen = state.get(f"{table_key}_chosen")
    if current != previous:  # a new row picked wins; otherwise (a new click, a row unpicked) the point
        chosen = from_table if from_table is not None and from_table != previous[1] else point
    state[f"{table_key}_picks"] = current
    state[f"{table_key}_chosen"] = chosen
    return chosen if chosen in (point, from_table) else None
