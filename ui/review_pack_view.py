"""The report page's issue-18 parts: choosing the pack's sections, issuing a pack (archived with the data version
and its figures) and the list of issued packs, each marked "revised since issued" with the figures that changed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_layer import report
from data_layer.aggregates import Scope
from data_layer.auth import has_role
from data_layer.cached import engine
from data_layer.cached import review as cached_review
from data_layer.report import archive, sections
from ui.auth import current_user, shows_names
from ui.shell import t

ISSUED_KEY = "issued_pack_file"


def choose_sections(lang: str) -> tuple[str, ...]:
    """The sections to print (all by default), in the one order both formats follow."""
    chosen = st.multiselect(t("report.sections.choose"), sections.SECTIONS, default=list(sections.SECTIONS),
                            key="report_sections", format_func=lambda code: t(f"report.heading.{code}"))
    return tuple(code for code in sections.SECTIONS if code in chosen)


def render_issue(*, url: str, year: int, quarter: int, scope: str, lang: str, options: report.PackSettings,
                 chosen: tuple[str, ...], stem: str, pdf_ok: bool) -> None:
    """Editors issue the pack: it is made now, archived with the data version and its figures, then offered."""
    st.subheader(t("report.issue.heading"))
    user = current_user()
    if user is None or not has_role(user.role, "editor"):
        st.caption(t("report.issue.editors_only"))
        return
    left, right = st.columns([1, 3])
    fmt_code = left.segmented_control(t("report.issue.format"), report.FORMATS, default="pdf",
                                      key="issue_format", format_func=str.upper) or "pdf"
    if right.button(t("report.issue.button"), key="issue_pack", type="primary",
                    disabled=not chosen or (fmt_code == "pdf" and not pdf_ok)):
        pack = report.build(engine(url), year=year, quarter=quarter, scope=Scope.parse(scope), lang=lang,
                            options=options, sections=chosen)
        data = report.render_pack(pack, fmt=fmt_code)
        number = archive.issue(engine(url), pack=pack, fmt_code=fmt_code, user=user.username)
        st.session_state[ISSUED_KEY] = (number, fmt_code, data)
    issued = st.session_state.get(ISSUED_KEY)
    if issued:
        number, fmt_code, data = issued
        st.success(t("report.issue.done", n=number))
        st.download_button(t("report.issue.download", n=number), data=data, key="download_issued",
                           file_name=f"{stem}_issued{number}.{fmt_code}", mime=report.MIME[fmt_code],
                           on_click="ignore")


def issued_table(frame: pd.DataFrame, *, names: dict[str, str], people: bool) -> pd.DataFrame:
    """The archive as display columns: number, quarter, scope, format, issued by (when `people`:
    data_layer.auth.sees_names) and at, status, changed figures."""
    rows = []
    for _, row in frame.iterrows():
        scope = str(row["scope"])
        changed = "；".join(f"{c['label']}：{c['then']} → {c['now']}" for c in row["changed"])
        rows.append({"id": int(row["id"]), "quarter": f"{row['year']}Q{row['quarter']}",
                     "scope": t("filter.all_districts") if scope == "city" else names.get(scope.partition(":")[2], scope),
                     "format": f"{str(row['format']).upper()} · {row['lang']}",
                     "issued": f"{row['issued_by']} · {str(row['issued_at'])[:16]}" if people
                     else str(row["issued_at"])[:16],
                     "status": t("report.archive.revised" if row["revised"] else "report.archive.current"),
                     "changed": changed})
    return pd.DataFrame(rows, columns=["id", "quarter", "scope", "format", "issued", "status", "changed"])


def render_issued(*, url: str, version: str, names: dict[str, str]) -> None:
    st.subheader(t("report.archive.heading"))
    frame = archive.issued(engine(url), figures_now=lambda y, q, s, lang: cached_review.figures_now(
        url, version, y, q, s, lang))
    if frame.empty:
        st.caption(t("report.archive.none"))
        return
    revised = int(frame["revised"].sum())
    if revised:
        st.warning(t("report.archive.revised_count", n=revised))
    people = shows_names()
    shown = issued_table(frame, names=names, people=people)
    headers = {c: t(f"report.archive.col.{c}") for c in shown.columns} | ({} if people else {
        "issued": t("report.archive.col.issued_at")})
    st.dataframe(shown, hide_index=True, key="issued_packs", column_config=headers)
