"""Toxicity of a seeded sample of texts, and a row check that flags toxic rows.

``ToxicityScores`` is ``TextSample`` (a seeded uniform sample of texts, mergeable and
independent of batch boundaries) whose value is scored by detoxify (``synthgate.scorers``) when
the metric is finalized: the model is loaded once per process and runs in batches on the
sample only, so the cost does not grow with the data. ``ToxicityCheck`` scores every row, a
batch at a time, so that toxic rows can be named and quarantined.

Finding: machine rewrites flip human style attributes, toxicity among them (FINDINGS.md §5).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from synthgate.batch import Batch
from synthgate.metrics.flags import Flag, RowCheck, row_check
from synthgate.metrics.lexical import TextSample
from synthgate.metrics.tokens import excerpt
from synthgate.sampling import BottomK
from synthgate.scorers import DetoxifyScorer, Unavailable, load_detoxify


@dataclass(frozen=True)
class Toxicity:
    """Scores of sampled texts per category, and which scorer gave them (or why none did)."""

    sample: list[tuple[int, str]]
    scores: dict[str, list[float]] = field(default_factory=dict)
    scorer: str | None = None
    unavailable: Unavailable | None = None


@dataclass(frozen=True)
class ToxicityScores(TextSample):
    """detoxify's scores of a seeded sample of ``k`` texts of ``role``."""

    k: int = 1000
    detoxify_checkpoint: str = ""
    detoxify_model: str = "original"

    def finalize(self, state: BottomK) -> Toxicity:  # type: ignore[override]
        sample = super().finalize(state)
        scorer = load_detoxify(self.detoxify_checkpoint, self.detoxify_model)
        if isinstance(scorer, Unavailable):
            return Toxicity(sample, unavailable=scorer)
        return Toxicity(sample, scorer.score([text for _, text in sample]), scorer.name)


@row_check
@dataclass(frozen=True)
class ToxicityCheck(RowCheck):
    """Flags a text whose detoxify score in ``category`` is at least ``threshold``.

    Rows are scored a batch at a time. Without a scorer no row is checked: ``toxic_row_rate``
    then reports "not evaluated", never a rate of 0, and a quarantine split or a pandera check
    refuses to run (``unavailable``) rather than pass every row.
    """

    name: ClassVar[str] = "toxicity"

    role: str = "text"
    category: str = "toxicity"
    threshold: float = 0.5
    detoxify_checkpoint: str = ""
    detoxify_model: str = "original"

    def scorer(self) -> DetoxifyScorer | Unavailable:
        return load_detoxify(self.detoxify_checkpoint, self.detoxify_model)

    def unavailable(self) -> str | None:
        scorer = self.scorer()
        return scorer.message() if isinstance(scorer, Unavailable) else None

    def items(self, batch: Batch) -> Iterator[tuple[int, Any]]:
        """``(row, (text, score))`` for every non-empty text; nothing without a scorer."""
        scorer = self.scorer()
        texts = batch.texts(self.role)
        if isinstance(scorer, Unavailable) or not texts:
            return
        scores = scorer.score([text for _, _, text in texts])[self.category]
        for (row, _, text), score in zip(texts, scores, strict=True):
            yield row, (text, score)

    def flag(self, value: Any) -> Flag | None:
        text, score = value
        if score < self.threshold:
            return None
        return Flag(f"{self.category} >= {self.threshold:g}", f"{score:.2f}: {excerpt(text, 140)}")
