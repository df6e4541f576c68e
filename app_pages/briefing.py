"""领导驾驶舱: the wall screen. Full screen, dark, large type; the panels rotate by themselves (headline figures,
targets, map, sentiment alerts, rankings), a clock ticks in the browser, and each rotation re-reads the data
version, so an import shows within one panel change without reloading the page.
A panel that fails shows a calm placeholder and the error goes to the log; the next rotation tries again. So does
a store that cannot be read, or that goes away once the screen is up (page_context's red setup message, with the
raw database error, is for other pages and for a first start on a missing store).
The clock and the "updated" time are in DASHBOARD_TIMEZONE, not the server's.

URL parameters: `scope=district:CODE` for one district's screen (default: the city; an unknown code says so and
shows the city), `lang=en`, `panels=kpis:30,map:45,rankings` (which panels, in which order, seconds each; the
default DASHBOARD_KIOSK_INTERVAL where none is given), `pin=map` (one panel, no rotation), `screen=NAME` (a named
screen an admin saved, data_layer.screens: read again at every tick, so an edit shows at the next one; the link's
own `panels=` / `pin=` win over it), and on a kiosk `kiosk=TOKEN` (app.py lets a valid token open this page
without an account, even when login is required).
`panel=NAME` is written by the screen itself at every change: after a server restart the browser reconnects with
that URL and the new session resumes on the same panel (the page's script shows a Chinese overlay while the
connection is lost, and reloads the URL if the reconnection does not draw a panel).
Fragment reruns do not pass app.py's gate again, so every rotation re-checks the session (ui.auth.session_lapse):
a revoked kiosk link stops the data at the next rotation; an expired or disabled sign-in goes back through
app.py's gate to the login form."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from data_layer import cached, goals, screens
from data_layer.aggregates import Scope
from data_layer.briefing import AlertRules, ScreenPlan, months_behind, status_counts
from data_layer.cached import briefing as cached_briefing
from data_layer.cached import map as cached_map
from data_layer.goal_rankings import MIN_RANK_BUILDINGS
from data_layer.i18n import localized
from data_layer.settings import get_settings
from ui import auth
from ui import briefing_view as view
from ui.shell import PageContext, current_lang, page_context, t

log = logging.getLogger("dashboard.briefing")
NEXT_KEY = "briefing_next_panel"
LEFT_KEY = "briefing_ticks_left"  # ticks the panel on screen has still to stay
DRAWN_KEY = "briefing_drawn"  # this session's screen has shown data: every store problem from now on is calm
REVOKED_KEY = "briefing_kiosk_revoked"
UNUSABLE = {"missing", "newer", "unreadable"}  # what page_context answers with a red box and st.stop()

st.html(view.CSS)
lang = current_lang()
settings = get_settings()
interval = max(1, settings.kiosk_interval_seconds)
zone = ZoneInfo(settings.timezone)
PLAN_KEY = "briefing_plan"  # the screen plan the rotation state (NEXT_KEY, LEFT_KEY) belongs to


def _screen() -> tuple[ScreenPlan, str | None]:
    """The screen's plan from the link and the named screen it asks for (`screen=`), read afresh each time (an
    admin's edit shows at the next tick), and the name when no such screen is saved. A store that cannot be read
    yet gives the link's own plan; the next tick reads it again."""
    params = st.query_params.to_dict()
    name = str(params.get("screen", "")).strip()
    saved = None
    if name:
        try:
            saved = screens.get_screen(cached.engine(settings.database_url), name=name)
        except Exception:
            log.exception("briefing screen: the named screen %r could not be read", name)
    return screens.plan_for(params, saved, default_seconds=interval), name if name and saved is None else None


plan, _ = _screen()  # the fragment's timer beats at this plan's tick; a screen edited to another tick reruns the page


def _scope(names: dict[str, str]) -> tuple[Scope, str | None]:
    """The URL's scope, and the text asked for when it is not a district of the store (the city is shown then)."""
    asked = str(st.query_params.get("scope", "city"))
    try:
        scope = Scope.parse(asked)
    except ValueError:
        return Scope(), asked
    if scope.kind == "city":
        return scope, None
    if scope.kind != "district" or scope.code not in names:
        return Scope(), scope.code if scope.kind == "district" and scope.code else asked
    return scope, None


