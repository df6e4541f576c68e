"""The quarterly review pack: the PDF's text layer and glyphs (pdftotext, pdffonts, pdftoppm), the PPTX's slides and
fonts (python-pptx), stored text printed literally, the font setting's error, the command line and the page."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection
from PIL import Image
from pptx import Presentation
from pptx.util import Emu
from sqlalchemy import Engine, text
from streamlit.testing.v1 import AppTest

from data_layer import briefing, db, plans, report
from data_layer.__main__ import main
from data_layer.aggregates import Scope
from data_layer.indicators import REGISTRY
from data_layer.report import slides
from data_layer.report.fonts import DEFAULT_CJK_FONT, PPTX_EA_FONT

REPO = Path(__file__).resolve().parents[2]
EA = "{http://schemas.openxmlformats.org/drawingml/2006/main}ea"


@pytest.fixture(scope="module")
def pack_files(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The 2026 Q3 city pack of the demo city in both formats, made once for this module."""
    engine = db.make_engine(demo_url)
    folder = tmp_path_factory.mktemp("pack")
    files = {}
    for fmt in report.FORMATS:
        files[fmt] = folder / f"pack.{fmt}"
        files[fmt].write_bytes(report.render(engine, year=2026, quarter=3, fmt=fmt))
    return files


def _plan_indicators(url: str) -> list[str]:
    """Names of the indicators the bureau's own city plan targets in 2026, straight from the tables."""
    with db.make_engine(url).connect() as conn:
        return list(conn.execute(text(
            "SELECT i.name_zh FROM plan_target t JOIN plan p ON p.id = t.plan_id JOIN indicator i "
            "ON i.code = t.indicator_code WHERE t.year = 2026 AND p.scope_type = 'city' AND p.is_template = :no "
            "AND p.start_year <= 2026 AND p.end_year >= 2026"), {"no": False}).scalars())


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _squeezed(value: str) -> str:
    return re.sub(r"\s+", "", value)


def test_the_pdf_text_layer_holds_the_plans_indicator_names(pack_files: dict[str, Path], demo_url: str) -> None:
    names = _plan_indicators(demo_url)
    assert len(names) == 14
    layer = _squeezed(_pdf_text(pack_files["pdf"]))
    missing = [name for name in names if _squeezed(name) not in layer]
    assert not missing
    for heading in ("楼宇经济季度分析通报", "2026年第3季度", "一、分析意见", "二、核心指标", "三、年度目标进度",
                    "四、变动归因", "五、走势", "六、区域动态排名", "七、营商环境感知与预警", "八、楼宇预警",
                    "九、企业诉求办理", "十、数据报送情况", "十一、数据说明", "数据截至"):
        assert heading in layer


def test_the_pdf_embeds_a_cjk_font_with_every_glyph_it_prints(pack_files: dict[str, Path]) -> None:
    fonts = subprocess.run(["pdffonts", str(pack_files["pdf"])], check=True, capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert cjk and all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in cjk)  # embedded, subset, unicode
    # A character the font lacks would print as a box (.notdef): every printed character must be in its cmap.
    cmap = TTCollection(DEFAULT_CJK_FONT).fonts[0].getBestCmap()
    printed = {ch for ch in _pdf_text(pack_files["pdf"]) if ord(ch) > 0x2E7F}  # CJK and full-width forms
    assert len(printed) > 200
    assert not [ch for ch in printed if ord(ch) not in cmap]


def test_the_pdf_renders_to_png_with_ink_on_every_page(pack_files: dict[str, Path], tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pack_files["pdf"]), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 6
    for page in pages:
        grey = Image.open(page).convert("L")
        dark = sum(grey.histogram()[:128])
        assert dark > 500, page.name  # text and tables, not a blank page
    # the cover's title band: Chinese glyphs drawn as strokes, not empty boxes (boxes leave few dark pixels)
    cover = Image.open(pages[0]).convert("L")
    band = cover.crop((0, int(cover.height * 0.25), cover.width, int(cover.height * 0.33)))
    assert sum(band.histogram()[:128]) > 800


def _slide_title(slide) -> str:  # type: ignore[no-untyped-def]
    boxes = sorted((s for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip()),
                   key=lambda s: (s.top, s.left))
    return boxes[0].text_frame.text if boxes else ""


