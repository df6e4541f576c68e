"""Pure chart builders: DataFrames in, plotly figures out. No Streamlit calls, so tests can inspect them."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any, ParamSpec

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

P = ParamSpec("P")
# Trace attributes whose strings plotly draws as its pseudo-HTML (<b>, <a href>, <img>…) in ticks, bars, hovers
# and legends: every chart builder's output has them entity-escaped by @inert, so names from the data print as
# typed (plotly turns the entities back into characters).
_TRACE_TEXT = ("x", "y", "text", "hovertext", "labels", "customdata", "ids")



def svg_text(value: object) -> str:
    """One piece of data text made literal for plotly."""
    return html.escape(str(value), quote=False)


def _inert_values(values: Any) -> Any:
    if isinstance(values, str):
        return svg_text(values)
    if isinstance(values, (tuple, list, np.ndarray, pd.Series, pd.Index)):
        array = np.asarray(values, dtype=object)
        if array.ndim == 0:
            return values
        escaped = np.vectorize(lambda v: svg_text(v) if isinstance(v, str) else v, otypes=[object])(array)
        return escaped if array.ndim > 1 else list(escaped)
    return values


def inert_figure(figure: go.Figure) -> go.Figure:
    """Escape every string a figure's traces carry (names, categories, texts, hover data) and its title."""
    for trace in figure.data:
        if isinstance(getattr(trace, "name", None), str):
            trace.name = svg_text(trace.name)
        for attribute in _TRACE_TEXT:
            if attribute in trace and trace[attribute] is not None:
                trace[attribute] = _inert_values(trace[attribute])
    if figure.layout.title and isinstance(figure.layout.title.text, str):
        figure.layout.title.text = svg_text(figure.layout.title.text)
    return figure


def inert(build: Callable[P, go.Figure]) -> Callable[P, go.Figure]:
    """Decorator for chart builders: the figure they return shows data text literally (see inert_figure)."""

    @functools.wraps(build)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> go.Figure:
        return inert_figure(build(*args, **kwargs))

    return wrapper


ACCENT = "#C8102E"  # the bureau's red
SECOND = "#1F4E79"


@inert
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


@inert
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
