"""The review pack as a 16:9 PPTX (python-pptx) with native, editable charts.

Fonts: every run names 微软雅黑 as its East Asian font (<a:ea>) and Microsoft YaHei as its Latin font, which
Chinese Office and WPS installations have; charts get the same through their text properties. Text from the store
is set as run text (never parsed), so it shows as typed.
"""

from __future__ import annotations

import io
import math

import pandas as pd
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from data_layer.i18n import localized
from data_layer.report import content, review_content
from data_layer.report.fonts import PPTX_EA_FONT, PPTX_LATIN_FONT

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
LEFT = Inches(0.5)
BODY_WIDTH = WIDTH - 2 * LEFT
TOP = Inches(1.55)
BLUE = RGBColor(0x1F, 0x4E, 0x79)
RED = RGBColor(0xC8, 0x10, 0x2E)
GREY = RGBColor(0x57, 0x60, 0x6A)
ROWS_PER_SLIDE = 14  # 0.36 in rows under TOP: 14 and the header fill the slide
DEMANDS_PER_SLIDE = 8  # their text wraps to two lines
STATUS_FILL = {"on_track": "DAFBE1", "achieved": "DAFBE1", "at_risk": "FFF8C5", "off_track": "FFEBE9",
               "missed": "FFEBE9"}
# Slide codes in order; the targets table and the ranking may each take more than one slide (targets, targets,
# ...).
SLIDES = ("cover", "commentary", "kpis", "targets", "target_chart", "drivers", "trends", "ranking", "sentiment",
          "demands", "completeness", "notes", "definitions")


def set_east_asian(font_element: etree._Element) -> None:
    """On an <a:rPr> or <a:defRPr>: <a:latin> and <a:ea> typefaces, in schema order (latin before ea)."""
    for tag in ("a:latin", "a:ea"):
        for old in font_element.findall(qn(tag)):
            font_element.remove(old)
    latin = etree.SubElement(font_element, qn("a:latin"))
    latin.set("typeface", PPTX_LATIN_FONT)
    ea = etree.SubElement(font_element, qn("a:ea"))
    ea.set("typeface", PPTX_EA_FONT)
    # <a:latin>/<a:ea> must follow fill and effect elements and precede <a:hlinkClick>: move them before any
    # element that has to come after them.
    after = [child for child in font_element if child.tag in (qn("a:cs"), qn("a:sym"), qn("a:hlinkClick"),
                                                              qn("a:hlinkMouseOver"), qn("a:rtl"), qn("a:extLst"))]
    for child in after:
        font_element.remove(child)
        font_element.append(child)


def _run(paragraph, text: str, *, size: float, bold: bool = False,
         colour: RGBColor | None = None):
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    set_east_asian(run._r.get_or_add_rPr())
    return run


def _text(slide, lines: list[str], *, left, top, width, height, size: float = 16, colour: RGBColor | None = None,
          align: PP_ALIGN | None = None, bold: bool = False):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        _run(paragraph, line, size=size, colour=colour, bold=bold)
    return box


def _slide(prs, title: str, *subtitle: str):
    """A blank slide with its title and up to two lines of subtitle above TOP."""
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _text(slide, [title], left=LEFT, top=Inches(0.3), width=BODY_WIDTH, height=Inches(0.6), size=26, bold=True,
          colour=BLUE)
    if subtitle:
        _text(slide, list(subtitle), left=LEFT, top=Inches(0.85), width=BODY_WIDTH, height=Inches(0.6), size=12,
              colour=GREY)
    return slide


