"""The perception index, its change, ranking, pooling and alerts, on feedback whose figures are worked out by
hand (index = 0.6 × survey + 0.4 × text; survey = (mean score − 1) / 4 × 100; text = (1 + p − q) / 2 × 100)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from data_layer import observation

Q3 = date(2026, 8, 10)
Q2 = date(2026, 5, 10)


def _index_frame(engine, quarter: str, min_responses: int) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    stats, points = observation.monthly_stats(engine), observation.points(engine)
    demands = observation.demand_summary(observation.demands(engine), by=["point_id"], as_of=date(2026, 11, 23))
    return observation.point_table(stats, points, demands, quarter=quarter, min_responses=min_responses)


def test_index_formula_by_hand() -> None:
    # survey mean 4 → 75; shares 0.5 / 0.25 → text (1 + 0.5 − 0.25) / 2 × 100 = 62.5; 0.6 × 75 + 0.4 × 62.5 = 70
    assert observation.index_value(survey_mean=4.0, positive_share=0.5, negative_share=0.25) == pytest.approx(70.0)
    assert observation.index_value(survey_mean=None, positive_share=1.0, negative_share=0.0) == pytest.approx(100.0)
    assert observation.index_value(survey_mean=1.0, positive_share=None, negative_share=None) == pytest.approx(0.0)


def test_point_index_on_hand_made_feedback(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.feedback(1, [(Q3, 5, "好", "positive", 0.9), (Q3, 4, "不错", "positive", 0.9), (Q3, 3, "一般", "neutral", 0.9),
                     (Q3, 2, "差", "negative", 0.9), (Q3, 1, "", None, None)])
    row = _index_frame(engine, "2026Q3", 5).iloc[0]
    # scores 5,4,3,2,1 → mean 3 → survey 50; only 4 labelled comments (< 5): no text part, index = survey = 50
    assert row["responses"] == 5
    assert row["survey_index"] == pytest.approx(50.0)
    assert pd.isna(row["text_index"]) and pd.isna(row["negative_share"])  # too few labels for either
    assert row["index"] == pytest.approx(50.0)
    # with a minimum of 4 the 4 labels count: 2 positive, 1 negative → text (1 + .5 − .25)/2×100 = 62.5
    four = _index_frame(engine, "2026Q3", 4).iloc[0]
    assert four["text_index"] == pytest.approx(62.5)
    assert four["index"] == pytest.approx(0.6 * 50 + 0.4 * 62.5)  # 55
    assert four["negative_share"] == pytest.approx(0.25)


def test_text_enters_the_index_only_with_enough_labelled_comments(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    # 5 responses, all scored 4 (survey 75), one of them a negative labelled comment
    obs.feedback(1, [(Q3, 4, "差", "negative", 0.9)] + [(Q3, 4, "", None, None)] * 4)
    row = _index_frame(engine, "2026Q3", 5).iloc[0]
    # before the rule: text (1 + 0 − 1)/2×100 = 0 → 0.6 × 75 + 0.4 × 0 = 45; now one label is too few: 75
    assert row["index"] == pytest.approx(75.0)
    obs.feedback(1, [(Q3, None, "一般", "neutral", 0.9)] * 4)  # now 5 labelled: 1 negative, 4 neutral
    row = _index_frame(engine, "2026Q3", 5).iloc[0]
    # survey still 75 (the 4 new rows carry no score); text (1 + 0 − 0.2)/2×100 = 40 → 45 + 16 = 61
    assert row["index"] == pytest.approx(61.0)
    # a district (pooled) follows the same rule: comments only, 3 labelled → no index at a minimum of 3 responses
    obs.point(2, district="D2")
    obs.feedback(2, [(Q3, None, "好", "positive", 0.9)] * 3)
    districts = observation.district_table(observation.monthly_stats(engine), observation.points(engine),
                                           quarter="2026Q3", min_responses=5).set_index("district_code")
    assert pd.isna(districts.loc["D2", "index"])


def test_too_few_responses_give_no_index_no_rank_no_share(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.feedback(1, [(Q3, 5, "好", "positive", 0.9)] * 4)
    row = _index_frame(engine, "2026Q3", 5).iloc[0]
    assert pd.isna(row["index"]) and pd.isna(row["rank"]) and pd.isna(row["negative_share"])
    assert _index_frame(engine, "2026Q3", 4).iloc[0]["index"] == pytest.approx(100.0)


def test_a_corrected_label_wins_over_the_model_in_the_index(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    ids = obs.feedback(1, [(Q3, 3, "还行", "neutral", 0.9)] * 5)
    before = _index_frame(engine, "2026Q3", 5).iloc[0]
    assert before["index"] == pytest.approx(0.6 * 50 + 0.4 * 50)
    observation.correct_label(engine, feedback_id=ids[0], label="negative", user="editor1")
    after = _index_frame(engine, "2026Q3", 5).iloc[0]
    # one of five now negative: text (1 + 0 − 0.2)/2×100 = 40
    assert after["negative_share"] == pytest.approx(0.2)
    assert after["index"] == pytest.approx(0.6 * 50 + 0.4 * 40)


def test_change_since_last_quarter_and_ranking(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.point(2, district="D2")
    obs.feedback(1, [(Q2, 5, "", None, None)] * 5 + [(Q3, 3, "", None, None)] * 5)  # 100 → 50: −50
    obs.feedback(2, [(Q3, 4, "", None, None)] * 5)  # 75, nothing in Q2
    table = _index_frame(engine, "2026Q3", 5).set_index("point_id")
    assert table.loc[1, "change"] == pytest.approx(-50.0)
    assert pd.isna(table.loc[2, "change"])
    assert table.loc[2, "rank"] == 1 and table.loc[1, "rank"] == 2


def test_a_district_pools_responses_rather_than_averaging_points(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.point(2)
    obs.feedback(1, [(Q3, 5, "", None, None)] * 15)  # point index 100
    obs.feedback(2, [(Q3, 1, "", None, None)] * 5)  # point index 0
    districts = observation.district_table(observation.monthly_stats(engine), observation.points(engine),
                                           quarter="2026Q3", min_responses=5)
    # pooled mean score (15×5 + 5×1)/20 = 4 → 75; the mean of the two point indexes would be 50
    assert districts.set_index("district_code").loc["D1", "index"] == pytest.approx(75.0)


def test_alerts_on_a_fall_or_a_negative_share(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.point(2)
    obs.point(3)
    obs.feedback(1, [(Q2, 4, "", None, None)] * 5 + [(Q3, 4, "", None, None)] * 4 + [(Q3, 3, "", None, None)])
    # point 1: 75 → (4×4+3)/5 = 3.8 → 70: a fall of exactly 5, not more than 5: no alert
    obs.feedback(2, [(Q2, 4, "", None, None)] * 5 + [(Q3, 4, "", None, None)] * 3 + [(Q3, 3, "", None, None)] * 2)
    # point 2: 75 → 3.6 → 65: a fall of 10: alert
    obs.feedback(3, [(Q3, None, "差", "negative", 0.9)] * 2 + [(Q3, None, "好", "positive", 0.9)] * 3)
    # point 3: negative share 2/5 = 40 % > 30 %: alert
    table = _index_frame(engine, "2026Q3", 5)
    flagged = observation.alerts(table, index_drop=5.0, negative_share=0.30).set_index("point_id")
    assert sorted(flagged.index) == [2, 3]
    assert flagged.loc[2, "fell"] and not flagged.loc[2, "too_negative"]
    assert flagged.loc[3, "too_negative"]


def test_a_fall_of_exactly_five_shown_as_5_0_does_not_alert(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    # Q2: scores 5,5,4,4,4 (mean 4.4 → survey 85); labels 3 positive, 2 negative → text (1 + .6 − .4)/2×100 = 60
    #     index 0.6 × 85 + 0.4 × 60 = 51 + 24 = 75
    obs.feedback(1, [(Q2, 5, "好", "positive", 0.9)] * 2 + [(Q2, 4, "好", "positive", 0.9)]
                 + [(Q2, 4, "差", "negative", 0.9)] * 2)
    # Q3: scores 5,5,5,4,4 (mean 4.6 → survey 90); labels 1 negative, 4 neutral → text (1 + 0 − .2)/2×100 = 40
    #     index 0.6 × 90 + 0.4 × 40 = 54 + 16 = 70: a fall of exactly 5 (in floating point −5.000000000000014)
    obs.feedback(1, [(Q3, 5, "差", "negative", 0.9)] + [(Q3, 5, "一般", "neutral", 0.9)] * 2
                 + [(Q3, 4, "一般", "neutral", 0.9)] * 2)
    table = _index_frame(engine, "2026Q3", 5)
    assert round(float(table.loc[0, "change"]), 1) == -5.0
    assert observation.alerts(table, index_drop=5.0, negative_share=0.30).empty
    assert list(observation.alerts(table, index_drop=4.9, negative_share=0.30)["point_id"]) == [1]


def test_the_negative_share_alerts_as_displayed() -> None:
    base = {"point_id": [1, 2, 3], "code": ["A", "B", "C"], "change": [None, None, None]}
    # shown as 30.0 %, 30.0 % and 30.1 %: only the last is above a 30 % threshold
    table = pd.DataFrame(base | {"negative_share": [0.3, 0.30004, 0.3006]})
    flagged = observation.alerts(table, index_drop=5.0, negative_share=0.30)
    assert flagged["point_id"].tolist() == [3]


def test_trend_and_dimensions(engine, obs) -> None:  # type: ignore[no-untyped-def]
    obs.point(1)
    obs.feedback(1, [(Q2, 5, "", None, None)] * 5 + [(Q3, 2, "", None, None)] * 5, dimension="talent")
    obs.feedback(1, [(Q3, 4, "", None, None)] * 5, dimension="transport")
    stats, points = observation.monthly_stats(engine), observation.points(engine)
    trend = observation.trend(stats, points, min_responses=5, point_id=1)
    assert trend["quarter"].tolist() == ["2026Q2", "2026Q3"]
    assert trend["index"].tolist() == pytest.approx([100.0, (3.0 - 1) / 4 * 100])  # Q3: mean of 2×5, 4×5 = 3
    dims = observation.dimension_breakdown(stats, points, quarter="2026Q3", min_responses=5).set_index("dimension")
    assert dims.loc["talent", "index"] == pytest.approx(25.0)
    assert dims.loc["transport", "index"] == pytest.approx(75.0)
