"""From a move-out warning on the overview to the building's moves, in a real browser (anonymous session: the
warning gives a count, the profile the last 12 months' moves, its link the moves page for that building)."""

from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import text

from data_layer import db, moves, workbench
from data_layer.moves import MoveScope, flows
from data_layer.periods import add_months

pytestmark = pytest.mark.browser


def _wait(condition, timeout_s: float = 60, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_move_out_warning_opens_the_buildings_moves(server: str, watched_page, demo_url: str) -> None:
    engine = db.make_engine(demo_url)
    with engine.connect() as conn:
        last = date.fromisoformat(str(conn.execute(text("SELECT MAX(month) FROM building_month")).scalar())[:10])
    alerts = workbench.building_alerts(engine, as_of=last, rules=workbench.WarningRules())
    leaving = alerts[alerts["rule"] == "move_out"]
    assert len(leaving), "the demo city has large taxpayers leaving in its last quarter"
    district = str(leaving["district_code"].iloc[0])
    mine = leaving[leaving["district_code"] == district].reset_index(drop=True)
    building_id, name = int(mine["building_id"].iloc[0]), str(mine["name"].iloc[0])
    year = moves.touching(moves.in_period(moves.all_moves(engine), first=add_months(last, -11), last=last),
                          MoveScope(building_id=building_id))
    counts = flows(year, level="building", areas=[building_id]).loc[building_id]
    assert counts["out_outside"] >= 1
    engine.dispose()

    page = watched_page.page
    page.goto(f"{server}/overview?district={district}")
    pill = page.get_by_role("button", name=f"重点企业迁出市外 {len(mine)}")
    pill.wait_for(timeout=90_000)
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="条预警")
    for _ in range(4):  # a click that lands while a rerun starts can be dropped: click again unless it took
        pill.click()
        try:
            _wait(lambda: f"{len(mine)} 条预警" in " ".join(caption.all_inner_texts()), timeout_s=20,
                  what="the list cut to the move-out warnings")
            break
        except AssertionError:
            continue
    assert f"{len(mine)} 条预警，涉及 {len(mine)} 栋楼宇" in " ".join(caption.all_inner_texts())

    grid = page.locator('[data-testid="stDataFrame"]').last  # the warnings are the overview's last table
    heading = page.get_by_role("heading", name=name)
    deadline = time.monotonic() + 60
    while not heading.count() and time.monotonic() < deadline:
        box = grid.bounding_box()
        if box is not None:
            grid.hover()
            page.mouse.click(box["x"] + 18, box["y"] + 35 + 18)  # the first row's selection cell
        time.sleep(1)
    assert heading.count(), "picking the warning did not open the profile"
    assert "/building" in page.url and f"id={building_id}" in page.url

    page.get_by_text("近12个月企业迁入迁出").wait_for(timeout=60_000)
    line = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="净流入")
    _wait(lambda: line.count() > 0, what="the moves caption")
    text_ = line.first.inner_text()
    assert f"迁出 {int(counts['departures'])} 家" in text_ and f"迁出市外/注销 {int(counts['out_outside'])}" in text_
    page.get_by_role("link", name="查看本楼迁移明细").click()
    page.wait_for_url(lambda url: "/moves" in url and f"building={building_id}" in url, timeout=60_000)
    tile = page.locator('[data-testid="stMetric"]').filter(has_text="迁出")
    _wait(lambda: tile.count() > 0 and tile.first.inner_text().find(f"{int(counts['departures'])}") >= 0,
          what="the moves page's departures tile")
    assert f"市外 {int(counts['out_outside'])}" in tile.first.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert watched_page.foreign_requests() == []