def _table(slide, table: content.Table, *, top, widths: list[float], size: float = 12,
           height=None):
    rows, columns = len(table.rows) + 1, len(table.header)
    total = sum(widths)
    row_height = Inches(0.36)
    shape = slide.shapes.add_table(rows, columns, LEFT, top, BODY_WIDTH, height or row_height * rows)
    grid = shape.table
    for index, width in enumerate(widths):
        grid.columns[index].width = Emu(int(BODY_WIDTH * width / total))
    for r in range(rows):
        grid.rows[r].height = row_height
    for col, text in enumerate(table.header):
        cell = grid.cell(0, col)
        cell.text_frame.paragraphs[0].text = ""
        _run(cell.text_frame.paragraphs[0], text, size=size, bold=True, colour=RGBColor(0xFF, 0xFF, 0xFF))
        cell.fill.solid()
        cell.fill.fore_color.rgb = BLUE
    for r, row in enumerate(table.rows, start=1):
        status = table.status[r - 1] if r - 1 < len(table.status) else None
        for col, (text, align) in enumerate(zip(row, table.align, strict=True)):
            cell = grid.cell(r, col)
            paragraph = cell.text_frame.paragraphs[0]
            paragraph.alignment = PP_ALIGN.RIGHT if align == "r" else PP_ALIGN.LEFT
            _run(paragraph, text, size=size)
            cell.margin_top = cell.margin_bottom = Pt(2)
            cell.fill.solid()
            fill = "FFFFFF" if r % 2 else "F6F8FA"
            if status == "highlight":
                fill = "FFF1E5"
            elif status in STATUS_FILL and col == columns - 1:
                fill = STATUS_FILL[status]
            cell.fill.fore_color.rgb = RGBColor.from_string(fill)
    return shape


def _chart_fonts(chart, size: float = 12) -> None:
    """The chart's default text: size and the Latin / East Asian typefaces (python-pptx sets only Latin)."""
    chart.font.size = Pt(size)
    tx_pr = chart._chartSpace.get_or_add_txPr()
    def_rpr = tx_pr.find(".//" + qn("a:defRPr"))
    set_east_asian(def_rpr)


def _progress_chart(slide, pack: content.ReviewPack, *, top, height) -> None:
    bars = list(reversed(content.progress_bars(pack)))
    data = CategoryChartData()
    data.categories = [b.name for b in bars]
    data.add_series(pack.t("report.chart.progress_series"),
                    [round(min(b.percent, 150.0), 1) if b.percent is not None else None for b in bars])
    data.add_series(pack.t("report.chart.expected_series"),
                    [round(b.expected, 1) if b.expected is not None else None for b in bars])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, LEFT, top, BODY_WIDTH, height, data)
    chart = frame.chart
    _chart_fonts(chart, 11)
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.TOP
    chart.legend.include_in_layout = False
    actual, expected = chart.series
    for point, bar in zip(actual.points, bars, strict=True):
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = RGBColor.from_string(content.STATUS_COLOURS.get(bar.status, "#8c959f")[1:])
    expected.format.fill.solid()
    expected.format.fill.fore_color.rgb = RGBColor(0xC9, 0xD6, 0xE3)
    plot = chart.plots[0]
    plot.gap_width = 40
    plot.overlap = -10
    actual.data_labels.show_value = True
    actual.data_labels.number_format = '0"%"'
    actual.data_labels.number_format_is_linked = False
    actual.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    value_axis = chart.value_axis
    value_axis.maximum_scale = 160
    value_axis.minimum_scale = 0
    value_axis.tick_labels.number_format = '0"%"'
    value_axis.tick_labels.number_format_is_linked = False


def _nothing(slide, text: str, *, left=LEFT, top=TOP, width=BODY_WIDTH) -> None:
    """Words where a chart or table would be: python-pptx refuses a chart without categories, and an empty
    frame tells the meeting nothing."""
    _text(slide, [text], left=left, top=top, width=width, height=Inches(1), size=16, colour=GREY)


def _number(value: object, digits: int) -> float | None:
    """A chart value, None for a gap: the embedded workbook (xlsxwriter) refuses NaN and infinity."""
    if value is None or pd.isna(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]
        return None
    return round(float(value), digits)  # type: ignore[arg-type]


def _titled_chart(slide, kind, box: tuple, categories: list, name: str, values: list):
    """One series as a native chart in `box` (left, top, width, height), titled with its name, no legend."""
    data = CategoryChartData()
    data.categories = categories
    data.add_series(name, values)
    chart = slide.shapes.add_chart(kind, *box, data).chart
    _chart_fonts(chart, 10)
    chart.has_title = True
    chart.chart_title.text_frame.text = name
    set_east_asian(chart.chart_title.text_frame.paragraphs[0].runs[0]._r.get_or_add_rPr())
    chart.has_legend = False
    return chart


