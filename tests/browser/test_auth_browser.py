"""Login required, in a real browser against a freshly started server: every page asks for login (even a deep link
as the very first request), a kiosk link opens the overview without one, a viewer cannot reach the accounts page
while an admin can use it, and the server log never holds a typed password."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from data_layer import db, users
from data_layer.auth import Actor
from tests.browser.conftest import serve

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SETUP = Actor("setup", "admin", "cli")
PASSWORDS = {"boss": "Boss-Browser-2026", "vera": "Vera-Browser-2026", "wrong": "Not-Her-Password-1"}
PAGE_PATHS = sorted(set(re.findall(r'url_path="([^"]+)"', (REPO / "app.py").read_text(encoding="utf-8"))))


@dataclass(frozen=True)
class AuthServer:
    base: str
    url: str
    token: str
    log: Path


@pytest.fixture(scope="module")
def auth_server(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthServer]:
    """A copy of the demo city with three accounts and a kiosk link, served with DASHBOARD_REQUIRE_LOGIN=1."""
    folder = tmp_path_factory.mktemp("auth_server")
    shutil.copy(demo_url.removeprefix("sqlite:///"), folder / "demo.db")
    url = f"sqlite:///{folder / 'demo.db'}"
    engine = db.make_engine(url)
    users.add_user(engine, username="boss", password=PASSWORDS["boss"], role="admin", by=SETUP, display_name="王局")
    users.add_user(engine, username="vera", password=PASSWORDS["vera"], role="viewer", by=SETUP)
    _, token = users.create_kiosk_token(engine, label="会议室", by=SETUP)
    engine.dispose()
    log = folder / "streamlit.log"
    with serve(url, log, DASHBOARD_REQUIRE_LOGIN="1") as running:
        yield AuthServer(running.base, url, token, log)


def _login_form(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("用户名").wait_for(timeout=60_000)


def _sign_in(page, name: str, password: str) -> None:  # type: ignore[no-untyped-def]
    _login_form(page)
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_every_page_asks_for_login_even_as_the_first_request_after_a_start(auth_server: AuthServer,
                                                                           watched_page) -> None:
    """Runs first: until some session calls st.navigation, Streamlit would serve pages/*.py directly."""
    page = watched_page.page
    assert {"overview", "login", "admin"} <= set(PAGE_PATHS)
    for path in ["overview", *[p for p in PAGE_PATHS if p != "overview"], ""]:
        page.goto(f"{auth_server.base}/{path}")
        _login_form(page)
        page.wait_for_timeout(500)  # let any page content that would follow the form arrive
        assert page.locator('[data-testid="stMetric"]').count() == 0, path
        assert page.locator('[data-testid="stDataFrame"]').count() == 0, path
        assert page.locator('[data-testid="stException"]').count() == 0, path
        assert page.get_by_role("heading", name="登录").count() == 1, path
    assert watched_page.foreign_requests() == []


def test_a_kiosk_link_opens_the_overview_without_a_login_prompt(auth_server: AuthServer, watched_page) -> None:
    page = watched_page.page
    page.goto(f"{auth_server.base}/?kiosk={auth_server.token}")
    page.get_by_text("楼宇经济总览").wait_for(timeout=60_000)
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stMetric"]').count() == 10
    assert page.get_by_label("用户名").count() == 0
    assert page.locator("[data-testid=stSidebar]").get_by_text("展示模式（只读）").count() == 1
    # the accounts page is not part of a kiosk link: its URL lands back on the overview
    page.goto(f"{auth_server.base}/admin?kiosk={auth_server.token}")
    page.get_by_text("楼宇经济总览").wait_for(timeout=60_000)
    assert page.get_by_text("账号与审计").count() == 0 and page.get_by_label("用户名").count() == 0
    assert watched_page.foreign_requests() == []


def test_a_viewer_cannot_reach_the_accounts_page_and_an_admin_can(auth_server: AuthServer, browser) -> None:  # type: ignore[no-untyped-def]
    viewer = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    viewer.goto(f"{auth_server.base}/admin")
    _sign_in(viewer, "vera", PASSWORDS["wrong"])
    viewer.get_by_text("用户名或密码错误。").wait_for(timeout=30_000)
    _sign_in(viewer, "vera", PASSWORDS["vera"])
    viewer.get_by_text("此操作需要“管理员”权限").wait_for(timeout=60_000)  # the deep link, now signed in
    sidebar = viewer.locator("[data-testid=stSidebar]")
    assert sidebar.get_by_text("已登录：vera（查看）").count() == 1
    assert viewer.get_by_role("tab").count() == 0 and viewer.get_by_text("新增账号").count() == 0
    assert sidebar.get_by_text("账号与审计").count() == 0  # not in the menu either
    viewer.context.close()

    admin = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    admin.goto(f"{auth_server.base}/login")
    _sign_in(admin, "boss", PASSWORDS["boss"])
    admin.get_by_text("楼宇经济总览").wait_for(timeout=60_000)  # sign-in on /login goes on to the overview
    admin.locator("[data-testid=stSidebar]").get_by_text("账号与审计").click()
    admin.get_by_role("tab", name="展示链接").wait_for(timeout=60_000)
    admin.get_by_role("tab", name="展示链接").click()
    admin.get_by_label("名称（放置地点）").fill("二楼大厅")
    admin.get_by_role("button", name="生成展示链接").click()
    admin.get_by_text("已生成展示链接").wait_for(timeout=30_000)
    link = admin.locator('[data-testid="stCode"]').first.inner_text()
    assert "kiosk=" in link
    admin.context.close()

    engine = db.make_engine(auth_server.url)
    token = link.split("kiosk=")[1].split("&")[0].strip()
    assert users.kiosk_grant(engine, token=token).label == "二楼大厅"  # type: ignore[union-attr]
    trail = users.audit_trail(engine, user="boss")
    engine.dispose()
    assert trail[["action", "via"]].values.tolist() == [["kiosk_create", "app"]]
    server_log = auth_server.log.read_text(encoding="utf-8")
    assert "sign-in failed user=vera" in server_log
    for password in PASSWORDS.values():
        assert password not in server_log
