"""Observation points (营商环境观测点): the perception index, alerts, feedback, keywords, demands (诉求), and the
one write path of the area, correcting a sentiment label.

The perception index of a group of responses (a point, a district, a dimension or the city, in a quarter) is

    index = 0.6 × S + 0.4 × T          (0-100)
    S = (mean survey score − 1) ÷ 4 × 100            survey scores are 1-5
    T = (1 + positive share − negative share) ÷ 2 × 100   shares among the comments that carry a label

The minimum number of responses (`min_responses`, default 5) applies to both parts: T enters the index (and a
share is shown, or can raise an alert) only when at least `min_responses` comments carry a label. So a group
with survey scores and fewer labelled comments than that has index S alone; one with enough labelled comments
but no scores has index T. Labels are the staff correction where there is one, else the model's (`effective
label`). Aggregation pools the responses (a district's index is computed from all its points' responses, not
averaged over points). A group with fewer than `min_responses` responses gets no index and no rank.

Alerts compare the figures as the page shows them (the change rounded to 0.1 point, the share to 0.1 %), so a
fall shown as exactly −5.0 does not alert at a 5-point threshold because of floating-point residue.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pandas as pd
import shapely.geometry
from shapely.geometry import shape
from sqlalchemy import ColumnElement, Connection, Engine, Select, bindparam, case, extract, func, select, update
from sqlmodel import col

from data_layer import audit
from data_layer.geo import drawn
from data_layer.models import (
    SENTIMENTS,
    Building,
    Demand,
    District,
    DistrictBoundary,
    Feedback,
    ObservationPoint,
    Street,
    table_of,
)
from data_layer.sentiment.learned import Model
from data_layer.summaries import bump_data_version

SURVEY_WEIGHT, TEXT_WEIGHT = 0.6, 0.4
STATS_COLUMNS = ["point_id", "dimension", "month", "responses", "scored", "score_sum", "labelled", "positive",
                 "negative"]
INDEX_COLUMNS = ["responses", "scored", "labelled", "survey_mean", "survey_index", "text_index", "positive_share",
                 "negative_share", "index"]
FEEDBACK_LIST_LIMIT = 500
DEMAND_LIST_LIMIT = 2_000
CHANGE_DIGITS, SHARE_PCT_DIGITS = 1, 1  # as displayed: index points to 0.1, shares to 0.1 %


def effective_label() -> ColumnElement:
    """The label every figure uses: a staff correction wins over the model."""
    return func.coalesce(col(Feedback.corrected_label), col(Feedback.sentiment_label))


def _frame(engine: Engine, statement: Select) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(statement)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


# ------------------------------------------------------------------------------------------------ the index


def index_value(*, survey_mean: float | None, positive_share: float | None,
                negative_share: float | None) -> float | None:
    """The formula in the module docstring, for one group."""
    survey = (survey_mean - 1.0) / 4.0 * 100.0 if survey_mean is not None else None
    text = (1.0 + positive_share - negative_share) / 2.0 * 100.0 if (
        positive_share is not None and negative_share is not None) else None
    if survey is not None and text is not None:
        return SURVEY_WEIGHT * survey + TEXT_WEIGHT * text
    return survey if survey is not None else text


def quarter_key(month: pd.Series) -> pd.Series:
    """'2026Q3' for every month of that quarter."""
    stamps = pd.to_datetime(month)
    return stamps.dt.year.astype(str) + "Q" + stamps.dt.quarter.astype(str)


def previous_quarter(quarter: str) -> str:
    year, number = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"


def quarter_of(month: date) -> str:
    """'2026Q4' for any day of that quarter: the quarter a screen showing data through `month` reports."""
    return f"{month.year}Q{(month.month - 1) // 3 + 1}"


def perception_index(stats: pd.DataFrame, by: list[str], *, min_responses: int) -> pd.DataFrame:
    """Pool `stats` rows (monthly sums, see `monthly_stats`) by `by` and compute the index of each group."""
    sums = ["responses", "scored", "score_sum", "labelled", "positive", "negative"]
    if stats.empty:
        return pd.DataFrame(columns=[*by, *INDEX_COLUMNS])
    grouped = stats.groupby(by, as_index=False, observed=True)[sums].sum()
    # The minimum applies to the text part as to the shares: with 1-4 labelled comments one comment would move
    # the index by up to 8 points (0.4 × 100 ÷ 5) while its share stays hidden.
    enough_labels = grouped["labelled"] >= max(min_responses, 1)
    grouped["survey_mean"] = (grouped["score_sum"] / grouped["scored"]).where(grouped["scored"] > 0)
    grouped["survey_index"] = (grouped["survey_mean"] - 1.0) / 4.0 * 100.0
    labelled = grouped["labelled"].where(enough_labels)
    positive, negative = grouped["positive"] / labelled, grouped["negative"] / labelled
    grouped["text_index"] = (1.0 + positive - negative) / 2.0 * 100.0
    grouped["positive_share"] = positive  # shown (and alerting) only with enough labels
    grouped["negative_share"] = negative
    both = grouped["survey_index"].notna() & grouped["text_index"].notna()
    index = grouped["survey_index"].where(grouped["survey_index"].notna(), grouped["text_index"])
    index = index.where(~both, SURVEY_WEIGHT * grouped["survey_index"] + TEXT_WEIGHT * grouped["text_index"])
    grouped["index"] = index.where(grouped["responses"] >= min_responses)
    return grouped[[*by, *INDEX_COLUMNS]]


# ------------------------------------------------------------------------------------------------ reading


def points(engine: Engine) -> pd.DataFrame:
    """Every observation point with its building, district and coordinates."""
    frame = _frame(engine, (
        select(col(ObservationPoint.id).label("point_id"), col(ObservationPoint.code),
               col(ObservationPoint.designated_on),
               col(Building.id).label("building_id"), col(Building.name), col(Building.district_code),
               col(Building.lon), col(Building.lat),
               col(District.name_zh).label("district_zh"), col(District.name_en).label("district_en"))
        .join(Building, col(Building.id) == col(ObservationPoint.building_id))
        .join(District, col(District.code) == col(Building.district_code))
        .order_by(col(ObservationPoint.id))
    ))
    return frame


def monthly_stats(engine: Engine) -> pd.DataFrame:
    """Feedback summed per point, dimension and month: the input of every index (small: points × 6 × months)."""
    label = effective_label()
    year, month = extract("year", col(Feedback.submitted_on)), extract("month", col(Feedback.submitted_on))
    frame = _frame(engine, (
        select(col(Feedback.point_id), col(Feedback.dimension), year.label("year"), month.label("month_number"),
               func.count().label("responses"), func.count(col(Feedback.score)).label("scored"),
               func.coalesce(func.sum(col(Feedback.score)), 0).label("score_sum"),
               func.count(label).label("labelled"),
               func.sum(case((label == "positive", 1), else_=0)).label("positive"),
               func.sum(case((label == "negative", 1), else_=0)).label("negative"))
        .group_by(col(Feedback.point_id), col(Feedback.dimension), year, month)
    ))
    if frame.empty:
        return pd.DataFrame(columns=STATS_COLUMNS)
    frame["month"] = pd.to_datetime(dict(year=frame["year"].astype(int), month=frame["month_number"].astype(int),
                                         day=1))
    for column in ("responses", "scored", "score_sum", "labelled", "positive", "negative"):
        frame[column] = frame[column].astype(float)
    return frame[STATS_COLUMNS]


def quarters(stats: pd.DataFrame) -> list[str]:
    """Quarters that have feedback, newest first."""
    if stats.empty:
        return []
    return sorted(set(quarter_key(stats["month"].drop_duplicates())), reverse=True)  # months first: one row each


def _scoped(stats: pd.DataFrame, point_frame: pd.DataFrame, *, district: str | None = None,
            point_id: int | None = None) -> pd.DataFrame:
    if point_id is not None:
        return stats[stats["point_id"] == point_id]
    if district is not None:
        ids = point_frame.loc[point_frame["district_code"] == district, "point_id"]
        return stats[stats["point_id"].isin(ids)]
    return stats


def point_table(stats: pd.DataFrame, point_frame: pd.DataFrame, demand_frame: pd.DataFrame, *, quarter: str,
                min_responses: int) -> pd.DataFrame:
    """One row per point for `quarter`: index, last quarter's, the change, responses, negative share, open and
    overdue demands, and the rank among points with an index (1 = best)."""
    with_quarter = stats.assign(quarter=quarter_key(stats["month"])) if not stats.empty else stats.assign(quarter="")
    previous = previous_quarter(quarter)
    now = perception_index(with_quarter[with_quarter["quarter"] == quarter], ["point_id"], min_responses=min_responses)
    before = perception_index(with_quarter[with_quarter["quarter"] == previous], ["point_id"],
                              min_responses=min_responses)[["point_id", "index"]].rename(columns={"index": "previous"})
    table = point_frame.merge(now, on="point_id", how="left").merge(before, on="point_id", how="left")
    table["responses"] = table["responses"].fillna(0).astype(int)
    table["change"] = table["index"] - table["previous"]
    demands = demand_frame[["point_id", "open", "overdue"]] if not demand_frame.empty else pd.DataFrame(
        columns=["point_id", "open", "overdue"])
    table = table.merge(demands, on="point_id", how="left")
    table[["open", "overdue"]] = table[["open", "overdue"]].fillna(0).astype(int)
    table["rank"] = table["index"].rank(ascending=False, method="min").astype("Int64")
    return table.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)


def alert_table(stats: pd.DataFrame, point_frame: pd.DataFrame, *, quarter: str, through: date | None,
                index_drop: float, negative_share: float, min_responses: int) -> pd.DataFrame:
    """The observation-point alerts of `quarter` (its months through `through`, or all of them) against the whole
    previous quarter: the one rule the 观测点 page, the briefing screen and the review pack all count with."""
    if through is not None and not stats.empty:
        stats = stats[pd.to_datetime(stats["month"]) <= pd.Timestamp(through.replace(day=1))]
    table = point_table(stats, point_frame, pd.DataFrame(), quarter=quarter, min_responses=min_responses)
    return alerts(table, index_drop=index_drop, negative_share=negative_share)


def alerts(table: pd.DataFrame, *, index_drop: float, negative_share: float) -> pd.DataFrame:
    """Points whose index fell by more than `index_drop` since last quarter, or whose negative share is above
    `negative_share` (both only where the figures exist, i.e. enough responses). Both sides are compared as
    displayed (rounded), so the rule agrees with the figures on the page."""
    fell = table["change"].astype(float).round(CHANGE_DIGITS) < -round(index_drop, CHANGE_DIGITS)
    shown_pct = (table["negative_share"].astype(float) * 100).round(SHARE_PCT_DIGITS)
    negative = shown_pct > round(negative_share * 100, SHARE_PCT_DIGITS)  # 0.3 × 100 is 30.000000000000004
    flagged = table[fell.fillna(False) | negative.fillna(False)].copy()
    flagged["fell"] = fell[flagged.index].fillna(False)
    flagged["too_negative"] = negative[flagged.index].fillna(False)
    return flagged.sort_values("change", na_position="last").reset_index(drop=True)


def trend(stats: pd.DataFrame, point_frame: pd.DataFrame, *, min_responses: int, district: str | None = None,
          point_id: int | None = None) -> pd.DataFrame:
    """The index per quarter for a scope (the city when neither district nor point is given)."""
    scoped = _scoped(stats, point_frame, district=district, point_id=point_id)
    if scoped.empty:
        return pd.DataFrame(columns=["quarter", *INDEX_COLUMNS])
    frame = perception_index(scoped.assign(quarter=quarter_key(scoped["month"])), ["quarter"],
                             min_responses=min_responses)
    return frame.sort_values("quarter").reset_index(drop=True)


def district_table(stats: pd.DataFrame, point_frame: pd.DataFrame, *, quarter: str, min_responses: int) -> pd.DataFrame:
    """The index of each district in `quarter`, pooled over its points' responses."""
    merged = stats.merge(point_frame[["point_id", "district_code", "district_zh", "district_en"]], on="point_id")
    merged = merged[quarter_key(merged["month"]) == quarter] if not merged.empty else merged
    return perception_index(merged, ["district_code", "district_zh", "district_en"], min_responses=min_responses)


