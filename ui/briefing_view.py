"""Pure builders for the briefing screen (领导驾驶舱): the page's constant CSS, HTML for each panel and the map
deck. No Streamlit calls, so tests can inspect what a panel would show.

Every value that comes from the store (district and building names, numbers) goes through `html.escape`; the CSS
is a constant of this module and never carries data. Sizes are for a 1920×1080 display read from 3-5 m: headline
numbers 96 px (80 px in the sentiment panel's stacked tiles), every label and table cell at least 28 px.
Times are shown in the configured DASHBOARD_TIMEZONE, not the server's.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import pydeck as pdk

from data_layer import fmt
from data_layer.i18n import localized
from data_layer.map_payload import MapPoints
from ui import map_charts as mc

Translate = Callable[..., str]

# Hides the sidebar, header, toolbar and footer on this page only (the style element goes when the page does),
# paints it dark and sets the type scale. Stale elements are not faded during a rerun: a wall screen should not
# flicker when a panel refreshes.
CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarNav"], header[data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"], [data-testid="stMainMenu"], footer {
  display: none !important;
}
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {
  background: #0b1220 !important; color: #e6edf3 !important;
}
[data-testid="stMainBlockContainer"] { padding: 18px 28px 8px 28px !important; max-width: 100% !important; }
[data-testid="stElementContainer"][data-stale="true"], [data-stale="true"] {
  opacity: 1 !important; transition: none !important;
}
[data-testid="stVerticalBlock"] { gap: 0.6rem; }
.bf { font-family: "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif;
      color: #e6edf3; line-height: 1.25; }
.bf-title { font-size: 44px; font-weight: 700; letter-spacing: 2px; }
.bf-sub { font-size: 28px; color: #9fb0c3; margin-top: 4px; }
.bf-clock { text-align: right; }
.bf-clock .time { font-size: 64px; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.1; }
.bf-clock .date { font-size: 28px; color: #9fb0c3; }
.bf-bar { display: flex; align-items: baseline; justify-content: space-between; border-bottom: 2px solid #22314a;
          padding-bottom: 6px; margin-bottom: 8px; }
.bf-bar .name { font-size: 40px; font-weight: 700; color: #ffd166; }
.bf-bar .meta { font-size: 28px; color: #9fb0c3; }
.bf-dots { font-size: 28px; letter-spacing: 6px; color: #3b4b63; }
.bf-dots .on { color: #ffd166; }
.bf-grid { display: grid; grid-template-columns: repeat(4, 1fr); gap: 20px; }
.bf-tile { background: #111b2e; border: 1px solid #22314a; border-radius: 14px; padding: 26px 30px; min-height: 350px; }
.bf-tile .label { font-size: 32px; color: #9fb0c3; }
.bf-tile .value { font-size: 96px; font-weight: 700; margin: 30px 0 18px; font-variant-numeric: tabular-nums; }
.bf-tile .unit { font-size: 34px; font-weight: 400; color: #c9d5e3; margin-left: 8px; }
.bf-tile .delta { font-size: 28px; color: #9fb0c3; }
.up { color: #3fb950 !important; } .down { color: #ff7b72 !important; } .flat { color: #9fb0c3 !important; }
.bf-table { width: 100%; border-collapse: collapse; font-size: 30px; }
.bf-table.tight { font-size: 28px; }
.bf-table.tight td { padding: 4px 14px; }
.bf-table.roomy td { padding: 12px 14px; }
.bf-table th { font-size: 28px; color: #9fb0c3; font-weight: 400; text-align: left; padding: 6px 14px;
               border-bottom: 2px solid #22314a; }
.bf-table td { padding: 7px 14px; border-bottom: 1px solid #1a2740; font-variant-numeric: tabular-nums; }
.bf-table td.num, .bf-table th.num { text-align: right; }
.bf-chip { display: inline-block; padding: 2px 16px; border-radius: 22px; font-size: 28px; font-weight: 700; }
.s-good { background: #12361f; color: #56d364; } .s-risk { background: #3d2e00; color: #ffd166; }
.s-bad { background: #4a1216; color: #ff7b72; } .s-none { background: #1f2937; color: #9fb0c3; }
.bf-counts { display: flex; gap: 22px; margin-bottom: 6px; }
.bf-counts .bf-chip { font-size: 28px; padding: 2px 22px; }
.bf-cols { display: grid; grid-template-columns: 1fr 1fr; gap: 28px; }
.bf-meter { height: 18px; background: #1a2740; border-radius: 9px; overflow: hidden; min-width: 240px; }
.bf-meter > span { display: block; height: 100%; background: #4c9be8; }
.bf-side .row { display: flex; justify-content: space-between; font-size: 30px; padding: 8px 0;
                border-bottom: 1px solid #1a2740; }
.bf-side .head { font-size: 32px; color: #ffd166; margin-bottom: 8px; }
.bf-side .swatch { display: inline-block; width: 26px; height: 26px; border-radius: 4px; margin-right: 10px;
                   vertical-align: -3px; }
.bf-big { display: grid; grid-template-columns: 1fr; gap: 16px; }
.bf-big .bf-tile { min-height: 0; padding: 16px 26px; }
.bf-big .bf-tile .value { font-size: 80px; margin: 4px 0 2px; }
.bf-note { font-size: 28px; color: #9fb0c3; margin-top: 10px; }
.bf-calm { font-size: 36px; color: #9fb0c3; text-align: center; padding: 180px 40px; border: 2px dashed #22314a;
           border-radius: 16px; }
</style>
"""

