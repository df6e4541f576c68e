"""The learned scorer and its combination with the lexicon, at run time: numpy only, read from a JSON file.

The model file (`data_layer/sentiment/model/sentiment_model.json`, built by `python -m data_layer sentiment train`,
see `training.py`) holds plain numbers and strings: the character n-gram vocabulary with its idf weights, a
multinomial logistic regression over them for the label and another for the dimension, and a small logistic
regression that stacks the learned probabilities with the lexicon's score. Loading it is `json.loads`, so a model
file cannot run code (a pickle or joblib file could), and scikit-learn is needed only to train.

Features are those of scikit-learn's `TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
lowercase=False)` on the normalised text; `training.py` checks on every build that the two agree.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from data_layer.sentiment.text import normalize

MODEL_DIR = Path(__file__).resolve().parent / "model"
SHIPPED_MODEL = MODEL_DIR / "sentiment_model.json"
LABELS = ("positive", "neutral", "negative")
LEXICON_ONLY = "lexicon"  # the model version stored when no model file could be read
_WHITE = re.compile(r"\s\s+")  # as scikit-learn's analyzer: runs of white space become one space


@dataclass(frozen=True)
class Linear:
    """A multinomial logistic regression: softmax(x · coef + intercept)."""

    classes: tuple[str, ...]
    coef: np.ndarray  # features × classes
    intercept: np.ndarray  # classes

    def proba(self, x: np.ndarray) -> np.ndarray:
        return self.proba_of(x @ self.coef + self.intercept)

    @staticmethod
    def proba_of(z: np.ndarray) -> np.ndarray:
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    @classmethod
    def from_json(cls, data: dict) -> Linear:
        return cls(tuple(data["classes"]), np.asarray(data["coef"], dtype=float).reshape(
            -1, len(data["classes"])), np.asarray(data["intercept"], dtype=float))


@dataclass(frozen=True, eq=False)  # hashed by identity: one instance per file and version
class Model:
    version: str
    trained_on: dict
    ngram: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray
    sentiment: Linear
    stack: Linear
    dimension: Linear
    dimension_gate: dict  # "use": learned | lexicon, and the blind-set accuracies

    @property
    def learned_dimensions(self) -> bool:
        return self.dimension_gate.get("use") == "learned"

    def sparse_features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The tf-idf row of one text as (indices, values): sublinear tf × idf, L2-normalised."""
        counts = Counter(g for g in char_ngrams(normalize(text), self.ngram) if g in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=int), np.zeros(0)
        idx = np.fromiter((self.vocabulary[g] for g in counts), dtype=int, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=float, count=len(counts))
        values = (1.0 + np.log(tf)) * self.idf[idx]
        return idx, values / np.linalg.norm(values)

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """The dense tf-idf matrix (texts × vocabulary), for checks; scoring uses the sparse rows."""
        out = np.zeros((len(texts), len(self.vocabulary)))
        for row, text in enumerate(texts):
            idx, values = self.sparse_features(text)
            out[row, idx] = values
        return out

    def _proba(self, texts: Sequence[str], linear: Linear) -> np.ndarray:
        z = np.tile(linear.intercept, (len(texts), 1))
        for row, text in enumerate(texts):
            idx, values = self.sparse_features(text)
            if len(idx):
                z[row] += values @ linear.coef[idx]
        return linear.proba_of(z)

    def sentiment_proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(positive, neutral, negative) from the text alone (columns in LABELS order)."""
        return _ordered(self.sentiment, self._proba(texts, self.sentiment))

    def dimension_proba(self, texts: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
        return self.dimension.classes, self._proba(texts, self.dimension)


def char_ngrams(text: str, ngram: tuple[int, int] = (1, 3)) -> list[str]:
    """Character n-grams as scikit-learn's `analyzer="char"` makes them."""
    text = _WHITE.sub(" ", text)
    low, high = ngram
    return [text[i:i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


def stack_features(learned: np.ndarray, lex_scores: Sequence[float], lex_labels: Sequence[str],
                   lex_confidences: Sequence[float]) -> np.ndarray:
    """What the stacking model sees: the learned log-probabilities, the lexicon's signed score, and its label
    (one-hot) weighted by its confidence."""
    onehot = np.array([[float(label == c) * conf for c in LABELS]
                       for label, conf in zip(lex_labels, lex_confidences, strict=True)]).reshape(-1, len(LABELS))
    return np.hstack([np.log(np.clip(learned, 1e-6, 1.0)), np.asarray(lex_scores, dtype=float).reshape(-1, 1),
                      onehot])


def _ordered(linear: Linear, proba: np.ndarray) -> np.ndarray:
    return proba[:, [linear.classes.index(c) for c in LABELS]]


def from_json(text: str) -> Model:
    data = json.loads(text)
    if data.get("format") != 1:
        raise ValueError(f"unknown model format {data.get('format')!r}")
    vocabulary = {term: i for i, term in enumerate(data["vocabulary"])}
    return Model(version=data["version"], trained_on=data["trained_on"], ngram=tuple(data["ngram"]),
                 vocabulary=vocabulary, idf=np.asarray(data["idf"], dtype=float),
                 sentiment=Linear.from_json(data["sentiment"]), stack=Linear.from_json(data["stack"]),
                 dimension=Linear.from_json(data["dimension"]), dimension_gate=data.get("dimension_gate", {}))


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int, size: int) -> Model:
    return from_json(Path(path).read_text(encoding="utf-8"))


def load_model(path: Path | None = None) -> Model | None:
    """The model at `path` (default: the configured one, else the shipped file), or None when there is none.
    Cached per file and modification time, so a retrain is picked up by the next call."""
    path = path or model_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size)


def model_path() -> Path:
    """The model read: DASHBOARD_SENTIMENT_MODEL when it names an existing file, else the shipped model."""
    target = target_path()
    return target if target.exists() else SHIPPED_MODEL


def target_path() -> Path:
    """The model a retrain writes: DASHBOARD_SENTIMENT_MODEL when set, else the shipped file."""
    from data_layer.settings import get_settings

    return get_settings().sentiment_model or SHIPPED_MODEL


def confidence_of(proba: np.ndarray) -> np.ndarray:
    return proba.max(axis=1)


def signed_score(proba: np.ndarray) -> np.ndarray:
    """P(positive) − P(negative), in −1 … 1 like the lexicon's score."""
    return proba[:, 0] - proba[:, 2]


def round_sig(value: float, digits: int = 6) -> float:
    """Rounded to `digits` significant digits: the file stays small and its bytes stable across platforms."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    return float(f"{value:.{digits}g}")