def dimension_breakdown(stats: pd.DataFrame, point_frame: pd.DataFrame, *, quarter: str, min_responses: int,
                        district: str | None = None, point_id: int | None = None) -> pd.DataFrame:
    """The index per dimension in `quarter` for a scope."""
    scoped = _scoped(stats, point_frame, district=district, point_id=point_id)
    scoped = scoped[quarter_key(scoped["month"]) == quarter] if not scoped.empty else scoped
    return perception_index(scoped, ["dimension"], min_responses=min_responses)


def needs_review(review_confidence: float) -> ColumnElement:
    """A comment waits for review when the model's confidence is below the setting and staff have not
    corrected it (a comment with no model label has no confidence and is not listed)."""
    return col(Feedback.corrected_label).is_(None) & (col(Feedback.sentiment_confidence) < review_confidence)


def _feedback_filters(*, point_id: int, dimension: str | None, label: str | None, review_only: bool,
                      review_confidence: float) -> list:
    """The WHERE clauses the listing and its counts share, so the caption counts what the list would show."""
    clauses = [col(Feedback.point_id) == point_id, col(Feedback.text) != ""]
    if dimension:
        clauses.append(col(Feedback.dimension) == dimension)
    if label:
        clauses.append(effective_label() == label)
    if review_only:
        clauses.append(needs_review(review_confidence))
    return clauses


