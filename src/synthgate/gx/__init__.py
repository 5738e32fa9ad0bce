"""Great Expectations for synthgate (``pip install synthgate[gx]``).

Importing this package registers one GX expectation per synthgate expectation
(``expect_synthgate_<name>``, see ``synthgate.gx.expectations``) and their metric; import it
before loading a GX suite or checkpoint that holds them (``load_suite`` does, and refuses a
suite that came back with fewer expectations than its file holds).
"""

from synthgate.gx.expectations import CLASSES, SynthgateExpectation, class_name, expectation
from synthgate.gx.project import check, context, load_suite, run, save, suite

__all__ = [
    "CLASSES",
    "SynthgateExpectation",
    "check",
    "class_name",
    "context",
    "expectation",
    "load_suite",
    "run",
    "save",
    "suite",
]