def _trend_charts(slide, pack: content.ReviewPack, *, top, height) -> None:
    series = content.trend_series(pack)
    if series.empty:
        _nothing(slide, pack.t("report.chart.no_trend"), top=top)
        return
    half = (BODY_WIDTH - Inches(0.3)) // 2
    months = list(series["month"])
    chart = _titled_chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, (LEFT, top, half, height), months,
                          pack.t("report.chart.tax"), [_number(v, 3) for v in series["tax_yi"]])
    chart.series[0].format.fill.solid()
    chart.series[0].format.fill.fore_color.rgb = BLUE
    chart = _titled_chart(slide, XL_CHART_TYPE.LINE_MARKERS, (LEFT + half + Inches(0.3), top, half, height), months,
                          pack.t("report.chart.occupancy"), [_number(v, 2) for v in series["occupancy"]])
    chart.series[0].format.line.color.rgb = RED
    chart.value_axis.tick_labels.number_format = '0"%"'
    chart.value_axis.tick_labels.number_format_is_linked = False


def _ranking_chart(slide, pack: content.ReviewPack, *, left, top, width, height) -> None:
    series = content.ranking_series(pack).iloc[::-1]
    if series.empty:  # no district has enough buildings reporting to be ranked
        _nothing(slide, pack.t("report.chart.nothing_ranked", min=content.goals_min_buildings()), left=left, top=top,
                 width=width)
        return
    data = CategoryChartData()
    data.categories = list(series["name"])
    data.add_series(pack.t("report.chart.tax"), [_number(v, 2) for v in series["tax_yi"]])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data).chart
    _chart_fonts(chart, 10)
    chart.has_legend = False
    bars = chart.series[0]
    bars.format.fill.solid()
    bars.format.fill.fore_color.rgb = BLUE
    for point, highlight in zip(bars.points, series["highlight"], strict=True):
        if highlight:
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = RED
    bars.data_labels.show_value = True
    bars.data_labels.number_format = "0.0"
    bars.data_labels.number_format_is_linked = False


def _chunks(table: content.Table, size: int) -> list[content.Table]:
    if len(table.rows) <= size:
        return [table]
    return [content.Table(table.header, table.rows[i:i + size], table.align, table.status[i:i + size])
            for i in range(0, len(table.rows), size)]


RANKING_WIDTHS = [0.8, 1.6, 2, 1.2, 1.4, 1.2]


def _ranking_slides(prs, pack: content.ReviewPack) -> None:
    """The ranking table beside the chart; a long list of districts goes on over further slides (ROWS_PER_SLIDE
    rows each) instead of running off the bottom, and the chart stays on the first."""
    t = pack.t
    ranking = content.ranking_table(pack)
    narrow = content.Table(ranking.header[:6], [r[:6] for r in ranking.rows], ranking.align[:6], ranking.status)
    parts = _chunks(narrow, ROWS_PER_SLIDE)
    table_width = Inches(7.4)
    for number, part in enumerate(parts, start=1):
        subtitle = t("report.chart.ranking_title", month=pack.as_of.strftime("%Y-%m"))
        if len(parts) > 1:
            subtitle += " " + t("report.part", n=number, total=len(parts))
        slide = _slide(prs, pack.heading("ranking"), subtitle)
        table_shape = _table(slide, part, top=TOP, widths=RANKING_WIDTHS, size=12)
        table_shape.width = table_width
        for column, width in zip(table_shape.table.columns, RANKING_WIDTHS, strict=True):
            column.width = Emu(int(table_width * width / sum(RANKING_WIDTHS)))
        if number == 1:
            _ranking_chart(slide, pack, left=LEFT + table_width + Inches(0.2), top=TOP,
                           width=BODY_WIDTH - table_width - Inches(0.2), height=HEIGHT - TOP - Inches(0.4))


def render(pack: content.ReviewPack) -> bytes:
    """The pack as PPTX bytes."""
    t = pack.t
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    prs.core_properties.title = f"{pack.title} {pack.quarter_label}"
    prs.core_properties.author = t("report.author")
    prs.core_properties.subject = pack.scope_label

    cover = prs.slides.add_slide(prs.slide_layouts[6])
    _text(cover, [pack.title], left=LEFT, top=Inches(2.0), width=BODY_WIDTH, height=Inches(1), size=40, bold=True,
          colour=BLUE, align=PP_ALIGN.CENTER)
    _text(cover, [pack.quarter_label], left=LEFT, top=Inches(3.0), width=BODY_WIDTH, height=Inches(0.7), size=26,
          align=PP_ALIGN.CENTER)
    _text(cover, content.cover_lines(pack), left=LEFT, top=Inches(4.0), width=BODY_WIDTH, height=Inches(2), size=16,
          colour=GREY, align=PP_ALIGN.CENTER)

    for key in pack.sections:
        SLIDE_WRITERS[key](prs, pack)

    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------ sections
