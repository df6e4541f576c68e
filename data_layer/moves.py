"""Enterprise moves (企业迁入迁出), derived from the register's tenancies: one rule, `derive_moves`, read by the moves
page, the building profile, the move-out warning and the benchmark.

The rule (the README's "Enterprise moves" says the same in words):

- An enterprise's tenancies in one building that follow each other without a gap (a tenancy starting at most one
  month after the previous one ended, e.g. when it moves its registration here) are one **stay**. A stay's start
  is an **arrival** in the building, its end (when it has one) a **departure**; the month after the end is the
  departure's month.
- A departure from building A and an arrival of the same enterprise in another building B that starts within
  `MOVE_WINDOW_MONTHS` (6) months either side of the month after the departure are **a move A → B within the
  city** (each departure and arrival is used once, the closest in time first). It is dated by the month from which
  the enterprise is in B and no longer in A: the later of the two.
- A departure with no such arrival is a move **out of the city** (`out`): the register cannot tell a move away
  from a closure. When the enterprise still has another building in the city in the month after, it is a **site
  closed** (`closed_site`) instead: it left A for a building it already had.
- An arrival with no such departure is a move **in from outside the city** (`in`; or a new enterprise), or a **new
  site** (`new_site`) when the enterprise already had another building in the city the month before.
- **Flows of an area** (a building, a street, a district, the city) over a period: arrivals are moves that end in
  the area and did not start in it (from elsewhere in the city, from outside, new sites), departures the reverse;
  moves with both ends in the area are counted as within it, not as flows. Net = arrivals − departures, so an
  area's net is the sum of its buildings' nets and the city's net is (in + new sites) − (out + sites closed).
  Flows count enterprise-building presences, as the register's counts per building do.

Tax stays in `data_layer.enterprises`' rule: pages get enterprise rows through `move_list`, which applies
`auth.tax_access`. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Date, Engine, bindparam, text

from data_layer.auth import tax_access
from data_layer.enterprises import _read, redact, tax_band
from data_layer.periods import add_months

MOVE_WINDOW_MONTHS = 6
KINDS = ("move", "in", "new_site", "out", "closed_site")
MOVE_COLUMNS = ["enterprise_id", "kind", "from_building_id", "to_building_id", "month", "left_month",
                "arrived_month", "area_from", "area_to"]
FLOW_COLUMNS = ["in_city", "in_outside", "new_site", "out_city", "out_outside", "closed_site", "within",
                "arrivals", "departures", "net"]
LEVELS = ("city", "district", "street", "building")
_ONGOING = 10**7  # month index of a stay with no end


def _index(months: pd.Series) -> np.ndarray:
    """Month index (year × 12 + month − 1) of dates or 'YYYY-MM…' strings; -1 where missing. Vectorised: the
    register runs to hundreds of thousands of tenancies."""
    text_ = months.astype("object").where(months.notna(), "").astype(str)
    year, month = text_.str[:4], text_.str[5:7]
    valid = (year.str.isdigit() & month.str.isdigit()).to_numpy(dtype=bool)
    out = np.full(len(months), -1, dtype="int64")
    if valid.any():
        out[valid] = (year[valid].astype("int64").to_numpy() * 12 + month[valid].astype("int64").to_numpy() - 1)
    return out


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _months(indices: pd.Series) -> list[date | None]:
    """First days of month indices (-1: None), each distinct month built once."""
    values = indices.astype("int64").to_numpy()
    built = {int(v): (None if v < 0 else _month(int(v))) for v in np.unique(values)}
    return [built[int(v)] for v in values]


def stays(tenancies: pd.DataFrame) -> pd.DataFrame:
    """The tenancies merged into stays: per enterprise and building, tenancies that follow each other without a gap
    (from ≤ the previous end + 1 month). Columns enterprise_id, building_id, start, end (month indices; end
    `_ONGOING` while still there), area_start, area_end."""
    if tenancies.empty:
        return pd.DataFrame(columns=["enterprise_id", "building_id", "start", "end", "area_start", "area_end"])
    frame = pd.DataFrame({
        "enterprise_id": tenancies["enterprise_id"].astype("int64").to_numpy(),
        "building_id": tenancies["building_id"].astype("int64").to_numpy(),
        "start": _index(tenancies["from_month"]),
        "end": _index(tenancies["to_month"]),
        "area": pd.to_numeric(tenancies.get("area_m2", pd.Series(np.nan, index=tenancies.index)),
                              errors="coerce").to_numpy(dtype="float64"),
    })
    frame.loc[frame["end"] < 0, "end"] = _ONGOING
    frame = frame.sort_values(["enterprise_id", "building_id", "start", "end"], kind="mergesort").reset_index(drop=True)
    same = ((frame["enterprise_id"] == frame["enterprise_id"].shift()) &
            (frame["building_id"] == frame["building_id"].shift()))
    reach = frame.groupby(["enterprise_id", "building_id"], sort=False)["end"].cummax().shift()
    fresh = ~same | (frame["start"] > reach + 1)
    frame["stay"] = fresh.cumsum()
    grouped = frame.groupby("stay", sort=True)
    return pd.DataFrame({
        "enterprise_id": grouped["enterprise_id"].first(), "building_id": grouped["building_id"].first(),
        "start": grouped["start"].min(), "end": grouped["end"].max(),
        "area_start": grouped["area"].first(), "area_end": grouped["area"].last(),
    }).reset_index(drop=True)


def derive_moves(tenancies: pd.DataFrame, *, window: int = MOVE_WINDOW_MONTHS) -> pd.DataFrame:
    """THE rule (module docstring): every move within the city, out of it and into it, sites opened and closed,
    from tenancies (enterprise_id, building_id, from_month, to_month, area_m2). Columns MOVE_COLUMNS: building ids
    are None on the outside end; `month` is the move's month (first day); `left_month` the first month no longer in
    the old building, `arrived_month` the first month in the new one (None where there is no such end)."""
    all_stays = stays(tenancies)
    if all_stays.empty:
        return pd.DataFrame(columns=MOVE_COLUMNS)
    all_stays["stay_id"] = np.arange(len(all_stays))
    departures = all_stays[all_stays["end"] < _ONGOING].assign(left=lambda f: f["end"] + 1)
    arrivals = all_stays
    # Candidates: the same enterprise, another building, the arrival within the window around the departure.
    several = all_stays["enterprise_id"].duplicated(keep=False)
    multi = set(all_stays.loc[several, "enterprise_id"])
    dep = departures[departures["enterprise_id"].isin(multi)][["stay_id", "enterprise_id", "building_id", "left"]]
    arr = arrivals[arrivals["enterprise_id"].isin(multi)][["stay_id", "enterprise_id", "building_id", "start"]]
    pairs = dep.merge(arr, on="enterprise_id", suffixes=("_d", "_a"))
    pairs = pairs[(pairs["building_id_d"] != pairs["building_id_a"])
                  & ((pairs["start"] - pairs["left"]).abs() <= window)]
    pairs = pairs.assign(gap=(pairs["start"] - pairs["left"]).abs()).sort_values(
        ["gap", "left", "start", "stay_id_d", "stay_id_a"], kind="mergesort")
    # A departure and an arrival that are each other's only candidate pair at once; the rest (an enterprise with
    # several moves close together) go through the greedy loop: closest first, each end used once.
    alone = ~pairs["stay_id_d"].duplicated(keep=False) & ~pairs["stay_id_a"].duplicated(keep=False)
    matched: list[tuple[int, int]] = list(zip(pairs.loc[alone, "stay_id_d"].astype(int).tolist(),
                                              pairs.loc[alone, "stay_id_a"].astype(int).tolist(), strict=True))
    used_d: set[int] = {d for d, _a in matched}
    used_a: set[int] = {a for _d, a in matched}
    rest = pairs[~alone]
    for d, a in zip(rest["stay_id_d"].to_numpy(), rest["stay_id_a"].to_numpy(), strict=True):
        if d not in used_d and a not in used_a:
            used_d.add(int(d))
            used_a.add(int(a))
            matched.append((int(d), int(a)))
    by_id = all_stays.set_index("stay_id")
    parts: list[pd.DataFrame] = []
    if matched:
        d_ids, a_ids = (np.array(x) for x in zip(*matched, strict=True))
        d_rows, a_rows = by_id.loc[d_ids], by_id.loc[a_ids]
        left = d_rows["end"].to_numpy() + 1
        start = a_rows["start"].to_numpy()
        parts.append(pd.DataFrame({
            "enterprise_id": d_rows["enterprise_id"].to_numpy(), "kind": "move",
            "from_building_id": d_rows["building_id"].to_numpy(), "to_building_id": a_rows["building_id"].to_numpy(),
            "month": np.maximum(left, start), "left_month": left, "arrived_month": start,
            "area_from": d_rows["area_end"].to_numpy(), "area_to": a_rows["area_start"].to_numpy()}))
    lone_d = departures[~departures["stay_id"].isin(used_d)]
    lone_a = arrivals[~arrivals["stay_id"].isin(used_a)]
    # Is the enterprise in another building of the city in month m? (the month after a departure, before an arrival)
    spans = all_stays[all_stays["enterprise_id"].isin(multi)][["enterprise_id", "building_id", "start", "end"]]

    def elsewhere(rows: pd.DataFrame, month: pd.Series) -> np.ndarray:
        probe = pd.DataFrame({"row": np.arange(len(rows)), "enterprise_id": rows["enterprise_id"].to_numpy(),
                              "building_id": rows["building_id"].to_numpy(), "m": month.to_numpy()})
        probe = probe[probe["enterprise_id"].isin(multi)]
        hits = probe.merge(spans, on="enterprise_id", suffixes=("", "_o"))
        hits = hits[(hits["building_id_o"] != hits["building_id"]) & (hits["start"] <= hits["m"])
                    & (hits["end"] >= hits["m"])]
        out = np.zeros(len(rows), dtype=bool)
        out[hits["row"].to_numpy()] = True
        return out

    if len(lone_d):
        left = lone_d["end"] + 1
        parts.append(pd.DataFrame({
            "enterprise_id": lone_d["enterprise_id"].to_numpy(),
            "kind": np.where(elsewhere(lone_d, left), "closed_site", "out"),
            "from_building_id": lone_d["building_id"].to_numpy(), "to_building_id": None,
            "month": left.to_numpy(), "left_month": left.to_numpy(), "arrived_month": -1,
            "area_from": lone_d["area_end"].to_numpy(), "area_to": np.nan}))
    if len(lone_a):
        parts.append(pd.DataFrame({
            "enterprise_id": lone_a["enterprise_id"].to_numpy(),
            "kind": np.where(elsewhere(lone_a, lone_a["start"] - 1), "new_site", "in"),
            "from_building_id": None, "to_building_id": lone_a["building_id"].to_numpy(),
            "month": lone_a["start"].to_numpy(), "left_month": -1, "arrived_month": lone_a["start"].to_numpy(),
            "area_from": np.nan, "area_to": lone_a["area_start"].to_numpy()}))
    out = pd.concat(parts, ignore_index=True)
    for column in ("from_building_id", "to_building_id"):
        out[column] = pd.array(out[column].where(out[column].notna(), None), dtype="Int64")
    for column in ("month", "left_month", "arrived_month"):
        out[column] = _months(out[column])
    out = out.sort_values(["month", "enterprise_id", "kind"], kind="mergesort").reset_index(drop=True)
    return out[MOVE_COLUMNS]


# ------------------------------------------------------------------------------------------------ reading


def _raw(engine: Engine, sql: str) -> pd.DataFrame:
    """Rows as a frame built column-wise, values as the driver gives them (months: ISO text on SQLite, dates on
    PostgreSQL; `_index` reads both). Faster than enterprises._read for the whole register (no per-value mapping)."""
    with engine.connect() as conn:
        result = conn.execute(text(sql))
        keys = list(result.keys())
        rows = result.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(keys)
    return pd.DataFrame({key: np.array(values, dtype=object) for key, values in zip(keys, columns, strict=True)})


def read_tenancies(engine: Engine, *, enterprises: Iterable[int] | None = None) -> pd.DataFrame:
    """The register's tenancies (all of them, or those of `enterprises`)."""
    sql = "SELECT enterprise_id, building_id, from_month, to_month, area_m2 FROM tenancy"
    if enterprises is None:
        return _raw(engine, sql)
    ids = sorted({int(i) for i in enterprises})
    if not ids:
        return _raw(engine, sql + " WHERE 1 = 0")
    frames = [_raw(engine, sql + f" WHERE enterprise_id IN ({','.join(str(i) for i in ids[k:k + 900])})")
              for k in range(0, len(ids), 900)]
    return pd.concat(frames, ignore_index=True)


