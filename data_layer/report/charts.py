"""The PDF's charts as PNG images (matplotlib, drawn with the same CJK font the PDF embeds).

Figures are made with `matplotlib.figure.Figure` and its Agg canvas, never through pyplot, so nothing is kept in
a global figure registry of the server process. Text from the store (district names) is drawn with math text off:
a name with `$` signs stays literal.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede the figure imports

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from data_layer.report.content import (
    ACCENT,
    SECOND,
    STATUS_COLOURS,
    ReviewPack,
    progress_bars,
    ranking_series,
    trend_series,
)
from data_layer.report.fonts import chart_family, cjk_font_path

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

DPI = 200
CAP_PERCENT = 150.0  # bars beyond this are drawn to it and labelled with their real value


def _rc() -> dict[RcKeyType, Any]:
    family = chart_family(str(cjk_font_path()))
    return {"font.family": [family], "font.size": 10, "axes.unicode_minus": False, "text.parse_math": False,
            "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 12, "svg.fonttype": "none"}


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    figure.clear()
    return buffer.getvalue()


def progress_chart(pack: ReviewPack) -> bytes:
    """Target against actual: each indicator's attainment (actual ÷ target) as a bar coloured by status, the
    100 % line, and for flows a tick at the share expected by the as-of month."""
    t = pack.t
    bars = list(reversed(progress_bars(pack)))
    with matplotlib.rc_context(_rc()):
        figure = Figure(figsize=(7.2, 0.36 * len(bars) + 1.2), dpi=DPI)
        ax = figure.add_subplot()
        positions = range(len(bars))
        values = [min(b.percent, CAP_PERCENT) if b.percent is not None else 0 for b in bars]
        ax.barh(list(positions), values, color=[STATUS_COLOURS.get(b.status, "#8c959f") for b in bars], height=0.62)
        for y, bar in zip(positions, bars, strict=True):
            text = "—" if bar.percent is None else f"{bar.percent:.0f}%"
            ax.text((min(bar.percent, CAP_PERCENT) if bar.percent else 0) + 2, y, text, va="center", fontsize=8.5)
            if bar.expected is not None:
                ax.plot([bar.expected, bar.expected], [y - 0.38, y + 0.38], color="#1f2328", linewidth=1.6)
        ax.axvline(100, color="#57606a", linestyle="--", linewidth=1)
        ax.set_yticks(list(positions), [b.name for b in bars])
        ax.set_xlim(0, CAP_PERCENT + 18)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}%"))
        ax.set_xlabel(t("report.chart.progress_axis"))
        ax.set_title(t("report.chart.progress_title"), loc="left")
        figure.tight_layout()
        return _png(figure)


def trend_chart(pack: ReviewPack) -> bytes:
    """Monthly building tax (亿元, bars) and area-weighted occupancy (%, line) for the 24 months to the as-of."""
    t = pack.t
    series = trend_series(pack)
    with matplotlib.rc_context(_rc()):
        figure = Figure(figsize=(7.2, 3.4), dpi=DPI)
        ax = figure.add_subplot()
        x = list(range(len(series)))
        ax.bar(x, series["tax_yi"], color=SECOND, width=0.7, label=t("report.chart.tax"))
        ax.set_ylabel(t("report.chart.tax"))
        right = ax.twinx()
        right.plot(x, series["occupancy"], color=ACCENT, linewidth=2.2, marker="o", markersize=3,
                   label=t("report.chart.occupancy"))
        right.set_ylabel(t("report.chart.occupancy"))
        right.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}%"))
        low = float(series["occupancy"].min()) if series["occupancy"].notna().any() else 0.0
        right.set_ylim(max(0.0, low - 10) if math.isfinite(low) else 0.0, 100)  # NaN limits raise
        right.spines["right"].set_visible(True)
        step = max(1, len(x) // 8)
        ax.set_xticks(x[::step], list(series["month"])[::step], rotation=0, fontsize=8)
        handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
        ax.legend(handles, [str(h.get_label()) for h in handles], loc="upper left", frameon=False, ncols=2,
                  fontsize=8.5)
        ax.set_title(t("report.chart.trend_title"), loc="left")
        figure.tight_layout()
        return _png(figure)


def ranking_chart(pack: ReviewPack) -> bytes:
    """Ranked districts' year-to-date tax (亿元), first at the top; the scope's district in the accent colour."""
    t = pack.t
    series = ranking_series(pack).iloc[::-1]
    with matplotlib.rc_context(_rc()):
        figure = Figure(figsize=(7.2, 0.34 * max(len(series), 3) + 1.1), dpi=DPI)
        ax = figure.add_subplot()
        y = list(range(len(series)))
        ax.barh(y, series["tax_yi"], color=[ACCENT if h else SECOND for h in series["highlight"]], height=0.62)
        top = float(series["tax_yi"].max()) if len(series) else 1.0
        for position, value in zip(y, series["tax_yi"], strict=True):
            ax.text(value + top * 0.01, position, f"{value:,.1f}", va="center", fontsize=8.5)
        ax.set_yticks(y, list(series["name"]))
        ax.set_xlim(0, top * 1.15 if top > 0 else 1)
        ax.set_xlabel(t("report.chart.tax"))
        ax.set_title(t("report.chart.ranking_title", month=pack.as_of.strftime("%Y-%m")), loc="left")
        figure.tight_layout()
        return _png(figure)


def drivers_chart(pack: ReviewPack) -> bytes:
    """What drove the change in building tax against last year: each unit's contribution (万元) as a floating bar
    from where the previous one ended (a bridge), then the total change; rises green, falls red."""
    from data_layer.report.review_content import drivers_series  # beside content: the issue-18 additions

    t = pack.t
    series = drivers_series(pack)
    values = [float(v) for v in series["contribution"]]
    bases, running = [], 0.0
    for value in values:
        bases.append(running)
        running += value
    names = [*series["name"], t("review.drivers.total")]
    with matplotlib.rc_context(_rc()):
        figure = Figure(figsize=(7.2, 3.6), dpi=DPI)
        ax = figure.add_subplot()
        x = list(range(len(names)))
        heights = [*values, running]
        bottoms = [*bases, 0.0]
        colours = ["#1a7f37" if v >= 0 else ACCENT for v in values] + [SECOND]
        ax.bar(x, heights, bottom=bottoms, color=colours, width=0.7)
        span = max((abs(b) + abs(h) for b, h in zip(bottoms, heights, strict=True)), default=1.0) or 1.0
        for position, bottom, height in zip(x, bottoms, heights, strict=True):
            top = bottom + height if height >= 0 else bottom
            ax.text(position, top + span * 0.01, f"{height:+,.0f}", ha="center", va="bottom", fontsize=7)
        ax.axhline(0, color="#57606a", linewidth=0.8)
        ax.set_xticks(x, names, rotation=35, ha="right", fontsize=8)
        ax.set_ylabel(t("review.unit.building_tax"))
        ax.set_title(t("report.drivers.chart_title"), loc="left")
        figure.tight_layout()
        return _png(figure)
