"""The pipeline on the goals page: "target needs +N more: these M candidates" reads the status table's target and
actual and the pipeline's count (the page and the data layer agree)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer import db, workbench

GOALS = str(Path(__file__).resolve().parents[2] / "app_pages" / "goals.py")


def test_the_goals_page_shows_the_candidates_next_to_the_threshold_targets(demo_url: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_url)
    page = AppTest.from_file(GOALS, default_timeout=90).run()  # the city plan, 2026, as of October
    assert not page.exception
    candidates = workbench.pipeline(db.make_engine(demo_url), as_of=date(2026, 10, 1))
    n_10m = int((candidates["bound"] == "10m").sum())
    pattern = re.compile(r"税收超千万元楼宇：目标 ([\d,]+)，当前 ([\d,]+)，还需 \+([\d,]+) 栋：候选 (\d+) 栋")
    found = [m for caption in page.caption if (m := pattern.search(caption.value))]
    assert found, "no pipeline line beside the 1,000 万元 target"
    target, actual, gap, count = (int(v.replace(",", "")) for v in found[0].groups())
    assert gap == max(target - actual, 0) and count == n_10m > 0
    status = page.dataframe[0].value  # the status table: the same target and actual
    row = status[status.iloc[:, 0] == "税收超千万元楼宇"].iloc[0]
    assert row.iloc[1] == f"≥ {target:,}" and row.iloc[2] == f"{actual:,}"
