"""A bureau's first day (issue 15): `init` from the city, then the files districts actually send, loaded through
the command line and through the 数据管理 page, until the overview, the map, the goals page and the street
ranking show figures worked out by hand below. Then each refusal, naming file, sheet, row and column, with the
store unchanged.

The city after init: Guangzhou's 11 districts and 178 streets. The files (written here, in district wordings):

    天河区 roster (CSV, GBK, title row, no code column, 序号, a blank row and a 合计 row), through the page:
      天河甲座  冼村 (no suffix)      coordinates   甲级    leasable 80,000
      天河乙座  猎德街道              coordinates   超甲级  leasable 50,000
      天河丙座  天河北新街道 (new)    none          乙级    leasable 20,000
      同名楼    冼村街道              none          乙级    leasable 10,000
    海珠区 roster (XLSX, merged title cells, code column, other header words, a 坐标系 column), by the CLI:
      HZ-001 海珠甲楼  赤岗街道  coordinates  甲级    leasable 40,000
      HZ-002 同名楼    赤岗街道  none         (none)  leasable 10,000
    monthly (CSV, UTF-8 with BOM, by name and district; leasable from the roster), September and October 2026:
      occupied (both months)  64,000 45,000 10,000 5,000 30,000 2,000 = 156,000 of 210,000 leasable
      tax September            800  2,000    80    40    500     10 = 3,430 万元
      tax October            1,200  2,500   100    50    600     20 = 4,470 万元
    city tax: September 100,000, October 120,000 万元
    plan (XLSX, indicators by Chinese name): occupancy ≥ 85 %, building tax share ≥ 3 % in 2026

Hand-worked figures, year to date through October 2026:
    occupancy 156,000 / 210,000 = 74.29 %; building tax 3,430 + 4,470 = 7,900 万元;
    tax share 7,900 / 220,000 = 3.59 %; over 1,000 万元 YTD: 天河甲座 2,000, 天河乙座 4,500, 海珠甲楼 1,100 -> 3;
    超甲级 1, 甲级 2; street ranking in 天河区 (October): 猎德 45,000/50,000 = 90 %,
    冼村 (甲座 + 同名楼) 69,000/90,000 = 76.67 %, 天河北新 10,000/20,000 = 50 %."""

from __future__ import annotations

import contextlib
import io
import time
from datetime import date
from pathlib import Path

import pytest
from imports_helpers import csv_bytes, domain_rows, inside, snapshot, xlsx_bytes
from sqlalchemy import Engine, text
from streamlit.testing.v1 import AppTest

import ui.auth
from data_layer import db, goal_rankings, store, users
from data_layer.__main__ import main as cli_main
from data_layer.auth import Actor
from data_layer.first_day import loaded, place_building, unplaced
from data_layer.imports import Options, run_import

pytestmark = pytest.mark.slow  # every test starts from `init` with the city's boundaries and streets

REPO = Path(__file__).resolve().parents[2]
PAGES = REPO / "app_pages"
TIANHE, HAIZHU = inside("440106"), inside("440105")
ROSTER_TIANHE_HEADER = ["序号", "楼宇名称", "所属区", "所属街道", "详细地址", "经度", "纬度", "楼宇等级",
                        "建筑面积（㎡）", "可租面积（㎡）"]


def roster_tianhe() -> bytes:
    return csv_bytes([ROSTER_TIANHE_HEADER,
                      [1, "天河甲座", "天河区", "冼村", "花城大道1号", TIANHE[0], TIANHE[1], "甲级", "100,000", 80000],
                      [2, "天河乙座", "天河区", "猎德街道", "", TIANHE[0], TIANHE[1], "超甲级", 60000, 50000],
                      [None] * 10,
                      [3, "天河丙座", "天河区", "天河北新街道", "", None, None, "乙级", 30000, 20000],
                      [4, "同名楼", "天河", "冼村街道", "", None, None, "乙级", 12000, 10000],
                      ["合计", None, None, None, None, None, None, None, 202000, 160000]],
                     encoding="gbk", title="天河区重点楼宇名录（2026年）")


