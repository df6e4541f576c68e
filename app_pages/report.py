"""季度通报: the quarterly review pack for a year, quarter and scope, downloaded as PDF or PPTX. The pack is made
when a button is pressed (and cached per data version), not on every rerun of the page."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from data_layer import cached, report
from data_layer.cached import briefing as cb
from data_layer.i18n import localized
from data_layer.periods import Period
from ui.shell import page_context, t

ctx = page_context()
lang = ctx.lang
district_frame = cached.districts(ctx.url, ctx.version)
names = dict(zip(district_frame["code"], district_frame[localized("name", lang)], strict=True))

st.title(t("report.heading"))
st.caption(t("report.intro"))

left, middle, right = st.columns(3)
years = list(range(ctx.last_month.year, ctx.first_month.year - 1, -1))
year = left.selectbox(t("report.filter.year"), years, key="report_year")
first_quarter = (ctx.first_month.month - 1) // 3 + 1 if year == ctx.first_month.year else 1
last_quarter = (ctx.last_month.month - 1) // 3 + 1 if year == ctx.last_month.year else 4
quarters = list(range(first_quarter, last_quarter + 1))
# one widget per year, so a finished year opens at Q4 and the running one at its latest quarter
quarter = middle.selectbox(t("report.filter.quarter"), quarters, index=len(quarters) - 1, key=f"report_quarter_{year}",
                           format_func=lambda q: t("report.quarter_option", q=q))
scope = right.selectbox(t("report.filter.scope"), ["city", *names], key="report_scope",
                        format_func=lambda s: t("filter.all_districts") if s == "city" else names[s])
scope_text = scope if scope == "city" else f"district:{scope}"

period = Period("quarter", year, quarter)
as_of = min(period.end, ctx.last_month)
if as_of < period.end:
    st.info(t("report.incomplete_note", as_of=as_of.strftime("%Y-%m")))
else:
    st.caption(t("report.as_of_note", as_of=as_of.strftime("%Y-%m")))

stem = f"review_{year}Q{quarter}_{scope_text.replace(':', '-')}"
font_problem = None
try:
    report.cjk_font_path()  # also checks that the PDF can embed the font (cached), so a click cannot fail on it
except report.FontMissingError as error:
    font_problem = str(error)  # our own message naming DASHBOARD_CJK_FONT, shown as plain text
# The settings and the minute the file is made are arguments of the cached pack (its "generated at" line).
options = report.PackSettings.from_settings(now=datetime.now(UTC).replace(second=0, microsecond=0))
pdf_column, pptx_column, _ = st.columns([1, 1, 3])
pdf_column.download_button(
    t("report.download_pdf"), key="download_pdf", file_name=f"{stem}.pdf", mime=report.MIME["pdf"],
    data=lambda: cb.review_pack(ctx.url, ctx.version, year, quarter, scope_text, "pdf", lang, options),
    on_click="ignore", icon=":material/picture_as_pdf:", type="primary", disabled=font_problem is not None)
pptx_column.download_button(
    t("report.download_pptx"), key="download_pptx", file_name=f"{stem}.pptx", mime=report.MIME["pptx"],
    data=lambda: cb.review_pack(ctx.url, ctx.version, year, quarter, scope_text, "pptx", lang, options),
    on_click="ignore", icon=":material/slideshow:")
if font_problem:
    st.warning(t("report.pdf_unavailable", setting=report.FONT_SETTING, package="fonts-wqy-microhei"))
    st.text(font_problem)

st.caption(t("report.cli_note"))
st.code(f"python -m data_layer report --year {year} --quarter {quarter} --scope {scope_text} --format pdf "
        f"--out {stem}.pdf", language="bash")
