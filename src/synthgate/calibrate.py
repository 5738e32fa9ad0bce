"""Derive a suite's bounds from human data: ``synthgate calibrate``.

The human data is split at random into two disjoint halves, ``replicates`` times (seeded).
For an entry judged by bounds, each half gives one value of the metric at half the data's
size; the new ``min`` is the ``percentile``-th and the new ``max`` the (100 - ``percentile``)-th
percentile of those values (only the bounds the entry already has are replaced). For an entry
with a reference comparison, the statistic between the two halves of each split is its
distribution when both sides are human; the new ``max`` is its (100 - ``percentile``)-th
percentile (of |statistic| for ``both``, of the signed statistic in the failing direction
otherwise). Human data then passes its own suite by construction, at the chosen rate. Where a
value has a confidence interval, its interval ends are used, so a rate that is 0 on every half
keeps the margin its sample size cannot rule out; a comparison whose statistic is 0 between
every pair of halves keeps its default.

A metric measured on a fixed budget (distinct-n, compression ratio) is comparable only at
one budget: when the halves hold less than the entry's budget, the calibrated suite pins the
budget to what every half held, so data is later judged at the size its bounds came from.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from synthgate.batch import Batch
from synthgate.comparisons import compare
from synthgate.errors import InputError
from synthgate.expectations import Context
from synthgate.loaders import Dataset
from synthgate.observation import Observation
from synthgate.roles import Codings
from synthgate.runner import Plan, States, available_roles, expectation_values, resolve_columns
from synthgate.suite import Entry, Suite, load_suite


@dataclass
class Calibration:
    """New bounds by entry id, and the values they came from."""

    suite: Suite
    source: str
    rows: int
    half: int
    replicates: int
    percentile: float
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    values: dict[str, list[float]] = field(default_factory=dict)

    def to_yaml(self) -> str:
        header = (
            f"# Calibrated by `synthgate calibrate` on {self.source} ({self.rows:,} rows): "
            f"{self.replicates} random splits into halves of {self.half:,} rows, "
            f"percentile {self.percentile:g}.\n"
        )
        return header + self.suite.to_yaml(self.overrides)


def _concat(batches: list[Batch]) -> Batch:
    rows = [row for b in batches for row in b.rows]
    roles = batches[0].columns if batches else {}
    return Batch(rows, {role: [v for b in batches for v in b.columns[role]] for role in roles})


def _measure(plan: Plan, batch: Batch) -> dict[Any, Any]:
    states = States(plan.data_metrics, None)
    states.feed(batch)
    return states.values()[None]


def _bound(entry: Entry, observations: list[Observation], percentile: float) -> dict[str, float]:
    """Percentiles of the halves' values; of their interval ends where they have one, so a
    rate that is 0 on every half still allows what its sample size cannot rule out."""
    out: dict[str, float] = {}
    if entry.bounds.get("min") is not None:
        lows = [o.low if o.low is not None else o.value for o in observations]
        out["min"] = float(np.percentile([v for v in lows if v is not None], percentile))
    if entry.bounds.get("max") is not None:
        highs = [o.high if o.high is not None else o.value for o in observations]
        out["max"] = float(np.percentile([v for v in highs if v is not None], 100 - percentile))
    return out


def _compare_bound(entry: Entry, statistics: list[float], percentile: float) -> dict[str, Any]:
    assert entry.compare is not None
    direction = entry.compare.get("direction", "both")
    sign = {"both": None, "higher": 1.0, "lower": -1.0}[direction]
    spread = [abs(s) if sign is None else sign * s for s in statistics]
    limit = max(0.0, float(np.percentile(spread, 100 - percentile)))
    if limit == 0.0:  # both halves identical every time (e.g. a rate of 0): no evidence to tighten
        return {}
    return {"compare": {**entry.compare, "max": round(limit, 6)}}


def calibrate(
    data: str | os.PathLike[str] | Any,
    suite: str | Suite,
    *,
    mapping: dict[str, str] | None = None,
    codings: Codings | None = None,
    replicates: int = 30,
    percentile: float = 1.0,
    seed: int = 0,
) -> Calibration:
    """Bounds for every entry of ``suite`` from random halves of the human ``data``."""
    suite = suite if isinstance(suite, Suite) else load_suite(suite)
    dataset = Dataset(data)
    columns = {r: c for r, c in resolve_columns(suite, dataset, mapping).items() if r != "group"}
    plan = Plan(list(suite.entries), available_roles(columns))
    whole = _concat([batch for batch, _ in dataset.batches(columns)])
    if len(whole) < 20:
        raise InputError(
            f"{dataset.name}: {len(whole)} readable rows; calibration needs at least 20"
        )
    half = len(whole) // 2
    rng = random.Random(seed)
    result = Calibration(suite, dataset.name, len(whole), half, replicates, percentile)
    context = Context(codings or Codings())
    bound_values: dict[str, list[Observation]] = {e.id: [] for e in suite.entries}
    sizes: dict[str, list[int]] = {e.id: [] for e in suite.entries}
    statistics: dict[str, list[float]] = {e.id: [] for e in suite.entries}
    for _ in range(replicates):
        order = list(range(len(whole)))
        rng.shuffle(order)
        left = _measure(plan, whole.take(sorted(order[:half])))
        right = _measure(plan, whole.take(sorted(order[half : 2 * half])))
        for entry in suite.entries:
            if plan.missing(entry.expectation):
                continue
            a = expectation_values(entry.expectation, left)
            b = expectation_values(entry.expectation, right)
            observation, reference = entry.expectation.observe(a, b, context)
            if observation.value is not None:
                bound_values[entry.id].append(observation)
                sizes[entry.id].append(observation.n or 0)
            if (
                entry.compare
                and reference is not None
                and reference.value is not None
                and observation.value is not None
            ):
                spec = entry.compare
                statistics[entry.id].append(
                    compare(spec["statistic"], spec["max"], observation, reference).value
                )
    for entry in suite.entries:
        override: dict[str, Any] = {}
        budget = getattr(entry.expectation, "budget", None)
        if budget is not None and sizes[entry.id] and min(sizes[entry.id]) < budget:
            override["params"] = {"budget": min(sizes[entry.id])}
        if bound_values[entry.id]:
            bounds = _bound(entry, bound_values[entry.id], percentile)
            if bounds:
                override["bounds"] = {k: round(v, 6) for k, v in bounds.items()}
        if statistics[entry.id]:
            override.update(_compare_bound(entry, statistics[entry.id], percentile))
        if override:
            result.overrides[entry.id] = override
        result.values[entry.id] = [o.value for o in bound_values[entry.id] if o.value is not None]
    return result
