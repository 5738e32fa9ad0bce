"""Derive a suite's bounds from human data: ``synthgate calibrate``.

The human data is split at random into two disjoint halves, ``replicates`` times (seeded):
each row falls in one half or the other by a seeded hash of its row id, so the data is read
once, in batches, and memory holds the metric states of the halves, never the rows. For an
entry judged by bounds, each half gives one value of the metric at about half the data's
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

from synthgate.comparisons import compare
from synthgate.engine import States
from synthgate.errors import InputError
from synthgate.expectations import Context
from synthgate.loaders import Dataset
from synthgate.observation import Observation
from synthgate.roles import Codings
from synthgate.runner import Plan, available_roles, expectation_values, resolve_columns
from synthgate.sampling import row_priority
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
            f"{self.replicates} random splits into halves of about {self.half:,} rows, "
            f"percentile {self.percentile:g}.\n"
        )
        return header + self.suite.to_yaml(self.overrides)


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
    rng = random.Random(seed)
    seeds = [rng.getrandbits(32) for _ in range(replicates)]
    halves = [(States(plan.data_metrics, None), States(plan.data_metrics, None)) for _ in seeds]
    rows = 0
    for batch, _ in dataset.batches(columns):
        rows += len(batch)
        for split, pair in zip(seeds, halves, strict=True):
            sides = (row_priority(batch.ids, split) & 1).tolist()
            for side, states in enumerate(pair):
                states.feed(batch.take([i for i, s in enumerate(sides) if s == side]))
    if rows < 20:
        raise InputError(f"{dataset.name}: {rows} readable rows; calibration needs at least 20")
    result = Calibration(suite, dataset.name, rows, rows // 2, replicates, percentile)
    context = Context(codings or Codings())
    bound_values: dict[str, list[Observation]] = {e.id: [] for e in suite.entries}
    sizes: dict[str, list[int]] = {e.id: [] for e in suite.entries}
    statistics: dict[str, list[float]] = {e.id: [] for e in suite.entries}
    for left_half, right_half in halves:
        left, right = left_half.values()[None], right_half.values()[None]
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