STATUS_CLASS = {"on_track": "s-good", "achieved": "s-good", "at_risk": "s-risk", "off_track": "s-bad",
                "missed": "s-bad", "no_data": "s-none", "no_target": "s-none"}
STATUS_SYMBOL, COMPARATOR_TEXT = fmt.STATUS_SYMBOL, fmt.COMPARATOR_TEXT
ROWS_PER_TABLE = 14  # what fits under the panel bar at 30 px


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


missing = fmt.missing


# --------------------------------------------------------------------------------------------------- header


def title_html(title: str, subtitle: str) -> str:
    return f'<div class="bf"><div class="bf-title">{esc(title)}</div><div class="bf-sub">{esc(subtitle)}</div></div>'


def clock_html(now: datetime, lang: str) -> str:
    """Time to the second (a frozen clock tells the room the screen has lost its server) and the date."""
    weekdays = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
    day = (f"{now.year}年{now.month}月{now.day}日 {weekdays[now.weekday()]}" if lang == "zh"
           else now.strftime("%A %d %B %Y"))
    return (f'<div class="bf bf-clock"><div class="time">{now:%H:%M:%S}</div>'
            f'<div class="date">{esc(day)}</div></div>')


def panel_bar_html(*, name: str, meta: str, position: int, total: int) -> str:
    """The panel's name, the scope and data-as-of line, and one dot per panel (the current one lit)."""
    dots = "".join('<span class="on">●</span>' if i == position else "●" for i in range(total))
    return (f'<div class="bf bf-bar"><span class="name">{esc(name)}</span><span class="meta">{esc(meta)}</span>'
            f'<span class="bf-dots">{dots}</span></div>')


def calm_html(text: str) -> str:
    """What a panel shows instead of a traceback."""
    return f'<div class="bf bf-calm">{esc(text)}</div>'


def note_html(text: str) -> str:
    return f'<div class="bf bf-note">{esc(text)}</div>'


