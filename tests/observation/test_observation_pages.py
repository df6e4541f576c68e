"""The 观测点 page under AppTest: the demo city's figures against the raw tables, literal text, corrections."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_layer import db
from ui.auth import AuthUser

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "app_pages" / "observation.py")
HOSTILE = "<script>alert('x')</script> **加粗** [链接](http://example.com) # 标题"


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_demo_page_renders_and_the_city_index_matches_the_raw_table(monkeypatch, demo_url: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", demo_url)
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert len(at.metric) == 6
    assert len(at.get("deck_gl_json_chart")) == 1
    assert len(at.get("plotly_chart")) >= 3  # trend, dimensions, keywords, demands
    quarter = at.selectbox(key="obs_quarter").value
    year, number = int(quarter[:4]), int(quarter[-1])
    with db.make_engine(demo_url).connect() as conn:
        raw = pd.read_sql(text("SELECT submitted_on, score, COALESCE(corrected_label, sentiment_label) AS label"
                               " FROM feedback"), conn)
    stamps = pd.to_datetime(raw["submitted_on"])
    rows = raw[(stamps.dt.year == year) & (stamps.dt.quarter == number)]
    survey = (rows["score"].mean() - 1) / 4 * 100
    labelled = rows["label"].dropna()
    text_part = (1 + (labelled == "positive").mean() - (labelled == "negative").mean()) / 2 * 100
    metrics = _metrics(at)
    assert metrics["感知指数"] == f"{0.6 * survey + 0.4 * text_part:.1f}"
    assert metrics["反馈条数"] == f"{len(rows):,}"
    assert metrics["负面占比"] == f"{(labelled == 'negative').mean() * 100:.1f}%"

    # The feedback tab lists the comments of the point picked in the sidebar, also after a second pick there.
    first, second = at.selectbox(key="obs_point").options[1:3]  # options[0] is every point
    for picked in (first, second):
        at.selectbox(key="obs_point").select(picked).run()
        assert at.selectbox(key="obs_feedback_point").value == at.selectbox(key="obs_point").value


def test_english_is_a_switch_in_the_url(monkeypatch, demo_url: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", demo_url)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Business-environment observation points"
    assert "Perception index" in _metrics(at)


@pytest.fixture
def small_store(monkeypatch, engine, make, obs, store_url: str) -> list[int]:  # type: ignore[no-untyped-def]
    """One point with a hostile comment and an ordinary one, plus the monthly row the app needs to open."""
    obs.point(1, name="测试楼")
    make.months([{"building_id": 101, "month": date(2026, 9, 1), "occupied_area_m2": 10.0, "leasable_area_m2": 20.0}])
    ids = obs.feedback(1, [(date(2026, 9, 3), 2, HOSTILE, "negative", 0.95),
                           (date(2026, 9, 2), 3, "电梯还行吧", "neutral", 0.5)])
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("DASHBOARD_TODAY", "2026-11-23")
    return ids


def _feedback_table(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "反馈内容" in df.value.columns)


def test_feedback_text_is_shown_literally(small_store: list[int]) -> None:
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    shown = _feedback_table(at)
    assert shown["反馈内容"].tolist()[0] == HOSTILE  # the exact characters, as data in a table cell
    rendered = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    assert not any("<script>" in value or "加粗" in value for value in rendered)  # never as Markdown or HTML
    assert shown["标注状态"].tolist() == ["", "⚠ 待复核"]  # confidence 0.5 < 0.6


def test_viewers_cannot_correct_labels(small_store: list[int]) -> None:
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert any("编辑" in w.value for w in at.warning)
    assert not [b for b in at.button if b.label == "保存更正"]


def test_an_editor_correction_wins_over_the_model_on_the_page(small_store: list[int], engine) -> None:  # type: ignore[no-untyped-def]
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["auth_user"] = AuthUser("tester", "editor")
    at.run()
    assert not at.exception
    at.selectbox(key="obs_correct_id").set_value(small_store[1])
    at.selectbox(key="obs_correct_label").set_value("negative")
    next(b for b in at.button if b.label == "保存更正").click().run()
    assert not at.exception
    with engine.connect() as conn:
        corrected = conn.execute(text("SELECT corrected_label, corrected_by FROM feedback WHERE id = :i"),
                                 {"i": small_store[1]}).one()
        actions = conn.execute(text("SELECT action, user_name FROM audit_log")).all()
    assert tuple(corrected) == ("negative", "tester")
    assert [tuple(a) for a in actions] == [("label_correct", "tester")]
    shown = _feedback_table(at).set_index("编号")
    assert shown.loc[small_store[1], "情感"] == "负面"
    assert shown.loc[small_store[1], "标注状态"] == "已由 tester 更正"
    # a stranger learns that it was corrected, not by whom (a user name is half of a sign-in)
    stranger = AppTest.from_file(PAGE, default_timeout=120).run()
    assert _feedback_table(stranger).set_index("编号").loc[small_store[1], "标注状态"] == "已更正"
    assert _metrics(at)["负面占比"] == "—"  # two labelled comments: too few (< 5) for a share


def test_a_store_without_feedback_says_so(monkeypatch, engine, make, store_url: str) -> None:  # type: ignore[no-untyped-def]
    make.district()
    make.building(1)
    make.months([{"building_id": 1, "month": date(2026, 9, 1)}])
    monkeypatch.setenv("DATABASE_URL", store_url)
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert "没有观测点反馈" in at.info[0].value


def test_the_review_filter_lists_only_low_confidence_labels(small_store: list[int]) -> None:
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.selectbox(key="obs_feedback_sentiment").set_value("review").run()
    assert not at.exception
    assert _feedback_table(at)["反馈内容"].tolist() == ["电梯还行吧"]


HOSTILE_NAME = "**粗体楼** [链接](http://example.com) <b>x</b>"


def test_an_imported_point_name_is_escaped_in_the_caption(monkeypatch, engine, make, obs, store_url: str) -> None:  # type: ignore[no-untyped-def]
    obs.point(1, name=HOSTILE_NAME)
    make.months([{"building_id": 101, "month": date(2026, 9, 1), "occupied_area_m2": 10.0, "leasable_area_m2": 20.0}])
    obs.feedback(1, [(date(2026, 9, 3), 2, "还行", "neutral", 0.9)])
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("DASHBOARD_TODAY", "2026-11-23")
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.selectbox(key="obs_point").set_value(1).run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    # every Markdown special escaped, and a zero-width space after the scheme so no autolink is made
    assert any("\\*\\*粗体楼\\*\\* \\[链接\\]\\(http\u200b\\:" in c for c in captions)
    rendered = captions + [m.value for m in at.markdown] + [s.value for s in at.subheader]
    assert not any("**粗体楼**" in value or "[链接](" in value for value in rendered)
    names = [trace.get("name", "") for chart in at.get("plotly_chart")
             for trace in json.loads(chart.proto.spec)["data"]]
    assert any(name.endswith("&lt;b&gt;x&lt;/b&gt;") for name in names)  # the legend shows the tags as text
    assert not any("<b>" in name for name in names)


def test_the_feedback_caption_counts_beyond_the_cap_and_review_reaches_old_records(
        monkeypatch, engine, make, obs, store_url: str) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    make.months([{"building_id": 101, "month": date(2026, 9, 1), "occupied_area_m2": 10.0, "leasable_area_m2": 20.0}])
    obs.feedback(1, [(date(2026, 1, 5), 3, f"旧的待复核{i}", "neutral", 0.4) for i in range(3)]
                 + [(date(2026, 9, 1), 4, f"新的{i}", "positive", 0.95) for i in range(510)])
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.setenv("DASHBOARD_TODAY", "2026-11-23")
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert len(_feedback_table(at)) == 500
    assert any("显示 500 条" in c.value and "共 513 条" in c.value and "其中 3 条" in c.value for c in at.caption)
    at.selectbox(key="obs_feedback_sentiment").set_value("review").run()
    assert not at.exception
    assert sorted(_feedback_table(at)["反馈内容"]) == ["旧的待复核0", "旧的待复核1", "旧的待复核2"]
    assert any("显示 3 条" in c.value and "共 3 条" in c.value for c in at.caption)


def test_evidence_markers_are_translated_in_english(small_store: list[int], engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text("UPDATE feedback SET sentiment_evidence = :e WHERE id = :i"),
                     {"e": "转折 反语 太慢", "i": small_store[0]})
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    shown = next(df.value for df in at.dataframe if "Comment" in df.value.columns).set_index("ID")
    assert shown.loc[small_store[0], "Evidence"] == "turn (but …) sarcasm 太慢"  # the comment's own word kept


def test_the_demand_list_shows_open_demands_with_days_and_close_times(small_store: list[int], obs) -> None:  # type: ignore[no-untyped-def]
    obs.demand(1, 1, category="parking", status="closed", opened=date(2026, 9, 1), due=date(2026, 10, 1),
               closed=date(2026, 9, 11))  # 10 days
    obs.demand(2, 1, category="parking", status="closed", opened=date(2026, 9, 1), due=date(2026, 10, 1),
               closed=date(2026, 10, 31))  # 60 days
    obs.demand(3, 1, category="policy", status="open", opened=date(2026, 10, 1), due=date(2026, 11, 1))
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    # closed: 10 and 60 days → mean and median 35
    assert any("已办结 **2** 件，平均 **35.0** 天办结，中位数 **35.0** 天" in m.value for m in at.markdown)
    listed = next(df.value for df in at.dataframe if "诉求内容" in df.value.columns)
    # only the open one: opened 1 Oct, open on 23 Nov = 53 days, past its due date
    assert listed["编号"].tolist() == [3]
    assert listed["历时（天）"].tolist() == [53]
    assert listed["办理状态"].tolist() == ["待办理 · 超期未办结"]
    assert listed["受理日期"].tolist() == ["2026-10-01"] and listed["办结日期"].tolist() == [""]
    at.toggle(key="obs_demands_open_only").set_value(False).run()
    listed = next(df.value for df in at.dataframe if "诉求内容" in df.value.columns)
    assert listed["编号"].tolist() == [3, 2, 1]


def test_the_page_translates_every_rule_marker_the_scorer_writes() -> None:
    from data_layer.i18n import translate
    from data_layer.sentiment import scorer
    from ui import observation_charts as charts

    assert set(charts.EVIDENCE_MARKERS) == {scorer.TURN_MARKER, scorer.SARCASM_MARKER}

    def en(key: str, **values: object) -> str:
        return translate(key, "en", **values)

    assert charts.evidence_text("反语 “高效” 拖", en) == "sarcasm “高效” 拖"
    assert charts.evidence_text(None, en) == ""


def test_an_admin_retrains_from_the_page_and_sees_both_scores(small_store: list[int], engine, monkeypatch,  # type: ignore[no-untyped-def]
                                                              tmp_path: Path) -> None:
    monkeypatch.setenv("DASHBOARD_SENTIMENT_MODEL", str(tmp_path / "model.json"))  # not the shipped file
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["auth_user"] = AuthUser("boss", "editor")
    at.run()
    assert any("此后新增人工更正 0 条" in c.value for c in at.caption)  # editors see the count ...
    assert not [b for b in at.button if b.key == "obs_retrain"]  # ... but cannot retrain
    at.session_state["auth_user"] = AuthUser("boss", "admin")
    at.run()
    at.button(key="obs_retrain").click().run()
    assert not at.exception
    scores = next(df.value for df in at.dataframe if "macro-F1" in df.value.columns)
    assert len(scores) == 2 and "macro-F1" in scores.columns  # the model in use and the new one, side by side
    assert (tmp_path / "model.json").exists()
    assert any("已启用" in s.value for s in at.success)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT action FROM audit_log")).scalars().all() == ["sentiment_rescore"]
