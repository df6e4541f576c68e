"""A bureau's first day: what the store holds so far, the next file to load (with its template), the buildings
that are not on the map yet, and placing one by typing its coordinates.

The steps, in order (the README's "Loading real data" walks the same list): district boundaries, streets,
buildings, monthly statistics, city tax, plans; observation points come with the buildings (营商环境观测点 column)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from data_layer import audit, summaries
from data_layer.geo import normalise_crs, parse_crs

STEPS = ("boundaries", "streets", "buildings", "monthly", "city", "plans")


@dataclass(frozen=True)
class Loaded:
    """Counts of what the store holds; months as 'YYYY-MM' ('' when none)."""

    districts: int
    boundaries: int
    streets: int
    buildings: int
    unplaced: int
    building_months: int
    first_month: str
    last_month: str
    city_months: int
    plans: int
    points: int

    def next_step(self) -> str | None:
        """The first step not done yet, 'place' when only buildings without coordinates remain, else None."""
        done = {"boundaries": self.boundaries > 0, "streets": self.streets > 0, "buildings": self.buildings > 0,
                "monthly": self.building_months > 0, "city": self.city_months > 0, "plans": self.plans > 0}
        for step in STEPS:
            if not done[step]:
                return step
        return "place" if self.unplaced else None

    @property
    def empty(self) -> bool:
        return self.building_months == 0


def loaded(engine: Engine) -> Loaded:
    with engine.connect() as conn:
        def count(sql: str) -> int:
            return int(conn.execute(text(sql)).scalar() or 0)

        # from the district × month summary (refreshed with every write to building_month): the same months, where
        # the monthly table itself is millions of rows at province scale (2.5 s on a cold disk at 6M rows)
        months = conn.execute(text("SELECT COUNT(DISTINCT month), MIN(month), MAX(month) FROM district_month")).one()
        return Loaded(
            districts=count("SELECT COUNT(*) FROM district"),
            boundaries=count("SELECT COUNT(*) FROM district_boundary"),
            streets=count("SELECT COUNT(*) FROM street"),
            buildings=count("SELECT COUNT(*) FROM building"),
            unplaced=count("SELECT COUNT(*) FROM building WHERE lon IS NULL OR lat IS NULL"),
            building_months=int(months[0] or 0), first_month=str(months[1] or "")[:7], last_month=str(months[2] or "")[:7],
            city_months=count("SELECT COUNT(*) FROM city_month"),
            plans=count("SELECT COUNT(*) FROM plan WHERE NOT is_template"),
            points=count("SELECT COUNT(*) FROM observation_point"))


def unplaced(engine: Engine) -> pd.DataFrame:
    """Buildings without coordinates: code, name, district_code, address (by district, then name)."""
    with engine.connect() as conn:
        result = conn.execute(text("SELECT code, name, district_code, address FROM building"
                                   " WHERE lon IS NULL OR lat IS NULL ORDER BY district_code, name, code"))
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def place_building(engine: Engine, *, code: str, lon: float, lat: float, crs: str, user: str,
                   via: str = "app") -> str | None:
    """Give a building its coordinates (in `crs`), after checking they fall inside the city's districts (inside
    its own district is noted by the caller, not required: boundaries are simplified). Returns None when placed,
    else the reason as a problem code of the importer (unknown_crs_option, coords_out_of_range, outside_city,
    unknown_building). One transaction with an audit row and a new data version."""
    from data_layer.imports.geo import city_shape

    if parse_crs(crs) is None:
        return "unknown_crs_option"
    crs = normalise_crs(crs)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or lon != lon or lat != lat:
        return "coords_out_of_range"
    with engine.begin() as conn:
        row = conn.execute(text("SELECT lon, lat, crs FROM building WHERE code = :c"), {"c": code}).first()
        if row is None:
            return "unknown_building"
        shapes = city_shape(conn)
        if not shapes.empty:
            where = shapes.locate(np.array([lon]), np.array([lat]), np.array([crs], dtype=object))
            if where[0] is None:
                return "outside_city"
        conn.execute(text("UPDATE building SET lon = :lon, lat = :lat, crs = :crs WHERE code = :c"),
                     {"lon": float(lon), "lat": float(lat), "crs": crs, "c": code})
        audit.record(conn, user=user, action="building_place", table="building", key=code, via=via,
                     old={"lon": row[0], "lat": row[1], "crs": row[2]}, new={"lon": lon, "lat": lat, "crs": crs})
        summaries.bump_data_version(conn)
    return None
