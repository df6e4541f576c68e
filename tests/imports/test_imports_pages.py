"""The 数据管理 page under AppTest: the editor gate, upload limits, problems and preview, commit, history and
undo, templates, export; text from files shown literally."""

from __future__ import annotations

from pathlib import Path

import pytest
from imports_helpers import MONTHLY_HEADER, csv_bytes, snapshot
from sqlalchemy import Engine, text
from streamlit.testing.v1 import AppTest

import ui.auth
from data_layer import db

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "app_pages" / "data_admin.py")


@pytest.fixture
def page(city: Engine, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", city.url.render_as_string(hide_password=False))

    def open_page(role: str | None = "editor", lang: str = "zh") -> AppTest:
        at = AppTest.from_file(PAGE, default_timeout=60)
        if role:
            at.session_state["auth_user"] = ui.auth.AuthUser("tester", role)
        at.query_params["lang"] = lang
        return at.run()

    return open_page


def _upload(at: AppTest, name: str, data: bytes, kind: str = "monthly") -> AppTest:
    at.selectbox(key="import_kind").set_value(kind).run()
    at.get("file_uploader")[0].set_value((name, data, "text/csv"))
    return at.run()


def test_a_viewer_is_asked_to_sign_in_as_editor(page) -> None:  # type: ignore[no-untyped-def]
    at = page(role="viewer")
    assert not at.exception
    assert "编辑" in at.warning[0].value and not at.get("file_uploader")


def test_oversize_and_wrong_type_uploads_are_refused(page, monkeypatch: pytest.MonkeyPatch, city: Engine) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DASHBOARD_IMPORT_MAX_MB", "1")
    at = page()
    before = snapshot(city)
    at = _upload(at, "big.csv", b"a" * (1024 * 1024 + 1))
    assert "超过上限 1 MB" in at.error[0].value
    exe = _upload(page(), "tool.exe", b"MZ\x90\x00")
    assert not exe.dataframe and not [b for b in exe.button if b.key == "import_commit"]  # the uploader refuses it
    fake = _upload(page(), "fake.xlsx", b"not,a,workbook\n1,2,3")  # named .xlsx, but is not a workbook
    assert "文件类型不支持" in fake.dataframe[-1].value.iloc[0]["问题"]
    assert snapshot(city) == before


def test_upload_checks_size_and_type_before_reading() -> None:
    from data_layer.imports import check_upload

    assert check_upload("a.csv", 10, max_mb=1) is None
    assert check_upload("a.exe", 10, max_mb=1)[0] == "wrong_type"
    assert check_upload("a.xlsx", 2 * 1024 * 1024, max_mb=1)[0] == "too_big"


def test_problems_are_listed_by_row_and_column_and_nothing_is_written(page, city: Engine) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(city)
    at = _upload(page(), "bad.csv", csv_bytes([MONTHLY_HEADER, ["B001", "2026-05", 20000, 10000, 1, 1, 1, 1, 0]]))
    assert not at.exception
    assert "1 处问题" in at.error[0].value
    problems = at.dataframe[-1].value
    assert problems.iloc[0]["行"] == 2 and problems.iloc[0]["列"] == "C 已入驻面积（㎡）"
    assert not [b for b in at.button if b.key == "import_commit"]
    assert snapshot(city) == before


def test_preview_then_commit_then_history_then_undo(page, city: Engine) -> None:  # type: ignore[no-untyped-def]
    rows = [MONTHLY_HEADER, ["B001", "2026-01", 8000, 10000, 40, 30, 130, 900, 2],
            ["B002", "2026-05", 3000, 6000, 10, 9, "<script>alert(1)</script>", 100, 1]]
    at = _upload(page(), "bad.csv", csv_bytes(rows))
    message = at.dataframe[-1].value.iloc[0]["问题"]
    assert "“<script>alert(1)</script>”不是数字" in message  # the page shows it as text in a table cell
    assert all("<script>" not in m.value for m in at.markdown)
    rows[2][6] = 25
    at = _upload(at, "good.csv", csv_bytes(rows))
    assert "校验通过" in at.success[0].value
    counts = at.dataframe[0].value
    assert counts.iloc[0].tolist() == ["楼宇月度统计", 1, 1, 0]
    preview = at.dataframe[-1].value
    assert preview["变化"].tolist() == ["新增", "更新"] and preview.iloc[1]["变更字段"] == "全口径税收（万元）"
    at.button(key="import_commit").click().run()
    assert not at.exception
    assert "导入完成（批次 1）" in at.success[0].value
    with city.connect() as conn:
        assert conn.execute(text("SELECT tax_10k FROM building_month WHERE building_id = 1")).scalar() == 130.0

    at.segmented_control(key="admin_section").set_value("history").run()
    history = at.dataframe[0].value
    assert history.iloc[0]["文件名"] == "good.csv" and history.iloc[0]["操作人"] == "tester"
    at.checkbox(key="undo_confirm").check().run()
    at.button(key="undo_button").click().run()
    assert "已撤销第 1 批导入" in at.success[0].value
    with city.connect() as conn:
        assert conn.execute(text("SELECT tax_10k FROM building_month WHERE building_id = 1")).scalar() == 100.0


def test_templates_export_and_backup_sections_render(page, city: Engine) -> None:  # type: ignore[no-untyped-def]
    at = page(lang="en")
    at.segmented_control(key="admin_section").set_value("templates").run()
    assert not at.exception and len(at.get("download_button")) == 2
    at.segmented_control(key="admin_section").set_value("export").run()
    at.selectbox(key="export_table").set_value("building").run()
    assert not at.exception and "3 rows" in at.caption[-1].value
    at.segmented_control(key="admin_section").set_value("backup").run()
    if db.is_sqlite(city):
        assert not at.exception and at.get("download_button")
    else:  # PostgreSQL is backed up on the server: the page shows the commands instead of a button
        assert not at.exception and "backup --data-only" in at.code[0].value


@pytest.mark.parametrize("role", [None, "viewer"])
def test_tables_naming_users_are_exported_by_editors_only(page, role: str | None) -> None:  # type: ignore[no-untyped-def]
    at = page(role=role)
    at.segmented_control(key="admin_section").set_value("export").run()
    assert not at.exception
    options = at.selectbox(key="export_table").options
    assert options and not [o for o in options if "(audit_log)" in o or "(import_batch)" in o or "(feedback)" in o]
    assert any("含有用户名" in c.value and "操作日志" in c.value for c in at.caption)
    at = page(role="editor")
    at.segmented_control(key="admin_section").set_value("export").run()
    options = at.selectbox(key="export_table").options
    assert {"操作日志 (audit_log)", "导入批次 (import_batch)", "观测点反馈 (feedback)"} <= set(options)
    at.selectbox(key="export_table").set_value("audit_log").run()
    assert not at.exception and at.get("download_button")


def test_a_restore_upload_over_its_limit_is_refused_before_it_is_read(page, monkeypatch: pytest.MonkeyPatch,
                                                                      city: Engine) -> None:  # type: ignore[no-untyped-def]
    from data_layer import backup as backups

    monkeypatch.setenv("DASHBOARD_IMPORT_MAX_MB", "1")
    assert backups.restore_upload_limit_mb() == 1  # the server's upload limit: larger backups go through the CLI
    with pytest.raises(backups.BackupError) as refused:
        backups.check_restore_upload(1024 * 1024 + 1)
    assert refused.value.code == "too_big"
    backups.check_restore_upload(1024 * 1024)  # at the limit is fine
    if not db.is_sqlite(city):
        return  # PostgreSQL is restored with the command line on the server: the page has no upload
    at = page(role="admin")
    at.segmented_control(key="admin_section").set_value("backup").run()
    before = snapshot(city)
    at.get("file_uploader")[0].set_value(("big.db", b"\0" * (1024 * 1024 + 1), "application/octet-stream"))
    at = at.run()
    assert "超过页面上限 1 MB" in at.error[0].value and "python -m data_layer restore" in at.error[0].value
    assert not [b for b in at.button if b.key == "restore_button"]
    assert snapshot(city) == before
