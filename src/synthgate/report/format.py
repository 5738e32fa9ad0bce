"""Formatting shared by every output (terminal, CI lines, Markdown, HTML): numbers a person can
read, how a result was judged, and what it means in plain words."""

from __future__ import annotations

import math
import re
from typing import Any

from synthgate.comparisons import DIRECTIONS
from synthgate.expectations import REGISTRY
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
    """A number with 3 significant digits, thousands separators, no exponent for small values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) < 0.001:
        return "<0.001" if value > 0 else ">-0.001"
    return f"{value:.3g}"


def percent(share: Any) -> str:
    """A share as a percentage: 0.456 -> 45.6%, 0.0062 -> 0.62%, 4e-19 -> <0.01%."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    value = 100 * share
    if value == 0:
        return "0%"
    if abs(value) < 0.01:
        return "<0.01%"
    if abs(value) < 1:
        return f"{value:.2g}%"
    return f"{value:.3g}%" if abs(value) < 100 else f"{value:.0f}%"


def p_value(p: float | None) -> str:
    if p is None:
        return ""
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def is_share(result: ExpectationResult) -> bool:
    """Whether the value is a proportion (shown as a percentage): a rate or a share, or an
    expectation compared by Cohen's h, the effect size between two proportions."""
    cls = REGISTRY.get(result.expectation)
    return result.expectation.endswith(("_rate", "_share")) or (
        cls is not None and "cohens_h" in cls.statistics
    )


def value(result: ExpectationResult, v: Any) -> str:
    """One value of ``result`` (observed, reference, a bound) in its unit."""
    return percent(v) if is_share(result) and isinstance(v, (int, float)) else number(v)


def interval(result: ExpectationResult) -> str:
    """The 95% interval of the observed value, or ''."""
    if not result.interval or result.interval[0] is None:
        return ""
    low, high = result.interval
    return f"{value(result, low)} to {value(result, high)}"


def observed(result: ExpectationResult) -> str:
    """The observed value with its 95% interval: ``45.6% (95% CI 39.5% to 51.7%)``."""
    text = value(result, result.observed)
    if result.subject:
        text += f" ({result.subject})"
    if interval(result):
        text += f" (95% CI {interval(result)})"
    return text


STATISTICS = {
    "difference": "difference",
    "log_ratio": "log2 ratio",
    "cohens_h": "effect size h",
    "cohens_d": "effect size d",
    "cohens_q": "effect size q",
    "jsd": "Jensen-Shannon distance",
    "ks": "KS distance",
}
"""Short names of the comparison statistics, as shown to people."""

GLOSSARY = {
    "difference": "the data's value minus the reference's",
    "log_ratio": "log2 of data / reference: 1 means twice the reference, -1 half",
    "cohens_h": (
        "Cohen's h, the effect size between two proportions: 0.2 is a small difference, "
        "0.5 a medium one, 0.8 a large one, whatever the number of rows"
    ),
    "cohens_d": (
        "Cohen's d, the difference of the means in standard deviations: 0.2 is small, 0.5 medium"
    ),
    "cohens_q": "Cohen's q, the difference between two correlations: 0.1 is small, 0.3 medium",
    "jsd": (
        "Jensen-Shannon distance between the two label distributions, in bits: "
        "0 identical, 1 nothing in common"
    ),
    "ks": (
        "Kolmogorov-Smirnov distance: the largest gap between the shares of rows below any "
        "value, in the data and in the reference (0 same distribution, 1 no overlap)"
    ),
}
"""What each comparison statistic means, in one sentence."""

UNSIGNED = ("jsd", "ks")
"""Statistics that are distances: only their size is bounded."""


def allowed(comparison: dict[str, Any]) -> str:
    """The comparison's allowed range: ``≤ 0.2``, ``≥ -0.1``, ``within ±0.2``."""
    limit = number(comparison["max"])
    if comparison["statistic"] in UNSIGNED:
        return f"≤ {limit}"
    return {"higher": f"≤ {limit}", "lower": f"≥ -{limit}", "both": f"within ±{limit}"}[
        comparison.get("direction", "both")
    ]


def limits(result: ExpectationResult) -> str:
    """The bounds in words: ``≥ 0.3 and ≤ 0.9``, or '' when there are none."""
    low, high = result.bounds.get("min"), result.bounds.get("max")
    parts = [
        f"≥ {value(result, low)}" if low is not None else "",
        f"≤ {value(result, high)}" if high is not None else "",
    ]
    return " and ".join(p for p in parts if p)


def bounds(result: ExpectationResult) -> str:
    """How the result was judged, compactly: the bounds, or the reference comparison."""
    if not result.comparison:
        return (limits(result) or "–") + (f" ({result.note})" if result.note else "")
    c = result.comparison
    text = f"{STATISTICS.get(c['statistic'], c['statistic'])} {number(c['value'])} (allowed {allowed(c)})"
    if c["statistic"] not in UNSIGNED:  # a distance has no reference value of its own
        text += f" vs reference {value(result, result.reference)}"
    if c.get("p_value") is not None:
        text += f", {p_value(c['p_value'])}"
    if c.get("passed") and result.success is False:
        text += f"; but outside bounds {limits(result)}, which the reference meets"
    return text


