"""synthgate: test LLM-generated datasets for the artifacts of LLM-made data before training on them.

>>> import synthgate
>>> result = synthgate.validate("labels.jsonl", suite="task_labels", mapping={"label": "model_labels"})
>>> result.success, result.statistics
"""

from synthgate.errors import InputError, SuiteError, SynthgateError
from synthgate.judging import Verdict, judge
from synthgate.observation import Observation
from synthgate.result import ExpectationResult, ValidationResult
from synthgate.roles import Codings
from synthgate.runner import validate
from synthgate.suite import Suite, load_suite

__version__ = "0.1.0"

__all__ = [
    "Codings",
    "ExpectationResult",
    "InputError",
    "Observation",
    "Suite",
    "SuiteError",
    "SynthgateError",
    "ValidationResult",
    "Verdict",
    "__version__",
    "judge",
    "load_suite",
    "validate",
]
