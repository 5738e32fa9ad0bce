"""Issue 8: inputs that once took quadratic time parse in linear time.

Timed loosely (a few seconds for inputs that took minutes): speed targets live in bench/.
"""

from __future__ import annotations

import time

from synthgate.metrics.dialogues import CAMEL_MARKERS, flagged_turns
from synthgate.turns import parse_transcript


def test_a_transcript_line_of_spaces_without_a_colon_parses_in_linear_time() -> None:
    """8,000 spaces took 2.7 s and a 1 MB line did not finish in 300 s."""
    start = time.perf_counter()
    assert parse_transcript("Alice: hi\n" + " " * 1_000_000 + "x\nBob: yo") == [
        ("Alice", "hi\n" + " " * 1_000_000 + "x"),
        ("Bob", "yo"),
    ]
    assert time.perf_counter() - start < 2


def test_a_transcript_keeps_its_speakers_and_continuations() -> None:
    assert parse_transcript("  Alice :  hello\nmore\nhttp://x: y\n12: no") == [
        ("Alice", " hello\nmore\nhttp://x: y\n12: no")
    ]


def test_a_turn_of_many_blank_lines_is_checked_in_linear_time() -> None:
    """The "writes as another speaker" search once let ``^\\s*`` run across blank lines."""
    turns = [("user", "Instruction: go"), ("assistant", "\n" * 200_000 + "Solution: ok")]
    start = time.perf_counter()
    flagged_turns(turns, CAMEL_MARKERS, "CAMEL_TASK_DONE")
    assert time.perf_counter() - start < 2
