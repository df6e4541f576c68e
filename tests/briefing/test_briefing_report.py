"""The quarterly review pack: the PDF's text layer and glyphs (pdftotext, pdffonts, pdftoppm), the PPTX's slides and
fonts (python-pptx), stored text printed literally, the font setting's error, the command line and the page."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection
from PIL import Image
from pptx import Presentation
from pptx.util import Emu
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_layer import briefing, db, report
from data_layer.__main__ import main
from data_layer.goals import Scope
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
    for heading in ("楼宇经济季度分析通报", "2026年第3季度", "一、核心指标", "二、年度目标进度", "三、走势",
                    "四、区域动态排名", "五、营商环境感知与预警", "六、企业诉求办理", "七、数据说明", "数据截至"):
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
    assert titles == ["楼宇经济季度分析通报", "一、核心指标", "二、年度目标进度", "二、目标完成度", "三、走势",
                      "四、区域动态排名", "五、营商环境感知与预警", "六、企业诉求办理", "七、数据说明",
                      "七、数据说明（指标定义）"]
    assert deck.slide_width == Emu(12192000) or deck.slide_width > deck.slide_height  # 16:9
    runs = [run for slide in deck.slides for shape in slide.shapes if shape.has_text_frame
            for paragraph in shape.text_frame.paragraphs for run in paragraph.runs]
    runs += [run for slide in deck.slides for shape in slide.shapes if shape.has_table
             for row in shape.table.rows for cell in row.cells for paragraph in cell.text_frame.paragraphs
             for run in paragraph.runs]
    assert runs and all(run._r.rPr.find(EA).get("typeface") == PPTX_EA_FONT for run in runs)  # noqa: SLF001
    charts = {slide_number: [shape.chart for shape in slide.shapes if shape.has_chart]
              for slide_number, slide in enumerate(deck.slides)}
    progress = charts[3][0]
    assert set(progress.plots[0].categories) == set(_table_column(deck.slides[2], 0))  # one bar per indicator
    assert len(charts[4]) == 2 and len(charts[4][0].plots[0].categories) == 24  # tax and occupancy, 24 months
    assert len(charts[5][0].plots[0].categories) == 11  # the ranked districts
    for chart_list in charts.values():
        for chart in chart_list:
            assert chart._chartSpace.txPr.find(".//" + EA).get("typeface") == PPTX_EA_FONT  # noqa: SLF001


def _table_column(slide, index: int) -> list[str]:  # type: ignore[no-untyped-def]
    table = next(shape.table for shape in slide.shapes if shape.has_table)
    return [row.cells[index].text for row in list(table.rows)[1:]]


def test_the_pptx_targets_table_matches_the_goal_table(pack_files: dict[str, Path], demo_url: str) -> None:
    deck = Presentation(str(pack_files["pptx"]))
    names = [name for slide in deck.slides if _slide_title(slide) == "二、年度目标进度"
             for name in _table_column(slide, 0)]
    assert names == _plan_indicators(demo_url) or sorted(names) == sorted(_plan_indicators(demo_url))


@pytest.mark.sqlite_only
def test_stored_text_is_printed_as_typed(demo_copy: str, tmp_path: Path) -> None:
    engine = db.make_engine(demo_copy)
    first = briefing.open_demands(engine, at_month=date(2026, 9, 1), limit=1).iloc[0]
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
    pack = report.build(db.make_engine(demo_url), year=2026, quarter=4)
    assert pack.as_of == date(2026, 10, 1) and not pack.complete
    assert any("2026-10" in line and "季度未完整" in line for line in report.content.cover_lines(pack))


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
    at = AppTest.from_file(str(REPO / "pages" / "report.py"), default_timeout=60).run()
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
    assert titles[0] == "Building economy quarterly review" and titles[1] == "1. Headline figures"
    assert "Tianhe" in "".join(_table_column(deck.slides[5], 1))  # district names in English