def _store_unusable() -> bool:
    """A store that cannot be read, or any unusable store once this screen has shown data, gets the calm
    placeholder (the error logged) instead of page_context's red box with the raw database error; the next
    rotation tries again. Before the first data a missing or newer store is a setup step, and page_context's
    message says what to do."""
    status = cached.store_status(settings.database_url)
    if status.code not in UNUSABLE or (status.code != "unreadable" and not st.session_state.get(DRAWN_KEY)):
        return False
    log.error("briefing screen: store %s: %s", status.code, status.detail or "-")
    return True


def _kpis(ctx: PageContext, scope: Scope) -> None:
    frame = cached_briefing.headline(ctx.url, ctx.version, ctx.last_month, str(scope))
    trend = cached_briefing.headline_trend(ctx.url, ctx.version, ctx.last_month, str(scope))
    note = t("briefing.kpi.spark", start=view.month_text(trend.index[0], lang),
             end=view.month_text(trend.index[-1], lang))
    st.html(view.kpi_html(view.kpi_tiles(frame, lang=lang, t=t, trend=trend)) + view.note_html(note))


def _targets(ctx: PageContext, scope: Scope, scope_label: str) -> None:
    plan, table = cached_briefing.target_status(ctx.url, ctx.version, ctx.last_month, str(scope), settings.at_risk_margin_share,
                                   settings.at_risk_margin_pp)
    if plan is None:
        st.html(view.calm_html(t("briefing.targets.no_plan", scope=scope_label, year=ctx.last_month.year)))
        return
    name = plan[localized("name", lang)]
    note = t("briefing.targets.plan", plan=name, year=ctx.last_month.year, as_of=ctx.last_month.strftime("%Y-%m"))
    st.html(view.targets_html(table, status_counts(table), lang=lang, t=t, final=goals.table_is_final(table),
                              note=note))


def _map(ctx: PageContext, scope: Scope) -> None:
    crs = cached_map.boundary_crs(ctx.url, ctx.version)
    districts = cached_map.district_map(ctx.url, ctx.version, "ytd", ctx.last_month.year, ctx.last_month.month, crs)
    if scope.kind == "district":
        districts = districts[districts["code"] == scope.code]
    # the alerts panel's building warnings (one list), each placed building a mark
    warned = cached_briefing.alert_marks(ctx.url, ctx.version, ctx.last_month, str(scope), crs)
    placed = warned.dropna(subset=["lon", "lat"])
    st.html(view.map_html(districts, lang=lang, t=t, marks=list(zip(placed["lon"], placed["lat"], placed["district_code"],
                                                                  strict=True)),
                          unplaced=len(warned) - len(placed)))


def _alerts(ctx: PageContext, scope: Scope, names: dict[str, str]) -> None:
    rules = AlertRules.from_settings()
    panel = cached_briefing.alerts_panel(ctx.url, ctx.version, ctx.last_month, settings.today, str(scope), rules.index_drop,
                            rules.negative_share,
                            rules.min_responses)
    st.html(view.alerts_html(panel, lang=lang, t=t, district_names=names))


def _rankings(ctx: PageContext) -> None:
    frame = cached_briefing.district_ranking(ctx.url, ctx.version, ctx.last_month)
    why = view.ranking_note_text(cached_briefing.ranking_note(ctx.url, ctx.version, ctx.last_month), as_of=ctx.last_month,
                                 lang=lang, t=t)
    caption = t("briefing.rank.caption", month=ctx.last_month.strftime("%Y-%m"), min=MIN_RANK_BUILDINGS)
    st.html(view.ranking_html(frame, lang=lang, t=t) + (view.note_html(why) if why else "")
            + view.note_html(caption))


def _guarded(panel: str, draw: Callable[[], None]) -> None:
    """Draw a panel; on any error log it and show a calm placeholder instead (st.stop and reruns pass through:
    they are not Exceptions)."""
    try:
        draw()
    except Exception:
        log.exception("briefing panel %r failed", panel)
        st.html(view.calm_html(t("briefing.calm")))


st.html(view.title_html(t("briefing.title"), t("briefing.subtitle"), view.clock_html(datetime.now(zone), lang)))
st.html(view.kiosk_config_html(zone=settings.timezone, lang=lang, lost=t("briefing.overlay.lost"),
                               last=t("briefing.overlay.last", time="{time}")) + view.SCRIPT,
        unsafe_allow_javascript=True)


