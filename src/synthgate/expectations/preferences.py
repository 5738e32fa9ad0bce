"""Preferences (FINDINGS.md §2): pairwise judgements of which of two outputs is better.

Roles: ``choice`` (the judgement: first, second or tie, coded by ``--choice-codes``; default
0/1/2 as in P2C and CoBBLEr), ``output1`` and ``output2`` (the outputs in the order the judge
saw them), ``prompt`` and ``reference_text`` (for overlap cues), ``swapped_choice`` (the
judgement of the same pair shown in swapped order) and ``reference_choice`` (the paired human
judgement). A row holding a list of votes counts as one judgement, the strict majority of its
votes (no valid judgement when the largest count is shared). Human judgements, in the paired
column or a ``--reference`` file, are decoded with ``--reference-choice-codes`` when given
(PandaLM: the judge says "1"/"2"/"Tie", its humans vote 1/2/0).

Every rate is a share of decoded judgements with a Wilson interval; tests against chance
(binomial, correlation t-test) are reported in ``details`` beside the effect judged.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from synthgate.expectations.base import Context, Expectation, example, rate_observation, register
from synthgate.metrics import Metric
from synthgate.metrics.flags import RowCheck
from synthgate.metrics.preferences import (
    CUE_SOURCES,
    Extreme,
    InvalidJudgementCheck,
    JudgementCounts,
    Judgements,
    PairedCounts,
    PairedJudgements,
    agreement,
    correlation,
)
from synthgate.observation import Observation
from synthgate.pvalues import binomial_test, t_sf
from synthgate.roles import CHOICES, PAIR_ORDERS, Codings

MAX_EXAMPLES = 10
NOT_RANDOMIZED = (
    "not evaluated: nothing says the order of the outputs was randomized (use --order "
    "randomized, or order: randomized in the suite, if it was; or compare with a reference "
    "judged on the same layout)"
)
SWAP = {"first": "second", "second": "first"}


@dataclass(frozen=True)
class Coding:
    """How one side's judgements are coded: the data's codes, or the human reference's."""

    codings: Codings
    reference: bool = False

    def decode(self, value: Any) -> str | None:
        return self.codings.decode_choice(value, self.reference)

    @property
    def codes(self) -> Mapping[str, Any]:
        return self.codings.codes(self.reference)


def _judgement_examples(
    counts: JudgementCounts, coding: Coding, wanted: str | None
) -> list[dict[str, Any]]:
    return [
        example(item["row"], f"judgement {item['value']}", judgement=wanted or "invalid")
        for item in counts.rows(coding.decode, wanted)
    ][:MAX_EXAMPLES]


@dataclass(frozen=True)
class _OneColumn(Expectation):
    """A value of one judgement column; the reference side is decoded with the human codes."""

    paired_field: ClassVar[str | None] = "role"
    role: str = "choice"

    def metrics(self) -> dict[str, Metric]:
        return {"judgements": Judgements(self.role)}

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        data = self.observe_counts(values["judgements"], Coding(context.codings))
        if not reference:
            return data, None
        return data, self.observe_counts(
            reference["judgements"], Coding(context.codings, reference=True)
        )

    @abstractmethod
    def observe_counts(self, counts: JudgementCounts, coding: Coding) -> Observation:
        """The observation on one side's judgement counts."""


@register
@dataclass(frozen=True)
class InvalidJudgementRate(_OneColumn):
    """Share of judgements that are missing or not one of the judgement codes.

    LLM judges answer outside the format asked for: on PandaLM's test set gpt-3.5-turbo's
    verdict is "garbage" on 25 of 999 pairs (2.5%, a recount on data/paper; the task-label
    analogue is llama2 giving no valid label on 42% of rows, FINDINGS.md §1). A list of votes
    without a strict majority is invalid too. The examples are rows with each invalid value.
    Judged by bounds only; a reference's rate is reported beside.
    """

    name: ClassVar[str] = "invalid_judgement_rate"
    finding: ClassVar[str] = (
        "Invalid judgements: gpt-3.5-turbo answered 'garbage' on 25 of PandaLM's 999 test pairs "
        "(2.5%, recount); LLM annotators give no valid label (llama2 42% of rows) or labels that "
        "do not exist (FINDINGS.md §1, §2)."
    )

    def row_checks(self, context: Context) -> tuple[RowCheck, ...]:
        return (InvalidJudgementCheck(self.role, context.codings),)

    def observe_counts(self, counts: JudgementCounts, coding: Coding) -> Observation:
        if not counts.total:
            return Observation(None, reason=f"no {self.role} values")
        decoded = counts.decoded(coding.decode)
        invalid = {repr(v): c for v, c in counts.counts.items() if coding.decode(v) is None}
        if decoded[None] == counts.total:
            seen = ", ".join(sorted(invalid, key=lambda v: -invalid[v])[:8])
            return Observation(
                None,
                reason=f"no {self.role} value matches the choice codes (values seen: {seen}); check --choice-codes",
            )
        details = {
            "invalid_values": dict(sorted(invalid.items(), key=lambda kv: -kv[1])),
            "codes": {name: repr(code) for name, code in coding.codes.items()},
            "judgements": {name: decoded[name] for name in CHOICES},
        }
        examples = _judgement_examples(counts, coding, None)
        return rate_observation(decoded[None], counts.total, details=details, examples=examples)


