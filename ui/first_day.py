"""The first-day guide shown on the overview and on 数据管理 while the store is empty or partly loaded: what is
loaded, and the next step with its template. Also the "not on the map" list and the form that places one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from data_layer.first_day import STEPS, Loaded
from data_layer.imports.templates import template_bytes
from ui.shell import plain

TEMPLATE_KIND = {"boundaries": "boundaries", "streets": "streets", "buildings": "buildings", "monthly": "monthly",
                 "city": "city", "plans": "plans"}


def loaded_table(state: Loaded, t: Callable[..., str]) -> pd.DataFrame:
    """One row per step with what the store holds (plain text cells)."""
    months = t("firstday.months", count=state.building_months, first=state.first_month, last=state.last_month) \
        if state.building_months else t("firstday.none")
    rows = [("boundaries", t("firstday.count.districts", count=state.boundaries)),
            ("streets", t("firstday.count.streets", count=state.streets)),
            ("buildings", t("firstday.count.buildings", count=state.buildings, unplaced=state.unplaced,
                            points=state.points)),
            ("monthly", months),
            ("city", t("firstday.count.city", count=state.city_months) if state.city_months else t("firstday.none")),
            ("plans", t("firstday.count.plans", count=state.plans) if state.plans else t("firstday.none"))]
    done = {"boundaries": state.boundaries, "streets": state.streets, "buildings": state.buildings,
            "monthly": state.building_months, "city": state.city_months, "plans": state.plans}
    return pd.DataFrame({t("firstday.col.step"): [f"{i}. {t(f'firstday.step.{s}')}" for i, (s, _) in
                                                   enumerate(rows, start=1)],
                         t("firstday.col.state"): ["✓" if done[s] else "—" for s, _ in rows],
                         t("firstday.col.loaded"): [text for _, text in rows]})


def render_guide(state: Loaded, t: Callable[..., str], *, today: date, key: str,
                 unplaced: pd.DataFrame | None = None) -> None:
    """The guide: the table of what is loaded, then the next step's text, template and command line; and the
    buildings not on the map (`unplaced`: code, name, ...), named."""
    step = state.next_step()
    st.subheader(t("firstday.heading"))
    st.table(loaded_table(state, t).set_index(t("firstday.col.step")))  # a static table: six rows of plain text
    if unplaced is not None and len(unplaced):
        names = t("map.list_sep").join(plain(n) for n in unplaced["name"].head(30).astype(str))  # file text
        more = t("firstday.unplaced.more", count=len(unplaced) - 30) if len(unplaced) > 30 else ""
        st.caption(t("firstday.unplaced.named", names=names, more=more))
    if step is None:
        st.success(t("firstday.all_done"))
        return
    st.info(t(f"firstday.next.{step}", count=state.unplaced))
    kind = TEMPLATE_KIND.get(step)
    if kind is None:
        return
    fmt = "geojson" if kind == "boundaries" else "xlsx"
    st.download_button(t("firstday.template", step=t(f"firstday.step.{step}")),
                       lambda: template_bytes(kind, fmt, today), file_name=f"{kind}.{fmt}", key=f"{key}_template",
                       on_click="ignore", icon=":material/download:")
    command = "init" if step in ("boundaries", "streets") else f"import {kind} FILE"
    st.caption(t("firstday.cli", command=f"python -m data_layer {command}"))


def guide_wanted(state: Loaded) -> bool:
    return state.next_step() is not None


__all__ = ["STEPS", "guide_wanted", "loaded_table", "render_guide"]


def render_unplaced(frame: pd.DataFrame, t: Callable[..., str], *, district_names: dict[str, str],
                    place: Callable[[str, float, float, str], str | None] | None, crs_codes: tuple[str, ...]) -> None:
    """The buildings without coordinates, and (for editors: `place` given) a form that places one by typed
    coordinates. `place(code, lon, lat, crs)` returns None when placed, else a problem code."""
    st.subheader(t("firstday.unplaced.heading", count=len(frame)))
    if frame.empty:
        st.caption(t("firstday.unplaced.none"))
        return
    shown = pd.DataFrame({t("firstday.unplaced.code"): frame["code"], t("firstday.unplaced.name"): frame["name"],
                          t("firstday.unplaced.district"): frame["district_code"].map(district_names).fillna(""),
                          t("firstday.unplaced.address"): frame["address"].fillna("")})
    st.dataframe(shown, hide_index=True, width="stretch", key="unplaced_table")
    if place is None:
        st.caption(t("firstday.unplaced.editors"))
        return
    labels = dict(zip(frame["code"], frame["name"] + " · " + frame["code"], strict=True))
    with st.form("place_building"):
        code = st.selectbox(t("firstday.unplaced.pick"), list(labels), format_func=lambda c: labels.get(c, c),
                            key="place_code")
        left, right = st.columns(2)
        lon = left.number_input(t("firstday.unplaced.lon"), min_value=-180.0, max_value=180.0, value=None,
                                format="%.6f", key="place_lon")
        lat = right.number_input(t("firstday.unplaced.lat"), min_value=-90.0, max_value=90.0, value=None,
                                 format="%.6f", key="place_lat")
        crs = st.radio(t("imports.crs.ask"), crs_codes, index=None, key="place_crs",
                       captions=[t(f"imports.crs.where.{c}") for c in crs_codes])
        if st.form_submit_button(t("firstday.unplaced.submit"), type="primary"):
            if code is None or lon is None or lat is None or crs is None:
                st.error(t("firstday.unplaced.incomplete"))
                return
            problem = place(code, float(lon), float(lat), crs)
            if problem is None:
                st.session_state["place_flash"] = t("firstday.unplaced.done", name=plain(labels[code]))
                st.rerun()
            st.error(t(f"imports.problem.{problem}", lon=f"{lon:.6f}", lat=f"{lat:.6f}", crs=crs, hint="",
                       value=plain(code), allowed=", ".join(crs_codes)))
