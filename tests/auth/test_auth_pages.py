"""The login page, the role gate, the 账号与审计 page and app.py's login gate under AppTest."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from data_layer import users
from data_layer.models import LoginAttempt
from tests.auth.conftest import PASSWORDS, REPO, SETUP, audit_count, url_of
from ui.auth import AuthUser

APP = str(REPO / "app.py")
LOGIN = str(REPO / "app_pages" / "login.py")
ADMIN = str(REPO / "app_pages" / "admin.py")


@pytest.fixture
def env(app_env: pytest.MonkeyPatch, accounts: Engine) -> Engine:
    app_env.setenv("DATABASE_URL", url_of(accounts))
    return accounts


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(name)
    at.text_input(key="login_password").input(password)
    return at.button(key="FormSubmitter:login_form-登录").click().run()


def _user(at: AppTest) -> AuthUser | None:
    return at.session_state["auth_user"] if "auth_user" in at.session_state else None


def _shows_login_form(at: AppTest) -> bool:
    return [w.key for w in at.text_input][:2] == ["login_username", "login_password"]


# ---------------------------------------------------------------------------------------------- login page


def test_a_wrong_password_is_rejected_and_the_right_one_signs_in(env: Engine) -> None:
    at = AppTest.from_file(LOGIN, default_timeout=60).run()
    _sign_in(at, "ed", "not-the-password")
    assert not at.exception
    assert [e.value for e in at.error] == ["用户名或密码错误。"] and _user(at) is None
    assert "login_password" not in at.session_state  # the session does not keep what was typed
    _sign_in(at, "ED", PASSWORDS["ed"])
    assert _user(at) == AuthUser("ed", "editor", "李编辑", source="password")
    assert at.success[0].value == "已登录：李编辑（编辑）。" and not at.text_input


def test_the_rate_limit_engages_after_the_set_number_of_failures(env: Engine, app_env: pytest.MonkeyPatch) -> None:
    app_env.setenv("DASHBOARD_LOGIN_MAX_FAILURES", "3")
    at = AppTest.from_file(LOGIN, default_timeout=60).run()
    for _ in range(3):
        _sign_in(at, "vera", "guess-guess")
        assert at.error[0].value == "用户名或密码错误。"
    _sign_in(at, "vera", PASSWORDS["vera"])  # the right password, too late
    assert at.error[0].value.startswith("登录失败次数过多") and "15" in at.error[0].value
    assert _user(at) is None
    with env.connect() as conn:
        assert conn.execute(select(func.count()).select_from(LoginAttempt)).scalar_one() == 3  # refusals not counted


# ---------------------------------------------------------------------------------------------- role gate


def _edit_page() -> None:
    """Stands for any edit page of the app: the gate, then the edit action."""
    import streamlit as st

    from ui.auth import require_role

    require_role("editor")
    st.button("保存修改", key="save_edit")


@pytest.mark.parametrize(("user", "allowed"), [(None, False), (AuthUser("vera", "viewer"), False),
                                               (AuthUser("tester", "editor"), True), (AuthUser("boss", "admin"), True)])
def test_a_viewer_cannot_reach_edit_actions_and_an_editor_can(user: AuthUser | None, allowed: bool) -> None:
    at = AppTest.from_function(_edit_page, default_timeout=30)
    if user is not None:
        at.session_state["auth_user"] = user
    at.run()
    assert not at.exception
    assert [b.key for b in at.button] == (["save_edit"] if allowed else [])
    assert [w.value for w in at.warning] == ([] if allowed else ["此操作需要“编辑”权限，请先登录有相应权限的账号。"])


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_the_accounts_page_shows_nothing_but_a_warning_to_non_admins(env: Engine, role: str) -> None:
    at = AppTest.from_file(ADMIN, default_timeout=60)
    at.session_state["auth_user"] = AuthUser("someone", role)
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["此操作需要“管理员”权限，请先登录有相应权限的账号。"]
    assert not at.dataframe and not at.button and not at.text_input and not at.tabs


# ---------------------------------------------------------------------------------------------- 账号与审计


@pytest.fixture
def admin_page(env: Engine) -> AppTest:
    at = AppTest.from_file(ADMIN, default_timeout=60)
    at.session_state["auth_user"] = AuthUser("boss", "admin", "王局", source="password")
    return at.run()


def test_admin_manages_accounts_and_every_change_is_audited_via_the_app(env: Engine, admin_page: AppTest) -> None:
    at = admin_page
    assert [tab.label for tab in at.tabs] == ["账号", "展示链接", "审计日志"]
    assert at.dataframe[0].value["用户名"].tolist() == ["boss", "ed", "vera"]
    before = audit_count(env)
    at.text_input(key="add_username").input("Zhao")
    at.text_input(key="add_display").input("赵六")
    at.selectbox(key="add_role").set_value("editor")
    at.text_input(key="add_password").input("Zhao-Pass-2026")
    at.text_input(key="add_password2").input("Zhao-Pass-2026")
    at.button(key="FormSubmitter:add_user-新增").click().run()
    assert not at.exception
    assert at.success[0].value == "已新增账号 zhao。"
    assert users.get_user(env, username="zhao") == users.UserRecord("zhao", "赵六", "editor", True)
    at.selectbox(key="edit_user").set_value("zhao").run()
    at.selectbox(key="edit_role_zhao").set_value("viewer").run()
    at.button(key="save_role").click().run()
    assert users.get_user(env, username="zhao").role == "viewer"  # type: ignore[union-attr]
    at.text_input(key="reset_password").input("Zhao-New-2027")
    at.text_input(key="reset_password2").input("Zhao-New-2027")
    at.button(key="FormSubmitter:reset_password-重置密码").click().run()
    assert at.success[0].value == "已重置 zhao 的密码。"
    at.button(key="toggle_active").click().run()
    assert not users.get_user(env, username="zhao").is_active  # type: ignore[union-attr]
    trail = users.audit_trail(env, user="boss")
    assert sorted(trail["action"]) == ["user_add", "user_disable", "user_password", "user_role"]
    assert set(trail["via"]) == {"app"} and audit_count(env) == before + 4
    assert users.authenticate(env, username="zhao", password="Zhao-New-2027", client="t", max_failures=5,
                              window_minutes=15).outcome == "disabled"


def test_admin_refusals_are_explained(env: Engine, admin_page: AppTest) -> None:
    at = admin_page
    at.text_input(key="add_username").input("li")
    at.text_input(key="add_password").input("Li-Pass-2026")
    at.text_input(key="add_password2").input("Li-Pass-2027")
    at.button(key="FormSubmitter:add_user-新增").click().run()
    assert at.error[0].value == "两次输入的密码不一致。" and users.get_user(env, username="li") is None
    at = AppTest.from_file(ADMIN, default_timeout=60)  # AppTest cannot resend a form whose password was dropped
    at.session_state["auth_user"] = AuthUser("boss", "admin", "王局", source="password")
    at.run()
    at.selectbox(key="edit_user").set_value("boss").run()
    at.button(key="toggle_active").click().run()
    assert at.error[0].value == "不能停用或降级最后一个有效的管理员账号。"


def test_a_kiosk_link_is_shown_once_and_opens_read_only_access(env: Engine, admin_page: AppTest) -> None:
    at = admin_page
    at.text_input(key="kiosk_label").input("三楼会议室")
    at.button(key="FormSubmitter:add_kiosk-生成展示链接").click().run()
    assert not at.exception
    link = at.code[0].value
    token = link.split("kiosk=")[1].split("&")[0]
    assert link.startswith("http") and users.kiosk_grant(env, token=token).label == "三楼会议室"  # type: ignore[union-attr]
    assert "/briefing?kiosk=" in link  # the display link opens the briefing screen, not the overview
    at.run()
    assert not at.code  # shown once
    at.button(key="revoke_kiosk").click().run()
    assert users.kiosk_grant(env, token=token) is None
    assert audit_count(env, "kiosk_create") == 1 and audit_count(env, "kiosk_revoke") == 1


def test_the_audit_trail_filters_and_offers_both_downloads(env: Engine, admin_page: AppTest) -> None:
    users.set_role(env, username="vera", role="editor", by=SETUP)
    users.set_active(env, username="ed", active=False, by=SETUP)
    at = admin_page.run()
    assert at.caption[-1].value == "共 2 条记录（最新在前）"
    table = at.dataframe[-1].value
    assert table["操作"].tolist() == ["停用账号", "修改角色"] and set(table["途径"]) == {"命令行"}
    at.selectbox(key="audit_action").set_value("user_role").run()
    assert at.dataframe[-1].value["记录"].tolist() == ["vera"]
    at.text_input(key="audit_contains").input("no-such-text").run()
    assert at.info[-1].value == "所选条件下没有审计记录。"
    at.text_input(key="audit_contains").input("").run()
    assert len(at.get("download_button")) == 2


# ---------------------------------------------------------------------------------------------- app.py gate


@pytest.fixture
def city_env(app_env: pytest.MonkeyPatch, small_city: Engine) -> Engine:
    app_env.setenv("DATABASE_URL", url_of(small_city))
    return small_city


def _app(**state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    return at


def test_without_the_setting_anyone_may_view_and_the_sidebar_offers_sign_in(city_env: Engine) -> None:
    at = _app().run()
    assert not at.exception and len(at.metric) == 10
    assert at.sidebar.caption[0].value == "未登录：只能查看。修改数据需登录。"


@pytest.mark.parametrize("page", sorted(p.stem for p in (REPO / "app_pages").glob("*.py")))
def test_with_login_required_every_page_asks_for_it_even_right_after_a_restart(
        city_env: Engine, app_env: pytest.MonkeyPatch, page: str) -> None:
    """The first request to a fresh server may name any page."""
    app_env.setenv("DASHBOARD_REQUIRE_LOGIN", "1")
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception
    assert _shows_login_form(at)
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")


def test_sign_in_opens_the_app_and_logout_closes_it(city_env: Engine, app_env: pytest.MonkeyPatch) -> None:
    app_env.setenv("DASHBOARD_REQUIRE_LOGIN", "1")
    at = _app().run()
    assert _shows_login_form(at) and not at.metric
    _sign_in(at, "vera", PASSWORDS["vera"])
    assert len(at.metric) == 10
    assert at.sidebar.text[0].value == "已登录：张查看（查看）"
    at.sidebar.button(key="logout_button").click().run()
    assert _user(at) is None and _shows_login_form(at) and at.success[0].value == "已退出登录。"


def test_a_kiosk_link_shows_the_overview_without_login(city_env: Engine, app_env: pytest.MonkeyPatch) -> None:
    app_env.setenv("DASHBOARD_REQUIRE_LOGIN", "1")
    _, token = users.create_kiosk_token(city_env, label="大屏", by=SETUP)
    at = _app()
    at.query_params["kiosk"] = token
    at.run()
    assert not at.exception and len(at.metric) == 10 and not _shows_login_form(at)
    assert at.sidebar.caption[0].value == "展示模式（只读）" and not at.sidebar.button
    at.run()  # the next rerun (a filter change, the kiosk rotation) keeps the access
    assert len(at.metric) == 10 and at.query_params["kiosk"] == token


@pytest.mark.parametrize("revoke", [True, False])
def test_a_revoked_or_made_up_kiosk_link_asks_for_login(city_env: Engine, app_env: pytest.MonkeyPatch, revoke: bool) -> None:
    app_env.setenv("DASHBOARD_REQUIRE_LOGIN", "1")
    token_id, token = users.create_kiosk_token(city_env, label="大屏", by=SETUP)
    if revoke:
        users.revoke_kiosk_token(city_env, token_id=token_id, by=SETUP)
    at = _app()
    at.query_params["kiosk"] = token if revoke else "made-up-token"
    at.run()
    assert _shows_login_form(at) and not at.metric
    assert at.error[0].value.startswith("展示链接无效或已被撤销")


@pytest.mark.parametrize("required", ["1", "0"])
def test_an_expired_session_is_sent_back_to_login(city_env: Engine, app_env: pytest.MonkeyPatch,
                                                  required: str) -> None:
    app_env.setenv("DASHBOARD_REQUIRE_LOGIN", required)
    app_env.setenv("DASHBOARD_SESSION_IDLE_MINUTES", "30")
    at = _app(auth_user=AuthUser("ed", "editor", "李编辑", "password"), auth_last_active=time.time() - 29 * 60).run()
    assert len(at.metric) == 10 and _user(at) is not None  # 29 idle minutes: still signed in
    at.session_state["auth_last_active"] = time.time() - 31 * 60
    at.run()
    assert not at.exception and _user(at) is None
    assert _shows_login_form(at) and not at.metric
    assert at.warning[0].value == "长时间未操作，已自动退出登录，请重新登录。"


def test_a_disabled_or_demoted_account_changes_at_its_next_click(city_env: Engine) -> None:
    at = _app(auth_user=AuthUser("ed", "editor", "李编辑", "password")).run()
    users.set_role(city_env, username="ed", role="viewer", by=SETUP)
    at.run()
    assert _user(at).role == "viewer"  # type: ignore[union-attr]
    users.set_active(city_env, username="ed", active=False, by=SETUP)
    at.run()
    assert _user(at) is None and at.sidebar.warning[0].value.startswith("该账号已停用")


def test_an_oidc_identity_gets_its_role_from_the_accounts_here(city_env: Engine, app_env: pytest.MonkeyPatch) -> None:
    """Streamlit's st.login fills st.user; a real identity provider cannot be reached here, AppTest seeds it."""
    app_env.setenv("DASHBOARD_REQUIRE_LOGIN", "1")
    users.add_user(city_env, username="li@bureau.gov.cn", password="unused-locally", role="editor", by=SETUP)
    at = _app()
    at.user = {"is_logged_in": True, "email": "Li@Bureau.gov.cn", "name": "李四"}
    at.run()
    assert not at.exception and len(at.metric) == 10
    assert _user(at) == AuthUser("li@bureau.gov.cn", "editor", "李四", source="oidc")
    stranger = _app()
    stranger.user = {"is_logged_in": True, "email": "guest@other.org"}
    stranger.run()
    assert _user(stranger) == AuthUser("guest@other.org", "viewer", "", source="oidc")
    assert len(stranger.metric) == 10
    users.set_active(city_env, username="li@bureau.gov.cn", active=False, by=SETUP)
    blocked = _app()
    blocked.user = {"is_logged_in": True, "email": "li@bureau.gov.cn"}
    blocked.run()
    assert _user(blocked) is None and _shows_login_form(blocked)


