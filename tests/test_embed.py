"""Metric values as JSON (a reference embedded in an exported suite) come back as they were."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from synthgate.embed import decode, encode
from synthgate.engine import LocalEngine, MetricPlan
from synthgate.loaders import Dataset
from synthgate.suite import load_suite


def test_containers_and_numbers_survive_json() -> None:
    value = {
        1: (2, "a"),
        (0, 1): Counter({None: 3, "x": 1}),
        "s": {3, 1},
        "f": [math.inf, 0.5],
        "a": np.array([1.5, 2.0]),
    }
    back = decode(json.loads(json.dumps(encode(value))))
    assert back[1] == (2, "a") and back[(0, 1)] == Counter({None: 3, "x": 1})
    assert back["s"] == {1, 3} and back["f"] == [math.inf, 0.5]
    assert back["a"].tolist() == [1.5, 2.0]


def test_every_metric_value_of_a_suite_survives_json() -> None:
    rows = {
        "instruction": ["Write a poem about the sea.", "List three fruits.", "Write a poem."] * 20,
        "input": ["", "<noinput>", "apples"] * 20,
        "output": ["As an AI, I cannot.", "Apple, pear, plum", "The sea is wide and"] * 20,
    }

    entries = load_suite("instructions").entries
    metrics = frozenset(m for e in entries for m in e.expectation.metrics().values())
    columns = {role: role for role in rows}
    values = LocalEngine().run(MetricPlan(metrics, columns), Dataset(pd.DataFrame(rows)))[None]
    for metric, value in values.items():
        assert repr(decode(json.loads(json.dumps(encode(value))))) == repr(value), metric


def test_only_synthgate_classes_are_built() -> None:
    with pytest.raises(ValueError, match="not a synthgate module"):
        decode({"dataclass": "os:system", "fields": {}})
    with pytest.raises(TypeError):
        encode(object())
