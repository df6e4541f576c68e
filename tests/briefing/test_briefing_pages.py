"""The briefing page under AppTest: the panels in turn, fresh data at the next rotation, a failing panel that shows a
calm placeholder and is logged, stores that cannot be used, and the kiosk link through app.py."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_layer import briefing, db, screens, users
from data_layer.auth import Actor, PermissionDenied
from data_layer.summaries import bump_data_version
from ui import auth
from ui import briefing_view as view

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "app_pages" / "briefing.py")
NEXT_KEY = "briefing_next_panel"


def _bodies(at: AppTest) -> list[str]:
    return [element.proto.body for element in at.get("html")]


def _panel(at: AppTest) -> str:
    """The name in the panel bar."""
    for body in _bodies(at):
        match = re.search(r'<span class="name">([^<]*)</span>', body)
        if match:
            return match.group(1)
    raise AssertionError("no panel bar drawn")


def test_the_panels_rotate_through_all_five(demo_env: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    seen = [_panel(at)]
    for _ in range(5):
        at.run()  # what the fragment's timer does: the next run shows the next panel
        assert not at.exception
        assert not any('class="bf bf-calm"' in body for body in _bodies(at)), _panel(at)
        seen.append(_panel(at))
    assert seen == ["核心指标（年初至今）", "年度目标进度", "各区楼宇税收分布", "营商环境感知与预警", "各区动态排名",
                    "核心指标（年初至今）"]


def test_the_kpi_panel_shows_the_stores_figures(demo_env: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    with db.make_engine(demo_env).connect() as conn:
        reporting = conn.execute(text("SELECT COUNT(*) FROM building_month WHERE month = '2026-10-01'")).scalar()
    html = "".join(_bodies(at))
    assert f'<div class="value">{reporting:,}<span class="unit">栋</span>' in html
    assert "数据截至 2026年10月" in html


def test_an_import_shows_at_the_next_rotation(monkeypatch: pytest.MonkeyPatch, demo_copy: str) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_copy)
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert '<div class="value">31<span class="unit">栋</span>' in "".join(_bodies(at))  # super-A buildings
    engine = db.make_engine(demo_copy)
    with engine.begin() as conn:  # a grading import: one more super-A building, and a new data version
        conn.execute(text("UPDATE building SET grade = 'super_a' WHERE id = (SELECT MIN(id) FROM building "
                          "WHERE grade = 'b')"))
        bump_data_version(conn)
    at.session_state[NEXT_KEY] = 0  # back to the KPI panel, as after one full turn
    at.run()
    assert '<div class="value">32<span class="unit">栋</span>' in "".join(_bodies(at))


def test_a_failing_panel_shows_a_calm_placeholder_and_is_logged(demo_env: str, monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("ranking query failed")

    monkeypatch.setattr(briefing, "district_ranking", broken)
    engine = db.make_engine(demo_env)
    with engine.begin() as conn:  # a ranking another test stored for this data version would answer instead
        conn.execute(text("DELETE FROM stored_result"))
    engine.dispose()
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[NEXT_KEY] = 4  # the rankings panel
    with caplog.at_level(logging.ERROR, logger="dashboard.briefing"):
        at.run()
    assert not at.exception
    assert _panel(at) == "各区动态排名"
    assert any("本板块暂时无法显示" in body for body in _bodies(at))
    assert not any("ranking query failed" in body for body in _bodies(at))
    assert any("rankings" in record.getMessage() and record.exc_info for record in caplog.records)
    at.run()  # the next panel is drawn normally
    assert _panel(at) == "核心指标（年初至今）" and not at.exception


@pytest.mark.sqlite_only
def test_a_missing_store_is_explained_not_a_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert "python -m data_layer demo" in at.error[0].value


def test_english_is_a_switch_in_the_url(demo_env: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert _panel(at) == "Headline figures (year to date)"


def test_a_district_screen_shows_the_district(demo_env: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["scope"] = "district:440106"
    at.session_state[NEXT_KEY] = 1
    at.run()
    html = "".join(_bodies(at))
    assert "天河区 · 数据截至" in html
    assert "天河区楼宇经济三年行动计划" in html  # the district's own plan


@pytest.mark.sqlite_only
def test_a_kiosk_link_opens_the_briefing_where_login_is_required(monkeypatch: pytest.MonkeyPatch,
                                                                 demo_copy: str) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_copy)
    monkeypatch.setenv("DASHBOARD_REQUIRE_LOGIN", "1")
    _, token = users.create_kiosk_token(db.make_engine(demo_copy), label="大屏",
                                        by=Actor(name="setup", role="admin", via="cli"))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["kiosk"] = token
    at.run()
    at.switch_page("app_pages/briefing.py").run()
    assert not at.exception
    assert not at.text_input  # no login form
    assert _panel(at) == "核心指标（年初至今）"
    gated = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    gated.switch_page("app_pages/briefing.py").run()  # the same URL without the token
    assert gated.text_input and not any('class="name"' in body for body in _bodies(gated))  # the login form


def test_a_revoked_kiosk_link_goes_dark_at_the_next_rotation(monkeypatch: pytest.MonkeyPatch, demo_copy: str) -> None:
    """Fragment reruns never pass app.py's gate again: every rotation re-checks the token."""
    monkeypatch.setenv("DATABASE_URL", demo_copy)
    engine = db.make_engine(demo_copy)
    admin = Actor(name="setup", role="admin", via="cli")
    token_id, token = users.create_kiosk_token(engine, label="大屏", by=admin)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[auth.KIOSK_KEY] = token  # what app.py keeps for a kiosk session
    at.run()
    assert _panel(at) == "核心指标（年初至今）"
    at.run()
    assert _panel(at) == "年度目标进度"
    users.revoke_kiosk_token(engine, token_id=token_id, by=admin)
    at.run()
    assert not at.exception and not at.error
    assert any("本展示链接已停用" in body for body in _bodies(at))
    assert not any('class="name"' in body for body in _bodies(at))  # no panel, no data
    at.run()  # and it stays dark without rotating on
    assert any("本展示链接已停用" in body for body in _bodies(at))
    assert at.session_state[NEXT_KEY] == 2


