"""The judge is a pure function of observations and a spec; results show declared fields only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synthgate import Observation, Verdict, judge
from synthgate.expectations import REGISTRY
from synthgate.roles import PAIRED_REFERENCE


@dataclass(frozen=True)
class Spec:
    bounds: dict[str, float | None] = field(default_factory=dict)
    compare: dict[str, Any] | None = None


def test_bounds_decide_without_a_reference() -> None:
    assert judge(Observation(0.3), None, Spec({"max": 0.2})) == Verdict(False)
    assert judge(Observation(0.1), None, Spec({"max": 0.2})) == Verdict(True)


def test_unmeasured_is_not_judged_and_says_why() -> None:
    verdict = judge(Observation(None, reason="no texts"), None, Spec({"max": 0.2}))
    assert verdict.success is None and verdict.reason == "no texts"
    assert (
        judge(Observation(float("nan")), None, Spec({"max": 1})).reason == "could not be measured"
    )


def test_entry_without_bounds_waits_for_a_reference() -> None:
    assert judge(Observation(0.3), None, Spec()).success is None


def test_comparison_fails_even_within_bounds() -> None:
    spec = Spec({"max": 0.9}, {"statistic": "difference", "max": 0.1})
    verdict = judge(Observation(0.5), Observation(0.2), spec)
    assert verdict.success is False
    assert verdict.comparison is not None and verdict.comparison.value == 0.3


def test_reference_outside_bounds_excuses_the_data() -> None:
    spec = Spec({"max": 0.2}, {"statistic": "difference", "max": 0.1})
    assert judge(Observation(0.35), Observation(0.3), spec).excused
    assert judge(Observation(0.35), Observation(0.3), spec).success is True
    assert judge(Observation(0.25), Observation(0.2), spec).success is False  # reference within


def test_unmeasurable_reference_skips_a_comparison() -> None:
    spec = Spec({"max": 0.2}, {"statistic": "difference", "max": 0.1})
    verdict = judge(Observation(0.1), Observation(None, reason="empty"), spec)
    assert verdict.success is None and verdict.reason == "reference not measurable: empty"


def test_pairing_is_declared_and_swaps_the_declared_field() -> None:
    for expectation in REGISTRY.values():
        instance = expectation()
        paired = instance.paired()
        if expectation.paired_field is None:
            assert paired is None
        elif paired is not None:
            before = getattr(instance, expectation.paired_field)
            assert getattr(paired, expectation.paired_field) == PAIRED_REFERENCE[before]
    assert REGISTRY["flip_asymmetry"].paired_field is None  # reads the human labels itself
    assert REGISTRY["tie_rate"].paired_field == "role"
