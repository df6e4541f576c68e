"""Drivers of change: an indicator's change between two windows (a quarter against the same months last year or
the previous quarter), split into the contributions of districts, a district's streets and a street's buildings.

Every contribution is worked out per building and only then added up, so any grouping (district, street,
building) adds up exactly to the change above it, with no leftover "other" bar:

- flows (tax, new enterprises; summed over the window's months): a building contributes its own change,
  Σ now − Σ before (a building that did not report in a window counts 0 there);
- rates (a ratio of sums r = O / L, read in the window's last month, `aggregates.ratio`): building i contributes
  (O_i,t − O_i,0) / L_t − r_0 · (L_i,t − L_i,0) / L_t, where L_t and r_0 are the scope's. Summed over all
  buildings: (O_t − O_0) / L_t − r_0 · (L_t − L_0) / L_t = r_t − O_0 / L_t − r_0 + O_0 / L_t = r_t − r_0.

Buildings that report in one window only ("entering" now, "leaving" since the base) are their own two bars at the
top of the tree, so an area's bar is the change of the buildings it had in both windows: a district whose mix
changed is not credited with a new building's arrival.

A node of the tree is "" (the scope), "district:CODE", "street:ID", "nostreet:DISTRICT" (a district's buildings
without a street), "entering" or "leaving"; its bars are its children. Buildings are leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import ColumnElement, Engine, FromClause, Select, and_, func, select
from sqlmodel import col

from data_layer.aggregates import Scope, ratio
from data_layer.models import Building, BuildingMonth, BuildingYtd, District, Street, table_of
from data_layer.periods import add_months

# indicator code -> (kind, numerator column, denominator column)
INDICATORS: dict[str, tuple[str, str, str | None]] = {
    "building_tax": ("flow", "tax_10k", None),
    "new_enterprises": ("flow", "new_enterprises", None),
    "occupancy_rate": ("rate", "occupied_area_m2", "leasable_area_m2"),
    "registration_rate": ("rate", "enterprises_registered", "enterprises_operating"),
}
BASES = ("yoy", "qoq")
ROOT = ""


@dataclass(frozen=True)
class Window:
    """Months start..end inclusive (first days of months); a rate is read at `end`."""

    start: date
    end: date

    def label(self) -> str:
        return f"{self.start:%Y-%m}" if self.start == self.end else f"{self.start:%Y-%m}–{self.end:%Y-%m}"


def windows(as_of: date, basis: str) -> tuple[Window, Window]:
    """The quarter holding `as_of`, through `as_of` (a running quarter is read through its last month with data),
    and its base: the same months last year (yoy) or the same months of the previous quarter (qoq)."""
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}, not {basis!r}")
    start = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    current = Window(start, as_of)
    shift = -12 if basis == "yoy" else -3
    return current, Window(add_months(start, shift), add_months(as_of, shift))


@dataclass(frozen=True)
class Drivers:
    """The change and every building's contribution; `bars(node)` groups them for one level of the chart."""

    indicator: str
    kind: str  # flow or rate
    current: Window
    base: Window
    value_now: float | None
    value_before: float | None
    buildings: pd.DataFrame  # building_id, code, name, district_code, district_zh/en, street_id, street_zh/en,
    #                          status (continuing, entering, leaving), now, before, contribution

    @property
    def change(self) -> float | None:
        if self.value_now is None or self.value_before is None:
            return None
        return self.value_now - self.value_before

    def bars(self, node: str = ROOT, *, scope: Scope = Scope(), lang: str = "zh") -> pd.DataFrame:
        """key, kind (district, street, building, entering, leaving), name, contribution, building_id (for
        buildings) and drill (the node a click opens; "" for a building) of the children of `node`, largest
        absolute contribution first (entering and leaving last). Their sum is the node's contribution (the
        whole change at the root)."""
        return group_bars(self.buildings, node, scope=scope, lang=lang)


def _tax_in_window(engine: Engine, window: Window) -> tuple[Select, ColumnElement[int]] | None:
    """building_id, top = the tax of each building that reported in `window`, from building_ytd: year to date at
    the window's end less year to date before its start (a window never crosses a year; the months reported
    decide who reported in it). Two snapshot reads where summing building_month scans every row of the window
    (1.6 s for two quarters at 50,000 buildings)."""
    from data_layer.buildings import _ytd_month

    with engine.connect() as conn:
        end = _ytd_month(conn, window.end)
        before = _ytd_month(conn, add_months(window.start, -1)) if window.start.month > 1 else None
    if end is None:
        return None
    now, earlier = table_of(BuildingYtd).alias("now"), table_of(BuildingYtd).alias("earlier")
    tax: ColumnElement[float] = now.c.ytd_tax_10k
    months: ColumnElement[int] = now.c.months_reported
    source: FromClause = now
    if before is not None:
        source = now.join(earlier, and_(earlier.c.building_id == now.c.building_id, earlier.c.month == before),
                          isouter=True)
        tax = tax - func.coalesce(earlier.c.ytd_tax_10k, 0.0)
        months = months - func.coalesce(earlier.c.months_reported, 0)
    return (select(now.c.building_id.label("building_id"), tax.label("top")).select_from(source)
            .where(now.c.month == end, months > 0)), now.c.building_id