def feedback_list(engine: Engine, *, point_id: int, dimension: str | None = None, label: str | None = None,
                  review_only: bool = False, review_confidence: float = 0.6,
                  limit: int = FEEDBACK_LIST_LIMIT) -> pd.DataFrame:
    """A point's comments, newest first (at most `limit`), with the label in force, the model's, and whether it
    needs review (see `needs_review`). `review_only` keeps only those, in SQL, so old ones are reachable too, least
    confident first."""
    statement = (
        select(col(Feedback.id), col(Feedback.submitted_on), col(Feedback.dimension), col(Feedback.channel),
               col(Feedback.score),
               col(Feedback.text), effective_label().label("label"), col(Feedback.sentiment_label).label("model_label"),
               col(Feedback.sentiment_confidence).label("confidence"),
               col(Feedback.sentiment_evidence).label("evidence"),
               col(Feedback.corrected_label), col(Feedback.corrected_by), col(Feedback.corrected_at))
        .where(*_feedback_filters(point_id=point_id, dimension=dimension, label=label, review_only=review_only,
                                  review_confidence=review_confidence))
        # the review queue starts with the comments the model is least sure of (its probabilities are calibrated)
        .order_by(*((col(Feedback.sentiment_confidence).asc(),) if review_only else ()),
                  col(Feedback.submitted_on).desc(),
                  col(Feedback.id).desc())
        .limit(limit)
    )
    frame = _frame(engine, statement)
    frame["needs_review"] = frame["corrected_label"].isna() & (frame["confidence"].astype(float) < review_confidence)
    return frame


