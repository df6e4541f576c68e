"""Tables of the 账号与审计 page in the reader's language: codes become words, columns get headers.
Pure apart from `timezone()`/`local_today()`, which read the browser's time zone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import streamlit as st

from data_layer.i18n import table, translate
from data_layer.settings import get_settings

# Which translation prefix names each code column's values.
_CODE_PREFIX = {"action": "auth.action", "table_name": "auth.table", "via": "auth.via", "role": "auth.role"}


def timezone() -> str:
    """The browser's time zone (audit times are shown and filtered in it); DASHBOARD_TIMEZONE when the browser
    does not say or names a zone this server does not know."""
    fallback = get_settings().timezone
    name = st.context.timezone or fallback
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
    return name


def local_today() -> date:
    return datetime.now(ZoneInfo(timezone())).date()


def code_label(field: str, code: str, lang: str | None = None) -> str:
    """The word for a stored code; a code this app does not know yet (another area's new action) shows as is."""
    key = f"{_CODE_PREFIX[field]}.{code}"
    if key not in table():
        return code
    if lang is None:
        from ui.shell import current_lang

        lang = current_lang()
    return translate(key, lang)


def _headers(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.rename(columns={c: translate(f"auth.admin.col.{c}", lang) for c in frame.columns})


def users_display(frame: pd.DataFrame, lang: str, tz: str, district_names: Mapping[str, str] | None = None
                  ) -> pd.DataFrame:
    if frame.empty:
        return frame
    out = frame.copy()
    out["role"] = out["role"].map(lambda c: code_label("role", c, lang))
    if "districts" in out.columns:
        names = district_names or {}
        sep = translate("map.list_sep", lang)
        out["districts"] = out["districts"].map(
            lambda d: sep.join(names.get(c, c) for c in d.split(",")) if d else translate("auth.admin.districts_all",
                                                                                        lang))
    out["is_active"] = out["is_active"].map(lambda on: translate(f"auth.admin.{'active' if on else 'disabled'}", lang))
    for column in ("created_at", "last_login_at"):
        out[column] = pd.to_datetime(out[column], utc=True).dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M")
    return _headers(out, lang)


def kiosk_display(frame: pd.DataFrame, lang: str, tz: str) -> pd.DataFrame:
    out = frame.copy()
    state = out["revoked_at"].isna().map({True: "live", False: "revoked_state"})
    out.insert(2, "status", state.map(lambda s: translate(f"auth.admin.kiosk.{s}", lang)))
    for column in ("created_at", "revoked_at"):
        out[column] = pd.to_datetime(out[column], utc=True).dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M")
    out["revoked_at"] = out["revoked_at"].fillna("")
    return _headers(out, lang)


def audit_display(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The audit rows with words for actions, tables and doors; old and new values stay as stored (JSON)."""
    out = frame.drop(columns=["id"]).copy()
    for column in ("action", "table_name", "via"):
        out[column] = out[column].map(lambda c, f=column: code_label(f, c, lang))
    out["at"] = out["at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    out[["old_value", "new_value"]] = out[["old_value", "new_value"]].fillna("")  # an insert has no old value
    return _headers(out, lang)


def kiosk_url(current_url: str | None, token: str, lang: str, screen: str = "") -> str:
    """The briefing screen's URL carrying the kiosk token (derived from the URL the admin is on): a display link
    is for the wall screen, and the app's root would open the overview with its sidebar instead. `screen`: the
    named screen it shows (data_layer.screens)."""
    parts = urlsplit(current_url or "http://localhost:8501/admin")
    path = parts.path.rsplit("/", 1)[0]  # drop the page, keep any base path the proxy adds
    query = {"kiosk": token, "lang": lang} | ({"screen": screen} if screen else {})
    return f"{parts.scheme}://{parts.netloc}{path}/briefing?{urlencode(query)}"
