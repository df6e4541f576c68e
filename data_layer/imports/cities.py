"""The cities `init` can start from: shipped district boundaries and street registry, loaded through the importer
like any bureau file (so they are in the import history, can be undone, and loading them again is an unchanged
no-op)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from data_layer.imports.pipeline import Outcome, run_import

GEO = Path(__file__).resolve().parent.parent.parent / "assets" / "geo"


@dataclass(frozen=True)
class CityFiles:
    boundaries: Path  # GeoJSON with its CRS declared in the file
    streets: Path  # CSV: 所属区, 街道名称, 统计用区划代码


CITIES = {"guangzhou": CityFiles(GEO / "guangzhou_districts.geojson", GEO / "guangzhou_streets.csv")}
CITY_CHOICES = (*CITIES, "none")


def load_city(engine: Engine, city: str, *, user: str, via: str = "cli") -> list[Outcome]:
    """Import the city's boundaries, then its streets (which name the districts). Stops at a refused file."""
    files = CITIES[city]
    outcomes = []
    for kind, path in (("boundaries", files.boundaries), ("streets", files.streets)):
        outcome = run_import(engine, kind=kind, file_name=path.name, data=path.read_bytes(), user=user, via=via)
        outcomes.append(outcome)
        if not outcome.ok:
            break
    return outcomes
