"""The analyst's commentary on a quarter: key findings and a note per indicator, per plan, year, quarter and scope.
Editors write it (`auth.require`), every change is audited in the same transaction (`audit.record`), and nothing
can change once the quarter is marked final. The goals page shows it and the review pack prints it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypedDict

import pandas as pd
from sqlalchemy import Engine, delete, insert, select, update
from sqlmodel import col

from data_layer import audit
from data_layer.auth import Actor, require
from data_layer.models import ReviewNote, ReviewQuarter
from data_layer.summaries import bump_data_version

FINDINGS = ""  # the indicator code of the key findings
MAX_CHARS = 4000


class CommentaryFinal(ValueError):
    """The quarter is marked final: its commentary can no longer change."""


class QuarterKey(TypedDict):
    """Whose commentary: the keyword arguments `notes`, `final_state`, `save_note` and `mark_final` share."""

    plan_code: str
    year: int
    quarter: int
    scope: str


def _key(plan_code: str, year: int, quarter: int, scope: str) -> QuarterKey:
    return {"plan_code": plan_code, "year": year, "quarter": quarter, "scope": scope}


def _where(model: type, key: QuarterKey) -> list:
    return [getattr(model, column) == value for column, value in key.items()]


def notes(engine: Engine, *, plan_code: str, year: int, quarter: int, scope: str) -> pd.DataFrame:
    """indicator ('' = key findings), text, updated_by, updated_at; key findings first."""
    key = _key(plan_code, year, quarter, scope)
    with engine.connect() as conn:
        rows = conn.execute(select(col(ReviewNote.indicator), col(ReviewNote.text), col(ReviewNote.updated_by),
                                   col(ReviewNote.updated_at)).where(*_where(ReviewNote, key))
                            .order_by(col(ReviewNote.indicator))).all()
    return pd.DataFrame(rows, columns=["indicator", "text", "updated_by", "updated_at"])


def final_state(engine: Engine, *, plan_code: str, year: int, quarter: int, scope: str) -> dict | None:
    """{"final_by", "final_at"} when the quarter is marked final, else None."""
    key = _key(plan_code, year, quarter, scope)
    with engine.connect() as conn:
        row = conn.execute(select(col(ReviewQuarter.final_by), col(ReviewQuarter.final_at))
                           .where(*_where(ReviewQuarter, key))).first()
    return None if row is None else {"final_by": row[0], "final_at": row[1]}


def save_note(engine: Engine, *, actor: Actor, plan_code: str, year: int, quarter: int, scope: str, indicator: str,
              text: str) -> bool:
    """Write (or, with empty text, remove) one note. Returns whether anything changed. Raises PermissionDenied
    for non-editors and CommentaryFinal once the quarter is final."""
    require(actor, "editor")
    text = text.strip()[:MAX_CHARS]
    key = _key(plan_code, year, quarter, scope)
    row_key = f"{plan_code}/{year}Q{quarter}/{scope}/{indicator or 'findings'}"
    with engine.begin() as conn:
        if conn.execute(select(col(ReviewQuarter.final_by)).where(*_where(ReviewQuarter, key))).first() is not None:
            raise CommentaryFinal(row_key)
        where = [*_where(ReviewNote, key), col(ReviewNote.indicator) == indicator]
        old = conn.execute(select(col(ReviewNote.text)).where(*where)).scalar()
        if (old or "") == text:
            return False
        now = datetime.now(UTC)
        if not text:
            conn.execute(delete(ReviewNote).where(*where))
        elif old is None:
            conn.execute(insert(ReviewNote).values(**key, indicator=indicator, text=text, updated_by=actor.name,
                                                   updated_at=now))
        else:
            conn.execute(update(ReviewNote).where(*where).values(text=text, updated_by=actor.name, updated_at=now))
        audit.record(conn, user=actor.name, action="review_note", table="review_note", key=row_key, via=actor.via,
                     old=None if old is None else {"text": old}, new={"text": text} if text else None)
        bump_data_version(conn)  # the pages' and the pack's caches are keyed by it
    return True


def mark_final(engine: Engine, *, actor: Actor, plan_code: str, year: int, quarter: int, scope: str) -> bool:
    """Close the quarter's commentary to edits (audited). Returns False when it already was final."""
    require(actor, "editor")
    key = _key(plan_code, year, quarter, scope)
    with engine.begin() as conn:
        if conn.execute(select(col(ReviewQuarter.final_by)).where(*_where(ReviewQuarter, key))).first() is not None:
            return False
        conn.execute(insert(ReviewQuarter).values(**key, final_by=actor.name,
                                                  final_at=datetime.now(UTC)))
        audit.record(conn, user=actor.name, action="review_final", table="review_quarter", via=actor.via,
                     key=f"{plan_code}/{year}Q{quarter}/{scope}", new={"final": True})
        bump_data_version(conn)
    return True
