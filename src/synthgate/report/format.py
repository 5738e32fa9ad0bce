"""Formatting shared by the terminal and HTML reports."""

from __future__ import annotations

import re
from typing import Any

from synthgate.result import ExpectationResult

_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI escape sequences (colours, cursor moves, clear screen)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC sequences (window titles, hyperlinks)
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"  # C0, C1, bidi overrides
)


def plain(text: Any, newlines: bool = False) -> str:
    """``text`` safe for a terminal: escape sequences and control characters removed.

    Everything printed from data or file names goes through this, so a text cannot clear the
    screen or print a fake verdict. Newlines and tabs are kept only with ``newlines``.
    """
    cleaned = _CONTROL.sub("", str(text))
    return cleaned if newlines else cleaned.replace("\n", " ").replace("\t", " ")


def number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


UNSIGNED = ("jsd", "ks")
"""Statistics that are distances: only their size is bounded."""


def bounds(result: ExpectationResult) -> str:
    """How the result was judged, in words: the bounds, or the reference comparison."""
    if not result.comparison:
        return _limits(result) + (f" ({result.note})" if result.note else "")
    c = result.comparison
    limit = number(c["max"])
    allowed = {"higher": f"≤ {limit}", "lower": f"≥ -{limit}", "both": f"within ±{limit}"}[
        c.get("direction", "both")
    ]
    if c["statistic"] in UNSIGNED:
        allowed = f"≤ {limit}"
    text = f"{c['statistic']} {number(c['value'])} (allowed {allowed})"
    if c["statistic"] not in UNSIGNED:  # a distance has no reference value of its own
        text += f" vs ref {number(result.reference)}"
    text += f", p={c['p_value']:.2g}" if c.get("p_value") is not None else ""
    if c.get("passed") and result.success is False:
        text += f"; but outside bounds {_limits(result)}, which the reference meets"
    return text


def _limits(result: ExpectationResult) -> str:
    low, high = result.bounds.get("min"), result.bounds.get("max")
    parts = [
        f"≥ {number(low)}" if low is not None else "",
        f"≤ {number(high)}" if high is not None else "",
    ]
    return " and ".join(p for p in parts if p) or "–"


def observed(result: ExpectationResult) -> str:
    text = number(result.observed)
    if result.subject:
        text += f" ({result.subject})"
    if result.interval and result.interval[0] is not None:
        text += f" [{number(result.interval[0])}, {number(result.interval[1])}]"
    return text
