"""The review pack as an A4 PDF (reportlab), with the CJK font embedded (subset) so Chinese shows on any reader
and the text layer can be searched and copied.

reportlab's Paragraph reads a small markup language: every text from the store goes through `xml_escape` first,
so a building called "<b>x</b>" or "A & B" prints as typed.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from data_layer.i18n import localized
from data_layer.report import charts, content, review_content
from data_layer.report.fonts import cjk_font_path, pdf_font

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN
STATUS_FILL = {"on_track": "#dafbe1", "achieved": "#dafbe1", "at_risk": "#fff8c5", "off_track": "#ffebe9",
               "missed": "#ffebe9"}
HEAD_FILL = colors.HexColor("#1F4E79")


class _Styles:
    def __init__(self, font: str) -> None:
        base = {"fontName": font, "wordWrap": "CJK"}
        self.title = ParagraphStyle("title", fontSize=26, leading=34, alignment=TA_CENTER, **base)
        self.subtitle = ParagraphStyle("subtitle", fontSize=16, leading=24, alignment=TA_CENTER, **base)
        self.cover = ParagraphStyle("cover", fontSize=12, leading=20, alignment=TA_CENTER,
                                    textColor=colors.HexColor("#444c56"), **base)
        self.h1 = ParagraphStyle("h1", fontSize=15, leading=22, spaceBefore=6, spaceAfter=6, keepWithNext=1,
                                 textColor=colors.HexColor("#1F4E79"), **base)
        self.h2 = ParagraphStyle("h2", fontSize=11, leading=18, spaceBefore=4, spaceAfter=2, keepWithNext=1,
                                 textColor=colors.HexColor("#1F4E79"), **base)
        self.lead = ParagraphStyle("lead", fontSize=10, leading=16, spaceAfter=4, keepWithNext=1, **base)
        self.body = ParagraphStyle("body", fontSize=10, leading=16, spaceAfter=4, **base)
        self.note = ParagraphStyle("note", fontSize=9, leading=14, leftIndent=10, spaceAfter=3, **base)
        self.cell = ParagraphStyle("cell", fontSize=8.5, leading=11, **base)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=2)
        self.head = ParagraphStyle("head", parent=self.cell, textColor=colors.white)
        self.head_right = ParagraphStyle("head_right", parent=self.head, alignment=2)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(xml_escape(text), style)


def _table(table: content.Table, styles: _Styles, widths: list[float] | None = None) -> Table:
    """A text table: header on blue, zebra rows, numbers right-aligned, status cells tinted."""
    data = [[_p(h, styles.head_right if align == "r" else styles.head)
             for h, align in zip(table.header, table.align, strict=True)]]
    for row in table.rows:
        data.append([_p(cell, styles.cell_right if align == "r" else styles.cell)
                     for cell, align in zip(row, table.align, strict=True)])
    if widths is not None:
        total = sum(widths)
        widths = [BODY_WIDTH * w / total for w in widths]
    flow = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#d0d7de")),
             ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    for index, status in enumerate(table.status, start=1):
        if status in STATUS_FILL:
            style.append(("BACKGROUND", (-1, index), (-1, index), colors.HexColor(STATUS_FILL[status])))
        elif status == "highlight":
            style.append(("BACKGROUND", (0, index), (-1, index), colors.HexColor("#fff1e5")))
    tinted = any(status in STATUS_FILL for status in table.status)  # the status column keeps its own colour
    for index in range(2, len(data), 2):
        if index - 1 < len(table.status) and table.status[index - 1] == "highlight":
            continue
        style.append(("BACKGROUND", (0, index), (-2 if tinted else -1, index), colors.HexColor("#f6f8fa")))
    flow.setStyle(TableStyle(style))
    return flow


def _image(png: bytes, width: float = BODY_WIDTH) -> Image:
    image = Image(io.BytesIO(png))
    scale = width / image.imageWidth
    image.drawWidth, image.drawHeight = width, image.imageHeight * scale
    return image


def render(pack: content.ReviewPack) -> bytes:
    """The pack as PDF bytes: the cover, then each chosen section (sections.SECTIONS order)."""
    font = pdf_font(str(cjk_font_path()))
    styles = _Styles(font)
    t = pack.t
    story: list = [Spacer(1, 60 * mm), _p(pack.title, styles.title), Spacer(1, 6 * mm),
                   _p(pack.quarter_label, styles.subtitle), Spacer(1, 14 * mm)]
    story += [_p(line, styles.cover) for line in content.cover_lines(pack)]
    story += [Spacer(1, 20 * mm), _p(t("report.cover.contents"), styles.cover)]
    story += [_p(pack.heading(key), styles.cover) for key in pack.sections]
    for index, key in enumerate(pack.sections):
        if index == 0 or key in _NEW_PAGE:
            story.append(PageBreak())
        SECTION_WRITERS[key](pack, styles, story)

    buffer = io.BytesIO()
    footer = f"{pack.title} · {pack.quarter_label} · {pack.scope_label}"

    def on_page(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#57606a"))
        canvas.drawString(MARGIN, 9 * mm, footer)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 9 * mm, t("report.page", n=document.page))
        canvas.restoreState()

    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                                 bottomMargin=MARGIN + 4 * mm, title=f"{pack.title} {pack.quarter_label}",
                                 author=t("report.author"), subject=pack.scope_label)
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------ sections
# One writer per code of sections.SECTIONS: each appends its flowables to the story.
_NEW_PAGE = {"commentary", "drivers", "trends", "sentiment", "completeness", "notes"}


def _commentary(pack: content.ReviewPack, styles: _Styles, story: list) -> None:
    story += [_p(pack.heading("commentary"), styles.h1), _p(review_content.commentary_status(pack), styles.note)]
    for heading, text in review_content.commentary_blocks(pack):
        story.append(_p(heading, styles.h2))
        story += [_p(line, styles.body) for line in text.splitlines() if line.strip()]


def _kpis(pack: content.ReviewPack, styles: _Styles, story: list) -> None:
    t = pack.t
    story += [_p(pack.heading("kpis"), styles.h1),
              _p(t("report.kpis.caption_qoq", quarter=pack.quarter_label, scope=pack.scope_label), styles.body),
              _table(content.kpi_table(pack), styles, [3, 2, 1.8, 1.8, 2, 1.8])]


def _targets(pack: content.ReviewPack, styles: _Styles, story: list) -> None:
    t = pack.t
    story.append(_p(pack.heading("targets"), styles.h1))
    if pack.plan is None:
        story.append(_p(t("report.targets.no_plan", scope=pack.scope_label, year=pack.year), styles.body))
        return
    plan_name = pack.plan[localized("name", pack.lang)]
    story.append(_p(t("report.targets.caption", plan=plan_name, as_of=pack.as_of.strftime("%Y-%m")), styles.body))
    if len(pack.goals):
        story += [_p(content.goal_counts_text(pack), styles.lead),
                  _table(content.goals_table(pack), styles, [3.2, 2, 2, 2, 2, 2, 1.6]), Spacer(1, 4 * mm)]
    if content.has_year_targets(pack):
        story.append(KeepTogether([_image(charts.progress_chart(pack)),
                                   _p(t("report.chart.progress_note"), styles.note)]))
    else:  # no target for this year: an empty chart would say nothing, words do
        story.append(_p(t("report.targets.no_targets", plan=plan_name, year=pack.as_of.year), styles.body))


def _drivers(pack: content.ReviewPack, styles: _Styles, story: list) -> None:
    story += [_p(pack.heading("drivers"), styles.h1), _p(review_content.drivers_caption(pack), styles.body)]
    if len(review_content.drivers_series(pack)):
        story.append(KeepTogether([_image(charts.drivers_chart(pack), BODY_WIDTH * 0.95)]))
    story += [_table(review_content.drivers_table(pack), styles, [3, 2, 2]), _p(pack.t("report.drivers.note"), styles.note)]


def _trends(pack: content.ReviewPack, styles: _Styles, story: list) -> None:
    story.append(_p(pack.heading("trends"), styles.h1))
    story.append(_image(charts.trend_chart(pack)) if len(pack.trend)
                 else _p(pack.t("report.chart.no_trend"), styles.body))


def _ranking(pack: content.ReviewPack, styles: _Styles, story: list) -> None:
    story += [_p(pack.heading("ranking"), styles.h1),
              _table(content.ranking_table(pack), styles, [1, 2, 2.2, 1.4, 1.6, 1.6, 1.4]), Spacer(1, 4 * mm)]
    if len(content.ranking_series(pack)):
        story.append(KeepTogether([_image(charts.ranking_chart(pack), BODY_WIDTH * 0.9)]))
    else:  # no district has enough buildings reporting to be ranked
        story.append(_p(pack.t("report.chart.nothing_ranked", min=content.goals_min_buildings()), styles.body))


def _sentiment(pack: content.ReviewPack, styles: _Styles, story: list) -> None:
    t = pack.t
    story += [_p(pack.heading("sentiment"), styles.h1), _p(content.sentiment_text(pack), styles.body)]
    if len(pack.dimensions):
        story += [_table(content.dimension_table(pack), styles, [3, 2, 2, 2]), Spacer(1, 3 * mm)]
    if len(pack.alerts):
        story += [_p(t("report.alerts.caption", n=len(pack.alerts)), styles.lead),
                  _table(content.alerts_table(pack), styles, [3, 1.6, 1.2, 1.2, 1.3, 1.4, 2.2])]
    else:
        story.append(_p(t("report.alerts.none"), styles.body))


def _demands(pack: content.ReviewPack, styles: _Styles, story: list) -> None:
    t = pack.t
    story += [_p(pack.heading("demands"), styles.h1), _p(content.demand_text(pack), styles.body)]
    if len(pack.categories):
        story += [_table(content.categories_table(pack), styles, [3, 1.5, 1.5]), Spacer(1, 3 * mm)]
    if len(pack.open_demands):
        story += [_p(t("report.demands.list", n=len(pack.open_demands)), styles.lead),
                  _table(content.open_demands_table(pack), styles, [2.4, 1.2, 1.4, 1.6, 1.6, 1.1, 4.6])]


def _completeness(pack: content.ReviewPack, styles: _Styles, story: list) -> None:
    story.append(_p(pack.heading("completeness"), styles.h1))
    story += [_p(line, styles.body) for line in review_content.completeness_lines(pack)]
    story += [_table(review_content.completeness_table(pack), styles, [3, 1.5, 1.5, 1.5, 1.5]), Spacer(1, 3 * mm)]
    missing = review_content.missing_buildings_table(pack)
    if missing.rows:
        story += [_p(pack.t("report.completeness.missing", n=len(missing.rows)), styles.lead),
                  _table(missing, styles, [3, 1.5, 2, 1.2])]


def _notes(pack: content.ReviewPack, styles: _Styles, story: list) -> None:
    story += [_p(pack.heading("notes"), styles.h1)]
    story += [_p(f"• {line}", styles.note) for line in content.notes(pack)]
    story.append(_p(pack.heading("definitions"), styles.h2))  # the headline figures' at least
    story += [_p(f"• {line}", styles.note) for line in content.definitions(pack)]


def _building_alerts(pack: content.ReviewPack, styles: _Styles, story: list) -> None:
    story += [_p(pack.heading("building_alerts"), styles.h1), _p(content.building_alerts_text(pack), styles.body)]
    if len(pack.building_alerts):
        story.append(_table(content.building_alerts_table(pack), styles, [2.6, 1.2, 1, 1.2, 1.8, 4.2]))


SECTION_WRITERS = {"commentary": _commentary, "kpis": _kpis, "targets": _targets, "drivers": _drivers,
                   "trends": _trends, "ranking": _ranking, "sentiment": _sentiment,
                   "building_alerts": _building_alerts, "demands": _demands, "completeness": _completeness,
                   "notes": _notes}
