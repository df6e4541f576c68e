"""Plans and their targets: read, create, edit, copy from a template.

Every write validates first (years inside the plan, values in the indicator's unit, no duplicates, templates
read-only) and then, in ONE transaction, changes the rows, records an audit row per change (who, when, old and new
value) and bumps the data version, so a failed save leaves neither a change nor an audit row behind.
Problems are reported as codes with parameters (`Problem`), which the UI translates.

Rates are entered in percent (65 means 65 %). A rate target strictly between 0 and 1 is almost always a fraction
typed by mistake (0.65 for 65 %) and is refused, except for indicators whose rates can really be that small
(`IndicatorDef.small_rate_possible`, e.g. a district's share of city tax, 0.8 %): those are only warned about
(`target_warnings`).

Saving the grid (`save_targets`) replaces a plan's targets wholesale, so it takes the targets the grid was loaded
from and refuses (problem `stale`) when the store no longer holds exactly those: an import or another editor
changed them in between, and saving would silently overwrite that change.

A plan's history (`plan_history`) is its own audit rows plus the import batches that wrote its targets (read from
each batch's audit row: who, when, which file, old and new value per target) and their undoing.
"""

from __future__ import annotations

import json
import math
import numbers
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, or_, select, update
from sqlmodel import col

from data_layer import audit
from data_layer.db import inserted_id
from data_layer.i18n import translate
from data_layer.imports.pipeline import write_transaction
from data_layer.indicators import BY_CODE, COMPARATORS, REGISTRY
from data_layer.models import AuditLog, Building, District, Indicator, Plan, PlanTarget
from data_layer.summaries import bump_data_version

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
MAX_SPAN_YEARS = 10
YEAR_RANGE = (2000, 2100)
_ORDER = {ind.code: i for i, ind in enumerate(REGISTRY)}
PLAN_COLUMNS = ["code", "name_zh", "name_en", "scope_type", "scope_code", "start_year", "end_year", "source",
                "is_template"]
HISTORY_COLUMNS = ["at", "user_name", "action", "via", "table_name", "row_key", "old_value", "new_value",
                   "file_name"]


@dataclass(frozen=True)
class Problem:
    code: str  # translated as plan.error.<code>
    params: dict[str, Any] = field(default_factory=dict)


class PlanError(ValueError):
    """The change was refused; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.code} {p.params}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class PlanInput:
    code: str
    name_zh: str
    name_en: str
    start_year: int
    end_year: int
    scope_type: str = "city"
    scope_code: str | None = None
    source: str = ""


# ----------------------------------------------------------------------------------------------------------- reads


def list_plans(engine: Engine, *, templates: bool | None = None) -> pd.DataFrame:
    """Plans ordered by scope (city first) and code; only templates or only own plans when `templates` says."""
    statement = select(*[getattr(Plan, c) for c in PLAN_COLUMNS])
    if templates is not None:
        statement = statement.where(col(Plan.is_template) == templates)
    statement = statement.order_by(col(Plan.scope_type), col(Plan.code))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(statement).fetchall(), columns=PLAN_COLUMNS)


def plan_by_code(engine: Engine, code: str) -> dict[str, Any]:
    with engine.connect() as conn:
        return plan_row(conn, code)


_PLAN_BY_CODE = select(Plan).where(col(Plan.code) == bindparam("code"))
_TARGETS_OF = select(col(PlanTarget.indicator_code), col(PlanTarget.year), col(PlanTarget.target_value),
                     col(PlanTarget.comparator)).where(col(PlanTarget.plan_id) == bindparam("plan_id"))


def plan_row(conn: Connection, code: str) -> dict[str, Any]:
    """The plan's columns as a dict; PlanError(unknown_plan) when there is none."""
    row = conn.execute(_PLAN_BY_CODE, {"code": code}).mappings().first()
    if row is None:
        raise PlanError([Problem("unknown_plan", {"plan": code})])
    return dict(row)


