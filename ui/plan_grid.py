"""Pure helpers of the plan editor: targets (long rows) to an editable grid (one row per indicator, one column per
plan year) and back, and validation problems as translated sentences. No Streamlit calls.

The grid has one comparator per indicator, but a plan may store a different one per year (a template's "more than
70" next to a later year's "at least 80"). So the grid shows the first year's, and going back only applies the
row's comparator to every year when the user changed it; otherwise each year keeps its own."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable

import pandas as pd

from data_layer.i18n import localized
from data_layer.indicators import BY_CODE
from data_layer.plans import Problem
from ui.shell import plain

GRID_FIXED = ["indicator", "name", "unit", "comparator"]


def grid_comparator(targets: pd.DataFrame, code: str) -> str:
    """The comparator the grid shows for an indicator: its first year's, else the indicator's default."""
    mine = targets[targets["indicator_code"] == code].sort_values("year")
    return str(mine["comparator"].iloc[0]) if len(mine) else BY_CODE[code].comparator


def mixed_comparators(targets: pd.DataFrame) -> list[str]:
    """Indicators whose years have different comparators (the grid shows only the first year's)."""
    counts = targets.groupby("indicator_code", sort=False)["comparator"].nunique()
    return [str(code) for code, n in counts.items() if n > 1]


def target_grid(targets: pd.DataFrame, *, indicators: Iterable[str], years: list[int], lang: str,
                unit_label: Callable[[str], str]) -> pd.DataFrame:
    """One row per indicator (in the given order), one float column per year (empty = no target). The
    comparator column is per indicator (`grid_comparator`); `grid_targets` keeps per-year ones the user left."""
    rows = []
    for code in indicators:
        ind = BY_CODE[code]
        mine = targets[targets["indicator_code"] == code]
        row: dict[str, object] = {"indicator": code, "name": ind.name_zh if lang == "zh" else ind.name_en,
                                  "unit": unit_label(ind.unit), "comparator": grid_comparator(targets, code)}
        values = dict(zip(mine["year"].astype(int), mine["target_value"].astype(float), strict=True))
        for year in years:
            row[str(year)] = values.get(year, float("nan"))
        rows.append(row)
    return pd.DataFrame(rows, columns=GRID_FIXED + [str(y) for y in years])


def grid_targets(grid: pd.DataFrame, *, original: pd.DataFrame | None = None) -> list[dict[str, object]]:
    """The grid back to target rows; empty cells are no target. Year columns are the ones named by a number.
    `original`: the targets the grid was built from. A row whose comparator the user left as shown keeps each
    year's stored comparator (new cells take the row's); a changed comparator applies to every year of the row."""
    stored: dict[tuple[str, int], str] = {}
    if original is not None:
        stored = {(str(r.indicator_code), int(r.year)): str(r.comparator) for r in original.itertuples()}
    out = []
    for row in grid.to_dict("records"):
        code = str(row["indicator"])
        chosen = row.get("comparator") or None
        untouched = original is not None and chosen == grid_comparator(original, code)
        for column, value in row.items():
            if not str(column).isdigit() or value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            year = int(column)
            comparator = stored.get((code, year), chosen) if untouched else chosen
            out.append({"indicator_code": code, "year": year, "target_value": value, "comparator": comparator})
    return out


def loaded_targets(targets: pd.DataFrame) -> list[dict[str, object]]:
    """A targets frame as the plain rows `plans.save_targets(loaded=...)` compares with the store."""
    return [{"indicator_code": str(r.indicator_code), "year": int(r.year), "target_value": float(r.target_value),
             "comparator": str(r.comparator)} for r in targets.itertuples()]


def targets_token(targets: pd.DataFrame) -> str:
    """A short fingerprint of a plan's targets: the grid's widget key carries it, so the grid (and the edits in
    it) lives exactly as long as the targets it was loaded from, whatever else changes in the store."""
    text = repr(sorted((r["indicator_code"], r["year"], r["target_value"], r["comparator"])
                       for r in loaded_targets(targets)))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def changed_rows(rows: list[dict[str, object]], original: pd.DataFrame) -> list[dict[str, object]]:
    """The rows that are new or differ from the stored targets (warnings are about what the user typed now)."""
    stored = {(r["indicator_code"], r["year"]): (r["target_value"], r["comparator"]) for r in loaded_targets(original)}
    return [r for r in rows if stored.get((r["indicator_code"], r["year"])) != (r["target_value"], r["comparator"])]


def problem_messages(problems: list[Problem], *, lang: str, t: Callable[..., str], kind: str = "error") -> list[str]:
    """Each problem as a sentence (plan.<kind>.<code>: kind error or warning); indicator codes shown by name."""
    messages = []
    for problem in problems:
        params = dict(problem.params)
        code = params.get("indicator")
        if code in BY_CODE:
            params["indicator"] = getattr(BY_CODE[str(code)], localized("name", lang))
        # st.error renders Markdown: what the user typed (a plan code, say) must show as typed
        params = {k: plain(v) if isinstance(v, str) else v for k, v in params.items()}
        messages.append(t(f"plan.{kind}.{problem.code}", **params))
    return messages


def history_table(history: pd.DataFrame, *, t: Callable[..., str]) -> pd.DataFrame:
    """The audit rows of a plan (its edits and the imports that wrote its targets) with actions and channels in
    words, and the file an import came from."""
    return pd.DataFrame({
        "at": history["at"], "user_name": history["user_name"],
        "action": history["action"].map(lambda a: t(f"plan.action.{a}")),
        "via": history["via"].map(lambda v: t(f"plan.via.{v}")),
        "row_key": history["row_key"], "old_value": history["old_value"], "new_value": history["new_value"],
        "file_name": history["file_name"].fillna(""),
    })