def ratio(result: ExpectationResult) -> str:
    """The observed value against the reference's, in words: ``3.6 times as high``, or ''."""
    obs, ref = result.observed, result.reference
    if obs is None or ref is None or obs <= 0 or ref <= 0 or not result.comparison:
        return ""
    if result.comparison["statistic"] == "cohens_q":  # correlations: a ratio means nothing
        return ""
    times = obs / ref
    if 0.8 <= times <= 1.25:
        return ""
    word = "as high" if times > 1 else "lower"
    times = max(times, 1 / times)
    return f"{times:.2g} times {word}" if times < 10 else f"{times:,.0f} times {word}"


SIZES = {"cohens_h": (0.2, 0.5, 0.8), "cohens_d": (0.2, 0.5, 0.8), "cohens_q": (0.1, 0.3, 0.5)}
"""Cohen's (1988) conventions for a small, medium and large effect."""


def _size(statistic: str, bound: float) -> str:
    small, medium, large = SIZES[statistic]
    if bound < small:
        return "a smaller than small"
    if bound < medium:
        return "a small"
    return "a medium" if bound < large else "a large"


ALLOWED_WORDS = {
    "difference": (
        "within {x} of the reference",
        "at most {x} above the reference",
        "at most {x} below the reference",
    ),
    "log_ratio": (
        "within {x} times the reference, either way",
        "at most {x} times the reference",
        "at most {x} times lower than the reference",
    ),
    "effect": (
        "no more than {x} difference from the reference",
        "no more than {x} increase over the reference",
        "no more than {x} decrease from the reference",
    ),
}
"""What a comparison allows, by direction (both, higher, lower), in words."""


def allowed_in_words(comparison: dict[str, Any]) -> str:
    """What the comparison allows, without its statistic's name: ``at most 0.1 below the
    reference``, ``no more than a small increase over the reference``."""
    statistic, bound = comparison["statistic"], float(comparison["max"])
    if statistic == "jsd":
        return f"label distributions at most {number(bound)} bits apart"
    if statistic == "ks":
        return f"distributions at most {number(bound)} apart (largest gap between their shares)"
    key, x = statistic, number(bound)
    if statistic == "log_ratio":
        x = f"{2**bound:.2g}"
    elif statistic in SIZES:
        key, x = "effect", _size(statistic, bound)
    words = ALLOWED_WORDS[key][DIRECTIONS.index(comparison.get("direction", "both"))]
    return words.format(x=x)


def explain(result: ExpectationResult, technical: bool = True) -> str:
    """What was seen against the reference and what is allowed, in one sentence.

    ``45.6% vs 1.38% in the reference (33 times as high); effect size h 1.25, allowed ≤ 0.2
    (p < 0.001)``; without ``technical``, no statistic is named (for the people who own the
    data): ``...; allowed: no more than a small increase over the reference``.
    """
    if result.success is None:
        return f"not checked: {result.reason or 'could not be measured'}"
    text = value(result, result.observed)
    if result.subject:
        text += f" ({result.subject})"
    c = result.comparison
    distance = c is not None and c["statistic"] == "jsd"  # the reference's value is 0 by definition
    if result.reference is not None and not distance:
        text += f" vs {value(result, result.reference)} in the reference"
        times = ratio(result)
        text += f" ({times})" if times else ""
    if c and technical:
        name = STATISTICS.get(c["statistic"], c["statistic"])
        text += f"; {name} {number(c['value'])}, allowed {allowed(c)}"
        text += f" ({p_value(c['p_value'])})" if c.get("p_value") is not None else ""
        if c.get("passed") and beyond(c):
            text += (
                f": beyond the bound but not significant at p < {number(c['alpha'])}, "
                "too few rows to tell"
            )
    elif c:
        text += f"; allowed: {allowed_in_words(c)}"
    elif limits(result):
        text += f"; allowed {limits(result)}"
    if c and c.get("passed") and result.success is False:
        text += f"; outside the bounds {limits(result)}, which the reference meets"
    return text


def measures(result: ExpectationResult) -> str:
    """What the expectation measures, in one sentence (its docstring's first paragraph), with
    its parameters' values and its roles' columns in place of their names: "windows of
    ``budget`` tokens" reads "windows of 1,000 tokens", "``role`` text" reads "output text"."""
    cls = REGISTRY.get(result.expectation)
    if cls is None:
        return ""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in result.parameters:
            return name
        given = result.parameters[name]
        return result.columns.get(given, given) if isinstance(given, str) else number(given)

    return re.sub(r"``(\w+)``", value, cls.doc()).replace("``", "")


def beyond(comparison: dict[str, Any]) -> bool:
    """Whether the effect itself is beyond the comparison's bound (whatever its p-value)."""
    value, limit = comparison["value"], comparison["max"]
    if comparison["statistic"] in UNSIGNED:
        return bool(value > limit)
    return bool(
        {"higher": value > limit, "lower": -value > limit, "both": abs(value) > limit}[
            comparison.get("direction", "both")
        ]
    )


def headline(result: ExpectationResult) -> str:
    """The entry's id in words: ``opener concentration (instruction)``."""
    name = re.sub(r"\[(.+)\]$", r" (\1)", result.id)
    return name.replace("_", " ")


def one_line(text: Any) -> str:
    """``text`` on one line, safe for a terminal (``plain``): every run of whitespace as one
    space, so a row of the data cannot break, restyle or fake a log line."""
    return " ".join(plain(text).split())
