"""The judge is a pure function of observations and a spec; results show declared fields only."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from synthgate import Observation, Verdict, judge, validate
from synthgate.expectations import REGISTRY
from synthgate.roles import PAIRED_REFERENCE

SCHEMA = Path(str(resources.files("synthgate") / "schemas" / "result.schema.json"))


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


def test_counts_in_details_serialize_as_counts(tmp_path: Path) -> None:
    """A Counter in details was rebuilt from its items by dataclasses.asdict ('(2, 5)': 1)."""
    closing = [("A", "Thanks!"), ("B", "You're welcome."), ("A", "Bye!")]
    rows = [{"turns": [{"speaker": "A", "text": "Hi, a table for two?"}] * 2}] * 5
    rows += [{"turns": [{"speaker": s, "text": t} for s, t in closing]}] * 2
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    document = validate(path, "dialogues").to_dict()
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    [closing_loops] = [r for r in document["results"] if r["expectation"] == "closing_loop_rate"]
    assert closing_loops["details"]["conversations_by_closing_turns"] == {"0": 5, "3": 2}


def test_result_declares_the_class_it_watches_and_validates_against_the_schema(
    tmp_path: Path,
) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(json.dumps({"label": i % 4 == 0}) + "\n" for i in range(40)))
    result = validate(path, "task_labels")
    majority = next(r for r in result.results if r.id == "majority_class_share")
    assert majority.subject == "class 0"  # booleans are read as 0 and 1
    jsonschema.validate(json.loads(result.to_json()), json.loads(SCHEMA.read_text()))
