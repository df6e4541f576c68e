"""The quarterly review pack (季度分析通报) for a year, a quarter and a scope, as PDF or PPTX.

    from data_layer import report
    data = report.render(engine, year=2026, quarter=3, scope=Scope(), fmt="pdf")

Sections (`sections.SECTIONS`, the one list both formats follow; a pack may print a chosen subset): the analyst's
commentary; headline KPIs (the quarter against the previous quarter and last year, the year to date against last
year); the target status table and chart of the scope's plan; what drove the change in building tax; trends; the
district ranking; sentiment by dimension and alerts; open demands; reporting completeness; notes on the data
(as-of date, definitions). `content` (+ `review_content`) gathers the numbers once; `pdf` and `slides` lay them
out. `archive` records issued packs and tells when one has been revised since.
"""

from __future__ import annotations

from sqlalchemy import Engine

from data_layer.aggregates import Scope
from data_layer.report.content import PackSettings, ReportError, ReviewPack, build
from data_layer.report.fonts import FONT_SETTING, FontMissingError, cjk_font_path
from data_layer.report.sections import SECTIONS

FORMATS = ("pdf", "pptx")
MIME = {"pdf": "application/pdf",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}

__all__ = ["FONT_SETTING", "FORMATS", "MIME", "FontMissingError", "PackSettings", "ReportError", "ReviewPack", "SECTIONS",
           "build",
           "cjk_font_path", "render", "render_pack"]


def render_pack(pack: ReviewPack, *, fmt: str) -> bytes:
    """Lay out a gathered pack in `fmt` (pdf or pptx)."""
    if fmt == "pdf":
        from data_layer.report import pdf  # imported on use: reportlab and matplotlib are only needed here

        return pdf.render(pack)
    if fmt == "pptx":
        from data_layer.report import slides

        return slides.render(pack)
    raise ReportError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")


def render(engine: Engine, *, year: int, quarter: int, scope: Scope = Scope(), fmt: str = "pdf", lang: str = "zh",
           options: PackSettings | None = None, sections: tuple[str, ...] = SECTIONS) -> bytes:
    """The pack for quarter `quarter` of `year` in `scope` as file bytes (`sections`: which, sections.SECTIONS)."""
    if fmt not in FORMATS:
        raise ReportError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "pdf":
        cjk_font_path()  # fail early, before the queries, with the message that names the setting
    return render_pack(build(engine, year=year, quarter=quarter, scope=scope, lang=lang, options=options,
                             sections=sections), fmt=fmt)
