"""Widget defaults that repeat the session's value.

Streamlit sends a value set through st.session_state to the browser only on the run that set it; when the browser
re-creates the widget later it shows the widget's own default (`index`, `default`, `value`) and sends that back with
the next click anywhere. A view seeded from the URL (ui/view_state.py, ui/map_state.py) then jumped after one click:
the goals page's year 2026 became the plan's first year, 2025, when a drivers bar was clicked. Every seeded widget
therefore also gets the held value as its default; .streamlit/config.toml silences the log line Streamlit writes
for a widget that has both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st


def held(key: str, options: Sequence[object]) -> int:
    """The `index` of a keyed selectbox: the option the session holds for `key` (0 when it holds none of them)."""
    value = st.session_state.get(key)
    return list(options).index(value) if value in options else 0


def held_choice(key: str, options: Sequence[object], fallback: object = None) -> Any:
    """`held` for a segmented control's `default`: the option the session holds, else `fallback`."""
    value = st.session_state.get(key)
    return value if value in options else fallback


def held_value(key: str, fallback: object) -> Any:
    """`held` for any other widget's default (a multiselect's list, a slider's number): the session's value."""
    value = st.session_state.get(key, fallback)
    return list(value) if isinstance(value, list | tuple) else value