@register
@dataclass(frozen=True)
class TieRate(_OneColumn):
    """Share of valid judgements that are ties.

    LLM judges hedge: on the same 5,000 P2C pairs GPT-3 chose "tie" on 28.9% where humans did
    on 17.4%; CoBBLEr GPT-4 4.7% vs human 0.97%. Against a reference, Cohen's h between the
    two tie rates (by default only a higher rate fails), with a two-proportion z-test p-value.
    Examples are tie rows. Not measurable when the codes have no tie.
    """

    name: ClassVar[str] = "tie_rate"
    finding: ClassVar[str] = (
        "Tie inflation: P2C GPT-3 chose 'tie' on 28.9% of pairs, humans on 17.4%; CoBBLEr GPT-4 "
        "4.7% vs human 0.97% (FINDINGS.md §2)."
    )
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")

    def observe_counts(self, counts: JudgementCounts, coding: Coding) -> Observation:
        if "tie" not in coding.codes:
            return Observation(
                None, reason="the judgement codes have no tie (add tie=.. to the codes)"
            )
        decoded = counts.decoded(coding.decode)
        valid = sum(decoded[name] for name in CHOICES)
        if not valid:
            return Observation(None, reason=f"no valid {self.role} judgements")
        details = {"ties": decoded["tie"], "valid": valid, "invalid": decoded[None]}
        examples = _judgement_examples(counts, coding, "tie")
        return rate_observation(decoded["tie"], valid, details=details, examples=examples)


@register
@dataclass(frozen=True)
class PositionBias(_OneColumn):
    """Share of decisive judgements (ties and invalid left out) that choose the first output.

    Meaningful only when the order of the two outputs was randomized: a judge then picks the
    first on half of its decisive verdicts unless the position sways it. LLM judges are swayed
    by position: on MT-Bench GPT-4's verdict changed on 15.9% of pairs when the answers were
    swapped. Judged alone only when the data says the order was randomized (``order:
    randomized`` in the suite, ``--order randomized``, ``Codings(pair_order="randomized")``);
    against a reference judged on the same layout, Cohen's h; with both-order judgements, see
    ``order_inconsistency``. Otherwise it is not evaluated, with that reason: a layout that puts
    the stronger answer second (human preferences of a chosen/rejected set) is not a bias of the
    judge. An exact binomial test against 0.5 is reported in ``details``. Examples are rows
    choosing the favoured position.
    """

    name: ClassVar[str] = "position_bias"
    finding: ClassVar[str] = (
        "Position inconsistency: on MT-Bench GPT-4's verdict changed when the two answers were "
        "swapped on 15.9% of pairs (FINDINGS.md §2)."
    )
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    order: str = "unknown"

    def __post_init__(self) -> None:
        if self.order not in PAIR_ORDERS:
            raise ValueError(f"order must be one of {', '.join(PAIR_ORDERS)}, got {self.order!r}")

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        data, ref = super().observe(values, reference, context)
        if ref is None and "randomized" not in (self.order, context.codings.pair_order):
            return Observation(None, reason=NOT_RANDOMIZED), None
        return data, ref

    def observe_counts(self, counts: JudgementCounts, coding: Coding) -> Observation:
        decoded = counts.decoded(coding.decode)
        decisive = decoded["first"] + decoded["second"]
        if not decisive:
            return Observation(None, reason=f"no decisive (first or second) {self.role} judgements")
        favoured = "first" if decoded["first"] * 2 >= decisive else "second"
        details = {
            "first": decoded["first"],
            "second": decoded["second"],
            "ties": decoded["tie"],
            "binomial_p_value": binomial_test(decoded["first"], decisive),
            "favoured_position": favoured,
        }
        examples = _judgement_examples(counts, coding, favoured)
        return rate_observation(decoded["first"], decisive, details=details, examples=examples)


