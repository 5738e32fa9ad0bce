"""The judge: a pure function from what was observed to a verdict.

``judge(observation, reference, spec)`` reads an ``Observation`` of the data, the reference's
(or None) and a ``Spec`` (bounds, and optionally a ``compare`` spec), and returns a
``Verdict``. It builds nothing and has no side effects, so the CLI, pandera, Great
Expectations and pytest adapters share it; ``Entry.result`` (``synthgate.suite``) is the one
place a verdict becomes an ``ExpectationResult``.

Without a reference the bounds decide. With a reference and ``compare``, the comparison must
pass, and the bounds still hold unless the reference itself is outside them (human data that
does the same excuses the data; a small reference that merely cannot show a difference does
not). Without ``compare`` the bounds decide even when there is a reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from synthgate.comparisons import Comparison, compare
from synthgate.observation import Observation


class Spec(Protocol):
    """What judging reads from a suite entry: bounds and the reference comparison."""

    @property
    def bounds(self) -> Mapping[str, float | None]:
        """``{"min": ..., "max": ...}``; a missing or None side is open."""

    @property
    def compare(self) -> Mapping[str, Any] | None:
        """``{"statistic", "max", "direction"?, "alpha"?}`` (see ``comparisons``), or None."""


def within(bounds: Mapping[str, float | None], value: float) -> bool | None:
    """Whether ``value`` lies within ``bounds``; None when both sides are open."""
    low, high = bounds.get("min"), bounds.get("max")
    if low is None and high is None:
        return None
    return (low is None or value >= low) and (high is None or value <= high)


@dataclass(frozen=True)
class Verdict:
    """How one observation was judged.

    ``success`` is None when it was not judged, and ``reason`` says why. ``comparison`` is the
    statistic against the reference when one was judged; ``excused`` is True when the data is
    outside its bounds but so is the reference (the comparison then decides alone).
    """

    success: bool | None
    reason: str | None = None
    comparison: Comparison | None = None
    excused: bool = False


def judge(observation: Observation, reference: Observation | None, spec: Spec) -> Verdict:
    """The verdict on ``observation`` (and ``reference``, the same measure on human data)."""
    value = observation.value
    if value is None or not observation.measured:
        return Verdict(None, observation.reason or "could not be measured")
    if spec.compare and reference is not None:
        if reference.value is None:
            return Verdict(None, f"reference not measurable: {reference.reason}")
        options = spec.compare
        comparison = compare(
            options["statistic"],
            options["max"],
            observation,
            reference,
            options.get("direction", "both"),
            options.get("alpha"),
        )
        inside = within(spec.bounds, value)
        excused = inside is False and within(spec.bounds, reference.value) is False
        return Verdict(
            comparison.passed and (inside is not False or excused),
            comparison=comparison,
            excused=excused,
        )
    inside = within(spec.bounds, value)
    if inside is None:
        return Verdict(None, "no bounds: this entry is judged only against a reference")
    return Verdict(inside)
