"""Tokenizing and normalizing text, shared by every text metric.

A text's features (lower case, tokens, words, shingles) are computed once per batch and shared
by every metric that reads them: ``features(batch, text)``. Shingles and their Jaccard
similarity have one definition here, used by near-duplicates, repeated dialogue turns and the
instruction copy check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from operator import attrgetter
from re import Match
from typing import Any

from synthgate.batch import Batch

_TOKEN = re.compile(r"\w+|\S")
"""A word (``\\w+``) or one other character but white space: where ``\\w+`` does not match,
``\\S`` is ``[^\\w\\s]``, which Python's ``re`` tests slower."""
_WORD_OF_TOKEN = re.compile(r"(\w+)|\S")
"""``_TOKEN`` with the word captured: ``findall`` gives each token's word, or '' for a token
that is one other character. One pass gives the words (the non-empty ones, kept in C by
``filter``) and the number of tokens, without the tokens themselves."""
_WORD = re.compile(r"\w+")
_OPENING = frozenset("([{\"'“‘«")
_CLOSING = frozenset(")]}\"'”’».,;:!?")
_INFIX = re.compile(r"(?<=[^\W_])([-–—:<>=/])(?=[^\W\d_])")
"""A hyphen, slash or colon between a letter or digit and a letter ("5-time", "CI/CD") is its
own token (spaCy's infix rule); a URL stays whole."""
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)", re.IGNORECASE)
EXCERPT = 160
"""Characters of a text shown in an example."""


