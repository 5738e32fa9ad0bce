"""Built-in expectations, one module per data type; importing this package registers them all,
and every row check (``ROW_CHECKS``)."""

from synthgate.expectations import (
    dialogues,
    diversity,
    free_text,
    instructions,
    labels,
    preferences,
)
from synthgate.expectations.base import REGISTRY, Context, Expectation, register
from synthgate.metrics.flags import ROW_CHECKS  # filled as the modules above import their checks

__all__ = [
    "REGISTRY",
    "ROW_CHECKS",
    "Context",
    "Expectation",
    "dialogues",
    "diversity",
    "free_text",
    "instructions",
    "labels",
    "preferences",
    "register",
]
