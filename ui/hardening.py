"""Framework edges that Streamlit offers no setting for, closed once per process by app.py.

- The websocket's "clear cache" message (the developer menu's item, which the viewer toolbar hides but any
  client can still send) clears every cache of the process for all users, signed in or not: one anonymous
  message would make every open page pay its cold cost again. The app never needs it (writes bump the data
  version, which every cached query takes as a key), so the message is ignored and logged.
"""

from __future__ import annotations

import logging

from streamlit.runtime.app_session import AppSession

log = logging.getLogger("dashboard.hardening")


def _ignore_clear_cache(self: AppSession) -> None:
    log.warning("ignored a clear-cache request from session %s", getattr(self, "id", "?"))


def harden_runtime() -> None:
    """Idempotent: replaces AppSession's clear-cache handler (checked by tests/security)."""
    AppSession._handle_clear_cache_request = _ignore_clear_cache  # type: ignore[method-assign]
