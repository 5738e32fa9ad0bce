"""Repetition within each text, by the Gopher rules (Rae et al. 2021, Table A1).

Finding: on public paired human/LLM answers the LLM side is more repetitive (FINDINGS.md §5).
The Gopher rules remove a document from MassiveWeb when a share of its text sits in repeated
lines, paragraphs or n-grams above these limits (Table A1 of "Scaling Language Models: Methods,
Analysis & Insights from Training Gopher"; the same values as datatrove's
``gopher_repetition_filter``)::

    duplicate paragraph fraction            0.30   dup_para_frac
    duplicate paragraph character fraction  0.20   dup_para_char_frac
    duplicate line fraction                 0.30   dup_line_frac
    duplicate line character fraction       0.20   dup_line_char_frac
    top 2-gram character fraction           0.20   top_2_gram
    top 3-gram character fraction           0.18   top_3_gram
    top 4-gram character fraction           0.16   top_4_gram
    duplicate 5-gram character fraction     0.15   dup_5_gram
    duplicate 6-gram character fraction     0.14   dup_6_gram
    duplicate 7-gram character fraction     0.13   dup_7_gram
    duplicate 8-gram character fraction     0.12   dup_8_gram
    duplicate 9-gram character fraction     0.11   dup_9_gram
    duplicate 10-gram character fraction    0.10   dup_10_gram

The fractions are computed as datatrove computes them: paragraphs split at blank lines, lines
at newlines; a paragraph or line is a duplicate when it equals an earlier one (fraction of
elements, and of characters); the top n-gram's characters (its words joined by spaces) times
its count; duplicate n-grams counted left to right, skipping past each repeat so overlapping
repeats count once, their characters without spaces. Character fractions divide by the length
of the text. Words are cut as datatrove's spaCy English tokenizer cuts them
(``tokens.document_tokens``): case kept, a URL, a number or a run of punctuation one token, so
URL lists and ASCII tables are not read as hundreds of repeated ``/`` and ``-``. Checked against
datatrove's filter run with spaCy on the shared texts of 50+ words: the same verdict on all 98
davinci and 76 human answers of the free-text file, all 50 seed outputs and 51 SBIC posts, and
1,919 of 1,923 Alpaca outputs. One difference: texts are stripped of surrounding white space
first (LLM answers often open with blank lines).

The rules are for documents: Gopher's quality filter (same table) keeps documents of at least
50 words, and on a 10-word text one 2-gram is already 20% of the characters. Texts under
``min_words`` words are counted as too short and not judged.

A text's *repetition score* is its largest fraction / limit (above 1 it breaks a rule): the
examples are the texts with the highest scores. Cost: a text's word runs (shared with the other
metrics) first rule out texts too short to judge; a judged text takes one pass each for lines,
paragraphs and its 2-, 3- and 4-grams, and one for each n-gram size from 5 while an n-gram
repeats (no repeated 4-gram, no repeated 5-gram: none of 5 to 10 words can repeat). Memory holds
one text's n-grams and the ``examples`` worst rows.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, ClassVar

from synthgate.batch import Batch
from synthgate.metrics import Metric
from synthgate.metrics.flags import Flag, RowCheck, row_check
from synthgate.metrics.tokens import (
    TextFeatures,
    as_features,
    document_tokens,
    excerpt,
    iter_ngrams,
    ngrams,
    text_features,
    words_of,
)
from synthgate.observation import Observation
from synthgate.sampling import wilson

GOPHER_LIMITS: dict[str, float] = {
    "dup_para_frac": 0.30,
    "dup_para_char_frac": 0.20,
    "dup_line_frac": 0.30,
    "dup_line_char_frac": 0.20,
    "top_2_gram": 0.20,
    "top_3_gram": 0.18,
    "top_4_gram": 0.16,
    "dup_5_gram": 0.15,
    "dup_6_gram": 0.14,
    "dup_7_gram": 0.13,
    "dup_8_gram": 0.12,
    "dup_9_gram": 0.11,
    "dup_10_gram": 0.10,
}
"""Rae et al. 2021, Table A1: a text above any of these fractions is removed."""
GOPHER_MIN_WORDS = 50
"""Rae et al. 2021, Table A1: documents have at least 50 words."""

_PARAGRAPHS = re.compile(r"\n{2,}")
_LINES = re.compile(r"\n+")
EVIDENCE = 80
"""Characters of the repeated line, paragraph or n-gram shown in an example."""


@dataclass(frozen=True)
class Repetition:
    """Each rule's fraction for one text, what repeats (the first repeated element), its words."""

    fractions: dict[str, float]
    evidence: dict[str, str]
    words: int

    @property
    def score(self) -> float:
        """Largest fraction / limit: above 1, the text breaks a Gopher rule."""
        return max(value / GOPHER_LIMITS[rule] for rule, value in self.fractions.items())

    @property
    def worst(self) -> str:
        """The rule with the largest fraction / limit."""
        return max(self.fractions, key=lambda rule: self.fractions[rule] / GOPHER_LIMITS[rule])

    def broken(self) -> dict[str, float]:
        """The rules this text breaks, with its fraction for each."""
        return {
            rule: value for rule, value in self.fractions.items() if value > GOPHER_LIMITS[rule]
        }


