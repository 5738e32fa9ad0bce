"""Instructions (FINDINGS.md §3): instruction / input / output triples made by an LLM.

A manual audit of LLM-made instruction sets found many erroneous triples (closed-QA errors:
Unnatural Instructions 76 of 127, Self-Instruct 78 of 177): incomprehensible instructions,
inconsistent inputs, inconsistent or incorrect outputs; and self-generated sets narrow in form,
the same openings and verbs recur. The expectations here are measurable proxies for those
error types. ``opener_concentration`` and ``boilerplate_rate`` apply to any text role (the
free-text suite uses them on ``text``); the others read instruction-set roles.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from synthgate.expectations.base import Context, Expectation, example, register
from synthgate.metrics import Metric
from synthgate.metrics.flags import BOILERPLATE, BoilerplateCheck, FlaggedRows, FlagResult
from synthgate.metrics.instructions import CopyCheck, PlaceholderCheck, TruncationCheck
from synthgate.metrics.openers import OpenerCounts, OpenerResult
from synthgate.metrics.rows import RowValues, RowValuesResult
from synthgate.observation import Observation
from synthgate.patterns import check_patterns

AUDIT_FINDING = (
    "A manual audit found many erroneous triples in LLM-made instruction sets (closed-QA "
    "errors: Unnatural Instructions 76 of 127, Self-Instruct 78 of 177): incomprehensible "
    "instructions, inconsistent inputs, inconsistent or incorrect outputs (FINDINGS.md §3)."
)


def flag_observation(result: FlagResult, what: str) -> Observation:
    """The share of flagged units with its Wilson interval; examples are the flagged rows."""
    if not result.checked:
        return Observation(None, reason=f"no {what} to check")
    rate = result.rate
    examples = [
        example(row, text, reason=reason)
        for reason, rows in sorted(result.examples.items(), key=lambda kv: -result.reasons[kv[0]])
        for row, text in rows
    ]
    details = {
        "checked": result.checked,
        "flagged": result.flagged,
        "by_reason": dict(sorted(result.reasons.items(), key=lambda kv: -kv[1])),
    }
    return dataclasses.replace(rate, n=result.checked, details=details, examples=examples)


@register
@dataclass(frozen=True)
class OpenerConcentration(Expectation):
    """Probability that two random texts of a column open with the same ``words`` word(s).

    Simpson's collision probability of openers, estimated without bias at any size, so one
    bound holds for 175 rows and for 10M (1 / value is the effective number of openers).
    Self-generated instruction sets reuse the same openings and verbs, and LLM answers open
    more texts with the same words ("The ...", "1. ..."). The examples are the most
    over-represented openers with their rows: the most frequent ones, or against a reference
    those whose share exceeds the reference's the most. Against a reference, Cohen's h on the
    two probabilities (its p-value uses the estimate's own variance).
    """

    name: ClassVar[str] = "opener_concentration"
    finding: ClassVar[str] = (
        "Self-generated instruction sets narrow in form: the same openings and verbs recur "
        "(FINDINGS.md §3); LLM answers open more texts with the same words (§5)."
    )
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "log_ratio", "difference")
    paired_field: ClassVar[str | None] = "role"
    role: str = "text"
    words: int = 1
    examples: int = 5

    def metrics(self) -> dict[str, Metric]:
        return {"openers": OpenerCounts(self.role, self.words)}

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """Against a reference, the examples are the openers most above their reference share."""
        if reference is None:
            return self._observe(values["openers"], None), None
        ref: OpenerResult = reference["openers"]
        return self._observe(values["openers"], ref), self._observe(ref, None)

    def _observe(self, result: OpenerResult, reference: OpenerResult | None) -> Observation:
        if result.n < 3:
            return Observation(None, reason=f"fewer than 3 {self.role} texts with a word")
        ranked = result.top(len(result.counts))
        if reference is not None:
            ranked = sorted(
                (top for top in ranked if top.share > reference.share(top.opener)),
                key=lambda top: -(top.share - reference.share(top.opener)),
            )
        examples = []
        for top in ranked[: self.examples]:
            extra: dict[str, Any] = {}
            against = ""
            if reference is not None:
                extra["reference_share"] = round(reference.share(top.opener), 4)
                against = f" (reference {reference.share(top.opener):.1%})"
            examples.append(
                example(
                    top.rows[0],
                    f'"{top.opener}" opens {top.share:.1%} of texts{against}: {top.excerpt}',
                    opener=top.opener,
                    count=top.count,
                    share=round(top.share, 4),
                    rows=top.rows,
                    **extra,
                )
            )
        low, high = result.interval
        details: dict[str, Any] = {
            "words": self.words,
            "texts": result.n,
            "distinct_openers": len(result.counts),
            "effective_openers": round(1 / result.collision, 1) if result.collision else None,
            "top_openers": {top.opener: round(top.share, 4) for top in result.top(10)},
        }
        if not result.exact:
            details["note"] = "counts of rare openers are approximate (Misra-Gries summary)"
        return Observation(
            result.collision,
            low,
            high,
            result.effective_n,
            details=details,
            examples=examples,
        )


@register
@dataclass(frozen=True)
class BoilerplateRate(Expectation):
    """Share of texts holding refusal or "as an AI" boilerplate.

    Kinds: AI self-reference ("As an AI language model"), refusal ("I'm sorry, but I cannot"),
    capability disclaimer ("I don't have personal opinions", "my training data"). The
    generator answers with a template instead of doing the task, one of the audit's
    inconsistent or incorrect outputs. ``extra_patterns`` adds regular expressions (matched
    against the lower-cased text). The examples are the matching rows around the match.
    """

    name: ClassVar[str] = "boilerplate_rate"
    finding: ClassVar[str] = AUDIT_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    paired_field: ClassVar[str | None] = "role"
    role: str = "text"
    extra_patterns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_patterns(self.extra_patterns)

    def metrics(self) -> dict[str, Metric]:
        patterns = BOILERPLATE + tuple(("pattern", p) for p in self.extra_patterns)
        return {"flags": FlaggedRows(BoilerplateCheck(self.role, patterns))}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        return flag_observation(values["flags"], f"non-empty {self.role} text")


@register
@dataclass(frozen=True)
class PlaceholderRate(Expectation):
    """Share of values of a column that are empty or a placeholder ("<noinput>", "N/A", "...").

    A placeholder stands in for content the generator did not write: Alpaca's inputs hold
    "No input", "<noinput>", "N/A" where the task needs none (an inconsistent input), and a few
    outputs are "<nooutput>". With ``count_empty`` (outputs, instructions) an empty value is
    flagged too and every row is checked; without (inputs, where empty means "no input") only
    non-empty values are checked. The examples are the flagged rows.
    """

    name: ClassVar[str] = "placeholder_rate"
    finding: ClassVar[str] = AUDIT_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    paired_field: ClassVar[str | None] = "role"
    role: str = "output"
    count_empty: bool = True

    def metrics(self) -> dict[str, Metric]:
        return {"flags": FlaggedRows(PlaceholderCheck(self.role, self.count_empty))}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        what = f"{self.role} values" if self.count_empty else f"non-empty {self.role} values"
        return flag_observation(values["flags"], what)


@register
@dataclass(frozen=True)
class CopyRate(Expectation):
    """Share of rows whose ``role`` text copies the row's ``source`` text.

    A copy is equal up to white space, or a near-duplicate: Jaccard similarity of 3-gram
    shingles >= ``threshold``, with the shingles and Jaccard of ``near_duplicate_rate``
    (``metrics.tokens``) computed exactly rather than by MinHash, over case-sensitive word and
    punctuation tokens instead of lower-cased words, so that an edit done right (a comma added,
    a sentence upper-cased) is not a copy. An output that repeats its input or instruction does not do
    the task: the audit's inconsistent or incorrect outputs. Rows where either text is empty
    are not checked. The examples show both texts.
    """

    name: ClassVar[str] = "copy_rate"
    finding: ClassVar[str] = AUDIT_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    role: str = "output"
    source: str = "input"
    threshold: float = 0.8

    def metrics(self) -> dict[str, Metric]:
        return {"flags": FlaggedRows(CopyCheck(self.role, self.source, self.threshold))}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        return flag_observation(values["flags"], f"rows with both {self.role} and {self.source}")


@register
@dataclass(frozen=True)
class TruncationRate(Expectation):
    """Share of non-empty texts that look cut off mid-generation.

    Signs: an unclosed code block (odd number of ```), more opening than closing brackets, a
    final comma or opening bracket, a final colon after a sentence ("Here are the steps:"), or
    a last word that cannot end a sentence ("the", "and", "of"; in texts of 5+ words). Outputs
    cut by a token limit are incomplete, the audit's incorrect outputs. The examples show how
    each flagged text ends.
    """

    name: ClassVar[str] = "truncation_rate"
    finding: ClassVar[str] = AUDIT_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    paired_field: ClassVar[str | None] = "role"
    role: str = "output"

    def metrics(self) -> dict[str, Metric]:
        return {"flags": FlaggedRows(TruncationCheck(self.role))}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        return flag_observation(values["flags"], f"non-empty {self.role} text")


@register
@dataclass(frozen=True)
class LengthSpread(Expectation):
    """Spread of text lengths: the standard deviation of log2(tokens) per text.

    In doublings: 1 means a typical text is twice or half as long as the typical one. LLM
    outputs collapse toward one length, so against a human reference the spread shrinks
    (``log_ratio`` of the two spreads; -0.5 is a variance halved). Scale-free, so it does not
    move when every text is longer. Computed on ``text_length``'s seeded sample of rows (the
    same metric, computed once), with a bootstrap 95% interval; the examples are the shortest
    and longest sampled rows.
    """

    name: ClassVar[str] = "length_spread"
    finding: ClassVar[str] = (
        "LLM-made outputs homogenize: output length collapses and style varies less than in "
        "human text (FINDINGS.md §3 'output-length collapse', §5 'length distribution')."
    )
    statistics: ClassVar[tuple[str, ...]] = ("log_ratio", "difference")
    paired_field: ClassVar[str | None] = "role"
    role: str = "text"
    replicates: int = 200
    seed: int = 0

    def metrics(self) -> dict[str, Metric]:
        return {"lengths": RowValues(self.role, "tokens")}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        result: RowValuesResult = values["lengths"]
        if len(result.sample) < 2:
            return Observation(None, reason=f"fewer than 2 non-empty {self.role} texts")
        logs = np.log2(np.asarray(result.values))
        rng = np.random.default_rng(self.seed)
        resampled = logs[rng.integers(0, len(logs), size=(self.replicates, len(logs)))]
        low, high = np.percentile(resampled.std(axis=1, ddof=1), [2.5, 97.5])
        details = {
            "unit": "log2 tokens",
            "median_tokens": result.quantile(0.5),
            "p5_tokens": result.quantile(0.05),
            "p95_tokens": result.quantile(0.95),
            "texts_sampled": len(logs),
        }
        examples = [
            example(row, f"{value:.0f} tokens")
            for row, value in result.extremes() + result.extremes(largest=True)
        ]
        return Observation(
            float(logs.std(ddof=1)),
            float(low),
            float(high),
            len(logs),
            details=details,
            examples=examples,
            unit="log2 tokens",
        )
