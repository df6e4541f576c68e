"""All benchmarks in one command: `python -m bench [--sizes S1,S2,S3] [--only overview,map,...]`.

Each area's module exposes run(sizes) -> rows; this prints one table per area. Not part of the test suite."""

from __future__ import annotations

import argparse
import importlib
import traceback

from bench.overview import print_rows

AREAS = ("pages", "overview", "map", "goals", "sentiment", "imports", "briefing", "enterprises")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="S1,S2,S3")
    parser.add_argument("--only", default=",".join(AREAS))
    args = parser.parse_args()
    sizes = args.sizes.split(",")
    for area in args.only.split(","):
        try:
            module = importlib.import_module(f"bench.{area}")
        except ModuleNotFoundError:
            print(f"\n## {area}: no benchmark module")
            continue
        try:
            print_rows(area, module.run(sizes))
        except Exception:
            print(f"\n## {area}: failed")
            traceback.print_exc()


if __name__ == "__main__":
    main()
