"""The 数据管理 page in a real browser on the (read-only) demo city: the editor gate, a template and a table
downloaded as files, offline. A visitor may export tables without user names (district here); the import
history, audit log and feedback name people and are for editors (checked under AppTest in tests/imports)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait for the rerun a click started to finish (a click during a rerun can be lost)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=60_000)


def _download(page, button: str) -> bytes:  # type: ignore[no-untyped-def]
    """Click a download button and return the file. A click that lands while a rerun replaces the button is
    lost on a loaded machine, so one more try is allowed."""
    for attempt in range(2):
        try:
            with page.expect_download(timeout=45_000) as info:
                page.get_by_role("button", name=button, exact=True).click()
            return Path(info.value.path()).read_bytes()
        except PlaywrightTimeout:
            if attempt:
                raise
            _settle(page)
    raise AssertionError("unreachable")


def _section(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stButtonGroup"]').get_by_text(name, exact=True).click()
    _settle(page)


def test_data_page_gates_imports_and_downloads_templates_and_exports(server: str, watched_page) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    page.goto(server + "/")
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="数据管理").click()
    page.get_by_role("heading", name="数据管理").wait_for(timeout=60_000)
    page.get_by_text("此操作需要“编辑”权限").wait_for(timeout=60_000)  # a visitor cannot import

    _section(page, "模板")
    page.get_by_text("各列说明").wait_for(timeout=30_000)
    sheet = load_workbook(io.BytesIO(_download(page, "下载 Excel 模板")))["楼宇基本信息"]
    assert sheet["A1"].value == "楼宇编号" and sheet["B2"].value == "示范国际金融中心"

    _section(page, "导出")
    page.get_by_text("含有用户名，导出需要“编辑”权限", exact=False).wait_for(timeout=30_000)  # visitor: no audit log
    page.get_by_text("共 11 行", exact=False).wait_for(timeout=30_000)
    page.get_by_text("CSV", exact=True).click()
    _settle(page)
    data = _download(page, "下载")
    assert data.startswith(b"\xef\xbb\xbfcode,name_zh") and "天河区".encode() in data
    assert page.locator('[data-testid="stException"]').count() == 0
    assert watched_page.foreign_requests() == []
