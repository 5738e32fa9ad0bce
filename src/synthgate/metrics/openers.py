"""How concentrated the openings of texts are: the first words of each text, counted.

Finding: self-generated instruction sets narrow in form, the same openings and verbs recur
(FINDINGS.md §3); LLM answers open more texts with the same words (§5).

The value is the *opener collision probability* (Simpson's index, Simpson 1949): the chance
that two different rows, drawn at random, open with the same words. Its estimator
``sum c(c-1) / (n(n-1))`` over opener counts ``c`` is unbiased at every sample size, so the same
data at 175 and at 10M rows gives the same value (FINDINGS.md, "Size invariance"), unlike the
share of the top-k openers or a normalized entropy, which both move with the number of rows.
``1 / value`` is the effective number of openers (Hill's number of order 2).

Counts live in a Misra-Gries frequent-items summary (Misra and Gries 1982; mergeable as in
Agarwal et al. 2012): up to ``capacity`` distinct openers the counts are exact; beyond, each
count is under-estimated by at most ``(n - kept) / capacity``, which only touches the rare
openers that barely add to the index. Up to ``2 * capacity`` distinct openers nothing is
pruned and any partitioning merges to the single pass's counts; beyond, which rare openers are
pruned depends on where partitions were cut (within the same error bound).
"""

from __future__ import annotations

import itertools
import math
import operator
from collections import Counter
from dataclasses import dataclass, field

from synthgate.batch import Batch
from synthgate.metrics import Metric, add_example, in_row_order
from synthgate.metrics.tokens import excerpt, first_words, words_of

OPENER_CHARS = 200
"""The opener is read from a text's first 200 characters (enough for a few words)."""
EXAMPLE_ROWS = 3
Z95 = 1.959964


def opener(text: str, count: int) -> str:
    """The first ``count`` lower-cased words of a text ("" when it holds no word)."""
    return " ".join(first_words(text[:OPENER_CHARS], count))


@dataclass
class OpenerState:
    capacity: int
    counts: Counter[str] = field(default_factory=Counter)
    rows: dict[str, list[int]] = field(default_factory=dict)
    """The earliest rows of each opener."""
    excerpts: dict[str, str] = field(default_factory=dict)
    """An excerpt of the earliest row of each opener."""
    n: int = 0

    def add(self, key: str, count: int, rows: list[int], text: str) -> None:
        mine = self.rows.setdefault(key, [])
        if not mine or rows[0] < mine[0]:
            self.excerpts[key] = text
        self.counts[key] += count
        for row in rows:
            add_example(mine, row, EXAMPLE_ROWS)

    def prune(self, limit: int) -> None:
        """Misra-Gries reduction: subtract the (capacity+1)-th largest count from every count."""
        if len(self.counts) <= limit:
            return
        cut = sorted(self.counts.values(), reverse=True)[self.capacity]
        for key in list(self.counts):
            self.counts[key] -= cut
            if self.counts[key] <= 0:
                del self.counts[key], self.rows[key], self.excerpts[key]


@dataclass(frozen=True)
class OpenerTop:
    opener: str
    count: int
    share: float
    rows: list[int]
    excerpt: str


@dataclass(frozen=True)
class OpenerResult:
    """Opener counts over ``n`` texts, with the collision probability and its interval."""

    n: int
    counts: dict[str, int]
    rows: dict[str, list[int]]
    excerpts: dict[str, str]
    exact: bool

    @property
    def collision(self) -> float:
        """Unbiased estimate of P(two random texts share their opener)."""
        if self.n < 2:
            return math.nan
        pairs = sum(c * (c - 1) for c in self.counts.values())
        return pairs / (self.n * (self.n - 1))

    @property
    def variance(self) -> float:
        """Variance of the U-statistic estimate (Hoeffding 1948), with plug-in moments:
        (4(n-2) (sum p^3 - D^2) + 2 (D - D^2)) / (n(n-1)), where D = sum p^2."""
        n, d = self.n, self.collision
        if n < 3:
            return math.nan
        cubes = sum(c * (c - 1) * (c - 2) for c in self.counts.values()) / (n * (n - 1) * (n - 2))
        return max(4 * (n - 2) * (cubes - d * d) + 2 * (d - d * d), 0.0) / (n * (n - 1))

    @property
    def interval(self) -> tuple[float, float]:
        half = Z95 * math.sqrt(self.variance) if self.n >= 3 else math.nan
        return max(0.0, self.collision - half), min(1.0, self.collision + half)

    @property
    def effective_n(self) -> int:
        """The number of independent trials a proportion with this variance would have.

        A two-proportion test (Cohen's h p-value) on this ``n`` has the right variance.
        """
        d, variance = self.collision, self.variance
        if not variance or math.isnan(variance):
            return self.n
        return max(1, round(d * (1 - d) / variance))

    def share(self, key: str) -> float:
        return self.counts.get(key, 0) / self.n if self.n else 0.0

    def top(self, count: int) -> list[OpenerTop]:
        """The ``count`` most frequent openers."""
        ranked = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:count]
        return [
            OpenerTop(key, c, c / self.n, self.rows[key], self.excerpts[key]) for key, c in ranked
        ]


@dataclass(frozen=True)
class OpenerCounts(Metric):
    """How often each opener (first ``words`` words) begins a non-empty text of ``role``."""

    role: str = "text"
    words: int = 1
    capacity: int = 10_000

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def start(self) -> OpenerState:
        return OpenerState(self.capacity)

    def update(self, state: OpenerState, batch: Batch) -> OpenerState:
        texts = batch.texts(self.role)
        keys = [
            # a text of at most OPENER_CHARS characters opens with its first shared words
            " ".join(words[: self.words]) if len(text) <= OPENER_CHARS else opener(text, self.words)
            for (_, _, text), words in zip(texts, words_of(batch, self.role), strict=True)
        ]
        opened = list(filter(None, keys))
        state.n += len(opened)
        state.counts.update(opened)
        # A text can become an example only when its row is below its opener's last example
        # row (or the opener has fewer): that bar only falls as examples are added, so the
        # texts below it now, found without a Python loop over every text, are all to look at
        bars = {"": -math.inf}  # no opener: never counted
        for key in dict.fromkeys(opened):
            kept = state.rows.get(key, [])
            bars[key] = kept[-1] if len(kept) >= EXAMPLE_ROWS else math.inf
        below = map(operator.lt, map(operator.itemgetter(0), texts), map(bars.__getitem__, keys))
        for i in itertools.compress(itertools.count(), below):
            (row, _, text), key = texts[i], keys[i]
            kept = state.rows.get(key, [])
            if len(kept) < EXAMPLE_ROWS or row < kept[-1]:
                state.add(key, 0, [row], excerpt(text, 100))  # counted above
        state.prune(2 * self.capacity)
        return state

    def merge(self, a: OpenerState, b: OpenerState) -> OpenerState:
        out = OpenerState(self.capacity, n=a.n + b.n)
        for side in (a, b):
            for key, count in side.counts.items():
                out.add(key, count, side.rows[key], side.excerpts[key])
        out.prune(2 * self.capacity)
        return out

    def finalize(self, state: OpenerState) -> OpenerResult:
        exact = sum(state.counts.values()) == state.n
        keys = in_row_order(state.rows)
        counts = {key: state.counts[key] for key in keys}
        rows = {key: state.rows[key] for key in keys}
        excerpts = {key: state.excerpts[key] for key in keys}
        return OpenerResult(state.n, counts, rows, excerpts, exact)
