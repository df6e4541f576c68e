"""Fixtures for the briefing screen and the review pack: hand-made observation points, feedback and demands whose
figures the tests work out by hand, and a writable copy of the demo city."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from data_layer.models import Demand, Feedback, ObservationPoint
from data_layer.summaries import bump_data_version

REPO = Path(__file__).resolve().parents[2]


class PointFactory:
    """Observation points (each in its own building), feedback rows and demands with explicit values."""

    def __init__(self, engine: Engine, make) -> None:  # type: ignore[no-untyped-def]
        self.engine, self.make = engine, make
        self._feedback_id = 1

    def point(self, point_id: int, *, district: str = "D1", name: str | None = None) -> int:
        self.make.building(100 + point_id, district=district, name=name or f"观测楼{point_id}",
                           is_observation_point=True)
        with self.engine.begin() as conn:
            conn.execute(insert(ObservationPoint), [{"id": point_id, "code": f"OP{point_id:03d}",
                                                     "building_id": 100 + point_id,
                                                     "designated_on": date(2025, 1, 1)}])
        return point_id

    def feedback(self, point_id: int, month: date, scores: list[int | None], labels: list[str | None] | None = None,
                 *, dimension: str = "operations", corrected: list[str | None] | None = None) -> None:
        """One response per score, submitted on the 10th of `month`, with model labels and corrections."""
        labels = labels or [None] * len(scores)
        corrected = corrected or [None] * len(scores)
        rows = []
        for score, label, fixed in zip(scores, labels, corrected, strict=True):
            rows.append({"id": self._feedback_id, "point_id": point_id, "submitted_on": month.replace(day=10),
                         "dimension": dimension, "channel": "survey", "score": score,
                         "text": "意见" if label or fixed else "", "sentiment_label": label,
                         "sentiment_confidence": 0.9 if label else None, "corrected_label": fixed,
                         "corrected_by": "reviewer" if fixed else None})
            self._feedback_id += 1
        with self.engine.begin() as conn:
            conn.execute(insert(Feedback), rows)
            bump_data_version(conn)

    def demand(self, demand_id: int, point_id: int, *, opened: date, due: date, closed: date | None = None,
               category: str = "parking", text: str = "诉求") -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(Demand), [{"id": demand_id, "point_id": point_id, "building_id": 100 + point_id,
                                           "category": category, "text": text,
                                           "status": "closed" if closed else "open", "opened_on": opened,
                                           "due_on": due, "closed_on": closed}])


@pytest.fixture
def points(engine: Engine, make) -> PointFactory:  # type: ignore[no-untyped-def]
    make.district("D1", "甲区", "Jia")
    make.district("D2", "乙区", "Yi")
    return PointFactory(engine, make)



@pytest.fixture
def utc_process() -> Iterator[None]:
    """This process in UTC, like a server container (TZ read through tzset), restored afterwards."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()
