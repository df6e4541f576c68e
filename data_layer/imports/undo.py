"""Import history and undo. Undo restores what a batch replaced and deletes what it created, in one
transaction, with the summaries refreshed and an audit row; it refuses (changing nothing) when a later import
changed the same rows or other data now depends on rows it would delete."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from data_layer import audit, summaries
from data_layer.i18n import translate
from data_layer.imports import kinds
from data_layer.imports.kinds.common import UndoConflict
from data_layer.imports.pipeline import mark_undone, refresh_summaries, write_transaction
from data_layer.models import ImportBatch

# Which kind wrote which table, in the order imports write them (undo walks it backwards).
TABLE_KIND = {"street": "streets", "building": "buildings", "observation_point": "buildings", "building_month": "monthly",
              "city_month": "city", "plan": "plans", "plan_target": "plans", "feedback": "feedback",
              "demand": "demands", "district": "boundaries", "district_boundary": "boundaries",
              "enterprise": "enterprises", "tenancy": "tenancies"}
WRITE_ORDER = ("streets", "buildings", "monthly", "city", "plans", "feedback", "demands", "enterprises", "tenancies",
               "boundaries")


@dataclass
class UndoOutcome:
    batch_id: int
    ok: bool
    code: str = "undone"
    params: dict[str, object] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return translate(f"imports.undo.{self.code}", lang, batch=self.batch_id, **self.params)


def history(engine: Engine, *, limit: int = 500) -> pd.DataFrame:
    """Import batches, newest first: who, when, which file (name and hash), how many rows, whether undone."""
    statement = select(ImportBatch).order_by(col(ImportBatch.id).desc()).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(statement).mappings().all()
    columns = ["id", "kind", "file_name", "file_hash", "user_name", "created_at", "rows_new", "rows_updated",
               "rows_unchanged", "undone_at"]
    return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)


def _import_record(conn: Connection, batch_id: int) -> tuple[dict, dict] | None:
    row = conn.execute(text("SELECT old_value, new_value FROM audit_log WHERE action = 'import' AND row_key = :k"
                            " ORDER BY id DESC"), {"k": f"import_batch:{batch_id}"}).first()
    if row is None or row[1] is None:
        return None
    return (json.loads(row[0]) if row[0] else {}), json.loads(row[1])


def undo_batch(engine: Engine, *, batch_id: int, user: str, via: str = "app") -> UndoOutcome:
    """Undo one import batch, all or nothing."""

    def work(conn: Connection) -> UndoOutcome:
        batch = conn.execute(select(col(ImportBatch.undone_at), col(ImportBatch.kind))
                             .where(col(ImportBatch.id) == batch_id)).first()
        if batch is None:
            return UndoOutcome(batch_id, False, "missing")
        if batch[0] is not None:
            return UndoOutcome(batch_id, False, "already")
        record = _import_record(conn, batch_id)
        if record is None:
            return UndoOutcome(batch_id, False, "not_import")
        old, new = record
        created = new.get("created", {})
        replaced = old.get("replaced", {})
        present = {TABLE_KIND[t] for t in created if t in TABLE_KIND}
        months = set(new.get("months", []))
        buildings = "buildings" in present
        for kind in reversed(WRITE_ORDER):
            if kind == "buildings" and buildings:
                # Summary rows per building (year-to-date tax) refer to buildings: bring them up to date with
                # the monthly rows removed so far before a building this batch created is deleted.
                refresh_summaries(conn, months)
            if kind in present:
                months |= kinds.module(kind).undo(conn, created, replaced, batch_id)
        refresh_summaries(conn, months, buildings_changed=buildings)
        summaries.bump_data_version(conn)
        mark_undone(conn, batch_id)
        audit.record(conn, user=user, action="undo_import", table="import_batch", key=f"import_batch:{batch_id}",
                     via=via, old={"undone_at": None}, new={"undone_at": datetime.now(UTC), "kind": batch[1]})
        return UndoOutcome(batch_id, True)

    try:
        return write_transaction(engine, work, commit_if=lambda o: o.ok)
    except UndoConflict as conflict:
        return UndoOutcome(batch_id, False, conflict.code, conflict.params)
    except IntegrityError:
        return UndoOutcome(batch_id, False, "dependents")
