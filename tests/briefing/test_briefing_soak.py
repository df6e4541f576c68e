"""The briefing screen's soak under AppTest: the page in this process for 200 rotations, where Python's object
count and Streamlit's caches and session state are read directly and must not grow (moved here from
tests/browser/: it needs no browser). The server's memory over many rotations is measured in a real browser in
tests/browser/test_briefing_browser.py."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer.briefing import PANELS

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]  # ~20 s; CI's PostgreSQL run would repeat it for nothing

REPO = Path(__file__).resolve().parents[2]

SOAK_APPTEST_ROTATIONS = 200
SOAK_BASELINE = 20  # warm-up rotations before anything is measured
SOAK_WINDOW = 40
OBJECT_SLACK = 120  # objects; see the docstring of test_objects_caches_and_session_stay_flat


def _cached_entries_and_bytes() -> tuple[int, int]:
    """Entries and bytes held by every st.cache_data cache in this process (what the server would keep)."""
    from streamlit.runtime.caching import cache_data_api

    stats = [stat for group in cache_data_api._data_caches.get_stats().values() for stat in group]
    return len(stats), sum(stat.byte_length for stat in stats)


def test_objects_caches_and_session_stay_flat(demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page under AppTest (in this process, so its state can be read) for SOAK_APPTEST_ROTATIONS rotations
    (~20 s): after a warm-up of SOAK_BASELINE rotations,

    - Streamlit's data caches hold exactly the same entries and bytes at the end (every key is the data version
      and the month, so nothing new may be cached while the data stand still);
    - session state holds the same keys;
    - the number of objects the garbage collector tracks does not grow by more than OBJECT_SLACK (120) between
      the first and the last SOAK_WINDOW rotations after the warm-up. The count is taken after gc.collect() at
      every rotation of those windows and each window's minimum is compared: Streamlit's own bookkeeping makes a
      sawtooth of about 150-200 objects that is freed every ~30 runs, while the minima stay within ~50 of each
      other. The windows' minima are ~140 rotations apart, so one tracked object kept per rotation (a list, or a
      dict holding one) adds ~140 and fails, as does a DataFrame (dozens of objects) kept every tenth rotation;
      0.5 MB per rotation, the RSS test's resolution, is thousands of times more."""
    monkeypatch.setenv("DATABASE_URL", demo_copy)
    at = AppTest.from_file(str(REPO / "app_pages" / "briefing.py"), default_timeout=60)

    def objects() -> int:
        gc.collect()
        return len(gc.get_objects())

    early: list[int] = []
    late: list[int] = []
    warm: tuple[tuple[int, int], set[str]] | None = None
    for rotation in range(1, SOAK_APPTEST_ROTATIONS + 1):
        at.run()
        assert not at.exception and not at.error
        if rotation == SOAK_BASELINE:
            warm = _cached_entries_and_bytes(), set(at.session_state.to_dict())
        if SOAK_BASELINE < rotation <= SOAK_BASELINE + SOAK_WINDOW:
            early.append(objects())
        elif rotation > SOAK_APPTEST_ROTATIONS - SOAK_WINDOW:
            late.append(objects())
    assert warm is not None
    # it rotated at every run (the key holds the next position, 1..len(PANELS))
    assert at.session_state["briefing_next_panel"] % len(PANELS) == SOAK_APPTEST_ROTATIONS % len(PANELS)
    print(f"\nsoak (AppTest): {SOAK_APPTEST_ROTATIONS} rotations over {len(PANELS)} panels; objects "
          f"{min(early):,} → {min(late):,}; caches {warm[0]} → {_cached_entries_and_bytes()}")
    assert _cached_entries_and_bytes() == warm[0]
    assert set(at.session_state.to_dict()) == warm[1]
    assert min(late) - min(early) <= OBJECT_SLACK, (min(early), min(late))
