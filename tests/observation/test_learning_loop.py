"""The learning loop on a small store: corrections teach the next model, a retrain re-scores the stored feedback in
one audited transaction without touching any correction, and a model that scores worse on the blind set is
refused."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, text

from data_layer import observation
from data_layer.models import AuditLog, Feedback
from data_layer.sentiment.evaluate import DEV
from data_layer.sentiment.learned import SHIPPED_MODEL, load_model
from data_layer.sentiment.retrain import retrain

D = date(2026, 9, 1)


def _labels(engine) -> dict[str, tuple]:  # type: ignore[no-untyped-def, type-arg]
    with engine.connect() as conn:
        rows = conn.execute(select(Feedback.text, Feedback.sentiment_label, Feedback.sentiment_model,
                                   Feedback.corrected_label)).all()
    return {r.text: (r.sentiment_label, r.sentiment_model, r.corrected_label) for r in rows}


@pytest.mark.slow  # retrains the model
def test_a_correction_survives_a_retrain_and_a_rescore(engine, obs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    point = obs.point(1)
    ids = obs.feedback(point, [(D, 2, "这个月的例会改到周四下午", "neutral", 0.9),
                               (D, 4, "前台服务很周到", "positive", 0.9)])
    # staff read the first as a complaint (a label no model would give it), and say so
    observation.correct_label(engine, feedback_id=ids[0], label="negative", user="editor")
    assert observation.corrections_since(engine, through=None) == 1

    outcome = retrain(engine, user="admin", path=tmp_path / "model.json")  # no model there yet: vs the lexicon

    assert outcome.accepted and outcome.corrections == 1 and outcome.rescored == 2
    labels = _labels(engine)
    assert labels["这个月的例会改到周四下午"][2] == "negative"  # the correction stands
    assert {model for _, model, _ in labels.values()} == {outcome.new_version}  # every comment re-scored
    model = load_model(tmp_path / "model.json")
    assert model is not None and model.trained_on["corrections"] == 1
    assert observation.corrections_since(engine, through=model.trained_on["corrections_through"]) == 0
    with engine.connect() as conn:
        audit = conn.execute(select(AuditLog.action, AuditLog.row_key).where(
            AuditLog.action == "sentiment_rescore")).all()
    assert audit == [("sentiment_rescore", outcome.new_version)]

    observation.rescore_feedback(engine, model=model, user="admin")  # and again: still the staff's label
    assert _labels(engine)["这个月的例会改到周四下午"][2] == "negative"
    with engine.connect() as conn:
        effective = conn.execute(select(observation.effective_label()).where(Feedback.id == ids[0])).scalar()
    assert effective == "negative"


@pytest.mark.slow  # trains a model
def test_a_worse_model_is_refused(engine, obs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.json"
    shutil.copy(SHIPPED_MODEL, path)
    before = path.read_bytes()
    point = obs.point(1)
    # 150 "corrections" that swap praise and complaint: a model that learns them reads the blind set worse
    dev = pd.read_csv(DEV)
    polar = dev[dev["label"] != "neutral"].head(150)
    flipped = {"positive": "negative", "negative": "positive"}
    obs.feedback(point, [(D, 3, row.text, row.label, 0.9, flipped[row.label]) for row in polar.itertuples()])
    with engine.begin() as conn:
        conn.execute(text("UPDATE feedback SET corrected_at = '2026-09-02 10:00:00'"))

    outcome = retrain(engine, user="admin", path=path)

    assert not outcome.accepted
    assert outcome.new.macro_f1 < outcome.old.macro_f1
    assert path.read_bytes() == before  # the model in use stays
    assert {model for _, model, _ in _labels(engine).values()} == {None}  # nothing re-scored
    assert "refused" in outcome.text()


def test_the_review_queue_starts_with_the_least_confident(engine, obs) -> None:  # type: ignore[no-untyped-def]
    point = obs.point(1)
    obs.feedback(point, [(date(2026, 9, 3), 3, "甲", "neutral", 0.55), (date(2026, 9, 1), 3, "乙", "neutral", 0.35),
                         (date(2026, 9, 2), 3, "丙", "positive", 0.45), (date(2026, 9, 4), 3, "丁", "positive", 0.9)])
    queue = observation.feedback_list(engine, point_id=point, review_only=True, review_confidence=0.6)
    assert queue["text"].tolist() == ["乙", "丙", "甲"]  # by confidence; 丁 (0.9) needs no review


def test_a_dimension_correction_is_kept_audited_and_counted(engine, obs) -> None:  # type: ignore[no-untyped-def]
    point = obs.point(1)
    ids = obs.feedback(point, [(D, 2, "地下车库的充电桩总是坏", "negative", 0.9)], dimension="transport")
    observation.correct_dimension(engine, feedback_id=ids[0], dimension="operations", user="editor")
    with engine.connect() as conn:
        row = conn.execute(select(Feedback.dimension, Feedback.dimension_corrected_by)).one()
        audit = conn.execute(select(AuditLog.action, AuditLog.old_value)).one()
    assert tuple(row) == ("operations", "editor")
    assert audit.action == "dimension_correct" and "transport" in audit.old_value
    assert observation.corrections_since(engine, through=None) == 1


def test_ten_corrections_of_one_phrasing_teach_the_next_model(engine, obs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The issue's case: staff fix the same phrasing again and again (rhetorical 凭什么 questions read as plain
    questions); after a retrain, new comments phrased that way are read as complaints."""
    from data_layer.sentiment import score_many

    asked = ["凭什么同一份材料要交三次？", "凭什么外地企业就不能申请？", "凭什么我们的补贴比别家少？", "凭什么每次都让我们等？",
             "凭什么物业费年年涨？", "凭什么预约了还要排队？", "凭什么周末不开放？", "凭什么停车位只给大公司？",
             "凭什么通知总是最后一天才发？", "凭什么投诉了没人回？"]
    new = ["凭什么会议室要提前一周预约？", "凭什么充电桩只有三个？", "凭什么人才公寓不对我们开放？"]
    assert [r.label for r in score_many(new)] == ["neutral"] * 3  # the shipped model
    point = obs.point(1)
    ids = obs.feedback(point, [(D, 2, text, "neutral", 0.7) for text in asked])
    for feedback_id in ids:
        observation.correct_label(engine, feedback_id=feedback_id, label="negative", user="editor")

    outcome = retrain(engine, user="admin", path=tmp_path / "model.json")

    assert outcome.accepted and outcome.corrections == 10
    model = load_model(tmp_path / "model.json")
    assert [r.label for r in score_many(new, model=model)] == ["negative"] * 3
