"""Who is using this session, the one gate for edit actions, and the login gate app.py puts in front of the pages.

A session is signed in when `st.session_state["auth_user"]` holds an `AuthUser`: set by the login form (password),
by an OIDC identity mapped to an account here (`st.login`, when `[auth]` is configured in secrets.toml), or by a
test. A session idle for longer than `session_idle_minutes` is signed out at its next interaction.
A kiosk link (`?kiosk=<token>`) opens the read-only pages without an account, even where login is required.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import streamlit as st
from sqlalchemy import Engine

from data_layer import cached, users
from data_layer.auth import Actor, has_role, sees_names
from data_layer.settings import get_settings
from ui.shell import t

SESSION_KEY = "auth_user"
LAST_ACTIVE_KEY = "auth_last_active"  # time.time() of this session's last run while signed in
FLASH_KEY = "auth_flash"  # one message for the login page: expired, signed_out, disabled, kiosk_invalid
JUST_SIGNED_IN_KEY = "auth_just_signed_in"
KIOSK_KEY = "auth_kiosk"  # the kiosk token, put back into the URL on every run like the language
_SIDEBAR_FLASHES = {"signed_out", "disabled", "kiosk_invalid"}


@dataclass(frozen=True)
class AuthUser:
    username: str
    role: str
    display_name: str = ""
    # How the session signed in: "password" or "oidc". Empty for sessions set up directly (tests); only signed-in
    # sessions are checked against the account table on every run.
    source: str = ""

    @property
    def label(self) -> str:
        return self.display_name or self.username


def current_user() -> AuthUser | None:
    """The signed-in user of this browser session, if any."""
    user = st.session_state.get(SESSION_KEY)
    return user if isinstance(user, AuthUser) else None


def shows_names() -> bool:
    """Whether this session may see which colleague did something (data_layer.auth.sees_names)."""
    user = current_user()
    return sees_names(user.role if user is not None else None)


def actor(user: AuthUser) -> Actor:
    """The audit identity of a change made in the app by `user`."""
    return Actor(name=user.username, role=user.role, via="app")


def require_role(needed: str) -> AuthUser:
    """Return the signed-in user when they hold `needed`; otherwise explain and stop the page here."""
    expire_if_idle()
    user = current_user()
    if user is not None and has_role(user.role, needed):
        return user
    st.warning(t("auth.need_role", role=t(f"auth.role.{needed}")))
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def role_now(user: AuthUser | None, url: str) -> str | None:
    """The role `user` holds at this moment, read from the store at `url` without the session (a download's file is
    made in a server thread after the click, where no session is current). None: anonymous, or an account that was
    disabled or removed since the page was drawn; an IdP identity without an account is a viewer."""
    if user is None:
        return None
    if not user.source:
        return user.role  # a session set up directly (tests) is not backed by an account
    account = users.get_user(cached.engine(url), username=user.username)
    if account is None:
        return "viewer" if user.source == "oidc" else None
    return account.role if account.is_active else None


def download_data(build: Callable[[str | None], bytes], *, needed: str | None = None) -> Callable[[], bytes]:
    """A download button's data, made when it is clicked for the role its user holds *then*: a download does not
    rerun the page (on_click="ignore"), so without this an editor disabled or demoted after the page was drawn could
    still take a backup or a table of names from it. `build` gets that role; below `needed` the file is refused
    (Streamlit shows "Failed to generate file for download" under the button)."""
    user, url = current_user(), get_settings().database_url

    def data() -> bytes:
        role = role_now(user, url)
        if needed is not None and not has_role(role, needed):
            raise PermissionError(f"download needs the {needed} role; the account now holds {role or 'none'}")
        return build(role)

    return data


# ---------------------------------------------------------------------------------------------- session


def sign_in(user: AuthUser) -> None:
    st.session_state[SESSION_KEY] = user
    st.session_state[LAST_ACTIVE_KEY] = time.time()
    st.session_state[JUST_SIGNED_IN_KEY] = True


def sign_out(flash: str | None = None) -> None:
    """Forget the signed-in user (and the identity provider's cookie when they came through OIDC)."""
    user = current_user()
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(LAST_ACTIVE_KEY, None)
    if flash:
        st.session_state[FLASH_KEY] = flash
    if user is not None and user.source == "oidc" and st.user.get("is_logged_in"):
        st.logout()


def expire_if_idle(now: float | None = None) -> bool:
    """Sign the session out when it has been idle too long (True then); otherwise note this run as activity."""
    if current_user() is None:
        return False
    now = time.time() if now is None else now
    last = st.session_state.get(LAST_ACTIVE_KEY)
    if isinstance(last, (int, float)) and now - last > get_settings().session_idle_minutes * 60:
        sign_out(flash="expired")
        return True
    st.session_state[LAST_ACTIVE_KEY] = now
    return False


def client_key() -> str:
    """Who is knocking, for the per-client rate limits: the address DASHBOARD_TRUSTED_PROXY_HOPS hops back along
    X-Forwarded-For and the socket ("local" on loopback). With no trusted proxy the header is ignored: anyone
    can write it, and a forged one must neither dodge the limit nor lock a colleague's address out."""
    try:
        forwarded = st.context.headers.get("X-Forwarded-For", "")
        ip = st.context.ip_address
    except Exception:
        forwarded, ip = "", None
    return client_address(forwarded if isinstance(forwarded, str) else "", ip if isinstance(ip, str) else "",
                          hops=get_settings().trusted_proxy_hops)


def client_address(forwarded: str, socket_ip: str, *, hops: int) -> str:
    """The client's address from the X-Forwarded-For header and the socket address, trusting `hops` proxies:
    each appends the address it was reached from, so the client is `hops` entries from the right."""
    chain = [part.strip() for part in forwarded.split(",") if part.strip()] + [socket_ip or "local"]
    return chain[max(0, len(chain) - 1 - hops)][:80]


def store_engine() -> Engine | None:
    """The store's engine when the auth tables can be read (upgrading an older schema like page_context does)."""
    url = get_settings().database_url
    status = cached.store_status(url)
    if status.code == "needs_upgrade":
        cached.upgrade_schema(url)
        status = cached.store_status(url)
    return cached.engine(url) if status.usable else None


# ---------------------------------------------------------------------------------------------- OIDC


def oidc_configured() -> bool:
    """True when secrets.toml has an [auth] section: Streamlit then reports `is_logged_in` in st.user."""
    return st.user.get("is_logged_in") is not None


def oidc_provider() -> str | None:
    """The named provider when [auth] holds exactly one [auth.<name>] table; None for the unnamed form."""
    try:
        section = st.secrets.get("auth", {})
    except Exception:
        return None
    named = [key for key, value in section.items() if isinstance(value, Mapping)]
    return named[0] if len(named) == 1 else None


def _oidc_user(engine: Engine | None) -> AuthUser | None:
    """Map the identity provider's user to an account here: roles live in app_user (user name = e-mail or
    preferred_username). An identity with no account is a viewer; a disabled account gets nothing."""
    if not st.user.get("is_logged_in"):
        return None
    identity = str(st.user.get("email") or st.user.get("preferred_username") or st.user.get("sub") or "")
    identity = users.normalise_username(identity)
    if not identity or engine is None:
        return None
    account = users.get_user(engine, username=identity)
    name = str(st.user.get("name") or "")
    if account is None:
        return AuthUser(identity, "viewer", name, source="oidc")
    if not account.is_active:
        return None
    return AuthUser(account.username, account.role, account.display_name or name, source="oidc")


# ---------------------------------------------------------------------------------------------- the gate


@dataclass(frozen=True)
class Gate:
    """What this run may show: a signed-in user, a kiosk link, or neither; `closed` when login is required and
    neither is there (then every page is the login form)."""

    user: AuthUser | None
    kiosk: users.KioskGrant | None
    closed: bool
    expired: bool

    @property
    def is_admin(self) -> bool:
        return self.user is not None and has_role(self.user.role, "admin")


def _refresh(user: AuthUser, engine: Engine | None) -> AuthUser | None:
    """Re-read a signed-in user's account, so disabling or demoting someone takes effect at their next click."""
    if not user.source or engine is None:
        return user
    account = users.get_user(engine, username=user.username)
    if account is None:
        return user if user.source == "oidc" else None  # an IdP identity without an account stays a viewer
    if not account.is_active:
        return None
    if account.role != user.role or (account.display_name and account.display_name != user.display_name):
        user = AuthUser(user.username, account.role, account.display_name or user.display_name, user.source)
        st.session_state[SESSION_KEY] = user
    return user


def _kiosk(engine: Engine | None) -> users.KioskGrant | None:
    token = st.query_params.get("kiosk") or st.session_state.get(KIOSK_KEY)
    if not token:
        return None
    grant = users.kiosk_grant(engine, token=token) if engine is not None else None
    if grant is None:
        st.session_state.pop(KIOSK_KEY, None)
        st.query_params.pop("kiosk", None)
        st.session_state[FLASH_KEY] = "kiosk_invalid"
        return None
    st.session_state[KIOSK_KEY] = token
    if st.query_params.get("kiosk") != token:
        st.query_params["kiosk"] = token  # page switches drop query parameters; keep the link reloadable
    return grant


def session_lapse() -> str | None:
    """For reruns that do not pass app.py's gate (a `run_every` fragment such as the briefing rotation): why this
    session may no longer see data, or None. "expired": a signed-in session's idle time has run out (a rotation is
    not activity: only a full run, a click, refreshes it); "disabled": its account was disabled, demoted or
    removed; "revoked": its kiosk link was revoked (a kiosk screen has no idle expiry: it runs for weeks);
    "login": nobody is signed in where login is required. A store that cannot be read is no lapse: the screen's
    own store check shows a calm message."""
    user = current_user()
    if user is not None:
        last = st.session_state.get(LAST_ACTIVE_KEY)
        if isinstance(last, (int, float)) and time.time() - last > get_settings().session_idle_minutes * 60:
            return "expired"
        return "disabled" if user.source and _account_lapsed(user) else None
    token = st.session_state.get(KIOSK_KEY)
    if token:
        return "revoked" if _kiosk_lapsed(str(token)) else None
    return "login" if get_settings().require_login else None


def _account_lapsed(user: AuthUser) -> bool:
    try:
        account = users.get_user(cached.engine(get_settings().database_url), username=user.username)
    except Exception:
        return False
    if account is None:
        return user.source != "oidc"
    return not account.is_active or account.role != user.role


def _kiosk_lapsed(token: str) -> bool:
    try:
        return users.kiosk_grant(cached.engine(get_settings().database_url), token=token) is None
    except Exception:
        return False


def open_gate() -> Gate:
    """Work out who this run is for. Touches the store only when there is someone or something to check."""
    expired = expire_if_idle()
    user = current_user()
    needs_store = (user is not None and bool(user.source)) or bool(st.query_params.get("kiosk")
                                                                  or st.session_state.get(KIOSK_KEY))
    needs_store = needs_store or (user is None and bool(st.user.get("is_logged_in")))
    engine = store_engine() if needs_store else None
    if user is not None:
        refreshed = _refresh(user, engine)
        if refreshed is None:
            sign_out(flash="disabled")
        user = refreshed
    if user is None and not expired:
        oidc = _oidc_user(engine)
        if oidc is not None:
            sign_in(oidc)
            st.session_state.pop(JUST_SIGNED_IN_KEY, None)  # the IdP already brought them back to a page
            user = oidc
    kiosk = _kiosk(engine) if user is None else None
    closed = user is None and kiosk is None and get_settings().require_login
    return Gate(user=user, kiosk=kiosk, closed=closed, expired=expired)


def _path(page: st.Page) -> str:
    # `url_path` reads "" for the default page; the registered path is what kiosk lists and stand-ins need.
    return getattr(page, "_url_path", page.url_path)


def arrange(gate: Gate, pages: Mapping[str, Sequence[st.Page]], *, root: st.Page, account: Sequence[st.Page],
            kiosk_paths: Sequence[str], login_screen: Callable[[], None]) -> dict[str, list[st.Page]]:
    """The pages to register for this run; `root` is the hidden default page at "/" (it opens the overview).

    - kiosk link: only the pages in `kiosk_paths` (read-only screens), no account pages;
    - login required and nobody signed in: the login page plus, under every other page's URL (and at "/"), a
      hidden stand-in that shows the login form, so a deep link asks for login and opens its page after sign-in;
    - otherwise: every page plus the account pages."""
    everything = [p for group in pages.values() for p in group] + list(account)
    if gate.kiosk is not None:
        kept = {section: [p for p in group if _path(p) in kiosk_paths] for section, group in pages.items()}
        kept = {section: group for section, group in kept.items() if group}
        shown = [p for group in kept.values() for p in group]
        # Any other URL on a wall screen lands on its first page instead of Streamlit's "page not found".
        back = [st.Page(lambda: st.switch_page(shown[0]), title=p.title, url_path=_path(p), visibility="hidden")
                for p in everything if p not in shown]
        return {**kept, "": [root, *back]}
    if gate.closed:
        login = next(p for p in account if _path(p) == "login")
        stand_ins = [st.Page(login_screen, title=p.title, icon=p.icon or None, url_path=_path(p),
                             default=p._default, visibility="hidden")
                     for p in [root, *everything] if p is not login]
        return {"": [*stand_ins, login]}
    return {**{section: list(group) for section, group in pages.items()}, t("auth.section.account"): list(account),
            "": [root]}


def redirect(gate: Gate, current: st.Page, *, login: st.Page, registered: Mapping[str, Sequence[st.Page]]) -> None:
    """After st.navigation: an expired session goes to the login page; a fresh sign-in on the login page goes
    on to the default page."""
    just_signed_in = st.session_state.pop(JUST_SIGNED_IN_KEY, False)
    if gate.expired and not gate.closed and current is not login:
        st.switch_page(login)
    if just_signed_in and current is login and gate.user is not None:
        home = next((p for group in registered.values() for p in group if p._default), None)
        if home is not None and home is not login:
            st.switch_page(home)  # the root page, which opens the overview


def account_sidebar(gate: Gate, current: st.Page, login: st.Page) -> None:
    """Who is signed in and a logout button; a sign-in link when no one is; a note in kiosk mode. A message
    meant for the login page (signed out, link revoked) shows here when the session stays on another page."""
    if current is not login and not gate.closed and st.session_state.get(FLASH_KEY) in _SIDEBAR_FLASHES:
        flash = st.session_state.pop(FLASH_KEY)
        (st.success if flash == "signed_out" else st.warning)(t(f"auth.flash.{flash}"))
    if gate.kiosk is not None:
        st.caption(t("auth.kiosk_mode"))
        return
    if gate.closed:
        return
    if gate.user is None:
        st.page_link(login, label=t("auth.sign_in"), icon=":material/login:")
        st.caption(t("auth.anonymous"))
        return
    st.text(t("auth.signed_in_as", name=gate.user.label, role=t(f"auth.role.{gate.user.role}")))
    st.button(t("auth.logout"), key="logout_button", icon=":material/logout:", on_click=sign_out,
              kwargs={"flash": "signed_out"})
