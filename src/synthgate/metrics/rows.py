"""Per-row numeric values (length, readability, repetition...) and their distribution.

A *row measure* is a pure function from one row's value of a role (a text, or a dialogue's
turns) to a number, or None when it does not apply (an empty text). ``RowValues`` folds a
measure over the data into exact running moments (count, min, max, and the sums of values and
of their squares kept as exact integers, ``metrics.exact``, so the mean and variance are the
same whatever the batch size or partition order) and a seeded sample of ``(row, value)`` for quantiles and
two-sample tests against a reference; with ``excerpts`` > 0 it also keeps that many rows with the
lowest and the highest values over all rows, with an excerpt of their text, as examples. Add a
measure with ``@row_measure("name")``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np

from synthgate.batch import Batch
from synthgate.metrics import EXACT_SCALE, Metric, exact
from synthgate.metrics.tokens import TextFeatures, as_features, excerpt, features
from synthgate.sampling import BottomK, row_priority

RowMeasure = Callable[[Any], float | None]
Extreme = tuple[float, int, str]
"""(value, row, excerpt of the row's text)."""
ROW_MEASURES: dict[str, RowMeasure] = {}
TEXT_MEASURES: set[str] = set()
"""Measures that ``RowValues`` hands a text's shared features (``tokens.TextFeatures``)."""


def row_measure(name: str, text: bool = False) -> Callable[[RowMeasure], RowMeasure]:
    """Register a per-row measure under ``name`` for use by ``RowValues``; with ``text``, it
    receives a text's ``TextFeatures`` (computed once per batch) instead of the text, and a
    dialogue's turns as ``(speaker, TextFeatures)``."""

    def decorate(function: RowMeasure) -> RowMeasure:
        ROW_MEASURES[name] = function
        if text:
            TEXT_MEASURES.add(name)
        return function

    return decorate


@row_measure("tokens", text=True)
def token_count(text: Any) -> float | None:
    """Word and punctuation tokens in a text."""
    found = as_features(text)
    return float(found.token_count) if found else None


@row_measure("chars")
def char_count(text: Any) -> float | None:
    """Characters in a text."""
    return float(len(text)) if isinstance(text, str) and text.strip() else None


def _lowest(items: list[Extreme], count: int) -> list[Extreme]:
    return heapq.nsmallest(count, items, key=lambda item: (item[0], item[1]))


def _highest(items: list[Extreme], count: int) -> list[Extreme]:
    return heapq.nsmallest(count, items, key=lambda item: (-item[0], item[1]))


def _extremes(candidates: list[tuple[float, int, Any]], count: int) -> list[Extreme]:
    """The batch's ``count`` lowest and highest ``(value, row, raw value)``, with excerpts."""
    chosen = {item[1]: item for item in _lowest(candidates, count) + _highest(candidates, count)}
    return [
        (value, row, excerpt(raw if isinstance(raw, str) else " / ".join(text for _, text in raw)))
        for value, row, raw in chosen.values()
    ]


@dataclass
class MomentsState:
    sample: BottomK
    n: int = 0
    total: int = 0
    """Sum of the values, exact (``metrics.exact``)."""
    squares: int = 0
    """Sum of the squared values, exact."""
    low: float = math.inf
    high: float = -math.inf
    missing: int = 0
    lowest: list[Extreme] = field(default_factory=list)
    highest: list[Extreme] = field(default_factory=list)

    def keep_extremes(self, count: int, candidates: list[Extreme]) -> None:
        """Keep the ``count`` lowest and highest values (ties: the earlier row)."""
        items = list({item[1]: item for item in self.lowest + self.highest + candidates}.values())
        self.lowest, self.highest = _lowest(items, count), _highest(items, count)

    def add(self, values: list[float]) -> None:
        if not values:
            return
        self.n += len(values)
        self.total += sum(map(exact, values))
        self.squares += sum(exact(x * x) for x in values)
        self.low, self.high = min(self.low, *values), max(self.high, *values)

    @property
    def mean(self) -> float:
        return self.total / (self.n << EXACT_SCALE) if self.n else 0.0

    @property
    def std(self) -> float:
        """Sample standard deviation: (n sum x^2 - (sum x)^2) / (n (n - 1)), rounded once."""
        if self.n < 2:
            return 0.0
        spread = self.n * self.squares * (1 << EXACT_SCALE) - self.total * self.total
        return math.sqrt(max(spread, 0) / (self.n * (self.n - 1) << (2 * EXACT_SCALE)))


@dataclass(frozen=True)
class RowValuesResult:
    """Exact moments over every row, and a seeded sample of ``(row, value)`` pairs."""

    n: int
    mean: float
    std: float
    low: float
    high: float
    missing: int
    sample: list[tuple[int, float]] = field(default_factory=list)
    lowest: list[Extreme] = field(default_factory=list)
    highest: list[Extreme] = field(default_factory=list)
    """With ``RowValues(excerpts=...)``: the rows with the lowest and highest values, all rows."""

    @property
    def values(self) -> list[float]:
        return [value for _, value in self.sample]

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.values, q)) if self.sample else math.nan

    def extremes(self, count: int = 3, largest: bool = False) -> list[tuple[int, float]]:
        """The sampled rows with the smallest (or largest) values."""
        return sorted(self.sample, key=lambda item: -item[1] if largest else item[1])[:count]


