"""Every visible string comes from the translation tables, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from data_layer.i18n import table, translate

REPO = Path(__file__).resolve().parents[2]


def test_every_key_has_chinese_and_english() -> None:
    missing = [key for key, entry in table().items() if not entry.get("zh") or not entry.get("en")]
    assert missing == []


def test_every_literal_key_used_in_the_ui_exists() -> None:
    used: set[str] = set()
    for path in [REPO / "app.py", *(REPO / "app_pages").glob("*.py"), *(REPO / "ui").glob("*.py")]:
        used |= set(re.findall(r"\bt\(\s*\"([a-z0-9_.]+)\"", path.read_text(encoding="utf-8")))
    assert used, "the scan found no t(...) calls"
    assert sorted(used - set(table())) == []


def test_placeholders_are_filled() -> None:
    assert translate("store.newer", "en", revision="0042").count("0042") == 1
    assert translate("page.overview", "xx") == "总览"  # unknown language falls back to Chinese
