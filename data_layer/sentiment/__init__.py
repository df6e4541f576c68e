"""Offline sentiment for Chinese observation-point feedback, and dimension assignment.

    from data_layer.sentiment import score_many, assign_dimension
    score_many(["空调坏了一周都没人来修。"])[0].label  # 'negative'

A rule scorer over a lexicon written for this domain (data_layer/sentiment/lexicon/), segmented with jieba; no
model or data is downloaded at run time. `scorer.py` explains the rules; `evaluate.py` measures them.
"""

from __future__ import annotations

from collections.abc import Iterable

from data_layer.models import DIMENSIONS
from data_layer.sentiment.lexicon import load
from data_layer.sentiment.scorer import SentimentResult, score_text
from data_layer.sentiment.text import normalize, tokens

__all__ = ["LABELS", "SentimentResult", "assign_dimension", "score", "score_many"]

LABELS = ("positive", "neutral", "negative")


def score(text: str) -> SentimentResult:
    return score_text(text)


def score_many(texts: Iterable[str]) -> list[SentimentResult]:
    """Score each text (empty or missing text is neutral with confidence 0.5)."""
    lex = load()
    seen: dict[str, SentimentResult] = {}  # feedback repeats itself (暂无意见): score each distinct text once
    results = []
    for text in texts:
        key = text if isinstance(text, str) else ""
        if key not in seen:
            seen[key] = score_text(key, lex)
        results.append(seen[key])
    return results


def assign_dimension(text: str) -> str | None:
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
