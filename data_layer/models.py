"""All tables of the store, in one module. Codes stored in columns are English; the UI translates them.

Units: areas in m², tax in 万元 (10,000 yuan), rates as fractions 0-1, months as the first day of the month.
Coordinates keep the CRS they were given in (`crs` column); the demo city is GCJ-02 like most Chinese map data.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Option codes shared by models, imports and the UI's translations.
GRADES = ("super_a", "a", "b", "unrated")
STATUSES = ("in_use", "under_construction", "renovating")
OPERATOR_TYPES = ("state_owned", "private", "foreign", "developer_held")
INDUSTRIES = ("finance", "legal", "accounting", "ip", "tech_rd", "design", "digital", "trade", "hq", "general")
# "other" holds imported comments whose text names none of the others (data_layer.imports.kinds.feedback).
DIMENSIONS = ("gov_service", "enterprise_service", "operations", "talent", "transport", "daily_life", "other")
SENTIMENTS = ("positive", "neutral", "negative")
DEMAND_STATUSES = ("open", "in_progress", "closed")
# Enterprise size bands (大型 / 中型 / 小型 / 微型, the national statistical classification).
SIZE_BANDS = ("large", "medium", "small", "micro")


class District(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=12)  # national administrative division code
    name_zh: str = Field(max_length=40)
    name_en: str = Field(max_length=60)
    city: str = Field(max_length=40)


class DistrictBoundary(SQLModel, table=True):
    """A district's polygon as GeoJSON geometry text, so a city other than the demo's can be mapped."""

    __tablename__ = "district_boundary"
    district_code: str = Field(foreign_key="district.code", primary_key=True, max_length=12)
    crs: str = Field(default="GCJ-02", max_length=10)
    geojson: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(default="", max_length=200)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class Street(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    district_code: str = Field(foreign_key="district.code", index=True, max_length=12)
    name_zh: str = Field(max_length=40)
    name_en: str = Field(max_length=60)
    # The street's outline when a streets GeoJSON gave one (geometry text, in `crs`); the registry has none.
    geojson: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    crs: str | None = Field(default=None, max_length=10)


class ImportBatch(SQLModel, table=True):
    """One load of data (an import file, or the demo build): what undo and the history page work on."""

    __tablename__ = "import_batch"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)
    file_name: str = Field(max_length=255)
    file_hash: str = Field(max_length=64)
    user_name: str = Field(max_length=80)
    created_at: datetime
    rows_new: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    undone_at: datetime | None = None


class Building(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)  # the bureau's own building id
    name: str = Field(max_length=120, index=True)
    address: str = Field(default="", max_length=200)
    district_code: str = Field(foreign_key="district.code", index=True, max_length=12)
    street_id: int | None = Field(default=None, foreign_key="street.id", index=True)
    # None until someone places the building: many districts send rosters without coordinates ("not on the map")
    lon: float | None = None
    lat: float | None = None
    crs: str = Field(default="GCJ-02", max_length=10)
    former_names: str = Field(default="", max_length=400, sa_column_kwargs={"server_default": ""})  # 曾用名, '；'
    grade: str = Field(default="unrated", max_length=12, index=True)
    gross_area_m2: float
    leasable_area_m2: float
    year_completed: int | None = None  # rosters often leave it out
    status: str = Field(default="in_use", max_length=20)
    operator_type: str = Field(default="private", max_length=20)
    industry: str = Field(default="general", max_length=20)
    is_zero_carbon_pilot: bool = False
    energy_star: int = 0  # 节能降碳星级, 0 = not rated
    is_featured: bool = False  # 专业特色楼宇
    is_hq_cluster: bool = False  # 总部经济集聚区
    is_observation_point: bool = False  # 营商环境观测点
    renovated_year: int | None = None  # year a stock building's renovation finished (盘活)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class BuildingMonth(SQLModel, table=True):
    """Monthly statistics one building reports (every building over 1,000 m², Jiaxing's rule)."""

    __tablename__ = "building_month"
    __table_args__ = (Index("ix_building_month_month_building", "month", "building_id"),)
    building_id: int = Field(foreign_key="building.id", primary_key=True)
    month: date = Field(primary_key=True)
    occupied_area_m2: float
    leasable_area_m2: float
    enterprises_operating: int
    enterprises_registered: int  # enterprises registered at the building's address
    tax_10k: float  # 全口径税收, 万元
    employees: int
    new_enterprises: int
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class CityMonth(SQLModel, table=True):
    """City-wide figures per month, for "building tax as a share of city tax"."""

    __tablename__ = "city_month"
    month: date = Field(primary_key=True)
    city_tax_10k: float
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class Indicator(SQLModel, table=True):
    """Definition of an indicator a plan can target (the registry in indicators.py writes these rows)."""

    code: str = Field(primary_key=True, max_length=40)
    name_zh: str = Field(max_length=60)
    name_en: str = Field(max_length=80)
    unit: str = Field(max_length=12)  # pct, 10k_yuan, count
    kind: str = Field(max_length=10)  # rate, flow, stock
    direction: str = Field(default="higher", max_length=8)  # higher or lower is better
    definition_zh: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    definition_en: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name_zh: str = Field(max_length=120)
    name_en: str = Field(max_length=160)
    scope_type: str = Field(default="city", max_length=10)  # city or district
    scope_code: str | None = Field(default=None, max_length=12)  # district code when scope_type = district
    start_year: int
    end_year: int
    source: str = Field(default="", max_length=200)
    is_template: bool = False  # reference plans from other cities, copied to start a new plan


class PlanTarget(SQLModel, table=True):
    __tablename__ = "plan_target"
    __table_args__ = (UniqueConstraint("plan_id", "indicator_code", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    indicator_code: str = Field(foreign_key="indicator.code", max_length=40)
    year: int
    target_value: float  # in the indicator's unit; rates as percentages (85 = 85 %)
    comparator: str = Field(default=">=", max_length=2)  # >=, >, <=, <


class ObservationPoint(SQLModel, table=True):
    __tablename__ = "observation_point"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    building_id: int = Field(foreign_key="building.id", unique=True)
    designated_on: date


class Feedback(SQLModel, table=True):
    """One response at an observation point: a 1-5 score on one dimension, optionally with a comment.
    The sentiment columns are filled once when the record is stored; a staff correction wins over them."""

    __table_args__ = (Index("ix_feedback_point_date", "point_id", "submitted_on"),)
    id: int | None = Field(default=None, primary_key=True)
    point_id: int = Field(foreign_key="observation_point.id")
    submitted_on: date
    dimension: str = Field(max_length=24, index=True)
    channel: str = Field(default="survey", max_length=12)  # survey, visit, hotline
    score: int | None = None  # 1-5
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sentiment_label: str | None = Field(default=None, max_length=10)
    sentiment_score: float | None = None
    sentiment_confidence: float | None = None
    sentiment_evidence: str | None = Field(default=None, max_length=200)
    # Which scorer labelled it: the model file's version, or "lexicon" when no model file could be read.
    sentiment_model: str | None = Field(default=None, max_length=24)
    corrected_label: str | None = Field(default=None, max_length=10)
    corrected_by: str | None = Field(default=None, max_length=80)
    corrected_at: datetime | None = None
    # A staff correction of the dimension overwrites `dimension` (every figure groups by it) and says who did it,
    # so a retrain learns from it and no re-assignment touches it.
    dimension_corrected_by: str | None = Field(default=None, max_length=80)
    dimension_corrected_at: datetime | None = None
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class Demand(SQLModel, table=True):
    """An enterprise demand (诉求): logged, answered and closed."""

    __table_args__ = (Index("ix_demand_point_status", "point_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    point_id: int | None = Field(default=None, foreign_key="observation_point.id")
    building_id: int = Field(foreign_key="building.id", index=True)
    category: str = Field(max_length=24)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default="open", max_length=12)
    opened_on: date
    due_on: date
    closed_on: date | None = None
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class DistrictMonth(SQLModel, table=True):
    """Summary of building_month per district and month (sums only, so rates stay area-weighted).
    Refreshed by `summaries.refresh` inside the same transaction as any write to building_month."""

    __tablename__ = "district_month"
    district_code: str = Field(foreign_key="district.code", primary_key=True, max_length=12)
    month: date = Field(primary_key=True, index=True)
    buildings_reporting: int
    occupied_area_m2: float
    leasable_area_m2: float
    enterprises_operating: int
    enterprises_registered: int
    tax_10k: float
    employees: int
    new_enterprises: int


class StoreMeta(SQLModel, table=True):
    """Key-value facts about the store; `data_version` changes on every write so caches know to refresh."""

    __tablename__ = "store_meta"
    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)


class AppUser(SQLModel, table=True):
    """A named member of staff. Viewing needs no account unless login is required; changing data does."""

    __tablename__ = "app_user"  # "user" is a reserved word in PostgreSQL
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    display_name: str = Field(default="", max_length=120)
    role: str = Field(default="viewer", max_length=10)  # viewer, editor, admin
    # District codes an editor may import for, comma-separated; '' = every district (the editor right as before).
    districts: str = Field(default="", max_length=400, sa_column_kwargs={"server_default": ""})
    password_hash: str = Field(default="", max_length=255)  # argon2 hash, never the password
    is_active: bool = True
    created_at: datetime
    last_login_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """Failed and successful logins, kept in the store so rate limits hold across app replicas."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_user_at", "username", "at"), Index("ix_login_attempt_client_at", "client", "at"))
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80)
    client: str = Field(default="", max_length=80)
    at: datetime
    success: bool = False


class KioskToken(SQLModel, table=True):
    """A read-only link for briefing screens: only the token's hash is stored."""

    __tablename__ = "kiosk_token"
    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(max_length=120)
    token_hash: str = Field(max_length=128, unique=True)
    created_by: str = Field(max_length=80)
    created_at: datetime
    revoked_at: datetime | None = None


class DisplayScreen(SQLModel, table=True):
    """A named wall screen saved by an admin (issue 20): which panels, in which order, how many seconds each, or one
    pinned panel. A kiosk link names it (`/briefing?kiosk=TOKEN&screen=NAME`); `panels` is the text a link's
    `panels=` takes (`kpis:30,map:45`), `pin` a panel code or ''. Rules in data_layer/screens.py."""

    __tablename__ = "display_screen"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, unique=True)
    panels: str = Field(default="", max_length=200)
    pin: str = Field(default="", max_length=20)
    updated_by: str = Field(max_length=80)
    updated_at: datetime


class AuditLog(SQLModel, table=True):
    """Every change made through the app or the command line: who, when, what, old and new, through which action."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_table_key", "table_name", "row_key"))
    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    user_name: str = Field(max_length=80)
    action: str = Field(max_length=40)  # e.g. import, undo_import, plan_edit, label_correct, user_add
    via: str = Field(default="app", max_length=10)  # app or cli
    table_name: str = Field(max_length=40)
    row_key: str = Field(default="", max_length=200)
    old_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON
    new_value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON


class BuildingYtd(SQLModel, table=True):
    """Calendar-year-to-date tax per building and month: the tax-threshold counts (buildings over 1,000 万元,
    亿元楼宇) read this instead of summing building_month. A building that did not report in a month keeps its
    earlier months' total (the row is carried forward to every later month of that year that has any data), so a
    count at month m is exactly "Σ tax from January through m ≥ bound". Refreshed by
    `summaries.refresh_building_summaries` in the same transaction as any write to building_month."""

    __tablename__ = "building_ytd"
    # Keyed month first and (on SQLite) stored in key order: a refresh appends a month at the end of the tree
    # instead of touching one page per building (5x faster at 50k buildings × 120 months).
    __table_args__ = (Index("ix_building_ytd_month_ytd", "month", "ytd_tax_10k"), {"sqlite_with_rowid": False})
    month: date = Field(primary_key=True)
    building_id: int = Field(foreign_key="building.id", primary_key=True)
    ytd_tax_10k: float
    # Months of the year through `month` in which the building reported, and the latest of them (issue 22): the
    # months a building reported in a period and its last report are two snapshot reads instead of a scan of
    # building_month (1.1 s each at 50,000 buildings × 120 months on SQLite; a snapshot read takes 0.04 s).
    months_reported: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_month: date | None = None


class StreetMonth(SQLModel, table=True):
    """Summary of building_month per street and month (sums only), for street scopes and street rankings.
    Buildings without a street are left out. Refreshed with building_ytd."""

    __tablename__ = "street_month"
    street_id: int = Field(foreign_key="street.id", primary_key=True)
    month: date = Field(primary_key=True, index=True)
    district_code: str = Field(max_length=12, index=True)  # the street's district: one filter finds its streets
    buildings_reporting: int
    occupied_area_m2: float
    leasable_area_m2: float
    enterprises_operating: int
    enterprises_registered: int
    tax_10k: float
    employees: int
    new_enterprises: int


class DesignationCount(SQLModel, table=True):
    """Buildings per district, street and designation (grades, featured, pilots, star rating; renovations by the
    year they finished), so goal tables count designations without scanning every building. street_id is 0 for
    buildings without a street; year is 0 for designations that are not dated. Refreshed in full by
    `summaries.refresh_building_summaries`, which every write to building or building_month calls."""

    __tablename__ = "designation_count"
    district_code: str = Field(primary_key=True, max_length=12)
    street_id: int = Field(primary_key=True)
    designation: str = Field(primary_key=True, max_length=40)  # an indicator code
    year: int = Field(primary_key=True)
    buildings: int


class Enterprise(SQLModel, table=True):
    """One enterprise (一企一档), keyed by its 统一社会信用代码 (GB 32100-2015, check character verified on import).
    `tax_10k` is its tax for `tax_year` (万元): confidential. Only data_layer.enterprises reads it, and only for
    roles that may see it (data_layer.auth.tax_access)."""

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(max_length=18, unique=True)
    name: str = Field(max_length=200, index=True)
    industry: str = Field(default="general", max_length=20)
    size_band: str = Field(default="small", max_length=10)
    is_headquarters: bool = False  # 总部企业
    tax_year: int | None = None
    tax_10k: float | None = None
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class Tenancy(SQLModel, table=True):
    """An enterprise in a building from one month to another (to_month None: still there; both inclusive), with
    the area it uses and whether it is registered at this address (属地注册) or only operating here."""

    __table_args__ = (Index("ix_tenancy_building_from", "building_id", "from_month"),
                      UniqueConstraint("enterprise_id", "building_id", "from_month"))
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    building_id: int = Field(foreign_key="building.id")
    from_month: date
    to_month: date | None = None
    area_m2: float | None = None
    registered_here: bool = False
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")



class ReviewNote(SQLModel, table=True):
    """The analyst's commentary on a quarter (issue 18): per plan, year, quarter and scope, the key findings
    (indicator '') and a note per indicator; who wrote it last and when (every change is in the audit trail)."""

    __tablename__ = "review_note"
    plan_code: str = Field(primary_key=True, max_length=40)
    year: int = Field(primary_key=True)
    quarter: int = Field(primary_key=True)
    scope: str = Field(primary_key=True, max_length=40)  # city, district:CODE or street:CODE
    indicator: str = Field(primary_key=True, max_length=40)  # '' = key findings
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_by: str = Field(max_length=80)
    updated_at: datetime


class ReviewQuarter(SQLModel, table=True):
    """A quarter's commentary marked final: no more edits (issue 18)."""

    __tablename__ = "review_quarter"
    plan_code: str = Field(primary_key=True, max_length=40)
    year: int = Field(primary_key=True)
    quarter: int = Field(primary_key=True)
    scope: str = Field(primary_key=True, max_length=40)
    final_by: str = Field(max_length=80)
    final_at: datetime


class IssuedPack(SQLModel, table=True):
    """A review pack as it was issued (issue 18): what it was for, the store's data version then and the figures
    it printed (JSON {key: [label, value]}), so the report page can say "revised since issued" and name them."""

    __tablename__ = "issued_pack"
    id: int | None = Field(default=None, primary_key=True)
    year: int
    quarter: int
    scope: str = Field(max_length=40)
    lang: str = Field(max_length=5)
    format: str = Field(max_length=5)
    sections: str = Field(max_length=400)  # comma-separated section codes
    data_version: str = Field(max_length=200)
    figures: str = Field(sa_column=Column(Text, nullable=False))
    issued_by: str = Field(max_length=80)
    issued_at: datetime


class StoredResult(SQLModel, table=True):
    """A result an expensive read computed for one data version and one version of the code (data_layer.stored):
    read back by every process instead of computed again. Derived data: never backed up, emptied by a restore."""

    __tablename__ = "stored_result"
    name: str = Field(primary_key=True, max_length=60)  # the cached wrapper, e.g. "map.period_frame"
    key_hash: str = Field(primary_key=True, max_length=64)  # sha256 of its arguments and the code fingerprint
    data_version: str = Field(max_length=200)
    code: str = Field(max_length=64)  # data_layer.stored.code_fingerprint() of the program that wrote it
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime


# Tables in dependency order: the checksum and the demo build walk them in this order.
DOMAIN_TABLES: tuple[type[SQLModel], ...] = (
    District,
    DistrictBoundary,
    Street,
    Building,
    BuildingMonth,
    Enterprise,
    Tenancy,
    CityMonth,
    Indicator,
    Plan,
    PlanTarget,
    ObservationPoint,
    Feedback,
    Demand,
    DistrictMonth,
    BuildingYtd,
    StreetMonth,
    DesignationCount,
)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model (SQLModel sets `__table__` on each but does not declare it to type checkers)."""
    return model.__table__  # type: ignore[attr-defined]
