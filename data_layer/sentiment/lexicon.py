"""The shipped lexicon (data_layer/sentiment/lexicon/*.txt), loaded once per process into plain dicts and sets."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"


def _lines(name: str) -> list[str]:
    text = (LEXICON_DIR / name).read_text(encoding="utf-8")
    return [line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
            for line in text.splitlines()]


def _weighted(lines: list[str], source: str, default: float = 1.0) -> dict[str, float]:
    """`word weight` lines into a dict; a word listed twice in one file is an error (it would hide a typo)."""
    table: dict[str, float] = {}
    for line in lines:
        if not line:
            continue
        parts = line.split()
        word = parts[0].lower()
        if word in table:
            raise ValueError(f"{source}: {word!r} is listed twice")
        table[word] = float(parts[1]) if len(parts) > 1 else default
    return table


def _sections(name: str) -> dict[str, dict[str, float]]:
    """A file of `[section]` blocks, each a weighted word list."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in _lines(name):
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif line:
            if current is None:
                raise ValueError(f"{name}: entry {line!r} before any [section]")
            current.append(line)
    return {section: _weighted(lines, f"{name}[{section}]") for section, lines in sections.items()}


@dataclass(frozen=True, eq=False)  # hashed by identity: one instance per process
class Lexicon:
    positive: dict[str, float]
    negative: dict[str, float]
    expect: dict[str, float]
    negators: frozenset[str]
    not_negators: frozenset[str]
    degree_pre: dict[str, float]
    degree_post: dict[str, float]
    cues: dict[str, dict[str, float]]
    aspect_of: dict[str, str]  # noun -> cost | benefit | crowd | burden | hours
    scalar_up: dict[str, float]  # word -> polarity when no aspect is in sight
    scalar_down: dict[str, float]
    excess: frozenset[str]
    dimensions: dict[str, dict[str, float]]
    stopwords: frozenset[str]

    def polar(self, word: str) -> float | None:
        """Signed weight of an evaluative word, or None."""
        if word in self.positive:
            return self.positive[word]
        if word in self.negative:
            return -self.negative[word]
        return None

    def all_words(self) -> set[str]:
        """Every multi-character entry, for the segmenter's dictionary (so entries stay whole tokens)."""
        words: set[str] = set()
        words |= set(self.positive) | set(self.negative) | set(self.expect) | set(self.negators)
        words |= set(self.not_negators) | set(self.degree_pre) | set(self.degree_post)
        for section in self.cues.values():
            words |= {w.lstrip("^") for w in section}
        words |= set(self.aspect_of) | set(self.scalar_up) | set(self.scalar_down)
        for section in self.dimensions.values():
            words |= set(section)
        return {w for w in words if len(w) > 1 and not w.isascii()}


@lru_cache(maxsize=1)
def load() -> Lexicon:
    negation = _sections("negation.txt")
    degree = _sections("degree.txt")
    aspects = _sections("aspects.txt")
    aspect_of = {word: kind for kind in ("cost", "benefit", "crowd", "burden", "hours") for word in aspects[kind]}
    return Lexicon(
        positive=_weighted(_lines("positive.txt"), "positive.txt"),
        negative=_weighted(_lines("negative.txt"), "negative.txt"),
        expect=_weighted(_lines("expect.txt"), "expect.txt"),
        negators=frozenset(negation["negator"]),
        not_negators=frozenset(negation["not_negator"]),
        degree_pre=degree["pre"],
        degree_post=degree["post"],
        cues=_sections("cues.txt"),
        aspect_of=aspect_of,
        scalar_up=aspects["up"],
        scalar_down=aspects["down"],
        excess=frozenset(aspects["excess"]),
        dimensions=_sections("dimensions.txt"),
        stopwords=frozenset(w for w in _lines("stopwords.txt") if w),
    )