def _duplicates(parts: list[str]) -> tuple[int, int, str]:
    """Elements equal to an earlier one: how many, their characters, and the first of them."""
    seen: set[str] = set()
    count = chars = 0
    first = ""
    for part in parts:
        if part in seen:
            count += 1
            chars += len(part)
            first = first or part
        else:
            seen.add(part)
    return count, chars, first


def _top_ngram(tokens: list[str], n: int, repeats: bool = True) -> tuple[int, int, str]:
    """The most frequent n-gram's count, its characters (its words joined by spaces) times its
    count, and that n-gram (the earliest of the most frequent). ``repeats`` False says that no
    (n-1)-gram repeats, so neither does an n-gram: the first one is then the answer, uncounted."""
    if repeats:
        counts = Counter(iter_ngrams(tokens, n))
        count = max(counts.values(), default=0)
    else:
        count = int(len(tokens) >= n)
    if not count:
        return 0, 0, ""
    # the earliest n-gram of that count: the first one when the count is 1 (so when none
    # repeats), else the first with it in the counter's order, that of first occurrence
    gram = tuple(tokens[:n]) if count == 1 else list(counts)[list(counts.values()).index(count)]
    text = " ".join(gram)
    return count, len(text) * count, f"{text} (x{count})"


def _duplicate_ngrams(tokens: list[str], offsets: list[int], n: int) -> tuple[int, str]:
    """Characters in n-grams that repeat an earlier one (each repeat skipped past), and the
    first; ``offsets[i]`` is the characters of the first ``i`` tokens."""
    grams = ngrams(tokens, n)
    seen: set[tuple[str, ...]] = set()
    chars, i = 0, 0
    first = ""
    while i < len(grams):
        gram = grams[i]
        if gram in seen:
            chars += offsets[i + n] - offsets[i]
            first = first or " ".join(gram)
            i += n
        else:
            seen.add(gram)
            i += 1
    return chars, first


def gopher_repetition(text: str, tokens: list[str] | None = None) -> Repetition:
    """The Gopher repetition fractions of one text (see the module docstring); ``tokens``, the
    text's ``document_tokens`` when already computed (``tokens.TextFeatures``)."""
    text = text.strip()
    size = max(len(text), 1)
    fractions: dict[str, float] = {}
    evidence: dict[str, str] = {}
    for kind, pattern in (("para", _PARAGRAPHS), ("line", _LINES)):
        parts = pattern.split(text) if "\n" in text else [text]
        count, chars, first = _duplicates(parts)
        fractions[f"dup_{kind}_frac"] = count / len(parts)
        fractions[f"dup_{kind}_char_frac"] = chars / size
        evidence[f"dup_{kind}_frac"] = evidence[f"dup_{kind}_char_frac"] = first
    tokens = document_tokens(text) if tokens is None else tokens
    repeats = 2
    for n in (2, 3, 4):
        repeats, chars, gram = _top_ngram(tokens, n, repeats > 1)
        fractions[f"top_{n}_gram"], evidence[f"top_{n}_gram"] = chars / size, gram
    offsets = list(itertools.accumulate(map(len, tokens), initial=0)) if repeats > 1 else []
    for n in range(5, 11):
        # a repeated n-gram starts with a repeated (n-1)-gram: none repeats once one size has none
        chars, gram = _duplicate_ngrams(tokens, offsets, n) if repeats > 1 else (0, "")
        fractions[f"dup_{n}_gram"], evidence[f"dup_{n}_gram"] = chars / size, gram
        repeats = 2 if chars else 0
    return Repetition(fractions, evidence, sum(map(str.isalnum, map(itemgetter(0), tokens))))