def _load(engine: Engine, *, indicator: str, scope: Scope, window: Window) -> pd.DataFrame:
    """building_id, top, bottom for the buildings of `scope` reporting in `window` (flows: any month, summed;
    rates: the last month)."""
    kind, top, bottom = INDICATORS[indicator]
    bm = BuildingMonth
    building_id: ColumnElement[int] = table_of(bm).c.building_id
    if kind == "flow" and top == "tax_10k":
        found = _tax_in_window(engine, window)
        if found is None:  # no data in the window's year by its end
            return pd.DataFrame({"building_id": pd.Series(dtype=int), "top": pd.Series(dtype=float),
                                 "bottom": pd.Series(dtype=float)})
        statement, building_id = found
    elif kind == "flow":
        statement = (select(col(bm.building_id), func.sum(getattr(bm, top)).label("top"))
                     .where(col(bm.month) >= window.start, col(bm.month) <= window.end).group_by(col(bm.building_id)))
    else:
        if bottom is None:
            raise ValueError(f"{indicator}: a rate needs its denominator")
        statement = (select(col(bm.building_id), getattr(bm, top).label("top"), getattr(bm, bottom).label("bottom"))
                     .where(col(bm.month) == window.end))
    statement = statement.join(Building, col(Building.id) == building_id)
    if scope.kind == "district":
        statement = statement.where(col(Building.district_code) == scope.code)
    elif scope.kind == "street":
        statement = statement.join(Street,
                                   col(Street.id) == col(Building.street_id)).where(col(Street.code) == scope.code)
    with engine.connect() as conn:
        rows = conn.execute(statement).cursor.fetchall()  # plain tuples: numbers only, typed below
    frame = pd.DataFrame(rows, columns=["building_id", "top"] if kind == "flow" else ["building_id", "top", "bottom"])
    if "bottom" not in frame:
        frame["bottom"] = float("nan")
    return frame.astype({"building_id": int, "top": float, "bottom": float})


def contributions(now: pd.DataFrame, before: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, float | None,
                                                                                  float | None]:
    """Each building's contribution from two frames of building_id, top, bottom (the two windows' reporting
    sets). Returns (building_id, status, now, before, contribution), the value now and the value before."""
    merged = now.merge(before, on="building_id", how="outer", suffixes=("_t", "_0"), indicator=True)
    merged["status"] = merged["_merge"].map({"both": "continuing", "left_only": "entering",
                                             "right_only": "leaving"}).astype(str)
    for column in ("top_t", "top_0", "bottom_t", "bottom_0"):
        merged[column] = merged[column].fillna(0.0)
    if kind == "flow":
        value_now = float(now["top"].sum()) if len(now) else None
        value_before = float(before["top"].sum()) if len(before) else None
        merged["contribution"] = merged["top_t"] - merged["top_0"]
        merged["now"], merged["before"] = merged["top_t"], merged["top_0"]
    else:
        o_t, l_t = float(now["top"].sum()), float(now["bottom"].sum())
        o_0, l_0 = float(before["top"].sum()), float(before["bottom"].sum())
        value_now, value_before = ratio(o_t, l_t), ratio(o_0, l_0)
        if value_now is None or value_before is None:
            merged["contribution"] = float("nan")
        else:
            merged["contribution"] = ((merged["top_t"] - merged["top_0"]) / l_t
                                      - float(value_before) * (merged["bottom_t"] - merged["bottom_0"]) / l_t)
        merged["now"] = ratio(merged["top_t"], merged["bottom_t"])
        merged["before"] = ratio(merged["top_0"], merged["bottom_0"])
    out = merged[["building_id", "status", "now", "before", "contribution"]].reset_index(drop=True)
    return out, value_now, value_before


