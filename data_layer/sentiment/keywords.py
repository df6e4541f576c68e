"""Terms for the keyword charts: what negative comments talk about (nouns), not how they feel about it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from jieba import posseg

from data_layer.sentiment.lexicon import load
from data_layer.sentiment.text import normalize, tokenizer

# Numbers, times and durations (八点半, 一周), single Latin letters, punctuation, negated verbs (不到, 没人).
_NOT_A_TERM = re.compile(r"^[\d.%％]+$|^[a-z]$|^[^\w]+$|^[\d一二两三四五六七八九十百千几半好]+[个多]?"
                         r"(?:点半?|分钟?|小时|天|日|周|星期|礼拜|月|年|次|趟|遍|层|楼|号|家|人|块|元)?$|^[不没别未]")
_NOUN_TAGS = ("n", "vn")  # nouns of every kind (n, nr, ns, nt, nz …) and verbal nouns (融资, 管理)


@lru_cache(maxsize=1)
def _excluded() -> frozenset[str]:
    """Stop words, plus the lexicon's evaluative, negation, degree and cue words."""
    lex = load()
    words = set(lex.stopwords) | set(lex.positive) | set(lex.negative) | set(lex.negators) | set(lex.not_negators)
    words |= set(lex.degree_pre) | set(lex.degree_post) | set(lex.scalar_up) | set(lex.scalar_down)
    for section in lex.cues.values():
        words |= {w.lstrip("^") for w in section}
    return frozenset(words)


@lru_cache(maxsize=1)
def _tagger() -> posseg.POSTokenizer:
    return posseg.POSTokenizer(tokenizer())


def terms(text: str) -> list[str]:
    """Meaningful terms of one comment: nouns of two or more characters that are not stop words."""
    excluded = _excluded()
    return [pair.word for pair in _tagger().lcut(normalize(text), HMM=False)
            if pair.flag.startswith(_NOUN_TAGS) and len(pair.word) >= 2 and pair.word not in excluded
            and not _NOT_A_TERM.match(pair.word)]


def top_terms(texts: Iterable[str], top: int) -> list[tuple[str, int]]:
    """The `top` terms by the number of comments that mention them (a comment counts a term once)."""
    per_text = Counter(texts)  # identical comments are segmented once
    counts: Counter[str] = Counter()
    for text, times in per_text.items():
        for term in set(terms(text)):
            counts[term] += times
    return counts.most_common(top)
