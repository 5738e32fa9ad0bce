"""Free-form text (FINDINGS.md §5): LLM answers, rewrites and other prose.

Machine rewrites flip human style attributes and homogenize (machine discourse structure stays
the same across domains while human structure varies); on public paired human/LLM answers the
LLM side is more compressible and more repetitive, and opens more texts with the same words.
The expectations here measure readability (its level and spread) and repetition within each
text (the Gopher rules). The free-text suite adds the generic ones: ``text_length``,
``distinct_n`` and ``compression_ratio`` (``diversity``), ``length_spread``,
``opener_concentration`` and ``boilerplate_rate`` (``instructions``), all on the ``text`` role.
"""

from __future__ import annotations

import dataclasses
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from synthgate.expectations.base import Context, Expectation, example, register
from synthgate.metrics import Metric
from synthgate.metrics.flags import RowCheck
from synthgate.metrics.readability import MIN_WORDS, READABILITY_SCALES
from synthgate.metrics.repetition import (
    GOPHER_LIMITS,
    GOPHER_MIN_WORDS,
    GopherRepetition,
    GopherRepetitionCheck,
    RepetitionResult,
)
from synthgate.metrics.rows import RowValues, RowValuesResult
from synthgate.metrics.vocabulary import MarkerVocabulary, VocabularyResult
from synthgate.observation import Observation
from synthgate.sampling import wilson

STYLE_FINDING = (
    "Machine rewrites flip human style attributes, and machine text homogenizes: its structure "
    "stays the same across domains while human text varies (FINDINGS.md §5)."
)


@dataclass(frozen=True)
class _Readability(Expectation):
    """Shared by readability level and spread: one textstat formula per row."""

    paired_field: ClassVar[str | None] = "role"
    role: str = "text"
    formula: str = "flesch_reading_ease"
    examples: int = 3

    finding: ClassVar[str] = STYLE_FINDING

    def __post_init__(self) -> None:
        if self.formula not in READABILITY_SCALES:
            raise ValueError(
                f"unknown readability formula {self.formula!r}; "
                f"formulas are {', '.join(READABILITY_SCALES)}"
            )

    def metrics(self) -> dict[str, Metric]:
        return {"scores": RowValues(self.role, self.formula, excerpts=self.examples)}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        result: RowValuesResult = values["scores"]
        if result.n < 2:
            return Observation(
                None, reason=f"fewer than 2 {self.role} texts of at least {MIN_WORDS} words"
            )
        low, high = READABILITY_SCALES[self.formula]
        details = {
            "formula": self.formula,
            "scale": [low, high],
            "texts_scored": result.n,
            "too_short_or_empty": result.missing,
            "median": round(result.quantile(0.5), 2),
            "p25": round(result.quantile(0.25), 2),
            "p75": round(result.quantile(0.75), 2),
            "mean": round(result.mean, 2),
            "std": round(result.std, 2),
        }
        examples = [
            example(row, text, **{self.formula: round(value, 1), "end": end})
            for end, rows in (("lowest", result.lowest), ("highest", result.highest))
            for value, row, text in rows
        ]
        return Observation(
            self.value(result),
            n=result.n,
            samples=result.values,
            details=details,
            examples=examples,
            unit=self.formula.replace("_", " "),
        )

    @abstractmethod
    def value(self, result: RowValuesResult) -> float:
        """The number bounds apply to."""


@register
@dataclass(frozen=True)
class Readability(_Readability):
    """Median readability of a text column, by textstat's ``formula``.

    Machine rewrites shift style (FINDINGS.md §5): against a human reference the per-row
    scores are compared with Cohen's d (Welch's t-test p-value beside) or a Kolmogorov-Smirnov
    test. Scores are clipped to the formula's scale (0..100 for Flesch reading ease); texts
    under 10 words get none. The examples are the hardest and easiest texts.
    """

    name: ClassVar[str] = "readability"
    statistics: ClassVar[tuple[str, ...]] = ("cohens_d", "ks", "difference")

    def value(self, result: RowValuesResult) -> float:
        return result.quantile(0.5)


@register
@dataclass(frozen=True)
class ReadabilitySpread(_Readability):
    """Standard deviation of the readability of a text column: how much texts differ in style.

    Machine text homogenizes (FINDINGS.md §5): its style varies less across texts than human
    text, so its readability spread is narrower. Scores are clipped to the formula's scale, so
    code and lists cannot inflate it. Against a human reference the log2 ratio of the two
    standard deviations is judged, with the Brown-Forsythe test's p-value (Levene's test on
    deviations from the median) in the details. The examples are the hardest and easiest texts.
    """

    name: ClassVar[str] = "readability_spread"
    statistics: ClassVar[tuple[str, ...]] = ("log_ratio", "difference")

    def value(self, result: RowValuesResult) -> float:
        return result.std

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """Against a reference, adds the Brown-Forsythe p-value for equal spreads."""
        observation, ref = super().observe(values, reference, context)
        if ref is None or not observation.samples or not ref.samples:
            return observation, ref
        from scipy import stats

        p_value = float(stats.levene(observation.samples, ref.samples, center="median").pvalue)
        details = {**(observation.details or {}), "brown_forsythe_p": p_value}
        return dataclasses.replace(observation, details=details), ref