def test_the_pptx_holds_the_expected_slides_with_east_asian_fonts(pack_files: dict[str, Path]) -> None:
    deck = Presentation(str(pack_files["pptx"]))
    titles = [_slide_title(slide) for slide in deck.slides]
    assert titles == ["楼宇经济季度分析通报", "一、分析意见", "二、核心指标", "三、年度目标进度", "三、目标完成度",
                      "四、变动归因", "五、走势", "六、区域动态排名", "七、营商环境感知与预警", "七、营商环境感知与预警",
                      "八、楼宇预警", "九、企业诉求办理", "十、数据报送情况", "十一、数据说明", "十一、数据说明（指标定义）"]
    assert deck.slide_width == Emu(12192000) or deck.slide_width > deck.slide_height  # 16:9
    runs = [run for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
            for paragraph in shape.text_frame.paragraphs for run in paragraph.runs]
    runs += [run for slide in deck.slides for shape in slide.shapes if shape.has_table
             for row in shape.table.rows for cell in row.cells for paragraph in cell.text_frame.paragraphs
             for run in paragraph.runs]
    assert runs and all(run._r.rPr.find(EA).get("typeface") == PPTX_EA_FONT for run in runs)
    charts = {slide_number: [shape.chart for shape in slide.shapes if shape.has_chart]
              for slide_number, slide in enumerate(deck.slides)}
    progress = charts[4][0]
    assert set(progress.plots[0].categories) == set(_table_column(deck.slides[3], 0))  # one bar per indicator
    # the drivers bridge: eleven districts, the buildings entering the reporting set since 2025 Q3, the total
    assert len(charts[5][0].plots[0].categories) == 13
    assert len(charts[6]) == 2 and len(charts[6][0].plots[0].categories) == 24  # tax and occupancy, 24 months
    assert len(charts[7][0].plots[0].categories) == 11  # the ranked districts
    for chart_list in charts.values():
        for chart in chart_list:
            assert chart._chartSpace.txPr.find(".//" + EA).get("typeface") == PPTX_EA_FONT


def _table_column(slide, index: int) -> list[str]:  # type: ignore[no-untyped-def]
    table = next(shape.table for shape in slide.shapes if shape.has_table)
    return [row.cells[index].text for row in list(table.rows)[1:]]


def test_the_pptx_targets_table_matches_the_goal_table(pack_files: dict[str, Path], demo_url: str) -> None:
    deck = Presentation(str(pack_files["pptx"]))
    names = [name for slide in deck.slides if _slide_title(slide) == "三、年度目标进度"
             for name in _table_column(slide, 0)]
    # every targeted indicator once, in the indicator registry's order (the order the goals page shows)
    registry = [ind.name_zh for ind in REGISTRY]
    assert names == sorted(_plan_indicators(demo_url), key=registry.index)


@pytest.mark.sqlite_only
def test_stored_text_is_printed_as_typed(demo_copy: str, tmp_path: Path) -> None:
    engine = db.make_engine(demo_copy)
    first = briefing.open_demands(engine, day=date(2026, 9, 30), limit=1).iloc[0]
    name, said = "A&B <b>粗体</b> $x$ 大厦", "<script>alert(1)</script> 请尽快 & 谢谢"
    with engine.begin() as conn:
        conn.execute(text("UPDATE building SET name = :name WHERE id = (SELECT building_id FROM demand "
                          "WHERE id = :id)"), {"name": name, "id": int(first["id"])})
        conn.execute(text("UPDATE demand SET text = :said WHERE id = :id"), {"said": said, "id": int(first["id"])})
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(report.render(engine, year=2026, quarter=3, fmt="pdf"))
    layer = _pdf_text(pdf)
    assert name in layer and said in layer
    deck = Presentation(io.BytesIO(report.render(engine, year=2026, quarter=3, fmt="pptx")))
    cells = [cell.text for slide in deck.slides for shape in slide.shapes if shape.has_table
             for row in shape.table.rows for cell in row.cells]
    assert name in cells and said in cells


