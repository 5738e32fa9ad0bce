"""Task labels (FINDINGS.md §1): invalid labels, majority dominance, minority erasure, collapse.

The ``label`` role holds one label per row or a list of sampled labels per item; every label
counts. Which labels are valid comes from ``--allowed-labels``, else from the labels seen in the
reference (paired ``reference_label`` column or ``--reference`` file); a missing label (null)
is always invalid, and invalid labels are left out of every measure but ``invalid_label_rate``.

Three expectations read the model's and the humans' labels of the same item together
(``majority_match_rate``, ``minority_match_rate``, ``flip_asymmetry``): they need the paired
``reference_label`` column, use the paper's per-item definitions, and have no file reference.
"""

from __future__ import annotations

import dataclasses
from abc import abstractmethod
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from synthgate.comparisons import STATISTICS, jensen_shannon
from synthgate.expectations.base import Context, Expectation, example, register
from synthgate.metrics import Metric
from synthgate.metrics.flags import RowCheck
from synthgate.metrics.labels import (
    InvalidLabelCheck,
    ItemLabelSets,
    ItemSets,
    LabelCounts,
    LabelDistribution,
    LabelPairs,
    PairCounts,
    Signature,
    majority,
    minority,
    normalized_entropy,
    unanimity,
)
from synthgate.observation import Observation
from synthgate.sampling import wilson

NEEDS_REFERENCE = "needs a reference: the paired reference_label column or --reference FILE"


def allowed_labels(context: Context, reference: Iterable[Any] | None) -> set[Any] | None:
    """Valid labels: the declared set, else the non-missing labels of the reference, else any."""
    if context.codings.allowed_labels is not None:
        return set(context.codings.allowed_labels)
    if reference is not None:
        return {label for label in reference if label is not None}
    return None


@dataclass(frozen=True)
class _LabelExpectation(Expectation):
    paired_field: ClassVar[str | None] = "role"
    role: str = "label"

    def metrics(self) -> dict[str, Metric]:
        return {"labels": LabelDistribution(self.role)}


@register
@dataclass(frozen=True)
class InvalidLabelRate(_LabelExpectation):
    """Share of labels that are missing or outside the allowed label set.

    LLM annotators return no usable label or labels that do not exist: llama2 gave no valid
    label on 42% of rows; koala answered 3-9 on a binary task. The examples are rows holding
    each invalid value.
    """

    name: ClassVar[str] = "invalid_label_rate"
    finding: ClassVar[str] = (
        "Invalid labels: llama2 produced no valid label on 42% of rows; koala emitted labels 3-9 "
        "on a binary task (FINDINGS.md §1)."
    )

    def row_checks(self, context: Context) -> tuple[RowCheck, ...]:
        """Labels outside ``--allowed-labels`` (without it, only missing labels)."""
        return (InvalidLabelCheck(self.role, context.codings.allowed_labels),)

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """Judged by bounds only: the reference serves to know which labels are valid."""
        counts: LabelCounts = values["labels"]
        if not counts.total:
            return Observation(None, reason=f"no {self.role} values"), None
        allowed = allowed_labels(context, reference["labels"].counts if reference else None)
        invalid = counts.invalid(allowed)
        examples = [
            example(rows[0], f"label {value!r}", rows=rows, count=invalid[value])
            for value, rows in counts.examples.items()
            if value in invalid
        ]
        details = {
            "invalid_values": {
                repr(v): c for v, c in sorted(invalid.items(), key=lambda kv: -kv[1])
            },
            "allowed_labels": sorted(allowed, key=repr)
            if allowed is not None
            else "any non-missing value",
        }
        return Observation(
            sum(invalid.values()) / counts.total, n=counts.total, details=details, examples=examples
        ), None


@dataclass(frozen=True)
class _ClassShare(_LabelExpectation):
    """The share of one class, picked by ``pick`` on the side named by ``focus``."""

    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    focus: ClassVar[str] = "data"

    @staticmethod
    @abstractmethod
    def pick(shares: dict[Any, float]) -> Any:
        """The class to watch, given the shares of every class."""

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """Both sides are measured on one class, so the comparison is like with like."""
        counts: LabelCounts = values["labels"]
        ref_counts: LabelCounts | None = reference["labels"] if reference else None
        allowed = allowed_labels(context, ref_counts.counts if ref_counts else None)
        side = ref_counts if ref_counts is not None and self.focus == "reference" else counts
        shares = side.shares(allowed, allowed)
        if not shares or not sum(counts.valid(allowed).values()):
            return Observation(None, reason=f"no valid {self.role} values"), None
        label = self.pick(shares)
        ref = _class_share(ref_counts, allowed, label) if ref_counts is not None else None
        return _class_share(counts, allowed, label), ref


def _class_share(counts: LabelCounts, allowed: set[Any] | None, label: Any) -> Observation:
    shares = counts.shares(allowed, allowed)
    rows = counts.examples.get(label, [])
    examples = [example(rows[0], f"label {label!r}", rows=rows)] if rows else []
    details = {
        "class": label,
        "missing_classes": [repr(k) for k, v in shares.items() if v == 0],
        "shares": {repr(k): round(v, 4) for k, v in shares.items()},
    }
    n = sum(counts.valid(allowed).values())
    return Observation(
        shares.get(label, 0.0),
        n=n,
        distribution=shares,
        details=details,
        examples=examples,
        subject=f"class {label}",
    )


@register
@dataclass(frozen=True)
class MajorityClassShare(_ClassShare):
    """Share of valid labels that fall in the most frequent class.

    LLM annotators over-use one class: on the GHC hate-speech posts vicuna gives class 1 to
    96.8% of its labels, where humans give it 13%. Against a reference, the reference's share
    of that same class is compared (Cohen's h; by default only a higher share fails).
    """

    name: ClassVar[str] = "majority_class_share"
    finding: ClassVar[str] = (
        "Majority dominance and class-marginal shift: GHC 'hate' on 34.9% of ChatGPT labels vs "
        "13.0% human; vicuna gives class 1 to 96.8% of GHC labels (FINDINGS.md §1)."
    )

    @staticmethod
    def pick(shares: dict[Any, float]) -> Any:
        return max(shares, key=shares.__getitem__)


@register
@dataclass(frozen=True)
class SmallestClassShare(_ClassShare):
    """Share of valid labels in the least frequent class (with a reference: the reference's).

    A class never used counts as 0. LLM annotators erase minority views: ChatGPT matched the human minority label on only
    0.2-2.9% of items. The classes are the allowed labels (or the reference's) when known.
    Against a reference the reference's smallest class is watched, and its share in the data
    compared (Cohen's h; by default only a lower share fails).

    Missing classes are this expectation's extreme case, not a separate one: a class never used
    has share 0, fails any ``min`` bound, and is listed in ``details.missing_classes``. Against
    a reference, a missing class other than the reference's smallest is caught by
    ``class_share_ratio`` (a ratio of 0) and ``label_divergence``.
    """

    name: ClassVar[str] = "smallest_class_share"
    finding: ClassVar[str] = (
        "Minority under-representation: ChatGPT matched the human minority on 0.2-2.9% of items "
        "(SBIC 0.6, SChem 2.9, Sentiment 2.3, GHC 0.2); SChem class 4 4.7% vs 28.2% (FINDINGS.md §1)."
    )
    focus: ClassVar[str] = "reference"

    @staticmethod
    def pick(shares: dict[Any, float]) -> Any:
        return min(shares, key=shares.__getitem__)


def _classes(
    allowed: set[Any] | None, counts: LabelCounts, reference: LabelCounts | None
) -> set[Any]:
    """The classes shares are taken over: the allowed labels, else the valid labels of both sides."""
    if allowed is not None:
        return allowed
    seen = set(counts.valid(None))
    return seen | set(reference.valid(None)) if reference is not None else seen


def _class_examples(counts: LabelCounts, label: Any, note: str) -> list[dict[str, Any]]:
    rows = counts.examples.get(label, [])
    return [example(rows[0], f"label {label!r} ({note})", rows=rows)] if rows else []


def _entropy(counts: LabelCounts, allowed: set[Any] | None, classes: set[Any]) -> Observation:
    shares = counts.shares(allowed, classes)
    if not any(shares.values()):
        return Observation(None, reason="no valid labels")
    top = max(shares, key=shares.__getitem__)
    details = {"classes": len(shares), "shares": {repr(k): round(v, 4) for k, v in shares.items()}}
    return Observation(
        normalized_entropy(shares),
        n=sum(counts.valid(allowed).values()),
        distribution=shares,
        details=details,
        examples=_class_examples(counts, top, f"the largest class, {shares[top]:.1%} of labels"),
    )


