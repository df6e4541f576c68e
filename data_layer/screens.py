"""Named wall screens (issue 20): an admin saves which panels a briefing screen shows, in which order and for how
many seconds each, or one pinned panel, under a name; a kiosk link names it (`/briefing?kiosk=TOKEN&screen=NAME`).

Rules (the README's "Briefing screen" says the same in words):
- a name is 1-40 letters (Chinese included), digits, `_` or `-`: it travels in a URL;
- a screen has at least one panel, each panel once, each for MIN_SECONDS-MAX_SECONDS seconds (a panel shown for
  less cannot be read from across the room; an hour is the longest, as for a link), or one pinned panel;
- only admins save or delete (checked here, not only on the page), and every change is in the audit trail;
- a link's own `panels=` or `pin=` wins over the screen it names (`plan_for`): a technician can try a layout on one
  display without changing the saved screen for every display that names it;
- an open wall screen re-reads its screen at every rotation tick, so an edit shows at the next tick and a deleted
  screen falls back to the link's own parameters (or every panel) with a note.

Stored as the text a link's `panels=` takes (`kpis:30,map:45`), so a saved screen is exactly a named link and
`briefing.screen_plan` stays the one parser of both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, delete, insert, select, update
from sqlmodel import col

from data_layer import audit
from data_layer.auth import Actor, require
from data_layer.briefing import MAX_PANEL_SECONDS, PANELS, ScreenPlan, screen_plan
from data_layer.i18n import translate
from data_layer.models import DisplayScreen

MIN_SECONDS = 5
MAX_SECONDS = MAX_PANEL_SECONDS
_NAME = re.compile(r"^[\w-]{1,40}$")  # \w is Unicode: 三楼会议室 fits


class ScreenError(ValueError):
    """A screen that cannot be saved; `code` names the reason (briefing.screen.error.<code>), `params` fill it."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(f"{code}: {params}" if params else code)
        self.code = code
        self.params = params

    def text(self, lang: str = "zh") -> str:
        """The reason in words, naming the panel and the value at fault (panel codes become their names)."""
        params = {key: translate(f"briefing.panel.{value}", lang) if key == "panel" and value in PANELS else value
                  for key, value in self.params.items()}
        return translate(f"briefing.screen.error.{self.code}", lang, **params)


@dataclass(frozen=True)
class SavedScreen:
    name: str
    panels: tuple[tuple[str, int], ...]
    pin: str
    updated_by: str
    updated_at: datetime

    def params(self) -> dict[str, str]:
        """The screen as link parameters (what `briefing.screen_plan` reads)."""
        return {"panels": panels_text(self.panels), "pin": self.pin}


def panels_text(panels: Sequence[tuple[str, int]]) -> str:
    return ",".join(f"{code}:{int(seconds)}" for code, seconds in panels)


def parse_panels(text: str) -> tuple[tuple[str, int], ...]:
    out = []
    for item in text.split(","):
        code, _, seconds = item.partition(":")
        if code:
            out.append((code, int(seconds)))
    return tuple(out)


def validate(*, name: str, panels: Sequence[tuple[str, object]], pin: str | None) -> tuple[str, tuple[tuple[str, int], ...], str]:
    """The screen as it will be stored (name trimmed, seconds as whole numbers), or ScreenError for the first
    problem in reading order."""
    name = (name or "").strip()
    if not _NAME.match(name):
        raise ScreenError("bad_name", name=name)
    pin = (pin or "").strip()
    if pin and pin not in PANELS:
        raise ScreenError("unknown_pin", panel=pin)
    seen: list[str] = []
    clean: list[tuple[str, int]] = []
    for position, (code, seconds) in enumerate(panels, start=1):
        code = str(code).strip()
        if code not in PANELS:
            raise ScreenError("unknown_panel", position=position, panel=code, known="、".join(PANELS))
        if code in seen:
            raise ScreenError("duplicate_panel", position=position, panel=code)
        try:
            value = float(seconds)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ScreenError("bad_seconds", position=position, panel=code, seconds=seconds, min=MIN_SECONDS,
                              max=MAX_SECONDS) from None
        if value != int(value) or not MIN_SECONDS <= value <= MAX_SECONDS:
            raise ScreenError("bad_seconds", position=position, panel=code, seconds=seconds, min=MIN_SECONDS,
                              max=MAX_SECONDS)
        seen.append(code)
        clean.append((code, int(value)))
    if not clean and not pin:
        raise ScreenError("no_panels")
    return name, tuple(clean), pin