def test_a_signed_in_session_is_not_checked_as_a_kiosk(demo_env: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[auth.KIOSK_KEY] = "stale-token-from-before-sign-in"
    at.session_state[auth.SESSION_KEY] = auth.AuthUser("boss", "admin")
    at.run()
    assert _panel(at) == "核心指标（年初至今）"


def test_a_store_that_becomes_unreadable_shows_a_calm_placeholder(demo_env: str, monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert _panel(at) == "核心指标（年初至今）"
    real = db.store_status
    monkeypatch.setattr(db, "store_status", lambda engine: db.StoreStatus("unreadable", detail="disk I/O error"))
    with caplog.at_level(logging.ERROR, logger="dashboard.briefing"):
        at.run()
    assert not at.exception and not at.error and not at.expander  # no red box, no raw error
    assert any("数据暂时无法读取，稍后自动重试" in body for body in _bodies(at))
    assert not any("disk I/O error" in body for body in _bodies(at))
    assert any("disk I/O error" in record.getMessage() for record in caplog.records)
    monkeypatch.setattr(db, "store_status", lambda engine: db.StoreStatus("missing"))  # the file went away
    at.run()
    assert not at.error and any("数据暂时无法读取" in body for body in _bodies(at))
    monkeypatch.setattr(db, "store_status", real)
    at.run()  # the next rotation draws again
    assert not at.exception and '<span class="name">' in "".join(_bodies(at))


def test_an_unknown_district_says_so_and_shows_the_city(demo_env: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["scope"] = "district:UNKNOWN"
    at.run()
    html = "".join(_bodies(at))
    assert not at.exception
    assert "未找到区域“UNKNOWN”，现显示全市数据。" in html
    assert "全市 · 数据截至" in html
    with db.make_engine(demo_env).connect() as conn:  # the city's figures, not zeros
        reporting = conn.execute(text("SELECT COUNT(*) FROM building_month WHERE month = '2026-10-01'")).scalar()
    assert f'<div class="value">{reporting:,}<span class="unit">栋</span>' in html


def test_the_clock_and_updated_time_are_in_the_configured_zone(demo_env: str, utc_process: None) -> None:
    before = datetime.now(ZoneInfo("Asia/Shanghai"))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    after = datetime.now(ZoneInfo("Asia/Shanghai"))
    html = "".join(_bodies(at))
    clock = re.search(r'<span class="time">(\d\d):(\d\d):\d\d</span>', html)  # the browser ticks it on
    assert clock and f"{clock.group(1)}:{clock.group(2)}" in {f"{before:%H:%M}", f"{after:%H:%M}"}
    updated = briefing.data_updated_at(db.make_engine(demo_env))
    assert f"更新于 {view.local_time(updated, ZoneInfo('Asia/Shanghai'))}" in html


def test_the_link_chooses_the_panels_their_order_and_seconds(demo_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """panels=map:2,kpis with a 1 s interval: the map stays two ticks (the timer beats every gcd(2, 1) = 1 s),
    then the KPIs one, then the map again; the rest are not shown."""
    monkeypatch.setenv("DASHBOARD_KIOSK_INTERVAL", "1")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["panels"] = "map:2,kpis,bogus"
    seen = []
    for _ in range(5):
        at.run()
        assert not at.exception
        seen.append(_panel(at))
    assert seen == ["各区楼宇税收分布", "各区楼宇税收分布", "核心指标（年初至今）", "各区楼宇税收分布", "各区楼宇税收分布"]


def test_a_pinned_panel_stays(demo_env: str) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["pin"] = "rankings"
    for _ in range(3):
        at.run()
        assert _panel(at) == "各区动态排名"
    assert "相邻两区最小差距" in "".join(_bodies(at))  # every rank is unchanged in the demo city: it says why


def test_a_new_session_resumes_at_the_panel_in_the_url_and_keeps_it_there(demo_env: str) -> None:
    """What a reconnect after a server restart does: a new session with the URL the screen last wrote."""
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["panel"] = "alerts"
    at.run()
    assert _panel(at) == "营商环境感知与预警"
    at.run()
    assert _panel(at) == "各区动态排名" and at.query_params["panel"] == "rankings"


def test_old_data_raise_the_stale_banner(demo_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's newest month is 2026-10: read on 2026-11-20 it is one month old (normal); on 2027-02-15 four,
    beyond the default two."""
    monkeypatch.setenv("DASHBOARD_TODAY", "2026-11-20")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert 'class="bf bf-banner"' not in "".join(_bodies(at))
    monkeypatch.setenv("DASHBOARD_TODAY", "2027-02-15")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert "数据已 4 个月未更新：最新数据月份为 2026年10月（超过 2 个月即提示）" in "".join(_bodies(at))
    monkeypatch.setenv("DASHBOARD_STALE_MONTHS", "4")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert 'class="bf bf-banner"' not in "".join(_bodies(at))


def test_a_named_screen_saved_by_an_admin_drives_the_kiosk_screens_that_name_it(monkeypatch: pytest.MonkeyPatch,
                                                                                demo_copy: str) -> None:
    """An admin saves 三楼 on the 账号与审计 page: 地图 40 s, then 排名 20 s and 核心指标 20 s. A kiosk screen opened
    with ?screen=三楼 shows those three in that order, the map for two 20-second ticks (40 s); the link's own pin=
    wins; an edit shows at the next tick; a viewer cannot save, and bad seconds or panels are refused in words."""
    monkeypatch.setenv("DATABASE_URL", demo_copy)
    engine = db.make_engine(demo_copy)
    with pytest.raises(PermissionDenied):  # the data layer checks the role itself
        screens.save_screen(engine, name="三楼", panels=[("map", 40)], by=Actor(name="vera", role="viewer"))
    boss = Actor(name="boss", role="admin")
    with pytest.raises(screens.ScreenError) as refused:
        screens.save_screen(engine, name="三楼", panels=[("map", 40), ("kpis", 2)], by=boss)
    assert refused.value.text() == "第 2 个面板“核心指标（年初至今）”的停留时间 2 秒超出范围：须为 5–3600 之间的整数秒。"
    with pytest.raises(screens.ScreenError) as refused:
        screens.save_screen(engine, name="三楼", panels=[("weather", 30)], by=boss)
    assert refused.value.text() == "第 1 个面板“weather”不存在，可选：kpis、targets、map、alerts、rankings。"
    assert screens.list_screens(engine).empty

    admin = AppTest.from_file(str(REPO / "app_pages" / "admin.py"), default_timeout=60)
    admin.session_state[auth.SESSION_KEY] = auth.AuthUser("boss", "admin")
    admin.run()
    admin.text_input(key="screen_name_new").input("三楼")
    admin.multiselect(key="screen_panels_new").set_value(["map", "rankings", "kpis"])
    admin.number_input(key="screen_seconds_new_map").set_value(40)
    admin.button(key="FormSubmitter:screen_form_new-保存大屏配置").click().run()
    assert not admin.exception and not admin.error
    assert admin.success[0].value == "已保存大屏配置“三楼”：展示链接后加 &screen=三楼 使用。"
    assert users.audit_trail(engine, action="screen_save")["user_name"].tolist() == ["boss"]

    _, token = users.create_kiosk_token(engine, label="三楼会议室", by=boss)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[auth.KIOSK_KEY] = token
    at.query_params["screen"] = "三楼"
    shown = []
    for _ in range(5):
        at.run()  # one tick of the fragment's timer each
        assert not at.exception
        shown.append(_panel(at))
    assert shown == ["各区楼宇税收分布", "各区楼宇税收分布", "各区动态排名", "核心指标（年初至今）", "各区楼宇税收分布"]
    assert "".join(_bodies(at)).count("●") == 3  # a dot per panel of the screen

    screens.save_screen(engine, name="三楼", panels=[("targets", 30), ("alerts", 30)], by=boss)  # edited
    at.run()
    assert _panel(at) == "年度目标进度"
    at.run()
    assert _panel(at) == "营商环境感知与预警"

    pinned = AppTest.from_file(PAGE, default_timeout=60)
    pinned.query_params["screen"] = "三楼"
    pinned.query_params["pin"] = "rankings"  # the link's own parameter wins over the saved screen
    pinned.run()
    assert _panel(pinned) == "各区动态排名"

    screens.delete_screen(engine, name="三楼", by=boss)
    at.run()
    assert not at.exception
    assert "未找到名为“三楼”的大屏配置" in "".join(_bodies(at))
    assert "".join(_bodies(at)).count("●") == 5  # every panel again
