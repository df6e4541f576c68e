"""The map page's state: filters, period and display options, kept in the URL so a copied link reproduces the view.

`parse_params` / `to_params` are pure (tested directly). The Streamlit part seeds widget state from the URL the
first time a session sees the page, reads the widgets' current values, and writes them back to `st.query_params`
(values equal to the default are left out; other parameters such as `lang` are left alone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeGuard

import streamlit as st

from data_layer.buildings import FLAGS, OUTPUT_BANDS, TABLE_SORTS, TAX_BANDS, BuildingFilter
from data_layer.geo import DISTRICT_INDICATORS
from data_layer.models import GRADES, INDUSTRIES, STATUSES
from data_layer.periods import PERIOD_KINDS, Period, offered_numbers, offered_years
from ui.held import held, held_value
from ui.map_charts import COLOUR_DIMENSIONS, HEIGHT_METRICS, MODES

LIST_PARAMS = {"district": "districts", "street": "streets", "grade": "grades", "status": "statuses",
               "industry": "industries", "flag": "flags", "tax": "tax_bands", "out": "output_bands"}
PARAM_NAMES = (*LIST_PARAMS, "occ", "q", "period", "colour", "mode", "height", "choro", "cmp", "tsort", "tpage")
DEFAULT_TABLE_SORT = "-tax_period"  # the table's order: a column code, "-" first for descending
Translate = Callable[..., str]  # ui.shell.t, passed in so this module stays importable without a page


@dataclass(frozen=True)
class MapView:
    filters: BuildingFilter
    period: Period
    colour: str = "grade"
    mode: str = "points"
    height: str = "tax"
    choropleth: str = ""
    compare: tuple[str, ...] = field(default=())
    table_sort: str = DEFAULT_TABLE_SORT
    table_page: int = 1


def default_period(last_month: date) -> Period:
    return Period("ytd", last_month.year, last_month.month)


def period_param(period: Period) -> str:
    return f"{period.kind}-{period.year}-{period.number}"


def parse_period(text: str | None, *, first_month: date, last_month: date) -> Period:
    """`ytd-2026-10`, `quarter-2026-3`, `month-2026-7`, `year-2025-12`; anything invalid or outside the data gives
    the default (year to date through the latest month)."""
    try:
        kind, year, number = (text or "").split("-")
        period = Period(kind, int(year), int(number))
        outside = period.end > last_month or period.end < first_month  # a year like 99999 fails here
    except (ValueError, OverflowError):
        return default_period(last_month)
    return default_period(last_month) if outside else period


def is_id(text: str | None) -> TypeGuard[str]:
    """A row id as URLs carry it: ASCII digits only (str.isdigit also takes '²'), short enough for a 64-bit key."""
    return text is not None and text.isascii() and text.isdigit() and len(text) <= 18


def _codes(text: str | None, allowed: tuple[str, ...] | set[str]) -> tuple[str, ...]:
    picked = [c for c in (text or "").split(",") if c in allowed]
    return tuple(dict.fromkeys(picked))


def parse_params(params: Mapping[str, str], *, districts: set[str], streets: set[int], first_month: date,
                 last_month: date) -> MapView:
    """The view a URL describes. Unknown codes are dropped rather than failing, so an old link still opens."""
    street_ids = tuple(int(s) for s in (params.get("street") or "").split(",") if is_id(s) and int(s) in streets)
    try:
        low, high = (int(v) for v in (params.get("occ") or "0-100").split("-"))
        occupancy = (max(0, min(low, high)), min(100, max(low, high)))
    except ValueError:
        occupancy = (0, 100)
    filters = BuildingFilter(
        districts=_codes(params.get("district"), districts), streets=street_ids,
        grades=_codes(params.get("grade"), GRADES), statuses=_codes(params.get("status"), STATUSES),
        industries=_codes(params.get("industry"), INDUSTRIES), flags=_codes(params.get("flag"), FLAGS),
        occupancy=occupancy, tax_bands=_codes(params.get("tax"), TAX_BANDS), name=(params.get("q") or "")[:60],
        output_bands=_codes(params.get("out"), OUTPUT_BANDS))
    colour = params.get("colour", "grade")
    mode = params.get("mode", "points")
    height = params.get("height", "tax")
    choropleth = params.get("choro", "")
    return MapView(
        filters=filters, period=parse_period(params.get("period"), first_month=first_month, last_month=last_month),
        colour=colour if colour in COLOUR_DIMENSIONS else "grade", mode=mode if mode in MODES else "points",
        height=height if height in HEIGHT_METRICS else "tax",
        choropleth=choropleth if choropleth in DISTRICT_INDICATORS else "",
        compare=_codes(params.get("cmp"), districts), table_sort=parse_sort(params.get("tsort")),
        table_page=int(page) if is_id(page := params.get("tpage")) and 0 < int(page) < 1_000_000 else 1)


def parse_sort(text: str | None) -> str:
    """The table's order as the URL carries it (`tax_period`, `-tax_period`); anything else gives the default."""
    return text if text and text.removeprefix("-") in TABLE_SORTS else DEFAULT_TABLE_SORT


