"""synthgate: test LLM-generated datasets for the artifacts of LLM-made data before training on them.

>>> import synthgate
>>> result = synthgate.validate("labels.jsonl", suite="task_labels", mapping={"label": "model_labels"})
>>> result.success, result.statistics

The names below load on first use (PEP 562), so importing ``synthgate`` (as pytest does for
the plugin in every run) costs nothing until the engine is needed.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from synthgate.errors import InputError, SuiteError, SynthgateError
    from synthgate.judging import Verdict, judge
    from synthgate.metrics.flags import ROW_CHECKS, Flag, RowCheck
    from synthgate.observation import Observation
    from synthgate.result import ExpectationResult, ValidationResult
    from synthgate.roles import Codings
    from synthgate.rowpass import RowVerdict, check_rows, suite_checks
    from synthgate.runner import validate
    from synthgate.suite import Suite, load_suite

__version__ = "0.1.0"

_EXPORTS = {
    "Codings": "synthgate.roles",
    "ExpectationResult": "synthgate.result",
    "Flag": "synthgate.metrics.flags",
    "InputError": "synthgate.errors",
    "Observation": "synthgate.observation",
    "ROW_CHECKS": "synthgate.expectations",
    "RowCheck": "synthgate.metrics.flags",
    "RowVerdict": "synthgate.rowpass",
    "Suite": "synthgate.suite",
    "SuiteError": "synthgate.errors",
    "SynthgateError": "synthgate.errors",
    "ValidationResult": "synthgate.result",
    "Verdict": "synthgate.judging",
    "check_rows": "synthgate.rowpass",
    "judge": "synthgate.judging",
    "load_suite": "synthgate.suite",
    "suite_checks": "synthgate.rowpass",
    "validate": "synthgate.runner",
}

__all__ = [
    "ROW_CHECKS",
    "Codings",
    "ExpectationResult",
    "Flag",
    "InputError",
    "Observation",
    "RowCheck",
    "RowVerdict",
    "Suite",
    "SuiteError",
    "SynthgateError",
    "ValidationResult",
    "Verdict",
    "__version__",
    "check_rows",
    "judge",
    "load_suite",
    "suite_checks",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'synthgate' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
