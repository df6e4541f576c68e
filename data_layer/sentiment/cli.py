"""`python -m data_layer sentiment score IN.csv OUT.csv`, `… eval`, `… train` and `… backfill`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

if TYPE_CHECKING:  # the store is opened only by the verbs that need it
    from data_layer.db import StoreStatus


def add_parsers(verbs: argparse._SubParsersAction) -> None:
    sentiment = verbs.add_parser("sentiment", help="score Chinese feedback offline, measure the scorers, retrain")
    actions = sentiment.add_subparsers(dest="sentiment_action", required=True)
    score = actions.add_parser("score", help="add label, score, confidence and evidence to a CSV with a text column")
    score.add_argument("source", type=Path, help="UTF-8 CSV with a `text` column (other columns are kept)")
    score.add_argument("target", type=Path, help="where to write the scored CSV")
    actions.add_parser("backfill", help="label the stored comments that have no sentiment yet (in DATABASE_URL)")
    evaluate = actions.add_parser(
        "eval", help="macro-F1 and per-class F1 of every scorer on a labelled CSV (default: the blind test set)")
    evaluate.add_argument("--file", type=Path, default=None,
                          help="labelled CSV with `text` and `label` columns (default tests/data/sentiment/blind_v2.csv)")
    evaluate.add_argument("--scorer", choices=("all", "lexicon", "learned", "combined", "ours", "snownlp", "cnsenti"),
                          default="all", help="all (a table, default), or one scorer with its confusion matrix")
    train = actions.add_parser(
        "train", help="train the learned scorer on the labelled sets and the store's corrections; keep it only if it "
                      "is not worse on the blind set, then re-score the stored feedback")
    train.add_argument("--no-store", action="store_true",
                       help="labelled sets only, no store (how the shipped model file is built)")
    train.add_argument("--out", type=Path, default=None,
                       help="model file to write (default DASHBOARD_SENTIMENT_MODEL, else the shipped file)")
    train.add_argument("--exclude", action="append", default=[], metavar="NAME",
                       help="leave a labelled set out by file name (repeatable), e.g. blind.csv")
    train.add_argument("--with-first-blind", action="store_true",
                       help="also train on the first blind set, tests/data/sentiment/blind.csv (refused on blind_v2)")
    train.add_argument("--force", action="store_true", help="keep the new model even if it scores worse")
    train.add_argument("--user", default="cli", help="name recorded in the audit trail")


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
    if args.sentiment_action == "train":
        return _train(args)
    path = args.file or evaluate.BLIND
    if not path.exists():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    if args.scorer == "all":
        print(evaluate.summary(path))
        return 0
    try:
        report = evaluate.evaluate(path, args.scorer)
    except ImportError as exc:
        print(f"The {args.scorer} scorer is not installed here ({exc}); `pip install` it to compare.", file=sys.stderr)
        return 2
    print(report.text(f"{args.scorer} on {path.name}"))
    return 0


def _store() -> tuple[Engine, StoreStatus]:
    from data_layer import db
    from data_layer.settings import get_settings

    engine = db.make_engine(get_settings().database_url)
    status = db.store_status(engine)
    return engine, status


def _train(args: argparse.Namespace) -> int:
    from data_layer.sentiment.retrain import retrain

    engine: Engine | None = None
    if not args.no_store:
        engine, status = _store()
        if not status.usable:
            print(f"No usable store ({status.code}); training on the labelled sets only.")
            engine = None
    outcome = retrain(engine, user=args.user, via="cli", path=args.out, force=args.force,
                      exclude=frozenset(args.exclude), with_first_blind=args.with_first_blind)
    print(outcome.text())
    if outcome.path is not None:
        print(f"Model {outcome.new_version} written to {outcome.path}")
    return 0 if outcome.accepted else 1


def _backfill() -> int:
    from data_layer import observation

    engine, status = _store()
    if not status.usable:
        print(f"Store not usable: {status.code} {status.detail}", file=sys.stderr)
        return 2
    print(f"Labelled {observation.score_unlabelled(engine):,} comments.")
    return 0


HANDLERS = {"sentiment": _cmd_sentiment}