def _advance(plan: ScreenPlan) -> int:
    """The position to show on this tick: the same panel while it has ticks left, else the next one. A new
    session, or a screen whose plan has just changed, starts at the URL's `panel` (the one on screen before a
    reconnect or the edit) when the plan still has it, or at the first."""
    previous = st.session_state.get(PLAN_KEY)
    st.session_state[PLAN_KEY] = plan
    if previous is not None and previous != plan:
        st.session_state.pop(NEXT_KEY, None)
        st.session_state.pop(LEFT_KEY, None)
    if NEXT_KEY not in st.session_state:
        st.session_state[NEXT_KEY] = plan.position_of(st.query_params.get("panel"))
    left = int(st.session_state.get(LEFT_KEY, 0))
    if left > 1:
        st.session_state[LEFT_KEY] = left - 1
        return (int(st.session_state[NEXT_KEY]) - 1) % len(plan.panels)
    position = int(st.session_state[NEXT_KEY]) % len(plan.panels)
    st.session_state[NEXT_KEY] = position + 1
    st.session_state[LEFT_KEY] = plan.ticks(position)
    return position


def _stale_banner(last_month: date) -> None:
    behind = months_behind(last_month, settings.today)
    if behind is not None and behind > settings.stale_after_months:
        st.html(view.banner_html(t("briefing.stale", n=behind, month=view.month_text(last_month, lang),
                                   limit=settings.stale_after_months)))


@st.fragment(run_every=plan.tick)
def rotate() -> None:
    """One panel per run; the next run shows the next one. Every run first re-checks the session (fragment reruns
    skip app.py's gate): a revoked kiosk link darkens the screen for good; an expired or disabled sign-in is signed
    out and the whole app reruns, whose gate shows the login form."""
    if st.session_state.get(REVOKED_KEY):  # no data and no rotation any more
        st.html(view.calm_html(t("briefing.kiosk_revoked")))
        return
    lapse = auth.session_lapse()
    if lapse == "revoked":
        log.warning("kiosk link revoked: the briefing screen stops showing data")
        st.session_state[REVOKED_KEY] = True
        st.html(view.calm_html(t("briefing.kiosk_revoked")))
        return
    if lapse in ("expired", "disabled"):
        auth.sign_out(flash=lapse)
        st.rerun(scope="app")  # app.py's gate now shows the login form (or, without DASHBOARD_REQUIRE_LOGIN, the
        # public screen)
    if lapse == "login":
        st.html(view.calm_html(t("auth.login.title")))
        return
    current, unknown_screen = _screen()
    if current.tick != plan.tick:  # the timer beats at the old screen's rhythm: rerun the page to reset it
        st.rerun(scope="app")
    position = _advance(current)
    panel = current.panels[position]
    if not current.pinned and st.query_params.get("panel") != panel:
        st.query_params["panel"] = panel  # where a reconnected session resumes (see the module docstring)
    try:
        if _store_unusable():
            st.html(view.calm_html(t("briefing.store_calm")))
            return
        ctx = page_context()  # re-checks the store and reads the data version on every rotation
        names = dict(zip(*cached_briefing.district_names(ctx.url, ctx.version, lang), strict=True))
        scope, unknown = _scope(names)
        scope_label = t("filter.all_districts") if scope.kind == "city" else names.get(scope.code or "", scope.code)
        updated = cached_briefing.updated_at(ctx.url, ctx.version)
        meta = t("briefing.meta", scope=scope_label, as_of=view.month_text(ctx.last_month, lang),
                 updated=view.local_time(updated, zone))
    except Exception:
        log.exception("briefing screen could not read the store")
        st.html(view.calm_html(t("briefing.store_calm")))
        return
    st.session_state[DRAWN_KEY] = True
    _stale_banner(ctx.last_month)
    st.html(view.panel_bar_html(name=t(f"briefing.panel.{panel}"), meta=meta, position=position,
                                total=len(current.panels), code=panel, drawn=datetime.now(UTC).isoformat()))
    if unknown is not None:
        st.html(view.note_html(t("briefing.scope_unknown", scope=unknown)))
    if unknown_screen is not None:
        st.html(view.note_html(t("briefing.screen_unknown", name=unknown_screen)))
    draw = {"kpis": lambda: _kpis(ctx, scope), "targets": lambda: _targets(ctx, scope, scope_label),
            "map": lambda: _map(ctx, scope), "alerts": lambda: _alerts(ctx, scope, names),
            "rankings": lambda: _rankings(ctx)}[panel]
    _guarded(panel, draw)


rotate()