def _cue_examples(
    counts: JudgementCounts, coding: Coding, more: bool, describe: str
) -> list[dict[str, Any]]:
    """Decisive rows whose chosen output has the most (``more``) or least of the cue."""
    chosen: list[tuple[str, Extreme]] = [
        ("first", item) for item in counts.extremes(coding.decode, "first", largest=more)
    ] + [("second", item) for item in counts.extremes(coding.decode, "second", largest=not more)]
    chosen.sort(key=lambda pair: -abs(pair[1][0]))
    out = []
    for side, (x, row, text) in chosen:
        signed = x if side == "first" else -x
        if (signed > 0) == more and signed != 0:
            number = "1" if side == "first" else "2"
            out.append(
                example(row, f"chose output{number}; {text}", **{describe: round(signed, 3)})
            )
    return out[:MAX_EXAMPLES]


@register
@dataclass(frozen=True)
class VerbosityBias(_OneColumn):
    """Share of decisive judgements between outputs of unequal length that choose the longer one.

    Length is the commonest surface cue LLM judges follow (verbosity bias); the paper finds LLM
    preferences follow shallow cues more than human ones (a lexicon cue: r=0.153 for GPT-3 vs
    -0.053 for humans on P2C). Length is counted in word and punctuation tokens. An exact
    binomial test against 0.5 is reported; against a reference, Cohen's h. Examples are rows
    where the chosen output is the most longer (or shorter, when the judge prefers shorter).
    """

    name: ClassVar[str] = "verbosity_bias"
    finding: ClassVar[str] = (
        "Surface-cue reliance: LLM preferences follow shallow cues more than human ones do "
        "(lexicon cue r=0.153 GPT-3 vs -0.053 human; FINDINGS.md §2); length is the commonest."
    )
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")

    def metrics(self) -> dict[str, Metric]:
        return {"judgements": Judgements(self.role, "length")}

    def observe_counts(self, counts: JudgementCounts, coding: Coding) -> Observation:
        first = counts.cue_sums(coding.decode, "first")
        second = counts.cue_sums(coding.decode, "second")
        longer = first.positive + second.negative
        unequal = longer + first.negative + second.positive
        if not unequal:
            return Observation(
                None, reason="no decisive judgement between outputs of unequal length"
            )
        details = {
            "chose_longer": longer,
            "chose_shorter": unequal - longer,
            "equal_length": first.n + second.n - unequal,
            "binomial_p_value": binomial_test(longer, unequal),
        }
        examples = _cue_examples(counts, coding, longer * 2 >= unequal, "log_length_ratio")
        return rate_observation(longer, unequal, details=details, examples=examples)


