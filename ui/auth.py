"""Who is using this session, and the one gate for edit actions."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from data_layer.auth import has_role
from ui.shell import t

SESSION_KEY = "auth_user"


@dataclass(frozen=True)
class AuthUser:
    username: str
    role: str
    display_name: str = ""


def current_user() -> AuthUser | None:
    """The signed-in user of this browser session, if any."""
    user = st.session_state.get(SESSION_KEY)
    return user if isinstance(user, AuthUser) else None


def require_role(needed: str) -> AuthUser:
    """Return the signed-in user when they hold `needed`; otherwise explain and stop the page here."""
    user = current_user()
    if user is not None and has_role(user.role, needed):
        return user
    st.warning(t("auth.need_role", role=t(f"auth.role.{needed}")))
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises
