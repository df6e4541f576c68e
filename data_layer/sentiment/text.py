"""Text preparation: width and script normalisation, clauses, and the jieba segmenter with the lexicon's words.

Traditional characters are mapped to simplified ones character by character with OpenCC's table (shipped inside
the `opencc-python-reimplemented` package): phrase-level conversion is 100× slower and changes nothing the
lexicon looks at.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import jieba

from data_layer.sentiment.lexicon import load

# Clause boundaries: sentence and clause punctuation, line breaks, runs of spaces. A full stop between digits
# (10.5%) is not a boundary.
_CLAUSE_SPLIT = re.compile(r"(?<!\d)[.](?!\d)|[，,。！!？?；;～~…\n\r\t]+|\s{1,}")
_QUESTION_END = re.compile(r"[？?]")
_SENTENCE_END = re.compile(r"[。.！!？?；;\n]")
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    import opencc  # the package is only a data source here: its character table

    path = Path(opencc.__file__).resolve().parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1:
            table[ord(parts[0])] = parts[1]
    return table


def normalize(text: str) -> str:
    """Full-width forms to ASCII (NFKC), traditional to simplified characters, lower case, trimmed."""
    text = unicodedata.normalize("NFKC", text or "")
    return text.translate(_t2s_table()).lower().strip()


def clauses(text: str) -> list[tuple[str, bool, bool]]:
    """Split normalised text into (clause, ends_with_question_mark, ends_a_sentence), dropping empty pieces."""
    pieces: list[tuple[str, bool, bool]] = []
    position = 0
    for match in _CLAUSE_SPLIT.finditer(text):
        piece = text[position:match.start()].strip()
        if piece:
            mark = match.group()
            pieces.append((piece, bool(_QUESTION_END.search(mark)), bool(_SENTENCE_END.search(mark))))
        position = match.end()
    tail = text[position:].strip()
    if tail:
        pieces.append((tail, False, True))
    return pieces


@lru_cache(maxsize=1)
def tokenizer() -> jieba.Tokenizer:
    """A jieba tokenizer of our own (the global one is left alone) that keeps lexicon entries whole.

    jieba ships its dictionary; the first use builds a prefix cache in the temp folder (about 1 s), later
    processes load it (about 0.5 s). Nothing is downloaded."""
    jieba.setLogLevel(logging.WARNING)
    with _lock:
        instance = jieba.Tokenizer()
        instance.initialize()
        for word in sorted(load().all_words()):
            instance.add_word(word, freq=max(2000, instance.suggest_freq(word, tune=False) + 1))
    return instance


def tokens(clause: str) -> list[str]:
    return [t for t in tokenizer().lcut(clause, HMM=True) if t.strip()]
