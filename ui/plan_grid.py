"""Pure helpers of the plan editor: targets (long rows) to an editable grid (one row per indicator, one column per
plan year) and back, and validation problems as translated sentences. No Streamlit calls."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import pandas as pd

from data_layer.indicators import BY_CODE
from data_layer.plans import Problem
from ui.shell import plain

GRID_FIXED = ["indicator", "name", "unit", "comparator"]


def target_grid(targets: pd.DataFrame, *, indicators: Iterable[str], years: list[int], lang: str,
                unit_label: Callable[[str], str]) -> pd.DataFrame:
    """One row per indicator (in the given order), one float column per year (empty = no target). The
    comparator is per indicator: the first year's, else the indicator's default."""
    rows = []
    for code in indicators:
        ind = BY_CODE[code]
        mine = targets[targets["indicator_code"] == code]
        row: dict[str, object] = {"indicator": code, "name": ind.name_zh if lang == "zh" else ind.name_en,
                                  "unit": unit_label(ind.unit),
                                  "comparator": str(mine["comparator"].iloc[0]) if len(mine) else ind.comparator}
        values = dict(zip(mine["year"].astype(int), mine["target_value"].astype(float), strict=True))
        for year in years:
            row[str(year)] = values.get(year, float("nan"))
        rows.append(row)
    return pd.DataFrame(rows, columns=GRID_FIXED + [str(y) for y in years])


def grid_targets(grid: pd.DataFrame) -> list[dict[str, object]]:
    """The grid back to target rows; empty cells are no target. Year columns are the ones named by a number."""
    out = []
    for row in grid.to_dict("records"):
        for column, value in row.items():
            if not str(column).isdigit() or value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            out.append({"indicator_code": row["indicator"], "year": int(column), "target_value": value,
                        "comparator": row.get("comparator") or None})
    return out


def problem_messages(problems: list[Problem], *, lang: str, t: Callable[..., str]) -> list[str]:
    """Each problem as a sentence; indicator codes shown by their name."""
    messages = []
    for problem in problems:
        params = dict(problem.params)
        code = params.get("indicator")
        if code in BY_CODE:
            params["indicator"] = getattr(BY_CODE[str(code)], "name_zh" if lang == "zh" else "name_en")
        # st.error renders Markdown: what the user typed (a plan code, say) must show as typed
        params = {k: plain(v) if isinstance(v, str) else v for k, v in params.items()}
        messages.append(t(f"plan.error.{problem.code}", **params))
    return messages


def history_table(history: pd.DataFrame, *, t: Callable[..., str]) -> pd.DataFrame:
    """The audit rows of a plan with actions and channels in words."""
    return pd.DataFrame({
        "at": history["at"], "user_name": history["user_name"],
        "action": history["action"].map(lambda a: t(f"plan.action.{a}")),
        "via": history["via"].map(lambda v: t(f"plan.via.{v}")),
        "row_key": history["row_key"], "old_value": history["old_value"], "new_value": history["new_value"],
    })
