"""The command line as a scheduled load runs it: exit codes, problems listed, templates, export, backup/restore."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from imports_helpers import MONTHLY_HEADER, csv_bytes, snapshot
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from data_layer import db, store, users
from data_layer.__main__ import main
from data_layer.auth import Actor

pytestmark = pytest.mark.slow  # the import commands run in subprocesses

REPO = Path(__file__).resolve().parents[2]


def _subprocess(engine: Engine, *args: str) -> subprocess.CompletedProcess:
    """Exactly as a scheduled job runs it (slow: a fresh interpreter, so used once)."""
    env = os.environ | {"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                        "DASHBOARD_TODAY": "2026-11-23", "DASHBOARD_LOCALE": "zh"}
    return subprocess.run([sys.executable, "-m", "data_layer", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """The same entry point in this process: (exit code, stdout, stderr)."""

    def run(engine: Engine, *args: str) -> subprocess.CompletedProcess:
        monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
        monkeypatch.setenv("DASHBOARD_LOCALE", "zh")
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)

    return run


def test_import_rejects_with_problems_listed_and_nonzero_exit_then_accepts(city: Engine, tmp_path: Path,
                                                                           cli) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([MONTHLY_HEADER, ["B001", "2026-05", 20000, 10000, 1, 1, 1, 1, 0],
                               ["B404", "2026-05", 1, 10, 1, 1, 1, 1, 0]], encoding="gbk"))
    before = snapshot(city)
    result = _subprocess(city, "import", "monthly", str(bad))
    assert result.returncode == 1
    assert "bad.csv · 第2行 · C列「已入驻面积（㎡）」" in result.stderr
    assert "bad.csv · 第3行 · A列「楼宇编号」" in result.stderr and "B404" in result.stderr
    assert snapshot(city) == before

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([MONTHLY_HEADER, ["B001", "2026-05", 2000, 10000, 1, 1, 1, 1, 0]]))
    dry = cli(city, "import", "monthly", str(good), "--dry-run")
    assert dry.returncode == 0 and "新增 1" in dry.stdout and snapshot(city) == before
    done = cli(city, "import", "monthly", str(good), "--user", "scheduler")
    assert done.returncode == 0, done.stderr
    with city.connect() as conn:
        assert conn.execute(text("SELECT user_name, kind FROM import_batch ORDER BY id DESC")).first() == \
            ("scheduler", "monthly")
        assert conn.execute(text("SELECT via FROM audit_log WHERE action = 'import'")).scalar() == "cli"
    undo = cli(city, "undo", "1")
    assert undo.returncode == 0 and "已撤销" in undo.stdout
    assert cli(city, "import", "nonsense", str(good)).returncode == 2


def test_template_then_export_then_backup_and_restore(city: Engine, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli(city, "template", "buildings", str(tmp_path / "b.xlsx")).returncode == 0
    sheet = load_workbook(tmp_path / "b.xlsx")["楼宇基本信息"]
    assert sheet["A1"].value == "楼宇编号" and sheet["A2"].value == "GZ-TH-0001"
    assert cli(city, "template", "monthly", str(tmp_path / "m.csv")).returncode == 0
    assert (tmp_path / "m.csv").read_bytes().startswith("\ufeff楼宇编号".encode())
    assert cli(city, "template", "boundaries", str(tmp_path / "d.geojson")).returncode == 0

    with city.begin() as conn:
        conn.execute(text("UPDATE building SET name = '=cmd|''/c calc''!A1' WHERE id = 2"))
    assert cli(city, "export", "building", str(tmp_path / "b.csv")).returncode == 0
    exported = pd.read_csv(tmp_path / "b.csv", encoding="utf-8-sig")
    assert exported.loc[exported["code"] == "B002", "name"].item() == "'=cmd|'/c calc'!A1"
    assert cli(city, "export", "app_user", str(tmp_path / "u.csv")).returncode == 2  # password hashes stay in

    checksum = store.checksum(city)
    assert cli(city, "backup", str(tmp_path / "backup.db")).returncode == 0
    with city.begin() as conn:
        conn.execute(text("DELETE FROM building_month"))
    users.add_user(city, username="later", password="Later-Account-1", role="editor", by=Actor("t", "admin", "cli"))
    assert store.checksum(city) != checksum
    restored = cli(city, "restore", str(tmp_path / "backup.db"))
    assert restored.returncode == 0, restored.stderr
    assert store.checksum(city) == checksum
    assert users.get_user(city, username="later") is not None  # a data restore leaves the accounts alone
    with city.connect() as conn:
        assert conn.execute(text("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")).scalar() == "restore"
    # a data backup (what an editor downloads: no accounts, no stored results) restores too, on PostgreSQL as well
    assert cli(city, "backup", str(tmp_path / "data.db"), "--data-only").returncode == 0
    with city.begin() as conn:
        conn.execute(text("DELETE FROM building_month"))
    restored = cli(city, "restore", str(tmp_path / "data.db"))
    assert restored.returncode == 0, restored.stderr
    assert store.checksum(city) == checksum and users.get_user(city, username="later") is not None
    (tmp_path / "junk.db").write_bytes(b"not a database at all")
    refused = cli(city, "restore", str(tmp_path / "junk.db"))
    # SQLite checks the file itself; on PostgreSQL pg_restore refuses it before touching anything
    assert refused.returncode == 1 and ("SQLite" if db.is_sqlite(city) else "pg_restore") in refused.stderr
    assert store.checksum(city) == checksum


def test_export_xlsx_escapes_formula_cells(city: Engine) -> None:
    from data_layer.imports.table_export import export_bytes

    with city.begin() as conn:
        conn.execute(text("UPDATE building SET address = '+1-2', name = '@SUM(A1)' WHERE id = 3"))
    sheet = load_workbook(io.BytesIO(export_bytes(city, "building", "xlsx"))).active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[header.index("code")] == "B003")
    assert row[header.index("name")] == "'@SUM(A1)" and row[header.index("address")] == "'+1-2"


def test_cli_messages_follow_lang_and_crs_is_one_of_the_choices(city: Engine, tmp_path: Path, cli,
                                                              capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([MONTHLY_HEADER, ["B001", "2026-05", 2000, 10000, 1, 1, 1, 1, 0]]))
    assert "Dry run: nothing written." in cli(city, "import", "monthly", str(good), "--dry-run", "--lang", "en").stdout
    assert "试运行：未写入任何数据。" in cli(city, "import", "monthly", str(good), "--dry-run").stdout
    missing = cli(city, "import", "monthly", str(tmp_path / "nope.csv"), "--lang", "en")
    assert missing.returncode == 2 and "nope.csv: not found." in missing.stderr
    kind = cli(city, "template", "nonsense", str(tmp_path / "x.xlsx"))
    assert kind.returncode == 2 and "未知的数据类型“nonsense”" in kind.stderr
    table = cli(city, "export", "nonsense", str(tmp_path / "x.csv"), "--lang", "en")
    assert table.returncode == 2 and "Unknown table “nonsense”" in table.stderr
    assert "模板已写入" in cli(city, "template", "city", str(tmp_path / "c.csv")).stdout
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all")
    refused = cli(city, "restore", str(junk), "--lang", "en")
    assert refused.returncode == 1 and ("not a SQLite" if db.is_sqlite(city) else "pg_restore failed") in refused.stderr

    with pytest.raises(SystemExit) as stop:  # argparse refuses it, listing the choices
        cli(city, "import", "boundaries", str(good), "--crs", "EPSG:3857")
    assert stop.value.code == 2 and "GCJ-02" in capsys.readouterr().err
    from data_layer.imports.cli import _crs_option

    assert [_crs_option(v) for v in ("wgs84", "高德", "BD-09")] == ["WGS-84", "GCJ-02", "BD-09"]


class _Done:
    def __init__(self, stdout: str = "") -> None:
        self.returncode, self.stdout, self.stderr = 0, stdout, ""


def test_postgres_tools_get_the_password_in_their_environment_not_on_the_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import create_engine

    from data_layer import backup as backups
    from data_layer import migrations

    calls: list[tuple[list[str], dict]] = []
    dump_script = {"text": ""}

    def fake_run(command, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((command, kwargs.get("env") or {}))
        if "--data-only" in command:  # pg_restore writes the archive's data as a SQL script to --file=
            target = next(part.removeprefix("--file=") for part in command if part.startswith("--file="))
            Path(target).write_text(dump_script["text"], encoding="utf-8")
        return _Done()

    monkeypatch.setattr(backups.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    monkeypatch.setattr(backups.subprocess, "run", fake_run)
    engine = create_engine("postgresql+psycopg://dash:s3cret%21@db.example:5432/dashboard")  # never connects
    backups.backup(engine, tmp_path / "d.dump")
    command, env = calls[-1]
    assert command[0] == "pg_dump" and not any("s3cret" in part for part in command)
    assert "--exclude-table-data=public.app_user" in command  # the default backup holds no accounts
    assert command[-1] == "postgresql://dash@db.example:5432/dashboard" and env["PGPASSWORD"] == "s3cret!"

    # A dump from a newer program is refused from its alembic_version data, before pg_restore touches the store.
    dump_script["text"] = ("SET client_encoding = 'UTF8';\n"
                           "COPY public.alembic_version (version_num) FROM stdin;\n9999_future\n\\.\n")
    calls.clear()
    with pytest.raises(backups.BackupError) as refused:
        backups.restore(engine, tmp_path / "d.dump", user="t")
    assert refused.value.code == "newer" and refused.value.params == {"revision": "9999_future"}
    assert [c[0][:2] for c in calls] == [["pg_restore", "--data-only"]]
    head = migrations.head_revision()
    dump_script["text"] = f"COPY public.alembic_version (version_num) FROM stdin;\n{head}\n\\.\n"
    assert backups.dump_revision(tmp_path / "d.dump") == head
    dump_script["text"] = "-- no alembic_version here\n"
    with pytest.raises(backups.BackupError) as not_store:
        backups.dump_revision(tmp_path / "d.dump")
    assert not_store.value.code == "not_store"
