"""Inputs found by the fuzz target (``make fuzz``), each fixed; they stay here as regressions.

Each case is the input that crashed, as the fuzz target received it minus its last byte (the
format selector): see ``fuzz/fuzz_inputs.py``.
"""

from __future__ import annotations

import pytest

from synthgate.errors import SuiteError
from synthgate.suite import parse_suite

SUITE_FINDINGS = {
    # sorted() of a suite's unknown keys raised TypeError when they mixed types (null and text)
    "keys of mixed types": "~: 1\nb: 2\nexpectations: [{expect: text_length}]",
    "entry keys of mixed types": "expectations: [{expect: text_length, 1: 2, a: 3}]",
}


@pytest.mark.parametrize("case", sorted(SUITE_FINDINGS))
def test_suite_fuzz_finding_is_a_suite_error(case: str) -> None:
    with pytest.raises(SuiteError, match="unknown key"):
        parse_suite(SUITE_FINDINGS[case], "fuzz.yml")
