"""Label correction (kept, audited, winning everywhere), the feedback listing, keywords, demands, backfill."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select, text

from data_layer import observation, queries
from data_layer.models import AuditLog, Feedback

Q3 = date(2026, 8, 10)


def test_correcting_a_label_is_kept_audited_and_bumps_the_version(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    [record] = obs.feedback(1, [(Q3, 3, "电梯又坏了", "neutral", 0.4)])
    version = queries.data_version(engine)
    observation.correct_label(engine, feedback_id=record, label="negative", user="editor1")
    with engine.connect() as conn:
        row = conn.execute(select(Feedback).where(Feedback.id == record)).one()
        audit = conn.execute(select(AuditLog)).all()
    assert (row.corrected_label, row.corrected_by, row.sentiment_label) == ("negative", "editor1", "neutral")
    assert row.corrected_at is not None
    assert len(audit) == 1
    entry = audit[0]
    assert (entry.action, entry.table_name, entry.row_key, entry.user_name) == ("label_correct", "feedback",
                                                                                 str(record), "editor1")
    assert json.loads(entry.old_value)["sentiment_label"] == "neutral"
    assert json.loads(entry.new_value)["corrected_label"] == "negative"
    assert queries.data_version(engine) != version


def test_clearing_a_correction_returns_to_the_model(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    [record] = obs.feedback(1, [(Q3, 3, "还行", "neutral", 0.9, "positive")])
    observation.correct_label(engine, feedback_id=record, label=None, user="editor1")
    listing = observation.feedback_list(engine, point_id=1)
    assert listing.loc[0, "label"] == "neutral" and pd.isna(listing.loc[0, "corrected_label"])


def test_a_bad_correction_changes_nothing(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    [record] = obs.feedback(1, [(Q3, 3, "还行", "neutral", 0.9)])
    with pytest.raises(ValueError):
        observation.correct_label(engine, feedback_id=record, label="angry", user="editor1")
    with pytest.raises(LookupError):
        observation.correct_label(engine, feedback_id=999, label="negative", user="editor1")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM audit_log")).scalar() == 0
        assert conn.execute(text("SELECT corrected_label FROM feedback")).scalar() is None


def test_listing_is_newest_first_filtered_and_flags_low_confidence(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.feedback(1, [(date(2026, 7, 1), 4, "旧的好评", "positive", 0.9),
                     (date(2026, 9, 1), 2, "新的差评", "negative", 0.5),
                     (date(2026, 8, 1), 3, "中间的", "neutral", 0.55, "negative"),
                     (date(2026, 9, 2), 3, "", None, None)])
    listing = observation.feedback_list(engine, point_id=1, review_confidence=0.6)
    assert listing["text"].tolist() == ["新的差评", "中间的", "旧的好评"]  # no empty comment, newest first
    # low confidence needs review unless staff corrected it
    assert listing["needs_review"].tolist() == [True, False, False]
    negatives = observation.feedback_list(engine, point_id=1, label="negative")
    assert negatives["text"].tolist() == ["新的差评", "中间的"]  # the corrected one counts as negative
    assert observation.feedback_list(engine, point_id=1, dimension="talent").empty


def test_keywords_come_from_negative_comments_per_dimension(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.feedback(1, [(Q3, 1, "电梯经常坏，物业不管", "negative", 0.9),
                     (Q3, 2, "电梯太慢了", "negative", 0.9),
                     (Q3, 5, "会议室很好用", "positive", 0.9),
                     (Q3, 3, "空调有点吵", "neutral", 0.9, "negative")])
    words = observation.negative_keywords(engine, start=date(2026, 7, 1), end=date(2026, 9, 30), min_count=1)
    counts = dict(zip(words["term"], words["count"], strict=True))
    assert counts["电梯"] == 2 and counts["空调"] == 1
    assert "会议室" not in counts  # praise is not a complaint
    assert not {"经常", "不管", "太慢"} & set(counts)  # evaluative and function words are not terms
    at_least_two = observation.negative_keywords(engine, start=date(2026, 7, 1), end=date(2026, 9, 30), min_count=2)
    assert at_least_two["term"].tolist() == ["电梯"]  # 空调 (1 comment) is below the minimum


def test_a_keyword_opens_the_comments_behind_it(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.feedback(1, [(Q3, 1, "电梯经常坏，物业不管", "negative", 0.9),
                     (Q3, 2, "电梯太慢了", "negative", 0.9),
                     (Q3, 5, "电梯很干净", "positive", 0.9),
                     (Q3, 2, "总体办事平台不好用，电梯也旧", "negative", 0.9)])
    words = observation.negative_keywords(engine, start=date(2026, 7, 1), end=date(2026, 9, 30), min_count=1)
    assert not {"总体", "办事", "平台"} & set(words["term"])  # domain filler is not a keyword
    behind = observation.keyword_comments(engine, term="电梯", dimension="operations", start=date(2026, 7, 1),
                                          end=date(2026, 9, 30))
    assert len(behind) == int(words.set_index("term").loc["电梯", "count"]) == 3  # the praise is not behind it


def test_demand_summary_by_hand(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.point(2, district="D2")
    today = date(2026, 11, 23)
    obs.demand(1, 1, category="parking", status="closed", opened=date(2026, 9, 1), due=date(2026, 10, 1),
               closed=date(2026, 9, 11))  # 10 days, on time
    obs.demand(2, 1, category="parking", status="closed", opened=date(2026, 9, 1), due=date(2026, 10, 1),
               closed=date(2026, 10, 31))  # 60 days, late
    obs.demand(3, 1, category="policy", status="open", opened=date(2026, 10, 1), due=date(2026, 11, 1))  # overdue
    obs.demand(4, 2, category="policy", status="in_progress", opened=date(2026, 11, 1), due=date(2026, 12, 1))
    frame = observation.demands(engine)
    per_point = observation.demand_summary(frame, by=["point_id"], as_of=today).set_index("point_id")
    assert per_point.loc[1, ["total", "open", "overdue", "closed", "closed_late"]].tolist() == [3, 1, 1, 2, 1]
    assert per_point.loc[1, "median_days"] == pytest.approx(35.0)  # median of 10 and 60
    assert per_point.loc[2, ["open", "in_progress", "overdue"]].tolist() == [1, 1, 0]
    per_district = observation.demand_summary(frame, by=["district_code"], as_of=today).set_index("district_code")
    assert per_district.loc["D2", "total"] == 1


def test_backfill_labels_only_unlabelled_comments(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.feedback(1, [(Q3, 3, "停车位太少，每天都找不到位置", None, None),
                     (Q3, 4, "保持", "positive", 0.99), (Q3, 4, "", None, None)])
    assert observation.score_unlabelled(engine) == 1
    listing = observation.feedback_list(engine, point_id=1).set_index("text")
    assert listing.loc["停车位太少，每天都找不到位置", "model_label"] == "negative"
    assert listing.loc["保持", "confidence"] == pytest.approx(0.99)  # an existing label is not touched
    assert observation.score_unlabelled(engine) == 0


def test_the_review_filter_reaches_past_the_listing_cap(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    # 5 old comments waiting for review, then 500 newer confident ones: the newest 500 hold none of the 5
    obs.feedback(1, [(date(2026, 1, 5), 3, f"旧的待复核{i}", "neutral", 0.4) for i in range(5)]
                 + [(date(2026, 9, 1), 4, f"新的{i}", "positive", 0.95) for i in range(500)])
    waiting = observation.feedback_list(engine, point_id=1, review_only=True, review_confidence=0.6, limit=500)
    assert sorted(waiting["text"]) == [f"旧的待复核{i}" for i in range(5)]
    assert waiting["needs_review"].all()
    assert len(observation.feedback_list(engine, point_id=1, limit=500)) == 500
    # the true totals, whatever the cap: 505 comments, 5 of them waiting
    assert observation.feedback_counts(engine, point_id=1, review_confidence=0.6) == (505, 5)
    assert observation.feedback_counts(engine, point_id=1, review_only=True, review_confidence=0.6) == (5, 5)
    assert observation.feedback_counts(engine, point_id=1, label="positive", review_confidence=0.6) == (500, 0)


def test_a_corrected_or_unlabelled_comment_is_not_waiting_for_review(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.feedback(1, [(Q3, 3, "低置信度", "neutral", 0.3), (Q3, 3, "已更正", "neutral", 0.3, "negative"),
                     (Q3, 3, "未评分", None, None)])
    waiting = observation.feedback_list(engine, point_id=1, review_only=True, review_confidence=0.6)
    assert waiting["text"].tolist() == ["低置信度"]
    assert observation.feedback_counts(engine, point_id=1, review_confidence=0.6) == (3, 1)


def test_demand_list_newest_first_with_days_open_by_hand(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.point(2, district="D2")
    today = date(2026, 11, 23)
    obs.demand(1, 1, category="parking", status="closed", opened=date(2026, 9, 1), due=date(2026, 10, 1),
               closed=date(2026, 9, 11))  # 10 days
    obs.demand(2, 1, category="parking", status="closed", opened=date(2026, 9, 1), due=date(2026, 10, 1),
               closed=date(2026, 10, 31))  # 60 days
    obs.demand(3, 1, category="policy", status="open", opened=date(2026, 10, 1), due=date(2026, 11, 1))
    # open since 1 Oct: 30 days of October + 23 of November = 53, past its due date: overdue
    obs.demand(4, 2, category="policy", status="in_progress", opened=date(2026, 11, 1), due=date(2026, 12, 1))
    # open since 1 Nov: 22 days, not yet due
    obs.demand(5, 2, category="permits", status="closed", opened=date(2026, 10, 1), due=date(2026, 10, 20),
               closed=date(2026, 10, 4))  # 3 days
    frame = observation.demands(engine)
    listed = observation.demand_list(frame, as_of=today)
    assert listed["id"].tolist() == [4, 3]  # open ones only, newest first
    assert listed["days_open"].tolist() == [22, 53]
    assert listed["overdue"].tolist() == [False, True]
    everything = observation.demand_list(frame, as_of=today, open_only=False)
    assert everything["id"].tolist() == [4, 5, 3, 2, 1]  # 5 and 3 opened on 1 Oct, 2 and 1 on 1 Sep: higher id first
    assert everything.set_index("id").loc[[5, 2, 1], "days_open"].tolist() == [3, 60, 10]
    assert everything.set_index("id").loc[3, "text"] == "诉求"
    scoped = observation.demand_list(observation.scope_demands(frame, district="D2"), as_of=today, open_only=False)
    assert scoped["id"].tolist() == [4, 5]
    # closed: 10, 60 and 3 days → mean 73 / 3, median 10
    mean, median = observation.close_times(frame)
    assert mean == pytest.approx(73 / 3) and median == pytest.approx(10.0)
    assert observation.close_times(observation.scope_demands(frame, point_id=2)) == (pytest.approx(3.0),
                                                                                   pytest.approx(3.0))
    assert observation.close_times(frame[frame["status"] != "closed"]) == (None, None)
    summary = observation.demand_summary(frame, by=["point_id"], as_of=today).set_index("point_id")
    assert summary.loc[1, "mean_days"] == pytest.approx(35.0)  # (10 + 60) / 2
