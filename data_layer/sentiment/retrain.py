"""The learning loop: retrain on the labelled sets and the staff's corrections, compare with the model in use on
the blind set, keep the new one only if it is not worse, then re-score the stored feedback (one audited
transaction; staff corrections are never touched, see observation.rescore_feedback).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from data_layer.sentiment import score_many
from data_layer.sentiment.evaluate import BLIND, Report, metrics, read_labelled
from data_layer.sentiment.learned import Model, from_json, load_model, model_path, target_path
from data_layer.sentiment.training import build, labelled_files, write


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    old_version: str  # "lexicon" when no model file was in use
    new_version: str
    old: Report
    new: Report
    examples: int
    corrections: int
    train_seconds: float
    path: Path | None  # where the new model was written (None when refused)
    rescored: int = 0
    changed: int = 0

    def text(self) -> str:
        head = f"{'':<16}{'macro-F1':>10}{'accuracy':>10}" + "".join(f"{'F1 ' + c[:3]:>10}" for c in self.old.per_class)
        rows = [head]
        for name, version, report in (("in use", self.old_version, self.old), ("new", self.new_version, self.new)):
            rows.append(f"{name + ' ' + version:<16}{report.macro_f1:>10.3f}{report.accuracy:>10.3f}"
                        + "".join(f"{row['f1']:>10.3f}" for row in report.per_class.values()))
        verdict = (f"kept the new model ({self.examples:,} examples, {self.corrections:,} staff corrections, trained in "
                   f"{self.train_seconds:.1f} s); re-scored {self.rescored:,} comments, {self.changed:,} changed label"
                   if self.accepted else "refused: the new model scores worse on the blind set; the model in use stays")
        return "\n".join([*rows, verdict])


def blind_report(model: Model | None, blind: Path = BLIND) -> Report:
    """The combined scorer with `model` (the lexicon alone when None) on the blind set."""
    frame = read_labelled(blind)
    if model is None:
        from data_layer.sentiment import lexicon_many

        predicted = [r.label for r in lexicon_many(frame["text"].tolist())]
    else:
        predicted = [r.label for r in score_many(frame["text"].tolist(), model=model)]
    return metrics(frame["label"].tolist(), predicted)


def retrain(engine: Engine | None, *, user: str, via: str = "app", blind: Path = BLIND, path: Path | None = None,
            force: bool = False, exclude: frozenset[str] = frozenset(), with_first_blind: bool = False) -> Outcome:
    """Train, compare on the blind set, and (when not worse, or `force`) write the model and re-score the store."""
    from data_layer import observation

    current = load_model(path or model_path())  # the model in use (the shipped one until a retrain writes one)
    path = path or target_path()
    files = [f for f in labelled_files(blind, with_first_blind=with_first_blind) if f.name not in exclude]
    built = build(engine=engine, blind=blind, files=files)
    candidate = from_json(built.text)
    old, new = blind_report(current, blind), blind_report(candidate, blind)
    outcome = Outcome(accepted=force or new.macro_f1 >= old.macro_f1 - 1e-9,
                      old_version=current.version if current else "lexicon", new_version=built.version, old=old,
                      new=new, examples=built.examples, corrections=built.corrections,
                      train_seconds=built.seconds, path=None)
    if not outcome.accepted:
        return outcome
    write(built.text, path)
    rescored = changed = 0
    if engine is not None:
        rescored, changed = observation.rescore_feedback(
            engine, model=candidate, user=user, via=via,
            note={"old_model": outcome.old_version, "blind": blind.name, "old_macro_f1": round(old.macro_f1, 4),
                  "new_macro_f1": round(new.macro_f1, 4), "corrections": built.corrections})
    return Outcome(**{**outcome.__dict__, "path": path, "rescored": rescored, "changed": changed})
