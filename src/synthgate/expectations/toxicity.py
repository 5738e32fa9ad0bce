"""Toxicity (FINDINGS.md §5): detoxify's scores of a seeded sample of texts, and toxic rows.

Machine rewrites flip human style attributes, toxicity among them; LLM annotators over-flag
hate and offence (FINDINGS.md §1), and generated text can carry toxicity its prompts did not.
``toxicity_mean`` and ``toxicity_rate`` score a seeded sample of ``sample`` texts with
detoxify (``synthgate.scorers``: weights from ``--detoxify-checkpoint``, the suite's
``detoxify_checkpoint``, ``SYNTHGATE_DETOXIFY_CHECKPOINT`` or detoxify's cache; never
downloaded) and report the value with a 95% interval, per ``category``, alone or against a
reference measured the same way. ``toxic_row_rate`` scores every row (the row check
``ToxicityCheck``) so the toxic rows are named. Without weights every one of them is not
evaluated, with the reason and the fix, never passed. Every result names its scorer.

What the numbers can show: detoxify was trained on Jigsaw's Wikipedia and Civil Comments
data; its scores rank texts by how likely raters would call them toxic, and compare two sets
of texts scored by the same model. They are not a hate-speech label: see docs/toxicity.md for
what the scorers measured on the human labels of GHC and SBIC.
"""

from __future__ import annotations

import dataclasses
import math
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from synthgate.expectations.base import (
    Context,
    Expectation,
    example,
    rate_observation,
    register,
)
from synthgate.expectations.instructions import flag_observation
from synthgate.metrics import Metric
from synthgate.metrics.flags import FlaggedRows, FlagResult
from synthgate.metrics.tokens import excerpt
from synthgate.metrics.toxicity import Toxicity, ToxicityCheck, ToxicityScores
from synthgate.observation import Observation
from synthgate.scorers import CATEGORIES, Unavailable

TOXICITY_FINDING = (
    "Machine rewrites flip human style attributes, toxicity among them (FINDINGS.md §5); LLM "
    "annotators over-flag hate and offence: GHC 'hate' 34.9% of ChatGPT labels vs 13.0% human "
    "(FINDINGS.md §1)."
)


def check_category(category: str) -> None:
    if category not in CATEGORIES:
        raise ValueError(
            f"unknown detoxify category {category!r}; categories are {', '.join(CATEGORIES)}"
        )


def not_evaluated(unavailable: Unavailable) -> Observation:
    """The observation of an expectation that had no scorer: skipped, with reason and fix."""
    return Observation(
        None,
        reason=unavailable.message(),
        details={"scorer": None, "fix": unavailable.fix},
    )


@dataclass(frozen=True)
class SampledToxicity(Expectation):
    finding: ClassVar[str] = TOXICITY_FINDING
    paired_field: ClassVar[str | None] = "role"
    role: str = "text"
    category: str = "toxicity"
    sample: int = 1000
    seed: int = 0
    detoxify_checkpoint: str = ""
    detoxify_model: str = "original"
    examples: int = 3

    def __post_init__(self) -> None:
        check_category(self.category)

    def metrics(self) -> dict[str, Metric]:
        return {
            "toxicity": ToxicityScores(
                self.role,
                self.sample,
                self.seed,
                self.detoxify_checkpoint,
                self.detoxify_model,
            )
        }

    def scored(self, values: dict[str, Any]) -> tuple[Toxicity, np.ndarray] | Observation:
        """The scored sample and its scores in ``category``, or why there are none."""
        result: Toxicity = values["toxicity"]
        if result.unavailable is not None:
            return not_evaluated(result.unavailable)
        if not result.sample:
            return Observation(None, reason=f"no non-empty {self.role} text")
        if self.category not in result.scores:
            return Observation(None, reason=f"{result.scorer} has no category {self.category!r}")
        return result, np.asarray(result.scores[self.category])


