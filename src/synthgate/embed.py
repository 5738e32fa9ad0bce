"""Metric values as JSON, so a reference's values can travel inside a suite file.

A Great Expectations suite exported with a reference carries, per expectation, the values of
its metrics on the reference (``encode``); validating later decodes them (``decode``) and
measures data and reference exactly as a run with the reference file would. Values are
synthgate's own dataclasses, containers and numbers; nothing else is encoded, and decoding
builds only dataclasses defined in synthgate's modules.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
from collections import Counter
from typing import Any

import numpy as np

PACKAGE = "synthgate."


def encode(value: Any) -> Any:
    """A JSON-ready form of a metric value (tagged where JSON has no type of its own)."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, np.ndarray):
        return {"array": encode(value.tolist()), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return encode(value.item())
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"set": [encode(v) for v in sorted(value, key=repr)]}
    if isinstance(value, dict):
        tag = "counter" if isinstance(value, Counter) else "dict"
        return {tag: [[encode(k), encode(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if not cls.__module__.startswith(PACKAGE):
            raise TypeError(f"cannot embed a {cls.__module__}.{cls.__qualname__}")
        return {
            "dataclass": f"{cls.__module__}:{cls.__qualname__}",
            "fields": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    raise TypeError(f"cannot embed a value of type {type(value).__name__}")


def decode(data: Any) -> Any:
    """The metric value ``encode`` was given."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "float" in data:
        return float(data["float"])
    if "array" in data:
        return np.array(decode(data["array"]), dtype=data["dtype"])
    if "tuple" in data:
        return tuple(decode(v) for v in data["tuple"])
    if "set" in data:
        return {decode(v) for v in data["set"]}
    if "counter" in data:
        return Counter({decode(k): decode(v) for k, v in data["counter"]})
    if "dict" in data:
        return {decode(k): decode(v) for k, v in data["dict"]}
    if "dataclass" in data:
        module, _, name = data["dataclass"].partition(":")
        if not module.startswith(PACKAGE):
            raise ValueError(f"an embedded value names {module!r}, not a synthgate module")
        cls: Any = importlib.import_module(module)
        for part in name.split("."):
            cls = getattr(cls, part)
        value = object.__new__(cls)
        for key, item in data["fields"].items():
            object.__setattr__(value, key, decode(item))
        return value
    raise ValueError(f"not an embedded value: keys {sorted(data)}")
