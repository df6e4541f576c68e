"""Sentiment and observation-page benchmark: scoring throughput, and the 观测点 page's server time under AppTest
with 100k feedback records.

    python -m bench.sentiment --sizes S1[,S2]

Figures (one row per size; the throughput figures do not depend on the size):
- load_s: building the scorer's jieba segmenter with the lexicon (once per process);
- texts_per_s: distinct comments scored per second by the lexicon (the development set and our own cases, about
  800 texts, each scored without the duplicate cache of score_many);
- combined/s: the same comments through the combined scorer (lexicon, learned model and the stack) in batches;
- backfill_s: labelling the 100k stored records that have none (`observation.score_unlabelled`; the synthetic
  store repeats three texts, so this is mostly the UPDATE);
- first_s: the first AppTest run of app_pages/observation.py in this process (caches empty, keyword segmenter built);
- cold_s: a run after clearing Streamlit's caches (SQL sums, pandas, keywords recomputed);
- warm_s: median of three further runs (a rerun: a click or a widget change).

Stores are built under /tmp/bench_sentiment with bench/datasets.py (feedback=100_000 at every size) plus the
shipped district boundaries.

    python -m bench.sentiment --curve

The learning curve: macro-F1 of the combined scorer on the blind set after adding 0, 50, 100 and 200 simulated
staff corrections. The model starts from the development set and our own cases; the corrections are comments of
the first blind set (tests/data/sentiment/blind.csv: written by another hand, disjoint from the blind set that
is measured) with their labels, in a random order (three seeds; mean, min and max). The training time of each
model is shown too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import text

from bench.datasets import SIZES, Size, add_boundaries, build
from data_layer import db, observation, store

REPO = Path(__file__).resolve().parent.parent
ROOT = Path("/tmp/bench_sentiment")
FEEDBACK = 100_000
PAGE = str(REPO / "app_pages" / "observation.py")


def ensure_store(size: Size) -> str:
    """A store of `size` with 100k feedback records and district boundaries, built once and reused."""
    ROOT.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{ROOT / f'{size.name.lower()}_fb{FEEDBACK // 1000}k.db'}"
    engine = db.make_engine(url)
    if db.store_status(engine).code != "ok":
        store.drop_everything(engine)
        build(engine, buildings=size.buildings, months=size.months, feedback=FEEDBACK)
    add_boundaries(engine)
    engine.dispose()
    return url


def throughput() -> dict[str, float]:
    from data_layer.sentiment.scorer import score_text
    from data_layer.sentiment.text import tokenizer

    started = time.perf_counter()
    tokenizer()
    load_s = time.perf_counter() - started
    texts = pd.read_csv(REPO / "tests" / "data" / "sentiment" / "dev.csv")["text"].tolist()
    for path in sorted((REPO / "tests" / "sentiment").glob("own_cases*.csv")):
        texts += pd.read_csv(path)["text"].tolist()
    rounds = 3
    started = time.perf_counter()
    for _ in range(rounds):
        for item in texts:
            score_text(item)
    seconds = time.perf_counter() - started
    from data_layer.sentiment import score_many

    distinct = list(dict.fromkeys(texts))
    score_many(distinct[:5])  # the model file is read once
    started = time.perf_counter()
    for _ in range(rounds):
        score_many(distinct)
    combined = rounds * len(distinct) / (time.perf_counter() - started)
    return {"load_s": load_s, "texts_per_s": rounds * len(texts) / seconds, "texts": float(len(texts)),
            "combined_per_s": combined}


def page_times(url: str) -> dict[str, float]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["DATABASE_URL"] = url

    def run() -> float:
        started = time.perf_counter()
        at = AppTest.from_file(PAGE, default_timeout=600).run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)
        return time.perf_counter() - started

    first = run()
    st.cache_data.clear()
    cold = run()
    warm = statistics.median(run() for _ in range(3))
    return {"first_s": first, "cold_s": cold, "warm_s": warm}


def run(sizes: list[str]) -> list[dict]:
    rates = throughput()
    rows = []
    for name in sizes:
        size = SIZES[name]
        url = ensure_store(size)
        engine = db.make_engine(url)
        started = time.perf_counter()
        observation.score_unlabelled(engine)
        backfill = time.perf_counter() - started
        with engine.connect() as conn:
            records = conn.execute(text("SELECT COUNT(*) FROM feedback")).scalar() or 0
        engine.dispose()
        rows.append({"size": name, "buildings": size.buildings, "feedback": records, **rates,
                     "backfill_s": backfill, **page_times(url)})
    return rows


CURVE_STEPS = (0, 50, 100, 200)
CURVE_SEEDS = (1, 2, 3)


def learning_curve(steps: tuple[int, ...] = CURVE_STEPS, seeds: tuple[int, ...] = CURVE_SEEDS) -> list[dict]:
    from data_layer.sentiment import score_many
    from data_layer.sentiment.evaluate import BLIND, metrics, read_labelled
    from data_layer.sentiment.learned import from_json
    from data_layer.sentiment.training import DATA_DIR, labelled_files, read_labelled_sets, train, training_frame

    pool_file = DATA_DIR / "blind.csv"
    if pool_file.resolve() == BLIND.resolve():
        raise SystemExit("The pool of corrections is the first blind set; it cannot also be the blind set.")
    base = read_labelled_sets(labelled_files(BLIND))
    pool = read_labelled_sets([pool_file]).assign(source="corrections")
    blind = read_labelled(BLIND)
    rows = []
    for n in steps:
        scores, seconds = [], []
        for seed in seeds if n else seeds[:1]:  # no corrections: the same model whatever the seed
            corrections = pool.sample(n=n, random_state=seed) if n else pool.iloc[:0]
            started = time.perf_counter()
            model = from_json(train(training_frame(base, corrections), trained_on={"corrections": n}))
            seconds.append(time.perf_counter() - started)
            predicted = [r.label for r in score_many(blind["text"].tolist(), model=model)]
            scores.append(metrics(blind["label"].tolist(), predicted).macro_f1)
        rows.append({"corrections": n, "macro_f1": statistics.mean(scores), "min": min(scores), "max": max(scores),
                     "train_s": statistics.mean(seconds), "examples": len(base) + n})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="S1", help="comma-separated sizes from bench/datasets.py (S1, S2, S3)")
    parser.add_argument("--curve", action="store_true", help="the learning curve only (no stores, no page)")
    args = parser.parse_args()
    if args.curve:
        print(f"{'corrections':>12}{'examples':>10}{'macro-F1':>10}{'min':>8}{'max':>8}{'train_s':>9}")
        for r in learning_curve():
            print(f"{r['corrections']:>12}{r['examples']:>10}{r['macro_f1']:>10.3f}{r['min']:>8.3f}{r['max']:>8.3f}"
                  f"{r['train_s']:>9.1f}")
        return
    rows = run([s.strip() for s in args.sizes.split(",") if s.strip()])
    print(f"{'size':<5}{'feedback':>10}{'load_s':>8}{'texts/s':>9}{'combined/s':>11}{'backfill_s':>11}{'first_s':>9}"
          f"{'cold_s':>8}{'warm_s':>8}")
    for r in rows:
        print(f"{r['size']:<5}{r['feedback']:>10,}{r['load_s']:>8.2f}{r['texts_per_s']:>9,.0f}{r['combined_per_s']:>11,.0f}"
              f"{r['backfill_s']:>11.2f}{r['first_s']:>9.2f}{r['cold_s']:>8.2f}{r['warm_s']:>8.2f}")


if __name__ == "__main__":
    main()