def roster_haizhu() -> bytes:
    header = ["楼宇编号", "大厦名称", "区", "街道", "坐标系", "经度", "纬度", "等级", "总建筑面积", "可出租面积"]
    return xlsx_bytes({"楼宇名录": [["海珠区楼宇名录"] + [None] * 9, header,
                                    ["HZ-001", "海珠甲楼", "海珠区", "赤岗", "GCJ-02", HAIZHU[0], HAIZHU[1], "甲级",
                                     50000, 40000],
                                    ["HZ-002", "同名楼", "海珠区", "赤岗街道", None, None, None, None, 12000, 10000]]},
                      merges={"楼宇名录": ["A1:J1"]})


MONTHLY_ROWS = [("天河甲座", "天河区", 64000, 800, 1200), ("天河乙座", "天河", 45000, 2000, 2500),
                ("天河丙座", "天河区", 10000, 80, 100), ("同名楼", "天河区", 5000, 40, 50),
                ("海珠甲楼", "海珠区", 30000, 500, 600), ("同名楼", "海珠区", 2000, 10, 20)]


def monthly_by_name() -> bytes:
    rows: list[list[object]] = [["楼宇名称", "所属区", "统计月份", "已入驻面积（㎡）", "入驻企业数", "注册企业数",
                                 "税收（万元）"]]
    for month, column in (("2026年9月", 3), ("2026-10", 4)):
        rows += [[name, district, month, occupied, 10, 8, row[column]]
                 for row in MONTHLY_ROWS for name, district, occupied in [(row[0], row[1], row[2])]]
    rows += [[None] * 7, ["合计", None, None, 312000, 120, 96, 7900]]
    return b"\xef\xbb\xbf" + csv_bytes(rows)


def city_tax() -> bytes:
    return csv_bytes([["统计月份", "全市税收（万元）"], ["2026-09", 100000], ["2026-10", 120000]])


def plan_xlsx(indicator: str = "已建楼宇入驻率") -> bytes:
    header = ["计划编号", "计划名称", "适用范围", "起始年份", "截止年份", "指标", "目标年份", "目标值"]
    return xlsx_bytes({"年度目标": [header,
                                    ["GZ-2026", "2026年楼宇经济目标", "全市", 2026, 2026, indicator, 2026, "85%"],
                                    ["GZ-2026", None, None, None, None, "楼宇税收占全市税收比重", 2026, "3%"]]})