def split_sort(sort: str) -> tuple[str, bool]:
    """`-tax_period` -> ("tax_period", True): the column and whether it runs from high to low."""
    return sort.removeprefix("-"), sort.startswith("-")


def to_params(view: MapView, *, last_month: date) -> dict[str, str]:
    """The URL parameters of a view; defaults are left out so links stay short."""
    f = view.filters
    out: dict[str, str] = {}
    for param, attribute in LIST_PARAMS.items():
        values = getattr(f, attribute)
        if values:
            out[param] = ",".join(str(v) for v in values)
    if f.occupancy != (0, 100):
        out["occ"] = f"{f.occupancy[0]}-{f.occupancy[1]}"
    if f.name.strip():
        out["q"] = f.name.strip()
    if view.period != default_period(last_month):
        out["period"] = period_param(view.period)
    for param, value, default in (("colour", view.colour, "grade"), ("mode", view.mode, "points"),
                                  ("height", view.height, "tax"), ("choro", view.choropleth, "")):
        if value != default:
            out[param] = value
    if view.compare:
        out["cmp"] = ",".join(view.compare)
    if view.table_sort != DEFAULT_TABLE_SORT:
        out["tsort"] = view.table_sort
    if view.table_page != 1:
        out["tpage"] = str(view.table_page)
    return out


# --- Streamlit: widgets <-> URL ----------------------------------------------------------------------------------

KEYS = {"districts": "map_districts", "streets": "map_streets", "grades": "map_grades", "statuses": "map_statuses",
        "industries": "map_industries", "flags": "map_flags", "occupancy": "map_occ", "tax_bands": "map_tax",
        "name": "map_name", "output_bands": "map_out"}
PERIOD_KEYS = ("map_kind", "map_year", "map_number")
SAVED_KEY = "map_saved_params"  # the last view's parameters, restored when the sidebar brings the user back
OPTION_KEYS = {"colour": "map_colour", "mode": "map_mode", "height": "map_height", "choropleth": "map_choro",
               "compare": "map_compare", "table_sort": "map_tsort", "table_page": "map_tpage"}


def sync_from_url(*, districts: set[str], streets: Mapping[int, str], first_month: date, last_month: date,
                  colours: tuple[str, ...] = COLOUR_DIMENSIONS) -> MapView:
    """Seed widget state from the URL the first time this session renders the page, clamp it to valid options,
    and return the current view (the widgets' values, which Streamlit knows before they are drawn)."""
    state = st.session_state
    if KEYS["districts"] not in state:
        params = st.query_params.to_dict()
        if not any(name in params for name in PARAM_NAMES) and SAVED_KEY in state:
            params = state[SAVED_KEY]  # back from another page (page switches drop the URL's parameters)
        view = parse_params(params, districts=districts, streets=set(streets),
                            first_month=first_month, last_month=last_month)
        for attribute, key in KEYS.items():
            value = getattr(view.filters, attribute)
            state[key] = value if attribute in ("name", "occupancy") else list(value)
        period = view.period
        state["map_kind"], state["map_year"], state["map_number"] = period.kind, period.year, period.number
        for attribute, key in OPTION_KEYS.items():
            value = getattr(view, attribute)
            state[key] = list(value) if attribute == "compare" else value
    clamp_period("map", first_month=first_month, last_month=last_month)
    chosen = set(state["map_districts"])  # streets follow the district filter
    state["map_streets"] = [s for s in state["map_streets"] if s in streets and (not chosen or streets[s] in chosen)]
    if state["map_colour"] not in colours:
        state["map_colour"] = "grade"
    fields: dict[str, Any] = {a: state[k] if a == "name" else tuple(state[k]) for a, k in KEYS.items()}
    filters = BuildingFilter(**fields)
    return MapView(filters=filters, period=Period(state["map_kind"], state["map_year"], state["map_number"]),
                   colour=state["map_colour"], mode=state["map_mode"], height=state["map_height"],
                   choropleth=state["map_choro"] or "", compare=tuple(state["map_compare"]),
                   table_sort=parse_sort(state["map_tsort"]), table_page=max(1, int(state["map_tpage"] or 1)))