# One writer per code of sections.SECTIONS (the PDF has the same list): each adds its slides.


def _commentary_slides(prs, pack: content.ReviewPack) -> None:
    blocks = review_content.commentary_blocks(pack)
    slide = _slide(prs, pack.heading("commentary"), review_content.commentary_status(pack))
    lines: list[str] = []
    for heading, text in blocks:
        lines += [f"【{heading}】", *[line for line in text.splitlines() if line.strip()]]
    if lines:
        _text(slide, lines, left=LEFT, top=TOP, width=BODY_WIDTH, height=HEIGHT - TOP - Inches(0.3), size=14)


def _kpi_slides(prs, pack: content.ReviewPack) -> None:
    slide = _slide(prs, pack.heading("kpis"), pack.t("report.kpis.caption_qoq", quarter=pack.quarter_label,
                                                      scope=pack.scope_label))
    _table(slide, content.kpi_table(pack), top=TOP, widths=[3, 2, 1.8, 1.8, 2, 1.8], size=14)


def _target_slides(prs, pack: content.ReviewPack) -> None:
    t = pack.t
    if pack.plan is None:
        slide = _slide(prs, pack.heading("targets"))
        _text(slide, [t("report.targets.no_plan", scope=pack.scope_label, year=pack.year)], left=LEFT, top=TOP,
              width=BODY_WIDTH, height=Inches(1))
        return
    plan_name = pack.plan[localized("name", pack.lang)]
    caption = t("report.targets.caption", plan=plan_name, as_of=pack.as_of.strftime("%Y-%m"))
    no_targets = t("report.targets.no_targets", plan=plan_name, year=pack.as_of.year)
    if pack.goals.empty:  # a plan without a single target yet
        slide = _slide(prs, pack.heading("targets"), caption)
        _nothing(slide, no_targets)
    for part in _chunks(content.goals_table(pack), ROWS_PER_SLIDE) if len(pack.goals) else []:
        slide = _slide(prs, pack.heading("targets"), caption, content.goal_counts_text(pack))
        _table(slide, part, top=TOP, widths=[3.2, 2, 2, 1.6, 2, 2, 1.6], size=12)
    if content.has_year_targets(pack):
        slide = _slide(prs, pack.heading("target_chart"), t("report.chart.progress_note"))
        _progress_chart(slide, pack, top=TOP, height=HEIGHT - TOP - Inches(0.3))
    else:  # targets for other years only: bars of "—" against nothing would say nothing
        slide = _slide(prs, pack.heading("target_chart"))
        _nothing(slide, no_targets)


def _drivers_slides(prs, pack: content.ReviewPack) -> None:
    """The bridge as a native stacked column chart (an invisible base series under the visible bars), beside the
    table of contributions against last year and the previous quarter."""
    slide = _slide(prs, pack.heading("drivers"), review_content.drivers_caption(pack))
    series = review_content.drivers_series(pack)
    chart_width = Inches(7.6)
    table = review_content.drivers_table(pack)
    if series.empty:
        _nothing(slide, pack.t("review.drivers.none"), width=chart_width)
    else:
        values = [float(v) for v in series["contribution"]]
        bases, running = [], 0.0
        for value in values:
            bases.append(min(running, running + value))
            running += value
        data = CategoryChartData()
        data.categories = [*series["name"], pack.t("review.drivers.total")]
        data.add_series("base", [_number(b, 1) for b in [*bases, min(running, 0.0)]])
        data.add_series(pack.t("report.drivers.chart_title"), [_number(abs(v), 1) for v in [*values, running]])
        chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_STACKED, LEFT, TOP, chart_width,
                                       HEIGHT - TOP - Inches(0.4), data).chart
        _chart_fonts(chart, 10)
        chart.has_legend = False
        base, bars = chart.series
        base.format.fill.background()  # the base only lifts the bars: no fill, no line
        base.format.line.fill.background()
        for point, contribution in zip(bars.points, [*values, None], strict=True):  # None: the total bar
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = BLUE if contribution is None else (
                RGBColor(0x1A, 0x7F, 0x37) if contribution >= 0 else RED)
        chart.plots[0].gap_width = 40
    rows = ROWS_PER_SLIDE - 1
    part = content.Table(table.header, table.rows[:rows - 1] + table.rows[-1:], table.align,
                   table.status[:rows - 1] + table.status[-1:])
    shape = _table(slide, part, top=TOP, widths=[3, 2, 2], size=11)
    shape.left = LEFT + chart_width + Inches(0.2)
    shape.width = BODY_WIDTH - chart_width - Inches(0.2)
    for column, width in zip(shape.table.columns, [3, 2, 2], strict=True):
        column.width = Emu(int(shape.width * width / 7))