@row_check
@dataclass(frozen=True)
class GopherRepetitionCheck(RowCheck):
    """Flags a text of at least ``min_words`` words that breaks a Gopher repetition rule; the
    reason is its worst rule, the excerpt what repeats. Shorter texts are not checked."""

    name: ClassVar[str] = "gopher_repetition"
    role: str = "text"
    min_words: int = GOPHER_MIN_WORDS

    def measure(self, text: str | TextFeatures) -> Repetition | None:
        """The repetition fractions of a text (or of its ``TextFeatures``); None when it is too
        short to be judged."""
        found = as_features(text)
        # its lower-case word runs are never fewer than its words: most short texts stop here
        if found is None or len(found.words) < self.min_words:
            return None
        repetition = gopher_repetition(found.text, found.document_tokens)
        return repetition if repetition.words >= self.min_words else None

    def inspect(self, value: Any) -> tuple[int, list[Flag]]:
        repetition = self.measure(value)
        if repetition is None:
            return 0, []
        if not repetition.broken():
            return 1, []
        rule = repetition.worst
        reason = f"{rule} {repetition.fractions[rule]:.2f} > {GOPHER_LIMITS[rule]}"
        return 1, [Flag(reason, excerpt(repetition.evidence[rule], EVIDENCE))]


@dataclass(frozen=True)
class Offender:
    """A text that breaks a Gopher rule: its worst rule (largest fraction / limit)."""

    score: float
    row: int
    rule: str
    fraction: float
    repeated: str
    excerpt: str
    rules: tuple[str, ...]


@dataclass
class RepetitionState:
    keep: int
    checked: int = 0
    short: int = 0
    flagged: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    worst: list[Offender] = field(default_factory=list)

    def keep_worst(self, offenders: list[Offender]) -> None:
        self.worst = heapq.nsmallest(
            self.keep, self.worst + offenders, key=lambda o: (-o.score, o.row)
        )


@dataclass(frozen=True)
class RepetitionResult:
    """Texts checked, too short, and breaking a rule; the worst offenders."""

    checked: int
    short: int
    flagged: int
    by_rule: dict[str, int]
    worst: list[Offender]

    @property
    def rate(self) -> Observation:
        """Share of checked texts breaking at least one rule, with its Wilson interval."""
        return wilson(self.flagged, self.checked)


@dataclass(frozen=True)
class GopherRepetition(Metric):
    """The Gopher repetition rules applied to every text of ``role`` with ``min_words`` words."""

    role: str = "text"
    min_words: int = GOPHER_MIN_WORDS
    examples: int = 5

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def start(self) -> RepetitionState:
        return RepetitionState(self.examples)

    def update(self, state: RepetitionState, batch: Batch) -> RepetitionState:
        check = GopherRepetitionCheck(self.role, self.min_words)
        offenders = []
        texts, found = batch.texts(self.role), text_features(batch, self.role)
        # texts of fewer word runs than min_words are too short (``measure``): only the
        # others are looked at, without a Python loop over every text
        runs = map(len, words_of(batch, self.role))
        long = list(itertools.compress(itertools.count(), map(self.min_words.__le__, runs)))
        state.short += len(found) - len(long)
        for i in long:
            (row, _, text), repetition = texts[i], check.measure(found[i])
            if repetition is None:
                state.short += 1
                continue
            state.checked += 1
            broken = repetition.broken()
            if not broken:
                continue
            state.flagged += 1
            state.by_rule.update(broken.keys())
            rule = repetition.worst
            offenders.append(
                Offender(
                    repetition.score,
                    row,
                    rule,
                    broken[rule],
                    excerpt(repetition.evidence[rule], EVIDENCE),
                    excerpt(text),
                    tuple(broken),
                )
            )
        state.keep_worst(offenders)
        return state

    def merge(self, a: RepetitionState, b: RepetitionState) -> RepetitionState:
        out = RepetitionState(
            self.examples,
            a.checked + b.checked,
            a.short + b.short,
            a.flagged + b.flagged,
            a.by_rule + b.by_rule,
        )
        out.keep_worst(a.worst + b.worst)
        return out

    def finalize(self, state: RepetitionState) -> RepetitionResult:
        return RepetitionResult(
            state.checked,
            state.short,
            state.flagged,
            dict(
                sorted(
                    state.by_rule.items(), key=lambda kv: (-kv[1], list(GOPHER_LIMITS).index(kv[0]))
                )
            ),
            state.worst,
        )