def cli(url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main(list(args))
        except SystemExit as exc:  # argparse refusing an argument
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.fixture
def city_store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """`init` as a bureau runs it: the Guangzhou boundaries and the street registry, nothing else."""
    code, out, err = cli(store_url, monkeypatch, "init")
    assert code == 0, err
    assert "district: 新增 11" in out and "street: 新增 178" in out
    return store_url


@pytest.fixture
def rosters(city_store: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Engine:
    """Both rosters and the monthly sheet in, through the library (the refusal tests start here)."""
    engine = db.make_engine(city_store)
    for kind, name, data, crs in (("buildings", "天河.csv", roster_tianhe(), "GCJ-02"),
                                  ("buildings", "海珠.xlsx", roster_haizhu(), None),
                                  ("monthly", "月报.csv", monthly_by_name(), None)):
        outcome = run_import(engine, kind=kind, file_name=name, data=data, user="t", options=Options(crs=crs))
        assert outcome.committed, [p.line("en") for p in outcome.findings.problems]
    yield engine
    engine.dispose()


def open_page(name: str, url: str, monkeypatch: pytest.MonkeyPatch, role: str | None = None) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(str(PAGES / name), default_timeout=60)
    if role:
        at.session_state["auth_user"] = ui.auth.AuthUser("tester", role)
    return at.run()


def upload(at: AppTest, kind: str, name: str, data: bytes) -> AppTest:
    at.selectbox(key="import_kind").set_value(kind).run()
    at.get("file_uploader")[0].set_value((name, data, "application/octet-stream"))
    return at.run()


def commit(at: AppTest) -> AppTest:
    at.button(key="import_commit").click()
    at = at.run()
    assert "导入完成" in at.success[0].value, [e.value for e in at.error]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_first_day_from_init_to_the_street_ranking(city_store: str, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    url = city_store
    engine = db.make_engine(url)
    # init again: the shipped boundaries and streets are already there, unchanged
    code, out, _err = cli(url, monkeypatch, "init")
    assert code == 0 and "district: 新增 0, 更新 0, 不变 11" in out and "street: 新增 0, 更新 0, 不变 178" in out

    # the empty store's overview is the guide, pointing at the building roster with its template
    at = open_page("overview.py", url, monkeypatch)
    assert not at.exception and not at.metric
    assert at.info[0].value.startswith("下一步：导入楼宇名录")

    # 天河 roster through the page: no CRS in the file, so the page asks; the preview shows names, not codes
    at = upload(open_page("data_admin.py", url, monkeypatch, role="editor"), "buildings", "天河.csv", roster_tianhe())
    assert "未注明坐标系" in at.dataframe[-1].value.iloc[0]["问题"]
    assert [o for o in at.radio(key="import_crs").options] == ["GCJ-02", "WGS-84", "BD-09"]
    at.radio(key="import_crs").set_value("GCJ-02")
    at = at.run()
    preview = at.dataframe[-2].value  # building preview (the last table is the new street)
    assert preview["楼宇名称"].tolist() == ["天河甲座", "天河乙座", "天河丙座", "同名楼"]
    assert set(preview["所属区"]) == {"天河区"} and preview["楼宇等级"].tolist() == ["甲级", "超甲级", "乙级", "乙级"]
    assert preview["所属街道"].tolist() == ["冼村", "猎德街道", "天河北新街道", "冼村街道"]
    assert preview["可租面积（㎡）"].tolist() == ["80000", "50000", "20000", "10000"]
    assert preview["建设状态"].tolist() == ["已建"] * 4 and "None" not in preview.to_string()
    streets = at.dataframe[-1].value
    assert streets.iloc[:, 3].tolist() == ["天河北新街道"] and streets.iloc[:, 2].tolist() == ["天河区"]
    commit(at)

    # 海珠 roster, monthly sheet by name and district, city tax: the command line
    for kind, name, data in (("buildings", "海珠.xlsx", roster_haizhu()), ("monthly", "月报.csv", monthly_by_name()),
                             ("city", "全市税收.csv", city_tax())):
        code, out, err = cli(url, monkeypatch, "import", kind, write(tmp_path, name, data))
        assert code == 0, err
        assert "导入完成" in out
    # the plan through the page, indicators named in Chinese
    at = upload(open_page("data_admin.py", url, monkeypatch, role="editor"), "plans", "目标.xlsx", plan_xlsx())
    commit(at)

    state = loaded(engine)
    assert (state.streets, state.buildings, state.unplaced, state.building_months, state.city_months, state.plans) \
        == (179, 6, 3, 2, 2, 1)
    with engine.connect() as conn:
        codes = dict(conn.execute(text("SELECT name || '/' || district_code, code FROM building")).all())
    assert codes["同名楼/440105"] == "HZ-002" and codes["同名楼/440106"].startswith("440106-")  # generated

    # overview, YTD through October 2026
    at = open_page("overview.py", url, monkeypatch)
    assert not at.exception
    assert metric(at, "入驻率（面积加权）") == "74.3%"  # 156,000 / 210,000
    assert metric(at, "楼宇税收") == "7,900 万元"  # 3,430 + 4,470
    assert metric(at, "占全市税收比重") == "3.59%"  # 7,900 / 220,000 = 3.5909 %, to 0.01 % as everywhere
    assert metric(at, "税收超千万元楼宇") == "3"
    assert (metric(at, "超甲级楼宇"), metric(at, "甲级楼宇")) == ("1", "2")

    # map: three buildings not on the map; placing one by typed coordinates takes it off the list
    at = open_page("map.py", url, monkeypatch)
    assert not at.exception
    assert "未上图楼宇（3 栋，缺坐标）" in [h.value for h in at.subheader]
    listed = at.dataframe[-1].value  # the list under that heading, last on the page
    assert sorted(listed["楼宇名称"]) == ["同名楼", "同名楼", "天河丙座"]
    assert place_building(engine, code=codes["天河丙座/440106"], lon=TIANHE[0], lat=TIANHE[1], crs="GCJ-02",
                          user="t") is None
    assert place_building(engine, code=codes["同名楼/440106"], lon=100.0, lat=30.0, crs="GCJ-02",
                          user="t") == "outside_city"
    assert len(unplaced(engine)) == 2

    # goals: the plan's two targets against the hand-worked actuals
    at = open_page("goals.py", url, monkeypatch)
    assert not at.exception
    status = at.dataframe[0].value.set_index("indicator")  # the status table, first on the page
    assert status.loc["已建楼宇入驻率", ["target", "actual", "progress", "status"]].tolist() == \
        ["≥ 85.0%", "74.3%", "-10.7 个百分点", "off_track"]  # 74.29 - 85 = -10.71 pp
    assert status.loc["楼宇税收占全市税收比重", ["target", "actual", "progress", "status"]].tolist() == \
        ["≥ 3.00%", "3.59%", "+0.6 个百分点", "on_track"]  # 3.59 - 3 = +0.59 pp; a share to 0.01 % as on its tile

    # the street ranking of 天河区 in October
    ranking = goal_rankings.ranking(engine, code="occupancy_rate", as_of=date(2026, 10, 1), level="street",
                                    district="440106", min_buildings=1)
    with engine.connect() as conn:
        names = dict(conn.execute(text("SELECT code, name_zh FROM street")).all())
    ranked = ranking[ranking["rank"].notna()].sort_values("rank")
    assert [names[s] for s in ranked["entity"]] == ["猎德街道", "冼村街道", "天河北新街道"]
    assert ranked["value"].round(2).tolist() == [90.0, 76.67, 50.0]
    engine.dispose()


# ---------------------------------------------------------------- refusals: file, sheet, row, column; store unchanged


def refused(engine: Engine, kind: str, name: str, data: bytes, **options: object) -> list:
    before = snapshot(engine)
    outcome = run_import(engine, kind=kind, file_name=name, data=data, user="t", options=Options(**options))
    assert not outcome.ok and not outcome.committed
    assert snapshot(engine) == before
    return outcome.findings.problems


def test_a_name_two_districts_share_is_refused_without_its_district(rosters: Engine) -> None:
    data = csv_bytes([["楼宇名称", "统计月份", "已入驻面积", "入驻企业数", "注册企业数", "税收（万元）"],
                      ["天河甲座", "2026-08", 60000, 1, 1, 5], ["同名楼", "2026-08", 100, 1, 1, 1]])
    [problem] = refused(rosters, "monthly", "无区.csv", data)
    assert (problem.code, problem.file, problem.row, problem.letter, problem.column) == \
        ("ambiguous_name", "无区.csv", 3, "A", "楼宇名称")
    line = problem.line("zh")
    assert "HZ-002（海珠区）" in line and "（天河区）" in line


def test_the_same_name_twice_in_one_district_is_refused_naming_both_rows(rosters: Engine) -> None:
    data = csv_bytes([["楼宇名称", "所属区", "建筑面积", "可租面积"], ["新楼", "天河区", 10, 5],
                      ["其他楼", "天河区", 10, 5], ["新 楼", "天河区", 10, 5]])
    problems = refused(rosters, "buildings", "重复.csv", data)
    assert [(p.code, p.row, p.column, dict(p.params).get("first")) for p in problems] == \
        [("duplicate_row", 4, "楼宇名称", 2)]


def test_an_unknown_indicator_is_refused_with_the_closest_names(rosters: Engine) -> None:
    [problem] = refused(rosters, "plans", "目标.xlsx", plan_xlsx(indicator="入驻率"))
    assert (problem.code, problem.sheet, problem.row, problem.letter) == ("unknown_indicator", "年度目标", 2, "F")
    assert "最接近的：已建楼宇入驻率（occupancy_rate）" in problem.message("zh")


def test_cells_right_of_the_last_header_in_a_workbook_are_refused(rosters: Engine) -> None:
    data = xlsx_bytes({"目标": [["全市税收标题"], ["统计月份", "全市税收（万元）"], ["2026-09", 100, None, "备注：估算"]]})
    [problem] = refused(rosters, "city", "全市.xlsx", data)
    assert (problem.code, problem.sheet, problem.row, problem.letter) == ("extra_cells", "目标", 3, "D")


def test_coordinates_in_an_unknown_crs_are_refused(rosters: Engine, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    data = csv_bytes([["楼宇名称", "所属区", "经度", "纬度", "坐标系", "建筑面积", "可租面积"],
                      ["北楼", "天河区", TIANHE[0], TIANHE[1], "北京54", 10, 5]])
    [problem] = refused(rosters, "buildings", "坐标.csv", data)
    assert (problem.code, problem.row, problem.letter, problem.column) == ("not_choice", 2, "E", "坐标系")
    no_crs = csv_bytes([["楼宇名称", "所属区", "经度", "纬度", "建筑面积", "可租面积"],
                        ["北楼", "天河区", TIANHE[0], TIANHE[1], 10, 5]])
    [missing] = refused(rosters, "buildings", "无坐标系.csv", no_crs)
    assert (missing.code, missing.row, missing.letter) == ("crs_missing", 2, "C")
    [option] = refused(rosters, "buildings", "无坐标系.csv", no_crs, crs="火星")
    assert option.code == "unknown_crs_option"
    url = rosters.url.render_as_string(hide_password=False)
    code, _out, err = cli(url, monkeypatch, "import", "buildings", write(tmp_path, "b.csv", no_crs), "--crs", "火星")
    assert code == 2 and "火星" in err
    monkeypatch.setenv("DASHBOARD_IMPORT_CRS", "GCJ-02")  # a deployment default: applied, and named
    outcome = run_import(rosters, kind="buildings", file_name="无坐标系.csv", data=no_crs, user="t", dry_run=True)
    assert outcome.ok and any(n.code == "crs_default" for n in outcome.findings.notes)


def test_an_editor_limited_to_haizhu_cannot_touch_tianhe(rosters: Engine, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    problems = refused(rosters, "buildings", "天河.csv", roster_tianhe(), crs="GCJ-02",
                       districts=frozenset({"440105"}))
    assert [(p.code, p.row, p.column) for p in problems] == [("outside_scope", r, "所属区") for r in (3, 4, 6, 7)]
    assert "天河区" in problems[0].message("zh") and "海珠区" in problems[0].message("zh")
    [city] = refused(rosters, "city", "全市.csv", city_tax(), districts=frozenset({"440105"}))[:1]
    assert city.code == "outside_scope" and "全市" in city.message("zh")
    ok = run_import(rosters, kind="buildings", file_name="海珠.xlsx", data=roster_haizhu(), user="t",
                    options=Options(districts=frozenset({"440105"})))
    assert ok.ok  # its own district passes (unchanged here)
    # the account's scope, set like the CLI does, holds for `import --user`
    users.add_user(rosters, username="hz", password="long enough 1", role="editor", by=Actor("root", "admin"))
    users.set_districts(rosters, username="hz", districts=["440105"], by=Actor("root", "admin"))
    url = rosters.url.render_as_string(hide_password=False)
    before = snapshot(rosters)
    code, _out, err = cli(url, monkeypatch, "import", "buildings", write(tmp_path, "天河.csv", roster_tianhe()),
                          "--crs", "GCJ-02", "--user", "hz")
    assert code == 1 and "超出您的导入范围" in err and "第3行" in err
    assert snapshot(rosters) == before


@pytest.mark.parametrize("case", ["csv, one line of 1,000,000 commas (1 MB)",
                                  "xlsx, ~145 KB unpacking to 40 MB of empty cells"])
def test_pathological_uploads_are_refused_fast(rosters: Engine, case: str) -> None:
    from bench.pathological import CASES

    name, data = CASES[case]()
    before = snapshot(rosters)
    started = time.perf_counter()
    outcome = run_import(rosters, kind="monthly", file_name=name, data=data, user="t")
    assert time.perf_counter() - started < 2.0
    assert outcome.findings.problems[0].code in ("row_too_wide", "xlsx_mostly_empty")
    assert snapshot(rosters) == before


def test_init_city_none_leaves_a_blank_store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _err = cli(store_url, monkeypatch, "init", "--city", "none")
    assert code == 0 and "district" not in out
    engine = db.make_engine(store_url)
    assert (loaded(engine).districts, loaded(engine).streets) == (0, 0)
    assert store.checksum(engine)  # a usable store
    engine.dispose()


def test_undoing_a_roster_removes_the_streets_it_created(city_store: str) -> None:
    from data_layer.imports import undo_batch

    engine = db.make_engine(city_store)
    before = domain_rows(engine)
    outcome = run_import(engine, kind="buildings", file_name="天河.csv", data=roster_tianhe(), user="t",
                         options=Options(crs="GCJ-02"))
    assert outcome.changes["street"].counts["new"] == 1 and loaded(engine).streets == 179
    again = run_import(engine, kind="buildings", file_name="天河.csv", data=roster_tianhe(), user="t",
                       options=Options(crs="GCJ-02"))
    assert again.totals() == {"new": 0, "updated": 0, "unchanged": 4} and not again.committed  # matched by name
    assert undo_batch(engine, batch_id=int(outcome.batch_id), user="t").ok
    assert loaded(engine).streets == 178 and loaded(engine).buildings == 0
    assert domain_rows(engine) == before  # every domain row as before (the history keeps the undone batch)
    engine.dispose()


def test_a_renamed_building_still_matches_by_its_former_name(rosters: Engine) -> None:
    renamed = csv_bytes([["楼宇名称", "曾用名", "所属区", "可租面积"], ["天河国际中心", "天河甲座", "天河区", 80000]])
    outcome = run_import(rosters, kind="buildings", file_name="更名.csv", data=renamed, user="t")
    assert outcome.committed and outcome.totals() == {"new": 0, "updated": 1, "unchanged": 0}
    with rosters.connect() as conn:
        row = conn.execute(text("SELECT name, former_names FROM building WHERE name = '天河国际中心'")).one()
    assert tuple(row) == ("天河国际中心", "天河甲座")
    # a monthly sheet still written with the old name finds the building
    old_name = csv_bytes([["楼宇名称", "所属区", "统计月份", "已入驻面积", "入驻企业数", "注册企业数", "税收（万元）"],
                          ["天河甲座", "天河区", "2026-08", 60000, 1, 1, 5]])
    monthly = run_import(rosters, kind="monthly", file_name="旧名.csv", data=old_name, user="t", dry_run=True)
    assert monthly.ok and monthly.totals()["new"] == 1


def test_the_plans_template_lists_every_indicator_and_still_imports(rosters: Engine) -> None:
    from imports_helpers import TODAY
    from openpyxl import load_workbook

    from data_layer.imports.templates import INDICATORS_SHEET, template_bytes
    from data_layer.indicators import REGISTRY

    data = template_bytes("plans", "xlsx", TODAY)
    sheet = load_workbook(io.BytesIO(data))[INDICATORS_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("指标代码", "指标名称", "英文名称", "单位", "方向", "默认比较方式")
    assert [r[0] for r in rows[1:]] == [i.code for i in REGISTRY]
    occupancy = next(r for r in rows if r[0] == "occupancy_rate")
    assert occupancy[1:4] == ("已建楼宇入驻率", REGISTRY[[i.code for i in REGISTRY].index("occupancy_rate")].name_en,
                              "%")
    outcome = run_import(rosters, kind="plans", file_name="plans.xlsx", data=data, user="t", dry_run=True)
    assert outcome.ok, [p.line("en") for p in outcome.findings.problems]


def test_the_guide_names_what_is_missing_and_an_editor_places_a_building(rosters: Engine,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    url = rosters.url.render_as_string(hide_password=False)
    at = open_page("overview.py", url, monkeypatch)
    assert not at.exception and len(at.metric) == 10  # partly loaded: the figures, with the guide folded above
    assert at.expander[0].label == "数据尚未导入完整（下一步：全市月度税收）"
    assert "未上图（缺坐标）：同名楼、同名楼、天河丙座" in [c.value for c in at.caption]
    assert at.info[0].value.startswith("下一步：导入全市月度税收")

    viewer = open_page("map.py", url, monkeypatch)
    assert not [b for b in viewer.button if b.label == "保存坐标"]  # viewers see the list, not the form
    at = open_page("map.py", url, monkeypatch, role="editor")
    code = next(c for c, n in zip(unplaced(rosters)["code"], unplaced(rosters)["name"], strict=True) if n == "天河丙座")
    at.selectbox(key="place_code").set_value(code)
    at.number_input(key="place_lon").set_value(TIANHE[0])
    at.number_input(key="place_lat").set_value(TIANHE[1])
    at.radio(key="place_crs").set_value("GCJ-02")
    next(b for b in at.button if b.label == "保存坐标").click()
    at = at.run()
    assert not at.exception and at.success[0].value == "已为“天河丙座 · " + code.replace("-", "\\-") + "”补上坐标。"
    assert "未上图楼宇（2 栋，缺坐标）" in [h.value for h in at.subheader]
    with rosters.connect() as conn:
        placed = conn.execute(text("SELECT lon, lat, crs FROM building WHERE code = :c"), {"c": code}).one()
        audit = conn.execute(text("SELECT user_name FROM audit_log WHERE action = 'building_place'")).scalar()
    assert (round(placed[0], 6), round(placed[1], 6), placed[2]) == (*TIANHE, "GCJ-02") and audit == "tester"


def test_the_admin_page_sets_an_editors_districts(city_store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = db.make_engine(city_store)
    users.add_user(engine, username="li", password="long enough 1", role="editor", by=Actor("root", "admin"))
    at = open_page("admin.py", city_store, monkeypatch, role="admin")
    at.selectbox(key="edit_user").set_value("li").run()
    assert at.dataframe[0].value.set_index("用户名").loc["li", "导入范围（区）"] == "全部区"
    at.multiselect(key="edit_districts_li").set_value(["440105", "440106"]).run()
    at.button(key="save_districts").click().run()
    assert not at.exception and at.success[0].value == "已更新 li 的导入范围。"
    assert users.get_user(engine, username="li").scope == frozenset({"440105", "440106"})  # type: ignore[union-attr]
    assert at.dataframe[0].value.set_index("用户名").loc["li", "导入范围（区）"] == "海珠区、天河区"
    with engine.connect() as conn:
        action = conn.execute(text("SELECT action, via FROM audit_log WHERE row_key = 'li' ORDER BY id DESC")).first()
    assert tuple(action) == ("user_districts", "app")
    with pytest.raises(users.UserError):
        users.set_districts(engine, username="li", districts=["999999"], by=Actor("root", "admin"))
    engine.dispose()


def test_init_on_a_store_in_use_only_upgrades_it(rosters: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    url = rosters.url.render_as_string(hide_password=False)
    before = snapshot(rosters)
    code, out, err = cli(url, monkeypatch, "init")
    assert code == 0 and "未再导入城市区界和街道名录" in err and "street" not in out
    assert snapshot(rosters) == before


def test_streets_with_outlines_from_geojson(city_store: str) -> None:
    import json

    engine = db.make_engine(city_store)
    x, y = TIANHE
    ring = [[x - 0.01, y - 0.01], [x + 0.01, y - 0.01], [x + 0.01, y + 0.01], [x - 0.01, y + 0.01], [x - 0.01, y - 0.01]]
    collection = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "GCJ-02"}},
                  "features": [{"type": "Feature", "properties": {"district": "天河区", "name": "猎德"},
                                "geometry": {"type": "Polygon", "coordinates": [ring]}},
                               {"type": "Feature", "properties": {"district": "天河区", "name": "珠江新城街道"},
                                "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    data = json.dumps(collection, ensure_ascii=False).encode()
    outcome = run_import(engine, kind="streets", file_name="街道.geojson", data=data, user="t")
    assert outcome.committed and outcome.changes["street"].counts == {"new": 1, "updated": 1, "unchanged": 0}
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name_zh, crs, geojson IS NOT NULL FROM street WHERE geojson IS NOT NULL"
                                 " ORDER BY name_zh")).all()
    assert [(r[0], r[1], bool(r[2])) for r in rows] == [("猎德街道", "GCJ-02", True), ("珠江新城街道", "GCJ-02", True)]
    again = run_import(engine, kind="streets", file_name="街道.geojson", data=data, user="t")
    assert again.totals() == {"new": 0, "updated": 0, "unchanged": 2}
    del collection["crs"]
    problems = refused(engine, "streets", "无坐标系.geojson", json.dumps(collection).encode())
    assert [p.code for p in problems] == ["crs_missing_geojson"]
    engine.dispose()
