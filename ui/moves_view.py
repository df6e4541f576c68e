"""What the moves page and the building profile share about enterprise moves (issue 24): the list of moves as
people read it, the flow counts with their headers, and the profile's "moves of the last 12 months" block."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import streamlit as st

from data_layer.cached import enterprises as cached_enterprises
from data_layer.cached import moves as cached_moves
from data_layer.moves import FLOW_COLUMNS, MoveScope, flows
from data_layer.periods import Period, add_months
from ui.enterprise_view import viewer
from ui.shell import PageContext, page_link, t

Translate = Callable[..., str]
PROFILE_MONTHS = 12
SHOWN_FIRST = ("arrivals", "departures", "net", "within")


def move_table(frame: pd.DataFrame, t: Translate, *, outside: str) -> pd.DataFrame:
    """The moves as the pages show and export them: month, what happened, the enterprise (headquarters marked),
    from and to (a building's name, or outside the city), area; the tax columns only where the data layer left
    them (auth.tax_access). Column-wise (a city's year of moves runs to 150,000 rows at 200,000 enterprises)."""
    def words(values: pd.Series, prefix: str) -> pd.Series:
        return values.map({v: t(f"{prefix}.{v}") for v in values.unique()})

    names = frame["name"].astype(str)
    hq = frame["is_headquarters"].astype(bool).to_numpy()
    out = pd.DataFrame({
        t("mv.col.month"): frame["month"].map({m: m.strftime("%Y-%m") for m in frame["month"].unique()}),
        t("mv.col.kind"): words(frame["kind"], "mv.kind"),
        t("ent.col.name"): np.where(hq, f"【{t('ent.hq')}】" + names, names),
        t("ent.col.credit_code"): frame["credit_code"].astype(str),
        t("mv.col.from"): frame["from_name"].astype("object").where(frame["from_name"].notna(), outside),
        t("mv.col.to"): frame["to_name"].astype("object").where(frame["to_name"].notna(), outside),
        t("mv.col.area"): pd.to_numeric(frame["area_from"].fillna(frame["area_to"]), errors="coerce").round(0),
    })
    if "tax_band" in frame.columns:
        out[t("ent.col.tax_band")] = words(frame["tax_band"], "ent.band")
    if "tax_10k" in frame.columns:
        out[t("ent.col.tax_10k")] = frame["tax_10k"]
    return out.reset_index(drop=True)


def flow_table(counts: pd.DataFrame, names: Mapping[object, str], t: Translate, *, label: str) -> pd.DataFrame:
    """Flow counts per area (data_layer.moves.flows) with the areas named and the headers translated."""
    out = counts.reset_index(names="code")
    out.insert(0, label, [names.get(c, str(c)) for c in out["code"]])
    order = [label, *SHOWN_FIRST, *(c for c in FLOW_COLUMNS if c not in SHOWN_FIRST)]  # the totals before the split
    return out[order].rename(columns={c: t(f"mv.flow.{c}") for c in FLOW_COLUMNS})


def moves_link(params: dict[str, str], label: str) -> None:
    page_link("app_pages/moves.py", url_path="moves", label=label, icon=":material/move_up:", params=params)


def profile_moves(ctx: PageContext, building_id: int, period: Period) -> None:
    """The building's moves over the 12 months through the period's last month: arrivals and departures with where
    from and where to, the enterprise named, tax as the viewer's role allows."""
    last = period.end
    first = add_months(last, 1 - PROFILE_MONTHS)
    st.markdown(f"**{t('mv.profile.heading')}**")
    if not cached_enterprises.has_register(ctx.url, ctx.version):
        st.caption(t("ent.no_register"))
        return
    scope = MoveScope(building_id=building_id)
    frame = cached_moves.period_moves(ctx.url, ctx.version, first, last, scope)
    counts = flows(frame, level="building", areas=[building_id]).loc[building_id]
    st.caption(t("mv.profile.caption", first=f"{first:%Y-%m}", last=f"{last:%Y-%m}", arrivals=int(counts["arrivals"]),
                 in_city=int(counts["in_city"]), in_outside=int(counts["in_outside"]),
                 departures=int(counts["departures"]), out_city=int(counts["out_city"]),
                 out_outside=int(counts["out_outside"]), net=f"{int(counts['net']):+d}"))
    moves_link({"building": str(building_id), "month": f"{last:%Y-%m}", "lang": ctx.lang}, t("mv.profile.link"))
    if frame.empty:
        return
    role, kiosk = viewer()
    listed = cached_moves.move_list(ctx.url, ctx.version, first, last, scope, role, kiosk)
    st.dataframe(move_table(listed, t, outside=t("mv.outside")), hide_index=True, key=f"moves_{building_id}",
                 height=min(36 * (len(listed) + 1), 320))
