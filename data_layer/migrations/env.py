"""Alembic environment: runs on the engine handed over by data_layer.migrations (never one of its own)."""

from __future__ import annotations

from alembic import context

from data_layer import models  # noqa: F401 - registers the tables on the metadata
from sqlmodel import SQLModel

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    context.run_migrations()
