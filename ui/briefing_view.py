"""Pure builders for the briefing screen (领导驾驶舱): the page's constant CSS and script, HTML for each panel and
the district map as inline SVG. No Streamlit calls, so tests can inspect what a panel would show.

Every value that comes from the store (district and building names, numbers) goes through `html.escape`; the CSS
and the script are constants of this module and never carry data (the script reads its few settings from data
attributes of an element the page draws, escaped like any value).

**One layout for every resolution.** The screen is laid out on a logical 1366×768 canvas and every size is a
multiple of one CSS unit, `--u` = min(100vw / 1366, 100vh / 768): 1 px at 1366×768, 1.41 px at 1920×1080, 2.81 px
at 3840×2160, and on a 32:9 wall the height decides (the panels spread across the extra width). So a panel that
fits at one 16:9 resolution fits at all of them, and the smallest text on the screen, 28 units, is 28 px on a
1366×768 display and 39 px on 1920×1080 (headline numbers 58 units: 82 px at 1920×1080). A panel's content is
sized to fit the ~540 units under the header, the panel bar and the stale-data banner.
Times are shown in the configured DASHBOARD_TIMEZONE, not the server's.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd

from data_layer import fmt
from data_layer.briefing import RankingNote, break_class, goals_worst_first, natural_breaks
from data_layer.i18n import localized

Translate = Callable[..., str]

DESIGN_WIDTH, DESIGN_HEIGHT = 1366, 768
BODY_HEIGHT = 540  # logical units a panel's content may take


def _units(css: str) -> str:
    """`28u` → `calc(28 * var(--u))`: the stylesheet is written in logical pixels of the 1366×768 canvas."""
    return re.sub(r"(?<![\w.#-])(\d+(?:\.\d+)?)u\b", r"calc(\1 * var(--u))", css)


# Hides the sidebar, header, toolbar, footer and Streamlit's own (English, white) connection dialog on this page
# only (the style element goes when the page does), paints it dark and sets the type scale. Stale elements are
# not faded during a rerun: a wall screen should not flicker when a panel refreshes.
CSS = _units("""
<style>
:root { --u: min(calc(100vw / 1366), calc(100vh / 768)); }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarNav"], header[data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"], [data-testid="stMainMenu"], footer,
[data-baseweb="modal"], [role="dialog"]:not(.bf-overlay) {
  display: none !important;
}
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {
  background: #0b1220 !important; color: #e6edf3 !important;
}
[data-testid="stMainBlockContainer"] { padding: 8u 18u 0 18u !important; max-width: 100% !important; }
[data-testid="stElementContainer"][data-stale="true"], [data-stale="true"] {
  opacity: 1 !important; transition: none !important;
}
[data-testid="stVerticalBlock"] { gap: 8u; }
.bf { font-family: "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif;
      color: #e6edf3; line-height: 1.2; font-size: 28u; }
.bf-head { display: flex; align-items: baseline; justify-content: space-between; gap: 24u; white-space: nowrap; }
.bf-title { font-size: 34u; font-weight: 700; letter-spacing: 2u; }
.bf-sub { font-size: 28u; color: #9fb0c3; margin-left: 18u; }
.bf-clock { text-align: right; }
.bf-clock .time { font-size: 40u; font-weight: 700; font-variant-numeric: tabular-nums; }
.bf-clock .date { font-size: 28u; color: #9fb0c3; margin-left: 14u; }
.bf-bar { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between;
          column-gap: 18u; border-bottom: 2u solid #22314a; padding-bottom: 4u; white-space: nowrap; }
.bf-bar .name { font-size: 32u; font-weight: 700; color: #ffd166; }
.bf-bar .meta { font-size: 28u; color: #9fb0c3; }
.bf-dots { font-size: 28u; letter-spacing: 4u; color: #3b4b63; }
.bf-dots .on { color: #ffd166; }
.bf-banner { font-size: 28u; background: #3d2e00; color: #ffd166; border-radius: 8u; padding: 2u 14u; }
.bf-grid { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12u; }
@media (min-aspect-ratio: 21/9) { .bf-grid { grid-template-columns: repeat(8, 1fr); } }
.bf-tile { background: #111b2e; border: 1px solid #22314a; border-radius: 12u; padding: 10u 16u;
           display: flex; flex-direction: column; gap: 4u; min-width: 0; }
.bf-tile .label { font-size: 28u; color: #9fb0c3; }
.bf-tile .value { font-size: 58u; font-weight: 700; font-variant-numeric: tabular-nums; white-space: nowrap;
                  line-height: 1.1; }
.bf-tile .unit { font-size: 28u; font-weight: 400; color: #c9d5e3; margin-left: 6u; }
.bf-tile .delta { font-size: 28u; color: #9fb0c3; white-space: nowrap; }
.bf-spark-slot { height: 52u; }
.bf-spark { display: block; width: 100%; height: 52u; }
.bf-spark .line { fill: none; stroke: #4c9be8; stroke-width: 3u; }
.bf-spark .area { fill: #4c9be8; opacity: 0.18; }
.bf-spark .last { fill: #ffd166; }
.up { color: #3fb950 !important; } .down { color: #ff7b72 !important; } .flat { color: #9fb0c3 !important; }
.bf-table { width: 100%; border-collapse: collapse; font-size: 28u; line-height: 1.1; }
.bf-table th { font-size: 28u; color: #9fb0c3; font-weight: 400; text-align: left; padding: 2u 10u;
               border-bottom: 2u solid #22314a; white-space: nowrap; }
.bf-table td { padding: 2u 10u; border-bottom: 1px solid #1a2740; font-variant-numeric: tabular-nums;
               white-space: nowrap; }
.bf-table td.num, .bf-table th.num { text-align: right; }
.bf-table td.bf-cut { max-width: 240u; overflow: hidden; text-overflow: ellipsis; }
.bf-table th { white-space: normal; }  /* English headers are long: wrap rather than push the table out */
.bf-chip { display: inline-block; padding: 0 12u; border-radius: 20u; font-size: 28u; font-weight: 700;
           white-space: nowrap; }
.s-good { background: #12361f; color: #56d364; } .s-risk { background: #3d2e00; color: #ffd166; }
.s-bad { background: #4a1216; color: #ff7b72; } .s-none { background: #1f2937; color: #9fb0c3; }
.bf-counts { display: flex; flex-wrap: wrap; gap: 14u; margin-bottom: 4u; align-items: baseline; }
.bf-meter { height: 16u; background: #1a2740; border-radius: 8u; overflow: hidden; min-width: 160u; }
.bf-meter > span { display: block; height: 100%; background: #4c9be8; }
.bf-side .row { display: flex; justify-content: space-between; gap: 12u; font-size: 28u; padding: 4u 0;
                border-bottom: 1px solid #1a2740; white-space: nowrap; }
.bf-side .head { font-size: 28u; color: #ffd166; margin-bottom: 4u; }
.bf-side .swatch { display: inline-block; width: 26u; height: 26u; border-radius: 4u; margin-right: 10u;
                   vertical-align: calc(-3 * var(--u)); }
.bf-big { display: grid; grid-template-columns: 1fr; gap: 10u; }
.bf-big .bf-tile .value { font-size: 54u; }
.bf-note { font-size: 28u; color: #9fb0c3; margin-top: 4u; }
.bf-calm { font-size: 34u; color: #9fb0c3; text-align: center; padding: 120u 40u; border: 2u dashed #22314a;
           border-radius: 16u; }
.bf-calm.small { padding: 12u; font-size: 28u; }
.bf-mapwrap { display: grid; grid-template-columns: 860u 1fr; gap: 24u; align-items: start; }
.bf-map-slot { width: 860u; height: 540u; }
.bf-map { width: 860u; height: 540u; display: block; }
.bf-map .district { stroke: #0b1220; stroke-width: 1.5; }
.bf-map .lbl { font-size: 28px; font-weight: 700; fill: #ffffff; stroke: #0b1220; stroke-width: 5px;
               paint-order: stroke; stroke-linejoin: round; }
.bf-map .lbl .v { font-weight: 400; fill: #ffe8a3; }
.bf-map .leader { stroke: #ffd166; stroke-width: 2; fill: none; }
.bf-map .anchor { fill: #ffd166; stroke: #0b1220; stroke-width: 1.5; }
.bf-map .mark rect { fill: #e5484d; stroke: #ffffff; stroke-width: 2; }
.bf-map .mark text { font-size: 28px; font-weight: 700; fill: #ffffff; }
.bf-map .markdot { fill: #e5484d; stroke: #ffffff; stroke-width: 2.5; }
.bf-side .swatch.markkey { border-radius: 50%; background: #e5484d; box-shadow: 0 0 0 3u #ffffff inset; }
.bf-alerts { display: grid; grid-template-columns: 430u 1fr; gap: 28u; }
.bf-alerts .section + .section { margin-top: 10u; }
.bf-overlay { position: fixed; inset: 0; z-index: 2147483647; background: rgba(11, 18, 32, 0.96);
              display: none; flex-direction: column; align-items: center; justify-content: center; gap: 24u;
              font-family: "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; }
.bf-overlay.on { display: flex; }
.bf-overlay .msg { font-size: 56u; font-weight: 700; color: #ffd166; }
.bf-overlay .last { font-size: 32u; color: #c9d5e3; }
</style>
""")


# The browser side of an unattended screen, installed once per page load (st.html runs it in the page itself):
# - the clock ticks here, every second, in the configured time zone: it cannot freeze while the server is busy
#   or gone;
# - the server's health endpoint is asked every 2 s; after two misses a full-screen Chinese overlay says the
#   connection is lost and when the last good data arrived (the last time a panel was drawn);
# (No "<" before a letter, "/" or "!" anywhere in it: DOMPurify drops a script whose text looks like markup.)
# - when the server answers again the overlay stays until a fresh panel has been drawn (Streamlit reconnects by
#   itself; the new session starts at the panel in the URL, which the server keeps there), and if none comes
#   within 20 s the page reloads itself from that URL: no click is ever needed.
SCRIPT = """
<script>
(() => {
  if (window.__bfKiosk) { return; }
  window.__bfKiosk = true;
  const cfg = () => document.getElementById('bf-kiosk-config')?.dataset || {};
  const zone = () => cfg().zone || 'Asia/Shanghai';
  const parts = (now) => Object.fromEntries(new Intl.DateTimeFormat('en-GB', {timeZone: zone(), hour12: false,
      year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
      weekday: 'long'}).formatToParts(now).map((p) => [p.type, p.value]));
  const hms = (now) => { const p = parts(now); return `${p.hour === '24' ? '00' : p.hour}:${p.minute}:${p.second}`; };
  const weekdays = {Monday: '星期一', Tuesday: '星期二', Wednesday: '星期三', Thursday: '星期四', Friday: '星期五',
                    Saturday: '星期六', Sunday: '星期日'};
  const day = (now) => { const p = parts(now);
    return cfg().lang === 'en' ? new Intl.DateTimeFormat('en-GB', {timeZone: zone(), weekday: 'short', day: '2-digit',
      month: 'short', year: 'numeric'}).format(now) : `${p.year}年${Number(p.month)}月${Number(p.day)}日 ${weekdays[p.weekday]}`; };
  let lastGood = new Date(), lastPanel = null, outageAt = null, healthyAt = null, freshSinceOutage = false;
  const overlay = document.createElement('div');
  overlay.className = 'bf-overlay'; overlay.setAttribute('role', 'alert');
  for (const part of ['msg', 'last']) { const e = document.createElement('div'); e.className = part; overlay.appendChild(e); }
  document.body.appendChild(overlay);
  const tick = () => {
    const now = new Date();
    for (const e of document.querySelectorAll('.bf-clock .time')) { e.textContent = hms(now); }
    for (const e of document.querySelectorAll('.bf-clock .date')) { e.textContent = day(now); }
    const bar = document.querySelector('.bf-bar');
    const panel = bar ? bar.dataset.panel + '|' + bar.dataset.drawn : null;
    if (panel && panel !== lastPanel) { lastPanel = panel; lastGood = now; if (outageAt) { freshSinceOutage = true; } }
    if (outageAt && healthyAt && freshSinceOutage) { outageAt = null; healthyAt = null; overlay.classList.remove('on'); }
  };
  let misses = 0;
  const health = window.location.origin + window.location.pathname.replace(/[^/]*$/, "") + "_stcore/health";
  const check = async () => {
    let ok = false;
    try {
      const control = new AbortController(); const timer = setTimeout(() => control.abort(), 2500);
      ok = (await fetch(health, {cache: 'no-store', signal: control.signal})).ok; clearTimeout(timer);
    } catch (error) { ok = false; }
    const now = new Date();
    if (!ok) {
      misses += 1; healthyAt = null;
      if (misses >= 2 && !outageAt) {
        outageAt = now; freshSinceOutage = false;
        overlay.querySelector('.msg').textContent = cfg().lost || '数据连接中断，正在重新连接…';
        overlay.querySelector('.last').textContent = (cfg().last || '最后一次正常数据：{time}').replace('{time}', hms(lastGood));
        overlay.classList.add('on');
      }
    } else {
      misses = 0;
      if (outageAt && !healthyAt) { healthyAt = now; }
      if (outageAt && healthyAt && !freshSinceOutage && now - healthyAt > Number(cfg().reload || 20000)) { window.location.reload(); }
    }
  };
  // Streamlit's HTML sanitiser keeps no SVG: the map and the sparklines come as escaped markup in data-svg
  // attributes (built and escaped by ui/briefing_view.py) and are drawn here as soon as they arrive.
  const hydrate = () => {
    for (const e of document.querySelectorAll('[data-svg]')) {
      if (e.__bfDrawn !== e.dataset.svg) { e.innerHTML = e.dataset.svg; e.__bfDrawn = e.dataset.svg; }
    }
  };
  new MutationObserver(hydrate).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                         attributeFilter: ['data-svg']});
  hydrate(); tick(); setInterval(tick, 1000); setInterval(check, 2000);
})();
</script>
"""


def kiosk_config_html(*, zone: str, lang: str, lost: str, last: str) -> str:
    """The script's settings as data attributes (escaped): the time zone, the language and the overlay's words."""
    return (f'<div id="bf-kiosk-config" hidden data-zone="{esc(zone)}" data-lang="{esc(lang)}" '
            f'data-lost="{esc(lost)}" data-last="{esc(last)}"></div>')

STATUS_CLASS = {"on_track": "s-good", "achieved": "s-good", "at_risk": "s-risk", "off_track": "s-bad",
                "missed": "s-bad", "no_data": "s-none", "no_target": "s-none"}
STATUS_SYMBOL, COMPARATOR_TEXT = fmt.STATUS_SYMBOL, fmt.COMPARATOR_TEXT
ROWS_PER_TABLE = 11  # goal rows that fit under the panel bar at 28 units (worst first; the rest are counted)


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


missing = fmt.missing


# --------------------------------------------------------------------------------------------------- header


def clock_html(now: datetime, lang: str) -> str:
    """Time to the second and the date, as the server sees them when the page is drawn; the page's script then
    ticks them in the browser every second (a clock that stops tells the room nothing is wrong)."""
    weekdays = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
    day = (f"{now.year}年{now.month}月{now.day}日 {weekdays[now.weekday()]}" if lang == "zh"
           else now.strftime("%a %d %b %Y"))
    return (f'<div class="bf-clock"><span class="time">{now:%H:%M:%S}</span>'
            f'<span class="date">{esc(day)}</span></div>')


def title_html(title: str, subtitle: str, clock: str = "") -> str:
    """The header line: the title and subtitle on the left, the clock (clock_html) on the right."""
    return (f'<div class="bf bf-head"><div><span class="bf-title">{esc(title)}</span>'
            f'<span class="bf-sub">{esc(subtitle)}</span></div>{clock}</div>')


def panel_bar_html(*, name: str, meta: str, position: int, total: int, code: str = "", drawn: str = "") -> str:
    """The panel's name, the scope and data-as-of line, and one dot per panel (the current one lit). `code` and
    `drawn` (when the server drew it) tell the page's script which panel is up and that a run has just arrived."""
    dots = "".join('<span class="on">●</span>' if i == position else "●" for i in range(total))
    return (f'<div class="bf bf-bar" data-panel="{esc(code)}" data-drawn="{esc(drawn)}">'
            f'<span class="name">{esc(name)}</span>'
            f'<span class="meta">{esc(meta)}</span><span class="bf-dots">{dots}</span></div>')


def banner_html(text: str) -> str:
    """The stale-data banner."""
    return f'<div class="bf bf-banner" role="status">{esc(text)}</div>'


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
    code: str = ""
    trend: tuple[float | None, ...] = ()


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


def kpi_tiles(frame: pd.DataFrame, *, lang: str, t: Translate, trend: pd.DataFrame | None = None) -> list[Tile]:
    """One tile per row of `briefing.headline` (index = KPI code), with its column of `briefing.headline_trend`
    (the last 12 months) when given."""
    tiles = []
    for code, row in frame.iterrows():
        value, unit = big_number(str(code), row["value"], lang)
        delta, tone = delta_text(row, t, lang)
        series: tuple[float | None, ...] = ()
        if trend is not None and code in trend:
            series = tuple(None if missing(v) else float(v) for v in trend[code])
        tiles.append(Tile(t(f"kpi.{code}"), value, unit, delta, tone, str(code), series))
    return tiles


def sparkline_svg(values: Sequence[float | None], *, width: float = 120, height: float = 30) -> str:
    """A 12-month trend as inline SVG: a line (broken where a month has no value) with a light area under it and
    the last month marked. Scaled to the series' own range, so the shape (not the level) is what it shows; a
    flat series is drawn mid-height. Empty string when there are fewer than two values."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = high - low
    step = width / (len(values) - 1)

    def y(v: float) -> float:
        return height / 2 if span == 0 else height - 2 - (v - low) / span * (height - 4)

    runs: list[list[tuple[float, float]]] = [[]]
    for k, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append((round(k * step, 2), round(y(v), 2)))
    shapes = []
    for run in (r for r in runs if r):
        points = " ".join(f"{x},{yy}" for x, yy in run)
        if len(run) > 1:
            shapes.append(f'<polygon class="area" points="{run[0][0]},{height} {points} {run[-1][0]},{height}"/>')
        shapes.append(f'<polyline class="line" vector-effect="non-scaling-stroke" points="{points}"/>')
    last = next(((k, v) for k, v in reversed(list(enumerate(values))) if v is not None))
    lx, ly = round(last[0] * step, 2), round(y(last[1]), 2)
    shapes.append(f'<rect class="last" x="{max(0, lx - 2.5)}" y="{ly - 2.5}" width="5" height="5"/>')
    return (f'<svg class="bf-spark" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
            f'aria-hidden="true">{"".join(shapes)}</svg>')


def svg_slot(svg: str, css_class: str) -> str:
    """An SVG as an escaped data attribute of an empty element, which the page's script draws: Streamlit's HTML
    sanitiser drops SVG elements. The markup is this module's own, every value in it already escaped."""
    return f'<div class="{css_class}" data-svg="{esc(svg)}"></div>' if svg else ""


def kpi_html(tiles: Sequence[Tile]) -> str:
    cells = "".join(
        f'<div class="bf-tile" data-code="{esc(tile.code)}"><div class="label">{esc(tile.label)}</div>'
        f'<div class="value">{esc(tile.value)}<span class="unit">{esc(tile.unit)}</span></div>'
        f'<div class="delta {tile.tone}">{esc(tile.delta)}</div>'
        f'{svg_slot(sparkline_svg(tile.trend), "bf-spark-slot")}</div>'
        for tile in tiles)
    return f'<div class="bf bf-grid">{cells}</div>'


# --------------------------------------------------------------------------------------------------- targets


def _status_cell(status: str, t: Translate) -> str:
    return (f'<span class="bf-chip {STATUS_CLASS.get(status, "s-none")}">'
            f'{STATUS_SYMBOL.get(status, "–")} {esc(t(f"goals.status.{status}"))}</span>')


def _targets_table(rows: pd.DataFrame, *, lang: str, t: Translate) -> str:
    name = localized("name", lang)
    head = [("indicator", ""), ("target", "num"), ("actual", "num"), ("progress", "num"), ("forecast", "num"),
            ("status", "")]
    header = "".join(f'<th class="{cls}">{esc(t(f"briefing.targets.col.{key}"))}</th>' for key, cls in head)
    body = []
    for _, row in rows.iterrows():
        unit, code = str(row["unit"]), str(row["indicator"])  # the code gives a rate its tile's digits
        target = "—" if missing(row["target"]) else \
            f"{COMPARATOR_TEXT.get(str(row['comparator']), '')} {fmt.indicator(row['target'], unit, lang, code)}"
        cells = [f"<td>{esc(row[name])}</td>", f'<td class="num">{esc(target)}</td>',
                 f'<td class="num">{esc(fmt.indicator(row["actual"], unit, lang, code))}</td>',
                 f'<td class="num">{esc(fmt.progress(str(row["unit"]), row["gap"], row["progress"], lang))}</td>',
                 f'<td class="num">{esc(fmt.indicator(row["forecast"], unit, lang, code))}</td>',
                 f"<td>{_status_cell(str(row['status']), t)}</td>"]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="bf-table"><thead><tr>{header}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def targets_html(table: pd.DataFrame, counts: dict[str, int], *, lang: str, t: Translate, final: bool,
                 note: str = "") -> str:
    """Counts by status, then the goal table ordered by status (off track first: where to look), up to
    ROWS_PER_TABLE rows; the rows left out (the best placed) are counted in a note."""
    chips = {"bad": "s-bad", "at_risk": "s-risk", "good": "s-good", "no_data": "s-none"}
    suffix = "_final" if final else ""
    keys = {group: group + (suffix if group in ("good", "bad") else "") for group in chips}
    heads = "".join(f'<span class="bf-chip {cls}">'
                    f'{esc(t(f"briefing.targets.count.{keys[group]}", n=counts.get(group, 0)))}</span>'
                    for group, cls in chips.items())
    rows = goals_worst_first(table)
    more = ""
    if len(rows) > ROWS_PER_TABLE:
        more = t("briefing.targets.more", n=len(rows) - ROWS_PER_TABLE)
        rows = rows.head(ROWS_PER_TABLE)
    notes = " ".join(text for text in (more, note) if text)
    tail = f'<div class="bf-note">{esc(notes)}</div>' if notes else ""
    return (f'<div class="bf"><div class="bf-counts">{heads}</div>{_targets_table(rows, lang=lang, t=t)}'
            f"{tail}</div>")


# --------------------------------------------------------------------------------------------------- rankings


def rank_change_html(change: float | None) -> str:
    """The change in rank since last month as an arrow and a number (▲ up, ▼ down, ＝ 0 unchanged)."""
    if change is None or missing(change):
        return '<span class="flat">—</span>'
    value = int(change)
    if value > 0:
        return f'<span class="up">▲ {value}</span>'
    if value < 0:
        return f'<span class="down">▼ {-value}</span>'
    return '<span class="flat">＝ 0</span>'


def ranking_note_text(note: RankingNote | None, *, as_of: date, lang: str, t: Translate) -> str:
    """Why no rank changed since last month, in words ("" when some did)."""
    if note is None or note.reason == "moved":
        return ""
    if note.reason == "open_month":
        return t("briefing.rank.why.open_month", month=month_text(as_of, lang), now=f"{note.reporting:,}",
                 before=f"{note.reporting_before:,}")
    if note.reason == "steady":
        return t("briefing.rank.why.steady", gap=fmt.money_10k(note.smallest_gap, lang))
    return t("briefing.rank.why.no_previous")


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
    return (f'<div class="bf"><table class="bf-table"><thead><tr>{header}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


# --------------------------------------------------------------------------------------------------- alerts

SENTIMENT_ROWS = 5  # alerted observation points listed; the rest are counted
BUILDING_ROWS = 4  # room kept for building early-warning alerts (see building_alerts_html)


def alerts_html(panel: object, *, lang: str, t: Translate, district_names: dict[str, str],
                limit: int = SENTIMENT_ROWS) -> str:
    """Left: the scope's perception index, negative share and demands in big type; right: the alerted points
    (largest fall first), then the building alerts' section (building_alerts_html)."""
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
        sentiment = f'<div class="bf-calm small">{esc(t("briefing.alerts.none"))}</div>'
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
        sentiment = (f'<div class="bf-side"><div class="head">{esc(t("briefing.alerts.list", n=len(alerts)))}'
                     f'</div></div><table class="bf-table"><thead><tr>{header}</tr></thead>'
                     f'<tbody>{"".join(body)}</tbody></table>{note}')
    window = t("briefing.alerts.window", start=month_text(panel.start, lang),  # type: ignore[attr-defined]
               end=month_text(panel.end, lang))  # type: ignore[attr-defined]
    buildings = building_alerts_html(getattr(panel, "building_alerts", None), lang=lang, t=t,
                                     district_names=district_names)
    sections = f'<div class="section sentiment">{sentiment}</div>'
    if buildings:
        sections += f'<div class="section buildings">{buildings}</div>'
    return (f'<div class="bf bf-alerts"><div class="bf-big">{left}</div>'
            f'<div>{sections}<div class="bf-note">{esc(window)}</div></div></div>')


def building_alerts_html(alerts: pd.DataFrame | None, *, lang: str, t: Translate, district_names: dict[str, str],
                         limit: int = BUILDING_ROWS) -> str:
    """The building early warnings under the sentiment alerts, in the rows the layout keeps for them: a count and
    the first few buildings with their district, the rule that fired and its figures in their short form (one line
    each, a long building name cut with an ellipsis, so the panel still fits the screen); the overview's list and
    the pack give the same figures in full (workbench.alert_rows, one wording)."""
    from data_layer.workbench import alert_rows  # the wording shared with the overview and the pack

    if alerts is None or alerts.empty:
        return f'<div class="bf-note">{esc(t("briefing.alerts.buildings_none"))}</div>'
    rows = alert_rows(alerts.head(limit), lang=lang, district_names=district_names)
    body = "".join(f'<tr><td class="bf-cut" title="{esc(r.building)}">{esc(r.building)}</td><td>{esc(r.district)}</td>'
                   f'<td>{esc(r.rule_short)}</td><td class="num">{esc(r.figures_short)}</td></tr>'
                   for r in rows.itertuples())
    more = len(alerts) - limit
    note = f'<div class="bf-note">{esc(t("briefing.alerts.more_buildings", n=more))}</div>' if more > 0 else ""
    return (f'<div class="bf-note">{esc(t("briefing.alerts.buildings", n=len(alerts)))}</div>'
            f'<table class="bf-table"><tbody>{body}</tbody></table>{note}')


# --------------------------------------------------------------------------------------------------- map

MAP_WIDTH, MAP_HEIGHT = 860, 540  # logical units of the map's SVG (its viewBox): 1 unit = 1 px at 1366×768
LABEL_PX = 28  # the wall map's label rule: every district named, no collision hiding, 28 units and more
# Classes by natural breaks, darkest blue to gold: the leader stands out from the rest on the dark screen.
CLASS_COLOURS = ("#1e3a5f", "#2a6496", "#3f94d1", "#f2b134")
NO_DATA_COLOUR = "#2b3340"


def _text_width(text: str, size: float) -> float:
    """Width of a line of the CJK font: ideographs one em, digits and Latin letters about 0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else 0.3 * size if ch == " " else 0.62 * size for ch in text)


def district_classes(districts: pd.DataFrame, classes: int = 4) -> tuple[list[float], list[int | None]]:
    """Natural-breaks edges of the districts' year-to-date tax and each district's class."""
    edges = natural_breaks(districts["building_tax"], classes)
    return edges, [break_class(v, edges) for v in districts["building_tax"]]


def _colour(position: int | None, count: int) -> str:
    if position is None:
        return NO_DATA_COLOUR
    ramp = CLASS_COLOURS[-count:] if count <= len(CLASS_COLOURS) else CLASS_COLOURS
    return ramp[min(position, len(ramp) - 1)]


@dataclass(frozen=True)
class MapLabel:
    """A district's label on the SVG map: its name and value, the box it takes (x, y = top-left, in map units)
    and the point inside the district it names (a leader line joins them when the label had to move out)."""

    name: str
    value: str
    x: float
    y: float
    width: float
    height: float
    anchor_x: float
    anchor_y: float

    @property
    def moved(self) -> bool:
        return not (self.x <= self.anchor_x <= self.x + self.width and self.y <= self.anchor_y <= self.y + self.height)

    def overlaps(self, other: MapLabel, gap: float = 4) -> bool:
        return (self.x - gap < other.x + other.width and other.x - gap < self.x + self.width
                and self.y - gap < other.y + other.height and other.y - gap < self.y + self.height)


def place_labels(items: Sequence[tuple[str, str, float, float]], *, width: float = MAP_WIDTH,
                 height: float = MAP_HEIGHT, size: float = LABEL_PX,
                 gutters: tuple[float, float] | None = None,
                 obstacles: Sequence[tuple[float, float, float, float]] = (),
                 extra: Mapping[str, float] | None = None) -> list[MapLabel]:
    """Every label placed, none hidden: (name, value, anchor x, anchor y) in the given order (the largest
    districts first, so they keep their centres). A label goes on its anchor when that spot is free; otherwise
    at the nearest free spot within 75 units; otherwise at the nearest free spot in the margins beside the map
    (`gutters`: the map's left and right edge), with a leader line back; failing that, at the nearest free spot
    further out; and if no free spot exists at all (more labels than room) on its anchor anyway: a name is never
    dropped. Always inside the map's box. `obstacles` (x, y, width, height: the warning marks) are kept clear
    like labels already placed, so no name covers a mark; `extra` widens a name's line (by name: the warning
    count beside it)."""
    blocked = [MapLabel("", "", x, y, w, h, x + w / 2, y + h / 2) for x, y, w, h in obstacles]
    placed: list[MapLabel] = []
    for name, value, ax, ay in items:
        placed.append(_place_one(name, value, ax, ay, [*blocked, *placed], width=width, height=height, size=size,
                                 gutters=gutters, extra=(extra or {}).get(name, 0.0)))
    return _uncrossed(placed, blocked)


def _place_one(name: str, value: str, ax: float, ay: float, placed: Sequence[MapLabel], *, width: float,
               height: float, size: float, gutters: tuple[float, float] | None, extra: float = 0.0) -> MapLabel:
    """One label by place_labels' rule, given the labels already placed."""
    line = size * 1.15
    w, h = max(_text_width(name, size) + extra, _text_width(value, size)) + 8, 2 * line + 4

    def at(cx: float, cy: float) -> MapLabel:
        x = min(max(cx - w / 2, 0.0), width - w)
        y = min(max(cy - h / 2, 0.0), height - h)
        return MapLabel(name, value, round(x, 1), round(y, 1), round(w, 1), round(h, 1), round(ax, 1), round(ay, 1))

    def free(label: MapLabel) -> bool:
        return not any(label.overlaps(other) for other in placed)

    def nearest(options: list[MapLabel]) -> MapLabel | None:
        fitting = [c for c in options if free(c)]
        return min(fitting, key=lambda c: math.dist((c.x + c.width / 2, c.y + c.height / 2), (ax, ay)), default=None)

    rings = [at(ax + r * math.cos(a * math.pi / 12), ay + r * math.sin(a * math.pi / 12))
             for r in range(15, int(max(width, height)), 15) for a in range(24)]
    margins: list[MapLabel] = []
    if gutters is not None:
        for cx in (gutters[0] - 16 - w / 2, gutters[1] + 16 + w / 2):
            if cx - w / 2 >= 0 and cx + w / 2 <= width:
                margins += [at(cx, ay + step) for step in range(-int(height), int(height), 10)]
    chosen = at(ax, ay)
    if not free(chosen):  # a small nudge; else the margin beside the map; else anywhere free; else the anchor
        chosen = nearest(rings[:5 * 24]) or nearest(margins) or nearest(rings[5 * 24:]) or chosen
    return chosen


def _uncrossed(labels: list[MapLabel], blocked: Sequence[MapLabel] = ()) -> list[MapLabel]:
    """Labels moved into the same margin column take its slots in the order of their anchors' heights, so their
    leader lines do not cross; kept only when nothing then overlaps (each other or the `blocked` boxes)."""
    out = list(labels)
    columns: dict[float, list[int]] = {}
    for k, label in enumerate(labels):
        if label.moved:
            columns.setdefault(round(label.x + label.width / 2), []).append(k)
    for members in columns.values():
        slots = sorted(out[k].y for k in members)
        by_anchor = sorted(members, key=lambda k: out[k].anchor_y)
        trial = list(out)
        for k, y in zip(by_anchor, slots, strict=True):
            trial[k] = MapLabel(**{**out[k].__dict__, "y": y})
        if not any(a.overlaps(b) for i, a in enumerate(trial) for b in [*trial[i + 1:], *blocked]):
            out = trial
    return out


def _projector(bounds: Sequence[float], width: float, height: float,
               margin: float = 12) -> Callable[[float, float], tuple[float, float]]:
    """lon/lat → map units: an equirectangular projection at the middle latitude (at a city's scale it is as
    good as Web Mercator), fitted into the box with a margin."""
    west, south, east, north = bounds
    shrink = math.cos(math.radians((south + north) / 2))
    span_x, span_y = max((east - west) * shrink, 1e-9), max(north - south, 1e-9)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    offset_x = (width - span_x * scale) / 2
    offset_y = (height - span_y * scale) / 2

    def project(lon: float, lat: float) -> tuple[float, float]:
        return offset_x + (lon - west) * shrink * scale, offset_y + (north - lat) * scale

    return project


def _path(geometry: object, project: Callable[[float, float], tuple[float, float]]) -> str:
    polygons = list(getattr(geometry, "geoms", [geometry]))
    parts = []
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            points = [project(x, y) for x, y in ring.coords]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def _ring_area(geometry: object, project: Callable[[float, float], tuple[float, float]]) -> float:
    """Area of a (multi)polygon's outer rings in map units (shoelace formula)."""
    total = 0.0
    for polygon in getattr(geometry, "geoms", [geometry]):
        points = [project(x, y) for x, y in polygon.exterior.coords]
        total += abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False))) / 2
    return total


MARK_RADIUS = 7  # a warned building's dot, in map units: 14 px across at 1366×768, 39 px at 3840×2160
BADGE_HEIGHT = 34  # the red count beside a district's name: its number in the labels' 28-unit type


def badge_width(count: int) -> float:
    return _text_width(str(count), LABEL_PX) + 18


def district_map_svg(districts: gpd.GeoDataFrame, *, lang: str, width: float = MAP_WIDTH,
                     height: float = MAP_HEIGHT, marks: Sequence[tuple[float, float, str]] = ()) -> str:
    """The wall map: districts filled by natural-breaks class of year-to-date tax, every district named with its
    value printed (place_labels: none hidden), and the building alerts at (lon, lat, district code): a red dot
    with a white ring on each warned building (no label covers one) and, beside the name of each district that
    has any, a red badge with how many (read from 4 m even where a business district's dots pile into one spot at
    a city's scale). Inline SVG: no WebGL, no request, nothing for the browser to stall on; text is real text."""
    if not len(districts):
        return ""
    name_col = localized("name", lang)
    simple = districts.geometry.simplify(0.002, preserve_topology=True)
    project = _projector(districts.geometry.total_bounds, width, height)
    edges, classes = district_classes(districts)
    count = max(1, len(edges) - 1)
    shapes = []
    for geometry, position in zip(simple, classes, strict=True):
        shapes.append(f'<path class="district" d="{_path(geometry, project)}" fill="{_colour(position, count)}"/>')
    anchors = districts.geometry.representative_point()
    # Largest first in map units (projected, so the comparison is fair in any CRS, geographic ones included).
    areas = pd.Series([_ring_area(g, project) for g in districts.geometry], index=districts.index)
    order = areas.sort_values(ascending=False).index
    items = [(str(districts.at[i, name_col]), fmt.money_10k(districts.at[i, "building_tax"], lang),
              *project(anchors[i].x, anchors[i].y)) for i in order]
    west, south, east, north = districts.geometry.total_bounds
    dots = [project(lon, lat) for lon, lat, _ in marks]
    names = dict(zip(districts["code"], districts[name_col].astype(str), strict=True))
    counts = pd.Series([names.get(key, "") for _, _, key in marks], dtype=object).value_counts().to_dict()
    counts.pop("", None)
    obstacles = [(x - MARK_RADIUS, y - MARK_RADIUS, 2 * MARK_RADIUS, 2 * MARK_RADIUS) for x, y in dots]
    labels = place_labels(items, width=width, height=height, gutters=(project(west, north)[0], project(east, north)[0]),
                          obstacles=obstacles, extra={name: 8 + badge_width(n) for name, n in counts.items()})
    leaders, texts = [], []
    for label in labels:
        cx, cy = label.x + label.width / 2, label.y + label.height / 2
        if label.moved:
            ex = min(max(label.anchor_x, label.x), label.x + label.width)
            ey = min(max(label.anchor_y, label.y), label.y + label.height)
            leaders.append(f'<line class="leader" x1="{label.anchor_x}" y1="{label.anchor_y}" x2="{ex:.1f}" '
                           f'y2="{ey:.1f}"/><circle class="anchor" cx="{label.anchor_x}" cy="{label.anchor_y}" r="4"/>')
        first = round(cy - LABEL_PX * 0.15, 1)
        count = counts.get(label.name, 0)
        name_x, badge = cx, ""
        if count:  # the name and its badge centred together on the label's first line
            name_w, badge_w = _text_width(label.name, LABEL_PX), badge_width(count)
            left = cx - (name_w + 8 + badge_w) / 2
            name_x, bx = left + name_w / 2, left + name_w + 8
            badge = (f'<g class="mark" data-buildings="{count}" data-name="{esc(label.name)}">'
                     f'<rect x="{bx:.1f}" y="{first - 26:.1f}" width="{badge_w:.1f}" height="{BADGE_HEIGHT}" rx="8"/>'
                     f'<text x="{bx + badge_w / 2:.1f}" y="{first}" text-anchor="middle">{count}</text></g>')
        texts.append(f'<text class="lbl" x="{cx:.1f}" y="{first}" text-anchor="middle" data-name="{esc(label.name)}">'
                     f'<tspan x="{name_x:.1f}">{esc(label.name)}</tspan>'
                     f'<tspan class="v" x="{cx:.1f}" dy="{LABEL_PX * 1.15:.1f}">{esc(label.value)}</tspan></text>{badge}')
    markers = [f'<circle class="markdot" cx="{x:.1f}" cy="{y:.1f}" r="{MARK_RADIUS}"/>' for x, y in dots]
    return (f'<svg class="bf-map" viewBox="0 0 {width} {height}" role="img">{"".join(shapes)}'
            f'{"".join(leaders)}{"".join(markers)}{"".join(texts)}</svg>')


def map_side_html(districts: pd.DataFrame, *, lang: str, t: Translate, marked: int | None = None,
                  unplaced: int = 0) -> str:
    """The choropleth's key: each class's colour and its range of year-to-date tax (natural breaks), with how
    many districts fall in it; then the warning mark with the number of warned buildings on the map (`marked`;
    None: no marks are drawn) and those without coordinates."""
    edges, classes = district_classes(districts)
    count = max(1, len(edges) - 1)
    rows = []
    for position in range(len(edges) - 1 - 1, -1, -1):  # the leader's class first
        members = sum(1 for c in classes if c == position)
        text = t("briefing.map.class", low=fmt.money_10k(edges[position], lang), high=fmt.money_10k(edges[position + 1], lang))
        rows.append(f'<div class="row"><span><span class="swatch" style="background:{_colour(position, count)}">'
                    f'</span>{esc(text)}</span><span>{esc(t("briefing.map.members", n=members))}</span></div>')
    key = ""
    if marked is not None:
        key = (f'<div class="row"><span><span class="swatch markkey"></span>{esc(t("briefing.map.marks"))}</span>'
               f'<span>{esc(t("briefing.map.marks_n", n=marked))}</span></div>'
               f'<div class="bf-note">{esc(t("briefing.map.marks_note"))}</div>')
        if unplaced:
            key += f'<div class="bf-note">{esc(t("briefing.map.marks_unplaced", n=unplaced))}</div>'
    return (f'<div class="bf bf-side"><div class="head">{esc(t("briefing.map.legend"))}</div>{"".join(rows)}'
            f'<div class="bf-note">{esc(t("briefing.map.breaks"))}</div>{key}</div>')


def map_html(districts: gpd.GeoDataFrame, *, lang: str, t: Translate,
             marks: Sequence[tuple[float, float, str]] | None = None, unplaced: int = 0) -> str:
    """The map panel: the SVG map and its key side by side. `marks`: the warned buildings' (lon, lat) in the
    boundaries' CRS and their district (None: the key has no warning row); `unplaced`: warned buildings without
    coordinates."""
    svg = district_map_svg(districts, lang=lang, marks=marks or ())
    side = map_side_html(districts, lang=lang, t=t, marked=None if marks is None else len(marks), unplaced=unplaced)
    return f'<div class="bf bf-mapwrap">{svg_slot(svg, "bf-map-slot")}{side}</div>'
