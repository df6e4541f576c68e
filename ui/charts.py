"""Pure chart builders: DataFrames in, plotly figures out. No Streamlit calls, so tests can inspect them."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any, ParamSpec

import numpy as np
import pandas as pd
import plotly.graph_objects as go

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


# Headline indicators charted on their own: rates in percent, tax in 亿元 (100M yuan), counts as they are.
RATE_CODES = ("occupancy_rate", "registration_rate", "tax_share")
FLOW_CODES = ("building_tax", "new_enterprises")


def chart_values(code: str, values: pd.Series) -> pd.Series:
    """An indicator's values in the unit its axis shows (see `indicator_axis`)."""
    if code in RATE_CODES:
        return values * 100
    return values / 10_000 if code == "building_tax" else values


@inert
def indicator_trend(frame: pd.DataFrame, *, code: str, title: str, texts: list[str], labels: dict[str, str]) -> go.Figure:
    """One headline indicator month by month (aggregates.monthly_indicators): flows as bars, rates and stocks as a
    line. `title`: the axis title with its unit; `texts`: each month's value as the overview prints it (hover)."""
    values = chart_values(code, frame[code])
    hover = "%{x|%Y-%m}: %{customdata}<extra></extra>"
    if code in FLOW_CODES:
        trace = go.Bar(x=frame["month"], y=values, name=title, marker_color=SECOND, customdata=texts,
                       hovertemplate=hover)
    else:
        trace = go.Scatter(x=frame["month"], y=values, name=title, mode="lines+markers", customdata=texts,
                           line={"color": ACCENT, "width": 3}, hovertemplate=hover)
    figure = go.Figure(trace)
    figure.update_yaxes(title_text=title, ticksuffix="%" if code in RATE_CODES else "", rangemode="tozero")
    figure.update_xaxes(title_text=labels["month"], tickformat="%Y-%m")
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 10}, height=360, bargap=0.25)
    return figure


@inert
def district_indicator_bar(frame: pd.DataFrame, *, code: str, name_column: str, title: str,
                           texts: list[str]) -> go.Figure:
    """Districts by one headline indicator over the period (aggregates.district_indicators), largest at the top;
    `texts`: each district's value as printed, in the frame's order."""
    shown = frame.assign(_value=chart_values(code, frame[code]), _text=texts).sort_values("_value", ascending=True,
                                                                                          na_position="first")
    figure = go.Figure(go.Bar(x=shown["_value"], y=shown[name_column], orientation="h", marker_color=SECOND,
                              text=shown["_text"], textposition="outside", cliponaxis=False,
                              hovertemplate="%{y}: %{text}<extra></extra>"))
    top = float(shown["_value"].max()) if shown["_value"].notna().any() else 0.0
    figure.update_layout(margin={"l": 10, "r": 40, "t": 30, "b": 10}, height=380, xaxis_title=title, yaxis_title=None)
    figure.update_xaxes(range=[0, (top or 1.0) * 1.2], ticksuffix="%" if code in RATE_CODES else "")
    return figure


def axis_title(code: str, t: Callable[..., str]) -> str:
    """The indicator's name with the unit its chart shows it in."""
    if code in RATE_CODES:
        return t(f"kpi.{code}") + t("chart.suffix.pct")
    return t(f"kpi.{code}") + (t("chart.suffix.yi") if code == "building_tax" else "")