def plan_targets(engine: Engine, *, plan_code: str) -> pd.DataFrame:
    """A plan's targets in registry order, then year. Columns: indicator_code, year, target_value, comparator."""
    with engine.connect() as conn:
        return _targets(conn, plan_row(conn, plan_code)["id"])


def target_rows(conn: Connection, plan_id: int) -> list[tuple[str, int, float, str]]:
    """(indicator_code, year, target_value, comparator) in registry order, then year; plain tuples for hot paths."""
    rows = conn.execute(_TARGETS_OF, {"plan_id": plan_id}).all()
    return sorted(((r[0], int(r[1]), float(r[2]), str(r[3])) for r in rows),
                  key=lambda r: (_ORDER.get(r[0], len(_ORDER)), r[1]))


def _targets(conn: Connection, plan_id: int) -> pd.DataFrame:
    return pd.DataFrame(target_rows(conn, plan_id), columns=["indicator_code", "year", "target_value", "comparator"])


def plan_history(engine: Engine, *, plan_code: str, limit: int = 200) -> pd.DataFrame:
    """The audit rows of a plan and its targets, and the import batches that wrote its targets (one row per
    target, with the file's name) and their undoing, newest first. Columns: `HISTORY_COLUMNS`."""
    prefix = plan_code + ":"
    statement = (
        select(col(AuditLog.at), col(AuditLog.user_name), col(AuditLog.action), col(AuditLog.via),
               col(AuditLog.table_name),
               col(AuditLog.row_key), col(AuditLog.old_value), col(AuditLog.new_value))
        .where(or_((col(AuditLog.table_name) == "plan") & (col(AuditLog.row_key) == plan_code),
                   (col(AuditLog.table_name) == "plan_target")
                   & (func.substr(col(AuditLog.row_key), 1, len(prefix)) == prefix)))
        .order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc()).limit(limit)
    )
    with engine.connect() as conn:
        edits = [(*row, None) for row in conn.execute(statement).all()]
        imported = _import_history(conn, plan_code)
    rows = sorted(edits + imported, key=lambda r: r[0], reverse=True)[:limit]  # stable: edits keep their order
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def _import_history(conn: Connection, plan_code: str) -> list[tuple]:
    """History rows from the import batches that created the plan or wrote its targets, and their undo rows.
    An import keeps what it wrote and what it replaced in its one audit row (key import_batch:N), so that row is
    read rather than duplicated per plan."""
    quoted = json.dumps(plan_code, ensure_ascii=False)  # the code as it appears inside the JSON
    imports = conn.execute(
        select(col(AuditLog.at), col(AuditLog.user_name), col(AuditLog.via), col(AuditLog.row_key),
               col(AuditLog.old_value),
               col(AuditLog.new_value))
        .where(col(AuditLog.action) == "import", col(AuditLog.new_value).contains(quoted, autoescape=True))
    ).all()
    out: list[tuple] = []
    batches: dict[str, str] = {}  # row key import_batch:N -> file name
    for at, user, via, key, old_text, new_text in imports:
        new = json.loads(new_text) if new_text else {}
        created = new.get("created", {})
        written = [r for r in created.get("plan_target", {}).get("written", []) if r[0] == plan_code]
        made_plan = plan_code in created.get("plan", {}).get("codes", [])
        if not written and not made_plan:
            continue  # the code appeared in the JSON for another reason (a longer code, a file name)
        file_name = str(new.get("file", ""))
        batches[key] = file_name
        replaced = _replaced_targets((json.loads(old_text) if old_text else {}).get("replaced", {}), plan_code)
        if made_plan:
            out.append((at, user, "import", via, "plan", plan_code, None, None, file_name))
        for _plan, indicator, year, value, comparator in written:
            target_key = f"{plan_code}:{indicator}:{int(year)}"
            out.append((at, user, "import", via, "plan_target", target_key, _value_json(replaced.get(target_key)),
                        _value_json({"comparator": comparator, "target_value": float(value)}), file_name))
    if batches:
        undone = conn.execute(select(col(AuditLog.at), col(AuditLog.user_name), col(AuditLog.via),
                                     col(AuditLog.row_key))
                              .where(col(AuditLog.action) == "undo_import",
                                     col(AuditLog.row_key).in_(list(batches)))).all()
        out += [(at, user, "undo_import", via, "import_batch", key, None, None, batches[key])
                for at, user, via, key in undone]
    return out