def feedback_counts(engine: Engine, *, point_id: int, dimension: str | None = None, label: str | None = None,
                    review_only: bool = False, review_confidence: float = 0.6) -> tuple[int, int]:
    """(all comments matching the listing's filters, how many of them need review), however many are listed."""
    review = func.sum(case((needs_review(review_confidence), 1), else_=0))
    statement = select(func.count(), func.coalesce(review, 0)).select_from(Feedback).where(
        *_feedback_filters(point_id=point_id, dimension=dimension, label=label, review_only=review_only,
                           review_confidence=review_confidence))
    with engine.connect() as conn:
        total, waiting = conn.execute(statement).one()
    return int(total), int(waiting)


MIN_KEYWORD_COUNT = 3  # a term two comments mention is an anecdote, not a keyword for a slide
KEYWORD_COMMENTS_LIMIT = 200


def _negative_in(*, start: date, end: date, point_ids: list[int] | None) -> list:
    """The WHERE clauses of negative comments (effective label) in a window and scope: the keyword chart and the
    comments behind a keyword share them, so a keyword opens exactly the comments it counted."""
    clauses = [effective_label() == "negative", col(Feedback.text) != "", col(Feedback.submitted_on) >= start,
               col(Feedback.submitted_on) <= end]
    if point_ids is not None:
        clauses.append(col(Feedback.point_id).in_(point_ids))
    return clauses


