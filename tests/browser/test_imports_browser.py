"""The 数据管理 page in a real browser on the (read-only) demo city: the editor gate, a template and a table
downloaded as files, offline. A visitor may export tables without user names (district here); the import
history, audit log and feedback name people and are for editors (checked under AppTest in tests/imports)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.browser.actions import download, open_from_sidebar, rerun_after

pytestmark = pytest.mark.browser


def _section(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Pick a segmented-control choice and wait for the rerun it starts to finish."""
    rerun_after(page, lambda: page.locator('[data-testid="stButtonGroup"]').get_by_text(name, exact=True)
                .click(timeout=30_000))


def test_data_page_gates_imports_and_downloads_templates_and_exports(server: str, watched_page) -> None:  # type: ignore[no-untyped-def]
    page = watched_page.page
    page.goto(server + "/")
    open_from_sidebar(page, "数据管理", "数据管理")
    page.get_by_text("此操作需要“编辑”权限").wait_for(timeout=60_000)  # a visitor cannot import

    _section(page, "模板")
    page.get_by_text("各列说明").wait_for(timeout=30_000)
    sheet = load_workbook(io.BytesIO(download(page, "下载 Excel 模板")))["楼宇基本信息"]
    assert sheet["A1"].value == "楼宇编号" and sheet["B2"].value == "示范国际金融中心"

    _section(page, "导出")
    page.get_by_text("含有用户名，导出需要“编辑”权限", exact=False).wait_for(timeout=30_000)  # visitor: no audit log
    page.get_by_text("共 11 行", exact=False).wait_for(timeout=30_000)
    _section(page, "CSV")
    data = download(page, "下载")
    assert data.startswith(b"\xef\xbb\xbfcode,name_zh") and "天河区".encode() in data
    assert page.locator('[data-testid="stException"]').count() == 0
    assert watched_page.foreign_requests() == []