def drivers(engine: Engine, *, indicator: str, scope: Scope, as_of: date, basis: str = "yoy") -> Drivers:
    """The change of `indicator` in `scope` for the quarter holding `as_of` against `basis`, split by building."""
    if indicator not in INDICATORS:
        raise ValueError(f"indicator must be one of {', '.join(INDICATORS)}, not {indicator!r}")
    kind = INDICATORS[indicator][0]
    current, base = windows(as_of, basis)
    now = _load(engine, indicator=indicator, scope=scope, window=current)
    before = _load(engine, indicator=indicator, scope=scope, window=base)
    frame, value_now, value_before = contributions(now, before, kind)
    statement = (select(col(Building.id), col(Building.code), col(Building.name), col(Building.district_code),
                        col(District.name_zh), col(District.name_en), col(Building.street_id), col(Street.name_zh),
                        col(Street.name_en))
                 .join(District, col(District.code) == col(Building.district_code))
                 .outerjoin(Street, col(Street.id) == col(Building.street_id)))
    if len(frame) <= 5_000:  # a district's or street's buildings by id; a city's: every building (the merge keeps
        statement = statement.where(col(Building.id).in_([int(b) for b in frame["building_id"]]))  # its own)
    with engine.connect() as conn:
        info = pd.DataFrame(conn.execute(statement).cursor.fetchall(),  # plain tuples: ids, text, no types to apply
                            columns=["building_id", "code", "name", "district_code", "district_zh", "district_en",
                                     "street_id", "street_zh", "street_en"])
    info["building_id"] = info["building_id"].astype(int)
    frame = info.merge(frame, on="building_id", how="right").sort_values("building_id").reset_index(drop=True)
    return Drivers(indicator, kind, current, base, value_now, value_before, frame)


def _street_key(row: pd.Series) -> str:
    return f"nostreet:{row['district_code']}" if pd.isna(row["street_id"]) else f"street:{int(row['street_id'])}"


def _in_node(buildings: pd.DataFrame, node: str) -> pd.DataFrame:
    if node == ROOT:
        return buildings
    kind, _, code = node.partition(":")
    if kind in ("entering", "leaving"):
        return buildings[buildings["status"] == kind]
    continuing = buildings[buildings["status"] == "continuing"]
    if kind == "district":
        return continuing[continuing["district_code"] == code]
    if kind == "street":
        return continuing[continuing["street_id"].astype("float") == float(code)]
    if kind == "nostreet":
        return continuing[(continuing["district_code"] == code) & continuing["street_id"].isna()]
    raise ValueError(f"unknown node {node!r}")


def _child_level(node: str, scope: Scope) -> str:
    if node == ROOT:
        return {"city": "district", "district": "street", "street": "building"}[scope.kind]
    kind = node.partition(":")[0]
    return "street" if kind == "district" else "building"


def group_bars(buildings: pd.DataFrame, node: str = ROOT, *, scope: Scope = Scope(), lang: str = "zh") -> pd.DataFrame:
    """The bars of one level (see `Drivers.bars`)."""
    columns = ["key", "kind", "name", "contribution", "building_id", "drill"]
    rows = _in_node(buildings, node)
    level = "building" if node in ("entering", "leaving") else _child_level(node, scope)
    groups = rows if node in ("entering", "leaving") else rows[rows["status"] == "continuing"]
    out: list[dict] = []
    if level == "building":
        for _, row in groups.iterrows():
            out.append({"key": f"building:{int(row['building_id'])}", "kind": "building", "name": str(row["name"]),
                        "contribution": float(row["contribution"]), "building_id": int(row["building_id"]),
                        "drill": ""})
    elif level == "district":
        for code, part in groups.groupby("district_code", sort=True):
            out.append({"key": f"district:{code}", "kind": "district",
                        "name": str(part[f"district_{lang}"].iloc[0]), "contribution": float(part["contribution"].sum()),
                        "building_id": None, "drill": f"district:{code}"})
    else:
        keyed = groups.assign(_key=groups.apply(_street_key, axis=1) if len(groups) else pd.Series(dtype=str))
        for key, part in keyed.groupby("_key", sort=True):
            name = part[f"street_{lang}"].iloc[0]
            out.append({"key": key, "kind": "street", "name": "—" if pd.isna(name) else str(name),
                        "contribution": float(part["contribution"].sum()), "building_id": None, "drill": key})
    frame = pd.DataFrame(out, columns=columns)
    frame = frame.reindex(frame["contribution"].abs().sort_values(ascending=False, kind="stable").index)
    if node == ROOT:
        extra = []
        for status in ("entering", "leaving"):
            part = rows[rows["status"] == status]
            if len(part):
                extra.append({"key": status, "kind": status, "name": status,
                              "contribution": float(part["contribution"].sum()), "building_id": None, "drill": status})
        frame = pd.concat([frame, pd.DataFrame(extra, columns=columns)], ignore_index=True) if extra else frame
    return frame.reset_index(drop=True)


def node_total(buildings: pd.DataFrame, node: str) -> float:
    """The contribution of a node (the sum of its bars)."""
    return float(_in_node(buildings, node)["contribution"].sum())