@register
@dataclass(frozen=True)
class GopherRepetitionRate(Expectation):
    """Share of texts (of at least ``min_words`` words) that break a Gopher repetition rule.

    The rules (Rae et al. 2021, Table A1, as in datatrove's ``gopher_repetition_filter``)
    remove a document when repeated lines, paragraphs, its most frequent 2-4-gram or its
    duplicate 5-10-grams hold more than a set share of its characters (see
    ``metrics.repetition``); shorter texts are not judged (Gopher's documents have at least
    50 words). LLM answers are more repetitive than the human answers they are paired with
    (FINDINGS.md §5): on the Self-Instruct evaluation answers, 24 of 98 text-davinci-003
    answers of 50+ words break a rule, against 3 of 76 human answers. Wilson interval; against
    a reference, Cohen's h with a two-proportion z-test. The examples are the texts that exceed
    a limit the most, with the rule and what repeats.
    """

    name: ClassVar[str] = "gopher_repetition"
    finding: ClassVar[str] = (
        "On public paired human/LLM answers the LLM side is more repetitive (FINDINGS.md §5)."
    )
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    paired_field: ClassVar[str | None] = "role"
    role: str = "text"
    min_words: int = GOPHER_MIN_WORDS
    examples: int = 5

    def metrics(self) -> dict[str, Metric]:
        return {"repetition": GopherRepetition(self.role, self.min_words, self.examples)}

    def row_checks(self, context: Context) -> tuple[RowCheck, ...]:
        return (GopherRepetitionCheck(self.role, self.min_words),)

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        result: RepetitionResult = values["repetition"]
        if not result.checked:
            return Observation(
                None,
                reason=f"no {self.role} text of at least {self.min_words} words "
                f"({result.short} shorter)",
            )
        rate = result.rate
        details = {
            "checked": result.checked,
            "too_short": result.short,
            "min_words": self.min_words,
            "flagged": result.flagged,
            "by_rule": result.by_rule,
        }
        examples = [
            example(
                o.row,
                o.excerpt,
                rule=o.rule,
                fraction=round(o.fraction, 3),
                limit=GOPHER_LIMITS[o.rule],
                repeated=o.repeated,
                rules=list(o.rules),
            )
            for o in result.worst
        ]
        return dataclasses.replace(rate, n=result.checked, details=details, examples=examples)


@register
@dataclass(frozen=True)
class ExcessVocabulary(Expectation):
    """How many times more texts hold an LLM-favoured style word than human word frequencies
    predict ("delve", "showcasing", "underscores", "intricate", "pivotal", "realm", "tapestry"...).

    The excess-vocabulary measure of Kobak et al. 2024 ("Delving into ChatGPT usage in academic
    writing through excess vocabulary"; also Liang et al. 2024): after ChatGPT, these style
    words rose far above their expected frequency ("delves" ×28 in PubMed abstracts). The
    expected number of texts holding one comes from the words' frequencies in human English
    (the ``wordfreq`` package, offline) and each text's length, so the ratio does not depend on
    genre or length: 1 is human-like, 5 means five times as many texts use such words as human
    English would. Skipped when the texts are too short for even one to hold such a word by
    chance. Interval: Wilson's on the share of texts, over the expected share. Examples: the
    most used markers with their rows.
    """

    name: ClassVar[str] = "excess_vocabulary"
    finding: ClassVar[str] = (
        "Beyond the paper: LLM text over-uses a set of style words ('delve', 'showcasing', "
        "'underscores', 'intricate'...) relative to human word frequencies (Kobak et al. 2024; "
        "Liang et al. 2024); machine text homogenizes (FINDINGS.md §5)."
    )
    paired_field: ClassVar[str | None] = "role"
    role: str = "text"

    def metrics(self) -> dict[str, Metric]:
        return {"vocabulary": MarkerVocabulary(self.role)}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        result: VocabularyResult = values["vocabulary"]
        if result.expected < 1:
            return Observation(
                None,
                reason=f"{result.texts} {self.role} texts of {result.words} words: too little "
                "text for even one to hold a marker word by chance",
            )
        share = wilson(result.with_marker, result.texts)
        scale = result.texts / result.expected
        details = {
            "texts": result.texts,
            "words": result.words,
            "texts_with_marker": result.with_marker,
            "expected_by_human_frequencies": round(result.expected, 2),
            "uses": result.uses,
        }
        examples = [
            example(row, text, marker=lemma, uses=result.uses[lemma])
            for lemma in list(result.uses)[:5]
            for row, text in result.examples[lemma]
        ]
        return Observation(
            result.with_marker / result.expected,
            (share.low or 0.0) * scale,
            (share.high or 0.0) * scale,
            result.texts,
            details=details,
            examples=examples,
        )