def _replaced_targets(replaced: dict[str, Any], plan_code: str) -> dict[str, dict[str, Any]]:
    """The stored target values an import replaced, by history row key (plan:indicator:year)."""
    payload = replaced.get("plan_target") or {}
    columns = payload.get("columns", [])
    out = {}
    for row in payload.get("rows", []):
        record = dict(zip(columns, row, strict=False))
        if record.get("plan_code") == plan_code:
            out[f"{plan_code}:{record['indicator_code']}:{int(record['year'])}"] = {
                "comparator": record.get("comparator"), "target_value": record.get("target_value")}
    return out


def _value_json(value: dict[str, Any] | None) -> str | None:
    """Old and new values shaped like the editor's own audit rows."""
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


# ------------------------------------------------------------------------------------------------------ validation


def validate_plan(conn: Connection, plan: PlanInput, *, new: bool) -> list[Problem]:
    problems = []
    if new and not CODE_PATTERN.match(plan.code or ""):
        problems.append(Problem("bad_code", {"code": plan.code}))
    elif new and conn.execute(select(col(Plan.id)).where(col(Plan.code) == plan.code)).first() is not None:
        problems.append(Problem("code_taken", {"code": plan.code}))
    if not (plan.name_zh or "").strip() or not (plan.name_en or "").strip():
        problems.append(Problem("name_missing"))
    if len(plan.name_zh) > 120 or len(plan.name_en) > 160:
        problems.append(Problem("name_too_long"))
    low, high = YEAR_RANGE
    if not (low <= plan.start_year <= high and low <= plan.end_year <= high):
        problems.append(Problem("year_range", {"low": low, "high": high}))
    elif plan.start_year > plan.end_year:
        problems.append(Problem("years_order"))
    elif plan.end_year - plan.start_year + 1 > MAX_SPAN_YEARS:
        problems.append(Problem("years_span", {"max": MAX_SPAN_YEARS}))
    if plan.scope_type not in ("city", "district"):
        problems.append(Problem("bad_scope", {"scope": plan.scope_type}))
    elif plan.scope_type == "district":
        known = select(col(District.code)).where(col(District.code) == (plan.scope_code or ""))
        if conn.execute(known).first() is None:
            problems.append(Problem("unknown_district", {"district": plan.scope_code}))
    return problems


def validate_targets(targets: list[dict[str, Any]], *, start_year: int, end_year: int) -> list[Problem]:
    """Each target: indicator_code, year, target_value, comparator (optional, the indicator's default)."""
    problems: list[Problem] = []
    seen: set[tuple[str, int]] = set()
    for row in targets:
        code, year, value = row.get("indicator_code"), row.get("year"), row.get("target_value")
        ind = BY_CODE.get(str(code))
        if ind is None:
            problems.append(Problem("unknown_indicator", {"indicator": code}))
            continue
        year = _whole(year)
        where = {"indicator": code, "year": year if year is not None else row.get("year")}
        if year is None or not start_year <= year <= end_year:
            problems.append(Problem("year_outside", where | {"start": start_year, "end": end_year}))
            continue
        if (ind.code, year) in seen:
            problems.append(Problem("duplicate", where))
        seen.add((ind.code, year))
        if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(float(value)):
            problems.append(Problem("not_a_number", where))
            continue
        number = float(value)
        comparator = row.get("comparator") or ind.comparator
        if comparator not in COMPARATORS:
            problems.append(Problem("bad_comparator", where | {"comparator": comparator}))
        if number < 0:
            problems.append(Problem("negative", where))
        elif ind.unit == "pct" and number > 100:
            problems.append(Problem("pct_range", where))
        elif _looks_like_fraction(ind.code, number) and not ind.small_rate_possible:
            problems.append(Problem("pct_fraction", where | {"value": number}))
        elif ind.unit == "count" and float(value) != round(float(value)):
            problems.append(Problem("count_integer", where))
    return problems


