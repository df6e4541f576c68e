"""Coordinates: conversions between the three systems Chinese data comes in (WGS-84 from GPS and OSM, GCJ-02 on
AMap/Tencent maps, BD-09 on Baidu), and the check that a building lies inside the city's district polygons.

The GCJ-02 offset is the published approximation used by open-source converters (accurate to about a metre);
GCJ-02 to WGS-84 is its iterative inverse. Outside China no offset applies."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import Connection, text

CRS_CODES = ("GCJ-02", "WGS-84", "BD-09")
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
             + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
             + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
             + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
             + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
             + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
             + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    root = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * root) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / root * np.cos(rad) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d_lon, d_lat = _delta(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    w_lon, w_lat = lon.copy(), lat.copy()
    for _ in range(3):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        w_lon, w_lat = w_lon - (g_lon - lon), w_lat - (g_lat - lat)
    return w_lon, w_lat


def gcj02_to_bd09(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def convert(lon: np.ndarray, lat: np.ndarray, source: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Points from one CRS to another (through GCJ-02)."""
    lon, lat = np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")
    if source == target:
        return lon, lat
    if source == "WGS-84":
        lon, lat = wgs84_to_gcj02(lon, lat)
    elif source == "BD-09":
        lon, lat = bd09_to_gcj02(lon, lat)
    if target == "WGS-84":
        return gcj02_to_wgs84(lon, lat)
    if target == "BD-09":
        return gcj02_to_bd09(lon, lat)
    return lon, lat


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