def save_screen(engine: Engine, *, name: str, panels: Sequence[tuple[str, object]], pin: str | None = None,
                by: Actor, create: bool = False) -> SavedScreen:
    """Save (insert or replace) the named screen; admins only. `create`: refuse a name already saved (the page's
    "new screen" form must not overwrite one by accident)."""
    require(by, "admin")
    name, clean, pin = validate(name=name, panels=panels, pin=pin)
    at = datetime.now(UTC)
    values = {"panels": panels_text(clean), "pin": pin, "updated_by": by.name, "updated_at": at}
    with engine.begin() as conn:
        old = conn.execute(select(col(DisplayScreen.panels), col(DisplayScreen.pin)).where(col(DisplayScreen.name) == name)).first()
        if old is not None and create:
            raise ScreenError("exists", name=name)
        if old is None:
            conn.execute(insert(DisplayScreen).values(name=name, **values))
        else:
            conn.execute(update(DisplayScreen).where(col(DisplayScreen.name) == name).values(**values))
        audit.record(conn, user=by.name, action="screen_save", table="display_screen", key=name, via=by.via,
                     old=None if old is None else {"panels": old.panels, "pin": old.pin},
                     new={"panels": values["panels"], "pin": pin})
    return SavedScreen(name, clean, pin, by.name, at)


def delete_screen(engine: Engine, *, name: str, by: Actor) -> None:
    """Delete the named screen; admins only. Wall screens that name it fall back at their next tick."""
    require(by, "admin")
    with engine.begin() as conn:
        old = conn.execute(select(col(DisplayScreen.panels), col(DisplayScreen.pin)).where(col(DisplayScreen.name) == name)).first()
        if old is None:
            raise ScreenError("unknown", name=name)
        conn.execute(delete(DisplayScreen).where(col(DisplayScreen.name) == name))
        audit.record(conn, user=by.name, action="screen_delete", table="display_screen", key=name, via=by.via,
                     old={"panels": old.panels, "pin": old.pin})


def get_screen(engine: Engine, *, name: str) -> SavedScreen | None:
    """The saved screen of that name, or None (anyone may read a screen: a kiosk link has no account)."""
    if not name or len(name) > 40:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(col(DisplayScreen.name), col(DisplayScreen.panels), col(DisplayScreen.pin), col(DisplayScreen.updated_by),
                                  col(DisplayScreen.updated_at)).where(col(DisplayScreen.name) == name)).first()
    if row is None:
        return None
    return SavedScreen(row.name, parse_panels(row.panels), row.pin, row.updated_by, row.updated_at)


def list_screens(engine: Engine) -> pd.DataFrame:
    """Every saved screen by name: name, panels (the link text), pin, updated_by, updated_at."""
    columns = [col(DisplayScreen.name), col(DisplayScreen.panels), col(DisplayScreen.pin), col(DisplayScreen.updated_by),
               col(DisplayScreen.updated_at)]
    with engine.connect() as conn:
        result = conn.execute(select(*columns).order_by(col(DisplayScreen.name)))
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _link_names_a_layout(params: Mapping[str, str]) -> bool:
    """The link itself says which panels: a known `pin`, or at least one known panel in `panels`."""
    if str(params.get("pin", "")).strip() in PANELS:
        return True
    return any(item.strip().partition(":")[0] in PANELS for item in str(params.get("panels", "")).split(","))


def plan_for(params: Mapping[str, str], saved: SavedScreen | None, *, default_seconds: int) -> ScreenPlan:
    """What a wall screen shows: the link's own `panels=` / `pin=` when it names any panel, else the saved screen
    it names (`screen=`), else every panel at the default interval."""
    if saved is not None and not _link_names_a_layout(params):
        return screen_plan(saved.params(), default_seconds=default_seconds)
    return screen_plan(dict(params), default_seconds=default_seconds)