def put_params(wanted: Mapping[str, str], names: Iterable[str]) -> None:
    """Put a page's parameters (`names`) into the URL as `wanted` has them, touching only those that changed (no
    rerun) and removing the ones `wanted` leaves out; other parameters (the language, a kiosk token) stay."""
    for name in names:
        if name in wanted:
            if st.query_params.get(name) != wanted[name]:
                st.query_params[name] = wanted[name]
        elif name in st.query_params:
            del st.query_params[name]


def write_url(view: MapView, *, last_month: date) -> None:
    """Put the view into the URL, touching only this page's parameters."""
    wanted = to_params(view, last_month=last_month)
    st.session_state[SAVED_KEY] = wanted
    put_params(wanted, PARAM_NAMES)


def clear_filters() -> None:
    """Button callback: back to the defaults (the URL follows on the rerun)."""
    for attribute, key in KEYS.items():
        st.session_state[key] = (0, 100) if attribute == "occupancy" else ("" if attribute == "name" else [])


def filter_sidebar(t: Translate, *, district_names: Mapping[str, str], street_names: Mapping[int, str],
                   street_district: Mapping[int, str], first_month: date, last_month: date) -> None:
    """The sidebar filters; their keys are the ones `sync_from_url` seeded, so no widget takes a default here."""
    state = st.session_state
    with st.sidebar:
        st.subheader(t("map.filters"))
        period_boxes(t, prefix="map", first_month=first_month, last_month=last_month)
        st.text_input(t("map.filter.name"), key="map_name", max_chars=60, value=held_value("map_name", ""))
        any_label = t("map.filter.any")
        st.multiselect(t("filter.district"), list(district_names), key="map_districts",
                       default=held_value("map_districts", []),
                       format_func=lambda c: district_names[c], placeholder=any_label)
        chosen = set(state["map_districts"])
        streets = [s for s in street_names if not chosen or street_district[s] in chosen]
        st.multiselect(t("map.filter.street"), streets, key="map_streets", format_func=lambda s: street_names[s],
                       default=[s for s in held_value("map_streets", []) if s in streets],
                       placeholder=any_label, help=t("map.filter.street_help"))
        # grades as buttons, not a type-ahead: typing 甲级 + Enter in a multiselect picks 超甲级, its first match
        st.pills(t("map.filter.grade"), list(GRADES), selection_mode="multi", key="map_grades",
                 default=held_value("map_grades", []),
                 format_func=lambda c: t(f"map.grade.{c}"))
        for key, label, options, prefix, help_key in (
                ("map_statuses", "map.filter.status", STATUSES, "map.status", None),
                ("map_industries", "map.filter.industry", INDUSTRIES, "map.industry", None),
                ("map_flags", "map.filter.flags", FLAGS, "map.flag", None),
                ("map_tax", "map.filter.tax_band", TAX_BANDS, "map.tax_band", "map.filter.tax_band_help"),
                ("map_out", "map.filter.output_band", OUTPUT_BANDS, "map.output_band", "map.filter.output_band_help")):
            st.multiselect(t(label), list(options), key=key, placeholder=any_label, default=held_value(key, []),
                           format_func=lambda c, p=prefix: t(f"{p}.{c}"), help=t(help_key) if help_key else None)
        st.slider(t("map.filter.occupancy"), 0, 100, key="map_occ", step=5, value=held_value("map_occ", (0, 100)),
                  help=t("map.filter.occupancy_help"))
        st.button(t("map.filter.reset"), on_click=clear_filters, icon=":material/filter_alt_off:")


