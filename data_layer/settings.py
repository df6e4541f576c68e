"""One settings object, read from the environment at call time (so tests can point the app elsewhere)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TIMEZONE = "Asia/Shanghai"
log = logging.getLogger("dashboard.settings")


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@lru_cache(maxsize=64)
def _number(name: str, text: str, default: str, kind: type) -> float | int:
    """`text` as an int or float; a typo (say DASHBOARD_KIOSK_INTERVAL=20s) falls back to the default with a warning
    logged once, rather than failing every page of a wall screen with a traceback."""
    try:
        return kind(text)
    except ValueError:
        log.warning("%s=%r is not a %s; using the default %s", name, text, "whole number" if kind is int else "number",
                    default)
        return kind(default)


def _int(name: str, default: str) -> int:
    return int(_number(name, _env(name, default), default, int))


def _float(name: str, default: str) -> float:
    return float(_number(name, _env(name, default), default, float))


@dataclass(frozen=True)
class Settings:
    """Every option with its default and the reason for it (the README lists them too)."""

    # Where the store lives; a SQLite file by default, PostgreSQL with the same code when one machine is not enough.
    database_url: str
    # Where generated files (the default SQLite store, backups) go; git ignores it.
    data_dir: Path
    # Seconds a cached query result may be reused; imports bump a data version, so this only bounds staleness
    # across app replicas that share one PostgreSQL store.
    cache_ttl_seconds: int = 600
    # Seconds between two looks at the store's data version by the warmer (ui/warm.py): after a change the pages'
    # default views are computed in the background, so no visitor pays for an import. 0 switches it off.
    warm_interval_seconds: int = 5
    # UI language when the URL does not say: the bureau's staff read Chinese first.
    locale: str = "zh"
    # Optional raster tile server for the map ({z}/{x}/{y} URL). Empty means offline: boundaries only.
    tile_url: str = ""
    # CRS of that tile server (GCJ-02 for AMap-style tiles, WGS-84 for OSM-style ones).
    tile_crs: str = "GCJ-02"
    # Date the demo generator treats as today; fixed in tests so the demo city is reproducible.
    today: date = field(default_factory=date.today)
    # Seed of the demo city: same seed and same date give the same database contents.
    demo_seed: int = 20260101
    # Status margins for goal tracking: at risk while the forecast is within this share of the target.
    at_risk_margin_share: float = 0.10
    # ... or within this many percentage points for rate indicators.
    at_risk_margin_pp: float = 2.0
    # Seconds between panels of the briefing screen.
    kiosk_interval_seconds: int = 20
    # The briefing screen shows a stale-data banner when its newest data month is more than this many months
    # before today's month (October's figures arrive in November: 1 is normal).
    stale_after_months: int = 2
    # Sentiment alerts: a fall of more than this many index points since last quarter ...
    alert_index_drop: float = 5.0
    # ... or a share of negative feedback above this.
    alert_negative_share: float = 0.30
    # Fewer responses than this and a point is not ranked and no percentage is shown (noise).
    min_responses: int = 5
    # Building early warnings (data_layer.workbench): occupancy down by at least this many points over 3 months or
    # year on year; a ten-point fall is what a floor's tenant leaving does to a mid-size building, smaller moves
    # are churn between leases.
    warn_occupancy_drop_pp: float = 10.0
    # ... year-to-date tax down by at least this share on the same months last year (a 30 % fall is past the
    # ordinary swing of one large payer's instalments).
    warn_tax_drop_share: float = 0.30
    # ... no monthly report for at least this many months (one late month is common; two is a building to call).
    warn_silent_months: int = 2
    # ... only buildings with at least this leasable area: Jiaxing's plan has every building over 1,000 ㎡ report,
    # and a 2,000 ㎡ building swings by tens of points when one tenant moves, which would flood the list.
    warn_min_area_m2: float = 5_000.0
    # ... an enterprise paying at least this yearly tax (万元) moved out of the city in the last three months (from a
    # building of any size: one large taxpayer leaving is not the noise the minimum area guards against). 100 万元
    # is where a district's 重点企业 lists usually begin.
    warn_move_out_tax_10k: float = 100.0
    # Sentiment labels with a confidence below this are marked for staff review.
    review_confidence: float = 0.6
    # CRS of imported coordinates when neither the file nor the importer says (GCJ-02, WGS-84 or BD-09); empty: ask.
    # For a bureau whose every source uses one map; the preview names it whenever it is applied.
    import_crs: str = ""
    # The sentiment model file a retrain writes and the scorer reads (a writable path outside the checkout in
    # production); when unset or not yet written, the model shipped in data_layer/sentiment/model/ is used.
    sentiment_model: Path | None = None
    # Largest upload the import page accepts, in megabytes.
    import_max_mb: int = 50
    # Ask for a login on every page (the kiosk link excepted); off by default on an intranet.
    require_login: bool = False
    # Minutes of inactivity after which a signed-in session must sign in again.
    session_idle_minutes: int = 30
    # Failed logins allowed per user and per client within the window before further tries are refused.
    login_max_failures: int = 5
    login_window_minutes: int = 15
    # Distinct accounts one client may fail on within the window (password spraying tries one password on many).
    login_max_accounts_per_client: int = 3
    # Proxies in front of the app that set X-Forwarded-For (1 for the nginx example): the client is the address
    # that many hops back. 0 = the socket's address, the header ignored (anyone can write it).
    trusted_proxy_hops: int = 0
    # TrueType font with Chinese glyphs that the PDF review pack embeds (Debian's fonts-wqy-microhei by default).
    cjk_font: str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    # Time zone of the briefing clock, its "updated" time and the pack's dates: the server may run in UTC, the
    # meeting room reading them is in China.
    timezone: str = DEFAULT_TIMEZONE


@lru_cache(maxsize=8)
def _timezone(name: str) -> str:
    """`name` when zoneinfo knows it, else the default (warned once per name: settings are read on every run)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("DASHBOARD_TIMEZONE=%r is not a known time zone; using %s", name, DEFAULT_TIMEZONE)
        return DEFAULT_TIMEZONE
    return name


