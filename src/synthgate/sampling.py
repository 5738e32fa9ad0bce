"""Seeded, mergeable sampling and the intervals reported with sampled values.

``BottomK`` keeps the k rows with the smallest seeded hash of their row id (the record's index
in the source, ``batch.Batch.ids``, never a line number or the processing order): a uniform
random sample without replacement that does not depend on the file format, batch boundaries
or the order rows come in, and that merges across partitions (the union's k smallest is the
sample of the union). It is how synthgate makes diversity metrics size-invariant (FINDINGS.md,
"Size invariance").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from synthgate.observation import Observation

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


MAX_POSITIONS = 1 << 16
"""Texts of one row (dialogue turns) are told apart by position, below this."""


def row_priority(
    ids: list[int] | np.ndarray, seed: int, positions: list[int] | None = None
) -> np.ndarray:
    """A seeded pseudo-random uint64 per row id (and text position in it): splitmix64, a
    bijection, so distinct (id, position) keys never tie."""
    keys = np.asarray(ids, dtype=np.uint64) * np.uint64(MAX_POSITIONS)
    if positions is not None:
        keys = keys + np.asarray(positions, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = keys + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return (x ^ (x >> np.uint64(31))) & _MASK


@dataclass
class BottomK:
    """The k items with the smallest priority seen so far, as ``(priority, row, payload)``;
    ``row`` names the item in examples, the priority comes from its id (``row_priority``)."""

    k: int
    items: list[tuple[int, int, Any]] = field(default_factory=list)

    @property
    def threshold(self) -> int:
        """Items with a priority at or above this cannot enter the sample any more."""
        return self.items[-1][0] if len(self.items) >= self.k else 2**64

    def entering(self, priorities: np.ndarray) -> list[int]:
        """The positions of the priorities below the threshold, in order (once the sample is
        full, few are: numpy finds them without a Python step per item)."""
        limit = self.threshold
        if limit >= 2**64:
            return list(range(len(priorities)))
        return np.flatnonzero(priorities < np.uint64(limit)).tolist()

    def offer(self, priorities: np.ndarray, rows: list[int], payloads: list[Any]) -> None:
        """Add the items whose priority is below the threshold."""
        chosen = self.entering(priorities)
        values = priorities[chosen].tolist()
        self.items += [(values[j], rows[i], payloads[i]) for j, i in enumerate(chosen)]
        if len(self.items) >= self.k:  # sorted and trimmed: items[-1] is the k-th smallest
            self._prune()

    def _prune(self) -> None:
        self.items.sort(key=lambda item: item[0])
        del self.items[self.k :]

    def merge(self, other: BottomK) -> BottomK:
        merged = BottomK(self.k, self.items + other.items)
        merged._prune()
        return merged

    def ordered(self) -> list[tuple[int, int, Any]]:
        """The sample in priority order (itself a seeded random order)."""
        self._prune()
        return self.items


def wilson(successes: int, n: int, z: float = 1.96) -> Observation:
    """A proportion with its Wilson score interval (95% by default)."""
    if n == 0:
        return Observation(math.nan, None, None, 0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Observation(p, max(0.0, centre - half), min(1.0, centre + half), n)


def percentile_estimate(replicates: list[float], n: int) -> Observation:
    """Mean of replicate values with their 2.5th and 97.5th percentiles."""
    values = np.asarray(replicates, dtype=float)
    low, high = np.percentile(values, [2.5, 97.5])
    return Observation(float(values.mean()), float(low), float(high), n)
