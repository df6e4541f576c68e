"""What the building profile and the registration-gap page share about the enterprise register: who is asking
(role and kiosk link, which the data layer turns into tax access), the gap page's URL state (pure parse and
serialise), enterprise tables with headers and codes in the UI language, and the register-based 注册率 shown
beside the official one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from data_layer import fmt
from data_layer.auth import tax_access
from data_layer.enterprises import GapScope
from ui import auth
from ui.map_state import is_id

Translate = Callable[..., str]


def viewer() -> tuple[str | None, bool]:
    """(role of the signed-in user or None, whether this session came through a kiosk link). A kiosk token in
    the session or the URL counts even if the gate has not vetted it yet: it can only take tax away."""
    user = auth.current_user()
    kiosk = bool(st.session_state.get(auth.KIOSK_KEY) or st.query_params.get("kiosk"))
    return (user.role if user is not None else None), kiosk


def access_of(role: str | None, kiosk: bool) -> str:
    return tax_access(role, kiosk=kiosk)


# ---------------------------------------------------------------------------------------- the gap page's URL


@dataclass(frozen=True)
class GapView:
    """The registration-gap page's choices: scope and as-of month (first day)."""

    scope: GapScope
    month: date


def parse_gap_params(params: Mapping[str, str], *, districts: set[str], streets: Mapping[int, str],
                     buildings: Mapping[int, tuple[str, int | None]], months: list[date]) -> GapView:
    """The view a URL asks for; anything unknown falls back to 'all' (a street must lie in the district, a
    building in the street), and an unknown month to the latest. `streets`: id -> district code;
    `buildings`: id -> (district code, street id)."""
    district = params.get("district") if params.get("district") in districts else None
    street = int(params["street"]) if is_id(params.get("street")) else None
    if street is not None and (street not in streets or (district and streets[street] != district)):
        street = None
    if street is not None and district is None:
        district = streets[street]
    building = int(params["building"]) if is_id(params.get("building")) else None
    if building is not None:
        place = buildings.get(building)
        if place is None or (district and place[0] != district) or (street is not None and place[1] != street):
            building = None
        elif district is None:
            district = place[0]
    wanted = params.get("month", "")
    month = next((m for m in months if m.strftime("%Y-%m") == wanted), months[-1])
    return GapView(GapScope(district=district, street_id=street, building_id=building), month)


def gap_params(view: GapView, *, latest: date) -> dict[str, str]:
    """The URL parameters for `view` (defaults left out, so the plain link stays clean)."""
    out: dict[str, str] = {}
    if view.scope.district:
        out["district"] = view.scope.district
    if view.scope.street_id is not None:
        out["street"] = str(view.scope.street_id)
    if view.scope.building_id is not None:
        out["building"] = str(view.scope.building_id)
    if view.month != latest:
        out["month"] = view.month.strftime("%Y-%m")
    return out


# ---------------------------------------------------------------------------------------- tables


def enterprise_table(frame: pd.DataFrame, t: Translate, *, lang: str, district_names: Mapping[str, str] | None = None
                     ) -> pd.DataFrame:
    """The frame as the pages show and export it: codes in words, headers in the UI language. Only the columns
    the data layer returned are shown (tax columns are absent when the viewer may not see them)."""
    out = pd.DataFrame(index=frame.index)
    yes, no = t("ent.yes"), t("ent.no")
    for column in ("rank", "name", "credit_code", "building_name", "building_code", "district_code", "street",
                   "industry", "size_band", "is_headquarters", "registered_here", "area_m2", "from_month",
                   "tax_band", "tax_year", "tax_10k"):
        if column == "street" and "street_zh" in frame.columns:
            values = frame["street_zh" if lang == "zh" else "street_en"].fillna("")
        elif column not in frame.columns:
            continue
        else:
            values = frame[column]
        if column == "industry":
            values = values.map(lambda v: t(f"map.industry.{v}"))
        elif column == "size_band":
            values = values.map(lambda v: t(f"ent.size.{v}"))
        elif column == "tax_band":
            values = values.map(lambda v: t(f"ent.band.{v}"))
        elif column in ("is_headquarters", "registered_here"):
            values = values.map(lambda v: yes if v else no)
        elif column == "district_code":
            values = values.map(lambda v: (district_names or {}).get(v, v))
        header = "ent.col.district" if column == "district_code" else f"ent.col.{column}"
        out[t(header)] = values
    return out.reset_index(drop=True)


def rates_block(rates: Mapping[str, object], t: Translate, *, month: date) -> None:
    """The official 注册率 first, the register-based one beside it, labelled, and why they differ."""
    left, right = st.columns(2)
    official = rates["official_rate"]
    register = rates["register_rate"]
    assert official is None or isinstance(official, float)
    assert register is None or isinstance(register, float)
    left.metric(t("ent.rate.official"), fmt.pct(official), t("ent.rate.counts", registered=rates["official_registered"],
                operating=rates["official_operating"]), delta_color="off", delta_arrow="off", border=True)
    right.metric(t("ent.rate.register"), fmt.pct(register), t("ent.rate.counts",
                 registered=rates["register_registered"], operating=rates["register_operating"]),
                 delta_color="off", delta_arrow="off", border=True)
    diff = "—" if official is None or register is None else f"{(register - official) * 100:+.1f} pp"
    st.caption(t("ent.rate.explain", buildings=rates["buildings_reporting"], covered=rates["buildings_in_register"],
                 month=month.strftime("%Y-%m"), diff=diff))