def negative_keywords(engine: Engine, *, start: date, end: date, point_ids: list[int] | None = None,
                      top: int = 12, newest: int = 3_000, min_count: int = MIN_KEYWORD_COUNT) -> pd.DataFrame:
    """The most frequent terms (nouns and noun phrases of 2-4 characters, stop words and the domain's filler
    nouns left out) in negative comments (effective label) per dimension, between `start` and `end` inclusive;
    a comment counts a term once, and a term fewer than `min_count` comments mention is left out. The newest
    `newest` comments per dimension are read, which bounds the time at province scale."""
    from data_layer.sentiment.keywords import top_terms  # jieba loads on first use only

    ranked = (select(col(Feedback.dimension), col(Feedback.text),
                     func.row_number().over(partition_by=col(Feedback.dimension),
                                            order_by=(col(Feedback.submitted_on).desc(),
                                                      col(Feedback.id).desc())).label("n"))
              .where(*_negative_in(start=start, end=end, point_ids=point_ids)))
    inner = ranked.subquery()
    frame = _frame(engine, select(inner.c.dimension, inner.c.text).where(inner.c.n <= newest))
    rows = [{"dimension": dimension, "term": term, "count": count}
            for dimension, texts in frame.groupby("dimension")["text"]
            for term, count in top_terms(texts, top, min_count=min_count)]
    return pd.DataFrame(rows, columns=["dimension", "term", "count"])


def keyword_comments(engine: Engine, *, term: str, dimension: str, start: date, end: date,
                     point_ids: list[int] | None = None, limit: int = KEYWORD_COMMENTS_LIMIT) -> pd.DataFrame:
    """The negative comments behind a keyword: those of `dimension` in the window and scope whose text contains
    `term`, newest first (at most `limit`)."""
    return _frame(engine, (
        select(col(Feedback.id), col(Feedback.submitted_on), col(Feedback.point_id), col(Feedback.dimension),
               col(Feedback.text),
               col(Feedback.sentiment_confidence).label("confidence"), col(Feedback.corrected_by))
        .where(*_negative_in(start=start, end=end, point_ids=point_ids), col(Feedback.dimension) == dimension,
               col(Feedback.text).contains(term, autoescape=True))
        .order_by(col(Feedback.submitted_on).desc(), col(Feedback.id).desc()).limit(limit)))


def district_boundaries(engine: Engine) -> pd.DataFrame:
    """District polygons as GeoJSON geometry dicts, as drawn (geo.drawn), with names (the map's offline base
    layer)."""
    frame = _frame(engine, (
        select(col(DistrictBoundary.district_code), col(DistrictBoundary.geojson), col(District.name_zh),
               col(District.name_en))
        .join(District,
              col(District.code) == col(DistrictBoundary.district_code)).order_by(col(DistrictBoundary.district_code))
    ))
    frame["geometry"] = frame["geojson"].map(lambda text: shapely.geometry.mapping(drawn(shape(json.loads(text)))))
    return frame.drop(columns=["geojson"])