def test_a_missing_font_names_the_setting(demo_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DASHBOARD_CJK_FONT", str(tmp_path / "no-such-font.ttc"))
    engine = db.make_engine(demo_url)
    with pytest.raises(report.FontMissingError, match="DASHBOARD_CJK_FONT"):
        report.render(engine, year=2026, quarter=3, fmt="pdf")
    assert report.render(engine, year=2026, quarter=3, fmt="pptx")[:2] == b"PK"  # the PPTX only names fonts


def test_a_district_pack_ranks_the_district_among_all(demo_url: str) -> None:
    pack = report.build(db.make_engine(demo_url), year=2026, quarter=2, scope=Scope("district", "440106"))
    assert pack.scope_label == "天河区" and pack.plan["scope_code"] == "440106"
    assert len(pack.ranking) == 11 and pack.as_of == date(2026, 6, 1) and pack.complete
    assert set(pack.alerts["district_code"]) <= {"440106"}


def test_a_running_quarter_is_read_through_its_last_month(demo_url: str) -> None:
    engine = db.make_engine(demo_url)
    pack = report.build(engine, year=2026, quarter=4)
    assert pack.as_of == date(2026, 10, 1) and not pack.complete
    assert any("2026-10" in line and "季度未完整" in line for line in report.content.cover_lines(pack))
    # Its figures are October's, against July (the same month of Q3) and October 2025, from the raw monthly rows:
    # whole quarters would compare one month with three (a fall of about two thirds) and read occupancy in December.
    with engine.connect() as conn:
        tax = {str(month)[:10]: total for month, total in conn.execute(text(  # a date on PostgreSQL, text on SQLite
            "SELECT month, SUM(tax_10k) FROM district_month WHERE month IN ('2026-10-01', '2026-07-01', '2025-10-01')"
            " GROUP BY month")).all()}
        occupied, leasable = conn.execute(text("SELECT SUM(occupied_area_m2), SUM(leasable_area_m2) FROM "
                                               "district_month WHERE month = '2026-10-01'")).one()
    quarter, before = pack.quarter_kpis.loc["building_tax"], pack.qoq_kpis.loc["building_tax"]
    assert quarter["value"] == pytest.approx(tax["2026-10-01"]) and before["previous"] == pytest.approx(tax["2026-07-01"])
    assert quarter["previous"] == pytest.approx(tax["2025-10-01"])
    assert pack.quarter_kpis.loc["occupancy_rate", "value"] == pytest.approx(occupied / leasable)
    assert report.content.kpi_table(pack).header[1] == "本季度（10月）"


def test_the_command_line_writes_the_pack(demo_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_url)
    out = tmp_path / "out" / "q3.pptx"
    assert main(["report", "--year", "2026", "--quarter", "3", "--scope", "district:440106", "--format", "pptx",
                 "--out", str(out)]) == 0
    assert Presentation(str(out)).slides[0].shapes  # a readable deck
    empty = tmp_path / "q1-2030.pdf"
    assert main(["report", "--year", "2030", "--quarter", "1", "--format", "pdf", "--out", str(empty)]) == 2
    assert "没有统计数据" in capsys.readouterr().err and not empty.exists()
    monkeypatch.setenv("DASHBOARD_CJK_FONT", str(tmp_path / "none.ttf"))
    assert main(["report", "--year", "2026", "--quarter", "3", "--format", "pdf", "--out", str(empty)]) == 2
    assert "DASHBOARD_CJK_FONT" in capsys.readouterr().err and not empty.exists()
    assert list(tmp_path.glob("**/*.part")) == []


def test_the_page_offers_both_downloads(demo_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_url)
    at = AppTest.from_file(str(REPO / "app_pages" / "report.py"), default_timeout=60).run()
    assert not at.exception
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["下载 PDF", "下载 PPT"]
    assert at.selectbox(key="report_year").value == 2026
    assert at.selectbox(key="report_quarter_2026").value == 4
    assert "2026-10" in at.info[0].value  # the running quarter is read through October
    monkeypatch.setenv("DASHBOARD_CJK_FONT", str(tmp_path / "none.ttf"))
    at.run()
    assert at.get("download_button")[0].proto.disabled and "DASHBOARD_CJK_FONT" in at.text[0].value


def test_slide_codes_are_listed_in_order() -> None:
    assert slides.SLIDES[0] == "cover" and slides.SLIDES[-1] == "definitions"


def test_the_pack_speaks_english_when_asked(demo_url: str) -> None:
    deck = Presentation(io.BytesIO(report.render(db.make_engine(demo_url), year=2026, quarter=2, fmt="pptx",
                                                 lang="en")))
    titles = [_slide_title(slide) for slide in deck.slides]
    assert titles[0] == "Building economy quarterly review" and titles[2] == "2. Headline figures"
    assert "Tianhe" in "".join(_table_column(deck.slides[7], 1))  # district names in English


# ------------------------------------------------------------------------------------------------ fonts reportlab refuses


def _cff_font(path: Path) -> Path:
    """A tiny OpenType font with PostScript (CFF) outlines, like Debian's Noto CJK: a real file reportlab
    cannot embed ("postscript outlines are not supported")."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef", "A"])
    builder.setupCharacterMap({65: "A"})
    pen = T2CharStringPen(600, None)
    pen.moveTo((0, 0))
    pen.lineTo((0, 500))
    pen.lineTo((500, 0))
    pen.closePath()
    glyph = pen.getCharString()
    builder.setupCFF("TestCFF", {"FullName": "TestCFF"}, {".notdef": glyph, "A": glyph}, {})
    builder.setupHorizontalMetrics({".notdef": (600, 0), "A": (600, 0)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "TestCFF", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.save(str(path))
    return path


def test_a_font_the_pdf_cannot_embed_is_refused_up_front(demo_url: str, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DASHBOARD_CJK_FONT", str(_cff_font(tmp_path / "cff.otf")))
    with pytest.raises(report.FontMissingError, match="postscript outlines") as caught:
        report.cjk_font_path()
    assert "DASHBOARD_CJK_FONT" in str(caught.value) and "fonts-wqy-microhei" in str(caught.value)
    # the command line: exit 2 with the same message, nothing written
    monkeypatch.setenv("DATABASE_URL", demo_url)
    out = tmp_path / "q3.pdf"
    assert main(["report", "--year", "2026", "--quarter", "3", "--format", "pdf", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(caught.value) in err and "Traceback" not in err and not out.exists()
    # the page: the PDF button is disabled with the reason; the PPTX stays
    at = AppTest.from_file(str(REPO / "app_pages" / "report.py"), default_timeout=60).run()
    assert not at.exception
    pdf_button, pptx_button = at.get("download_button")
    assert pdf_button.proto.disabled and not pptx_button.proto.disabled
    assert "DASHBOARD_CJK_FONT" in at.warning[0].value and "fonts-wqy-microhei" in at.warning[0].value
    assert "cannot be embedded" in at.text[0].value


# ------------------------------------------------------------------------------------------------ small stores


@pytest.fixture
def small_store(make, engine: Engine) -> Engine:  # type: ignore[no-untyped-def]
    """Twenty districts of one building each (none has the 10 buildings ranking needs), January to September 2026,
    and a city plan whose only target is for 2027: no district ranked, no target this year."""
    rows = []
    for number in range(1, 21):
        code = f"D{number:02d}"
        make.district(code, f"测试{number}区", f"Test {number}")
        make.building(number, district=code)
        rows += [{"building_id": number, "month": date(2026, month, 1), "tax_10k": 100.0 * number,
                  "leasable_area_m2": 8000.0, "occupied_area_m2": 6000.0} for month in range(1, 10)]
    make.months(rows)
    plans.create_plan(engine, user="test", plan=plans.PlanInput("P1", "测试计划", "Test plan", 2026, 2028),
                      targets=[{"indicator_code": "building_tax", "year": 2027, "target_value": 50_000.0}])
    return engine


def _slide_texts(slide) -> str:  # type: ignore[no-untyped-def]
    return " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def test_no_ranked_district_and_no_target_this_year_say_so_in_words(small_store: Engine, tmp_path: Path) -> None:
    pack = report.build(small_store, year=2026, quarter=3)
    assert (pack.ranking["state"] != "ranked").all() and pack.goals["target"].isna().all()
    deck = Presentation(io.BytesIO(report.render_pack(pack, fmt="pptx")))  # ValueError before: no categories
    titles = [_slide_title(slide) for slide in deck.slides]
    assert titles.count("六、区域动态排名") == 2  # 20 districts: more than one slide holds
    chart = next(slide for slide in deck.slides if _slide_title(slide) == "三、目标完成度")
    assert "没有设定2026年的目标值" in _slide_texts(chart) and not any(s.has_chart for s in chart.shapes)
    ranking = [slide for slide in deck.slides if _slide_title(slide) == "六、区域动态排名"]
    assert "暂无参与排名的区" in _slide_texts(ranking[0]) and not any(s.has_chart for s in ranking[0].shapes)
    listed = [name for slide in ranking for name in _table_column(slide, 1)]
    assert sorted(listed) == sorted(f"测试{n}区" for n in range(1, 21))
    assert all(len(_table_column(slide, 1)) <= slides.ROWS_PER_SLIDE for slide in ranking)
    pdf = tmp_path / "small.pdf"
    pdf.write_bytes(report.render_pack(pack, fmt="pdf"))
    layer = _squeezed(_pdf_text(pdf))
    assert "没有设定2026年的目标值" in layer and "暂无参与排名的区" in layer


def test_a_plan_without_any_target_makes_both_formats(small_store: Engine) -> None:
    pack = report.build(small_store, year=2026, quarter=3)
    empty = dataclasses.replace(pack, goals=pack.goals.iloc[0:0])
    deck = Presentation(io.BytesIO(report.render_pack(empty, fmt="pptx")))
    targets = next(slide for slide in deck.slides if _slide_title(slide) == "三、年度目标进度")
    assert "没有设定2026年的目标值" in _slide_texts(targets)
    assert report.render_pack(empty, fmt="pdf")[:4] == b"%PDF"


def test_a_nan_monthly_tax_is_a_gap_in_the_chart(small_store: Engine, tmp_path: Path) -> None:
    """A NaN tax (PostgreSQL's double precision stores one) reaches the trend: a gap, not a TypeError from the
    chart's embedded workbook."""
    pack = report.build(small_store, year=2026, quarter=3)
    trend = pack.trend.copy()
    trend.loc[trend.index[3], "tax_10k"] = float("nan")
    gappy = dataclasses.replace(pack, trend=trend)
    deck = Presentation(io.BytesIO(report.render_pack(gappy, fmt="pptx")))
    trends = next(slide for slide in deck.slides if _slide_title(slide) == "五、走势")
    tax_chart = next(shape.chart for shape in trends.shapes if shape.has_chart)
    values = list(tax_chart.plots[0].series[0].values)
    assert values[3] is None and values[2] == pytest.approx(2.1)  # 100 × (1 + … + 20) 万元 = 2.1 亿元
    pdf = tmp_path / "gappy.pdf"
    pdf.write_bytes(report.render_pack(gappy, fmt="pdf"))
    assert "五、走势" in _pdf_text(pdf)


def test_the_command_line_turns_any_content_error_into_exit_2(small_store: Engine, store_url: str,
                                                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    def broken(pack: object, *, fmt: str) -> bytes:
        raise TypeError("unexpected value in the pack")

    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setattr(report, "render_pack", broken)
    out = tmp_path / "q3.pptx"
    assert main(["report", "--year", "2026", "--quarter", "3", "--format", "pptx", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "TypeError: unexpected value in the pack" in err and "2026 Q3" in err and "Traceback" not in err
    assert not out.exists()


def test_the_cover_date_is_in_the_configured_time_zone(small_store: Engine, utc_process: None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The server runs in UTC (utc_process); the cover says the time in China, or in DASHBOARD_TIMEZONE."""
    made = datetime(2026, 10, 8, 1, 30, tzinfo=UTC)
    pack = report.build(small_store, year=2026, quarter=3, options=report.PackSettings.from_settings(now=made))
    assert "生成时间：2026-10-08 09:30" in report.content.cover_lines(pack)
    monkeypatch.setenv("DASHBOARD_TIMEZONE", "Europe/London")  # the zone is read when the pack is made
    pack = report.build(small_store, year=2026, quarter=3, options=report.PackSettings.from_settings(now=made))
    assert "生成时间：2026-10-08 02:30" in report.content.cover_lines(pack)
