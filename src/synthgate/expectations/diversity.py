"""Diversity of a text column: distinct-n, compression ratio, exact and near duplicates.

They apply to any text role (``text``, ``instruction``, ``output``, dialogue utterances via
``text``): a suite entry picks it with ``params: {role: ...}``.
"""

from __future__ import annotations

import dataclasses
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from synthgate.expectations.base import Context, Expectation, example, register
from synthgate.metrics import Metric
from synthgate.metrics.duplicates import Cluster, ExactDuplicates, NearDuplicates
from synthgate.metrics.lexical import (
    TextSample,
    compression_ratio_at_budget,
    distinct_n_at_budget,
    sample_tokens,
    top_ngrams,
)
from synthgate.metrics.rows import RowValues, RowValuesResult
from synthgate.observation import Observation

DIVERSITY_FINDING = (
    "LLM-made data is less diverse than human data: self-generated instruction sets reuse the "
    "same openings and verbs, LLM-LLM dialogues reuse the same phrasing, and LLM answers are "
    "more compressible and repetitive (FINDINGS.md §3, §4, §5)."
)


@dataclass(frozen=True)
class _SampledDiversity(Expectation):
    """Shared by distinct-n and compression ratio: a text sample judged at one budget."""

    paired_field: ClassVar[str | None] = "role"
    role: str = "text"
    budget: int = 5000
    sample: int = 5000
    replicates: int = 20
    seed: int = 0

    finding: ClassVar[str] = DIVERSITY_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("difference", "log_ratio")
    unit: ClassVar[str]
    minimum: ClassVar[int]
    """The smallest budget (in ``unit``) at which the value means something."""

    def metrics(self) -> dict[str, Metric]:
        return {"sample": TextSample(self.role, self.sample, self.seed)}

    @property
    def example_n(self) -> int:
        """The n-gram size of the most repeated phrases shown as examples."""
        return max(getattr(self, "n", 3), 3)

    @abstractmethod
    def available(self, sample: list[tuple[int, str]]) -> int:
        """How much of the budget's unit (tokens, bytes) the sample holds."""

    @abstractmethod
    def at_budget(self, sample: list[tuple[int, str]], budget: int) -> Observation:
        """The observation at exactly ``budget`` units."""

    def _observe_at(self, sample: list[tuple[int, str]], budget: int) -> Observation:
        if not sample:
            return Observation(None, reason=f"no non-empty {self.role} text")
        if budget < self.minimum:
            return Observation(
                None,
                reason=f"{budget} {self.unit} of {self.role} text, fewer than the {self.minimum} a value needs",
            )
        observation = self.at_budget(sample, budget)
        examples = [
            example(rows[0], f"“{gram}” ×{count} in the sample", rows=rows, count=count)
            for gram, count, rows in top_ngrams(sample, self.example_n)
        ]
        return dataclasses.replace(observation, examples=examples)

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """Against a reference both sides are measured at one budget, the smaller one available."""
        sample = values["sample"]
        if reference is None:
            return self._observe_at(sample, min(self.budget, self.available(sample))), None
        budget = min(self.budget, self.available(sample), self.available(reference["sample"]))
        return self._observe_at(sample, budget), self._observe_at(reference["sample"], budget)


@register
@dataclass(frozen=True)
class DistinctN(_SampledDiversity):
    """Share of distinct n-grams (distinct-n) in windows of ``budget`` tokens of a text column.

    Low values mean the texts reuse the same phrases. Measured on a seeded random sample of
    ``sample`` texts, cut into ``replicates`` windows of ``budget`` tokens, so the value does
    not depend on the size of the dataset; the 95% interval comes from the windows.
    """

    name: ClassVar[str] = "distinct_n"
    unit: ClassVar[str] = "tokens"
    minimum: ClassVar[int] = 100
    n: int = 2

    def available(self, sample: list[tuple[int, str]]) -> int:
        return sample_tokens(sample)

    def at_budget(self, sample: list[tuple[int, str]], budget: int) -> Observation:
        estimate = distinct_n_at_budget(sample, self.n, budget, self.replicates, self.seed)
        details: dict[str, Any] = {
            "n": self.n,
            "budget_tokens": budget,
            "texts_sampled": len(sample),
        }
        if budget < self.budget:
            details["note"] = (
                f"only {budget} tokens available, fewer than the budget of {self.budget}"
            )
        return dataclasses.replace(estimate, n=budget, details=details)


