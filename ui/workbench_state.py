"""The 盘活一批 page's state in the URL, like the map's (ui/map_state.py): `parse_params` / `to_params` are pure and
tested directly; unknown codes are dropped so an old link still opens.

Parameters: district, street, grade, status, industry (comma-separated codes), below (occupancy under this whole
percent, default 60), period (as on the map)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from data_layer.buildings import BuildingFilter
from data_layer.models import GRADES, INDUSTRIES, STATUSES
from data_layer.periods import Period
from ui.map_state import _codes, default_period, is_id, parse_period, period_param

DEFAULT_BELOW = 60
PARAMS = ("district", "street", "grade", "status", "industry", "below", "period")


@dataclass(frozen=True)
class ReviveView:
    filters: BuildingFilter
    below: int
    period: Period


def parse_params(params: Mapping[str, str], *, districts: set[str], streets: set[int], first_month: date,
                 last_month: date) -> ReviveView:
    street_ids = tuple(int(s) for s in (params.get("street") or "").split(",") if is_id(s) and int(s) in streets)
    below_text = params.get("below") or ""
    below = int(below_text) if below_text.isascii() and below_text.isdigit() and 1 <= int(below_text) <= 100 \
        else DEFAULT_BELOW
    filters = BuildingFilter(districts=_codes(params.get("district"), districts), streets=street_ids,
                             grades=_codes(params.get("grade"), GRADES), statuses=_codes(params.get("status"), STATUSES),
                             industries=_codes(params.get("industry"), INDUSTRIES))
    return ReviveView(filters, below, parse_period(params.get("period"), first_month=first_month,
                                                   last_month=last_month))


def to_params(view: ReviveView, *, last_month: date) -> dict[str, str]:
    f, out = view.filters, {}
    for name, values in (("district", f.districts), ("street", f.streets), ("grade", f.grades),
                         ("status", f.statuses), ("industry", f.industries)):
        if values:
            out[name] = ",".join(str(v) for v in values)
    if view.below != DEFAULT_BELOW:
        out["below"] = str(view.below)
    if view.period != default_period(last_month):
        out["period"] = period_param(view.period)
    return out
