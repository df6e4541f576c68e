"""The zh/en string table (assets/translations.json) and its lookup. Pure: the UI passes the language in."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh", "en")
TABLE_PATH = Path(__file__).resolve().parent.parent / "assets" / "translations.json"


@lru_cache(maxsize=1)
def table() -> dict[str, dict[str, str]]:
    return json.loads(TABLE_PATH.read_text(encoding="utf-8"))


def translate(key: str, lang: str, **values: object) -> str:
    """The text for `key` in `lang` (Chinese when the language is unknown), with {placeholders} filled."""
    entry = table()[key]
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text