def register_rate_line(rates: Mapping[str, object], t: Translate, *, month: date) -> str:
    """One line for pages whose 注册率 tile is the official figure: the register-based rate, labelled, and the
    difference from the official rate of the same month and scope."""
    official, register = rates["official_rate"], rates["register_rate"]
    diff = "—" if not isinstance(official, float) or not isinstance(register, float) \
        else f"{(register - official) * 100:+.1f}"
    return t("ent.rate.line", rate=fmt.pct(register if isinstance(register, float) else None),
             registered=f"{rates['register_registered']:,}", operating=f"{rates['register_operating']:,}",
             month=month.strftime("%Y-%m"), diff=diff)


# --- the place picker of the register's pages (注册缺口, 企业迁移) ------------------------------------------------


@dataclass(frozen=True)
class Places:
    """Where a register page can look: districts, streets and buildings by name, and the months it offers."""

    district_names: dict[str, str]
    street_names: dict[int, str]
    street_district: dict[int, str]
    buildings: pd.DataFrame  # id, name, district_code, street_id
    building_names: dict[int, str]
    months: list[date]


def load_places(url: str, version: str, *, lang: str, first_month: date, last_month: date,
                months_offered: int) -> Places:
    from data_layer import cached
    from data_layer.cached import enterprises as cached_enterprises
    from data_layer.cached import map as cached_map
    from data_layer.i18n import localized
    from data_layer.periods import add_months, month_range

    name = localized("name", lang)
    districts = cached.districts(url, version)
    streets = cached_map.streets(url, version)
    buildings = cached_enterprises.building_places(url, version)
    return Places(
        district_names=dict(zip(districts["code"], districts[name], strict=True)),
        street_names=dict(zip(streets["id"].astype(int), streets[name], strict=True)),
        street_district=dict(zip(streets["id"].astype(int), streets["district_code"], strict=True)),
        buildings=buildings, building_names=dict(zip(buildings["id"].astype(int), buildings["name"], strict=True)),
        months=month_range(max(first_month, add_months(last_month, 1 - months_offered)), last_month))


def pick_place(places: Places, t: Translate, *, prefix: str, month_label: str) -> GapView:
    """The view the URL names, then the sidebar's district → street → building → month boxes seeded with it; returns
    the view chosen. `prefix` keeps each page's widget keys apart."""
    frame = places.buildings
    asked = parse_gap_params(dict(st.query_params), districts=set(places.district_names),
                             streets=places.street_district,
                             buildings={int(r.id): (r.district_code, None if pd.isna(r.street_id) else int(r.street_id))
                                        for r in frame.itertuples()}, months=places.months)
    names, street_names = places.district_names, places.street_names
    with st.sidebar:
        district = st.selectbox(t("gap.district"), [None, *names], key=f"{prefix}_district",
                                index=[None, *names].index(asked.scope.district),
                                format_func=lambda c: t("gap.any") if c is None else names[c])
        street_options: list[int | None] = [None, *[s for s, d in places.street_district.items() if d == district]] \
            if district else [None]
        street = st.selectbox(t("gap.street"), street_options, key=f"{prefix}_street",
                              index=street_options.index(asked.scope.street_id)
                              if asked.scope.street_id in street_options else 0,
                              format_func=lambda s: t("gap.any") if s is None else street_names[s])
        inside = frame[(frame["district_code"] == district) & ((frame["street_id"] == street) if street is not None
                                                               else True)] if district else frame.iloc[:0]
        building_options = [None, *inside["id"].astype(int).tolist()]
        building = st.selectbox(t("gap.building"), building_options, key=f"{prefix}_building",
                                index=building_options.index(asked.scope.building_id)
                                if asked.scope.building_id in building_options else 0,
                                format_func=lambda b: t("gap.any") if b is None else places.building_names[b])
        months = places.months[::-1]
        month = st.selectbox(month_label, months, index=months.index(asked.month), key=f"{prefix}_month",
                             format_func=lambda m: m.strftime("%Y-%m"))
    return GapView(GapScope(district=district, street_id=street, building_id=building), month)


def write_place_url(wanted: Mapping[str, str], *, names: tuple[str, ...]) -> None:
    """Put the page's parameters (`names`) into the URL: those not wanted are removed, the others set."""
    for key in names:
        if key in st.query_params and key not in wanted:
            del st.query_params[key]
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def place_words(places: Places, scope: GapScope, t: Translate) -> str:
    """"天河区 / 猎德街道 / 某大厦", or the whole city."""
    words = [places.district_names[scope.district]] if scope.district else [t("gap.filter.city")]
    if scope.street_id is not None:
        words.append(places.street_names[scope.street_id])
    if scope.building_id is not None:
        words.append(places.building_names.get(scope.building_id, str(scope.building_id)))
    return " / ".join(words)


def place_filters(places: Places, scope: GapScope, t: Translate) -> list[tuple[str, str]]:
    """The place rows of an export's first sheet (筛选条件): the scope in words, then district, street, building."""
    any_ = t("gap.any")
    return [(t("gap.filter.scope"), place_words(places, scope, t)),
            (t("gap.district"), places.district_names[scope.district] if scope.district else any_),
            (t("gap.street"), places.street_names[scope.street_id] if scope.street_id is not None else any_),
            (t("gap.building"), places.building_names.get(scope.building_id, any_)
             if scope.building_id is not None else any_)]
