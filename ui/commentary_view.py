"""The goals page's commentary tab: the quarter's key findings and a note per indicator, with who wrote them and
when; editors edit them until the quarter is marked final. Text written by staff is shown as plain text."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from data_layer import commentary
from data_layer.auth import Actor, has_role
from data_layer.cached import engine
from data_layer.cached import review as cached_review
from ui.auth import actor, current_user, shows_names
from ui.shell import plain, t


def _who(row: Mapping, people: bool) -> str:
    """When a note was written, and by whom for those who may see names (data_layer.auth.sees_names)."""
    at = str(row["updated_at"])[:16]
    return t("review.notes.by", user=plain(str(row["updated_by"])), at=at) if people else t("review.notes.at", at=at)


def render_commentary(*, url: str, version: str, plan_code: str, year: int, quarter: int, scope: str,
                      indicators: Mapping[str, str]) -> None:
    """`indicators`: code -> name of the plan's indicators, in the table's order."""
    st.caption(t("review.notes.caption", year=year, quarter=quarter))
    frame = cached_review.notes(url, version, plan_code, year, quarter, scope)
    final = cached_review.final_state(url, version, plan_code, year, quarter, scope)
    by_code = {str(r["indicator"]): r for r in frame.to_dict("records")}
    people = shows_names()
    st.subheader(t("review.notes.findings"))
    if commentary.FINDINGS in by_code:
        st.text(by_code[commentary.FINDINGS]["text"])
        st.caption(_who(by_code[commentary.FINDINGS], people))
    else:
        st.caption(t("review.notes.empty"))
    notes = [(code, name) for code, name in indicators.items() if code in by_code]
    if notes:
        st.subheader(t("review.notes.per_indicator"))
        for code, name in notes:
            st.markdown(f"**{plain(name)}**")
            st.text(by_code[code]["text"])
            st.caption(_who(by_code[code], people))
    if final:
        at = str(final["final_at"])[:16]
        st.info(t("review.notes.final", user=plain(str(final["final_by"])), at=at) if people
                else t("review.notes.final_plain", at=at))
        return
    user = current_user()
    if user is None or not has_role(user.role, "editor"):
        st.caption(t("review.notes.editors_only"))
        return
    _editor(url=url, plan_code=plan_code, year=year, quarter=quarter, scope=scope, indicators=indicators,
            by_code=by_code, who=actor(user))


def _editor(*, url: str, plan_code: str, year: int, quarter: int, scope: str, indicators: Mapping[str, str],
            by_code: Mapping[str, Mapping], who: Actor) -> None:
    key: commentary.QuarterKey = {"plan_code": plan_code, "year": year, "quarter": quarter, "scope": scope}
    suffix = f"{plan_code}_{year}_{quarter}_{scope}"
    options = [commentary.FINDINGS, *indicators]
    st.markdown(t("review.notes.edit"))
    # outside the form, so choosing another note reruns and opens it with its current text
    code = st.selectbox(t("review.notes.which"), options, key=f"review_note_which_{suffix}",
                        format_func=lambda c: t("review.notes.findings") if c == "" else indicators[c])
    with st.form(f"review_note_form_{suffix}"):
        current = str(by_code[code]["text"]) if code in by_code else ""
        text = st.text_area(t("review.notes.text"), value=current, key=f"review_note_text_{suffix}_{code}",
                            max_chars=commentary.MAX_CHARS, help=t("review.notes.text_help"))
        saved = st.form_submit_button(t("review.notes.save"), type="primary")
    if saved:
        try:
            changed = commentary.save_note(engine(url), actor=who, indicator=code, text=text, **key)
        except commentary.CommentaryFinal:
            st.error(t("review.notes.is_final"))
            return
        st.toast(t("review.notes.saved" if changed else "review.notes.unchanged"))
        st.rerun()
    if st.button(t("review.notes.mark_final"), key=f"review_final_{suffix}", help=t("review.notes.mark_final_help")):
        commentary.mark_final(engine(url), actor=who, **key)
        st.rerun()
