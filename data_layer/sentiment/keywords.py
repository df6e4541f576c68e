"""Terms for the keyword charts: what negative comments talk about (nouns and two-noun phrases of 2-4
characters), not how they feel about it, nor the domain's filler nouns (lexicon/keyword_stopwords.txt)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from jieba import posseg

from data_layer.sentiment.lexicon import LEXICON_DIR, load
from data_layer.sentiment.text import normalize, tokenizer

# Numbers, times and durations (八点半, 一周), single Latin letters, punctuation, negated verbs (不到, 没人), and a
# degree word with an adjective that jieba tagged as a noun (太小, 太远: a feeling, not a topic).
_NOT_A_TERM = re.compile(r"^[\d.%％]+$|^[a-z]$|^[^\w]+$|^[\d一二两三四五六七八九十百千几半好]+[个多]?"
                         r"(?:点半?|分钟?|小时|天|日|周|星期|礼拜|月|年|次|趟|遍|层|楼|号|家|人|块|元)?$|^[不没别未]|^太.$")
_NOUN_TAGS = ("n", "vn")  # nouns of every kind (n, nr, ns, nt, nz …) and verbal nouns (融资, 管理)
MIN_LENGTH, MAX_LENGTH = 2, 4  # a slide's keyword: 电梯, 停车收费; longer runs are sentences, not keywords


@lru_cache(maxsize=1)
def domain_stopwords() -> frozenset[str]:
    text = (LEXICON_DIR / "keyword_stopwords.txt").read_text(encoding="utf-8")
    return frozenset(line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip())


@lru_cache(maxsize=1)
def _excluded() -> frozenset[str]:
    """Stop words and domain stop words, plus the lexicon's evaluative, negation, degree and cue words."""
    lex = load()
    words = set(lex.stopwords) | set(domain_stopwords()) | set(lex.positive) | set(lex.negative) | set(lex.negators) | set(lex.not_negators)
    words |= set(lex.degree_pre) | set(lex.degree_post) | set(lex.scalar_up) | set(lex.scalar_down)
    for section in lex.cues.values():
        words |= {w.lstrip("^") for w in section}
    return frozenset(words)


@lru_cache(maxsize=1)
def _tagger() -> posseg.POSTokenizer:
    return posseg.POSTokenizer(tokenizer())


def terms(text: str) -> list[str]:
    """Meaningful terms of one comment: nouns of 2-4 characters that are not stop words, two such nouns side by
    side joined into one phrase when it stays within 4 characters (电梯 + 维修 → 电梯维修)."""
    excluded = _excluded()
    found: list[str] = []
    joinable = False  # the previous token was a term that the next may extend
    for pair in _tagger().lcut(normalize(text), HMM=False):
        word = pair.word
        if not (pair.flag.startswith(_NOUN_TAGS) and len(word) >= MIN_LENGTH and word not in excluded
                and not _NOT_A_TERM.match(word)):
            joinable = False
            continue
        if joinable and len(found[-1]) + len(word) <= MAX_LENGTH:
            found[-1] += word
            joinable = False
        elif len(word) <= MAX_LENGTH:
            found.append(word)
            joinable = True
        else:
            joinable = False
    return found


def top_terms(texts: Iterable[str], top: int, min_count: int = 1) -> list[tuple[str, int]]:
    """The `top` terms by the number of comments that mention them (a comment counts a term once), leaving out
    terms fewer than `min_count` comments mention."""
    per_text = Counter(texts)  # identical comments are segmented once
    counts: Counter[str] = Counter()
    for text, times in per_text.items():
        for term in set(terms(text)):
            counts[term] += times
    return [(term, n) for term, n in counts.most_common(top) if n >= min_count]