def local_time(moment: datetime | None, zone: ZoneInfo) -> str:
    """A stored timestamp (UTC; naive ones are read as UTC) in the screen's time zone, month to minute: the
    server's own zone (often UTC in a container) is not the meeting room's."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%m-%d %H:%M")


def month_text(month: date, lang: str) -> str:
    return f"{month.year}年{month.month}月" if lang == "zh" else month.strftime("%b %Y")


# --------------------------------------------------------------------------------------------------- KPI tiles


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    unit: str
    delta: str
    tone: str  # up, down, flat


def big_number(code: str, value: float | None, lang: str) -> tuple[str, str]:
    """A headline number split into digits and unit (fmt.kpi_parts, the pages' digits), so the unit can be set
    smaller; building counts read "栋" on the wall."""
    number, unit = fmt.kpi_parts(code, value, lang)
    if not unit and number != "—" and lang == "zh" and code not in ("new_enterprises", "employees"):
        unit = "栋"
    return number, unit


def delta_text(row: pd.Series, t: Translate, lang: str) -> tuple[str, str]:
    """The change against the same period last year in words (fmt.change), and its tone (up / down / flat)."""
    kind, change = row["change_kind"], row["change"]
    if kind == "none":
        return t("briefing.kpi.current_grading"), "flat"
    if missing(change):
        return t("briefing.kpi.no_previous"), "flat"
    tone = "up" if change > 0 else "down" if change < 0 else "flat"
    return t("briefing.kpi.yoy", change=fmt.change(str(kind), float(change), lang)), tone


def kpi_tiles(frame: pd.DataFrame, *, lang: str, t: Translate) -> list[Tile]:
    """One tile per row of `briefing.headline` (index = KPI code)."""
    tiles = []
    for code, row in frame.iterrows():
        value, unit = big_number(str(code), row["value"], lang)
        delta, tone = delta_text(row, t, lang)
        tiles.append(Tile(t(f"kpi.{code}"), value, unit, delta, tone))
    return tiles


def kpi_html(tiles: Sequence[Tile]) -> str:
    cells = "".join(
        f'<div class="bf-tile"><div class="label">{esc(tile.label)}</div>'
        f'<div class="value">{esc(tile.value)}<span class="unit">{esc(tile.unit)}</span></div>'
        f'<div class="delta {tile.tone}">{esc(tile.delta)}</div></div>' for tile in tiles)
    return f'<div class="bf bf-grid">{cells}</div>'


# --------------------------------------------------------------------------------------------------- targets




def _status_cell(status: str, t: Translate) -> str:
    return (f'<span class="bf-chip {STATUS_CLASS.get(status, "s-none")}">'
            f'{STATUS_SYMBOL.get(status, "–")} {esc(t(f"goals.status.{status}"))}</span>')


def _targets_table(rows: pd.DataFrame, *, lang: str, t: Translate, compact: bool) -> str:
    name = localized("name", lang)
    head = [("indicator", ""), ("target", "num"), ("actual", "num"), ("progress", "num")]
    if not compact:
        head.append(("forecast", "num"))
    head.append(("status", ""))
    header = "".join(f'<th class="{cls}">{esc(t(f"briefing.targets.col.{key}"))}</th>' for key, cls in head)
    body = []
    for _, row in rows.iterrows():
        unit = str(row["unit"])
        target = "—" if missing(row["target"]) else \
            f"{COMPARATOR_TEXT.get(str(row['comparator']), '')} {fmt.indicator(row['target'], unit, lang)}"
        cells = [f"<td>{esc(row[name])}</td>", f'<td class="num">{esc(target)}</td>',
                 f'<td class="num">{esc(fmt.indicator(row["actual"], unit, lang))}</td>',
                 f'<td class="num">{esc(fmt.progress(str(row["unit"]), row["gap"], row["progress"], lang))}</td>']
        if not compact:
            cells.append(f'<td class="num">{esc(fmt.indicator(row["forecast"], unit, lang))}</td>')
        cells.append(f"<td>{_status_cell(str(row['status']), t)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="bf-table tight"><thead><tr>{header}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def targets_html(table: pd.DataFrame, counts: dict[str, int], *, lang: str, t: Translate, final: bool) -> str:
    """Counts by status, then the goal table: one table up to 14 indicators, two side by side up to 28, and
    beyond that the indicators needing attention first with a note of how many more there are."""
    chips = {"good": "s-good", "at_risk": "s-risk", "bad": "s-bad", "no_data": "s-none"}
    suffix = "_final" if final else ""
    keys = {group: group + (suffix if group in ("good", "bad") else "") for group in chips}
    heads = "".join(f'<span class="bf-chip {cls}">'
                    f'{esc(t(f"briefing.targets.count.{keys[group]}", n=counts.get(group, 0)))}</span>'
                    for group, cls in chips.items())
    rows, note = table, ""
    if len(rows) > 2 * ROWS_PER_TABLE:
        order = {"off_track": 0, "missed": 0, "at_risk": 1, "no_data": 2, "on_track": 3, "achieved": 3, "no_target": 4}
        rows = rows.assign(_o=rows["status"].map(order)).sort_values("_o", kind="stable").drop(columns="_o")
        note = f'<div class="bf-note">{esc(t("briefing.targets.more", n=len(rows) - 2 * ROWS_PER_TABLE))}</div>'
        rows = rows.head(2 * ROWS_PER_TABLE)
    if len(rows) > ROWS_PER_TABLE:
        half = math.ceil(len(rows) / 2)
        body = (f'<div class="bf-cols">{_targets_table(rows.iloc[:half], lang=lang, t=t, compact=True)}'
                f'{_targets_table(rows.iloc[half:], lang=lang, t=t, compact=True)}</div>')
    else:
        body = _targets_table(rows, lang=lang, t=t, compact=False)
    return f'<div class="bf"><div class="bf-counts">{heads}</div>{body}{note}</div>'


# --------------------------------------------------------------------------------------------------- rankings


def rank_change_html(change: object) -> str:
    if missing(change):
        return '<span class="flat">—</span>'
    value = int(change)  # type: ignore[arg-type]
    if value > 0:
        return f'<span class="up">▲ {value}</span>'
    if value < 0:
        return f'<span class="down">▼ {-value}</span>'
    return '<span class="flat">＝</span>'


def ranking_html(frame: pd.DataFrame, *, lang: str, t: Translate) -> str:
    """Districts by year-to-date tax with the change in rank since last month, a bar, and occupancy beside."""
    name = localized("name", lang)
    top = float(frame["tax"].max()) if len(frame) and frame["tax"].notna().any() else 0.0
    head = [("rank", "num"), ("district", ""), ("tax", "num"), ("bar", ""), ("change", "num"),
            ("occupancy", "num"), ("occupancy_rank", "num")]
    header = "".join(f'<th class="{cls}">{esc(t(f"briefing.rank.col.{key}"))}</th>' for key, cls in head)
    body = []
    for _, row in frame.iterrows():
        width = 0 if missing(row["tax"]) or top <= 0 else max(1, round(100 * float(row["tax"]) / top))
        rank = "—" if missing(row["rank"]) else f"{int(row['rank'])}"
        occ_rank = "—" if missing(row["occupancy_rank"]) else f"{int(row['occupancy_rank'])}"
        occupancy = "—" if missing(row["occupancy"]) else f"{float(row['occupancy']):.1f}%"
        body.append(
            f'<tr><td class="num">{esc(rank)}</td><td>{esc(row[name])}</td>'
            f'<td class="num">{esc(fmt.money_10k(row["tax"], lang))}</td>'
            f'<td><div class="bf-meter"><span style="width:{width}%"></span></div></td>'
            f'<td class="num">{rank_change_html(row["rank_change"])}</td>'
            f'<td class="num">{esc(occupancy)}</td><td class="num">{esc(occ_rank)}</td></tr>')
    return (f'<div class="bf"><table class="bf-table roomy"><thead><tr>{header}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


# --------------------------------------------------------------------------------------------------- alerts


def alerts_html(panel: object, *, lang: str, t: Translate, district_names: dict[str, str], limit: int = 10) -> str:
    """Left: the scope's perception index, negative share and demands in big type; right: the alerted points."""
    summary, previous = panel.summary, panel.previous  # type: ignore[attr-defined]
    index, before = summary["index"], previous["index"]
    change = None if missing(index) or missing(before) else float(index) - float(before)
    tone = "flat" if change is None else "up" if change > 0 else "down" if change < 0 else "flat"
    change_text = t("briefing.alerts.no_previous") if change is None else t("briefing.alerts.change",
                                                                            change=f"{change:+.1f}")
    demands = panel.demands  # type: ignore[attr-defined]
    tiles = [
        Tile(t("briefing.alerts.index"), "—" if missing(index) else f"{float(index):.1f}", "", change_text, tone),
        Tile(t("briefing.alerts.negative_share"),
             "—" if missing(summary["negative_share"]) else f"{float(summary['negative_share']) * 100:.1f}", "%",
             t("briefing.alerts.responses", n=f"{int(summary['responses']):,}"), "flat"),
        Tile(t("briefing.alerts.open_demands"), f"{demands['open']:,}", "",
             t("briefing.alerts.overdue", n=f"{demands['overdue']:,}",
               day=panel.demand_day.strftime("%m-%d")),  # type: ignore[attr-defined]
             "down" if demands["overdue"] else "flat"),
    ]
    left = "".join(
        f'<div class="bf-tile"><div class="label">{esc(tile.label)}</div>'
        f'<div class="value">{esc(tile.value)}<span class="unit">{esc(tile.unit)}</span></div>'
        f'<div class="delta {tile.tone}">{esc(tile.delta)}</div></div>' for tile in tiles)
    alerts: pd.DataFrame = panel.alerts  # type: ignore[attr-defined]
    if alerts.empty:
        right = f'<div class="bf-calm" style="padding:120px 20px">{esc(t("briefing.alerts.none"))}</div>'
    else:
        head = [("point", ""), ("district", ""), ("index", "num"), ("change", "num"), ("negative", "num")]
        header = "".join(f'<th class="{cls}">{esc(t(f"briefing.alerts.col.{key}"))}</th>' for key, cls in head)
        body = []
        for _, row in alerts.head(limit).iterrows():
            change_cell = "—" if missing(row["change"]) else f"{float(row['change']):+.1f}"
            tone_row = "down" if not missing(row["change"]) and float(row["change"]) < 0 else "flat"
            negative = "—" if missing(row["negative_share"]) else f"{float(row['negative_share']) * 100:.0f}%"
            negative_cls = "down" if "negative_share" in str(row["reason"]) else ""
            index_cell = "—" if missing(row["index"]) else f"{float(row['index']):.1f}"
            district = district_names.get(row["district_code"], row["district_code"])
            body.append(
                f'<tr><td>{esc(row["building"])}</td><td>{esc(district)}</td>'
                f'<td class="num">{esc(index_cell)}</td>'
                f'<td class="num {tone_row}">{esc(change_cell)}</td>'
                f'<td class="num {negative_cls}">{esc(negative)}</td></tr>')
        more = len(alerts) - limit
        note = f'<div class="bf-note">{esc(t("briefing.alerts.more", n=more))}</div>' if more > 0 else ""
        right = (f'<div class="bf-side"><div class="head">{esc(t("briefing.alerts.list", n=len(alerts)))}</div></div>'
                 f'<table class="bf-table"><thead><tr>{header}</tr></thead><tbody>{"".join(body)}</tbody></table>'
                 f"{note}")
    window = t("briefing.alerts.window", start=month_text(panel.start, lang),  # type: ignore[attr-defined]
               end=month_text(panel.end, lang))  # type: ignore[attr-defined]
    buildings = building_alerts_html(getattr(panel, "building_alerts", None), lang=lang, t=t,
                                     district_names=district_names)
    return (f'<div class="bf" style="display:grid;grid-template-columns:560px 1fr;gap:36px">'
            f'<div class="bf-big">{left}</div><div>{right}<div class="bf-note">{esc(window)}</div>'
            f'{buildings}</div></div>')


def building_alerts_html(alerts: pd.DataFrame | None, *, lang: str, t: Translate, district_names: dict[str, str],
                         limit: int = 4) -> str:
    """The building early warnings under the sentiment alerts: a count and the first few rows (building,
    district, rule, figures), worded as on the overview (workbench.alert_rows)."""
    from data_layer.workbench import alert_rows  # the wording shared with the overview and the pack

    if alerts is None or alerts.empty:
        return f'<div class="bf-side" style="margin-top:18px"><div class="head">{esc(t("briefing.alerts.buildings_none"))}</div></div>'
    rows = alert_rows(alerts.head(limit), lang=lang, district_names=district_names)
    body = "".join(f'<tr><td>{esc(r.building)}</td><td>{esc(r.district)}</td><td>{esc(r.rule)}</td>'
                   f'<td>{esc(r.figures)}</td></tr>' for r in rows.itertuples())
    more = len(alerts) - limit
    note = f'<div class="bf-note">{esc(t("briefing.alerts.more_buildings", n=more))}</div>' if more > 0 else ""
    return (f'<div class="bf-side" style="margin-top:18px"><div class="head">'
            f'{esc(t("briefing.alerts.buildings", n=len(alerts)))}</div></div>'
            f'<table class="bf-table tight"><tbody>{body}</tbody></table>{note}')


# --------------------------------------------------------------------------------------------------- map


def map_side_html(districts: pd.DataFrame, *, lang: str, t: Translate, limit: int = 11) -> str:
    """The choropleth's key: districts by year-to-date tax, largest first, each with its fill colour."""
    name = localized("name", lang)
    edges = mc.choropleth_bins(districts["building_tax"])
    ordered = districts.sort_values("building_tax", ascending=False, na_position="last").head(limit)
    rows = []
    for _, row in ordered.iterrows():
        colour = "#{:02x}{:02x}{:02x}".format(*mc.choropleth_colour(row["building_tax"], edges))
        rows.append(f'<div class="row"><span><span class="swatch" style="background:{colour}"></span>'
                    f'{esc(row[name])}</span><span>{esc(fmt.money_10k(row["building_tax"], lang))}</span></div>')
    return (f'<div class="bf bf-side"><div class="head">{esc(t("briefing.map.legend"))}</div>{"".join(rows)}'
            f'<div class="bf-note">{esc(t("briefing.map.points"))}</div></div>')


LABEL_PX = 30


def _pixel(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web Mercator pixel position at `zoom` (what deck.gl draws), for label collision checks."""
    scale = 256 * 2 ** zoom
    x = scale * (lon + 180) / 360
    y = scale * (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2
    return x, y


def placed_labels(labels: Sequence[dict], *, zoom: float, size_px: float) -> list[dict]:
    """The labels that fit without overlapping, taken in the given order (most important first): small central
    districts crowd each other at city scale, and a pile of overlapping names cannot be read from across the room.
    A name left out is still listed, with its figure, beside the map."""
    kept: list[dict] = []
    boxes: list[tuple[float, float, float, float]] = []
    for label in labels:
        x, y = _pixel(label["x"], label["y"], zoom)
        half_w, half_h = len(str(label["n"])) * size_px * 0.55 + 6, size_px * 0.6 + 4
        box = (x - half_w, y - half_h, x + half_w, y + half_h)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
            continue
        boxes.append(box)
        kept.append(label)
    return kept


GRADE_COLOURS = {"super_a": (255, 209, 102), "a": (76, 155, 232), "b": (120, 140, 160), "unrated": (90, 100, 115)}


def briefing_deck(points: MapPoints, *, districts: gpd.GeoDataFrame, lang: str, height_px: int = 840,
                  width_px: int = 1300) -> mc.CompactDeck:
    """Districts coloured by year-to-date tax with their names in large type, and the buildings as small dots
    coloured by grade (super-A and A brightest). Nothing is pickable: nobody clicks a wall screen.
    No basemap provider and no style: the deck makes no request (see ui.map_charts)."""
    features = mc.district_features(districts, lang=lang, indicator="building_tax")
    for feature in features["features"]:
        feature["properties"]["c"][3] = 235
    bounds = districts.geometry.total_bounds if len(districts) else None
    if bounds is not None:
        view = mc.fit_view([bounds[0], bounds[2]], [bounds[1], bounds[3]], width_px=width_px, height_px=height_px)
    else:
        view = mc.fit_view([], [])
    order = districts.sort_values("building_tax", ascending=False, na_position="last") if len(districts) else districts
    labels = placed_labels(mc.district_labels(order, lang=lang), zoom=float(view.zoom), size_px=LABEL_PX)
    layers = [
        pdk.Layer("GeoJsonLayer", features, id="districts", pickable=False, stroked=True, filled=True,
                  get_fill_color="properties.c", get_line_color=[11, 18, 32, 255], line_width_min_pixels=2),
    ]
    for code, text in reversed(points.json.items()):
        colour = [*GRADE_COLOURS.get(code, (120, 140, 160)), 230]
        layers.append(pdk.Layer("ScatterplotLayer", mc.RawJSON(text), id=f"buildings-{code}",
                                get_position=points.position_expression, get_fill_color=colour, get_radius=90,
                                radius_min_pixels=2, radius_max_pixels=6, stroked=False, pickable=False))
    layers.append(pdk.Layer("TextLayer", labels, id="district-names", get_position=["x", "y"], get_text="n",
                            get_size=LABEL_PX, get_color=[255, 255, 255, 255], character_set="'auto'",
                            font_family=mc.FONT_FAMILY, font_weight=700, pickable=False, outline_width=4,
                            outline_color=[11, 18, 32, 255], font_settings={"sdf": True}))
    return mc.CompactDeck(layers=layers, initial_view_state=view, map_provider=None, height=height_px)
