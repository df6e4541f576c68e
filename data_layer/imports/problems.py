"""What an import reports: problems (which reject the file) and notes (which do not), each located by file, sheet,
row and column, and worded in the UI language at display time (the codes and parameters are language-free)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

import pandas as pd

from data_layer.i18n import translate

# Beyond this many problems a file is clearly wrong as a whole; listing more only slows the page down.
MAX_LISTED = 500


@dataclass(frozen=True)
class Problem:
    """One finding. `row` is the row number a spreadsheet shows (1-based), `column` the header as written in the
    file and `letter` its column letter; both empty when the finding is about the whole file or sheet."""

    code: str
    file: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    letter: str = ""
    params: tuple[tuple[str, object], ...] = ()
    severity: str = "error"  # error | note

    def message(self, lang: str) -> str:
        values = _Blank({k: _localise(v, lang) for k, v in self.params})
        return translate(f"imports.problem.{self.code}", lang).format_map(values)

    def where(self, lang: str) -> str:
        """'文件 · 工作表 · 第5行 · E列「入驻率」' in the UI language."""
        parts = [self.file]
        if self.sheet:
            parts.append(translate("imports.where.sheet", lang, sheet=self.sheet))
        if self.row is not None:
            parts.append(translate("imports.where.row", lang, row=self.row))
        if self.column and self.letter:
            parts.append(translate("imports.where.column", lang, letter=self.letter, column=self.column))
        elif self.column:  # a file without column letters (a GeoJSON feature's property or geometry)
            parts.append(translate("imports.where.field", lang, column=self.column))
        elif self.letter:  # a cell under no header (e.g. right of the table)
            parts.append(translate("imports.where.letter", lang, letter=self.letter))
        return " · ".join(parts)

    def line(self, lang: str) -> str:
        return f"{self.where(lang)}: {self.message(lang)}"


@dataclass(frozen=True)
class Bilingual:
    """A parameter that reads differently per language (e.g. a list of allowed values)."""

    zh: str
    en: str


class _Blank(dict):
    """Fill a message's unknown placeholders with nothing rather than fail while showing a problem."""

    def __missing__(self, key: str) -> str:
        return ""


def _localise(value: object, lang: str) -> object:
    if isinstance(value, Bilingual):
        return value.zh if lang == "zh" else value.en
    return value


class Location(TypedDict):
    """Where a problem is: the keyword arguments `Findings.error` and `note` take (from `Rows.locate`)."""

    sheet: str
    row: int | None
    column: str
    letter: str


@dataclass
class Findings:
    """Problems and notes collected while reading and checking one file, capped at MAX_LISTED problems."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    unlisted: int = 0

    def error(self, code: str, *, sheet: str = "", row: int | None = None, column: str = "", letter: str = "",
              **params: object) -> None:
        if len(self.problems) >= MAX_LISTED:
            self.unlisted += 1
            return
        self.problems.append(Problem(code, self.file, sheet, row, column, letter, tuple(params.items())))

    def note(self, code: str, *, sheet: str = "", row: int | None = None, column: str = "", letter: str = "",
             **params: object) -> None:
        self.notes.append(Problem(code, self.file, sheet, row, column, letter, tuple(params.items()), "note"))

    @property
    def ok(self) -> bool:
        return not self.problems and not self.unlisted

    @property
    def error_count(self) -> int:
        return len(self.problems) + self.unlisted

    def full(self) -> bool:
        return len(self.problems) >= MAX_LISTED


def frame(items: Iterable[Problem], lang: str) -> pd.DataFrame:
    """A table for the page: file, sheet, row, column, message (the text as plain strings, never markup)."""
    ordered = sorted(items, key=lambda p: (p.file, p.sheet, p.row or 0, p.letter))  # in the order of the file
    rows = [{"file": p.file, "sheet": p.sheet, "row": p.row, "column": f"{p.letter} {p.column}".strip(),
             "message": p.message(lang)} for p in ordered]
    out = pd.DataFrame(rows, columns=["file", "sheet", "row", "column", "message"])
    out["row"] = out["row"].astype("Int64")
    return out


def row_ranges(rows: Iterable[int]) -> str:
    """[3, 4, 5, 9] -> '3-5, 9' (for notes about skipped rows)."""
    ordered = sorted(set(rows))
    spans: list[str] = []
    start = prev = None
    for r in ordered:
        if start is None:
            start = prev = r
        elif r == prev + 1:  # type: ignore[operator]
            prev = r
        else:
            spans.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = r
    if start is not None:
        spans.append(f"{start}" if start == prev else f"{start}-{prev}")
    if len(spans) > 12:
        return ", ".join(spans[:12]) + ", …"
    return ", ".join(spans)