def places(engine: Engine, ids: Iterable[int] | None = None) -> pd.DataFrame:
    """Every building's id, name, code, district and street (ids as integers; street -1 when it has none); only
    the buildings `ids` when given (a few moves need a few rows, not a province's 50,000)."""
    sql = "SELECT id, code, name, district_code, street_id FROM building"
    wanted = None if ids is None else sorted({int(i) for i in ids})
    if wanted is None or len(wanted) > 9_000:  # many: one read of the table beats ten IN lists
        frame = _read(engine, sql + " ORDER BY id", {})
    else:
        parts = [_read(engine, sql + f" WHERE id IN ({','.join(str(i) for i in wanted[k:k + 900])})", {})
                 for k in range(0, len(wanted), 900)]
        frame = pd.concat(parts, ignore_index=True) if parts else _read(engine, sql + " WHERE 1 = 0", {})
    frame["street_id"] = pd.to_numeric(frame["street_id"], errors="coerce").fillna(-1).astype("int64")
    frame["id"] = frame["id"].astype("int64")
    return frame


def all_moves(engine: Engine) -> pd.DataFrame:
    """Every move in the register (derive_moves on all tenancies), with each end's district and street and the
    enterprise's headquarters flag. No tax and no name: every role may receive it."""
    frame = derive_moves(read_tenancies(engine))
    return _with_places(engine, frame)