@register
@dataclass(frozen=True)
class LabelEntropy(_LabelExpectation):
    """Normalized entropy of the label distribution: 1 when all classes are used alike, 0 for one.

    Shannon entropy of the shares of valid labels divided by log(number of classes); the
    classes are the allowed labels (or the reference's), so a class never used lowers it.
    LLM annotators pile their labels onto one class: vicuna gives class 1 to 96.8% of its GHC
    labels (entropy 0.19) where humans give it 13% (0.56). Against a reference the difference
    is compared; by default only a lower entropy fails (a shift towards a more even
    distribution is judged by ``label_divergence`` and ``class_share_ratio``).
    """

    name: ClassVar[str] = "label_entropy"
    finding: ClassVar[str] = (
        "Majority dominance: vicuna gives class 1 to 96.8% of GHC labels (humans 13%); models "
        "fine-tuned on LLM labels predicted one class for ~100% of items (FINDINGS.md §1)."
    )
    statistics: ClassVar[tuple[str, ...]] = ("difference",)

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """Both sides are normalized by the same classes, so their entropies compare."""
        counts: LabelCounts = values["labels"]
        ref_counts: LabelCounts | None = reference["labels"] if reference else None
        allowed = allowed_labels(context, ref_counts.counts if ref_counts else None)
        classes = _classes(allowed, counts, ref_counts)
        ref = _entropy(ref_counts, allowed, classes) if ref_counts is not None else None
        return _entropy(counts, allowed, classes), ref


@register
@dataclass(frozen=True)
class LabelDivergence(_LabelExpectation):
    """Jensen-Shannon divergence (bits) between the label distribution and the reference's.

    0 when the class shares are identical, 1 when the two sides share no class. LLM annotators
    shift the class marginals: GHC "hate" on 34.9% of ChatGPT labels vs 13.0% of human ones
    (0.049 bits on the shared file), SBIC "offensive" 49.2% vs 32.6%. The reference's value is
    0 (its divergence from itself); a chi-square test of homogeneity is reported beside
    (treating labels as independent, which sampled labels of one item are not). The examples
    are rows of the class whose share moved most. Needs a reference.
    """

    name: ClassVar[str] = "label_divergence"
    finding: ClassVar[str] = (
        "Class-marginal shift: GHC 'hate' on 34.9% of ChatGPT labels vs 13.0% human; SBIC "
        "'offensive' 49.2% vs 32.6%; SChem class 4 4.7% vs 28.2% (FINDINGS.md §1)."
    )
    statistics: ClassVar[tuple[str, ...]] = ("jsd",)

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """The divergence is of the pair; the reference observation carries its distribution."""
        if reference is None:
            return Observation(None, reason=NEEDS_REFERENCE), None
        from scipy import stats

        counts: LabelCounts = values["labels"]
        ref_counts: LabelCounts = reference["labels"]
        allowed = allowed_labels(context, ref_counts.counts)
        classes = _classes(allowed, counts, ref_counts)
        shares, ref_shares = counts.shares(allowed, classes), ref_counts.shares(allowed, classes)
        if not any(shares.values()) or not any(ref_shares.values()):
            return Observation(None, reason="no valid labels on one side"), None
        moved = max(classes, key=lambda k: abs(shares[k] - ref_shares[k]))
        valid, ref_valid = counts.valid(allowed), ref_counts.valid(allowed)
        used = [k for k in sorted(classes, key=repr) if valid.get(k) or ref_valid.get(k)]
        table = [[valid.get(k, 0) for k in used], [ref_valid.get(k, 0) for k in used]]
        details = {
            "shares": {repr(k): round(v, 4) for k, v in shares.items()},
            "reference_shares": {repr(k): round(v, 4) for k, v in ref_shares.items()},
            "chi2_p_value": float(stats.chi2_contingency(table).pvalue) if len(used) > 1 else 1.0,
        }
        note = f"{shares[moved]:.1%} of labels vs {ref_shares[moved]:.1%} in the reference"
        return Observation(
            jensen_shannon(shares, ref_shares),
            n=sum(valid.values()),
            distribution=shares,
            details=details,
            examples=_class_examples(counts, moved, note),
        ), Observation(0.0, n=sum(ref_valid.values()), distribution=ref_shares)