# ------------------------------------------------------------------------------------------------ demands


def demands(engine: Engine) -> pd.DataFrame:
    """Every demand with its point, district, dates and text (small: a city has thousands)."""
    return _frame(engine, (
        select(col(Demand.id), col(Demand.point_id), col(Demand.building_id), col(Demand.category), col(Demand.status),
               col(Demand.opened_on),
               col(Demand.due_on), col(Demand.closed_on), col(Demand.text), col(Building.district_code),
               col(Street.code).label("street_code"), col(Building.name).label("building"))
        .join(Building, col(Building.id) == col(Demand.building_id))
        .outerjoin(Street, col(Street.id) == col(Building.street_id))
    ))


def scope_demands(frame: pd.DataFrame, *, district: str | None = None, point_id: int | None = None) -> pd.DataFrame:
    """The demands of one district or one point (all of them when neither is given)."""
    if point_id is not None:
        return frame[frame["point_id"] == point_id]
    return frame if district is None else frame[frame["district_code"] == district]


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    work = frame.copy()
    for column in ("opened_on", "due_on", "closed_on"):
        work[column] = pd.to_datetime(work[column])
    return work


def demand_day(today: date, period_end: date | None = None) -> date:
    """The one "as of" day of demand figures: today, or the end of the period a report covers when that ended
    before today (a past quarter's pack shows what was open at its end). The page, the screen and the pack all
    pass their period through here and name the day they show."""
    return today if period_end is None else min(today, period_end)


def open_on(frame: pd.DataFrame, day: date) -> pd.Series:
    """The one rule for "open" (every page, screen and pack counts with it): opened on or before `day` and not
    closed by the end of it. Read from the dates, so a figure "as of" a past day stays what it was."""
    ts = pd.Timestamp(day)
    return (frame["opened_on"] <= ts) & (frame["closed_on"].isna() | (frame["closed_on"] > ts))


def overdue_on(frame: pd.DataFrame, day: date) -> pd.Series:
    """Open on `day` (see open_on) and past its due date: due before `day` (the due day itself is not late)."""
    return open_on(frame, day) & (frame["due_on"] < pd.Timestamp(day))


