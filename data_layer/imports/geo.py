"""The check that an imported building lies inside the city's district polygons, whatever CRS the file and the
stored boundaries are in (the conversions are data_layer.geo's: WGS-84 from GPS and OSM, GCJ-02 on AMap/Tencent
maps, BD-09 on Baidu)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import Connection, text

from data_layer import geo
from data_layer.geo import BD09, GCJ02, WGS84

CRS_CODES = (GCJ02, WGS84, BD09)  # the order the templates and the command line offer them


def convert(lon: np.ndarray, lat: np.ndarray, source: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Points from one CRS to another: data_layer.geo's conversions (tested against published point pairs)."""
    return geo.convert(lon, lat, source=source, target=target)


@dataclass
class CityShape:
    """The district polygons of the store, grouped by the CRS they were stored in."""

    polygons: dict[str, tuple[str, object]]  # district code -> (crs, geometry)

    @property
    def empty(self) -> bool:
        return not self.polygons

    def locate(self, lon: np.ndarray, lat: np.ndarray, crs: np.ndarray) -> np.ndarray:
        """The district code each point falls in (None outside every district)."""
        out = np.full(len(lon), None, dtype=object)
        lon = np.asarray(lon, dtype="float64")
        lat = np.asarray(lat, dtype="float64")
        for point_crs in set(crs.tolist()):
            rows = np.flatnonzero((crs == point_crs) & ~np.isnan(lon) & ~np.isnan(lat))
            if rows.size == 0:
                continue
            for code, (poly_crs, geometry) in self.polygons.items():
                x, y = convert(lon[rows], lat[rows], str(point_crs), poly_crs)
                inside = shapely.contains_xy(geometry, x, y)
                hit = rows[inside & (out[rows] == None)]  # noqa: E711 - numpy element-wise comparison
                out[hit] = code
        return out


def city_shape(conn: Connection) -> CityShape:
    polygons = {}
    for code, crs, geojson in conn.execute(text("SELECT district_code, crs, geojson FROM district_boundary")):
        try:
            geometry = shape(json.loads(geojson))
        except (ValueError, TypeError, KeyError):
            continue
        shapely.prepare(geometry)
        polygons[code] = (crs if crs in CRS_CODES else "GCJ-02", geometry)
    return CityShape(polygons)
