"""From a building's profile to its district's registration-gap list in a real browser, exported as XLSX with the
filters recorded on the first sheet (anonymous session: no tax in the file)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from data_layer import db
from tests.browser.actions import click_until, download, idle

pytestmark = pytest.mark.browser


def _one(url: str, sql: str, **params: object) -> tuple:
    with db.make_engine(url).connect() as conn:
        return tuple(conn.execute(text(sql), params).one())


def test_from_a_profile_to_the_districts_registration_gap_exported_with_its_filters(
        server: str, watched_page, demo_url: str) -> None:  # type: ignore[no-untyped-def]
    (month,) = _one(demo_url, "SELECT MAX(month) FROM building_month")
    month = str(month)[:10]
    building_id, district, district_zh = _one(demo_url, """
        SELECT b.id, b.district_code, d.name_zh FROM building b JOIN district d ON d.code = b.district_code
        WHERE EXISTS (SELECT 1 FROM tenancy t WHERE t.building_id = b.id AND NOT t.registered_here
                      AND t.from_month <= :m AND (t.to_month IS NULL OR t.to_month >= :m))
        ORDER BY b.id LIMIT 1""", m=month)
    (expected,) = _one(demo_url, """
        SELECT COUNT(*) FROM tenancy t JOIN building b ON b.id = t.building_id
        WHERE b.district_code = :d AND NOT t.registered_here AND t.from_month <= :m
          AND (t.to_month IS NULL OR t.to_month >= :m)""", d=district, m=month)

    page = watched_page.page
    page.goto(f"{server}/building?id={building_id}")
    link = page.get_by_role("link", name="本区注册缺口清单")
    link.wait_for(timeout=90_000)
    click_until(page, lambda: link.click(timeout=20_000),
                lambda: "registration-gap" in page.url and f"district={district}" in page.url,
                what="the registration-gap page from the profile's link")
    page.get_by_text(f"共 {expected:,} 家企业在楼经营但未在本址注册").wait_for(timeout=60_000)
    idle(page)

    book = load_workbook(io.BytesIO(download(page, "下载走访清单（XLSX）")))
    assert book.sheetnames == ["筛选条件", "分区汇总", "走访清单"]
    per_street = list(book["分区汇总"].iter_rows(min_row=2, values_only=True))
    assert sum(row[1] for row in per_street) == expected  # the district's streets (and "—": no street) add up
    filters = {row[0]: row[1] for row in book["筛选条件"].iter_rows(min_row=2, values_only=True)}
    assert filters["区"] == district_zh and filters["街道"] == "全部" and filters["楼宇"] == "全部"
    assert filters["统计期"] == month[:7] and filters["数据截至月份"] == month[:7]
    assert filters["企业数"] == str(expected) and filters["纳税信息"] == "不含纳税信息"
    rows = list(book["走访清单"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == expected
    assert "年度纳税额（万元）" not in header and "纳税档次" not in header  # an anonymous visitor's file
    assert {r[header.index("区")] for r in body} == {district_zh}
    assert page.locator('[data-testid="stException"]').count() == 0
    assert watched_page.foreign_requests() == []
