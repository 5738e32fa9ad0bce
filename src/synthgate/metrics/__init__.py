"""Metrics: pure computations over batches, as mergeable partial states.

A metric is a frozen dataclass (its fields are its parameters, so equal metrics are computed
once per run) with four methods: ``start`` makes an empty state, ``update`` folds a batch into
it, ``merge`` combines the states of two partitions, and ``finalize`` turns a state into the
value expectations judge. A metric whose merged state cannot give the exact value asks for a
second pass over the same rows (``second_pass``). Nothing here reads files or formats output:
an engine drives metrics over batches (``synthgate.engine``), expectations judge their values.

Merges are order-free: ``merge(a, b)`` equals ``merge(b, a)``, ``merge`` is associative, and
batches may come in any order, so any split of the rows into partitions, merged in any tree,
finalizes to the single pass's value (``tests/test_merges.py`` checks every metric). What makes
that hold: examples are the rows with the smallest row numbers (not the first seen), samples are
keyed on row ids (``sampling.BottomK``), sums of floats are exact (``exact``), and a capped key
set keeps the keys with the smallest ``stable_hash`` (``cap_keys``), not the first ones seen.
"""

from __future__ import annotations

import hashlib
import math
from abc import ABC, abstractmethod
from collections import Counter
from typing import Any, ClassVar, TypeVar

from synthgate.batch import Batch

T = TypeVar("T")

MAX_VALUES = 10_000
"""Distinct values (labels, judgements, pairs of them) a state counts one by one; beyond, a
value is counted under ``OTHER`` (or as overflow)."""
OTHER = "<other>"


def add_example(examples: list[T], item: T, limit: int) -> None:
    """Keep in ``examples`` (sorted) the ``limit`` smallest items: the earliest rows, whatever
    order rows come in. Items are row numbers or tuples that start with one."""
    if item in examples or (len(examples) >= limit and not item < examples[-1]):  # type: ignore[operator]
        return
    examples.append(item)
    examples.sort()
    del examples[limit:]


def merge_examples(a: dict[Any, list[T]], b: dict[Any, list[T]], limit: int) -> dict[Any, list[T]]:
    """Per key, the ``limit`` smallest examples of both sides (the earliest rows)."""
    return {
        key: sorted({*a.get(key, []), *b.get(key, [])})[:limit]  # type: ignore[type-var]
        for key in dict.fromkeys([*a, *b])
    }


def in_row_order(examples: dict[Any, list[Any]]) -> list[Any]:
    """Keys ordered by their earliest example row (the order one pass in row order meets them;
    keys first met in the same row by their ``repr``)."""

    def first(key: Any) -> tuple[bool, Any, str]:
        rows = examples[key]
        return (not rows, rows[0] if rows else 0, repr(key))

    return sorted(examples, key=first)


def stable_hash(value: Any) -> int:
    """A hash of ``repr(value)`` that is the same in every process (``hash`` of a str is not)."""
    digest = hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=8)
    return int.from_bytes(digest.digest(), "big")


def cap_keys(counts: Counter[Any], limit: int = MAX_VALUES, keep: Any = OTHER) -> list[Any]:
    """The keys beyond the ``limit`` with the smallest ``stable_hash`` (``keep``, where the
    dropped keys are counted, always stays and takes no place): the keys a capped state drops.
    A state keeps the ``limit`` smallest of the keys it saw, so any partitioning keeps the
    same keys with their whole counts (``keep`` taking a place once present would make the
    kept keys depend on when the first drop happened)."""
    ranked = [key for key in counts if key != keep]
    if len(ranked) <= limit:
        return []
    return sorted(ranked, key=stable_hash)[limit:]


EXACT_SCALE = 1130
"""``exact(x)`` is ``x * 2**EXACT_SCALE``, an integer for every finite float (subnormals too)."""


def exact(x: float) -> int:
    """A finite float as an exact integer (scaled by ``2**EXACT_SCALE``): sums of these do not
    depend on the order of addition, so means and variances merge exactly."""
    mantissa, exponent = math.frexp(x)
    return int(mantissa * (1 << 53)) << (exponent - 53 + EXACT_SCALE)


class Metric(ABC):
    """Base of all metrics. Subclasses are ``@dataclass(frozen=True)``."""

    alone_first: ClassVar[bool] = False
    """Whether the states of parts of the rows (``start_part``) always need a second pass whose
    work depends on the merged first pass (near-duplicates: matching against the final pool).
    Engines that merge parts then fold such a metric alone in the first pass, and the others
    in the second (``engine.two_passes``), so no row's features are computed twice."""

    @property
    @abstractmethod
    def roles(self) -> tuple[str, ...]:
        """The roles this metric reads."""

    @abstractmethod
    def start(self) -> Any:
        """An empty state."""

    @abstractmethod
    def update(self, state: Any, batch: Batch) -> Any:
        """The state after folding in ``batch`` (may update ``state`` in place); batches may
        come in any order."""

    @abstractmethod
    def merge(self, a: Any, b: Any) -> Any:
        """The state of two partitions together, whichever rows each holds (order-free)."""

    @abstractmethod
    def finalize(self, state: Any) -> Any:
        """The metric's value."""

    def start_part(self) -> Any:
        """An empty state for a part of the rows that will be merged with other parts (a task
        of the partitioned engine, a Spark partition): ``start()`` unless a metric does work
        in one pass that a merge would throw away (near-duplicates keep only their pool)."""
        return self.start()

    def second_pass(self, state: Any) -> Any:
        """The empty state of a second pass over the same rows when ``finalize`` cannot give
        the single pass's value from ``state`` (the merged state of the first pass), else
        None (the default: one pass is enough).

        The returned state carries what the first pass found (near-duplicates: the final
        probe pool) and is folded like any state: ``update`` with every batch again, ``merge``
        in any order and tree, then ``finalize`` gives the value. Engines ask through
        ``engine.States.second_pass`` and read the source again only when a metric needs it.
        """
        return None

    def compute(self, batches: list[Batch]) -> Any:
        """Convenience for tests and notebooks: the value over a list of batches."""
        state = self.start()
        for batch in batches:
            state = self.update(state, batch)
        return self.finalize(state)
