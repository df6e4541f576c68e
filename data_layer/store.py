"""Creating, resetting and fingerprinting the store as a whole."""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime

from sqlalchemy import Engine, MetaData, select
from sqlmodel import SQLModel

from data_layer import migrations
from data_layer.models import DOMAIN_TABLES, ImportBatch, table_of
from data_layer.plans_seed import seed_reference

# Import history columns left out of the checksum: when a load happened is not part of the data.
_UNSTABLE_COLUMNS = {"created_at", "undone_at"}


def create_store(engine: Engine) -> None:
    """Bring the schema to the code's revision and add the reference rows (indicators, template plans)."""
    migrations.upgrade(engine)
    with engine.begin() as conn:
        seed_reference(conn)


def drop_everything(engine: Engine) -> None:
    """Remove every table, whatever revision the store is at (for `demo --reset`)."""
    meta = MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)


def checksum(engine: Engine) -> str:
    """One SHA-256 over every domain table's rows in primary-key order (import timestamps left out)."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        models: tuple[type[SQLModel], ...] = (ImportBatch, *DOMAIN_TABLES)
        for model in models:
            table = table_of(model)
            columns = [c for c in table.columns if c.name not in _UNSTABLE_COLUMNS]
            digest.update(f"#{table.name}:{','.join(c.name for c in columns)}\n".encode())
            statement = select(*columns).order_by(*table.primary_key.columns)
            for row in conn.execute(statement):
                digest.update(("|".join(_canonical(v) for v in row) + "\n").encode())
    return digest.hexdigest()


def _canonical(value: object) -> str:
    """A text form that is the same on SQLite and PostgreSQL."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)
