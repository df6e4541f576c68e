"""Keep every page behind app.py's router (and so behind the login gate).

Streamlit serves the scripts of a `pages/` folder directly, the legacy multipage way, until some session of the
process has called `st.navigation`: straight after a restart, a deep link such as /overview would run
pages/overview.py without app.py, skipping the login gate. Every page calls `ensure_routed()` first (through
`ui.shell.page_context`, `ui.auth.require_role` or the login screen); in that legacy run it switches the process to
st.navigation routing and reruns, which goes through app.py. Renaming the folder would remove the cause."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_routed() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # what st.navigation itself sets on its first call
        st.rerun()
