"""The login screen: app_pages/login.py draws it, and so does every page's stand-in while login is required."""

from __future__ import annotations

import math

import streamlit as st

from data_layer import users
from data_layer.settings import get_settings
from ui.auth import (
    FLASH_KEY,
    AuthUser,
    client_key,
    current_user,
    oidc_configured,
    oidc_provider,
    sign_in,
    sign_out,
    store_engine,
)
from ui.shell import md, t

_FLASH_KIND = {"expired": st.warning, "signed_out": st.success, "disabled": st.error, "kiosk_invalid": st.error}


def login_screen() -> None:
    st.title(t("auth.login.title"))
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash in _FLASH_KIND:
        _FLASH_KIND[flash](t(f"auth.flash.{flash}"))
    user = current_user()
    if user is not None:
        st.success(md("auth.login.already", name=user.label, role=t(f"auth.role.{user.role}")))
        st.button(t("auth.logout"), key="login_logout", icon=":material/logout:", on_click=sign_out,
                  kwargs={"flash": "signed_out"})
        return
    engine = store_engine()
    if engine is None:
        st.error(t("auth.login.no_store"))
        st.stop()
    if oidc_configured():
        st.button(t("auth.login.oidc"), key="login_oidc", icon=":material/badge:", type="primary",
                  on_click=st.login, args=(oidc_provider(),) if oidc_provider() else ())
        st.caption(t("auth.login.oidc_or_local"))
    if users.count_users(engine) == 0:
        st.info(t("auth.login.no_accounts"))
        st.code("python -m data_layer user add NAME --role admin", language="bash")
    with st.form("login_form", clear_on_submit=True):  # clear: the password must not linger in session state
        username = st.text_input(t("auth.login.username"), key="login_username", max_chars=80)
        password = st.text_input(t("auth.login.password"), key="login_password", type="password", max_chars=256)
        submitted = st.form_submit_button(t("auth.login.submit"), type="primary")
    if not submitted:
        return
    # The browser clears the form (clear_on_submit); drop the server's copy of the password now, too.
    del st.session_state["login_password"]
    if not username.strip() or not password:
        st.error(t("auth.login.missing"))
        return
    settings = get_settings()
    result = users.authenticate(engine, username=username, password=password, client=client_key(),
                                max_failures=settings.login_max_failures, window_minutes=settings.login_window_minutes,
                                max_accounts_per_client=settings.login_max_accounts_per_client)
    if result.outcome == "locked":
        st.error(t("auth.login.locked", minutes=max(1, math.ceil(result.retry_after_seconds / 60))))
    elif result.outcome == "disabled":
        st.error(t("auth.login.disabled"))
    elif result.outcome != "ok" or result.user is None:
        st.error(t("auth.login.invalid"))
    else:
        account = result.user
        sign_in(AuthUser(account.username, account.role, account.display_name, source="password"))
        st.rerun()
