"""Per-row checks for instruction / input / output triples (FINDINGS.md §3), for ``FlaggedRows``.

A manual audit of LLM-made instruction sets found incomprehensible instructions, inconsistent
inputs and inconsistent or incorrect outputs (closed-QA errors: Unnatural Instructions 76 of
127, Self-Instruct 78 of 177). These checks are measurable proxies for them:

- ``PlaceholderCheck``: an empty value, or one that stands in for content ("<noinput>",
  "N/A", "...", "TODO", "<insert name>"); Alpaca's generator wrote "No input" as the input.
- ``CopyCheck``: an output that repeats its instruction or input instead of answering.
- ``TruncationCheck``: an output cut off by a token limit (unclosed code block or bracket, a
  last word that cannot end a sentence).

Each check reads a row in time linear in its length.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice
from operator import gt
from re import Match
from typing import Any, ClassVar

from synthgate.batch import Batch
from synthgate.metrics.flags import Flag, RowCheck, row_check
from synthgate.metrics.tokens import MAX_SHINGLED_TOKENS, excerpt, shingles, similar

PLACEHOLDER_CHARS = 80
"""A placeholder is short: longer values are content, whatever their first words."""
_PLACEHOLDER = re.compile(
    r"(?:n/?a|none|null|nil|nan|blank|todo|tbd|tba|placeholder|lorem ipsum\b.*"
    r"|(?:no|without|nil)[ _-]?(?:input|output)s?\b.*|your .{1,30} here"
    r"|(?:input|output)(?: here)?)"
)
_BRACKETED_SLOT = re.compile(r"[<\[{(]\s*(?:insert|enter|add|your)\b[^\n]*[>\]})]", re.IGNORECASE)
"""A whole value such as "<insert name of a country>" or "(Insert Article)"."""
_ONLY_ELLIPSIS = re.compile(r"[.\-–—…?_*\s]+")
_FRAME = " \t\r\n<>[](){}\"'`*_.:;!,"


def placeholder_key(value: str) -> str:
    """A short value as compared with placeholders: lower case, frame characters stripped."""
    return " ".join(value.replace("\\", "").lower().split()).strip(_FRAME)


@row_check
@dataclass(frozen=True)
class PlaceholderCheck(RowCheck):
    """Flags an empty value (when ``count_empty``) or a placeholder standing in for content.

    With ``count_empty`` every row is checked (an empty output is an error); without, only
    non-empty values are (an empty input means "no input", which is fine).
    """

    name: ClassVar[str] = "placeholder"
    role: str = "output"
    count_empty: bool = True

    def items(self, batch: Batch) -> Iterator[tuple[int, Any]]:
        for row, value in zip(batch.rows, batch.columns[self.role], strict=True):
            text = value or ""
            if self.count_empty or text.strip():
                yield row, text

    def flag(self, value: Any) -> Flag | None:
        if not value.strip():
            return Flag("empty", repr(value)) if self.count_empty else None
        if len(value) > PLACEHOLDER_CHARS:
            return None
        if (
            _ONLY_ELLIPSIS.fullmatch(value)
            or _BRACKETED_SLOT.fullmatch(value.strip())
            or _PLACEHOLDER.fullmatch(placeholder_key(value))
        ):
            return Flag("placeholder", excerpt(repr(value)))
        return None


_CASED_TOKEN = re.compile(r"\w+|\S")  # as tokens._TOKEN, case kept


def shingle_set(text: str) -> set[str]:
    """The text's shingles (``tokens.shingles``, as near-duplicates use) over case-sensitive
    word and punctuation tokens, so that "add a comma" or "make it upper case" done right is
    not a copy."""
    return set(shingles(_CASED_TOKEN.findall(text)))


def near_copy(text: str, source: str, threshold: float) -> bool:
    """``similar(shingle_set(text), shingle_set(source), threshold)``, computed lazily: the
    longer text's shingles are read one by one against the shorter one's set, stopping as soon
    as those outside it rule the threshold out (most pairs are far apart: a few tokens in).
    That set is built only once a shingle's three tokens are all among the shorter text's
    tokens: until then every shingle read is outside it.

    Exact: with ``inside`` and ``outside`` of the longer text's distinct shingles in and out of
    the shorter's set ``b``, Jaccard = inside / (|b| + outside) >= threshold, and inside can
    never exceed |b|; the size rule of ``similar`` follows from the same inequality. Before
    ``b`` is built, the shorter text's number of shingles stands for |b| (it is never less),
    so the stop comes a little later, never wrongly.
    """
    shorter, longer = (text, source) if len(text) <= len(source) else (source, text)
    tokens = islice(map(Match.group, _CASED_TOKEN.finditer(longer)), MAX_SHINGLED_TOKENS)
    head = list(islice(tokens, 3))
    if len(head) < 3:  # fewer than 3 tokens: the text is one shingle
        return similar(shingle_set(longer), shingle_set(shorter), threshold)
    first, second = head[:2]
    words = _CASED_TOKEN.findall(shorter)[:MAX_SHINGLED_TOKENS]
    present = set(words)
    known: set[str] | None = None
    size = max(1, len(words) - 2)  # |b| once known, never less before
    seen: set[str] = set()
    inside = outside = 0
    for token in chain(head[2:], tokens):
        shingle = f"{first} {second} {token}"
        if shingle not in seen:
            seen.add(shingle)
            if known is None and first in present and second in present and token in present:
                known = set(shingles(words))
                size = len(known)
            if known is not None and shingle in known:
                inside += 1
            else:
                outside += 1
                if size < threshold * (size + outside):
                    return False
        first, second = second, token
    return inside >= threshold * (size + outside)


def _same_words(text: str, source: str) -> bool:
    """Equal up to white space: the same words (``str.split``), the first ones compared first."""
    return text.split(None, 1)[:1] == source.split(None, 1)[:1] and text.split() == source.split()


MAX_LENGTH_RATIO = 3.0
"""Texts whose lengths differ more than threefold are not compared: their 3-gram sets differ
about as much in size, and Jaccard <= smaller / larger set (unless a text repeats itself)."""


@row_check
@dataclass(frozen=True)
class CopyCheck(RowCheck):
    """Flags a ``role`` text that copies the row's ``source`` text: equal up to white space,
    or a near-duplicate of it (Jaccard of case-sensitive token 3-grams >= ``threshold``)."""

    name: ClassVar[str] = "copy"
    role: str = "output"
    source: str = "input"
    threshold: float = 0.8

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role, self.source)

    def items(self, batch: Batch) -> Iterator[tuple[int, Any]]:
        pairs = zip(batch.columns[self.role], batch.columns[self.source], strict=True)
        for row, (text, source) in zip(batch.rows, pairs, strict=True):
            if text and text.strip() and source and source.strip():
                yield row, (text, source)

    def flag(self, value: Any) -> Flag | None:
        text, source = value
        if _same_words(text, source):
            return Flag(f"exact copy of {self.source}", self._shown(text, source))
        ratio = len(text) / len(source)
        if not 1 / MAX_LENGTH_RATIO <= ratio <= MAX_LENGTH_RATIO:
            return None
        if near_copy(text, source, self.threshold):
            return Flag(f"near copy of {self.source}", self._shown(text, source))
        return None

    def _shown(self, text: str, source: str) -> str:
        return f"{self.role}: {excerpt(text, 70)} | {self.source}: {excerpt(source, 70)}"


DANGLING_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "of",
        "because",
        "than",
        "their",
        "its",
        "my",
        "your",
        "our",
        "whose",
    ]
)
"""Words that cannot end an English sentence. Prepositions that often end one ("connect
with", "had to") are left out: on the human sets here they gave false alarms."""
_LAST_WORD = re.compile(r"([A-Za-z]+)$")
_TAIL = max(map(len, DANGLING_WORDS)) + 1
"""Characters at a text's end read for its last word: a run of letters longer than any
dangling word is none, cut there or not (and ``re`` tries every start in what it reads)."""
_WORD = re.compile(r"\w+")
MIN_WORDS_FOR_DANGLING = 5
"""A dangling last word counts in texts of at least 5 words (not in one-word answers)."""
MIN_WORDS_BEFORE_COLON = 4
"""A final colon counts after a line of at least 4 words ("Here are the steps:"), not after
a form field ("Age:")."""
_OPENING_BRACKETS, _CLOSING_BRACKETS = "([{", ")]}"
"""Brackets that a text must close: the i-th closes the i-th."""
_LETTERS = frozenset(string.ascii_letters)
"""What ``_LAST_WORD`` can end with."""


def _has_words(text: str, count: int) -> bool:
    """Whether ``text`` holds at least ``count`` words (read no further than the last needed)."""
    return len(list(islice(_WORD.finditer(text), count))) == count


@row_check
@dataclass(frozen=True)
class TruncationCheck(RowCheck):
    """Flags a text that looks cut off: an unclosed code block (odd number of ```), more
    opening than closing brackets, a final comma or opening bracket, a final colon after a
    sentence, or a last word that cannot end a sentence ("the", "and", "of"...)."""

    name: ClassVar[str] = "truncation"
    role: str = "output"

    def flag(self, value: Any) -> Flag | None:
        text = value.rstrip()
        reason = self._reason(text)
        return None if reason is None else Flag(reason, "…" + excerpt(text[-90:], 90))

    @staticmethod
    def _reason(text: str) -> str | None:
        if text.count("```") % 2:
            return "unclosed code block"
        if any(map(gt, map(text.count, _OPENING_BRACKETS), map(text.count, _CLOSING_BRACKETS))):
            return "unclosed bracket"
        last = text[-1]
        if last in ",([":
            return f"ends with {last!r}"
        if last == ":" and _has_words(text.rsplit("\n", 1)[-1], MIN_WORDS_BEFORE_COLON):
            return "ends with ':'"
        if last not in _LETTERS:  # most texts: no last word to read
            return None
        word = _LAST_WORD.search(text[-_TAIL:])
        if (
            word
            and word.group(1).lower() in DANGLING_WORDS
            and _has_words(text, MIN_WORDS_FOR_DANGLING)
        ):
            return "ends with a dangling word"
        return None
