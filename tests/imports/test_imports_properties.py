"""Property-based: random bytes and random tables never crash the importer (only a clear refusal) and never write
part of a file (either every row lands, or the store is exactly as it was)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from imports_helpers import csv_bytes, snapshot, xlsx_bytes
from sqlalchemy import Engine, text

from data_layer.imports import Options, run_import

pytestmark = pytest.mark.slow  # 40 random files per property (hypothesis)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])
KINDS = st.sampled_from(["buildings", "monthly", "city", "plans", "feedback", "demands", "boundaries", "workbook"])
PREFIXES = st.sampled_from([b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xd0\xcf\x11\xe0", b"{", b"\xff\xfe"])


@SETTINGS
@given(kind=KINDS, prefix=PREFIXES, body=st.binary(max_size=2_000), name=st.sampled_from(["a.csv", "a.xlsx", "a.geojson"]))
def test_random_bytes_are_refused_in_words_and_write_nothing(city: Engine, kind: str, prefix: bytes, body: bytes,
                                                            name: str) -> None:
    before = snapshot(city)
    outcome = run_import(city, kind=kind, file_name=name, data=prefix + body, user="fuzz", options=Options(crs="GCJ-02"))
    assert not outcome.committed
    assert outcome.findings.problems or outcome.findings.unlisted
    for problem in outcome.findings.problems:
        assert problem.message("zh") and problem.message("en")  # every problem can be worded in both languages
    assert snapshot(city) == before


HEADERS = {
    "building": ["楼宇编号", "Building code", "楼宇代码", "编号"],
    "month": ["统计月份", "月份", "Month", "年月"],
    "occupied": ["已入驻面积（㎡）", "入驻面积", "occupied area", "已入驻面积（万㎡）"],
    "leasable": ["可租面积（㎡）", "可出租面积", "leasable area"],
    "rate": ["入驻率", "出租率（%）", "occupancy rate"],
    "operating": ["在楼经营企业数", "入驻企业数", "enterprises operating"],
    "registered": ["注册在楼企业数", "注册企业数", "enterprises registered"],
    "tax": ["全口径税收（万元）", "税收（元）", "tax", "本月税收"],
    "employees": ["从业人员", "employees"],
    "junk": ["备注", "<script>alert(1)</script>", "=SUM(A1)", "'; DROP TABLE building; --"],
}
CELLS = {
    "building": st.sampled_from(["B001", "B002", "B003", "B404", "", "合计", "<b>x</b>"]),
    "month": st.sampled_from(["2026年3月", "2026-04", "2026/5", "202606", "2026-07-15", "2026-12", "十月", "", "=NOW()"]),
    "occupied": st.one_of(st.integers(-10, 12_000).map(str), st.sampled_from(["1,200.5", "0.3万㎡", "abc", ""])),
    "leasable": st.one_of(st.integers(0, 12_000).map(str), st.sampled_from(["4,000", "1万", "", "x"])),
    "rate": st.sampled_from(["85%", "85.3", "0.7", "120%", "-5%", "", "高"]),
    "operating": st.one_of(st.integers(-2, 60).map(str), st.sampled_from(["12家", "1.5", ""])),
    "registered": st.one_of(st.integers(0, 60).map(str), st.sampled_from(["", "N/A"])),
    "tax": st.one_of(st.floats(-10, 1e6, allow_nan=False).map(lambda v: f"{v:.2f}"),
                     st.sampled_from(["12.3万元", "123000元", "1.2亿", "3美元", "=B2*2", ""])),
    "employees": st.one_of(st.integers(0, 999).map(str), st.just("")),
    "junk": st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
}


@st.composite
def monthly_tables(draw: st.DrawFn) -> tuple[list[list[str]], bool, str]:
    fields = draw(st.lists(st.sampled_from(list(HEADERS)), min_size=1, max_size=8, unique=True))
    header = [draw(st.sampled_from(HEADERS[f])) for f in fields]
    rows = draw(st.lists(st.tuples(*[CELLS[f] for f in fields]), min_size=1, max_size=6))
    table = [header] + [list(r) for r in rows]
    return table, draw(st.booleans()), draw(st.sampled_from(["utf-8", "gb18030"]))


@SETTINGS
@given(case=monthly_tables(), title=st.booleans())
def test_random_monthly_tables_land_whole_or_not_at_all(city: Engine, case: tuple, title: bool) -> None:
    table, as_xlsx, encoding = case
    data = xlsx_bytes({"数据": ([["标题行"]] if title else []) + table}) if as_xlsx else \
        csv_bytes(table, encoding=encoding, title="标题行" if title else None)
    before = snapshot(city)
    outcome = run_import(city, kind="monthly", file_name="r.xlsx" if as_xlsx else "r.csv", data=data, user="fuzz")
    event("committed" if outcome.committed else "refused" if not outcome.ok else "nothing to do")
    if not outcome.committed:
        assert snapshot(city) == before
        assert outcome.ok or outcome.findings.problems or outcome.findings.unlisted
        return
    change = outcome.changes["building_month"]
    with city.connect() as conn:
        written = conn.execute(text("SELECT COUNT(*) FROM building_month WHERE batch_id = :b"),
                               {"b": outcome.batch_id}).scalar()
        summary = conn.execute(text("SELECT COALESCE(SUM(buildings_reporting), 0) FROM district_month")).scalar()
        total = conn.execute(text("SELECT COUNT(*) FROM building_month")).scalar()
    assert written == change.counts["new"] + change.counts["updated"] > 0
    assert summary == total  # the summary covers every monthly row, in the same commit


MONTH_SPELLINGS = [("2026年{m}月", "2026-{m:02d}", "2026/{m}", "2026{m:02d}")]
VALID_HEADER = ["楼宇编号", "统计月份", "已入驻面积（㎡）", "可租面积（㎡）", "在楼经营企业数", "注册在楼企业数", "全口径税收（万元）"]
CORRUPT = {0: "B404", 1: "十月", 2: "一半", 3: "=C2", 4: "1.5", 5: "-3", 6: "3美元"}


@st.composite
def valid_rows(draw: st.DrawFn) -> list[list[str]]:
    keys = draw(st.lists(st.tuples(st.sampled_from(["B001", "B002", "B003"]), st.integers(2, 9)), min_size=1,
                         max_size=8, unique=True))
    rows = []
    for building, month in keys:
        spelling = draw(st.sampled_from(MONTH_SPELLINGS[0])).format(m=month)
        leasable = draw(st.integers(1_000, 12_000))
        occupied = draw(st.integers(0, leasable))
        tax = draw(st.floats(0, 50_000, allow_nan=False))
        tax_text = draw(st.sampled_from([f"{tax:.2f}", f"{tax:,.2f}", f"{tax:.2f}万元", f"{tax * 10_000:.0f}元"]))
        rows.append([building, spelling, f"{occupied:,}", str(leasable), str(draw(st.integers(0, 60))),
                     str(draw(st.integers(0, 60))), tax_text])
    return rows


@SETTINGS
@given(rows=valid_rows(), corrupt=st.none() | st.tuples(st.integers(0, 7), st.integers(0, 6)),
       as_xlsx=st.booleans())
def test_a_clean_file_lands_whole_and_one_bad_cell_writes_nothing(city: Engine, rows: list, corrupt: tuple | None,
                                                                   as_xlsx: bool) -> None:
    if corrupt is not None:
        row, column = corrupt[0] % len(rows), corrupt[1]
        rows[row][column] = CORRUPT[column]
    table = [VALID_HEADER, *rows]
    data = xlsx_bytes({"月报": table}) if as_xlsx else csv_bytes(table, encoding="gbk")
    before = snapshot(city)
    outcome = run_import(city, kind="monthly", file_name="v.xlsx" if as_xlsx else "v.csv", data=data, user="fuzz")
    if corrupt is not None:
        event("one bad cell")
        assert not outcome.committed and snapshot(city) == before
        problem = outcome.findings.problems[0]
        assert problem.row == row + 2 and problem.letter == "ABCDEFG"[column]
        return
    assert outcome.ok, [p.line("en") for p in outcome.findings.problems]
    counts = outcome.changes["building_month"].counts
    assert sum(counts.values()) == len(rows)
    event("committed" if outcome.committed else "nothing to do")
    with city.connect() as conn:
        for building, month_text, occupied, *_ in rows:
            month = next(f"2026-{m:02d}-01" for m in range(2, 10)
                         if month_text in {s.format(m=m) for s in MONTH_SPELLINGS[0]})
            stored = conn.execute(text("SELECT m.occupied_area_m2 FROM building_month m JOIN building b"
                                       " ON b.id = m.building_id WHERE b.code = :c AND m.month = :m"),
                                  {"c": building, "m": month}).scalar()
            assert stored == float(occupied.replace(",", ""))
