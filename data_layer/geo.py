"""Geometry for the map: coordinate systems, district polygons, and district statistics joined to them.

Chinese map data comes in three coordinate systems: WGS-84 (GPS, OSM tiles), GCJ-02 (the state-mandated offset
used by AMap/Tencent tiles and most Chinese data, including the shipped boundaries) and BD-09 (Baidu, a further
offset of GCJ-02). Buildings keep the CRS they were given in; the map converts everything to one CRS before
drawing, so points land in the right polygon (and on the right street when a tile server is configured).

The conversions are the published formulas (Krasovsky 1940 ellipsoid; the same constants as the open-source
`eviltransform` and `coordtransform` implementations), vectorised with numpy. GCJ-02 -> WGS-84 has no closed
form: it is inverted by fixed-point iteration to well under a centimetre. Outside China GCJ-02 equals WGS-84.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape
from sqlalchemy import Engine, func, select
from sqlmodel import col

from data_layer.aggregates import DISTRICT_INDICATORS, district_indicators  # noqa: F401 - re-exported for the map
from data_layer.models import District, DistrictBoundary
from data_layer.periods import Period

WGS84, GCJ02, BD09 = "WGS-84", "GCJ-02", "BD-09"
CRS_CODES = (WGS84, GCJ02, BD09)

_A = 6378245.0  # semi-major axis of the Krasovsky 1940 ellipsoid used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0  # BD-09's extra rotation constant



# --- coordinate systems ---------------------------------------------------------------------------------------

def parse_crs(value: str | None) -> str | None:
    """'gcj02', 'GCJ-02', 'wgs84', 'EPSG:4326', 'bd09' ... to one of CRS_CODES; None when not recognised."""
    key = (value or "").upper().replace("-", "").replace("_", "").replace(" ", "")
    if key in {"WGS84", "EPSG:4326", "4326"}:
        return WGS84
    if key in {"BD09", "BD09LL", "BAIDU"}:
        return BD09
    if key in {"GCJ02", "GCJ", "MARS", "火星坐标"}:
        return GCJ02
    return None


def normalise_crs(value: str | None) -> str:
    """As parse_crs, with GCJ-02 (Chinese map data's usual CRS) for an empty or unknown value; pages that take the
    value from a setting warn about an unknown one (see `parse_crs`)."""
    return parse_crs(value) or GCJ02


def out_of_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The rough box outside which GCJ-02 applies no offset (the published rule)."""
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _offsets(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS-84, in degrees, evaluated at a WGS-84 point."""
    x, y = lon - 105.0, lat - 35.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
             + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
             + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
             + (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
             + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
             + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
             + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * math.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, d_lon), np.where(outside, 0.0, d_lat)


def wgs84_to_gcj02(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    d_lon, d_lat = _offsets(lon_a, lat_a)
    return lon_a + d_lon, lat_a + d_lat


def gcj02_to_wgs84(lon: np.ndarray | float, lat: np.ndarray | float,
                   iterations: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Invert wgs84_to_gcj02 by fixed-point iteration: the offset changes slowly, so each step gains ~3 digits."""
    g_lon, g_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(iterations):
        f_lon, f_lat = wgs84_to_gcj02(w_lon, w_lat)
        w_lon, w_lat = w_lon - (f_lon - g_lon), w_lat - (f_lat - g_lat)
    return w_lon, w_lat


def gcj02_to_bd09(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(lon, dtype=float) - 0.0065, np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def convert(lon: np.ndarray | float, lat: np.ndarray | float, *, source: str,
            target: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinates between WGS-84, GCJ-02 and BD-09 (through GCJ-02)."""
    source, target = normalise_crs(source), normalise_crs(target)
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if source == target:
        return lon_a, lat_a
    if source == WGS84:
        lon_a, lat_a = wgs84_to_gcj02(lon_a, lat_a)
    elif source == BD09:
        lon_a, lat_a = bd09_to_gcj02(lon_a, lat_a)
    if target == WGS84:
        return gcj02_to_wgs84(lon_a, lat_a)
    if target == BD09:
        return gcj02_to_bd09(lon_a, lat_a)
    return lon_a, lat_a


def convert_frame(frame: pd.DataFrame, *, target: str, lon: str = "lon", lat: str = "lat",
                  crs: str = "crs") -> pd.DataFrame:
    """A copy of `frame` whose lon/lat are in `target`, converting each row from the CRS named in its `crs`."""
    out = frame.copy()
    target = normalise_crs(target)
    sources = out[crs].map(normalise_crs) if crs in out.columns else pd.Series(GCJ02, index=out.index)
    for source in sources.unique():
        if source == target:
            continue
        rows = (sources == source).to_numpy()
        new_lon, new_lat = convert(out.loc[rows, lon].to_numpy(), out.loc[rows, lat].to_numpy(),
                                   source=source, target=target)
        out.loc[rows, lon], out.loc[rows, lat] = new_lon, new_lat
    out[crs] = target
    return out


def convert_geometry(geometry: gpd.GeoSeries, *, source: str, target: str) -> gpd.GeoSeries:
    """Every vertex of every polygon converted (the offset varies by a few metres across a city, so whole-shape
    shifts would not do)."""
    if normalise_crs(source) == normalise_crs(target):
        return geometry

    def _move(coords: np.ndarray) -> np.ndarray:
        x, y = convert(coords[:, 0], coords[:, 1], source=source, target=target)
        return np.column_stack([x, y])

    return gpd.GeoSeries(shapely.transform(geometry.to_numpy(), _move), index=geometry.index)


def distance_m(lon1: np.ndarray | float, lat1: np.ndarray | float, lon2: np.ndarray | float,
               lat2: np.ndarray | float) -> np.ndarray:
    """Great-circle distance in metres (for tests and sanity checks of the conversions)."""
    r = 6371008.8
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(h))


# --- district polygons and statistics --------------------------------------------------------------------------

# The outlines as drawn (the map, the wall screen's map, playback, the observation map): simplified to ~1 m
# (Douglas-Peucker, rings kept valid), under a pixel at the map's closest zoom (15.5: ~2 m per pixel at 23°N). A
# surveyed boundary of hundreds of thousands of vertices would otherwise reach every browser on every rerun (a
# 1,000,000-vertex file made the map page 46 s and 61 MB). Which building lies in which district still uses the
# stored geometry.
DRAW_TOLERANCE_DEG = 1e-5


def drawn(geometry: shapely.Geometry) -> shapely.Geometry:
    """A district's outline as the maps draw it (see DRAW_TOLERANCE_DEG)."""
    return shapely.simplify(geometry, DRAW_TOLERANCE_DEG, preserve_topology=True)


def district_boundaries(engine: Engine, *, target_crs: str | None = None) -> gpd.GeoDataFrame:
    """District polygons from the `district_boundary` table (GeoJSON geometry text), with the district names.

    Columns: code, name_zh, name_en, crs, geometry. Converted to `target_crs` when given. Districts without a
    boundary row are left out (the map then simply has no polygon for them)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(col(District.code), col(District.name_zh), col(District.name_en), col(DistrictBoundary.crs),
                   col(DistrictBoundary.geojson))
            .join(DistrictBoundary, col(DistrictBoundary.district_code) == col(District.code))
            .order_by(col(District.code))
        ).all()
    frame = gpd.GeoDataFrame(
        {"code": [r.code for r in rows], "name_zh": [r.name_zh for r in rows], "name_en": [r.name_en for r in rows],
         "crs": [normalise_crs(r.crs) for r in rows]},
        geometry=[shape(json.loads(r.geojson)) for r in rows],
    )
    if target_crs is None or frame.empty:
        return frame
    target = normalise_crs(target_crs)
    for source in frame["crs"].unique():
        rows_mask = frame["crs"] == source
        frame.loc[rows_mask, "geometry"] = convert_geometry(frame.geometry[rows_mask], source=source, target=target)
    frame["crs"] = target
    return frame


def boundary_crs(engine: Engine) -> str:
    """The CRS most boundary rows are stored in (GCJ-02 when there are none): what the offline map draws in."""
    with engine.connect() as conn:
        row = conn.execute(select(col(DistrictBoundary.crs), func.count()).group_by(col(DistrictBoundary.crs))
                           .order_by(func.count().desc())).first()
    return normalise_crs(row[0]) if row else GCJ02


def district_map(engine: Engine, *, period: Period, target_crs: str | None = None,
                 indicators: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """District polygons as drawn (`drawn`) with the period's indicators joined on the district code (for the
    choropleth).
    `indicators`: the period's `district_indicators` when the caller has them already (the map page caches them)."""
    shapes = district_boundaries(engine, target_crs=target_crs)
    shapes = shapes.set_geometry(drawn(shapes.geometry.to_numpy()))  # this frame is for drawing
    stats = district_indicators(engine, period=period) if indicators is None else indicators
    return shapes.merge(stats.drop(columns=["name_zh", "name_en"]), on="code", how="left")

