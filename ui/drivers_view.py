"""The goals page's "what drove the change" tab: pick an indicator and a basis, click a bar to go one level down
(district → street → building), click a building to open its profile. Kept out of app_pages/goals.py so the page
only adds a tab and one call."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from data_layer import drivers, fmt
from data_layer.cached import review as cached_review
from data_layer.i18n import localized
from data_layer.indicators import BY_CODE, definition
from ui.review_charts import drivers_chart
from ui.shell import plain, t

STATE = "drivers_path"  # the nodes opened so far, from the scope down
COUNTER = "drivers_clicks"  # part of the chart's key: a new chart (no old selection) after every move


def _move(path: list[str]) -> None:
    st.session_state[STATE] = path
    st.session_state[COUNTER] = st.session_state.get(COUNTER, 0) + 1


def _names(bars: pd.DataFrame) -> list[str]:
    out = []
    for _, row in bars.iterrows():
        if row["kind"] in ("entering", "leaving"):
            out.append(t(f"review.drivers.{row['kind']}"))
        elif row["key"].startswith("nostreet:"):
            out.append(t("review.drivers.no_street"))
        else:
            out.append(str(row["name"]))
    # a category axis merges equal names: keep them apart (two buildings may share a name)
    seen: dict[str, int] = {}
    unique = []
    for name in out:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique


def _open_building(building_id: int, lang: str) -> None:
    try:
        st.switch_page("app_pages/building.py", query_params={"id": str(building_id), "lang": lang})
    except StreamlitAPIException:  # the page run on its own (AppTest), outside st.navigation
        st.markdown(f"[{t('review.drivers.open_profile')}](building?id={building_id}&lang={lang})")


def render_drivers(*, url: str, version: str, scope: str, as_of: date, lang: str, scope_label: str) -> None:
    """The whole tab."""
    name_col = localized("name", lang)
    left, right = st.columns(2)
    indicator = left.selectbox(t("review.drivers.indicator"), list(drivers.INDICATORS), key="drivers_indicator",
                               format_func=lambda c: getattr(BY_CODE[c], name_col) if c in BY_CODE else t(f"kpi.{c}"))
    basis = right.segmented_control(t("review.drivers.basis"), drivers.BASES, default="yoy", key="drivers_basis",
                                    format_func=lambda b: t(f"review.basis.{b}")) or "yoy"
    chosen = (indicator, basis, scope, as_of)
    if st.session_state.get("drivers_for") != chosen:  # another question: start again from the top
        st.session_state["drivers_for"] = chosen
        _move([])
    path: list[str] = st.session_state.get(STATE, [])
    node = path[-1] if path else drivers.ROOT
    result = cached_review.drivers_of_change(url, version, indicator, scope, as_of, basis)
    kind = result.kind
    unit = t("review.unit.pp") if kind == "rate" else t(f"review.unit.{indicator}")

    def value(v: float | None) -> str:
        return fmt.kpi(indicator, v, lang)

    st.caption(t("review.drivers.caption", scope=plain(scope_label), now=result.current.label(),
                 before=result.base.label(), value_now=value(result.value_now),
                 value_before=value(result.value_before),
                 change=fmt.change("pp" if kind == "rate" else "rel", _change(result), lang)))
    bars = cached_review.driver_bars(url, version, indicator, scope, as_of, basis, node, lang)
    crumbs = st.columns(len(path) + 2)
    if crumbs[0].button(t("review.drivers.top"), key="drivers_top", disabled=not path):
        _move([])
        st.rerun()
    for index, step in enumerate(path):
        crumbs[index + 1].caption(f"› {_crumb(step, result.buildings, lang)}")
    if result.change is None or bars.empty:
        st.info(t("review.drivers.none"))
        return
    names = _names(bars)
    total_label = t("review.drivers.total" if not path else "review.drivers.subtotal")
    figure = drivers_chart(bars, kind=kind, names=names, total_label=total_label, unit=unit)
    event = st.plotly_chart(figure, key=f"drivers_chart_{st.session_state.get(COUNTER, 0)}", on_select="rerun",
                            selection_mode="points")
    st.caption(t("review.drivers.help"))
    picked = [p.get("customdata") for p in (event.selection.points if event else []) if p.get("customdata")]
    if picked and picked[0] != "total":
        row = bars[bars["key"] == picked[0]]
        if len(row):
            if row["kind"].iloc[0] == "building":
                _open_building(int(row["building_id"].iloc[0]), lang)
            else:
                _move([*path, str(row["drill"].iloc[0])])
                st.rerun()
    table = pd.DataFrame({
        t("review.drivers.col.name"): names,
        t("review.drivers.col.contribution"): [f"{v:+.2f}" if kind == "rate" else f"{v:+,.1f}"
                                               for v in bars["contribution"] * (100 if kind == "rate" else 1)],
        t("review.drivers.col.profile"): [f"building?id={int(b)}&lang={lang}" if pd.notna(b) else None
                                          for b in bars["building_id"]],
    })
    st.dataframe(table, hide_index=True, key="drivers_table", column_config={
        t("review.drivers.col.name"): st.column_config.Column(help=definition("drivers_unit", lang)),
        t("review.drivers.col.contribution"): st.column_config.Column(help=definition("drivers_contribution", lang)),
        t("review.drivers.col.profile"): st.column_config.LinkColumn(display_text=t("review.drivers.open_profile"),
                                                                     help=definition("drivers_profile", lang))})


def _change(result: drivers.Drivers) -> float | None:
    if result.change is None:
        return None
    if result.kind == "rate":
        return result.change
    return None if not result.value_before else result.change / result.value_before


def _crumb(step: str, buildings: pd.DataFrame, lang: str) -> str:
    kind, _, code = step.partition(":")
    if kind in ("entering", "leaving"):
        return t(f"review.drivers.{kind}")
    if kind == "nostreet":
        return t("review.drivers.no_street")
    if kind == "district":
        match = buildings.loc[buildings["district_code"] == code, f"district_{lang}"]
    else:
        match = buildings.loc[buildings["street_id"].astype(float) == float(code), f"street_{lang}"]
    return str(match.iloc[0]) if len(match) else code
