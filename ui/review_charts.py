"""Pure chart builders for the quarterly review: the drivers-of-change bridge. No Streamlit calls."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ui.charts import ACCENT, SECOND, inert

UP, DOWN, TOTAL = "#1a7f37", ACCENT, SECOND


def bar_values(bars: pd.DataFrame, *, kind: str) -> list[float]:
    """Contributions in display units: percentage points for rates, the indicator's unit for flows."""
    scale = 100.0 if kind == "rate" else 1.0
    return [float(v) * scale for v in bars["contribution"]]


@inert
def drivers_chart(bars: pd.DataFrame, *, kind: str, names: list[str], total_label: str, unit: str) -> go.Figure:
    """A bridge (waterfall drawn with floating bars, so each bar can be clicked): each contribution from where the
    previous one ended, then the total. `customdata` carries each bar's drill key, so a click can open it."""
    values = bar_values(bars, kind=kind)
    bases, running = [], 0.0
    for value in values:
        bases.append(running if value >= 0 else running + value)
        running += value
    digits = ".2f" if kind == "rate" else ",.1f"
    text = [f"{v:+{digits}}" for v in values]
    figure = go.Figure()
    figure.add_trace(go.Bar(
        x=names, y=[abs(v) for v in values], base=bases, name="",
        marker_color=[UP if v >= 0 else DOWN for v in values], text=text, textposition="outside",
        customdata=list(bars["key"]), hovertemplate="%{x}: %{text} " + unit + "<extra></extra>"))
    figure.add_trace(go.Bar(x=[total_label], y=[abs(running)], base=[min(running, 0.0)], name="",
                            marker_color=TOTAL, text=[f"{running:+{digits}}"], textposition="outside",
                            customdata=["total"], hovertemplate="%{x}: %{text} " + unit + "<extra></extra>"))
    figure.update_layout(showlegend=False, height=420, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         yaxis_title=unit, bargap=0.25, clickmode="event+select")
    figure.update_xaxes(type="category", tickangle=-30)
    return figure