def demand_summary(frame: pd.DataFrame, *, by: list[str], as_of: date) -> pd.DataFrame:
    """Per group, of the demands opened by `as_of`: open and overdue on that day (open_on, overdue_on), in
    progress, closed, closed late, and the median and mean days from opening to closing of the closed ones.
    closed + overdue + waiting + in_progress_on_time = total (the parts a stacked chart draws)."""
    columns = [*by, "total", "open", "in_progress", "overdue", "closed", "closed_late", "waiting", "in_progress_on_time",
               "median_days", "mean_days"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    work = _dated(frame)
    work = work[work["opened_on"] <= pd.Timestamp(as_of)]
    if work.empty:
        return pd.DataFrame(columns=columns)
    work["is_open"] = open_on(work, as_of)
    work["is_in_progress"] = work["is_open"] & (work["status"] == "in_progress")
    work["is_overdue"] = overdue_on(work, as_of)
    work["is_closed"] = ~work["is_open"]
    work["is_closed_late"] = work["is_closed"] & (work["closed_on"] > work["due_on"])
    # disjoint parts of the open ones, for stacking: waiting (status open) and in progress, each not yet overdue
    work["is_waiting"] = work["is_open"] & ~work["is_in_progress"] & ~work["is_overdue"]
    work["is_in_progress_on_time"] = work["is_in_progress"] & ~work["is_overdue"]
    work["days"] = (work["closed_on"] - work["opened_on"]).dt.days.where(work["is_closed"])
    keys = by or ["_all"]  # no grouping: one row for everything
    grouped = work.assign(_all=0).groupby(keys, dropna=False).agg(
        total=("id", "size"), open=("is_open", "sum"), in_progress=("is_in_progress", "sum"),
        overdue=("is_overdue", "sum"), closed=("is_closed", "sum"), closed_late=("is_closed_late", "sum"),
        waiting=("is_waiting", "sum"), in_progress_on_time=("is_in_progress_on_time", "sum"),
        median_days=("days", "median"), mean_days=("days", "mean")).reset_index()
    return grouped[columns]


DEMAND_LIST_COLUMNS = ["id", "point_id", "building_id", "district_code", "category", "status", "text", "opened_on",
                       "due_on", "closed_on", "days_open", "overdue"]


def demand_list(frame: pd.DataFrame, *, as_of: date, open_only: bool = True,
                limit: int = DEMAND_LIST_LIMIT) -> pd.DataFrame:
    """Demands opened by `as_of`, newest first (by opening date, then id), the ones open on that day only unless
    `open_only` is False, at most `limit`. days_open counts from opening to closing, or to `as_of` while open;
    overdue as in overdue_on."""
    if frame.empty:
        return pd.DataFrame(columns=DEMAND_LIST_COLUMNS)
    work = _dated(frame)
    work = work[work["opened_on"] <= pd.Timestamp(as_of)]
    is_open = open_on(work, as_of)
    if open_only:
        work, is_open = work[is_open], is_open[is_open]
    until = work["closed_on"].where(~is_open, pd.Timestamp(as_of))
    work["days_open"] = (until - work["opened_on"]).dt.days.astype("Int64")
    work["overdue"] = overdue_on(work, as_of)
    work = work.sort_values(["opened_on", "id"], ascending=False).head(limit)
    return work[DEMAND_LIST_COLUMNS].reset_index(drop=True)


def close_times(frame: pd.DataFrame) -> tuple[float | None, float | None]:
    """(mean, median) days from opening to closing of the closed demands in `frame`; None without any."""
    closed = frame[(frame["status"] == "closed") & frame["closed_on"].notna()] if not frame.empty else frame
    if closed.empty:
        return None, None
    days = (pd.to_datetime(closed["closed_on"]) - pd.to_datetime(closed["opened_on"])).dt.days.astype(float)
    return float(days.mean()), float(days.median())


# ------------------------------------------------------------------------------------------------ writing


def correct_label(engine: Engine, *, feedback_id: int, label: str | None, user: str, via: str = "app") -> None:
    """Set (or, with label None, clear) a staff correction of one comment's label, with its audit row, in one
    transaction; bumps the data version so every cached figure picks it up."""
    if label is not None and label not in SENTIMENTS:
        raise ValueError(f"label must be one of {SENTIMENTS} or None, not {label!r}")
    with engine.begin() as conn:
        row = conn.execute(select(col(Feedback.sentiment_label), col(Feedback.corrected_label),
                                  col(Feedback.corrected_by))
                           .where(col(Feedback.id) == feedback_id)).one_or_none()
        if row is None:
            raise LookupError(f"no feedback with id {feedback_id}")
        now = datetime.now(UTC)
        conn.execute(update(Feedback).where(col(Feedback.id) == feedback_id).values(
            corrected_label=label, corrected_by=user if label else None, corrected_at=now if label else None))
        audit.record(conn, user=user, action="label_correct", table="feedback", key=str(feedback_id), via=via,
                     old={"sentiment_label": row.sentiment_label, "corrected_label": row.corrected_label,
                          "corrected_by": row.corrected_by},
                     new={"corrected_label": label, "corrected_by": user if label else None})
        bump_data_version(conn)


def score_unlabelled(engine: Engine, *, batch: int = 5_000) -> int:
    """Label stored comments that have none yet (records loaded before the scorer, or by SQL). Returns how many."""
    from data_layer.sentiment import score_many

    done = 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(select(col(Feedback.id), col(Feedback.text)).where(
                col(Feedback.sentiment_label).is_(None),
                col(Feedback.text) != "").order_by(col(Feedback.id)).limit(batch)).all()
            if not rows:
                if done:
                    bump_data_version(conn)
                return done
            results = score_many([text for _, text in rows])
            _write_scores(conn, [int(row_id) for row_id, _ in rows if row_id is not None], results)
            done += len(rows)


def _write_scores(conn: Connection, ids: list[int], results: list) -> None:
    """The model's columns only: corrected_label (and the dimension) are never written here."""
    table = table_of(Feedback)
    conn.execute(update(table).where(table.c.id == bindparam("row_id")).values(
        sentiment_label=bindparam("b_label"), sentiment_score=bindparam("b_score"),
        sentiment_confidence=bindparam("b_confidence"), sentiment_evidence=bindparam("b_evidence"),
        sentiment_model=bindparam("b_model")),
        [{"row_id": row_id, "b_label": r.label, "b_score": r.score, "b_confidence": r.confidence,
          "b_evidence": r.evidence, "b_model": r.model} for row_id, r in zip(ids, results, strict=True)])


def rescore_feedback(engine: Engine, *, model: Model, user: str, via: str = "app",
                     note: dict | None = None) -> tuple[int, int]:
    """Re-score every stored comment with `model` in one transaction, with one audit row; returns (comments
    re-scored, comments whose model label changed). Only the model's columns are written: a staff correction
    (corrected_label, and a corrected dimension) stays as it is and keeps winning."""
    from data_layer.sentiment import score_many

    with engine.begin() as conn:
        rows = conn.execute(select(col(Feedback.id), col(Feedback.text), col(Feedback.sentiment_label),
                                   col(Feedback.sentiment_model))
                            .where(col(Feedback.text) != "").order_by(col(Feedback.id))).all()
        results = score_many([r.text for r in rows], model=model)
        changed = sum(r.sentiment_label != new.label for r, new in zip(rows, results, strict=True))
        before: dict[str, int] = {}
        for r in rows:
            before[r.sentiment_model or "none"] = before.get(r.sentiment_model or "none", 0) + 1
        _write_scores(conn, [r.id for r in rows], results)
        audit.record(conn, user=user, action="sentiment_rescore", table="feedback", key=model.version, via=via,
                     old={"models": before}, new={"model": model.version, "rows": len(rows), "changed": changed,
                                                   **(note or {})})
        bump_data_version(conn)
    return len(rows), changed


def corrections_since(engine: Engine, *, through: str | None) -> int:
    """Staff corrections (of a label or a dimension) made after `through` (the latest one the model in use was
    trained on, ISO; None: every correction counts)."""
    label: ColumnElement[bool] = col(Feedback.corrected_label).is_not(None)
    dimension: ColumnElement[bool] = col(Feedback.dimension_corrected_by).is_not(None)
    if through is not None:
        stamp = datetime.fromisoformat(through)
        label = label & (col(Feedback.corrected_at) > stamp)
        dimension = dimension & (col(Feedback.dimension_corrected_at) > stamp)
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Feedback).where(label | dimension)).scalar() or 0)


def correct_dimension(engine: Engine, *, feedback_id: int, dimension: str, user: str, via: str = "app") -> None:
    """Move one comment to another dimension (a staff correction: it teaches the next model), audited."""
    from data_layer.models import DIMENSIONS

    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {DIMENSIONS}, not {dimension!r}")
    with engine.begin() as conn:
        row = conn.execute(select(col(Feedback.dimension), col(Feedback.dimension_corrected_by))
                           .where(col(Feedback.id) == feedback_id)).one_or_none()
        if row is None:
            raise LookupError(f"no feedback with id {feedback_id}")
        conn.execute(update(Feedback).where(col(Feedback.id) == feedback_id).values(
            dimension=dimension, dimension_corrected_by=user, dimension_corrected_at=datetime.now(UTC)))
        audit.record(conn, user=user, action="dimension_correct", table="feedback", key=str(feedback_id), via=via,
                     old={"dimension": row.dimension, "dimension_corrected_by": row.dimension_corrected_by},
                     new={"dimension": dimension, "dimension_corrected_by": user})
        bump_data_version(conn)
