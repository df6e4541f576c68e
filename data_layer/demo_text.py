"""Deterministic Chinese demo texts for business-environment observation points.

Observation points (营商环境观测点) are office buildings whose tenant enterprises
leave short feedback comments and raise demands (诉求). This module composes
such texts from phrase banks so that a seeded ``random.Random`` yields a large,
varied and natural-sounding corpus:

* :func:`feedback_text` - one comment for a service dimension and an intended
  sentiment (``"positive"``, ``"neutral"`` or ``"negative"``).
* :func:`demand_text` - one demand description for a demand category.

Only the passed ``rng`` is used (``choice``, ``random`` and ``randint``), so the
output depends on nothing but the generator state. The phrase data (topics,
slots, sentence frames, demand items, the traditional-character map) lives in
``assets/demo/phrases.json``, read once at import; this module holds the codes,
the display names and the code that composes texts from that data.

Template mini-language used in the phrase data:

* ``{name}`` - replaced by a random entry of the slot ``name`` (entries may
  contain further placeholders, which are expanded recursively).
* ``{n:3-8}`` - a random integer in Arabic digits, e.g. ``5``.
* ``{c:2-5}`` - a random integer in Chinese numerals, e.g. ``三`` (2 -> ``两``).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any, NamedTuple

# ---------------------------------------------------------------------------
# Public codes and display names
# ---------------------------------------------------------------------------

DIMENSIONS: tuple[str, ...] = (
    "gov_service",
    "enterprise_service",
    "operations",
    "talent",
    "transport",
    "daily_life",
)

DIMENSION_NAMES_ZH: dict[str, str] = {
    "gov_service": "政务服务",
    "enterprise_service": "企业服务",
    "operations": "载体运营",
    "talent": "人才服务",
    "transport": "交通配套",
    "daily_life": "生活配套",
    "other": "其他",
}

SENTIMENTS: tuple[str, ...] = ("positive", "neutral", "negative")

DEMAND_CATEGORIES: tuple[str, ...] = (
    "policy",
    "financing",
    "facilities",
    "talent_housing",
    "schooling",
    "parking",
    "permits",
    "network",
    "commute",
    "recruitment",
    "expansion",
)

DEMAND_CATEGORY_NAMES_ZH: dict[str, str] = {
    "policy": "政策咨询",
    "financing": "融资需求",
    "facilities": "设施维修",
    "talent_housing": "人才住房",
    "schooling": "子女入学",
    "parking": "停车需求",
    "permits": "证照审批",
    "network": "网络通信",
    "commute": "通勤交通",
    "recruitment": "招聘用工",
    "expansion": "扩租选址",
}

# Share of texts rendered in traditional characters (HK/TW-invested firms).
TRADITIONAL_SHARE: float = 0.03


# ---------------------------------------------------------------------------
# Phrase bank types
# ---------------------------------------------------------------------------


class Topic(NamedTuple):
    """One subject a comment can be about, with topic-specific phrases."""

    names: tuple[str, ...]  # ways to name the subject; first is canonical
    pos: tuple[str, ...]  # concrete positive specifics (self-contained clauses)
    neg: tuple[str, ...]  # concrete negative specifics
    ask: tuple[str, ...]  # verb phrases usable after 希望 / 建议 / 能否
    fact: tuple[str, ...]  # plain neutral statements
    pos_evals: tuple[str, ...] = ()  # praise clauses with {t}; replace the dimension's
    neg_evals: tuple[str, ...] = ()  # complaint clauses with {t}; replace the dimension's
    generic: bool = True  # whether the shared evaluation clauses fit this topic
    actors: tuple[str, ...] = ()  # who is thanked/blamed; replaces the dimension's


class DimensionBank(NamedTuple):
    """All phrase data for one service dimension."""

    topics: tuple[Topic, ...]
    actors: tuple[str, ...]  # who gets thanked or blamed
    promises: tuple[str, ...]  # slogans used ironically in sarcasm
    pos_evals: tuple[str, ...]  # dimension-specific praise clauses with {t}
    neg_evals: tuple[str, ...]  # dimension-specific complaint clauses with {t}
    soft_pos: tuple[str, ...]  # mild praise placed before a negative turn
    soft_neg: tuple[str, ...]  # mild complaint placed before a positive turn
    questions: tuple[str, ...]  # neutral questions (without question mark)
    compares: tuple[str, ...]  # favourable comparisons with a previous situation


# ---------------------------------------------------------------------------
# Phrase data (assets/demo/phrases.json)
# ---------------------------------------------------------------------------

PHRASES_FILE = Path(__file__).resolve().parent.parent / "assets" / "demo" / "phrases.json"
_DATA: dict = json.loads(PHRASES_FILE.read_text(encoding="utf-8"))


def _strings(values: list[str]) -> tuple[str, ...]:
    return tuple(values)


def _frames(rows: list[list]) -> tuple[tuple[float, str], ...]:
    """[[weight, frame], ...] -> ((weight, frame), ...), weights as written (the draw sums them)."""
    return tuple((weight, frame) for weight, frame in rows)


def _topic(entry: dict) -> Topic:
    """A topic as written (fields left out keep Topic's defaults); lists become tuples."""
    fields: dict[str, Any] = {key: value if isinstance(value, bool) else tuple(value) for key, value in entry.items()}
    return Topic(**fields)


def _bank(entry: dict) -> DimensionBank:
    fields = {key: tuple(value) for key, value in entry.items() if key != "topics"}
    return DimensionBank(topics=tuple(_topic(t) for t in entry["topics"]), **fields)


_FEEDBACK: dict = _DATA["feedback"]
_BANKS: dict[str, DimensionBank] = {code: _bank(entry) for code, entry in _FEEDBACK["dimensions"].items()}
_SHARED: dict[str, tuple[str, ...]] = {name: _strings(v) for name, v in _FEEDBACK["shared_slots"].items()}
_SHORT_POS, _SHORT_NEG, _SHORT_NEU = (_strings(_FEEDBACK["short"][s]) for s in ("positive", "negative", "neutral"))
_SARCASM: tuple[str, ...] = _strings(_FEEDBACK["sarcasm"])  # complaint frames; {d} = a negative specific
_POS_FRAMES, _NEG_FRAMES, _NEU_FRAMES = (_frames(_FEEDBACK["frames"][s]) for s in ("positive", "negative", "neutral"))
# Short evaluative tails attached directly to {t} inside some frames.
_POS_TAIL, _NEG_TAIL = (_strings(_FEEDBACK["tails"][s]) for s in ("positive", "negative"))

# Simplified -> traditional: a character map (only characters listed) and words whose characters map differently
# than the per-character default (applied before the character map).
_TRAD_PAIRS: str = " ".join(_DATA["traditional"]["pairs"])
_TRAD_WORDS: tuple[tuple[str, str], ...] = tuple((s, t) for s, t in _DATA["traditional"]["words"])


def _build_trad_map(pairs: str) -> dict[str, str]:
    """Parse 'sT sT ...' pairs into a simplified->traditional mapping."""
    mapping: dict[str, str] = {}
    for pair in pairs.split():
        if len(pair) != 2 or pair[0] == pair[1] or pair[0] in mapping:
            raise ValueError(f"bad simplified/traditional pair: {pair!r}")
        mapping[pair[0]] = pair[1]
    return mapping


_TRAD_MAP: dict[str, str] = _build_trad_map(_TRAD_PAIRS)
_TRAD_TABLE = str.maketrans(_TRAD_MAP)


def to_traditional(text: str) -> str:
    """Convert the words and characters covered by the built-in maps to traditional form."""
    for simplified, traditional in _TRAD_WORDS:
        text = text.replace(simplified, traditional)
    return text.translate(_TRAD_TABLE)


# ---------------------------------------------------------------------------
# Template expansion
# ---------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\d+)-(\d+))?\}")
_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(value: int) -> str:
    """Render 1..99 in Chinese numerals as used in casual text (2 -> 两); larger values stay digits."""
    if value == 2:
        return "两"
    if value < 10:
        return _CN_DIGITS[value]
    if value < 20:
        return "十" + (_CN_DIGITS[value - 10] if value > 10 else "")
    if value < 100:
        tens, ones = divmod(value, 10)
        return _CN_DIGITS[tens] + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(value)


def _expand(rng: random.Random, template: str, slots: dict[str, tuple[str, ...]]) -> str:
    """Fill every placeholder of ``template`` left to right, recursively."""

    def replace(match: re.Match[str]) -> str:
        name, low, high = match.group(1), match.group(2), match.group(3)
        if low is not None and high is not None:
            value = rng.randint(int(low), int(high))
            return _cn_number(value) if name == "c" else str(value)
        options = slots.get(name)
        if not options:
            raise KeyError(f"unknown template slot: {name}")
        return _expand(rng, rng.choice(options), slots)

    return _PLACEHOLDER.sub(replace, template)


def _pick_two(rng: random.Random, options: tuple[str, ...]) -> tuple[str, str]:
    """Pick two different entries (or the same one twice if only one exists)."""
    first = rng.randint(0, len(options) - 1)
    if len(options) == 1:
        return options[0], options[0]
    second = (first + rng.randint(1, len(options) - 1)) % len(options)
    return options[first], options[second]


def _weighted(rng: random.Random, table: tuple[tuple[float, str], ...]) -> str:
    """Choose a key from (weight, key) pairs using one ``rng.random`` draw."""
    total = sum(weight for weight, _ in table)
    point = rng.random() * total
    for weight, key in table:
        point -= weight
        if point < 0:
            return key
    return table[-1][1]


def _slots_for(rng: random.Random, bank: DimensionBank, topic: Topic) -> dict[str, tuple[str, ...]]:
    """Build the slot table for one text: shared banks plus dimension/topic data."""
    slots = dict(_SHARED)
    slots["t"] = (rng.choice(topic.names),)
    slots["actor"] = topic.actors or bank.actors
    slots["promise"] = bank.promises
    pos_evals = topic.pos_evals or bank.pos_evals
    neg_evals = topic.neg_evals or bank.neg_evals
    if topic.generic:
        pos_evals = _SHARED["pos_clause"] + pos_evals
        neg_evals = _SHARED["neg_clause"] + neg_evals
    slots["pos_clause"] = pos_evals
    slots["neg_clause"] = neg_evals
    slots["pos"] = topic.pos
    slots["neg"] = topic.neg
    slots["ask"] = topic.ask
    slots["fact"] = topic.fact
    slots["soft_pos"] = bank.soft_pos
    slots["soft_neg"] = bank.soft_neg
    slots["question"] = bank.questions
    slots["compare"] = bank.compares
    return slots


def _render_frame(
    rng: random.Random, frame: str, slots: dict[str, tuple[str, ...]], sentiment: str
) -> str:
    """Expand one frame, resolving the special SHORT/SARCASM frames first."""
    if frame == "SHORT":
        short = {"positive": _SHORT_POS, "negative": _SHORT_NEG}.get(sentiment, _SHORT_NEU)
        return rng.choice(short)
    if frame == "SARCASM":
        frame = rng.choice(_SARCASM)
    local = dict(slots)
    if "{pos2}" in frame:
        first, second = _pick_two(rng, slots["pos"])
        local["pos"], local["pos2"] = (first,), (second,)
    if "{neg2}" in frame:
        first, second = _pick_two(rng, slots["neg"])
        local["neg"], local["neg2"] = (first,), (second,)
    if frame in _SARCASM:
        local["d"] = slots["neg"]
    local["pos_tail"] = _POS_TAIL
    local["neg_tail"] = _NEG_TAIL
    return _expand(rng, frame, local)


# ---------------------------------------------------------------------------
# Surface noise (punctuation habits, traditional characters)
# ---------------------------------------------------------------------------


def _finish(rng: random.Random, text: str, sentiment: str) -> str:
    """Apply light, realistic surface variation to a composed text."""
    roll = rng.random()
    if text.endswith("。"):
        if roll < 0.10:
            text = text[:-1]  # many people skip the final full stop
        elif roll < 0.17 and sentiment != "neutral":
            text = text[:-1] + "！"
        elif roll < 0.19 and sentiment == "negative":
            text = text[:-1] + "。。。"
        elif roll < 0.21 and sentiment == "positive":
            text = text[:-1] + "~"
    if rng.random() < 0.03 and "，" in text:
        text = text.replace("，", " ", 1)  # mobile typing with a space
    if rng.random() < TRADITIONAL_SHARE:
        text = to_traditional(text)
    return text


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def feedback_text(rng: random.Random, dimension: str, sentiment: str) -> str:
    """One comment for a dimension code and intended sentiment ('positive'|'neutral'|'negative')."""
    bank = _BANKS.get(dimension)
    if bank is None:
        raise ValueError(f"unknown dimension: {dimension!r}")
    frames = {"positive": _POS_FRAMES, "neutral": _NEU_FRAMES, "negative": _NEG_FRAMES}.get(sentiment)
    if frames is None:
        raise ValueError(f"unknown sentiment: {sentiment!r}")
    topic = rng.choice(bank.topics)
    slots = _slots_for(rng, bank, topic)
    frame = _weighted(rng, frames)
    text = _render_frame(rng, frame, slots, sentiment)
    return _finish(rng, text, sentiment)


# ---------------------------------------------------------------------------
# Demands (诉求)
# ---------------------------------------------------------------------------


class DemandItem(NamedTuple):
    """One concrete request together with the reasons that fit it."""

    action: str  # verb phrase usable after 希望 / 能否 / 恳请
    reasons: tuple[str, ...]  # why the enterprise needs exactly this


class DemandBank(NamedTuple):
    """Phrase data for one demand category."""

    items: tuple[DemandItem, ...]
    reasons: tuple[str, ...]  # reasons that fit every item of the category



_DEMAND_DATA: dict = _DATA["demands"]
_DEMANDS: dict[str, DemandBank] = {
    code: DemandBank(items=tuple(DemandItem(i["action"], tuple(i["reasons"])) for i in entry["items"]),
                     reasons=tuple(entry["reasons"]))
    for code, entry in _DEMAND_DATA["categories"].items()
}
_DEMAND_SHARED: dict[str, tuple[str, ...]] = {
    "ind": _SHARED["ind"], **{name: _strings(v) for name, v in _DEMAND_DATA["shared_slots"].items()}}
_DEMAND_FRAMES: tuple[tuple[float, str], ...] = _frames(_DEMAND_DATA["frames"])




def demand_text(rng: random.Random, category: str) -> str:
    """One demand (诉求) description for a category code, e.g. '希望协调地铁口到楼宇的接驳公交，早高峰排队太久。'"""
    bank = _DEMANDS.get(category)
    if bank is None:
        raise ValueError(f"unknown demand category: {category!r}")
    item = rng.choice(bank.items)
    # Mostly item-specific reasons; sometimes a category-wide one.
    pool = item.reasons + bank.reasons if rng.random() < 0.3 else item.reasons
    first, second = _pick_two(rng, pool)
    slots = dict(_DEMAND_SHARED)
    slots["action"] = (item.action,)
    slots["reason"], slots["reason2"] = (first,), (second,)
    text = _expand(rng, _weighted(rng, _DEMAND_FRAMES), slots)
    if rng.random() < TRADITIONAL_SHARE:
        text = to_traditional(text)
    return text


# ---------------------------------------------------------------------------
# Self-check
# ---------------------------------------------------------------------------


def _self_check() -> None:
    """Draw a sample corpus, report variety and print samples for reading."""
    rng = random.Random(7)
    drawn: list[tuple[str, str, str]] = []
    for _ in range(3000):
        dimension = rng.choice(DIMENSIONS)
        sentiment = rng.choice(SENTIMENTS)
        drawn.append((dimension, sentiment, feedback_text(rng, dimension, sentiment)))
    texts = [text for _, _, text in drawn]
    unique = len(dict.fromkeys(texts))
    lengths = sorted(len(text) for text in texts)
    short = sum(1 for n in lengths if n < 10)
    mid = sum(1 for n in lengths if 10 <= n <= 45)
    long = sum(1 for n in lengths if n > 45)
    print(f"unique feedback texts: {unique} / {len(texts)}")
    print(f"length <10: {short}, 10-45: {mid}, >45: {long}, max: {lengths[-1]}")
    print("--- 30 feedback samples ---")
    for dimension, sentiment, text in drawn[:30]:
        print(f"[{DIMENSION_NAMES_ZH[dimension]}|{sentiment}] {text}")
    print("--- 50 demand samples ---")
    for _ in range(50):
        category = rng.choice(DEMAND_CATEGORIES)
        print(f"[{DEMAND_CATEGORY_NAMES_ZH[category]}] {demand_text(rng, category)}")


if __name__ == "__main__":
    _self_check()