@register
@dataclass(frozen=True)
class SurfaceCueCorrelation(_OneColumn):
    """Pearson correlation between a surface cue and the judgement (+1 first, -1 second).

    The cue is how much more of it output1 has than output2: ``length`` (log ratio of token
    counts), ``prompt_overlap`` or ``reference_overlap`` (difference of unigram F1 between each
    output's word types and the prompt's or the reference answer's). Positive r: the judge
    prefers the output with more of the cue. Ties and invalid judgements are left out. LLM
    preferences follow such cues more than human ones: r=0.153 (GPT-3) vs -0.053 (human) with a
    lexicon cue; r≈0.26 (GPT-4) vs ≈0.12 (human) with entailment to the reference answer. The
    interval is Fisher's; the t-test p-value against r=0 is in ``details``. Against a
    reference, Cohen's q (difference of Fisher z) with its z-test p-value.
    """

    name: ClassVar[str] = "surface_cue_correlation"
    finding: ClassVar[str] = (
        "Surface-cue reliance: correlation with a lexicon cue r=0.153 (GPT-3) vs -0.053 (human); "
        "with max entailment to the reference answer, top-decile r≈0.26 (GPT-4) vs ≈0.12 (human) "
        "(FINDINGS.md §2)."
    )
    statistics: ClassVar[tuple[str, ...]] = ("cohens_q", "difference")
    cue: str = "length"

    def __post_init__(self) -> None:
        if self.cue not in CUE_SOURCES:
            raise ValueError(f"unknown cue {self.cue!r}; cues are {', '.join(CUE_SOURCES)}")

    def metrics(self) -> dict[str, Metric]:
        return {"judgements": Judgements(self.role, self.cue)}

    def observe_counts(self, counts: JudgementCounts, coding: Coding) -> Observation:
        first = counts.cue_sums(coding.decode, "first")
        second = counts.cue_sums(coding.decode, "second")
        r, n = correlation(first, second)
        if math.isnan(r):
            return Observation(
                None,
                reason=f"fewer than two decisive judgements, or the {self.cue} cue is constant",
            )
        details: dict[str, Any] = {
            "cue": self.cue,
            "mean_cue_when_first_chosen": first.total / first.n if first.n else None,
            "mean_cue_when_second_chosen": second.total / second.n if second.n else None,
        }
        low = high = None
        if n > 3:
            z, half = math.atanh(max(min(r, 1 - 1e-12), -1 + 1e-12)), 1.96 / math.sqrt(n - 3)
            low, high = math.tanh(z - half), math.tanh(z + half)
        if n > 2:
            t = r * math.sqrt((n - 2) / max(1 - r * r, 1e-12))
            details["p_value"] = 2 * t_sf(abs(t), n - 2)
        examples = _cue_examples(counts, coding, r >= 0, f"{self.cue}_advantage")
        return Observation(r, low, high, n, details=details, examples=examples)


def _paired_examples(
    counts: PairedCounts, keep: dict[tuple[Any, Any], str]
) -> list[dict[str, Any]]:
    """Example rows of the raw pairs in ``keep`` (pair -> what it shows), commonest first."""
    ordered = sorted(keep, key=lambda pair: -counts.pairs.get(pair, 0))
    return [
        example(row, text, shows=keep[pair])
        for pair in ordered
        for row, text in counts.examples.get(pair, [])
    ][:MAX_EXAMPLES]


@register
@dataclass(frozen=True)
class OrderInconsistency(Expectation):
    """Share of pairs whose verdict changed when the two outputs were shown in swapped order.

    Needs both judgements on one row: ``choice`` (output1 shown first) and ``swapped_choice``
    (output2 shown first). ``swapped_coded_by: position`` means the swapped judgement names the
    position the judge saw (its "first" is output2); ``output`` means it names the output (as
    MT-Bench's g2_winner does). A consistent judge keeps its verdict: GPT-4 changed it on 15.9%
    of MT-Bench pairs. Rows with an invalid judgement on either side are left out.
    ``details`` counts the changes that kept the same position (position bias) apart from
    those to or from a tie. Examples are rows whose verdict changed.
    """

    name: ClassVar[str] = "order_inconsistency"
    finding: ClassVar[str] = (
        "Position inconsistency: on MT-Bench, GPT-4's verdict changed when the two answers were "
        "swapped on 15.9% of pairs (FINDINGS.md §2)."
    )
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    role: str = "choice"
    swapped_role: str = "swapped_choice"
    swapped_coded_by: str = "position"

    def __post_init__(self) -> None:
        if self.swapped_coded_by not in ("position", "output"):
            raise ValueError("swapped_coded_by must be 'position' or 'output'")

    def metrics(self) -> dict[str, Metric]:
        return {"pairs": PairedJudgements(self.role, self.swapped_role)}

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        data = self.observe_counts(values["pairs"], Coding(context.codings))
        if not reference:
            return data, None
        return data, self.observe_counts(
            reference["pairs"], Coding(context.codings, reference=True)
        )

    def observe_counts(self, counts: PairedCounts, coding: Coding) -> Observation:
        kinds: Counter[str] = Counter()
        changed: dict[tuple[Any, Any], str] = {}
        for (a, b), count in counts.pairs.items():
            original, seen = coding.decode(a), coding.decode(b)
            if original is None or seen is None:
                kinds["invalid"] += count
                continue
            swapped = SWAP.get(seen, seen) if self.swapped_coded_by == "position" else seen
            by_position = SWAP.get(swapped, swapped)
            if swapped == original:
                kinds["kept"] += count
            elif original == "tie" or swapped == "tie":
                kinds["to_or_from_tie"] += count
                changed[(a, b)] = f"{original} -> {swapped}"
            else:
                kinds[f"{original}_position_both_times"] += count
                changed[(a, b)] = f"chose the {by_position} position both times"
        n = sum(count for kind, count in kinds.items() if kind != "invalid")
        if not n:
            return Observation(None, reason="no row with valid judgements in both orders")
        details = dict(sorted(kinds.items()))
        return rate_observation(
            n - kinds["kept"], n, details=details, examples=_paired_examples(counts, changed)
        )