def _trend_slides(prs, pack: content.ReviewPack) -> None:
    slide = _slide(prs, pack.heading("trends"), pack.t("report.chart.trend_title"))
    _trend_charts(slide, pack, top=TOP, height=HEIGHT - TOP - Inches(0.4))


def _sentiment_slides(prs, pack: content.ReviewPack) -> None:
    t = pack.t
    slide = _slide(prs, pack.heading("sentiment"), content.sentiment_text(pack))
    if len(pack.dimensions):  # the index by dimension, as in the PDF
        _table(slide, content.dimension_table(pack), top=TOP + Inches(0.2), widths=[3, 2, 2, 2], size=12)
    if len(pack.alerts):
        slide = _slide(prs, pack.heading("sentiment"), t("report.alerts.caption", n=len(pack.alerts)))
        _table(slide, content.alerts_table(pack, limit=ROWS_PER_SLIDE - 2), top=TOP + Inches(0.2),
               widths=[3, 1.6, 1.2, 1.2, 1.3, 1.4, 2.2], size=12)
    else:
        _text(slide, [t("report.alerts.none")], left=LEFT, top=HEIGHT - Inches(1.2), width=BODY_WIDTH,
              height=Inches(0.8))


def _demand_slides(prs, pack: content.ReviewPack) -> None:
    slide = _slide(prs, pack.heading("demands"), content.demand_text(pack))
    open_list = content.open_demands_table(pack)
    _table(slide, content.Table(open_list.header, open_list.rows[:DEMANDS_PER_SLIDE], open_list.align),
           top=TOP + Inches(0.2), widths=[2.4, 1.2, 1.4, 1.6, 1.6, 1.1, 4.6], size=11)


def _completeness_slides(prs, pack: content.ReviewPack) -> None:
    slide = _slide(prs, pack.heading("completeness"), *review_content.completeness_lines(pack))
    _table(slide, review_content.completeness_table(pack), top=TOP + Inches(0.2), widths=[3, 1.5, 1.5, 1.5, 1.5], size=12)
    missing = review_content.missing_buildings_table(pack)
    for part in _chunks(missing, ROWS_PER_SLIDE) if missing.rows else []:
        slide = _slide(prs, pack.heading("completeness"), pack.t("report.completeness.missing",
                                                                  n=len(missing.rows)))
        _table(slide, part, top=TOP, widths=[3, 1.5, 2, 1.2], size=12)


def _note_slides(prs, pack: content.ReviewPack) -> None:
    slide = _slide(prs, pack.heading("notes"))
    _text(slide, [f"• {line}" for line in content.notes(pack)], left=LEFT, top=TOP - Inches(0.2), width=BODY_WIDTH,
          height=HEIGHT - TOP, size=14)
    slide = _slide(prs, pack.heading("definitions"))  # the headline figures' at least
    _text(slide, [f"• {line}" for line in content.definitions(pack)], left=LEFT, top=TOP - Inches(0.2),
          width=BODY_WIDTH, height=HEIGHT - TOP, size=11)


def _building_alert_slides(prs, pack: content.ReviewPack) -> None:
    slide = _slide(prs, pack.heading("building_alerts"), content.building_alerts_text(pack, ROWS_PER_SLIDE - 2))
    if len(pack.building_alerts):
        _table(slide, content.building_alerts_table(pack, limit=ROWS_PER_SLIDE - 2), top=TOP + Inches(0.2),
               widths=[2.6, 1.2, 1, 1.2, 1.8, 4.2], size=11)


SLIDE_WRITERS = {"commentary": _commentary_slides, "kpis": _kpi_slides, "targets": _target_slides,
                 "drivers": _drivers_slides, "trends": _trend_slides, "ranking": _ranking_slides,
                 "sentiment": _sentiment_slides, "building_alerts": _building_alert_slides,
                 "demands": _demand_slides, "completeness": _completeness_slides, "notes": _note_slides}