@register
@dataclass(frozen=True)
class ClassShareRatio(_LabelExpectation):
    """Share of the class whose share differs most, as a ratio, from the reference's share.

    Per class, the share of valid labels is divided by the reference's share; the class with
    the largest |log ratio| is watched (among classes holding at least ``min_share`` of labels
    on either side, so two tiny shares do not make a large ratio), and its share on both sides
    is compared (log2 ratio: 1 is twice the human share, -1 half). GHC "hate": ChatGPT 34.9%
    vs human 13.0% (x2.7); SChem class 4: 4.7% vs 28.2% (x0.17). All ratios are in the details;
    a class never used has ratio 0. Needs a reference.
    """

    name: ClassVar[str] = "class_share_ratio"
    finding: ClassVar[str] = LabelDivergence.finding
    statistics: ClassVar[tuple[str, ...]] = ("log_ratio", "cohens_h", "difference")
    min_share: float = 0.01

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """Both sides are measured on the class picked from the pair."""
        if reference is None:
            return Observation(None, reason=NEEDS_REFERENCE), None
        counts: LabelCounts = values["labels"]
        ref_counts: LabelCounts = reference["labels"]
        allowed = allowed_labels(context, ref_counts.counts)
        classes = _classes(allowed, counts, ref_counts)
        shares, ref_shares = counts.shares(allowed, classes), ref_counts.shares(allowed, classes)
        log_ratio = STATISTICS["log_ratio"]
        ratios = {
            k: log_ratio(Observation(shares[k]), Observation(ref_shares[k]))[0]
            for k in shares
            if max(shares[k], ref_shares[k]) >= self.min_share
        }
        if not ratios:
            return Observation(None, reason=f"no class holds {self.min_share:.0%} of labels"), None
        label = max(ratios, key=lambda k: abs(ratios[k]))
        observation = _class_share(counts, allowed, label)
        details = {
            **(observation.details or {}),
            "ratios": {repr(k): round(2**v, 4) for k, v in ratios.items()},
        }
        return dataclasses.replace(observation, details=details), _class_share(
            ref_counts, allowed, label
        )


def _labels_text(side: Signature) -> str:
    """An item's labels as a list, e.g. ``[0, 0, 1]``."""
    return "[" + ", ".join(repr(label) for label, count in side for _ in range(count)) + "]"


def _typical_size(sets: ItemSets, allowed: set[Any] | None) -> int | None:
    """The most common number of valid labels per item, among items with two or more."""
    sizes: Counter[int] = Counter()
    for _, (counts,), n in sets.valid(allowed):
        if sum(counts.values()) >= 2:
            sizes[sum(counts.values())] += n
    return sizes.most_common(1)[0][0] if sizes else None


def _unanimity(sets: ItemSets, allowed: set[Any] | None, m: int | None) -> Observation:
    expected, items, unanimous = 0.0, 0, 0
    pool: list[tuple[int, Signature, Any]] = []
    for key, (counts,), n in sets.valid(allowed):
        if sum(counts.values()) < (m or 2):
            continue
        items += n
        expected += unanimity(counts, m) * n
        if len(counts) == 1:
            unanimous += n
            pool.append((n, key[0], next(iter(counts))))
    if not items:
        return Observation(None, reason=f"no item has {m or 2} or more valid labels")
    interval = wilson(round(expected), items)
    details = {
        "items": items,
        "labels_compared": m or "all",
        "unanimous_all_labels": round(unanimous / items, 4),
        "items_left_out": sets.overflow + sum(sets.counts.values()) - items,
    }
    examples = [
        example(
            sets.examples[(side,)][0],
            f"{_labels_text(side)}: all {label!r}",
            rows=sets.examples[(side,)],
            count=n,
        )
        for n, side, label in sorted(pool, key=lambda item: -item[0])[:5]
    ]
    return Observation(
        expected / items, interval.low, interval.high, items, details=details, examples=examples
    )


