"""The 大屏配置 section of the 账号与审计 page (under 展示链接): the named wall screens, a form to save one (new or
edited) and a delete button. The rules and the role check live in data_layer.screens; this draws and reports."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from data_layer import screens
from data_layer.auth import Actor
from data_layer.briefing import PANELS
from ui.shell import t

DEFAULT_SECONDS = 20


def _panel_name(code: str) -> str:
    return t(f"briefing.panel.{code}")


def screens_table(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The saved screens in words: panels with their seconds in rotation order, the pinned panel, the link text."""
    out = pd.DataFrame({
        "name": frame["name"],
        "panels": [" → ".join(f"{_panel_name(code)} {seconds}" for code, seconds in screens.parse_panels(text))
                   for text in frame["panels"]],
        "pin": [_panel_name(pin) if pin else "" for pin in frame["pin"]],
        "link": [f"&screen={name}" for name in frame["name"]],
        "updated_by": frame["updated_by"],
        "updated_at": pd.to_datetime(frame["updated_at"], utc=True).dt.tz_convert(ZoneInfo(tz)).dt.strftime(
            "%Y-%m-%d %H:%M"),
    })
    return out.rename(columns={c: t(f"briefing.screen.col.{c}") for c in out.columns})


def draw(engine: Engine, *, by: Actor, tz: str, lang: str, done: Callable[[str], None]) -> None:
    """The section: the list, then the form for a new screen or the one picked, then its delete button."""
    st.subheader(t("briefing.screen.heading"))
    st.caption(t("briefing.screen.explain"))
    saved = screens.list_screens(engine)
    if saved.empty:
        st.info(t("briefing.screen.none"))
    else:
        st.dataframe(screens_table(saved, tz), hide_index=True, width="stretch")
    chosen = st.selectbox(t("briefing.screen.pick"), ["", *saved["name"].tolist()], key="screen_pick",
                          format_func=lambda name: name or t("briefing.screen.new"))
    current = screens.get_screen(engine, name=chosen) if chosen else None
    seconds_now = dict(current.panels) if current else {}
    suffix = chosen or "new"  # widgets per screen, so picking another one shows its values
    with st.form(f"screen_form_{suffix}"):
        name = st.text_input(t("briefing.screen.name"), value=chosen, max_chars=40, key=f"screen_name_{suffix}",
                             disabled=current is not None)
        order = st.multiselect(t("briefing.screen.panels"), list(PANELS), format_func=_panel_name,
                               default=[code for code, _ in current.panels] if current else list(PANELS),
                               key=f"screen_panels_{suffix}")
        st.caption(t("briefing.screen.seconds_help", min=screens.MIN_SECONDS, max=screens.MAX_SECONDS))
        columns = st.columns(len(PANELS))
        seconds = {code: column.number_input(t("briefing.screen.seconds", panel=_panel_name(code)), step=1,
                                             value=int(seconds_now.get(code, DEFAULT_SECONDS)),
                                             key=f"screen_seconds_{suffix}_{code}")
                   for column, code in zip(columns, PANELS, strict=True)}
        pins = ["", *PANELS]
        pin = st.selectbox(t("briefing.screen.pin"), pins, index=pins.index(current.pin) if current else 0,
                           format_func=lambda code: _panel_name(code) if code else t("briefing.screen.pin_none"),
                           key=f"screen_pin_{suffix}")
        if st.form_submit_button(t("briefing.screen.save"), type="primary"):
            try:
                kept = screens.save_screen(engine, name=chosen or name, panels=[(c, seconds[c]) for c in order],
                                           pin=pin, by=by, create=current is None)
                done(t("briefing.screen.saved", name=kept.name))
            except screens.ScreenError as error:
                st.error(error.text(lang))
    if current is not None and st.button(t("briefing.screen.delete"), key="screen_delete",
                                         icon=":material/delete:"):
        screens.delete_screen(engine, name=current.name, by=by)
        done(t("briefing.screen.deleted", name=current.name))