@dataclass(frozen=True)
class _ScoreSummary(SampledToxicity):
    """One number summarizing the scores of the sample (``value``), with the top texts."""

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        scored = self.scored(values)
        if isinstance(scored, Observation):
            return scored
        result, scores = scored
        details = {
            "scorer": result.scorer,
            "category": self.category,
            "sampled_texts": len(scores),
            "by_category": {
                category: {
                    "mean": round(float(np.mean(values)), 4),
                    "share_at_least_0.5": round(float(np.mean(np.asarray(values) >= 0.5)), 4),
                }
                for category, values in result.scores.items()
            },
        }
        top = sorted(range(len(scores)), key=lambda i: (-scores[i], result.sample[i][0]))
        examples = [
            example(
                result.sample[i][0],
                excerpt(result.sample[i][1]),
                **{self.category: round(float(scores[i]), 3)},
            )
            for i in top[: self.examples]
        ]
        return self.value(scores, details, examples)

    @abstractmethod
    def value(
        self, scores: np.ndarray, details: dict[str, Any], examples: list[dict[str, Any]]
    ) -> Observation:
        """The observation made from the scores of the sampled texts in ``category``."""


@register
@dataclass(frozen=True)
class ToxicityMean(_ScoreSummary):
    """Mean detoxify score of a text column in the ``category`` category.

    Scored on a seeded sample of ``sample`` texts, with a 95% interval (normal
    approximation). Against a reference the per-text scores are compared (Cohen's d with
    Welch's p-value, or a KS test). The examples are the highest-scoring texts; the details
    give every category's mean and share at 0.5, and the scorer. Not evaluated without
    detoxify weights.
    """

    name: ClassVar[str] = "toxicity_mean"
    statistics: ClassVar[tuple[str, ...]] = ("cohens_d", "ks", "difference")

    def value(
        self, scores: np.ndarray, details: dict[str, Any], examples: list[dict[str, Any]]
    ) -> Observation:
        mean = float(scores.mean())
        half = 1.96 * float(scores.std(ddof=1)) / math.sqrt(len(scores)) if len(scores) > 1 else 0
        return Observation(
            mean,
            max(0.0, mean - half),
            min(1.0, mean + half),
            len(scores),
            samples=scores.tolist(),
            details=details,
            examples=examples,
        )


@register
@dataclass(frozen=True)
class ToxicityRate(_ScoreSummary):
    """Share of texts whose detoxify score in ``category`` is at least ``threshold``.

    Scored on a seeded sample of ``sample`` texts, with a Wilson interval; against a
    reference, Cohen's h with a two-proportion z-test. 0.5 is the usual cut of detoxify's
    probabilities. The examples are the highest-scoring texts. Not evaluated without weights.
    """

    name: ClassVar[str] = "toxicity_rate"
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    threshold: float = 0.5

    def value(
        self, scores: np.ndarray, details: dict[str, Any], examples: list[dict[str, Any]]
    ) -> Observation:
        details = {**details, "threshold": self.threshold}
        return rate_observation(
            int((scores >= self.threshold).sum()), len(scores), details=details, examples=examples
        )


@register
@dataclass(frozen=True)
class ToxicRowRate(Expectation):
    """Share of rows whose detoxify score in ``category`` is at least ``threshold``, every row.

    The row check behind it (``ToxicityCheck``) scores each non-empty text, a batch at a time,
    so every toxic row can be named and quarantined; this costs one model pass over the whole
    column (``toxicity_rate`` scores a sample). Wilson interval; examples are flagged rows with
    their score. Not evaluated without detoxify weights.
    """

    name: ClassVar[str] = "toxic_row_rate"
    finding: ClassVar[str] = TOXICITY_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    paired_field: ClassVar[str | None] = "role"
    role: str = "text"
    category: str = "toxicity"
    threshold: float = 0.5
    detoxify_checkpoint: str = ""
    detoxify_model: str = "original"

    def __post_init__(self) -> None:
        check_category(self.category)

    @property
    def check(self) -> ToxicityCheck:
        return ToxicityCheck(
            self.role, self.category, self.threshold, self.detoxify_checkpoint, self.detoxify_model
        )

    def metrics(self) -> dict[str, Metric]:
        return {"flags": FlaggedRows(self.check)}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        scorer = self.check.scorer()
        if isinstance(scorer, Unavailable):
            return not_evaluated(scorer)
        result: FlagResult = values["flags"]
        observation = flag_observation(result, f"non-empty {self.role} text")
        details = {**(observation.details or {}), "scorer": scorer.name}
        return dataclasses.replace(observation, details=details)