def target_warnings(targets: list[dict[str, Any]]) -> list[Problem]:
    """Targets that are accepted but may be a mistake: a rate between 0 and 1 for an indicator whose rate can
    really be that small (a fraction typed for a percentage, or a real 0.8 %?). Translated as plan.warning.<code>."""
    warnings = []
    for row in targets:
        ind = BY_CODE.get(str(row.get("indicator_code")))
        value = row.get("target_value")
        if ind is not None and ind.small_rate_possible and _looks_like_fraction(ind.code, value):
            warnings.append(Problem("pct_small", {"indicator": ind.code, "year": _whole(row.get("year")),
                                                  "value": float(value)}))  # type: ignore[arg-type]
    return warnings


def _looks_like_fraction(code: str, value: Any) -> bool:
    """A rate target strictly between 0 and 1: 0.65 typed for 65 %, since rates are stored in percent."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        return False
    return BY_CODE[code].unit == "pct" and 0 < float(value) < 1


def _whole(value: Any) -> int | None:
    """An integer year from an int, a numpy integer or a whole float; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    number = float(value)
    if not math.isfinite(number) or number != int(number):
        return None
    return int(number)


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise PlanError(problems)


def _ensure_indicators(conn: Connection, codes: set[str]) -> None:
    """Registry rows the `indicator` table lacks (a store created before they were added) are written first,
    because plan_target refers to them."""
    known = set(conn.execute(select(col(Indicator.code)).where(col(Indicator.code).in_(codes))).scalars())
    missing = [BY_CODE[c].row() for c in sorted(codes - known)]
    if missing:
        conn.execute(insert(Indicator), missing)


def _normalise(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in targets:
        ind = BY_CODE[row["indicator_code"]]
        out.append({"indicator_code": ind.code, "year": int(row["year"]), "target_value": float(row["target_value"]),
                    "comparator": row.get("comparator") or ind.comparator})
    return out


# ---------------------------------------------------------------------------------------------------------- writes


def create_plan(engine: Engine, *, user: str, plan: PlanInput, targets: list[dict[str, Any]] | None = None,
                via: str = "app", action: str = "plan_create", copied_from: str | None = None,
                scaled_by: float | None = None) -> int:
    """Create a plan (and optionally its targets); returns its id."""
    targets = targets or []
    with engine.begin() as conn:
        _raise(validate_plan(conn, plan, new=True)
               + validate_targets(targets, start_year=plan.start_year, end_year=plan.end_year))
        values = {"code": plan.code, "name_zh": plan.name_zh.strip(), "name_en": plan.name_en.strip(),
                  "scope_type": plan.scope_type,
                  "scope_code": plan.scope_code if plan.scope_type == "district" else None,
                  "start_year": plan.start_year, "end_year": plan.end_year, "source": plan.source, "is_template": False}
        plan_id = inserted_id(conn.execute(insert(Plan).values(**values)))
        audit.record(conn, user=user, action=action, table="plan", key=plan.code,
                     new=values | ({"copied_from": copied_from} if copied_from else {})
                     | ({"scaled_by": scaled_by} if scaled_by is not None else {}), via=via)
        rows = _normalise(targets)
        _ensure_indicators(conn, {r["indicator_code"] for r in rows})
        for row in rows:
            conn.execute(insert(PlanTarget).values(plan_id=plan_id, **row))
            audit.record(conn, user=user, action=action, table="plan_target", key=_key(plan.code, row),
                         new={"target_value": row["target_value"], "comparator": row["comparator"]}, via=via)
        bump_data_version(conn)
    return plan_id


@dataclass(frozen=True)
class ScopeShare:
    """A scope's share of the city's buildings: the factor a copied plan's count targets can be scaled by."""

    buildings: int
    city_buildings: int

    @property
    def factor(self) -> float:
        return self.buildings / self.city_buildings if self.city_buildings else 1.0


def scope_share(engine: Engine, *, scope_type: str, scope_code: str | None) -> ScopeShare:
    """Buildings in the scope (a district, or the city) against all buildings in the register."""
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(Building)).scalar() or 0)
        if scope_type != "district":
            return ScopeShare(total, total)
        here = conn.execute(select(func.count()).select_from(Building).where(col(Building.district_code) == scope_code))
        return ScopeShare(int(here.scalar() or 0), total)


