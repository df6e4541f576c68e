"""A small hand-made observation store: two districts, three points, feedback and demands whose figures the
tests work out by hand."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, insert

from data_layer.models import Demand, Feedback, ObservationPoint
from data_layer.summaries import bump_data_version


class ObservationFactory:
    def __init__(self, engine: Engine, make) -> None:  # type: ignore[no-untyped-def]
        self.engine, self.make = engine, make
        self._next_id = 1

    def point(self, point_id: int, *, district: str = "D1", name: str | None = None) -> int:
        self.make.building(100 + point_id, district=district, name=name or f"观测楼{point_id}",
                           lon=113.3 + point_id / 100, lat=23.1, is_observation_point=True)
        with self.engine.begin() as conn:
            conn.execute(insert(ObservationPoint), [{"id": point_id, "code": f"OP{point_id:03d}",
                                                     "building_id": 100 + point_id,
                                                     "designated_on": date(2025, 1, 1)}])
        return point_id

    def feedback(self, point_id: int, rows: list[tuple], *, dimension: str = "operations") -> list[int]:
        """rows: (submitted_on, score, text, model_label, confidence[, corrected_label]). Returns the ids."""
        records, ids = [], []
        for row in rows:
            submitted, score, text, label, confidence = row[:5]
            corrected = row[5] if len(row) > 5 else None
            records.append({
                "id": self._next_id, "point_id": point_id, "submitted_on": submitted, "dimension": dimension,
                "channel": "survey", "score": score, "text": text, "sentiment_label": label,
                "sentiment_score": {"positive": 0.8, "neutral": 0.0, "negative": -0.8}.get(label),
                "sentiment_confidence": confidence, "sentiment_evidence": "测试" if label else None,
                "corrected_label": corrected, "corrected_by": "reviewer" if corrected else None,
            })
            ids.append(self._next_id)
            self._next_id += 1
        with self.engine.begin() as conn:
            conn.execute(insert(Feedback), records)
            bump_data_version(conn)
        return ids

    def demand(self, demand_id: int, point_id: int, *, category: str, status: str, opened: date, due: date,
               closed: date | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(Demand), [{"id": demand_id, "point_id": point_id, "building_id": 100 + point_id,
                                           "category": category, "text": "诉求", "status": status,
                                           "opened_on": opened, "due_on": due, "closed_on": closed}])


@pytest.fixture
def obs(engine: Engine, make) -> ObservationFactory:  # type: ignore[no-untyped-def]
    make.district("D1", "甲区", "Jia")
    make.district("D2", "乙区", "Yi")
    return ObservationFactory(engine, make)
