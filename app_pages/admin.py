"""账号与审计: accounts and roles, password resets, disabling, kiosk links, and the audit trail (admins only)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from data_layer import cached, export, screens, users
from data_layer.auth import ROLES
from data_layer.settings import get_settings
from ui import screens_view
from ui.admin_view import audit_display, code_label, kiosk_display, kiosk_url, local_today, timezone, users_display
from ui.auth import actor, require_role, store_engine
from ui.shell import current_lang, md, t

me = require_role("admin")
by = actor(me)
engine = store_engine()
if engine is None:
    st.error(t("auth.login.no_store"))
    st.stop()
lang = current_lang()

st.title(t("auth.admin.heading"))
if (message := st.session_state.pop("admin_message", None)) is not None:
    st.success(message)
if (new_url := st.session_state.pop("admin_new_kiosk", None)) is not None:  # above the tabs: it is shown once
    st.warning(t("auth.admin.kiosk.once"))
    st.code(new_url, language=None)


def done(message: str) -> None:
    """Report a change after the rerun, so the tables above the forms already show it."""
    st.session_state["admin_message"] = message
    st.rerun()


def forget(*keys: str) -> None:
    """Drop typed passwords from the session once read (the browser clears the form; the server's copy goes too)."""
    for key in keys:
        st.session_state.pop(key, None)


def store_districts() -> dict[str, str]:
    """District code -> name in the UI language, for the editor-scope choice."""
    url = get_settings().database_url
    frame = cached.districts(url, cached.data_version(url))
    return dict(zip(frame["code"], frame["name_zh" if lang == "zh" else "name_en"], strict=True))


def refused(error: users.UserError) -> None:
    st.error(t(f"auth.error.{error.code}", min=users.MIN_PASSWORD_LENGTH))


# The selected tab is kept across reruns (each change reruns the page to show its effect).
tab_users, tab_kiosk, tab_audit = st.tabs([t(f"auth.admin.tab.{tab}") for tab in ("users", "kiosk", "audit")],
                                          key="admin_tab", on_change="rerun")

with tab_users:
    accounts = users.list_users(engine)
    st.dataframe(users_display(accounts, lang, timezone(), store_districts()), hide_index=True, width="stretch")
    role_label = lambda code: t(f"auth.role.{code}")  # noqa: E731
    with st.expander(t("auth.admin.add.heading"), icon=":material/person_add:"):
        with st.form("add_user", clear_on_submit=True):
            new_name = st.text_input(t("auth.login.username"), key="add_username", max_chars=80)
            new_display = st.text_input(t("auth.admin.display_name"), key="add_display", max_chars=120)
            new_role = st.selectbox(t("auth.admin.role"), ROLES, format_func=role_label, key="add_role")
            first = st.text_input(t("auth.admin.password"), type="password", key="add_password")
            second = st.text_input(t("auth.admin.password_again"), type="password", key="add_password2")
            if st.form_submit_button(t("auth.admin.add.submit"), type="primary"):
                forget("add_password", "add_password2")
                if first != second:
                    st.error(t("auth.error.mismatch"))
                else:
                    try:
                        added = users.add_user(engine, username=new_name, password=first, role=new_role, by=by,
                                               display_name=new_display)
                        done(md("auth.admin.add.done", name=added.username))
                    except users.UserError as error:
                        refused(error)
    if not accounts.empty:
        st.subheader(t("auth.admin.edit.heading"))
        name = st.selectbox(t("auth.admin.edit.pick"), accounts["username"].tolist(), key="edit_user")
        row = accounts.set_index("username").loc[name]
        left, middle, right = st.columns(3)
        with left:
            role = st.selectbox(t("auth.admin.role"), ROLES, index=ROLES.index(row["role"]), format_func=role_label,
                                key=f"edit_role_{name}")
            if st.button(t("auth.admin.edit.save_role"), key="save_role", disabled=role == row["role"]):
                try:
                    users.set_role(engine, username=name, role=role, by=by)
                    done(md("auth.admin.edit.role_done", name=name, role=role_label(role)))
                except users.UserError as error:
                    refused(error)
        with middle, st.form("reset_password", clear_on_submit=True):
            first = st.text_input(t("auth.admin.new_password"), type="password", key="reset_password")
            second = st.text_input(t("auth.admin.password_again"), type="password", key="reset_password2")
            if st.form_submit_button(t("auth.admin.edit.reset")):
                forget("reset_password", "reset_password2")
                try:
                    if first != second:
                        raise users.UserError("mismatch")
                    users.reset_password(engine, username=name, password=first, by=by)
                    done(md("auth.admin.edit.reset_done", name=name))
                except users.UserError as error:
                    refused(error)
        if row["role"] == "editor":  # admins import everywhere; viewers do not import
            districts = store_districts()
            chosen = [c for c in users.parse_districts(row["districts"]) if c in districts]
            scope = st.multiselect(t("auth.admin.districts"), list(districts), default=chosen,
                                   format_func=districts.get, key=f"edit_districts_{name}",
                                   placeholder=t("auth.admin.districts_all"), help=t("auth.admin.districts_help"))
            if st.button(t("auth.admin.districts_save"), key="save_districts", disabled=sorted(scope) == chosen):
                try:
                    users.set_districts(engine, username=name, districts=scope, by=by)
                    done(t("auth.admin.districts_done", name=name))
                except users.UserError as error:
                    refused(error)
        with right:
            active = bool(row["is_active"])
            label = t("auth.admin.edit.disable") if active else t("auth.admin.edit.enable")
            if st.button(label, key="toggle_active", icon=":material/block:" if active else ":material/check:"):
                try:
                    users.set_active(engine, username=name, active=not active, by=by)
                    done(t("auth.admin.edit.disabled" if active else "auth.admin.edit.enabled", name=name))
                except users.UserError as error:
                    refused(error)

with tab_kiosk:
    st.caption(t("auth.admin.kiosk.explain"))
    screen_names = screens.list_screens(engine)["name"].tolist()
    with st.form("add_kiosk", clear_on_submit=True):
        kiosk_label = st.text_input(t("auth.admin.kiosk.label"), key="kiosk_label", max_chars=120)
        for_screen = st.selectbox(t("briefing.screen.for_link"), ["", *screen_names], key="kiosk_screen",
                                  format_func=lambda n: n or t("briefing.screen.for_link_none"))
        if st.form_submit_button(t("auth.admin.kiosk.create"), type="primary"):
            try:
                token_id, token = users.create_kiosk_token(engine, label=kiosk_label, by=by)
                st.session_state["admin_new_kiosk"] = kiosk_url(st.context.url, token, lang, screen=for_screen)
                done(t("auth.admin.kiosk.created", id=token_id))
            except users.UserError as error:
                refused(error)
    tokens = users.list_kiosk_tokens(engine)
    if tokens.empty:
        st.info(t("auth.admin.kiosk.none"))
    else:
        st.dataframe(kiosk_display(tokens, lang, timezone()), hide_index=True, width="stretch")
        live = tokens[tokens["revoked_at"].isna()]
        if not live.empty:
            labels = dict(zip(live["id"], live["label"], strict=True))
            chosen = st.selectbox(t("auth.admin.kiosk.pick"), list(labels), key="revoke_pick",
                                  format_func=lambda i: f"#{i} {labels[i]}")
            if st.button(t("auth.admin.kiosk.revoke"), key="revoke_kiosk", icon=":material/link_off:"):
                users.revoke_kiosk_token(engine, token_id=int(chosen), by=by)
                done(t("auth.admin.kiosk.revoked", id=chosen))
    st.divider()
    screens_view.draw(engine, by=by, tz=timezone(), lang=lang, done=done)

with tab_audit:
    choices = users.audit_choices(engine)
    today = local_today()
    cols = st.columns([2, 1, 1, 1, 1, 2])
    span = cols[0].date_input(t("auth.admin.audit.dates"), (today - timedelta(days=30), today), key="audit_dates")
    start, end = (span[0], span[-1]) if isinstance(span, tuple) and span else (None, None)
    pick = {}
    for column, field in zip(cols[1:5], ("user_name", "action", "table_name", "via"), strict=True):
        options = [None, *(choices[field] if field != "via" else ("app", "cli"))]
        pick[field] = column.selectbox(t(f"auth.admin.audit.{field}"), options, key=f"audit_{field}",
                                       format_func=lambda c, f=field: t("auth.admin.audit.all") if c is None
                                       else (c if f == "user_name" else code_label(f, c)))
    contains = cols[5].text_input(t("auth.admin.audit.contains"), key="audit_contains")
    trail = users.audit_trail(engine, start=start, end=end, user=pick["user_name"], action=pick["action"],
                              table=pick["table_name"], via=pick["via"], contains=contains or None, tz=timezone())
    if trail.empty:
        st.info(t("auth.admin.audit.none"))
    else:
        shown = audit_display(trail, lang)
        st.caption(t("auth.admin.audit.count", n=len(trail)))
        st.dataframe(shown, hide_index=True, width="stretch")
        stamp = pd.Timestamp.now().strftime("%Y%m%d")
        left, right, _ = st.columns([1, 1, 4])
        left.download_button(t("auth.admin.audit.csv"), export.to_csv_bytes(shown), f"audit_{stamp}.csv", "text/csv",
                             key="audit_csv", icon=":material/download:")
        right.download_button(t("auth.admin.audit.xlsx"), export.to_xlsx_bytes(shown, sheet_name="audit"),
                              f"audit_{stamp}.xlsx", key="audit_xlsx", icon=":material/download:",
                              mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
