"""Pure plotly builders for one building's monthly history (profile panel and profile page)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ui.charts import ACCENT, SECOND, inert


def _layout(figure: go.Figure, height: int) -> go.Figure:
    figure.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 10}, height=height,
                         legend={"orientation": "h", "y": 1.15}, hovermode="x unified")
    figure.update_xaxes(tickformat="%Y-%m")
    return figure


@inert
def occupancy_chart(history: pd.DataFrame, *, label: str, height: int = 240) -> go.Figure:
    figure = go.Figure(go.Scatter(x=history["month"], y=history["occupancy_rate"] * 100, name=label,
                                  mode="lines", line={"color": ACCENT, "width": 2.5},
                                  hovertemplate="%{x|%Y-%m}: %{y:.1f}%<extra></extra>"))
    figure.update_yaxes(ticksuffix="%", range=[0, 100])
    return _layout(figure, height)


@inert
def tax_chart(history: pd.DataFrame, *, label: str, height: int = 240) -> go.Figure:
    figure = go.Figure(go.Bar(x=history["month"], y=history["tax_10k"], name=label, marker_color=SECOND,
                              hovertemplate="%{x|%Y-%m}: %{y:,.1f}<extra></extra>"))
    figure.update_yaxes(title_text=label)
    return _layout(figure, height)


@inert
def enterprises_chart(history: pd.DataFrame, *, labels: dict[str, str], height: int = 240) -> go.Figure:
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=history["month"], y=history["enterprises_operating"], name=labels["operating"],
                                mode="lines", line={"color": SECOND, "width": 2.5}))
    figure.add_trace(go.Scatter(x=history["month"], y=history["enterprises_registered"], name=labels["registered"],
                                mode="lines", line={"color": ACCENT, "width": 2, "dash": "dot"}))
    return _layout(figure, height)