class TurnFeatures(list[tuple[str, TextFeatures]]):
    """A dialogue's turns as text measures read them, ``(speaker, TextFeatures)``, with what
    several metrics compute of the whole dialogue: one such list per row and batch
    (``row_features``), so each of those is computed once for all of them."""

    __slots__ = ("_shared",)

    @classmethod
    def of(cls, turns: Iterable[tuple[str, str | TextFeatures]]) -> TurnFeatures:
        """The turns ``(speaker, text)`` (or ``(speaker, TextFeatures)``) with their features."""
        if isinstance(turns, TurnFeatures):
            return turns
        return cls((s, t if isinstance(t, TextFeatures) else TextFeatures(t)) for s, t in turns)

    @property
    def texts(self) -> list[TextFeatures]:
        return list(map(itemgetter(1), self))

    @property
    def shared_shingles(self) -> set[str]:
        """The word 3-gram shingles that occur in two or more of the turns (set operations in C,
        a few per turn). The metrics that compare turns look only at these."""
        try:
            return self._shared
        except AttributeError:
            seen: set[str] = set()
            self._shared: set[str] = set()
            for grams in map(attrgetter("shingles"), self.texts):
                if not seen.isdisjoint(grams):
                    self._shared.update(seen.intersection(grams))
                seen.update(grams)
            return self._shared


def row_features(batch: Batch, role: str) -> list[Any]:
    """Each row's value of ``role`` as text measures read it: a text's shared ``TextFeatures``,
    a dialogue's turns as ``TurnFeatures``, any other value as it is; built once per batch for
    every measure of the role."""

    def build(batch: Batch) -> Iterator[Any]:
        for value in batch.columns[role]:
            if isinstance(value, str):
                yield features(batch, value)
            elif isinstance(value, list):
                yield TurnFeatures((speaker, features(batch, text)) for speaker, text in value)
            else:
                yield value

    return batch.listed(("row_features", role), build)


@dataclass(frozen=True)
class RowValues(Metric):
    """The distribution of ``measure`` applied to each row's value of ``role``."""

    role: str = "text"
    measure: str = "tokens"
    k: int = 5000
    seed: int = 0
    excerpts: int = 0

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def start(self) -> MomentsState:
        return MomentsState(BottomK(self.k))

    def update(self, state: MomentsState, batch: Batch) -> MomentsState:
        function = ROW_MEASURES[self.measure]
        raw = batch.columns[self.role]
        given = row_features(batch, self.role) if self.measure in TEXT_MEASURES else raw
        rows, ids, values, candidates = [], [], [], []
        for row, ident, value, argument in zip(batch.rows, batch.ids, raw, given, strict=True):
            measured = None if value is None else function(argument)
            if measured is None or not math.isfinite(measured):
                state.missing += 1
            else:
                rows.append(row)
                ids.append(ident)
                values.append(float(measured))
                if self.excerpts:
                    candidates.append((measured, row, value))
        state.add(values)
        state.sample.offer(row_priority(ids, self.seed), rows, values)
        if candidates:
            state.keep_extremes(self.excerpts, _extremes(candidates, self.excerpts))
        return state

    def merge(self, a: MomentsState, b: MomentsState) -> MomentsState:
        out = MomentsState(
            a.sample.merge(b.sample),
            a.n + b.n,
            a.total + b.total,
            a.squares + b.squares,
            min(a.low, b.low),
            max(a.high, b.high),
            a.missing + b.missing,
        )
        if self.excerpts:
            out.keep_extremes(self.excerpts, a.lowest + a.highest + b.lowest + b.highest)
        return out

    def finalize(self, state: MomentsState) -> RowValuesResult:
        sample = [(row, value) for _, row, value in state.sample.ordered()]
        return RowValuesResult(
            state.n,
            state.mean,
            state.std,
            state.low,
            state.high,
            state.missing,
            sample,
            state.lowest,
            state.highest,
        )
