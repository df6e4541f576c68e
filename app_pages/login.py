"""登录: the username/password form (or the identity provider's button), and logout for a signed-in session."""

from __future__ import annotations

from ui.login import login_screen

login_screen()