@register
@dataclass(frozen=True)
class CompressionRatio(_SampledDiversity):
    """Raw size / gzip size of ``budget`` bytes of a text column (higher = more repetitive).

    Computed on seeded windows of a fixed number of bytes from a seeded random sample of texts
    (Shaib et al., "Standardizing the measurement of text diversity"), so the value does not
    depend on the size of the dataset.
    """

    name: ClassVar[str] = "compression_ratio"
    unit: ClassVar[str] = "bytes"
    minimum: ClassVar[int] = 1000
    """Below about 1 KB gzip's own header and tables dominate the ratio."""
    budget: int = 50_000

    def available(self, sample: list[tuple[int, str]]) -> int:
        return sum(len(text.encode("utf-8")) + 1 for _, text in sample)

    def at_budget(self, sample: list[tuple[int, str]], budget: int) -> Observation:
        estimate = compression_ratio_at_budget(sample, budget, self.replicates, self.seed)
        details: dict[str, Any] = {"budget_bytes": budget, "texts_sampled": len(sample)}
        if budget < self.budget:
            details["note"] = (
                f"only {budget} bytes available, fewer than the budget of {self.budget}"
            )
        return dataclasses.replace(estimate, n=budget, details=details)


def _duplicate_observation(
    role: str, rows: int, rate: Observation, details: dict[str, Any], clusters: list[Cluster]
) -> Observation:
    """A duplicate rate with its interval; the examples are the largest clusters."""
    if not rows:
        return Observation(None, reason=f"no non-empty {role} text")
    examples = [example(c.rows[0], c.text, rows=c.rows, count=c.count) for c in clusters[:5]]
    return dataclasses.replace(rate, details=details, examples=examples)


@register
@dataclass(frozen=True)
class DuplicateRate(Expectation):
    """Share of rows whose text repeats an earlier row exactly (after lower-casing and folding spaces).

    This is the share a deduplication would remove. Exact up to 16,384 distinct texts,
    estimated with a KMV sketch beyond; the examples are duplicate clusters.
    """

    name: ClassVar[str] = "duplicate_rate"
    finding: ClassVar[str] = DIVERSITY_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("difference", "cohens_h")
    paired_field: ClassVar[str | None] = "role"
    role: str = "text"

    def metrics(self) -> dict[str, Metric]:
        return {"exact": ExactDuplicates(self.role)}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        result = values["exact"]
        details = {"rows": result.rows, "distinct_texts": round(result.distinct)}
        return _duplicate_observation(self.role, result.rows, result.rate, details, result.clusters)


@register
@dataclass(frozen=True)
class NearDuplicateRate(Expectation):
    """Share of rows that are near-duplicates (MinHash Jaccard >= ``threshold``) of a later row.

    Estimated on a seeded pool of ``pool`` probe rows checked against every row (exact below
    ``pool`` rows), with a Wilson interval; word 3-gram shingles. The examples are clusters.
    """

    name: ClassVar[str] = "near_duplicate_rate"
    finding: ClassVar[str] = DIVERSITY_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("difference", "cohens_h")
    paired_field: ClassVar[str | None] = "role"
    role: str = "text"
    threshold: float = 0.8
    pool: int = 2000
    num_perm: int = 64
    seed: int = 0

    def metrics(self) -> dict[str, Metric]:
        return {
            "near": NearDuplicates(self.role, self.threshold, self.pool, self.num_perm, self.seed)
        }

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        result = values["near"]
        details = {
            "rows": result.rows,
            "probes": result.rate.n,
            "jaccard_threshold": self.threshold,
        }
        return _duplicate_observation(self.role, result.rows, result.rate, details, result.clusters)


@register
@dataclass(frozen=True)
class TextLength(Expectation):
    """Median length of a text column in tokens (``unit: tokens``) or characters.

    LLM outputs collapse toward one length: against a human reference the per-row lengths are
    compared with a two-sample test (Kolmogorov-Smirnov D, or Cohen's d on the means). Without
    one, bounds apply to the median. Examples are the shortest and longest sampled rows.
    """

    name: ClassVar[str] = "text_length"
    finding: ClassVar[str] = (
        "LLM-made outputs homogenize: output length collapses and style varies less than in "
        "human text (FINDINGS.md §3 'output-length collapse', §5 'length distribution')."
    )
    statistics: ClassVar[tuple[str, ...]] = ("ks", "cohens_d", "log_ratio", "difference")
    paired_field: ClassVar[str | None] = "role"
    role: str = "text"
    unit: str = "tokens"

    def __post_init__(self) -> None:
        if self.unit not in ("tokens", "chars"):
            raise ValueError(f"unit must be 'tokens' or 'chars', got {self.unit!r}")

    def metrics(self) -> dict[str, Metric]:
        return {"lengths": RowValues(self.role, self.unit)}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        result: RowValuesResult = values["lengths"]
        if not result.n:
            return Observation(None, reason=f"no non-empty {self.role} text")
        details = {
            "unit": self.unit,
            "mean": round(result.mean, 2),
            "std": round(result.std, 2),
            "p5": result.quantile(0.05),
            "p95": result.quantile(0.95),
            "min": result.low,
            "max": result.high,
            "empty": result.missing,
        }
        examples = [
            example(row, f"{value:.0f} {self.unit}")
            for row, value in result.extremes() + result.extremes(largest=True)
        ]
        return Observation(
            result.quantile(0.5),
            n=result.n,
            samples=result.values,
            details=details,
            examples=examples,
            unit=self.unit,
        )