def display_options(t: Translate, *, colours: tuple[str, ...]) -> None:
    """Colour, display mode, column height and choropleth, in a row above the map."""
    state = st.session_state
    c1, c2, c3, c4 = st.columns(4)
    c1.selectbox(t("map.colour_by"), list(colours), key="map_colour", index=held("map_colour", list(colours)),
                 format_func=lambda c: t(f"map.colour.{c}"))
    c2.selectbox(t("map.mode"), list(MODES), key="map_mode", index=held("map_mode", list(MODES)),
                 format_func=lambda m: t(f"map.mode.{m}"))
    c3.selectbox(t("map.height"), list(HEIGHT_METRICS), key="map_height", disabled=state["map_mode"] != "columns",
                 index=held("map_height", list(HEIGHT_METRICS)), format_func=lambda h: t(f"map.height.{h}"))
    c4.selectbox(t("map.choropleth"), ["", *DISTRICT_INDICATORS], key="map_choro",
                 index=held("map_choro", ["", *DISTRICT_INDICATORS]),
                 format_func=lambda c: t(f"kpi.{c}") if c else t("map.choropleth.none"))


def clamp_period(prefix: str, *, first_month: date, last_month: date) -> None:
    """Keep a seeded period (state `<prefix>_kind/_year/_number`) inside what the pickers offer (periods.offered_*):
    a kind or year change can leave the year, month or quarter out of range; take the latest valid one."""
    state = st.session_state
    kind_key, year_key, number_key = f"{prefix}_kind", f"{prefix}_year", f"{prefix}_number"
    years = offered_years(state[kind_key], first_month, last_month)
    if state[year_key] not in years:
        state[year_key] = years[0]
    numbers = offered_numbers(state[kind_key], state[year_key], last_month)
    if state[number_key] not in numbers:
        state[number_key] = numbers[-1]


def period_boxes(t: Translate, *, prefix: str, first_month: date, last_month: date) -> Period:
    """The one period picker: kind, year, month or quarter, over the state `clamp_period` kept in range."""
    kind_key, year_key, number_key = f"{prefix}_kind", f"{prefix}_year", f"{prefix}_number"
    kind = st.selectbox(t("filter.period_kind"), PERIOD_KINDS, key=kind_key, index=held(kind_key, PERIOD_KINDS),
                        format_func=lambda k: t(f"period.{k}"))
    years = offered_years(kind, first_month, last_month)
    year = st.selectbox(t("filter.year"), years, key=year_key, index=held(year_key, years))
    numbers = offered_numbers(kind, year, last_month)
    number = st.selectbox(t("filter.quarter" if kind == "quarter" else "filter.month"), numbers, key=number_key,
                          index=held(number_key, numbers),
                          disabled=kind == "year", format_func=lambda n: f"Q{n}" if kind == "quarter" else str(n))
    return Period(kind, year, number)


def period_picker(t: Translate, *, prefix: str, initial: Period, first_month: date, last_month: date) -> Period:
    """Period selectors in the sidebar (seeded once a session from `initial`, e.g. the URL's period)."""
    state = st.session_state
    if f"{prefix}_kind" not in state:
        state[f"{prefix}_kind"], state[f"{prefix}_year"], state[f"{prefix}_number"] = \
            initial.kind, initial.year, initial.number
    clamp_period(prefix, first_month=first_month, last_month=last_month)
    with st.sidebar:
        return period_boxes(t, prefix=prefix, first_month=first_month, last_month=last_month)


def table_controls(t: Translate, *, pages: int, page: int) -> None:
    """The table's order (one box: a column and its direction) and page number, above the table. A new order
    starts again at page 1; `page` is the view's page already clamped to the `pages` there are."""
    state = st.session_state
    state["map_tpage"] = page
    sorts = [f"{sign}{column}" for column in TABLE_SORTS for sign in ("-", "")]
    left, right, _ = st.columns([3, 1, 2])  # the order reads whole: "Tax in period (10k yuan) ↓ descending"
    left.selectbox(t("map.table_sort"), sorts, key="map_tsort", index=held("map_tsort", sorts),
                   on_change=lambda: state.update(map_tpage=1),
                   format_func=lambda s: t("map.table_sort_desc" if s.startswith("-") else "map.table_sort_asc",
                                           column=t(f"map.col.{s.removeprefix('-')}")))
    right.number_input(t("map.table_page"), min_value=1, max_value=pages, step=1, key="map_tpage",
                       value=held_value("map_tpage", 1))
