"""Pure builders for the observation page: DataFrames in, a pydeck map, plotly figures or display tables out.
No Streamlit calls (tests inspect what they return). Text that users typed or imported (building names,
comments, demands) goes only into table cells and the map's plain-text tooltip, never into HTML or Markdown;
in a plotly figure (whose text understands a few HTML tags) it is entity-escaped by `ui.charts.inert`."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk

from data_layer.i18n import localized
from data_layer.sentiment.retrain import Outcome as RetrainOutcome
from ui.charts import ACCENT, SECOND, inert

# Index bands (0-100) and their colours, worst first: the map, the legend and the bars share them.
BANDS: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (55.0, (200, 16, 46)), (65.0, (235, 120, 40)), (75.0, (240, 190, 50)), (85.0, (120, 190, 90)),
    (101.0, (30, 140, 70)))
NO_INDEX = (160, 160, 160)
Translate = Callable[..., str]
# Evidence entries that name a rule rather than quote the comment (data_layer.sentiment.scorer.TURN_MARKER,
# SARCASM_MARKER), stored in Chinese: translated when shown.
EVIDENCE_MARKERS = {"转折": "obs.evidence.turn", "反语": "obs.evidence.sarcasm"}


def evidence_text(evidence: object, t: Translate) -> str:
    """The stored evidence (words separated by spaces) with the rule markers in the UI language."""
    if not isinstance(evidence, str) or not evidence:
        return ""
    return " ".join(t(EVIDENCE_MARKERS[word]) if word in EVIDENCE_MARKERS else word for word in evidence.split(" "))


def band_colour(value: float | None) -> tuple[int, int, int]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_INDEX
    return next(colour for upper, colour in BANDS if value < upper)


def _hex(colour: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def legend(t: Translate) -> list[tuple[str, str]]:
    """(colour, label) pairs for the map legend."""
    items, lower = [], 0.0
    for upper, colour in BANDS:
        label = f"{lower:.0f}–{min(upper, 100):.0f}" if upper <= 100 else f"≥ {lower:.0f}"
        items.append((_hex(colour), label))
        lower = upper
    items.append((_hex(NO_INDEX), t("obs.map.no_index")))
    return items


def points_deck(table: pd.DataFrame, boundaries: pd.DataFrame, *, lang: str, t: Translate) -> pdk.Deck:
    """Observation points coloured by index over the district boundaries, offline (no basemap). Layer ids are
    fixed so the map spec does not change between reruns."""
    name_col = localized("district", lang)
    data = pd.DataFrame({
        "lon": table["lon"].round(5), "lat": table["lat"].round(5),
        "colour": [list(band_colour(v)) + [230] for v in table["index"]],
        "tip": [f"{code} {name}\n{district}\n{t('obs.col.index')}: {_num(index)}"
                for code, name, district, index in zip(table["code"], table["name"], table[name_col], table["index"],
                                                       strict=True)],
    })
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": geometry,
         "properties": {"tip": name_zh if lang == "zh" else name_en}}
        for geometry, name_zh, name_en in zip(boundaries["geometry"], boundaries["name_zh"], boundaries["name_en"],
                                              strict=True)]}
    layers = [
        pdk.Layer("GeoJsonLayer", features, id="obs-districts", stroked=True, filled=True,
                  get_fill_color=[31, 78, 121, 18], get_line_color=[31, 78, 121, 160], line_width_min_pixels=1,
                  pickable=False),
        pdk.Layer("ScatterplotLayer", data, id="obs-points", get_position=["lon", "lat"], get_fill_color="colour",
                  get_line_color=[255, 255, 255], stroked=True, line_width_min_pixels=1, radius_min_pixels=6,
                  radius_max_pixels=14, get_radius=400, pickable=True),
    ]
    lon = float(data["lon"].mean()) if len(data) else 113.33
    lat = float(data["lat"].mean()) if len(data) else 23.13
    view = pdk.ViewState(longitude=lon, latitude=lat, zoom=8.3 if len(data) else 8, pitch=0)
    # No basemap: map_provider=None and the style left at pydeck's sentinel, which Streamlit drops; an explicit
    # map_style=None or "" would make Streamlit substitute its public default style (a request off the intranet).
    # The tooltip is plain text ("text", not "html"): building names are data.
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, tooltip={"text": "{tip}"},
                    height=520)


def _num(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"


def points_table(table: pd.DataFrame, *, lang: str, t: Translate) -> pd.DataFrame:
    """The table of points as shown: translated headers, numbers rounded, shares in percent."""
    name_col = localized("district", lang)
    shown = pd.DataFrame({
        t("obs.col.rank"): table["rank"],
        t("obs.col.code"): table["code"],
        t("obs.col.name"): table["name"],
        t("obs.col.district"): table[name_col],
        t("obs.col.index"): table["index"].astype(float).round(1),
        t("obs.col.change"): table["change"].astype(float).round(1),
        t("obs.col.responses"): table["responses"],
        t("obs.col.negative_share"): (table["negative_share"].astype(float) * 100).round(1),
        t("obs.col.open_demands"): table["open"],
        t("obs.col.overdue"): table["overdue"],
    })
    return shown


@inert
def trend_chart(city: pd.DataFrame, scope: pd.DataFrame | None, *, labels: dict[str, str]) -> go.Figure:
    """The index per quarter: the city, and the chosen district or point when there is one."""
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=city["quarter"], y=city["index"], name=labels["city"], mode="lines+markers",
                                line={"color": SECOND, "width": 2},
                                hovertemplate="%{x}: %{y:.1f}<extra></extra>"))
    if scope is not None and not scope.empty:
        figure.add_trace(go.Scatter(x=scope["quarter"], y=scope["index"], name=labels["scope"],
                                    mode="lines+markers", line={"color": ACCENT, "width": 3},
                                    hovertemplate="%{x}: %{y:.1f}<extra></extra>"))
    figure.update_layout(margin={"l": 10, "r": 10, "t": 30, "b": 10}, height=320,
                         legend={"orientation": "h", "y": 1.15}, yaxis_title=labels["index"],
                         xaxis_title=labels["quarter"])
    figure.update_yaxes(range=[0, 100])
    figure.update_xaxes(type="category")
    return figure


@inert
def dimension_chart(frame: pd.DataFrame, *, names: dict[str, str], labels: dict[str, str]) -> go.Figure:
    """The index of each dimension as horizontal bars coloured by band, with the negative share in the hover."""
    ordered = frame.sort_values("index", ascending=True, na_position="first")
    figure = go.Figure(go.Bar(
        x=ordered["index"], y=[names.get(d, d) for d in ordered["dimension"]], orientation="h",
        marker_color=[_hex(band_colour(v)) for v in ordered["index"]],
        text=[_num(v) for v in ordered["index"]], textposition="outside",
        customdata=[[_num(s * 100 if s == s else None), int(n)] for s, n in
                    zip(ordered["negative_share"].astype(float), ordered["responses"], strict=True)],
        hovertemplate="%{y}: %{x:.1f} · " + labels["negative_share"] + " %{customdata[0]}% · "
                      + labels["responses"] + " %{customdata[1]}<extra></extra>"))
    figure.update_layout(margin={"l": 10, "r": 40, "t": 30, "b": 10}, height=300, xaxis_title=labels["index"])
    figure.update_xaxes(range=[0, 105])
    return figure


@inert
def keywords_chart(frame: pd.DataFrame, *, labels: dict[str, str]) -> go.Figure:
    """The most frequent terms in negative comments, most frequent on top."""
    ordered = frame.sort_values("count", ascending=True)
    figure = go.Figure(go.Bar(x=ordered["count"], y=list(ordered["term"]), orientation="h",
                              marker_color=ACCENT,
                              text=ordered["count"], textposition="outside",
                              hovertemplate="%{y}: %{x}<extra></extra>"))
    figure.update_layout(margin={"l": 10, "r": 30, "t": 30, "b": 10}, height=max(220, 26 * len(ordered) + 60),
                         xaxis_title=labels["count"])
    return figure


@inert
def demand_chart(summary: pd.DataFrame, *, names: dict[str, str], labels: dict[str, str]) -> go.Figure:
    """Demands per category, stacked in disjoint parts: closed, in progress, waiting (each not overdue), overdue."""
    ordered = summary.sort_values("total", ascending=True)
    y = [names.get(c, c) for c in ordered["category"]]
    figure = go.Figure()
    for values, key, colour in ((ordered["closed"], "closed", "#7fa7c9"),
                                (ordered["in_progress_on_time"], "in_progress", SECOND),
                                (ordered["waiting"], "open", "#f0be32"), (ordered["overdue"], "overdue", ACCENT)):
        figure.add_trace(go.Bar(x=values, y=y, orientation="h", name=labels[key], marker_color=colour,
                                hovertemplate="%{y}: %{x}<extra>" + labels[key] + "</extra>"))
    figure.update_layout(barmode="stack", margin={"l": 10, "r": 10, "t": 30, "b": 10},
                         height=max(260, 28 * len(ordered) + 80), legend={"orientation": "h", "y": 1.12},
                         xaxis_title=labels["count"])
    return figure


def demand_table(summary: pd.DataFrame, *, key: str, names: dict[str, str], t: Translate) -> pd.DataFrame:
    """Demand counts and days to close per point or district, with translated headers."""
    return pd.DataFrame({
        t(f"obs.col.{key}"): [names.get(v, str(v)) for v in summary[key]],
        t("obs.col.total"): summary["total"].astype(int),
        t("obs.col.open_demands"): summary["open"].astype(int),
        t("obs.col.overdue"): summary["overdue"].astype(int),
        t("obs.col.closed"): summary["closed"].astype(int),
        t("obs.col.closed_late"): summary["closed_late"].astype(int),
        t("obs.col.median_days"): summary["median_days"].astype(float).round(1),
        t("obs.col.mean_days"): summary["mean_days"].astype(float).round(1),
    })


def demand_list_table(listing: pd.DataFrame, *, points: dict[int, str], categories: dict[str, str],
                      t: Translate) -> pd.DataFrame:
    """The demands as listed: point, category and status in words, the text as data, dates, days open."""
    status = {code: t(f"obs.demand.{code}") for code in ("open", "in_progress", "closed")}

    def day(values: pd.Series) -> list[str]:
        return [v.strftime("%Y-%m-%d") if not pd.isna(v) else "" for v in pd.to_datetime(values)]

    return pd.DataFrame({
        t("obs.col.id"): listing["id"].astype(int),
        t("obs.col.point_id"): [points.get(int(p), str(p)) if not pd.isna(p) else "" for p in listing["point_id"]],
        t("obs.col.category"): [categories.get(c, str(c)) for c in listing["category"]],
        t("obs.col.demand_status"): [status.get(s, str(s)) + (" · " + t("obs.demand.overdue") if late else "")
                                     for s, late in zip(listing["status"], listing["overdue"], strict=True)],
        t("obs.col.demand_text"): listing["text"].fillna(""),
        t("obs.col.opened"): day(listing["opened_on"]),
        t("obs.col.due"): day(listing["due_on"]),
        t("obs.col.closed_on"): day(listing["closed_on"]),
        t("obs.col.days_open"): listing["days_open"],
    })


def legend_html(t: Translate) -> str:
    """The map legend as a line of coloured squares. Built only from the constant bands (no data in it)."""
    spans = "".join(f'<span style="display:inline-block;width:12px;height:12px;background:{colour};'
                    f'margin:0 4px 0 12px;vertical-align:middle"></span>{label}' for colour, label in legend(t))
    return f'<div style="font-size:0.85rem;color:#555">{t("obs.map.legend")}{spans}</div>'


def quarter_figures(trend: pd.DataFrame, quarter: str) -> tuple[dict[str, float | None], float | None]:
    """The scope's figures in `quarter` and the index change since the quarter before (None when either is
    missing)."""
    from data_layer.observation import previous_quarter

    def row_of(key: str) -> dict[str, float | None]:
        rows = trend[trend["quarter"] == key]
        if rows.empty:
            return {}
        return {k: (None if pd.isna(v) else float(v)) for k, v in rows.iloc[0].items() if k != "quarter"}

    now, before = row_of(quarter), row_of(previous_quarter(quarter))
    change = None
    if now.get("index") is not None and before.get("index") is not None:
        change = now["index"] - before["index"]  # type: ignore[operator]
    return now, change


def number(value: float | None, digits: int = 1) -> str:
    return _num(value, digits)


def kpi_tiles(now: dict[str, float | None], change: float | None, *, alerts: int, open_demands: int,
              overdue: int) -> list[tuple[str, str, str | None]]:
    """(code, value, delta) of the headline tiles: index (with its change), responses, negative share, points on
    alert, open and overdue demands."""
    from data_layer import fmt

    return [("index", _num(now.get("index")), None if change is None else f"{change:+.1f}"),
            ("responses", fmt.count(now.get("responses")), None),
            ("negative_share", fmt.pct(now.get("negative_share")), None),
            ("alerts", fmt.count(alerts), None), ("open_demands", fmt.count(open_demands), None),
            ("overdue", fmt.count(overdue), None)]


def alerts_view(flagged: pd.DataFrame, *, lang: str, t: Translate) -> pd.DataFrame:
    """Alerts as a table: point, district, index, change and negative share, and the reasons in words."""
    name_col = localized("district", lang)
    reasons = [", ".join(r for r, on in ((t("obs.alert.fell"), fell), (t("obs.alert.negative"), negative)) if on)
               for fell, negative in zip(flagged["fell"], flagged["too_negative"], strict=True)]
    return pd.DataFrame({
        t("obs.col.code"): flagged["code"], t("obs.col.name"): flagged["name"],
        t("obs.col.district"): flagged[name_col],
        t("obs.col.index"): flagged["index"].astype(float).round(1),
        t("obs.col.change"): flagged["change"].astype(float).round(1),
        t("obs.col.negative_share"): (flagged["negative_share"].astype(float) * 100).round(1),
        t("obs.col.reason"): reasons,
    })


def keyword_window(quarter: str) -> tuple[date, date]:
    """The year ending with `quarter` (its first day four quarters back, its last day the quarter's end): one
    quarter holds too few negative comments at a point for a frequency to mean anything."""
    year, number_ = int(quarter[:4]), int(quarter[-1])
    end_month = 3 * number_
    end = date(year + end_month // 12, end_month % 12 + 1, 1) - timedelta(days=1)
    start_index = year * 12 + end_month - 12  # months since year 0 of the window's first month
    start = date(start_index // 12, start_index % 12 + 1, 1)
    return start, end


def category_names(summary: pd.DataFrame, t: Translate) -> dict[str, str]:
    """Display names of demand categories: the translation of a known code, else the code as stored."""
    from data_layer.i18n import table

    known = table()
    return {c: t(f"obs.category.{c}") if f"obs.category.{c}" in known else str(c) for c in summary["category"]}


def demand_labels(t: Translate) -> dict[str, str]:
    return {key: t(f"obs.demand.{key}") for key in ("closed", "in_progress", "open", "overdue")} | {
        "count": t("obs.col.total")}


def feedback_table(listing: pd.DataFrame, *, dims: dict[str, str], labels: dict[str, str],
                   t: Translate, people: bool) -> pd.DataFrame:
    """A point's comments as shown: the text as data (never Markdown), the label in force, and that it was
    corrected (by whom when `people`: data_layer.auth.sees_names) or whether it waits for review."""
    status = [(t("obs.status.corrected", user=by) if people else t("obs.status.corrected_plain"))
              if isinstance(by, str) and by else
              (t("obs.status.review") if review else "")
              for by, review in zip(listing["corrected_by"], listing["needs_review"], strict=True)]
    return pd.DataFrame({
        t("obs.col.id"): listing["id"].astype(int),
        t("obs.col.date"): pd.to_datetime(listing["submitted_on"]).dt.strftime("%Y-%m-%d"),
        t("obs.col.dimension"): [dims.get(d, d) for d in listing["dimension"]],
        t("obs.col.score"): listing["score"],
        t("obs.col.sentiment"): [labels.get(v, "") if isinstance(v, str) else "" for v in listing["label"]],
        t("obs.col.status"): status,
        t("obs.col.confidence"): listing["confidence"].astype(float).round(2),
        t("obs.col.text"): listing["text"],
        t("obs.col.evidence"): [evidence_text(v, t) for v in listing["evidence"]],
    })


def record_option(listing: pd.DataFrame, labels: dict[str, str]) -> Callable[[int], str]:
    """How a record is named in the correction form: its id, date and current label (not its text)."""
    rows = {int(r.id): (pd.Timestamp(r.submitted_on).strftime("%Y-%m-%d"), labels.get(r.label, "—"))
            for r in listing.itertuples()}
    return lambda record_id: f"#{record_id} · {rows[record_id][0]} · {rows[record_id][1]}"


def keyword_comments_table(frame: pd.DataFrame, *, points: dict[int, str], t: Translate) -> pd.DataFrame:
    """The negative comments behind a keyword, as shown: text as data, never Markdown."""
    return pd.DataFrame({
        t("obs.col.id"): frame["id"].astype(int),
        t("obs.col.date"): pd.to_datetime(frame["submitted_on"]).dt.strftime("%Y-%m-%d"),
        t("obs.filter.point"): [points.get(int(p), str(p)) for p in frame["point_id"]],
        t("obs.col.text"): frame["text"],
    })


def retrain_table(outcome: RetrainOutcome, *, t: Translate) -> pd.DataFrame:
    """The model in use and the retrained one side by side on the blind set: macro-F1, accuracy, F1 per class."""
    rows = []
    for which, version, report in (("in_use", outcome.old_version, outcome.old), ("new", outcome.new_version,
                                                                                  outcome.new)):
        rows.append({t("obs.learning.col.model"): f"{t(f'obs.learning.{which}')} {version}",
                     "macro-F1": round(report.macro_f1, 3), t("obs.learning.col.accuracy"): round(report.accuracy, 3),
                     **{f"F1 {t(f'obs.sentiment.{label}')}": round(row["f1"], 3)
                        for label, row in report.per_class.items()}})
    return pd.DataFrame(rows)
