"""The quarterly review pack of issue 18: the commentary written through the goals page is in the PDF's text layer,
the PPTX holds the same sections as the PDF, and an issued pack whose figures a later monthly import changes is
marked revised, naming the figures."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

import ui.auth
from data_layer import db, report
from data_layer.imports.pipeline import run_import
from data_layer.report import archive, sections
from tests.imports.imports_helpers import MONTHLY_HEADER, csv_bytes

REPO = Path(__file__).resolve().parents[2]
GOALS = str(REPO / "app_pages" / "goals.py")
FINDINGS = "三季度税收增长主要来自天河区存量楼宇，<b>新纳入</b>楼宇贡献约两成 & 持续关注。"
TAX_NOTE = "九月补报抬高了季度税收。"


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "pack.pdf"
    path.write_bytes(data)
    layer = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                           text=True).stdout
    return re.sub(r"\s+", "", layer)


def _titles(data: bytes) -> list[str]:
    deck = Presentation(io.BytesIO(data))
    out = []
    for slide in deck.slides:
        boxes = [shape for shape in slide.shapes if shape.has_text_frame and shape.text_frame.text.strip()]
        out.append(boxes[0].text_frame.text if boxes else "")
    return out


def _issued(at: AppTest):  # type: ignore[no-untyped-def]
    """The issued-packs table (read-only dataframes carry no key in AppTest)."""
    return next(d.value for d in at.dataframe if "status" in d.value.columns)


def _write_through_the_page(url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """An editor writes the key findings and the building-tax note on the goals page; returns (year, quarter)."""
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(GOALS, default_timeout=120)
    at.session_state["auth_user"] = ui.auth.AuthUser("analyst", "editor")
    at.run()
    assert not at.exception
    year = at.selectbox(key="goal_year").value
    month = at.selectbox(key=f"goal_month_{year}").value
    box = next(a for a in at.text_area if str(a.key).startswith("review_note_text_"))
    box.input(FINDINGS)
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception
    which = next(s for s in at.selectbox if str(s.key).startswith("review_note_which_"))
    which.set_value("building_tax").run()  # opens the building-tax note (empty so far)
    box = next(a for a in at.text_area if str(a.key).startswith("review_note_text_"))
    box.input(TAX_NOTE)
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception
    shown = " ".join(t.value for t in at.text)
    assert FINDINGS in shown and TAX_NOTE in shown  # shown on the page as typed (plain text)
    return year, (month - 1) // 3 + 1


def test_the_commentary_written_on_the_page_is_printed_and_both_formats_hold_the_same_sections(
        demo_copy: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    year, quarter = _write_through_the_page(demo_copy, monkeypatch)
    engine = db.make_engine(demo_copy)
    chosen = ("commentary", "kpis", "drivers", "completeness")
    pdf = _pdf_text(report.render(engine, year=year, quarter=quarter, fmt="pdf", sections=chosen), tmp_path)
    assert re.sub(r"\s+", "", FINDINGS) in pdf and TAX_NOTE in pdf  # markup-like text printed as typed
    headings = ["一、分析意见", "二、核心指标", "三、变动归因", "四、数据报送情况"]
    assert all(h in pdf for h in headings)
    assert "走势" not in pdf and "区域动态排名" not in pdf  # sections not chosen are left out
    assert "环比" in pdf and "同比" in pdf  # quarter on quarter beside year on year
    deck_titles = _titles(report.render(engine, year=year, quarter=quarter, fmt="pptx", sections=chosen))
    assert [title for title in dict.fromkeys(deck_titles[1:])] == headings  # the same sections, in the same order
    deck = Presentation(io.BytesIO(report.render(engine, year=year, quarter=quarter, fmt="pptx", sections=chosen)))
    words = " ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame)
    assert FINDINGS in words and TAX_NOTE in words
    assert any(shape.has_chart for shape in deck.slides[3].shapes)  # the drivers bridge, a native chart


def test_the_full_pack_lists_every_section_in_both_formats(demo_url: str, tmp_path: Path) -> None:
    engine = db.make_engine(demo_url)
    pdf = _pdf_text(report.render(engine, year=2026, quarter=3, fmt="pdf"), tmp_path)
    pack = report.build(engine, year=2026, quarter=3)
    headings = [pack.heading(code) for code in sections.SECTIONS]
    assert all(h in pdf for h in headings)
    titles = _titles(report.render_pack(pack, fmt="pptx"))
    assert [t for t in dict.fromkeys(titles[1:]) if t in headings] == headings
    deck = Presentation(io.BytesIO(report.render_pack(pack, fmt="pptx")))
    sentiment = next(slide for slide, title in zip(deck.slides, titles, strict=True) if title == "七、营商环境感知与预警")
    table = next(shape.table for shape in sentiment.shapes if shape.has_table)  # by dimension, as in the PDF
    assert table.cell(0, 0).text == "维度" and len(table.rows) == len(pack.dimensions) + 1


def test_an_issued_pack_is_marked_revised_after_a_monthly_import_changes_its_figures(demo_copy: str) -> None:
    engine = db.make_engine(demo_copy)
    pack = report.build(engine, year=2026, quarter=3)
    number = archive.issue(engine, pack=pack, fmt_code="pdf", user="analyst")
    assert archive.issue(engine, pack=pack, fmt_code="pdf", user="analyst") == number  # the same pack once
    listed = archive.issued(engine)
    assert listed["revised"].tolist() == [False]

    with engine.connect() as conn:  # the largest taxpayer of September sends a corrected return: +10,000 万元
        row = conn.execute(text(
            "SELECT b.code, m.occupied_area_m2, m.leasable_area_m2, m.enterprises_operating,"
            " m.enterprises_registered, m.tax_10k, m.employees, m.new_enterprises FROM building_month m"
            " JOIN building b ON b.id = m.building_id WHERE m.month = '2026-09-01'"
            " ORDER BY m.tax_10k DESC, b.code LIMIT 1")).one()
    corrected = [row[0], "2026-09", row[1], row[2], row[3], row[4], round(float(row[5]) + 10_000, 2), row[6], row[7]]
    outcome = run_import(engine, kind="monthly", file_name="九月补报.csv", data=csv_bytes([MONTHLY_HEADER, corrected]),
                         user="importer")
    assert outcome.committed, outcome.findings

    listed = archive.issued(engine)
    assert listed["revised"].tolist() == [True]
    changed = {c["label"]: (c["then"], c["now"]) for c in listed["changed"].iloc[0]}
    # the quarter's and the year's building tax each rise by 10,000 万元 = 1.00 亿元, and with them the tax share
    # and the plan's building-tax actual; occupancy and new enterprises were not touched
    assert "楼宇税收 · 2026年第3季度" in changed and "楼宇税收 · 2026年1-9月" in changed
    then, now = changed["楼宇税收 · 2026年第3季度"]
    assert float(now.split()[0]) - float(then.split()[0]) == pytest.approx(1.00, abs=0.011)
    assert not any(label.startswith(("入驻率", "新入驻企业")) for label in changed)
    # a pack issued after the import is current
    again = archive.issue(engine, pack=report.build(engine, year=2026, quarter=3), fmt_code="pptx", user="analyst")
    listed = archive.issued(engine)
    assert listed.set_index("id").loc[again, "revised"] == False  # noqa: E712 - a numpy bool


def test_the_report_page_issues_a_pack_and_lists_it_revised_after_an_import(
        demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_copy)
    page = str(REPO / "app_pages" / "report.py")
    viewer = AppTest.from_file(page, default_timeout=120).run()
    assert not viewer.exception and not [b for b in viewer.button if b.key == "issue_pack"]  # editors only
    at = AppTest.from_file(page, default_timeout=120)
    at.session_state["auth_user"] = ui.auth.AuthUser("analyst", "editor")
    at.run()
    at.selectbox(key="report_year").set_value(2026).run()
    at.selectbox(key="report_quarter_2026").set_value(3).run()
    at.multiselect(key="report_sections").set_value(["kpis", "drivers"]).run()
    at.button(key="issue_pack").click().run()
    assert not at.exception
    assert any("第 1 号" in s.value for s in at.success)
    listed = _issued(at)
    assert listed["status"].tolist() == ["与现数据一致"]
    engine = db.make_engine(demo_copy)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT sections, format, issued_by FROM issued_pack")).one() == (
            "kpis,drivers", "pdf", "analyst")
        code, tax = conn.execute(text(
            "SELECT b.code, m.tax_10k FROM building_month m JOIN building b ON b.id = m.building_id"
            " WHERE m.month = '2026-07-01' ORDER BY m.tax_10k DESC, b.code LIMIT 1")).one()
        rest = conn.execute(text(
            "SELECT m.occupied_area_m2, m.leasable_area_m2, m.enterprises_operating, m.enterprises_registered,"
            " m.employees, m.new_enterprises FROM building_month m JOIN building b ON b.id = m.building_id"
            " WHERE b.code = :c AND m.month = '2026-07-01'"), {"c": code}).one()
    row = [code, "2026-07", rest[0], rest[1], rest[2], rest[3], round(float(tax) + 20_000, 2), rest[4], rest[5]]
    assert run_import(engine, kind="monthly", file_name="七月更正.csv", data=csv_bytes([MONTHLY_HEADER, row]),
                      user="importer").committed
    at.run()
    listed = _issued(at)
    assert listed["status"].tolist() == ["印发后已修订"]
    assert "楼宇税收 · 2026年第3季度" in listed.iloc[0]["changed"]  # the figure that changed, named
