"""Charts for the HTML report, drawn offline by matplotlib as inline SVG.

Every chart reads declared fields of a result (its observation and the reference's: value,
interval, ``samples``, ``distribution``, examples) and says what its axes are, with units. Text
stays text in the SVG (``svg.fonttype: none``), which keeps a chart at a few kilobytes. matplotlib
is imported on the first chart, so the command line starts fast when no report is written.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from synthgate.report.format import headline, is_share
from synthgate.result import ExpectationResult

DATA, REFERENCE, BOUND = "#c2410c", "#2563eb", "#6b7280"
"""Colours: the data (orange), the reference (blue), bounds (grey); readable for red-green
colour blindness."""

MAX_BINS = 30
MAX_BARS = 12
STYLE: Any = {  # matplotlib's rcParams keys (its stubs type them as literals)
    "svg.fonttype": "none",
    "svg.hashsalt": "synthgate",  # stable ids: the same result draws the same SVG
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "legend.frameon": False,
    "text.parse_math": False,  # a label "$5" from the data is text, not TeX
}


def _figure(width: float = 6.4, height: float = 2.8) -> Any:
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    return Figure(figsize=(width, height), layout="constrained")


def _svg(figure: Any) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    text = text[text.index("<svg") :]  # inline: no XML declaration or doctype
    return re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r"\1", text, count=1)


def _draw(draw: Any, *args: Any, **kwargs: Any) -> str:
    """Draw a chart in the report's style, as SVG."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        return _svg(draw(*args, **kwargs))


def _unit(result: ExpectationResult) -> str:
    unit = result.observation.unit
    return f", in {unit}" if unit else ""


def _percent_axis(axis: Any) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(1.0))


def histogram(result: ExpectationResult) -> str | None:
    """Per-row values (lengths, readability...) of the data and the reference as two outlines
    over shared bins, each as a share of its rows."""
    data = result.observation.samples
    ref = result.reference_observation.samples if result.reference_observation else None
    if not data or len(data) < 5 or len(set(data) | set(ref or [])) < 2:
        return None  # one value: nothing to draw a distribution of
    return _draw(_histogram, result, np.asarray(data, float), ref)


def _histogram(result: ExpectationResult, data: np.ndarray, ref: Sequence[float] | None) -> Any:
    both = np.concatenate([data, np.asarray(ref or [], float)])
    low, high = np.quantile(both, [0.0, 0.99])  # the longest 1% would squash the rest
    if high <= low:
        high = low + 1
    bins = min(MAX_BINS, len(np.unique(both)), max(8, int(np.sqrt(len(both)))))
    edges = np.histogram_bin_edges(both, bins=bins, range=(low, high))

    figure = _figure()
    axes = figure.subplots()
    for values, colour, label in ((data, DATA, "this data"), (ref, REFERENCE, "reference")):
        if values is None or not len(values):
            continue
        clipped = np.clip(np.asarray(values, float), low, high)
        counts, _ = np.histogram(clipped, bins=edges)
        axes.stairs(
            counts / len(clipped),
            edges,
            color=colour,
            linewidth=2,
            label=f"{label} ({len(clipped):,} rows)",
        )
    axes.set_xlabel(f"{headline(result)} per row{_unit(result)}")
    axes.set_ylabel("share of rows")
    _percent_axis(axes.yaxis)
    if is_share(result):
        _percent_axis(axes.xaxis)
    axes.set_title("Distribution per row" + (" vs the reference" if ref else ""), loc="left")
    axes.legend(loc="upper right")
    return figure


def distribution(result: ExpectationResult) -> str | None:
    """Label (class) shares of the data beside the reference's, largest first."""
    data = result.observation.distribution
    if not data:
        return None
    ref = result.reference_observation.distribution if result.reference_observation else None
    return _draw(_bars, "Label shares" + (" vs the reference" if ref else ""), "label", data, ref)


def openers(result: ExpectationResult) -> str | None:
    """The most over-represented openers: their share of texts here and in the reference."""
    found = [ex for ex in result.examples if "opener" in ex and "share" in ex]
    if not found:
        return None
    data = {str(ex["opener"]): float(ex["share"]) for ex in found}
    ref = {
        str(ex["opener"]): float(ex["reference_share"]) for ex in found if "reference_share" in ex
    }
    title = "Texts that open with each word" + (" vs the reference" if ref else "")
    return _draw(_bars, title, "first word", data, ref or None)


