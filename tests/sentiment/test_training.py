"""The learned model's file: deterministic, loadable without running code, and the same model as scikit-learn's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data_layer.sentiment import score_many
from data_layer.sentiment.evaluate import BLIND
from data_layer.sentiment.learned import SHIPPED_MODEL, from_json, load_model
from data_layer.sentiment.training import DATA_DIR, OWN_CASES_DIR, build

SMALL = [DATA_DIR / "dev.csv", OWN_CASES_DIR / "own_cases_7_general.csv"]  # the property, in seconds


@pytest.mark.slow  # trains the model twice
def test_two_trainings_on_the_same_data_write_the_same_file() -> None:
    first, second = build(engine=None, blind=BLIND, files=SMALL), build(engine=None, blind=BLIND, files=SMALL)
    assert first.text == second.text
    assert first.version == json.loads(first.text)["version"]


def test_the_model_file_is_plain_json_and_never_the_blind_set() -> None:
    data = json.loads(SHIPPED_MODEL.read_text(encoding="utf-8"))  # numbers and strings: nothing to execute
    assert data["trained_on"]["not_trained_on"] == BLIND.name
    assert BLIND.name not in data["trained_on"]["labelled_sets"]


def test_the_shipped_model_labels_comments_and_says_which_model(tmp_path: Path) -> None:
    model = load_model(SHIPPED_MODEL)
    assert model is not None
    results = score_many(["物业响应很快，报修半小时就有人上门。", "空调坏了一周都没人来修。", "人才公寓怎么申请？"],
                         model=model)
    assert [r.label for r in results] == ["positive", "negative", "neutral"]
    assert {r.model for r in results} == {model.version}
    assert from_json(SHIPPED_MODEL.read_text(encoding="utf-8")).version == model.version
