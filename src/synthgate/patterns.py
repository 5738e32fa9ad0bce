"""Regular expressions a suite supplies run on RE2 (``google-re2``), never on Python's ``re``.

RE2 matches in time linear in the text whatever the pattern, so ``extra_patterns: ["(a+)+$"]``
cannot hang a run (with ``re`` it backtracks exponentially). RE2 has no backreferences and no
lookaround; a pattern that needs them is refused when the suite is read.
"""

from __future__ import annotations

from typing import Any

import re2


def compile_pattern(pattern: str, ignore_case: bool = False) -> Any:
    """The compiled RE2 pattern; ValueError naming the pattern when RE2 cannot compile it."""
    if not isinstance(pattern, str):
        raise ValueError(f"pattern {pattern!r} is not text")
    options = re2.Options()
    options.log_errors = False  # the error is raised (and reported once), not logged
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        why = error.args[0].decode("utf-8", "replace") if error.args else ""
        raise ValueError(
            f"pattern {pattern!r} is not a valid regular expression for RE2 "
            f"(which has no backreferences or lookaround): {why}"
        ) from None


def check_patterns(patterns: tuple[str, ...]) -> None:
    """ValueError naming the first pattern that RE2 cannot compile."""
    for pattern in patterns:
        compile_pattern(pattern)
