"""Pure chart builders: DataFrames in, plotly figures out. No Streamlit calls, so tests can inspect them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

ACCENT = "#C8102E"  # the bureau's red
SECOND = "#1F4E79"


def trend_chart(frame: pd.DataFrame, *, labels: dict[str, str]) -> go.Figure:
    """Monthly tax as bars (亿元) and area-weighted occupancy as a line on a second axis."""
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(go.Bar(x=frame["month"], y=frame["tax_10k"] / 10_000, name=labels["tax"],
                            marker_color=SECOND, hovertemplate="%{x|%Y-%m}: %{y:.2f}<extra></extra>"))
    figure.add_trace(go.Scatter(x=frame["month"], y=frame["occupancy_rate"] * 100, name=labels["occupancy"],
                                mode="lines+markers", line={"color": ACCENT, "width": 3},
                                hovertemplate="%{x|%Y-%m}: %{y:.1f}%<extra></extra>"), secondary_y=True)
    figure.update_yaxes(title_text=labels["tax"], secondary_y=False)
    figure.update_yaxes(title_text=labels["occupancy"], ticksuffix="%", secondary_y=True, range=[0, 100],
                         dtick=20, showgrid=False)
    figure.update_xaxes(title_text=labels["month"], tickformat="%Y-%m")
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 10}, height=360,
                         legend={"orientation": "h", "y": 1.12}, bargap=0.25)
    return figure


def district_bar(frame: pd.DataFrame, *, name_column: str, labels: dict[str, str]) -> go.Figure:
    """Building tax by district over the period, largest first."""
    ordered = frame.sort_values("tax_10k", ascending=True)
    figure = go.Figure(go.Bar(
        x=ordered["tax_10k"] / 10_000, y=ordered[name_column], orientation="h", marker_color=SECOND,
        text=(ordered["tax_10k"] / 10_000).map(lambda v: f"{v:,.1f}"), textposition="outside",
        customdata=(ordered["occupancy_rate"] * 100).round(1),
        hovertemplate="%{y}: %{x:.2f} · " + labels["occupancy"] + " %{customdata}%<extra></extra>",
    ))
    figure.update_layout(margin={"l": 10, "r": 40, "t": 30, "b": 10}, height=380,
                         xaxis_title=labels["tax"], yaxis_title=None)
    figure.update_xaxes(range=[0, float(ordered["tax_10k"].max() or 0) / 10_000 * 1.15])
    return figure