@register
@dataclass(frozen=True)
class UnanimousItemShare(Expectation):
    """Share of items whose labels (sampled labels, or annotators' labels) all agree.

    Variance collapse: ChatGPT's five samples per item, drawn at varied temperature and top-p,
    were identical on 95% of items, where human annotators were unanimous on 52%. Only valid
    labels count; items with fewer than two are left out. Against a reference whose items
    carry another number of labels (5 samples vs 3 annotators), both sides are measured at the
    smaller number m, as the chance that m labels drawn from the item all agree: unanimity
    falls as labels are added, so 5 samples would look less collapsed than 3. The paper's
    all-labels share is in ``details.unanimous_all_labels``. Examples are unanimous items.
    """

    name: ClassVar[str] = "unanimous_item_share"
    finding: ClassVar[str] = (
        "Variance collapse: five samples per item (temperature/top-p varied) were identical for "
        "95% of ChatGPT items; human annotators were unanimous on 52% (FINDINGS.md §1)."
    )
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    paired_field: ClassVar[str | None] = "role"
    role: str = "label"

    def metrics(self) -> dict[str, Metric]:
        return {"items": ItemLabelSets(self.role)}

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """With a reference, both sides at the smaller typical number of labels per item."""
        sets: ItemSets = values["items"]
        ref: ItemSets | None = reference["items"] if reference else None
        allowed = allowed_labels(context, ref.labels() if ref is not None else None)
        if ref is None:
            return _unanimity(sets, allowed, None), None
        size, ref_size = _typical_size(sets, allowed), _typical_size(ref, allowed)
        m = min(size, ref_size) if size and ref_size else None
        return _unanimity(sets, allowed, m), _unanimity(ref, allowed, m)


@dataclass(frozen=True)
class _MatchRate(Expectation):
    """Share of items where the model's label set meets the humans' (``pick`` on each side)."""

    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    kind: ClassVar[str]
    role: str = "label"
    reference_role: str = "reference_label"

    @staticmethod
    @abstractmethod
    def pick(counts: dict[Any, int]) -> set[Any]:
        """The label set of one item's side (its majority or minority)."""

    def metrics(self) -> dict[str, Metric]:
        return {"items": ItemLabelSets(self.role, self.reference_role)}

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """The reference is the human labels matched with themselves.

        That is the share of items that have a human set at all: the most a model can match.
        A reference file, if any, is not used (the pairing is per item).
        """
        sets: ItemSets = values["items"]
        allowed = allowed_labels(context, sets.labels(1))
        items = matched = possible = repeated = 0
        misses: list[tuple[int, tuple[Signature, ...], set[Any], set[Any]]] = []
        for key, (model, human), count in sets.valid(allowed):
            if not model or not human:
                continue
            items += count
            repeated += count if sum(model.values()) > 1 else 0
            human_set = self.pick(human)
            if not human_set:
                continue
            possible += count
            model_set = self.pick(model)
            if human_set & model_set:
                matched += count
            else:
                misses.append((count, key, human_set, model_set))
        if not items:
            return Observation(None, reason="no item has valid labels on both sides"), None
        if not repeated:
            return Observation(
                None, reason=f"one {self.role} per item: a {self.kind} needs several"
            ), None
        if not possible:
            return Observation(None, reason=f"no item has a human {self.kind}"), None
        rate = wilson(matched, items)
        details = {
            "items": items,
            "matched": matched,
            f"items_with_a_human_{self.kind}": possible,
            "match_rate_where_humans_have_one": round(matched / possible, 4),
            "items_left_out": sets.overflow + sum(sets.counts.values()) - items,
        }
        examples = [
            example(
                sets.examples[key][0],
                f"human {_labels_text(key[1])}, {self.kind} {sorted(human_set, key=repr)}; "
                f"{self.role} {_labels_text(key[0])}, "
                f"{self.kind} {sorted(model_set, key=repr) if model_set else 'none'}",
                rows=sets.examples[key],
                count=count,
            )
            for count, key, human_set, model_set in sorted(misses, key=lambda m: -m[0])[:5]
        ]
        return dataclasses.replace(rate, n=items, details=details, examples=examples), Observation(
            possible / items, n=items
        )


@register
@dataclass(frozen=True)
class MajorityMatchRate(_MatchRate):
    """Share of items where the model's majority label set meets the human majority set.

    Das et al.'s definitions, per item: the majority is the set of labels with the highest
    count (none when that count is 1); a match is a non-empty intersection of the human and
    the model sets; the rate is over every item with valid labels on both sides. ChatGPT
    matched the human majority on 50-72% of items (GHC 72.1, SBIC 64.4). The reference shown
    is the share of items that have a human majority (the most a model can match). Needs the
    paired ``reference_label`` column; examples are the most common mismatches.
    """

    name: ClassVar[str] = "majority_match_rate"
    finding: ClassVar[str] = (
        "Majority dominance: ChatGPT matched the human majority on 50-72% of items (SBIC 64.4, "
        "SChem 63.3, Sentiment 50.5, GHC 72.1) but the minority on 0.2-2.9% (FINDINGS.md §1)."
    )
    kind: ClassVar[str] = "majority"

    @staticmethod
    def pick(counts: dict[Any, int]) -> set[Any]:
        return majority(counts)


