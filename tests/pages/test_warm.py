"""Warm after an import (issue 22, ui/warm.py): a monthly file imported by the command line in another process
bumps the data version; the running app's warmer fills the pages' default views for it, so the first visitor
after the import computes none of the expensive queries. After a restart (every in-memory cache gone) the results
the warmer kept in the store (data_layer.stored) answer: still nothing expensive is computed."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_layer import buildings, db, drivers, goal_rankings, goals, observation, queries, workbench
from ui import warm

REPO = Path(__file__).resolve().parents[2]
MONTHLY_HEADER = ["楼宇编号", "统计月份", "已入驻面积（㎡）", "可租面积（㎡）", "在楼经营企业数", "注册在楼企业数",
                  "全口径税收（万元）", "从业人员", "新入驻企业数"]
# the expensive query behind each page's default view
COUNTED = ((buildings, "period_frame"), (queries, "overview_kpis"), (goals, "goal_table"),
           (observation, "monthly_stats"))
# what the store keeps per data version, and what grows with the data (a restart must compute none of them)
KEPT = ((buildings, "period_frame"), (queries, "overview_kpis"), (observation, "monthly_stats"),
        (workbench, "building_alerts"), (workbench, "alert_rows"), (workbench, "pipeline"),
        (goal_rankings, "threshold_movers"), (goal_rankings, "ranking"), (observation, "point_table"),
        (drivers, "drivers"))


def test_after_an_import_by_another_process_the_first_visit_computes_nothing(
        demo_copy: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_copy)
    monkeypatch.setenv("DASHBOARD_TODAY", "2026-12-05")  # November is over: its reports may come in
    engine = db.make_engine(demo_copy)
    warmer = warm.Warmer(demo_copy, interval=0.2)
    thread = threading.Thread(target=warmer.run, daemon=True)
    thread.start()
    try:
        assert warmer.wait_for(queries.data_version(engine), timeout=180)  # the process start's warming
        with engine.connect() as conn:  # the demo city's data runs through 2026-10
            code = conn.execute(text("SELECT code FROM building ORDER BY id LIMIT 1")).scalar()
        report = tmp_path / "月报.csv"
        report.write_text(",".join(MONTHLY_HEADER) + f"\n{code},2026-11,5000,10000,3,2,88,40,0\n", encoding="utf-8")
        env = os.environ | {"DATABASE_URL": demo_copy, "DASHBOARD_TODAY": "2026-12-05"}
        done = subprocess.run([sys.executable, "-m", "data_layer", "import", "monthly", str(report)], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        version = queries.data_version(engine)
        assert warmer.wait_for(version, timeout=180)
        assert warmer.rounds == 2

        calls: Counter[str] = Counter()
        for module, name in {*COUNTED, *KEPT}:
            def counted(*args: object, _real: Callable = getattr(module, name), _name: str = name,
                        **kwargs: object) -> object:
                calls[_name] += 1
                return _real(*args, **kwargs)
            monkeypatch.setattr(module, name, counted)
        captions = _visit()
        assert calls == Counter()  # the warmer asked for exactly the keys the pages ask for
        # and it warmed the newest period: November, which only the import brought
        assert "截至 2026-11" in captions["map"] or "2026-11" in captions["map"]
        assert "2026-11" in captions["overview"]
    finally:
        warmer.stop.set()
        thread.join(timeout=60)

    st.cache_data.clear()  # a restart (or another replica): nothing in memory, the store keeps what was computed
    st.cache_resource.clear()
    assert _visit() == captions
    kept = {name for _, name in KEPT}
    assert not kept & set(calls), calls  # (goal_table, on the summaries, is flat and computed again: not kept)
    with engine.begin() as conn:  # without the stored results the same visits compute them all
        conn.execute(text("DELETE FROM stored_result"))
    st.cache_data.clear()
    st.cache_resource.clear()
    _visit()
    assert kept <= set(calls)


def _visit() -> dict[str, str]:
    """The four pages' default views, as a visitor opens them: their captions (with the period shown)."""
    captions = {}
    for page in ("overview", "map", "goals", "observation"):
        at = AppTest.from_file(str(REPO / "app_pages" / f"{page}.py"), default_timeout=120).run()
        assert not at.exception, at.exception
        captions[page] = " ".join(c.value for c in at.caption)
    return captions
