"""The data page's reporting-completeness section: for a month and its quarter, which districts, streets and
buildings have sent their statistics (counts and lists), exportable as CSV and XLSX."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data_layer import completeness, export
from data_layer.cached import month_bounds
from data_layer.cached import review as cached_review
from data_layer.periods import add_months
from ui.shell import t

COLUMNS = ("name", "expected", "month_reported", "month_missing", "quarter_complete", "quarter_missing")


def _summary(frame: pd.DataFrame, level: str, lang: str) -> pd.DataFrame:
    summary = completeness.summary(frame, level=level, lang=lang)
    shown = summary[list(COLUMNS)].rename(columns={"name": t(f"data.completeness.level.{level}")})
    if level == "street":
        names = frame.drop_duplicates("district_code").set_index("district_code")[f"district_{lang}"]
        shown.insert(0, t("data.completeness.level.district"), summary["district_code"].map(names))
    return shown.rename(columns={c: t(f"data.completeness.col.{c}") for c in COLUMNS if c != "name"})


def _buildings(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("data.completeness.col.code"): frame["code"], t("data.completeness.col.building"): frame["name"],
        t("data.completeness.level.district"): frame[f"district_{lang}"],
        t("data.completeness.level.street"): frame[f"street_{lang}"].fillna("—"),
        t("data.completeness.col.month_reported"): frame["month_reported"].map(
            {True: t("data.completeness.yes"), False: t("data.completeness.no")}),
        t("data.completeness.col.quarter_reported"): [f"{r}/{m}" for r, m in
                                                      zip(frame["quarter_reported"], frame["quarter_months"],
                                                          strict=True)],
    })


def render_completeness(*, url: str, version: str, lang: str) -> None:
    first, last = month_bounds(url, version)
    if last is None:
        st.info(t("store.empty"))
        return
    months = [add_months(last, -i) for i in range(12) if add_months(last, -i) >= first]
    month: date = st.selectbox(t("data.completeness.month"), months, key="completeness_month",
                               format_func=lambda m: m.strftime("%Y-%m"))
    frame = cached_review.reporting(url, version, month, "city")
    totals = completeness.totals(frame)
    st.caption(t("data.completeness.caption"))
    cols = st.columns(3)
    cols[0].metric(t("data.completeness.metric.month", month=month.strftime("%Y-%m")),
                   f"{totals['month_reported']:,} / {totals['expected']:,}", border=True)
    cols[1].metric(t("data.completeness.metric.quarter"), f"{totals['quarter_complete']:,} / {totals['expected']:,}",
                   border=True)
    cols[2].metric(t("data.completeness.metric.districts"), f"{totals['districts_complete']} / {totals['districts']}",
                   border=True)
    districts, streets = _summary(frame, "district", lang), _summary(frame, "street", lang)
    missing = frame[~frame["month_reported"] | ~frame["quarter_complete"]]
    tab_d, tab_s, tab_b = st.tabs([t("data.completeness.tab.districts"), t("data.completeness.tab.streets"),
                                   t("data.completeness.tab.missing", n=len(missing))])
    tab_d.dataframe(districts, hide_index=True, key="completeness_districts")
    tab_s.dataframe(streets, hide_index=True, key="completeness_streets")
    if missing.empty:
        tab_b.success(t("data.completeness.all_in"))
    else:
        tab_b.dataframe(_buildings(missing, lang), hide_index=True, key="completeness_missing")
    everything = _buildings(frame, lang)
    stem = f"reporting_{month:%Y-%m}"
    left, right = st.columns(2)
    left.download_button(t("data.completeness.download_csv"), data=export.to_csv_bytes(everything),
                         file_name=f"{stem}.csv", mime="text/csv", key="completeness_csv", on_click="ignore")
    right.download_button(t("data.completeness.download_xlsx"), key="completeness_xlsx", on_click="ignore",
                          data=export.to_xlsx_sheets({t("data.completeness.tab.districts"): districts,
                                                      t("data.completeness.tab.streets"): streets,
                                                      t("data.completeness.sheet.buildings"): everything}),
                          file_name=f"{stem}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
