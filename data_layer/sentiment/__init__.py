"""Offline sentiment for Chinese observation-point feedback, and dimension assignment.

    from data_layer.sentiment import score_many, assign_dimension
    score_many(["空调坏了一周都没人来修。"])[0].label  # 'negative'

Two scorers, combined: the rule scorer over a lexicon written for this domain (`scorer.py`,
data_layer/sentiment/lexicon/), and a learned model trained on the labelled sets and the staff's corrections
(`learned.py`, `training.py`), stacked on both outputs. The model ships as a JSON file; without one the lexicon
scores alone. No model or data is downloaded at run time. `evaluate.py` measures every scorer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from data_layer.models import DIMENSIONS
from data_layer.sentiment.learned import (
    LABELS,
    LEXICON_ONLY,
    Model,
    confidence_of,
    load_model,
    signed_score,
    stack_features,
)
from data_layer.sentiment.lexicon import load
from data_layer.sentiment.scorer import SentimentResult, score_text
from data_layer.sentiment.text import normalize, tokens

__all__ = ["LABELS", "SentimentResult", "assign_dimension", "assign_dimensions", "learned_dimensions",
           "lexicon_many", "score", "score_many"]

# The lexicon's dimension vote, added to the learned probabilities: a keyword the lexicon knows is strong evidence
# on the few comments the labelled sets never phrased that way.
LEXICON_DIMENSION_VOTE = 0.5


def score(text: str) -> SentimentResult:
    return score_many([text])[0]


def _unique(texts: Iterable[str]) -> tuple[list[str], list[int]]:
    """Distinct texts and each input's position among them (feedback repeats itself: 暂无意见)."""
    seen: dict[str, int] = {}
    where = []
    for text in texts:
        key = text if isinstance(text, str) else ""
        where.append(seen.setdefault(key, len(seen)))
    return list(seen), where


def lexicon_many(texts: Iterable[str]) -> list[SentimentResult]:
    """The rule scorer alone (empty or missing text is neutral with confidence 0.5)."""
    lex = load()
    unique, where = _unique(texts)
    results = [replace(score_text(t, lex), model=LEXICON_ONLY) for t in unique]
    return [results[i] for i in where]


def score_many(texts: Iterable[str], model: Model | None = None) -> list[SentimentResult]:
    """The combined scorer: the stacking model over the lexicon's result and the learned probabilities, with the
    lexicon's evidence words. `model` defaults to the configured or shipped model file; without one, the lexicon."""
    unique, where = _unique(texts)
    lexical = lexicon_many(unique)
    model = model or load_model()
    if model is None or not unique:
        return [lexical[i] for i in where]
    proba = combined_proba(model, unique, lexical)
    results = []
    for text, lex_result, p in zip(unique, lexical, proba, strict=True):
        if not normalize(text):
            results.append(replace(lex_result, model=model.version))
            continue
        label = LABELS[int(np.argmax(p))]
        results.append(SentimentResult(label, round(float(signed_score(p[None])[0]), 4),
                                       round(float(confidence_of(p[None])[0]), 4),
                                       lex_result.evidence if lex_result.label == label else "", model.version))
    return [results[i] for i in where]


def combined_proba(model: Model, texts: Sequence[str], lexical: Sequence[SentimentResult]) -> np.ndarray:
    """P(positive, neutral, negative) of the stacking model, one row per text."""
    learned = model.sentiment_proba(texts)
    features = stack_features(learned, [r.score for r in lexical], [r.label for r in lexical],
                              [r.confidence for r in lexical])
    proba = model.stack.proba(features)
    return proba[:, [model.stack.classes.index(c) for c in LABELS]]


def lexicon_dimension(text: str) -> str | None:
    """The dimension code (data_layer.models.DIMENSIONS) whose keywords weigh most in `text`, or None."""
    norm = normalize(text if isinstance(text, str) else "")
    if not norm:
        return None
    lex = load()
    words = tokens(norm)
    totals: dict[str, float] = {}
    for code, keywords in lex.dimensions.items():
        total = sum(keywords.get(w, 0.0) for w in words)
        # Keywords jieba merged into a longer token (人才公寓申请) still count once, at half weight.
        total += 0.5 * sum(weight for word, weight in keywords.items()
                           if len(word) > 1 and word in norm and word not in words)
        if total:
            totals[code] = total
    if not totals:
        return None
    best = max(DIMENSIONS, key=lambda code: (totals.get(code, 0.0), -DIMENSIONS.index(code)))
    return best if totals.get(best) else None


def assign_dimensions(texts: Sequence[str], model: Model | None = None) -> list[str | None]:
    """The dimension in use: the learned assignment when the model file's gate says it measured at least as well
    as the lexicon's keywords on the blind set, else the keywords alone."""
    model = model or load_model()
    if model is None or not model.learned_dimensions:
        return [lexicon_dimension(t if isinstance(t, str) else "") for t in texts]
    return learned_dimensions(texts, model)


def learned_dimensions(texts: Sequence[str], model: Model) -> list[str | None]:
    """Each text's dimension: the learned probabilities plus a vote for the lexicon's keyword match. None when the
    best is "other" (general praise or complaint, tests/sentiment/own_cases_7_general.csv teaches it), or the
    lexicon finds no keyword and the model is unsure (below 0.5); the caller says 其他."""
    texts = [t if isinstance(t, str) else "" for t in texts]
    lexical = [lexicon_dimension(t) for t in texts]
    if not texts:
        return lexical
    classes, proba = model.dimension_proba(texts)
    out: list[str | None] = []
    for text, lex_code, p in zip(texts, lexical, proba, strict=True):
        if not normalize(text):
            out.append(None)
            continue
        votes = dict(zip(classes, p, strict=True))
        if lex_code is not None:
            votes[lex_code] = votes.get(lex_code, 0.0) + LEXICON_DIMENSION_VOTE
        best = max(votes, key=lambda c: (votes[c], -DIMENSIONS.index(c) if c in DIMENSIONS else -99))
        out.append(best if best != "other" and (lex_code is not None or votes[best] >= 0.5) else None)
    return out


def assign_dimension(text: str) -> str | None:
    return assign_dimensions([text])[0]
