"""Fixtures for the map area: the demo city's raw tables in pandas (for independent expected values) and the
page environment."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
from sqlalchemy import text

from data_layer import db


@dataclass(frozen=True)
class Raw:
    """The demo city's tables as read straight from SQL, with nothing from the code under test."""

    building: pd.DataFrame
    month: pd.DataFrame
    street: pd.DataFrame
    feedback: pd.DataFrame
    point: pd.DataFrame


@pytest.fixture(scope="session")
def raw(demo_url: str) -> Raw:
    engine = db.make_engine(demo_url)
    with engine.connect() as conn:
        def read(sql: str) -> pd.DataFrame:
            return pd.read_sql(text(sql), conn)

        result = Raw(
            building=read("SELECT * FROM building ORDER BY id"),
            month=read("SELECT * FROM building_month"),
            street=read("SELECT * FROM street"),
            feedback=read("SELECT * FROM feedback"),
            point=read("SELECT * FROM observation_point"),
        )
    engine.dispose()
    result.month["month"] = pd.to_datetime(result.month["month"])
    result.feedback["submitted_on"] = pd.to_datetime(result.feedback["submitted_on"])
    return result