def _bars(title: str, xlabel: str, data: dict[Any, float], ref: dict[Any, float] | None) -> Any:
    keys = sorted(
        set(data) | set(ref or {}), key=lambda k: -max(data.get(k, 0), (ref or {}).get(k, 0))
    )
    keys = keys[:MAX_BARS]
    x = np.arange(len(keys))
    width = 0.4 if ref else 0.6
    figure = _figure()
    axes = figure.subplots()
    shift = width / 2 if ref else 0
    axes.bar(x - shift, [data.get(k, 0) for k in keys], width, color=DATA, label="this data")
    if ref:
        axes.bar(
            x + shift, [ref.get(k, 0) for k in keys], width, color=REFERENCE, label="reference"
        )
    axes.set_xticks(
        x,
        [_short(k) for k in keys],
        rotation=30 if len(keys) > 6 else 0,
        ha="right" if len(keys) > 6 else "center",
    )
    axes.set_xlabel(xlabel)
    axes.set_ylabel("share")
    _percent_axis(axes.yaxis)
    axes.set_title(title, loc="left")
    axes.legend(loc="upper right")
    return figure


def _short(key: Any, size: int = 14) -> str:
    text = str(key)
    return text if len(text) <= size else text[: size - 1] + "…"


def value(result: ExpectationResult) -> str | None:
    """The observed value with its 95% interval, the reference's, and the allowed range."""
    if result.observed is None or not math.isfinite(result.observed):
        return None
    return _draw(_value, result)


def _points(results: Sequence[ExpectationResult], labels: Sequence[str], title: str) -> Any:
    first = results[0]
    figure = _figure(height=0.9 + 0.42 * (len(results) + (first.reference is not None)))
    axes = figure.subplots()
    rows: list[tuple[str, float, list[float | None] | None, str]] = [
        (label, r.observed, r.interval, DATA)
        for label, r in zip(labels, results, strict=True)
        if r.observed is not None and math.isfinite(r.observed)
    ]
    ref = first.reference_observation
    if ref is not None and ref.value is not None and math.isfinite(ref.value):
        rows.append(("reference", ref.value, ref.interval, REFERENCE))
    for y, (_, point, interval, colour) in enumerate(reversed(rows)):
        if interval and interval[0] is not None and interval[1] is not None:
            axes.plot([interval[0], interval[1]], [y, y], color=colour, linewidth=3, alpha=0.45)
        axes.plot([point], [y], "o", color=colour, markersize=7)
    axes.set_yticks(range(len(rows)), [_short(label, 22) for label, *_ in reversed(rows)])
    low, high = first.bounds.get("min"), first.bounds.get("max")
    for bound, word in ((low, "min"), (high, "max")):
        if bound is not None:
            axes.axvline(bound, color=BOUND, linestyle="--", linewidth=1)
            axes.annotate(
                f" allowed {word}",
                (bound, 0),
                xycoords=("data", "axes fraction"),
                fontsize=8,
                color=BOUND,
                ha="left",
                va="bottom",
            )
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.set_xlabel(f"{headline(first)}{_unit(first)}" + (" (share)" if is_share(first) else ""))
    axes.margins(x=0.15)
    if is_share(first):
        _percent_axis(axes.xaxis)
        left, right = axes.get_xlim()
        axes.set_xlim(max(left, 0.0), min(right, 1.0))
    axes.set_title(title, loc="left")
    return figure


def _value(result: ExpectationResult) -> Any:
    title = "Observed value, 95% interval" + (
        " and the reference" if result.reference is not None else ""
    )
    return _points([result], ["this data"], title)


def groups(results: Sequence[ExpectationResult]) -> str | None:
    """One expectation across groups: each group's value with its interval, beside the whole
    data's, the reference and the bounds."""
    shown = [r for r in results if r.observed is not None and math.isfinite(r.observed)]
    if len(shown) < 2:
        return None
    labels = ["all rows" if r.group is None else str(r.group) for r in shown]
    return _draw(_points, shown, labels, "Per group, with 95% intervals")


def for_result(result: ExpectationResult) -> list[str]:
    """The charts that show one result: its distribution, openers or histogram when it has
    them, else its value against the reference and the bounds."""
    charts = [
        chart for chart in (distribution(result), openers(result), histogram(result)) if chart
    ]
    if not charts and result.success is not None:
        chart = value(result)
        charts = [chart] if chart else []
    return charts