def building_moves(engine: Engine, *, building_id: int) -> pd.DataFrame:
    """Every move with an end in one building, as `all_moves` has them, from the tenancies of the enterprises that
    were ever there only (the rule works per enterprise, so this is exact): the profile's cost does not grow with
    the register."""
    with engine.connect() as conn:
        ids = [int(r[0]) for r in conn.execute(text("SELECT DISTINCT enterprise_id FROM tenancy WHERE building_id = :b"),
                                               {"b": int(building_id)})]
    frame = derive_moves(read_tenancies(engine, enterprises=ids))
    frame = frame[(frame["from_building_id"] == building_id).fillna(False)
                  | (frame["to_building_id"] == building_id).fillna(False)]
    return _with_places(engine, frame.reset_index(drop=True))


def _with_places(engine: Engine, frame: pd.DataFrame) -> pd.DataFrame:
    ends = pd.concat([frame["from_building_id"], frame["to_building_id"]]).dropna()
    where = places(engine, ids=ends.astype("int64")).set_index("id")
    for end in ("from", "to"):
        ids = frame[f"{end}_building_id"]
        frame[f"{end}_district"] = ids.map(where["district_code"]).astype("object")
        frame[f"{end}_street"] = ids.map(where["street_id"]).astype("Int64")
    hq = _read(engine, "SELECT id, is_headquarters FROM enterprise WHERE is_headquarters = :yes", {"yes": True})
    frame["is_headquarters"] = frame["enterprise_id"].isin(set(hq["id"].astype(int)))
    return frame


