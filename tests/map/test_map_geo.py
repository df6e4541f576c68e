"""Coordinate conversions against published point pairs, and district polygons and statistics from the store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_layer import aggregates, db, geo, queries
from data_layer.periods import Period

# (WGS-84 lon, lat) -> (GCJ-02 lon, lat): the test vectors of googollee/eviltransform (Shanghai, Shenzhen,
# Beijing) and of wandergis/coordtransform (Tiananmen), both widely used open-source implementations.
WGS_GCJ_PAIRS = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
]
# GCJ-02 -> BD-09 and BD-09 -> GCJ-02 for (116.404, 39.915), from wandergis/coordtransform.
GCJ_TO_BD = ((116.404, 39.915), (116.41036949371029, 39.92133699351021))
BD_TO_GCJ = ((116.404, 39.915), (116.39762729119315, 39.90865673957631))


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ_PAIRS)
def test_wgs84_to_gcj02_matches_published_pairs(wgs, gcj) -> None:
    lon, lat = geo.wgs84_to_gcj02(*wgs)
    assert (float(lon), float(lat)) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ_PAIRS)
def test_gcj02_to_wgs84_recovers_the_gps_point_within_a_centimetre(wgs, gcj) -> None:
    lon, lat = geo.gcj02_to_wgs84(*gcj)
    assert float(geo.distance_m(lon, lat, *wgs)) < 0.01


def test_one_step_inverse_of_coordtransform_is_close_to_the_exact_one() -> None:
    # coordtransform's gcj02towgs84(116.404, 39.915) is a one-step approximation: within a metre of ours.
    lon, lat = geo.gcj02_to_wgs84(116.404, 39.915)
    assert float(geo.distance_m(lon, lat, 116.39775550083061, 39.91359571849836)) < 1.0


def test_bd09_conversions_match_published_pairs() -> None:
    assert tuple(map(float, geo.gcj02_to_bd09(*GCJ_TO_BD[0]))) == pytest.approx(GCJ_TO_BD[1], abs=1e-9)
    assert tuple(map(float, geo.bd09_to_gcj02(*BD_TO_GCJ[0]))) == pytest.approx(BD_TO_GCJ[1], abs=1e-9)


def test_conversions_round_trip_across_guangzhou() -> None:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(112.9, 114.1, 500), rng.uniform(22.5, 23.9, 500)
    # GCJ-02 <-> WGS-84 is inverted exactly; the published BD-09 -> GCJ-02 formula is itself approximate (cm).
    for source, target, tolerance_m in ((geo.WGS84, geo.GCJ02, 0.01), (geo.GCJ02, geo.BD09, 0.2),
                                        (geo.WGS84, geo.BD09, 0.2)):
        x, y = geo.convert(lon, lat, source=source, target=target)
        assert geo.distance_m(lon, lat, x, y).min() > 100  # a real offset: hundreds of metres in Guangzhou
        back_x, back_y = geo.convert(x, y, source=target, target=source)
        assert geo.distance_m(lon, lat, back_x, back_y).max() < tolerance_m


def test_outside_china_gcj02_is_wgs84() -> None:
    lon, lat = geo.wgs84_to_gcj02(np.array([2.35, -74.0]), np.array([48.85, 40.7]))  # Paris, New York
    assert lon.tolist() == [2.35, -74.0] and lat.tolist() == [48.85, 40.7]


def test_crs_names_are_normalised() -> None:
    assert [geo.normalise_crs(v) for v in ("wgs84", "EPSG:4326", "gcj-02", "BD09", "", None)] == [
        geo.WGS84, geo.WGS84, geo.GCJ02, geo.BD09, geo.GCJ02, geo.GCJ02]


def test_an_unknown_crs_name_is_not_silently_taken_for_gcj02() -> None:
    assert geo.parse_crs("EPSG:3857") is None and geo.parse_crs("GCJ02") == geo.GCJ02


def test_convert_frame_uses_each_rows_crs() -> None:
    frame = pd.DataFrame({"lon": [113.3, 113.3], "lat": [23.1, 23.1], "crs": ["GCJ-02", "WGS-84"]})
    out = geo.convert_frame(frame, target="WGS-84")
    expected_lon, expected_lat = geo.gcj02_to_wgs84(113.3, 23.1)
    assert out.loc[0, "lon"] == pytest.approx(float(expected_lon)) and out.loc[0, "lat"] == pytest.approx(
        float(expected_lat))
    assert (out.loc[1, "lon"], out.loc[1, "lat"]) == (113.3, 23.1)
    assert set(out["crs"]) == {"WGS-84"}
    assert frame.loc[0, "lon"] == 113.3  # the input is not modified


def test_district_boundaries_come_from_the_table(demo_url: str) -> None:
    engine = db.make_engine(demo_url)
    shapes = geo.district_boundaries(engine)
    assert len(shapes) == 11 and set(shapes.geom_type) <= {"Polygon", "MultiPolygon"}
    assert shapes.set_index("code").loc["440106", "name_zh"] == "天河区"
    assert geo.boundary_crs(engine) == geo.GCJ02
    # every demo building lies in its own district's polygon (both GCJ-02)
    from data_layer.buildings import period_frame

    frame = period_frame(engine, period=Period("ytd", 2026, 10))
    polygons = shapes.set_index("code").geometry
    import shapely

    inside = [shapely.contains_xy(polygons[d], x, y) for d, x, y in zip(frame["district_code"], frame["lon"],
                                                                       frame["lat"], strict=True)]
    assert all(inside)


def test_boundaries_converted_to_wgs84_move_by_the_local_offset(demo_url: str) -> None:
    engine = db.make_engine(demo_url)
    gcj = geo.district_boundaries(engine).set_index("code").geometry["440106"]
    wgs = geo.district_boundaries(engine, target_crs="WGS-84").set_index("code").geometry["440106"]
    (x1, y1), (x2, y2) = gcj.exterior.coords[0], wgs.exterior.coords[0]
    expected = geo.gcj02_to_wgs84(x1, y1)
    assert (x2, y2) == pytest.approx((float(expected[0]), float(expected[1])))
    assert 300 < float(geo.distance_m(x1, y1, x2, y2)) < 800  # Guangzhou's offset is about 550 m


@pytest.mark.parametrize("period", [Period("ytd", 2026, 10), Period("quarter", 2025, 2), Period("month", 2024, 12)])
def test_district_indicators_agree_with_period_kpis_for_every_district(demo_url: str, period: Period) -> None:
    engine = db.make_engine(demo_url)
    stats = aggregates.district_indicators(engine, period=period).set_index("code")
    for code in stats.index:
        kpis = queries.period_kpis(engine, period=period, district=code)
        for indicator in (*(c for c in aggregates.DISTRICT_INDICATORS if c in kpis), "super_a", "grade_a"):
            assert stats.loc[code, indicator] == pytest.approx(kpis[indicator]), (code, indicator)


def test_district_map_joins_statistics_to_polygons(demo_url: str) -> None:
    joined = geo.district_map(db.make_engine(demo_url), period=Period("ytd", 2026, 10)).set_index("code")
    assert joined.geometry.notna().all() and joined["occupancy_rate"].between(0, 1).all()
    assert joined["buildings_reporting"].sum() > 1000


def test_a_surveyed_boundary_of_200000_vertices_is_drawn_with_a_few_hundred(demo_copy: str) -> None:
    """The maps draw outlines simplified to ~1 m; the store keeps the surveyed ring (which building is where)."""
    import json

    import shapely
    from sqlalchemy import text

    from data_layer import observation

    # 天河区 as a circle of radius 0.03° (~3 km) through 200,000 vertices: its chord sags 0.03 * (1 - cos(π/200000))
    # = 3.7e-12° from the arc, so a 1e-5° tolerance needs only n with 0.03 * (1 - cos(π/n)) <= 1e-5: n >= 55 (it
    # keeps a few more, as Douglas-Peucker does).
    angles = np.linspace(0, 2 * np.pi, 200_000, endpoint=False)
    ring = [[113.36 + 0.03 * np.cos(a), 23.13 + 0.03 * np.sin(a)] for a in angles]
    geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    engine = db.make_engine(demo_copy)
    with engine.begin() as conn:
        conn.execute(text("UPDATE district_boundary SET geojson = :g WHERE district_code = '440106'"),
                     {"g": json.dumps(geometry)})
    stored = geo.district_boundaries(engine).set_index("code").geometry["440106"]
    drawn = geo.district_map(engine, period=Period("ytd", 2026, 10)).set_index("code").geometry["440106"]
    assert shapely.get_num_coordinates(stored) == 200_001
    assert 55 <= shapely.get_num_coordinates(drawn) <= 500
    assert shapely.hausdorff_distance(stored, drawn) <= 1e-5  # nowhere more than ~1 m off
    other = observation.district_boundaries(engine).set_index("district_code").geometry["440106"]
    assert 55 <= len(other["coordinates"][0]) <= 500  # the observation page's map draws the same outline
    engine.dispose()