def test_admin_url_answers_everyone_but_only_admins_get_the_page(city_env: Engine) -> None:
    """/admin is registered for every signed-in or anonymous session (listed in the menu for admins only, checked
    in the browser test), so a viewer who follows the link reads why instead of Streamlit's "page not found"."""
    for user, admin in ((None, False), (AuthUser("vera", "viewer", "", "password"), False),
                        (AuthUser("boss", "admin", "王局", "password"), True)):
        at = _app(**({"auth_user": user} if user else {})).run()
        at.switch_page("app_pages/admin.py").run()
        assert not at.exception
        assert bool(at.tabs) == admin
        refusal = ["此操作需要“管理员”权限，请先登录有相应权限的账号。"]
        assert [w.value for w in at.warning] == ([] if admin else refusal)


def test_login_page_on_a_missing_store_says_so(app_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    app_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    at = AppTest.from_file(LOGIN, default_timeout=60).run()
    assert not at.exception and at.error[0].value.startswith("数据库暂不可用")
    assert not (tmp_path / "absent.db").exists()


def test_login_page_tells_how_to_create_the_first_admin(app_env: pytest.MonkeyPatch, engine: Engine) -> None:
    app_env.setenv("DATABASE_URL", url_of(engine))
    at = AppTest.from_file(LOGIN, default_timeout=60).run()
    assert "python -m data_layer user add NAME --role admin" in at.code[0].value