def district_shares(engine: Engine) -> dict[str, ScopeShare]:
    """Every district's share of the city's buildings (the factors the plan editor shows before a copy)."""
    with engine.connect() as conn:
        counts = dict(conn.execute(select(col(Building.district_code),
                                          func.count()).group_by(col(Building.district_code))).all())
    total = int(sum(counts.values()))
    return {str(code): ScopeShare(int(n), total) for code, n in counts.items()}


def scaled_value(code: str, value: float, factor: float) -> float:
    """A count target × the scope's share, rounded half up to a whole building or event; never below 1 when the
    source asked for at least one (a target of 0 would be met by doing nothing). Other units are kept: rates are
    shares already, and only count targets are scaled."""
    if BY_CODE[code].unit != "count":
        return value
    scaled = math.floor(value * factor + 0.5)
    return float(max(scaled, 1) if value >= 1 else scaled)


def copy_plan(engine: Engine, *, user: str, source_code: str, plan: PlanInput, via: str = "app",
              scale: float | None = None) -> int:
    """A new plan from a template (or any plan): its targets shifted so the source's first year becomes
    `plan.start_year`; the new plan spans as many years as the source (`plan.end_year` is ignored). `scale`: the
    factor count targets are multiplied by (`scope_share(...).factor`, recorded in the audit row); None keeps them."""
    with engine.connect() as conn:
        source = plan_row(conn, source_code)
        source_targets = _targets(conn, source["id"])
    shift = plan.start_year - source["start_year"]
    span = source["end_year"] - source["start_year"]
    # the source column is shown as stored, in either language: say it in both
    copied = " / ".join(translate("plan.source.copied", lang, plan=source_code) for lang in ("zh", "en"))
    new = PlanInput(plan.code, plan.name_zh, plan.name_en, plan.start_year, plan.start_year + span, plan.scope_type,
                    plan.scope_code, plan.source or copied)
    targets = [{"indicator_code": r.indicator_code, "year": int(r.year) + shift,
                "target_value": float(r.target_value) if scale is None
                else scaled_value(r.indicator_code, float(r.target_value), scale),
                "comparator": r.comparator} for r in source_targets.itertuples()]
    return create_plan(engine, user=user, plan=new, targets=targets, via=via, action="plan_copy",
                       copied_from=source_code, scaled_by=None if scale is None else round(scale, 6))


def update_plan(engine: Engine, *, user: str, plan_code: str, name_zh: str, name_en: str, start_year: int,
                end_year: int, via: str = "app") -> bool:
    """Rename a plan or change its years (its targets must stay inside). Returns whether anything changed."""
    with engine.begin() as conn:
        current = plan_row(conn, plan_code)
        if current["is_template"]:
            _raise([Problem("template_read_only", {"plan": plan_code})])
        proposed = PlanInput(plan_code, name_zh, name_en, start_year, end_year, current["scope_type"],
                             current["scope_code"])
        problems = validate_plan(conn, proposed, new=False)
        years = _targets(conn, current["id"])["year"]
        if not problems and len(years) and (years.min() < start_year or years.max() > end_year):
            problems.append(Problem("targets_outside", {"start": start_year, "end": end_year}))
        _raise(problems)
        new = {"name_zh": name_zh.strip(), "name_en": name_en.strip(), "start_year": start_year, "end_year": end_year}
        old = {k: current[k] for k in new}
        changed = {k: v for k, v in new.items() if old[k] != v}
        if not changed:
            return False
        conn.execute(update(Plan).where(col(Plan.id) == current["id"]).values(**changed))
        audit.record(conn, user=user, action="plan_edit", table="plan", key=plan_code,
                     old={k: old[k] for k in changed}, new=changed, via=via)
        bump_data_version(conn)
    return True


