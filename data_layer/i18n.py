"""The zh/en string tables (assets/i18n/*.json, one file per area of the app) and their lookup.

Pure: the UI passes the language in. A key defined in two files is an error, so areas cannot shadow each other."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh", "en")
TABLE_DIR = Path(__file__).resolve().parent.parent / "assets" / "i18n"


@lru_cache(maxsize=1)
def table() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(TABLE_DIR.glob("*.json")):
        for key, entry in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"translation key {key!r} is defined twice (again in {path.name})")
            merged[key] = entry
    return merged


def translate(key: str, lang: str, **values: object) -> str:
    """The text for `key` in `lang` (Chinese when the language is unknown), with {placeholders} filled."""
    entry = table()[key]
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text


def localized(column: str, lang: str) -> str:
    """The column of a bilingual pair for the language: `localized("name", "zh")` is "name_zh", any other
    language reads the English one."""
    return f"{column}_zh" if lang == "zh" else f"{column}_en"