# ------------------------------------------------------------------------------------------------ flows


@dataclass(frozen=True)
class MoveScope:
    """Which area's flows: the city, a district, a street or one building."""

    district: str | None = None
    street_id: int | None = None
    building_id: int | None = None

    @property
    def level(self) -> str:
        return ("building" if self.building_id is not None else "street" if self.street_id is not None
                else "district" if self.district else "city")


def in_period(moves: pd.DataFrame, *, first: date, last: date) -> pd.DataFrame:
    """The moves dated first..last (months, inclusive)."""
    months = moves["month"]
    return moves[(months >= first) & (months <= last)]


def _key(moves: pd.DataFrame, end: str, level: str) -> pd.Series:
    """The area code of a move's end at `level` (None outside the city)."""
    if level == "city":
        return moves[f"{end}_building_id"].notna().map({True: "city", False: None})
    column = {"district": f"{end}_district", "street": f"{end}_street", "building": f"{end}_building_id"}[level]
    return moves[column].astype("object").where(moves[f"{end}_building_id"].notna(), None)


def flows(moves: pd.DataFrame, *, level: str, areas: Iterable[object] | None = None) -> pd.DataFrame:
    """Arrivals, departures, moves within and net per area at `level` (city, district, street, building) for the
    moves given (already cut to a period): columns FLOW_COLUMNS, indexed by area code; `areas` adds rows of zeros
    for areas without moves. Net = arrivals − departures (module docstring)."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    origin, target = _key(moves, "from", level), _key(moves, "to", level)
    kind = moves["kind"]
    inside = origin.notna() & target.notna() & (origin == target)
    counted: dict[str, pd.Series] = {}

    def count(mask: pd.Series, keys: pd.Series) -> pd.Series:
        return keys[mask & keys.notna()].value_counts()

    counted["in_city"] = count((kind == "move") & ~inside, target)
    counted["in_outside"] = count(kind == "in", target)
    counted["new_site"] = count(kind == "new_site", target)
    counted["out_city"] = count((kind == "move") & ~inside, origin)
    counted["out_outside"] = count(kind == "out", origin)
    counted["closed_site"] = count(kind == "closed_site", origin)
    counted["within"] = count(inside, origin)
    out = pd.DataFrame(counted).fillna(0)
    if areas is not None:
        out = out.reindex(pd.Index(list(dict.fromkeys([*areas, *out.index]))), fill_value=0)
    for column in FLOW_COLUMNS[:7]:
        if column not in out.columns:
            out[column] = 0
    out = out.fillna(0).astype("int64")
    out["arrivals"] = out["in_city"] + out["in_outside"] + out["new_site"]
    out["departures"] = out["out_city"] + out["out_outside"] + out["closed_site"]
    out["net"] = out["arrivals"] - out["departures"]
    return out[FLOW_COLUMNS]


def touching(moves: pd.DataFrame, scope: MoveScope) -> pd.DataFrame:
    """The moves with at least one end in `scope`."""
    level = scope.level
    if level == "city":
        return moves
    code = {"district": scope.district, "street": scope.street_id, "building": scope.building_id}[level]
    return moves[(_key(moves, "from", level) == code) | (_key(moves, "to", level) == code)]


def routes(moves: pd.DataFrame) -> pd.DataFrame:
    """Moves within the city counted per (from district, to district), most first: where enterprises go."""
    inner = moves[moves["kind"] == "move"]
    if inner.empty:
        return pd.DataFrame(columns=["from_district", "to_district", "moves"])
    return (inner.groupby(["from_district", "to_district"]).size().rename("moves").reset_index()
            .sort_values(["moves", "from_district", "to_district"], ascending=[False, True, True])
            .reset_index(drop=True))


# ------------------------------------------------------------------------------------------------ enterprise rows


def move_list(engine: Engine, moves: pd.DataFrame, *, role: str | None, kiosk: bool = False) -> pd.DataFrame:
    """The moves given with the enterprise's credit code, name, industry, headquarters flag and each end's
    building name; the tax as the viewer may see it (`auth.tax_access`: value for editors, band for viewers, none
    for anonymous sessions and kiosks). Latest first, then the largest taxpayers (by what the viewer may see)."""
    access = tax_access(role, kiosk=kiosk)
    if moves.empty:
        frame = moves.assign(credit_code=[], name=[], industry=[], tax_year=[], tax_10k=[], from_name=[],
                             to_name=[])
    else:
        ids = sorted({int(i) for i in moves["enterprise_id"]})
        columns = "SELECT id AS enterprise_id, credit_code, name, industry, tax_year, tax_10k FROM enterprise"
        if len(ids) > 5_000:  # one read of the table beats hundreds of IN lists
            info = _raw(engine, columns)
        else:
            info = pd.concat([_raw(engine, f"{columns} WHERE id IN ({','.join(str(i) for i in ids[k:k + 900])})")
                              for k in range(0, len(ids), 900)], ignore_index=True)
        info["enterprise_id"] = info["enterprise_id"].astype("int64")
        info["tax_10k"] = pd.to_numeric(info["tax_10k"], errors="coerce")
        info = info[info["enterprise_id"].isin(ids)]
        names = places(engine).set_index("id")["name"]
        frame = moves.merge(info, on="enterprise_id", how="left")
        frame["from_name"] = frame["from_building_id"].map(names).astype("object")
        frame["to_name"] = frame["to_building_id"].map(names).astype("object")
    frame["tax_band"] = tax_band(frame["tax_10k"]) if len(frame) else pd.Series([], dtype=object)
    keys, ascending = ["month", "enterprise_id"], [False, True]
    if access == "value" and len(frame):
        keys, ascending = ["month", "tax_10k", "enterprise_id"], [False, False, True]
    frame = frame.sort_values(keys, ascending=ascending, na_position="last", kind="mergesort")
    return redact(frame.reset_index(drop=True), access)


# ------------------------------------------------------------------------------------------------ warnings


def move_out_months(as_of: date, months: int = 3) -> tuple[date, date]:
    """The months the move-out warning looks at: the `months` months through `as_of`."""
    return add_months(as_of, 1 - months), as_of


def recent_departures(engine: Engine, *, as_of: date, months: int = 3) -> pd.DataFrame:
    """Moves out of the city and within it dated in the `months` months through `as_of`, found without deriving
    the whole register: only the enterprises with a tenancy ending in or just before those months are read (the
    rule works per enterprise, so this is exact)."""
    first, last = move_out_months(as_of, months)
    with engine.connect() as conn:
        ids = [int(r[0]) for r in conn.execute(text(
            "SELECT DISTINCT enterprise_id FROM tenancy WHERE to_month >= :a AND to_month <= :b").bindparams(
            bindparam("a", type_=Date), bindparam("b", type_=Date)),
            {"a": add_months(first, -1 - MOVE_WINDOW_MONTHS), "b": add_months(last, -1)})]
    frame = derive_moves(read_tenancies(engine, enterprises=ids))
    frame = in_period(frame, first=first, last=last)
    return _with_places(engine, frame[frame["kind"].isin(("out", "move"))].reset_index(drop=True))


def move_out_alerts(engine: Engine, *, as_of: date, min_tax_10k: float, months: int = 3,
                    district: str | None = None) -> pd.DataFrame:
    """Enterprises with a yearly tax ≥ `min_tax_10k` 万元 that moved out of the city in the `months` months through
    `as_of` (a departure with no new tenancy in the city so far), one row each: enterprise_id, building_id, month.
    No tax and no name in it: the warning list shows every role the count per building; `move_list` gives an
    editor the names."""
    frame = recent_departures(engine, as_of=as_of, months=months)
    frame = frame[frame["kind"] == "out"]
    if district is not None:
        frame = frame[frame["from_district"] == district]
    if frame.empty:
        return pd.DataFrame(columns=["enterprise_id", "building_id", "month"])
    ids = sorted({int(i) for i in frame["enterprise_id"]})
    big = _read(engine, "SELECT id FROM enterprise WHERE tax_10k >= :bound AND id IN ("
                + ",".join(str(i) for i in ids) + ")", {"bound": float(min_tax_10k)})
    keep = set(big["id"].astype(int)) if len(big) else set()
    frame = frame[frame["enterprise_id"].isin(keep)]
    return pd.DataFrame({"enterprise_id": frame["enterprise_id"].astype("int64"),
                         "building_id": frame["from_building_id"].astype("int64"),
                         "month": frame["month"]}).reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ headquarters


HEADQUARTERS_LEVELS = {"district": ("b.district_code", "district_code"), "building": ("t.building_id", "building_id")}


def headquarters(engine: Engine, *, month: date, by: str = "district") -> pd.DataFrame:
    """Headquarters enterprises (总部企业, the register's flag) with a tenancy active in `month`, counted per
    district or per building (an enterprise in two places counts in both, once in each): <district_code |
    building_id>, headquarters. The moves page counts them per district; the map colours buildings by them."""
    expression, name = HEADQUARTERS_LEVELS[by]
    return _read(engine, f"""
        SELECT {expression} AS {name}, COUNT(DISTINCT t.enterprise_id) AS headquarters
        FROM tenancy t JOIN enterprise e ON e.id = t.enterprise_id JOIN building b ON b.id = t.building_id
        WHERE e.is_headquarters = :yes AND t.from_month <= :month AND (t.to_month IS NULL OR t.to_month >= :month)
        GROUP BY {expression} ORDER BY {expression}""", {"yes": True, "month": month})
