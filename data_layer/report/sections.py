"""The pack's sections: one list, in order, shared by the PDF (`pdf.py`) and the PPTX (`slides.py`), so both
formats hold the same sections for the same choice. A pack prints the chosen ones in this order, numbered by
their position (一、二、… or 1. 2. …)."""

from __future__ import annotations

SECTIONS = ("commentary", "kpis", "targets", "drivers", "trends", "ranking", "sentiment", "building_alerts", "demands",
            "completeness", "notes")
# A section's second heading (a further slide or sub-heading) -> the section it belongs to.
PARTS = {"target_chart": "targets", "definitions": "notes"}
_ZH_NUMERALS = "一二三四五六七八九十"


def parse(text: str | None) -> tuple[str, ...]:
    """"kpis,targets" -> the known codes in the canonical order; None or "" or "all" -> every section."""
    if not text or text == "all":
        return SECTIONS
    asked = {part.strip() for part in text.split(",") if part.strip()}
    unknown = asked - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    return tuple(code for code in SECTIONS if code in asked)


def numbered(chosen: tuple[str, ...], code: str, title: str, lang: str) -> str:
    """`title` with its section's number among the chosen sections."""
    section = PARTS.get(code, code)
    index = chosen.index(section) if section in chosen else 0
    if lang == "zh":
        return f"{_zh_numeral(index + 1)}、{title}"
    return f"{index + 1}. {title}"


def _zh_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 23 → 二十三 (a pack has at most a few dozen sections)."""
    tens, ones = divmod(number, 10)
    if tens == 0:
        return _ZH_NUMERALS[ones - 1]
    head = "" if tens == 1 else _ZH_NUMERALS[tens - 1]
    return head + "十" + (_ZH_NUMERALS[ones - 1] if ones else "")