def save_targets(engine: Engine, *, user: str, plan_code: str, targets: list[dict[str, Any]],
                 loaded: list[dict[str, Any]] | None = None, via: str = "app") -> dict[str, int]:
    """Make the plan's targets exactly `targets` (the whole grid): added, changed and removed rows each get an
    audit row with the old and new value. Returns counts of added / changed / removed / unchanged.

    `loaded`: the targets the grid was built from. When given and the store's targets differ from them (an import
    or another editor changed them since), nothing is written and PlanError(stale) is raised. The check and the
    write hold the store's write lock (the one imports take), so no import can land between them."""

    def work(conn: Connection) -> dict[str, int]:
        return _save_targets(conn, user=user, plan_code=plan_code, targets=targets, loaded=loaded, via=via)

    return write_transaction(engine, work)


def _save_targets(conn: Connection, *, user: str, plan_code: str, targets: list[dict[str, Any]],
                  loaded: list[dict[str, Any]] | None, via: str) -> dict[str, int]:
    """`save_targets` inside the caller's locked transaction."""
    plan = plan_row(conn, plan_code)
    if plan["is_template"]:
        _raise([Problem("template_read_only", {"plan": plan_code})])
    existing = {(r.indicator_code, int(r.year)): {"target_value": float(r.target_value), "comparator": r.comparator}
                for r in _targets(conn, plan["id"]).itertuples()}
    if loaded is not None and _by_key(loaded) != existing:
        _raise([Problem("stale", {"plan": plan_code})])
    _raise(validate_targets(targets, start_year=plan["start_year"], end_year=plan["end_year"]))
    wanted = {(r["indicator_code"], r["year"]): r for r in _normalise(targets)}
    _ensure_indicators(conn, {code for code, _ in wanted})
    counts = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
    for key in sorted(set(wanted) | set(existing), key=lambda k: (_ORDER.get(k[0], 99), k[1])):
        old, row = existing.get(key), wanted.get(key)
        new = {"target_value": row["target_value"], "comparator": row["comparator"]} if row else None
        where = ((col(PlanTarget.plan_id) == plan["id"]) & (col(PlanTarget.indicator_code) == key[0])
                 & (col(PlanTarget.year) == key[1]))
        if old == new:
            counts["unchanged"] += 1
            continue
        if old is None:
            conn.execute(insert(PlanTarget).values(plan_id=plan["id"], **row))  # type: ignore[arg-type]
            counts["added"] += 1
        elif new is None:
            conn.execute(delete(PlanTarget).where(where))
            counts["removed"] += 1
        else:
            conn.execute(update(PlanTarget).where(where).values(**new))
            counts["changed"] += 1
        audit.record(conn, user=user, action="plan_edit", table="plan_target",
                     key=_key(plan_code, {"indicator_code": key[0], "year": key[1]}), old=old, new=new, via=via)
    if counts["added"] or counts["changed"] or counts["removed"]:
        bump_data_version(conn)
    return counts


def _by_key(targets: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    """Target rows as {(indicator, year): {target_value, comparator}}, the shape `save_targets` compares."""
    return {(str(r["indicator_code"]), int(r["year"])): {"target_value": float(r["target_value"]),
                                                          "comparator": str(r["comparator"])} for r in targets}


def _key(plan_code: str, row: dict[str, Any]) -> str:
    return f"{plan_code}:{row['indicator_code']}:{row['year']}"
