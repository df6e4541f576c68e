"""Alembic environment: runs on the engine handed over by data_layer.migrations (never one of its own)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from data_layer import models  # noqa: F401 - registers the tables on the metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite changes a column by rebuilding its table (copy, drop, rename: batch mode). With foreign keys on,
        # dropping the old `building` would orphan every building_month row; SQLite's own procedure for this is
        # to switch the checks off outside the transaction and run foreign_key_check before committing.
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        connection.commit()
    try:
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=SQLModel.metadata,
                render_as_batch=sqlite,  # SQLite alters tables by copying them
                compare_type=True,
            )
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"schema change left {len(broken)} rows without their parent: {broken[:5]}")
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            connection.commit()
