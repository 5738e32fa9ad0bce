"""The one value record: a number with its interval and sample size, and what explains it.

Metrics that estimate a number return one (``sampling.wilson``, ``percentile_estimate``),
expectations turn metric values into one per side (the data, the reference), the judge
(``synthgate.judging``) reads them, and a result shows them (``observed``, ``interval``,
``sample_size`` in the JSON).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Observation:
    """A value measured on one dataset (or one group of it), with what explains it.

    ``value`` is the number bounds apply to (None when it could not be measured, with
    ``reason``); ``low``/``high`` its 95% interval and ``n`` the sample size it rests on.
    ``distribution`` and ``samples`` serve comparisons that need more than a number;
    ``subject`` names what the value is about when it is one of several ("class 1");
    ``examples`` are rows that show the problem; ``details`` holds further numbers.
    """

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int | None = None
    distribution: dict[Any, float] | None = None
    samples: list[float] | None = None
    details: dict[str, Any] | None = None
    examples: list[dict[str, Any]] | None = None
    reason: str | None = None
    subject: str | None = None
    unit: str | None = None
    """What the value and ``samples`` count, for axes and labels ("tokens", "log2 tokens")."""

    @property
    def measured(self) -> bool:
        """Whether there is a number to judge (not None, not NaN)."""
        return self.value is not None and self.value == self.value

    @property
    def interval(self) -> list[float | None] | None:
        """``[low, high]``, or None without an interval."""
        return [self.low, self.high] if self.low is not None else None
