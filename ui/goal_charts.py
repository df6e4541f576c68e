"""Pure builders for the goal-tracking pages: display tables (numbers formatted in the units users expect, status in
words with a colour) and plotly figures. No Streamlit calls, so tests can inspect them."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from data_layer import fmt
from data_layer.i18n import localized
from ui.charts import ACCENT, SECOND, inert

# Status words carry the meaning; colour and symbol only repeat it (readable without colour).
STATUS_STYLE = {
    "on_track": "background-color: #dafbe1; color: #116329", "achieved": "background-color: #dafbe1; color: #116329",
    "at_risk": "background-color: #fff8c5; color: #7d4e00",
    "off_track": "background-color: #ffebe9; color: #a40e26", "missed": "background-color: #ffebe9; color: #a40e26",
    "no_data": "color: #57606a", "no_target": "color: #57606a",
}
STATUS_SYMBOL, COMPARATOR_TEXT = fmt.STATUS_SYMBOL, fmt.COMPARATOR_TEXT




def status_table(table: pd.DataFrame, *, lang: str, t: Callable[..., str]) -> pd.DataFrame:
    """The goal table as text columns for display; `status` keeps the code for styling (hidden by the page)."""
    name = localized("name", lang)
    rows = []
    for row in table.to_dict("records"):
        unit = str(row["unit"])
        expected = "—"
        if not fmt.missing(row["expected"]):
            expected = f"{fmt.indicator(row['expected'], unit, lang, str(row['indicator']))} ({t('goals.pace.' + str(row['pace_method']))})"
        note = t(f"goals.note.{row['note']}") if row["note"] else ""
        rows.append({
            "indicator": row[name],
            "target": "—" if fmt.missing(row["target"])
            else f"{COMPARATOR_TEXT[str(row['comparator'])]} {fmt.indicator(row['target'], unit, lang, str(row['indicator']))}",
            "actual": fmt.indicator(row["actual"], unit, lang, str(row["indicator"])),
            "progress": fmt.progress(str(row["unit"]), row["gap"], row["progress"], lang),
            "expected": expected,
            "forecast": fmt.indicator(row["forecast"], unit, lang, str(row["indicator"])),
            "status_text": f"{STATUS_SYMBOL[str(row['status'])]} {t('goals.status.' + str(row['status']))}",
            "note": note,
            "status": row["status"],
        })
    return pd.DataFrame(rows, columns=["indicator", "target", "actual", "progress", "expected", "forecast",
                                       "status_text", "note", "status"])


def style_status(frame: pd.DataFrame, *, column: str = "status_text", code_column: str = "status") -> Styler:
    """Colour the status cell from its code (the text already says it in words)."""
    codes = frame[code_column]

    def colour(cells: pd.Series) -> list[str]:
        return [STATUS_STYLE.get(str(codes.iloc[i]), "") for i in range(len(cells))]

    return frame.style.apply(colour, subset=[column])


# Chart axes in the unit a reader expects: money in 亿元 (100M yuan), area in 万㎡ for Chinese readers and m² for
# English ones. The divisor follows the language; the unit's words come from goals.chart.unit.<unit>, which say
# the same in each language.
CHART_SCALE = {("10k_yuan", "zh"): 10_000.0, ("10k_yuan", "en"): 10_000.0, ("m2", "zh"): 10_000.0}
CHART_UNITS = ("10k_yuan", "m2", "pct")


def _display_scale(unit: str, lang: str, t: Callable[..., str]) -> tuple[float, str]:
    """The divisor for chart values and the axis unit, e.g. (10,000, 亿元) for tax in Chinese."""
    suffix = t(f"goals.chart.unit.{unit}") if unit in CHART_UNITS else ""
    return CHART_SCALE.get((unit, "zh" if lang == "zh" else "en"), 1.0), suffix


@inert
def target_actual_chart(frame: pd.DataFrame, *, unit: str, lang: str, labels: Mapping[str, str],
                        t: Callable[..., str]) -> go.Figure:
    """Target per plan year as bars, the actual (final for past years, to date for the running one) and the
    year-end forecast as markers. frame: year, target, actual, forecast, final."""
    scale, suffix = _display_scale(unit, lang, t)
    code = str(frame["indicator"].iloc[0]) if "indicator" in frame and len(frame) else ""
    years = frame["year"].astype(str)
    figure = go.Figure()
    # target labels sit at the foot of the bars, clear of the actual and forecast markers near their tops
    figure.add_trace(go.Bar(x=years, y=frame["target"] / scale, name=labels["target"], marker_color="#c9d6e3",
                            text=[f"{labels['target']} {fmt.indicator(v, unit, lang, code)}" for v in frame["target"]],
                            textposition="inside", insidetextanchor="start", textfont={"color": "#1f2328"},
                            hovertemplate="%{x}: %{text}<extra></extra>"))
    # markers only: a past year's full-year actual and the running year's actual to date are not one series
    figure.add_trace(go.Scatter(x=years, y=frame["actual"] / scale, name=labels["actual"], mode="markers+text",
                                marker={"color": ACCENT, "size": 14, "symbol": "circle"}, textposition="middle left",
                                textfont={"size": 14, "color": ACCENT},
                                text=[fmt.indicator(v, unit, lang, code) for v in frame["actual"]],
                                hovertemplate="%{x}: %{text}<extra>" + labels["actual"] + "</extra>"))
    running = frame[~frame["final"].astype(bool) & frame["forecast"].notna()]
    figure.add_trace(go.Scatter(x=running["year"].astype(str), y=running["forecast"] / scale, name=labels["forecast"],
                                mode="markers+text", textposition="middle right",
                                textfont={"size": 14, "color": SECOND},
                                marker={"color": SECOND, "size": 14, "symbol": "diamond-open", "line": {"width": 3}},
                                text=[fmt.indicator(v, unit, lang, code) for v in running["forecast"]],
                                hovertemplate="%{x}: %{text}<extra>" + labels["forecast"] + "</extra>"))
    top = pd.concat([frame["target"], frame["actual"], frame["forecast"]]).max()
    figure.update_yaxes(title_text=suffix or None, ticksuffix="%" if unit == "pct" else "",
                        range=[0, float(top) / scale * 1.18] if not fmt.missing(top) and top > 0 else None)
    figure.update_xaxes(title_text=labels["year"], type="category")
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 10}, height=360, barmode="overlay",
                         legend={"orientation": "h", "y": 1.12})
    return figure


def rank_change_text(change: object) -> str:
    if fmt.missing(change):
        return "—"
    value = int(change)  # type: ignore[call-overload]
    return "＝" if value == 0 else (f"▲{value}" if value > 0 else f"▼{-value}")


def ranking_table(frame: pd.DataFrame, *, unit: str, basis: str, lang: str, t: Callable[..., str]) -> pd.DataFrame:
    """The ranking for display: rank, name, value, change in rank since last month, buildings, state."""
    name = localized("name", lang)
    rows = []
    for row in frame.to_dict("records"):
        score = row["score"]
        if basis == "yoy" and not fmt.missing(score):
            score_text = f"{score:+.1f} {t('unit.pp')}" if unit == "pct" else f"{score:+.1f}%"
        else:
            score_text = fmt.indicator(score, unit, lang)
        rows.append({
            "rank": "—" if fmt.missing(row["rank"]) else str(int(row["rank"])),
            "name": row[name],
            "score": score_text,
            "change": rank_change_text(row["rank_change"]),
            "buildings": fmt.count(row["buildings"]),
            "state": t(f"goals.rank_state.{row['state']}"),
        })
    return pd.DataFrame(rows, columns=["rank", "name", "score", "change", "buildings", "state"])


@inert
def ranking_chart(frame: pd.DataFrame, *, unit: str, basis: str, lang: str, label: str,
                  t: Callable[..., str]) -> go.Figure:
    """Ranked areas as horizontal bars, first at the top."""
    name = localized("name", lang)
    ranked = frame[frame["state"] == "ranked"].sort_values("rank", ascending=False)
    scale, suffix = (1.0, "") if basis == "yoy" else _display_scale(unit, lang, t)
    values = ranked["score"] / scale
    figure = go.Figure(go.Bar(x=values, y=ranked[name], orientation="h", marker_color=SECOND,
                              text=[f"{v:,.1f}" for v in values], textposition="outside", cliponaxis=False,
                              hovertemplate="%{y}: %{x:,.2f}<extra></extra>"))
    low, high = float(min(values.min(), 0)) if len(values) else 0.0, float(max(values.max(), 0)) if len(values) else 1.0
    pad = (high - low) * 0.18 or 1.0
    figure.update_layout(margin={"l": 10, "r": 40, "t": 30, "b": 10}, height=max(260, 34 * len(ranked) + 80),
                         xaxis_title=f"{label} {suffix}".strip(), yaxis_title=None)
    figure.update_xaxes(range=[low - (pad if low < 0 else 0), high + pad])
    return figure


def movers_table(frame: pd.DataFrame, *, lang: str, district_names: Mapping[str, str]) -> pd.DataFrame:
    """Buildings that entered or left a tax list: year-to-date tax before and now, formatted."""
    return pd.DataFrame({
        "code": frame["code"], "name": frame["name"],
        "district": frame["district_code"].map(lambda c: district_names.get(c, c)),
        "ytd_before": [fmt.money_10k(None if fmt.missing(v) else float(v), lang) for v in frame["ytd_before"]],
        "ytd_now": [fmt.money_10k(None if fmt.missing(v) else float(v), lang) for v in frame["ytd_now"]],
    })


def occupancy_table(frame: pd.DataFrame, *, lang: str, district_names: Mapping[str, str],
                    t: Callable[..., str]) -> pd.DataFrame:
    """Buildings whose occupied area changed most: rate before and now, change in m²."""
    return pd.DataFrame({
        "code": frame["code"], "name": frame["name"],
        "district": frame["district_code"].map(lambda c: district_names.get(c, c)),
        "state": frame["state"].map(lambda s: t(f"goals.movers.state.{s}")),
        "rate_before": [fmt.indicator(v, "pct", lang) for v in frame["rate_before"]],
        "rate_now": [fmt.indicator(v, "pct", lang) for v in frame["rate_now"]],
        "delta": [("+" if v > 0 else "") + fmt.area(v, "zh" if lang == "zh" else "en") for v in frame["delta_m2"]],
    })
