"""Built-in expectations, one module per data type; importing this package registers them all,
and every row check (``ROW_CHECKS``)."""

from synthgate.expectations import (
    bias,
    dialogues,
    diversity,
    free_text,
    instructions,
    labels,
    preferences,
    toxicity,
)
from synthgate.expectations.base import REGISTRY, Context, Expectation, register
from synthgate.metrics.flags import ROW_CHECKS  # filled as the modules above import their checks

__all__ = [
    "REGISTRY",
    "ROW_CHECKS",
    "Context",
    "Expectation",
    "bias",
    "dialogues",
    "diversity",
    "free_text",
    "instructions",
    "labels",
    "preferences",
    "register",
    "toxicity",
]
