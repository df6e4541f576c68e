"""The audit trail: every write path of the data layer records who changed what, through which action.

Call `record` inside the same transaction as the change, so a rolled-back change leaves no audit row and a
committed one always has its row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime

from sqlalchemy import Connection, insert

from data_layer.models import AuditLog


def _json(value: Mapping[str, object] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      default=lambda v: v.isoformat() if isinstance(v, (date, datetime)) else str(v))


def record(conn: Connection, *, user: str, action: str, table: str, key: str,
           old: Mapping[str, object] | None = None, new: Mapping[str, object] | None = None, via: str = "app") -> None:
    """Write one audit row. `old`/`new` are the changed fields (None for an insert's old or a delete's new)."""
    conn.execute(insert(AuditLog).values(
        at=datetime.now(UTC), user_name=user, action=action, via=via, table_name=table, row_key=key,
        old_value=_json(old), new_value=_json(new),
    ))
