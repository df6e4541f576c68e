"""The 盘活一批 list in a real browser: 天河区, 甲级 picked with its button (never 超甲级), under 60 % occupancy;
the export states the filters and carries the vacant ㎡; a row opens the building's profile."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import text

from data_layer import db
from tests.browser.actions import click_until, idle, until

pytestmark = pytest.mark.browser


def _expected(url: str) -> list[tuple[str, float]]:
    """天河区 甲级 buildings under 60 % in October 2026, largest vacant area first, straight from SQL."""
    with db.make_engine(url).connect() as conn:
        rows = conn.execute(text(
            "SELECT b.id, b.code, m.leasable_area_m2 - m.occupied_area_m2 AS vacant FROM building b "
            "JOIN building_month m ON m.building_id = b.id AND m.month = '2026-10-01' "
            "WHERE b.district_code = '440106' AND b.grade = 'a' "
            "AND m.occupied_area_m2 < 0.60 * m.leasable_area_m2")).all()
    return [(code, float(vacant)) for _, code, vacant in sorted(rows, key=lambda r: (-r.vacant, r.id))]


def test_the_revive_list_exports_its_filters_and_a_row_opens_the_profile(server: str, watched_page,
                                                                         demo_url: str) -> None:
    expected = _expected(demo_url)
    assert expected, "the demo city has 天河区 甲级 buildings under 60 %"
    page = watched_page.page
    page.goto(server + "/revive?district=440106&below=60")
    page.get_by_text("盘活一批：空置面积清单").wait_for(timeout=60_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    page.get_by_text("入驻率低于 60% 的楼宇").wait_for(timeout=60_000)  # the first run has finished
    grade_a = sidebar.get_by_role("button", name="甲级", exact=True)
    for _ in range(4):  # a click that lands while a rerun starts can be dropped: click again unless it took
        idle(page)
        if grade_a.get_attribute("aria-pressed") != "true":
            grade_a.click()
        if until(lambda: "grade=a" in page.url, 20):
            break
    assert "grade=a" in page.url and "super_a" not in page.url  # the button picked 甲级 alone
    pressed = [b.inner_text() for b in sidebar.get_by_role("button").all() if b.get_attribute("aria-pressed") == "true"]
    assert pressed == ["甲级"]
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="空置合计")
    assert until(lambda: f"{len(expected)} 栋，空置合计" in " ".join(caption.all_inner_texts())), \
        f"the caption never counted {len(expected)} buildings"
    idle(page)

    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="下载清单").click()
    assert download.value.suggested_filename.startswith("revive_district-440106_grade-a_below-60")
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert book.sheetnames == ["筛选条件", "盘活清单"]
    filters = {row[0]: row[1] for row in book["筛选条件"].iter_rows(min_row=2, values_only=True)}
    assert filters["区"] == "天河区" and filters["等级"] == "甲级" and filters["入驻率"] == "< 60%"
    assert filters["数据截至"] == "2026-10" and filters["统计期"] == "2026年1-10月"
    assert filters["楼宇数"] == str(len(expected))
    listing = list(book["盘活清单"].iter_rows(values_only=True))
    header, rows = listing[0], listing[1:]
    code, vacant = header.index("楼宇编号"), header.index("空置面积（㎡）")
    assert [(r[code], float(r[vacant])) for r in rows] == expected

    # pick the first row (the grid's row marker) and land on its profile
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    assert box is not None
    name = rows[0][header.index("楼宇名称")]
    heading = page.get_by_role("heading", name=str(name))

    def pick_row() -> None:
        grid.hover()
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 18)  # below the header row, in the selection column

    click_until(page, pick_row, heading, what="the profile of the first row", each_s=15)
    assert "/building" in page.url and "id=" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
    assert watched_page.foreign_requests() == []
