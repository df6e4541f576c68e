"""The building profile and the registration-gap page under AppTest: an editor sees the tax, a signed-in viewer
its band, and an anonymous or kiosk session receives no tax at all (not in any table, text or metric)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from tests.enterprises.conftest import ENTERPRISES
from ui.auth import AuthUser

REPO = Path(__file__).resolve().parents[2]
TAX_HEADERS = {"年度纳税额（万元）", "纳税年度", "纳税档次"}
BAND_WORDS = ("1,000万元及以上", "100-1,000万元", "10-100万元", "10万元以下", "未报送")


@pytest.fixture
def env(register: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", register.url.render_as_string(hide_password=False))


def _run(page: str, params: dict[str, str], role: str | None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app_pages" / page), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    if role is not None:
        at.session_state["auth_user"] = AuthUser("someone", role)
    at.run()
    assert not at.exception, at.exception
    return at


def _everything(at: AppTest) -> tuple[set[str], str]:
    """Every dataframe header, and all text the page sent (cells, captions, metrics, markdown)."""
    headers: set[str] = set()
    texts: list[str] = []
    for frame in at.dataframe:
        value: pd.DataFrame = frame.value
        headers |= {str(c) for c in value.columns}
        texts.append(value.to_csv())
    for element in (*at.caption, *at.markdown, *at.info, *at.subheader):
        texts.append(str(element.value))
    texts += [f"{m.label} {m.value}" for m in at.metric]
    return headers, "\n".join(texts)


@pytest.mark.parametrize(("page", "params"), [("building.py", {"id": "1"}),
                                              ("registration.py", {"district": "D1"})])
@pytest.mark.parametrize(("role", "kiosk"), [(None, False), (None, True), ("editor", True)])
def test_anonymous_and_kiosk_sessions_receive_no_enterprise_tax(env: None, page: str, params: dict[str, str],
                                                                role: str | None, kiosk: bool) -> None:
    at = _run(page, params | ({"kiosk": "a-display-token"} if kiosk else {}), role)
    headers, text = _everything(at)
    assert "丙咨询有限公司" in text  # the enterprises themselves are listed
    assert not TAX_HEADERS & headers
    assert "1500" not in text and "1,500" not in text
    assert not any(word in text for word in BAND_WORDS)


@pytest.mark.parametrize(("page", "params"), [("building.py", {"id": "1"}),
                                              ("registration.py", {"district": "D1"})])
def test_a_viewer_sees_bands_and_an_editor_the_tax(env: None, page: str, params: dict[str, str]) -> None:
    headers, text = _everything(_run(page, params, "viewer"))
    assert "纳税档次" in headers and not {"年度纳税额（万元）", "纳税年度"} & headers
    assert "1500" not in text and "1,500" not in text
    assert "10-100万元" in text
    headers, text = _everything(_run(page, params, "editor"))
    assert TAX_HEADERS <= headers
    # the largest value in each list: E1's 1,500 in building 1; E5's 200 heads the district's gap (E1 is registered)
    assert ("1500.0" if page == "building.py" else "200.0") in text


def test_the_profile_lists_the_buildings_enterprises_with_the_headquarters_marked(env: None) -> None:
    at = _run("building.py", {"id": "1"}, "editor")
    table = next(f.value for f in at.dataframe if "企业名称" in f.value.columns)
    assert table["企业名称"].tolist() == ["【总部】" + ENTERPRISES[1][0], ENTERPRISES[6][0], ENTERPRISES[2][0],
                                      ENTERPRISES[3][0]]
    assert table["年度纳税额（万元）"].tolist()[:3] == [1500.0, 80.0, 50.0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["注册率（月度统计，官方口径）"] == "75.0%"  # 3 of 4 in the monthly return
    assert metrics["注册率（企业名录口径）"] == "50.0%"  # E1 and E6 of E1, E2, E3, E6


def test_the_gap_page_lists_the_districts_unregistered_enterprises_and_keeps_its_filters_in_the_url(env: None) -> None:
    at = _run("registration.py", {"district": "D1"}, "editor")
    table = next(f.value for f in at.dataframe if "企业名称" in f.value.columns)
    assert table["企业名称"].tolist() == [ENTERPRISES[i][0] for i in (5, 6, 2, 3)]
    assert table["序号"].tolist() == [1, 2, 3, 4]
    assert at.query_params["district"] == ["D1"] or at.query_params["district"] == "D1"
    at.selectbox(key="gap_street").set_value(1).run()
    table = next(f.value for f in at.dataframe if "企业名称" in f.value.columns)
    assert table["企业名称"].tolist() == [ENTERPRISES[2][0], ENTERPRISES[3][0]]  # building 1 is on street 1
    assert at.get("download_button")


def test_the_gap_page_works_in_a_city_whose_buildings_have_no_streets(env: None, register: Engine) -> None:
    from sqlalchemy import text

    with register.begin() as conn:
        conn.execute(text("UPDATE building SET street_id = NULL"))
        conn.execute(text("UPDATE store_meta SET value = value || 'x' WHERE key = 'data_version'"))
    at = _run("registration.py", {"district": "D1", "building": "2"}, "viewer")
    table = next(f.value for f in at.dataframe if "企业名称" in f.value.columns)
    assert table["企业名称"].tolist() == [ENTERPRISES[5][0], ENTERPRISES[6][0]]  # building 2: E5, E6


def test_the_overview_keeps_the_official_rate_and_shows_the_register_based_one_beside_it(env: None) -> None:
    at = _run("overview.py", {}, None)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["注册率"] == "72.7%"  # official: (3 + 0 + 5) / (4 + 2 + 5) from the monthly statistics
    line = next(c.value for c in at.caption if "企业名录口径" in c.value)
    # register: E1, E6 of building 1 and E4 of building 3 registered, of 7 active: 3 / 7 = 42.9 %
    assert "42.9%（3 / 7 家）" in line and "相差 -29.9 个百分点" in line


def test_the_wall_screen_shows_no_enterprise_and_no_enterprise_tax_in_any_panel(env: None) -> None:
    at = AppTest.from_file(str(REPO / "app_pages" / "briefing.py"), default_timeout=60)
    at.query_params["kiosk"] = "a-display-token"
    at.session_state["auth_user"] = AuthUser("boss", "admin")  # even an admin's screen
    at.run()
    for _ in range(5):  # every panel in turn
        assert not at.exception
        bodies = "\n".join(element.proto.body for element in at.get("html"))
        assert "1500" not in bodies and "1,500" not in bodies
        assert not any(name in bodies for name, _tax in ENTERPRISES.values())
        assert not any(word in bodies for word in BAND_WORDS)
        at.run()


def test_changing_the_district_after_a_street_drops_the_street_and_the_building(env: None) -> None:
    at = _run("registration.py", {"district": "D1", "street": "1", "building": "1"}, "viewer")
    assert at.selectbox(key="gap_building").value == 1
    at.selectbox(key="gap_district").set_value("D2").run()
    assert not at.exception
    assert at.selectbox(key="gap_street").value is None and at.selectbox(key="gap_building").value is None
    assert "street" not in at.query_params and "building" not in at.query_params
    assert any("所选范围内没有" in i.value for i in at.info)  # D2's only enterprise is registered there


@pytest.mark.parametrize(("role", "kiosk"), [(None, False), (None, True), ("editor", True), ("viewer", False),
                                             ("editor", False)])
def test_the_moves_page_lists_the_moves_with_tax_only_as_the_role_allows(env: None, role: str | None,
                                                                        kiosk: bool) -> None:
    # 24 months through January 2026: E1 (1,500 万元) arrived in building 1 in 2025-01; E4 moved from building 1
    # (last month 2025-12) to building 3 in January; E6 opened building 2 in 2025-09 while in building 1 since March
    at = _run("moves.py", {"span": "24"} | ({"kiosk": "a-display-token"} if kiosk else {}), role)
    headers, text = _everything(at)
    table = next(f.value for f in at.dataframe if "企业名称" in f.value.columns)
    moved = table[table["企业名称"] == ENTERPRISES[4][0]]
    assert moved[["类型", "迁出地", "迁入地", "月份"]].values.tolist() == [["市内迁移", "测试楼1", "测试楼3", "2026-01"]]
    assert table.loc[table["企业名称"] == ENTERPRISES[6][0], "类型"].tolist() == ["新增场所", "市外迁入/新设"]  # latest first
    assert "【总部】" + ENTERPRISES[1][0] in table["企业名称"].tolist()
    # the headquarters on the map, same month (run alone, the page shows its links as Markdown)
    assert "(map?colour=headquarters&period=month-2026-1)" in " ".join(m.value for m in at.markdown)
    if role == "editor" and not kiosk:
        assert "年度纳税额（万元）" in headers and "1500.0" in text
    elif role == "viewer":
        assert "纳税档次" in headers and "年度纳税额（万元）" not in headers and "1500" not in text
    else:
        assert not TAX_HEADERS & headers and "1500" not in text and "1,500" not in text
        assert not any(word in text for word in BAND_WORDS)