def tokenize(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens."""
    return TextFeatures(text).tokens


def document_tokens(text: str) -> list[str]:
    """Word tokens as web-text filters cut them (datatrove's gopher filter uses spaCy's English
    tokenizer): text splits at white space, then opening brackets and quotes come off the front
    of a piece and closing punctuation off its end, one token each, and a hyphen or slash joining
    words is its own token; the rest stays whole, case kept. So a URL, a number ("3.14"), a table row ("|1|6|5|") or a run of punctuation ("----",
    "...") is one token, not dozens of repeated ``/``, ``|`` and ``-``."""
    out: list[str] = []
    for piece in text.split():
        if piece.isalnum():
            out.append(piece)
            continue
        if not any(c.isalnum() for c in piece):
            out.append(piece)
            continue
        start, end = 0, len(piece)
        while piece[start] in _OPENING:
            start += 1
        while piece[end - 1] in _CLOSING:
            end -= 1
        out.extend(piece[:start])
        core = piece[start:end]
        out.extend([core] if _URL.match(core) else _INFIX.split(core))
        out.extend(piece[end:])
    return out


def first_words(text: str, count: int) -> list[str]:
    """The first ``count`` lower-cased word tokens (``TextFeatures(text).words[:count]``), read
    no further than the last one needed: the words are the ``\\w+`` runs of the lower-cased
    text (``TextFeatures.words`` filters them from the tokens; a test checks both agree)."""
    return list(islice(map(Match.group, _WORD.finditer(text.lower())), count))


def normalize(text: str) -> str:
    """Text as compared for exact duplicates: lower case, runs of white space folded."""
    return TextFeatures(text).normalized


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    """The consecutive ``n``-grams of ``tokens``."""
    return list(iter_ngrams(tokens, n))


def iter_ngrams(tokens: list[str], n: int) -> Iterator[tuple[str, ...]]:
    """``ngrams`` one by one, for a consumer that keeps none of the tuples (zip of shifted
    copies: no Python loop)."""
    return zip(*[tokens[i:] for i in range(n)], strict=False)


MAX_SHINGLED_TOKENS = 2000
"""Shingles come from a text's first 2000 tokens (enough to tell two texts apart)."""


def shingles(tokens: list[str]) -> list[str]:
    """The word 3-grams of a text's tokens (its first ``MAX_SHINGLED_TOKENS``), each joined
    by a space; a text of fewer tokens is one shingle. (Three shifted slices zipped: no
    per-shingle Python work but the join.)"""
    if len(tokens) < 3:
        return [" ".join(tokens)]
    cap = MAX_SHINGLED_TOKENS
    return list(map(" ".join, zip(tokens, tokens[1:cap], tokens[2:cap], strict=False)))


def similar(a: set[Any], b: set[Any], threshold: float) -> bool:
    """Jaccard(a, b) = |a & b| / |a | b| >= ``threshold``. Sets whose sizes differ too much are
    rejected unseen: Jaccard is at most the smaller size over the larger."""
    small, large = (len(a), len(b)) if len(a) <= len(b) else (len(b), len(a))
    if not large:
        return True
    if small < threshold * large:
        return False
    common = len(a & b)
    return common >= threshold * (small + large - common)  # |a | b| = |a| + |b| - |a & b|


class TextFeatures:
    """What metrics read of one text, each computed on first use: ``lower`` case, ``tokens``
    (lower-cased words and punctuation), ``words`` and ``token_count`` (both from one pass that
    builds no other token), ``normalized`` (for exact duplicates), word 3-gram ``shingles`` and
    ``document_tokens`` (as web-text filters cut words)."""

    __slots__ = (
        "_document_tokens",
        "_lower",
        "_normalized",
        "_shingles",
        "_token_count",
        "_tokens",
        "_words",
        "text",
    )

    def __init__(self, text: str):
        self.text = text
        self._lower: str | None = None
        self._tokens: list[str] | None = None
        self._words: list[str] | None = None
        self._token_count: int | None = None
        self._normalized: str | None = None
        self._shingles: list[str] | None = None
        self._document_tokens: list[str] | None = None

    @property
    def lower(self) -> str:
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    @property
    def tokens(self) -> list[str]:
        if self._tokens is None:
            self._tokens = _TOKEN.findall(self.lower)
        return self._tokens

    @property
    def document_tokens(self) -> list[str]:
        if self._document_tokens is None:
            self._document_tokens = document_tokens(self.text)
        return self._document_tokens

    @property
    def words(self) -> list[str]:
        """The tokens but those of one non-word character: the ``\\w+`` runs."""
        if self._words is None:
            self._words, self._token_count = self._words_and_count()
        return self._words

    @property
    def token_count(self) -> int:
        """``len(tokens)``, counted with the words."""
        if self._token_count is None:
            self._words, self._token_count = self._words_and_count()
        return self._token_count

    def _words_and_count(self) -> tuple[list[str], int]:
        words = _WORD_OF_TOKEN.findall(self.lower)
        return list(filter(None, words)), len(words)

    @property
    def normalized(self) -> str:
        if self._normalized is None:
            self._normalized = " ".join(self.lower.split())  # runs of white space folded
        return self._normalized

    @property
    def shingles(self) -> list[str]:
        if self._shingles is None:
            self._shingles = shingles(self.words)
        return self._shingles


def as_features(value: Any) -> TextFeatures | None:
    """A text's features (``value`` itself when it already is), None for a value that is no
    non-empty text."""
    if isinstance(value, str):
        value = TextFeatures(value)
    if isinstance(value, TextFeatures) and value.text and not value.text.isspace():
        return value  # ``not isspace()``: ``strip()`` would leave something, without a copy
    return None


def features(batch: Batch, text: str) -> TextFeatures:
    """The features of ``text``, computed once per batch (and its group sub-batches)."""
    cache: dict[str, TextFeatures] = batch.cache.setdefault("text", {})
    found = cache.get(text)
    if found is None:
        found = cache[text] = TextFeatures(text)
    return found


def text_features(batch: Batch, role: str) -> list[TextFeatures]:
    """The features of each of ``batch.keyed_texts(role)``, in that order, listed once per
    batch: a metric reading every text zips the two instead of looking each text up."""
    return batch.listed(
        ("features", role), lambda batch: [features(batch, t[3]) for t in batch.keyed_texts(role)]
    )


def words_of(batch: Batch, role: str) -> list[list[str]]:
    """The ``words`` of each of ``text_features(batch, role)``, listed once per batch."""
    return batch.listed(
        ("words", role), lambda batch: map(attrgetter("words"), text_features(batch, role))
    )


def excerpt(text: str, length: int = EXCERPT) -> str:
    """A one-line excerpt of a text for examples."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"