def get_settings() -> Settings:
    """Build the settings from the environment now (never cached at import time)."""
    data_dir = Path(_env("DASHBOARD_DATA_DIR", str(REPO_ROOT / "data"))).resolve()
    default_url = f"sqlite:///{data_dir / 'dashboard.db'}"
    today_text = _env("DASHBOARD_TODAY", "")
    return Settings(
        database_url=_env("DATABASE_URL", default_url),
        data_dir=data_dir,
        cache_ttl_seconds=_int("DASHBOARD_CACHE_TTL", "600"),
        warm_interval_seconds=max(0, _int("DASHBOARD_WARM_INTERVAL", "5")),
        locale=_env("DASHBOARD_LOCALE", "zh"),
        tile_url=_env("DASHBOARD_TILE_URL", ""),
        tile_crs=_env("DASHBOARD_TILE_CRS", "GCJ-02"),
        today=date.fromisoformat(today_text) if today_text else date.today(),
        demo_seed=_int("DASHBOARD_DEMO_SEED", "20260101"),
        at_risk_margin_share=_float("DASHBOARD_AT_RISK_SHARE", "0.10"),
        at_risk_margin_pp=_float("DASHBOARD_AT_RISK_PP", "2.0"),
        kiosk_interval_seconds=_int("DASHBOARD_KIOSK_INTERVAL", "20"),
        stale_after_months=_int("DASHBOARD_STALE_MONTHS", "2"),
        alert_index_drop=_float("DASHBOARD_ALERT_INDEX_DROP", "5"),
        alert_negative_share=_float("DASHBOARD_ALERT_NEGATIVE_SHARE", "0.30"),
        min_responses=_int("DASHBOARD_MIN_RESPONSES", "5"),
        review_confidence=_float("DASHBOARD_REVIEW_CONFIDENCE", "0.6"),
        warn_occupancy_drop_pp=_float("DASHBOARD_WARN_OCCUPANCY_DROP_PP", "10"),
        warn_tax_drop_share=_float("DASHBOARD_WARN_TAX_DROP_SHARE", "0.30"),
        warn_silent_months=max(1, _int("DASHBOARD_WARN_SILENT_MONTHS", "2")),
        warn_min_area_m2=_float("DASHBOARD_WARN_MIN_AREA_M2", "5000"),
        warn_move_out_tax_10k=_float("DASHBOARD_WARN_MOVE_OUT_TAX_10K", "100"),
        sentiment_model=Path(_env("DASHBOARD_SENTIMENT_MODEL", "")).resolve()
        if _env("DASHBOARD_SENTIMENT_MODEL", "") else None,
        import_max_mb=_int("DASHBOARD_IMPORT_MAX_MB", "50"),
        import_crs=_env("DASHBOARD_IMPORT_CRS", ""),
        require_login=_env("DASHBOARD_REQUIRE_LOGIN", "0").lower() in {"1", "true", "yes"},
        session_idle_minutes=_int("DASHBOARD_SESSION_IDLE_MINUTES", "30"),
        login_max_failures=_int("DASHBOARD_LOGIN_MAX_FAILURES", "5"),
        login_window_minutes=_int("DASHBOARD_LOGIN_WINDOW_MINUTES", "15"),
        login_max_accounts_per_client=_int("DASHBOARD_LOGIN_MAX_ACCOUNTS_PER_CLIENT", "3"),
        trusted_proxy_hops=max(0, _int("DASHBOARD_TRUSTED_PROXY_HOPS", "0")),
        timezone=_timezone(_env("DASHBOARD_TIMEZONE", DEFAULT_TIMEZONE)),
        cjk_font=_env("DASHBOARD_CJK_FONT", "").strip() or "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    )