@register
@dataclass(frozen=True)
class MinorityMatchRate(_MatchRate):
    """Share of items where the model's minority label set meets the human minority set.

    Das et al.'s definitions, per item: the minority is the set of labels with the lowest
    count (none when all counts are equal, unanimous items included); a match is a non-empty
    intersection; the rate is over every item with valid labels on both sides, so it can reach
    at most the share of items with a human minority (the reference shown, and the value it is
    compared with). ChatGPT matched the human minority on 0.2-2.9% of items (GHC 0.2, SBIC
    0.6). Needs the paired ``reference_label`` column; examples are human minorities missed.
    """

    name: ClassVar[str] = "minority_match_rate"
    finding: ClassVar[str] = (
        "Minority under-representation: ChatGPT matched the human minority on 0.2-2.9% of items "
        "(SBIC 0.6, SChem 2.9, Sentiment 2.3, GHC 0.2) (FINDINGS.md §1)."
    )
    kind: ClassVar[str] = "minority"

    @staticmethod
    def pick(counts: dict[Any, int]) -> set[Any]:
        return minority(counts)


@register
@dataclass(frozen=True)
class FlipAsymmetry(Expectation):
    """Share of model-human disagreements that go the dominant way of their pair of classes.

    The i-th human label of an item is paired with the i-th model label, up to the shorter
    list (the paper's pairing: it reproduces its counts exactly). Of the pairs that disagree,
    each pair of classes {a, b} contributes its flips in the more frequent direction: 0.5 means
    flips go both ways alike, 1 that every disagreement goes one way. On GHC, ChatGPT turned a
    human 0 into 1 2,078 times and a 1 into 0 259 times (0.89): it over-flags. Cohen's g
    (value - 0.5; 0.05 small, 0.15 medium, 0.25 large) and Bowker's test of symmetry are in
    the details. Needs the paired ``reference_label`` column and ``min_disagreements`` pairs.
    """

    name: ClassVar[str] = "flip_asymmetry"
    finding: ClassVar[str] = (
        "Flip asymmetry: where model and human disagree the flips go one way (GHC human 0 -> "
        "model 1: 2,078; 1 -> 0: 259) (FINDINGS.md §1)."
    )
    role: str = "label"
    reference_role: str = "reference_label"
    min_disagreements: int = 30

    def metrics(self) -> dict[str, Metric]:
        return {"pairs": LabelPairs(self.role, self.reference_role)}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        from scipy import stats

        pairs: PairCounts = values["pairs"]
        allowed = allowed_labels(context, {ref for ref, _ in pairs.counts})

        def valid(label: Any) -> bool:
            return label is not None and (allowed is None or label in allowed)

        counted = {(a, b): n for (a, b), n in pairs.counts.items() if valid(a) and valid(b)}
        flips = {pair: n for pair, n in counted.items() if pair[0] != pair[1]}
        total = sum(flips.values())
        if total < self.min_disagreements:
            return Observation(
                None, reason=f"{total} disagreeing label pairs, fewer than {self.min_disagreements}"
            )
        dominant, chi2, classes = 0, 0.0, {frozenset(pair) for pair in flips}
        for a, b in (sorted(pair, key=repr) for pair in classes):
            ab, ba = flips.get((a, b), 0), flips.get((b, a), 0)
            dominant += max(ab, ba)
            chi2 += (ab - ba) ** 2 / (ab + ba)
        ordered = sorted(flips.items(), key=lambda item: -item[1])
        interval = wilson(dominant, total)
        details = {
            "pairs": sum(counted.values()),
            "disagreements": total,
            "flips": {f"{a!r} -> {b!r}": n for (a, b), n in ordered},
            "direction": f"{self.reference_role} -> {self.role}",
            "cohens_g": round(dominant / total - 0.5, 4),
            "bowker_chi2": round(chi2, 2),
            "bowker_p_value": float(stats.chi2.sf(chi2, len(classes))),
            "pairs_left_out": pairs.overflow,
        }
        examples = [
            example(
                pairs.examples[pair][0],
                f"{self.reference_role} {pair[0]!r} -> {self.role} {pair[1]!r}",
                rows=pairs.examples[pair],
                count=n,
            )
            for pair, n in ordered[:3]
        ]
        return dataclasses.replace(interval, n=total, details=details, examples=examples)
