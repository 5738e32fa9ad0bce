"""Every metric merges order-free: any split of the rows into batches and partitions, folded
in any order and merged in any tree, finalizes to exactly the single pass's value."""

from __future__ import annotations

import dataclasses
import math
import pickle
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from synthgate import metrics
from synthgate.batch import Batch
from synthgate.expectations import REGISTRY
from synthgate.metrics import Metric, duplicates
from synthgate.metrics.duplicates import ExactDuplicates, NearDuplicates
from synthgate.metrics.lexical import TextSample
from synthgate.metrics.rows import RowValues


def registered_metrics() -> list[Metric]:
    """The metrics of every registered expectation with its defaults (paired ones too), one per
    configuration (a reference role's copy of a metric is left out)."""
    found: dict[Metric, None] = {}
    for expectation in (cls() for cls in REGISTRY.values()):
        paired = expectation.paired()
        for side in (expectation, paired) if paired else (expectation,):
            found.update(dict.fromkeys(side.metrics().values()))
    return [m for m in found if not getattr(m, "role", "").startswith("reference_")]


SMALL = [  # caps, samples and pools small enough for a few rows to overflow them
    TextSample("text", k=4),
    TextSample("turns", k=6),
    ExactDuplicates("text", k=3),
    NearDuplicates("text", pool=3),
    NearDuplicates("turns", pool=4, threshold=0.5),
    RowValues("text", "tokens", k=4, excerpts=2),
]
METRICS = registered_metrics() + SMALL

WORDS = ["the", "cat", "sat", "on", "a", "mat", "thanks", "bye", "Instruction:", "Solution:"]
WORDS += ["As an AI language model", "N/A", "```", "(", "and", "User:", "!", "1."]
text = st.one_of(
    st.none(),
    st.just(""),
    st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join),
    st.lists(st.sampled_from(WORDS[:4]), min_size=50, max_size=70).map(" ".join),
)
label = st.one_of(st.none(), st.integers(0, 3), st.lists(st.integers(0, 3), max_size=4))
choice = st.one_of(st.none(), st.sampled_from([0, 1, 2, "Tie"]), st.lists(st.sampled_from([1, 2])))
speaker = st.sampled_from(["user", "assistant", "User"])
turns = st.lists(st.tuples(speaker, text.map(lambda t: t or "")), max_size=6)
ROLES = {
    **dict.fromkeys(["text", "instruction", "input", "output", "prompt"], text),
    **dict.fromkeys(["output1", "output2", "reference_text"], text),
    "label": label,
    "reference_label": label,
    "choice": choice,
    "reference_choice": choice,
    "swapped_choice": choice,
    "turns": turns,
    "outcome": st.one_of(st.none(), st.booleans()),
}


def batch_of(rows: list[dict[str, Any]], ids: list[int]) -> Batch:
    columns = {role: [rows[i][role] for i in ids] for role in rows[0]} if rows else {}
    return Batch([i + 1 for i in ids], columns, list(ids))


def canonical(value: Any) -> Any:
    """A value as compared: dataclasses as their fields, NaN equal to NaN, dict order kept."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (type(value).__name__, [(f.name, canonical(getattr(value, f.name))) for f in fields])
    if isinstance(value, dict):
        return [(canonical(k), canonical(v)) for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


def partitioned(metric: Metric, rows: list[dict[str, Any]], data: st.DataObject) -> Any:
    """Rows cut into batches at random points, batches dealt to random partitions and folded
    in a random order, partition states merged in a random tree; again from the second-pass
    state when the metric asks for one (``Metric.second_pass``), cut and dealt anew."""
    start = data.draw(st.sampled_from([metric.start, metric.start_part]))  # as one pass or a part
    state = fold_partitions(metric, rows, data, start)
    second = metric.second_pass(state)
    if second is not None:
        state = fold_partitions(metric, rows, data, lambda: pickle.loads(pickle.dumps(second)))
    return metric.finalize(state)


def fold_partitions(
    metric: Metric, rows: list[dict[str, Any]], data: st.DataObject, start: Callable[[], Any]
) -> Any:
    cuts = sorted(data.draw(st.sets(st.integers(1, max(len(rows) - 1, 1)), max_size=6)))
    bounds = [0, *cuts, len(rows)]
    batches = [list(range(a, b)) for a, b in pairwise(bounds) if a < b]
    batches = data.draw(st.permutations(batches))
    count = data.draw(st.integers(1, 4))
    states = [start() for _ in range(count)]
    for ids in batches:
        part = data.draw(st.integers(0, count - 1))
        states[part] = metric.update(states[part], batch_of(rows, ids))
    states = [pickle.loads(pickle.dumps(s)) for s in states]  # what crosses processes
    while len(states) > 1:
        i = data.draw(st.integers(0, len(states) - 1))
        a = states.pop(i)
        b = states.pop(data.draw(st.integers(0, len(states) - 1)))
        states.append(metric.merge(a, b))
    return states[0]


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: repr(m)[:60])
@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: keep the suite fast
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_partitioning_merges_to_the_single_pass_value(
    metric: Metric, data: st.DataObject
) -> None:
    row = st.fixed_dictionaries({role: ROLES[role] for role in metric.roles})
    rows = data.draw(st.lists(row, min_size=1, max_size=14))
    single = metric.compute([batch_of(rows, list(range(len(rows))))])
    assert canonical(partitioned(metric, rows, data)) == canonical(single)


def test_every_metric_class_is_covered() -> None:
    covered = {type(m) for m in METRICS}
    assert {"NearDuplicates", "RowValues", "Judgements", "FlaggedRows", "Digression"} <= {
        c.__name__ for c in covered
    }
    assert len(covered) >= 15


CAPPED_KEYS = ("LabelDistribution", "ItemLabelSets", "LabelPairs", "Judgements", "PairedJudgements")
CAPPED = [  # metrics whose state keeps only part of what it saw beyond a cap (made small here)
    NearDuplicates("text", pool=3),
    NearDuplicates("turns", pool=4, threshold=0.5),
    *[m for m in registered_metrics() if type(m).__name__ in CAPPED_KEYS],
]


@pytest.mark.parametrize("metric", CAPPED, ids=lambda m: repr(m)[:60])
@settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_beyond_their_caps_partitions_still_merge_to_the_single_pass_value(
    metric: Metric, data: st.DataObject
) -> None:
    """Near-duplicates beyond ``MAX_HELD`` texts (merged partitions keep only the probe pool
    and take a second pass) and capped key sets beyond ``MAX_VALUES``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duplicates, "MAX_HELD", 3)
        patch.setattr(metrics.cap_keys, "__defaults__", (3, metrics.OTHER))
        row = st.fixed_dictionaries({role: ROLES[role] for role in metric.roles})
        rows = data.draw(st.lists(row, min_size=1, max_size=20))
        single = metric.compute([batch_of(rows, list(range(len(rows))))])
        assert canonical(partitioned(metric, rows, data)) == canonical(single)
