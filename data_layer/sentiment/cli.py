"""`python -m data_layer sentiment score IN.csv OUT.csv`, `… sentiment eval` and `… sentiment backfill`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parsers(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sentiment = verbs.add_parser("sentiment", help="score Chinese feedback offline, or measure the scorer")
    actions = sentiment.add_subparsers(dest="sentiment_action", required=True)
    score = actions.add_parser("score", help="add label, score, confidence and evidence to a CSV with a text column")
    score.add_argument("source", type=Path, help="UTF-8 CSV with a `text` column (other columns are kept)")
    score.add_argument("target", type=Path, help="where to write the scored CSV")
    actions.add_parser("backfill", help="label the stored comments that have no sentiment yet (in DATABASE_URL)")
    evaluate = actions.add_parser(
        "eval", help="accuracy, macro-F1 and the confusion matrix on a labelled CSV (default: the blind test set)")
    evaluate.add_argument("--file", type=Path, default=None,
                          help="labelled CSV with `text` and `label` columns (default tests/data/sentiment/blind.csv)")
    evaluate.add_argument("--scorer", choices=("ours", "snownlp", "cnsenti"), default="ours",
                          help="ours (default), or a PyPI package for comparison (must be installed)")


def _cmd_sentiment(args: argparse.Namespace) -> int:
    from data_layer.sentiment import evaluate

    if args.sentiment_action == "score":
        if not args.source.exists():
            print(f"No such file: {args.source}", file=sys.stderr)
            return 2
        try:
            rows = evaluate.score_csv(args.source, args.target)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        print(f"Scored {rows:,} rows into {args.target}")
        return 0
    if args.sentiment_action == "backfill":
        return _backfill()
    path = args.file or evaluate.BLIND
    if not path.exists():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    try:
        report = evaluate.evaluate(path, args.scorer)
    except ImportError as exc:
        print(f"The {args.scorer} scorer is not installed here ({exc}); `pip install` it to compare.", file=sys.stderr)
        return 2
    print(report.text(f"{args.scorer} on {path.name}"))
    return 0


def _backfill() -> int:
    from data_layer import db, observation
    from data_layer.settings import get_settings

    engine = db.make_engine(get_settings().database_url)
    status = db.store_status(engine)
    if not status.usable:
        print(f"Store not usable: {status.code} {status.detail}", file=sys.stderr)
        return 2
    print(f"Labelled {observation.score_unlabelled(engine):,} comments.")
    return 0


HANDLERS = {"sentiment": _cmd_sentiment}
