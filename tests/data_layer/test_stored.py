"""Results kept in the store per data version (data_layer.stored, issue 22): computed once per version, read back
by a process that never computed them (a restart, another replica), never used for another version, never stored
when they would come back different, and never trusted when damaged."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from sqlalchemy import Engine, text

from data_layer import cached, i18n, queries, stored
from data_layer.summaries import bump_data_version


def _rows(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT name, data_version FROM stored_result ORDER BY name"))]


def test_a_result_is_computed_once_per_data_version_and_read_back_by_another_process(
        engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    calls: list[str] = []

    @cached.stored("test.vacancy")
    def vacancy(url: str, version: str, district: str, months: int = 3) -> pd.DataFrame:
        calls.append(district)
        return pd.DataFrame({"楼宇": ["甲楼", "乙楼"], "vacant_m2": [1200.5, None],
                             "grade": pd.Categorical(["a", "b"]), "tenants": pd.array([3, None], dtype="Int64"),
                             "month": [date(2026, 1, 1), date(2026, 2, 1)], "note": ["", None]})

    expected = pd.DataFrame({"楼宇": ["甲楼", "乙楼"], "vacant_m2": [1200.5, None],
                             "grade": pd.Categorical(["a", "b"]), "tenants": pd.array([3, None], dtype="Int64"),
                             "month": [date(2026, 1, 1), date(2026, 2, 1)], "note": ["", None]})
    version = queries.data_version(engine)
    assert_frame_equal(vacancy(url, version, "440106"), expected)
    assert calls == ["440106"] and _rows(engine) == [("test.vacancy", version)]

    # another process (nothing in memory: no st.cache here) asks for the same key: the row answers, exactly
    again = vacancy(url, version, "440106", months=3)
    assert calls == ["440106"]
    assert_frame_equal(again, expected, check_exact=True)
    assert list(again.dtypes) == list(expected.dtypes)

    vacancy(url, version, "440104")  # another argument: another row
    assert calls == ["440106", "440104"] and len(_rows(engine)) == 2
    monkeypatch.setenv("DASHBOARD_STALE_MONTHS", "5")  # restarted with another threshold: not the old result
    vacancy(url, version, "440104")
    assert calls == ["440106", "440104", "440104"]
    monkeypatch.delenv("DASHBOARD_STALE_MONTHS")
    # a deploy that only rewords a string table (the stored warning list holds translated text) is another
    # program too: its fingerprint, part of every key, differs (code_fingerprint is computed once per process)
    table = i18n.TABLE_DIR / "workbench.json"
    reworded = tmp_path / "i18n"
    shutil.copytree(i18n.TABLE_DIR, reworded)
    (reworded / table.name).write_text(table.read_text(encoding="utf-8").replace("入驻率", "出租率", 1),
                                       encoding="utf-8")
    deployed = stored.code_fingerprint.__wrapped__()
    monkeypatch.setattr(i18n, "TABLE_DIR", reworded)
    assert stored.code_fingerprint.__wrapped__() != deployed

    with engine.begin() as conn:  # an import: the version moves on, the old rows are never read again
        newer = bump_data_version(conn)
    vacancy(url, newer, "440106")
    assert calls == ["440106", "440104", "440104", "440106"]
    assert _rows(engine) == [("test.vacancy", newer)]  # writing for the new version dropped the old ones


def test_what_would_come_back_different_or_damaged_is_computed_not_served(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    calls: list[int] = []

    @cached.stored("test.mixed")
    def mixed(url: str, version: str) -> pd.DataFrame:
        calls.append(1)
        return pd.DataFrame({"value": [1, "两"]})  # ints and text in one column: Arrow cannot hold it as it is

    version = queries.data_version(engine)
    assert mixed(url, version)["value"].tolist() == [1, "两"]
    assert _rows(engine) == []  # not stored: the page keeps computing it

    @cached.stored("test.rate")
    def rate(url: str, version: str) -> pd.DataFrame:
        calls.append(2)
        return pd.DataFrame({"rate": [0.25, 0.5]})

    rate(url, version)
    with engine.begin() as conn:  # a damaged row (or one a newer pyarrow cannot read)
        conn.execute(text("UPDATE stored_result SET payload = :junk"), {"junk": b"\x00not arrow"})
    assert rate(url, version)["rate"].tolist() == [0.25, 0.5]
    assert calls == [1, 2, 2]  # computed again, and the row replaced
    assert rate(url, version)["rate"].tolist() == [0.25, 0.5] and calls == [1, 2, 2]
