"""What every page needs first: the UI language (kept in the URL) and a usable store, or a clear message."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from datetime import date

import streamlit as st
from streamlit.errors import StreamlitAPIException, StreamlitPageNotFoundError

from data_layer import cached
from data_layer.i18n import LANGUAGES, translate
from data_layer.settings import get_settings


def current_lang() -> str:
    """The URL's `lang` wins; then this session's last choice; then the configured default."""
    lang = st.query_params.get("lang") or st.session_state.get("lang") or get_settings().locale
    return lang if lang in LANGUAGES else "zh"


def t(key: str, **values: object) -> str:
    return translate(key, current_lang(), **values)


# Every page's style (app.py): a metric's value is a little smaller than Streamlit's 2.25rem and wraps at its space
# (keep-all: "亿元" stays whole) instead of ending in "…": a fifth of a 1,500 px page held "298.61 …" for
# "298.61 亿元". Its label wraps too ("入驻率（面积加权）" read "入驻率（面…" at 1,280 px).
PAGE_STYLE = """<style>
[data-testid="stMetricValue"] { font-size: 1.75rem; }
[data-testid="stMetricValue"] > [data-testid="stMarkdownContainer"],
[data-testid="stMetricValue"] > [data-testid="stMarkdownContainer"] p {
  white-space: normal; word-break: keep-all; overflow: visible; text-overflow: clip; }
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"] p {
  white-space: normal; overflow: visible; text-overflow: clip; }
</style>"""

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
# GitHub-flavoured autolinks (http://…, www.…, name@host) are found in the text after escapes are resolved, so
# backslashes do not stop them: a zero-width space after the scheme, "www" or "@" does, invisibly.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|www|@)(?=\\[:.]|[^\s]*\\\.)")
_ZERO_WIDTH_SPACE = "\u200b"


def plain(text: object) -> str:
    """Text from the data or the URL made inert for Streamlit's Markdown (every special character
    backslash-escaped, autolinks broken), for the widgets that render Markdown: st.markdown, captions, alerts,
    subheaders, metric and widget labels."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    return _AUTOLINK.sub(lambda m: m.group(1) + _ZERO_WIDTH_SPACE, escaped)


def md(key: str, **values: object) -> str:
    """t() for the elements that render Markdown (st.markdown, captions, alerts, metric and widget labels): every
    value (a name from the data, a file's text, what a user typed) goes in through plain(), so an imported
    district called `![i](http://x/p.png)**A**` shows as typed and makes the browser fetch nothing."""
    return t(key, **{name: plain(value) if isinstance(value, str) else value for name, value in values.items()})


_CHOICE_TYPES = (str, int, float, date)


def _is_choice(value: object) -> bool:
    """A value a select box, multiselect, segmented control, slider or input holds (one or several options), as
    opposed to a button's or a checkbox's flag or a table's, chart's or uploader's state, which cannot be set. An
    empty choice (None, []) is left alone: it shows a translated placeholder already, and an empty file uploader
    holds the same values but refuses to be set."""
    def one(item: object) -> bool:
        return isinstance(item, _CHOICE_TYPES) and not isinstance(item, bool)

    return one(value) or (isinstance(value, (list, tuple)) and bool(value) and all(one(v) for v in value))


def redraw_choices(*, keep: tuple[str, ...] = ("lang_switch",)) -> None:
    """After a language switch, make the browser redraw every widget's chosen option in the new language. A keyed
    select box otherwise keeps showing its option as first formatted (年初至今 on an English page): the browser takes
    the value again only when the script sets it, so each chosen value is set to itself."""
    state = st.session_state
    for key in [k for k in state.keys() if k not in keep and _is_choice(state[k])]:
        try:
            state[key] = state[key]
        except StreamlitAPIException:
            continue


def keep_lang_in_url(lang: str) -> None:
    st.session_state["lang"] = lang
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang


@dataclass(frozen=True)
class PageContext:
    url: str
    version: str
    lang: str
    first_month: date
    last_month: date


def page_context(*, guide: bool = False) -> PageContext:
    """Check the store and return what a page needs; on a store that cannot be used, explain and stop. `guide`:
    on a store without monthly data yet, show the first-day guide (what is loaded, the next step) there."""
    lang = current_lang()
    keep_lang_in_url(lang)
    url = get_settings().database_url
    status = cached.store_status(url)
    if status.code == "needs_upgrade":
        new = cached.upgrade_schema(url)
        st.toast(t("store.upgraded", old=status.revision, new=new))
        status = cached.store_status(url)
    if status.code in {"missing", "newer", "unreadable"}:
        st.error(t(f"store.{status.code}", revision=status.revision or ""))
        if status.detail:
            with st.expander(t("store.detail")):
                st.text(status.detail)
        st.stop()
    version = cached.data_version(url)
    first, last = cached.month_bounds(url, version)
    if status.code == "empty" or first is None:
        if guide:  # a bureau's first day: what is loaded and the next file, instead of empty charts
            from data_layer.cached import imports as cached_imports
            from ui.first_day import render_guide

            render_guide(cached_imports.loaded(url, version), t, today=get_settings().today, key="guide")
        else:
            st.info(t("store.empty"))
        st.stop()
    return PageContext(url=url, version=version, lang=lang, first_month=first, last_month=last)


def page_link(page: str, *, url_path: str, label: str, icon: str, params: dict[str, str]) -> None:
    """A link to another page (`app_pages/<file>`) with its query parameters. A page run on its own (AppTest), outside
    st.navigation, cannot name other pages: it shows the same link as Markdown to `url_path` instead."""
    try:
        st.page_link(page, label=label, icon=icon, query_params=params)
    except StreamlitPageNotFoundError:
        st.markdown(f"[{label}]({url_path}?{urllib.parse.urlencode(params)})")