@register
@dataclass(frozen=True)
class ReferenceAgreement(Expectation):
    """Cohen's kappa (``statistic: kappa``) or raw agreement between the judge and paired human judgements.

    Both are always in ``details``. LLM judges agree with humans less than humans agree with
    each other: P2C GPT-3 31.8%, CoBBLEr GPT-4 66.9% / ChatGPT 77.9%, MT-Bench GPT-4 60.2%.
    Rows where either judgement is invalid are left out (the invalid rate has its own
    expectation). When ``reference_choice`` holds several votes per row, the reference is
    their strict majority (rows without one are left out); agreement and kappa with every
    single vote, and between the votes themselves (the human ceiling), are reported beside.
    The kappa interval is ±1.96 of Cohen's large-sample standard error. Examples are
    disagreeing rows, commonest disagreement first.
    """

    name: ClassVar[str] = "reference_agreement"
    finding: ClassVar[str] = (
        "Low agreement with humans: P2C 31.8%, CoBBLEr GPT-4 66.9% / ChatGPT 77.9%, MT-Bench "
        "GPT-4 60.2% (FINDINGS.md §2)."
    )
    role: str = "choice"
    reference_role: str = "reference_choice"
    statistic: str = "kappa"

    def __post_init__(self) -> None:
        if self.statistic not in ("kappa", "agreement"):
            raise ValueError("statistic must be 'kappa' or 'agreement'")

    def metrics(self) -> dict[str, Metric]:
        return {"pairs": PairedJudgements(self.role, self.reference_role)}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        counts: PairedCounts = values["pairs"]
        judge, human = Coding(context.codings), Coding(context.codings, reference=True)
        confusion, excluded, disagreements = _confusion(counts.pairs, judge, human)
        result = agreement(confusion)
        if result is None:
            return Observation(None, reason="no row with a valid judgement on both sides")
        details: dict[str, Any] = {
            "agreement": result.agreement,
            "kappa": result.kappa,
            "rows_left_out": excluded,
            "confusion": {f"{a} / {b}": c for (a, b), c in sorted(confusion.items())},
        }
        if counts.votes:
            details["reference"] = "strict majority of the votes of each row"
            details["per_vote"] = _summary(_confusion(counts.votes, judge, human)[0])
            details["between_votes"] = _summary(_confusion(counts.vote_pairs, human, human)[0])
        examples = _paired_examples(counts, disagreements)
        if self.statistic == "agreement":
            agreed = round(result.agreement * result.n)
            return rate_observation(agreed, result.n, details=details, examples=examples)
        if math.isnan(result.kappa):
            return Observation(None, reason="kappa undefined: both sides give one judgement only")
        half = 1.96 * result.kappa_se
        low, high = max(-1.0, result.kappa - half), min(1.0, result.kappa + half)
        return Observation(result.kappa, low, high, result.n, details=details, examples=examples)


def _confusion(
    pairs: Mapping[tuple[Any, Any], int], left: Coding, right: Coding
) -> tuple[Counter[tuple[str, str]], int, dict[tuple[Any, Any], str]]:
    """Decoded confusion counts, rows left out as invalid, and the raw pairs that disagree."""
    confusion: Counter[tuple[str, str]] = Counter()
    excluded = 0
    disagreements: dict[tuple[Any, Any], str] = {}
    for (a, b), count in pairs.items():
        x, y = left.decode(a), right.decode(b)
        if x is None or y is None:
            excluded += count
            continue
        confusion[(x, y)] += count
        if x != y:
            disagreements[(a, b)] = f"judge {x}, human {y}"
    return confusion, excluded, disagreements


def _summary(confusion: Counter[tuple[str, str]]) -> dict[str, float] | None:
    result = agreement(confusion)
    if result is None:
        return None
    return {"n": result.n, "agreement": result.agreement, "kappa": result.kappa}
