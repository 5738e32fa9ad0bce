"""Label metrics: counts of every label value, item label multisets, and paired labels.

Three states serve the label expectations of FINDINGS.md §1. ``LabelDistribution`` counts every
label value (invalid rate, class shares, entropy, divergence from a reference);
``ItemLabelSets`` counts the multiset of labels each item carries (unanimity of sampled labels,
majority and minority matches with the paired human labels); ``LabelPairs`` counts human and
model labels paired by position (flip asymmetry). Which labels are valid is decided when
judging (from ``--allowed-labels`` or the labels of the reference), so every state keeps every
value seen, with a few example rows each.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from synthgate.batch import Batch
from synthgate.metrics import (
    OTHER,
    Metric,
    add_example,
    cap_keys,
    in_row_order,
    merge_examples,
)
from synthgate.metrics.flags import Flag, RowCheck, row_check

EXAMPLES_PER_VALUE = 3


def as_list(value: Any) -> list[Any]:
    """The labels of one item: a list of sampled labels, or a single one."""
    return value if isinstance(value, list) else [value]


def invalid_label(label: Any, allowed: set[Any] | tuple[Any, ...] | None) -> bool:
    """A missing label (None), or one outside ``allowed`` (None: any label is allowed)."""
    return label is None or (allowed is not None and label not in allowed)


@row_check
@dataclass(frozen=True)
class InvalidLabelCheck(RowCheck):
    """Flags each label of a row (one, or each of a list of sampled labels) that is missing
    or outside ``allowed``."""

    name: ClassVar[str] = "invalid_label"
    unit: ClassVar[str] = "label"
    role: str = "label"
    allowed: tuple[Any, ...] | None = None

    def items(self, batch: Batch) -> Iterator[tuple[int, Any]]:
        yield from zip(batch.rows, batch.columns[self.role], strict=True)

    def inspect(self, value: Any) -> tuple[int, list[Flag]]:
        labels = as_list(value)
        return len(labels), [
            Flag("missing label" if label is None else "label not allowed", repr(label), i)
            for i, label in enumerate(labels)
            if invalid_label(label, self.allowed)
        ]


def _add_examples(examples: dict[Any, list[int]], rows: list[int], keys: list[Any]) -> None:
    """Each key's earliest ``EXAMPLES_PER_VALUE`` rows (``add_example``), skipping the rows
    that come too late to be kept."""
    for row, key in zip(rows, keys, strict=True):
        kept = examples.setdefault(key, [])
        if len(kept) < EXAMPLES_PER_VALUE or row < kept[-1]:
            add_example(kept, row, EXAMPLES_PER_VALUE)


def drop_capped(counts: Counter[Any], examples: dict[Any, list[int]]) -> tuple[int, list[int]]:
    """Take the keys beyond the cap (``metrics.cap_keys``) out: their count and example rows."""
    dropped, rows = 0, []
    for key in cap_keys(counts):
        dropped += counts.pop(key)
        rows += examples.pop(key, [])
    return dropped, rows


def ordered(counts: Counter[Any], examples: dict[Any, list[Any]]) -> dict[Any, int]:
    """``counts`` in the order of their earliest example row (the order one pass meets them)."""
    return {key: counts[key] for key in in_row_order(examples)}


@dataclass
class LabelCountsState:
    counts: Counter[Any] = field(default_factory=Counter)
    examples: dict[Any, list[int]] = field(default_factory=dict)
    items: int = 0

    def cap(self) -> None:
        """Count the values beyond ``MAX_VALUES`` under ``OTHER``."""
        dropped, rows = drop_capped(self.counts, self.examples)
        if dropped:
            self.counts[OTHER] += dropped
            for row in rows:
                add_example(self.examples.setdefault(OTHER, []), row, EXAMPLES_PER_VALUE)


@dataclass(frozen=True)
class LabelCounts:
    """How often each label value occurs (``None`` for a missing label), with example rows."""

    counts: dict[Any, int]
    examples: dict[Any, list[int]]
    items: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def invalid(self, allowed: set[Any] | None) -> dict[Any, int]:
        """Counts of values outside ``allowed`` (missing labels are always invalid)."""
        return {v: c for v, c in self.counts.items() if invalid_label(v, allowed)}

    def valid(self, allowed: set[Any] | None) -> dict[Any, int]:
        bad = self.invalid(allowed)
        return {v: c for v, c in self.counts.items() if v not in bad}

    def shares(self, allowed: set[Any] | None, classes: set[Any] | None = None) -> dict[Any, float]:
        """Share of each valid class among valid labels; ``classes`` adds classes seen 0 times."""
        valid = self.valid(allowed)
        total = sum(valid.values())
        keys = set(valid) | (classes or set())
        return {k: (valid.get(k, 0) / total if total else 0.0) for k in sorted(keys, key=repr)}


def normalized_entropy(shares: dict[Any, float]) -> float:
    """Shannon entropy of a distribution divided by log(number of classes): 1 is uniform."""
    if len(shares) < 2:
        return 0.0
    entropy = -sum(p * math.log(p) for p in shares.values() if p > 0)
    return entropy / math.log(len(shares))


@dataclass(frozen=True)
class LabelDistribution(Metric):
    """Counts of every label of ``role`` (each sampled label of a list counts once)."""

    role: str = "label"

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def start(self) -> LabelCountsState:
        return LabelCountsState()

    def update(self, state: LabelCountsState, batch: Batch) -> LabelCountsState:
        rows, labels = [], []
        for row, value in zip(batch.rows, batch.columns[self.role], strict=True):
            for label in as_list(value):
                rows.append(row)
                labels.append(label)
        state.items += len(batch)
        state.counts.update(labels)
        _add_examples(state.examples, rows, labels)
        state.cap()
        return state

    def merge(self, a: LabelCountsState, b: LabelCountsState) -> LabelCountsState:
        out = LabelCountsState(
            a.counts + b.counts,
            merge_examples(a.examples, b.examples, EXAMPLES_PER_VALUE),
            a.items + b.items,
        )
        out.cap()
        return out

    def finalize(self, state: LabelCountsState) -> LabelCounts:
        counts = ordered(state.counts, state.examples)
        return LabelCounts(counts, {k: state.examples[k] for k in counts}, state.items)


Signature = tuple[tuple[Any, int], ...]
"""One item's labels as a multiset: ``(label, count)`` pairs in a fixed order."""


def signature(value: Any) -> Signature:
    """The multiset of an item's labels (a list of samples, or a single label)."""
    return tuple(sorted(Counter(as_list(value)).items(), key=lambda item: repr(item[0])))


def batch_signature(batch: Batch, value: Any) -> Signature:
    """``signature(value)`` computed once per distinct value of a batch (and its group
    sub-batches), whichever metrics ask: cached by the labels and their types (labels are
    normalized scalars, ``roles.normalize_label``), alive as long as the batch."""
    cache: dict[Any, Signature] = batch.cache.setdefault("signature", {})
    labels = as_list(value)
    key = (*labels, *map(type, labels))
    found = cache.get(key)
    if found is None:
        found = cache[key] = signature(value)
    return found


def majority(counts: dict[Any, int]) -> set[Any]:
    """The labels with the highest count; none when that count is 1 (Das et al., §1)."""
    top = max(counts.values(), default=0)
    return {label for label, count in counts.items() if count == top} if top > 1 else set()


def minority(counts: dict[Any, int]) -> set[Any]:
    """The labels with the lowest count; none when all counts are equal (unanimous included)."""
    if not counts:
        return set()
    low, high = min(counts.values()), max(counts.values())
    return {label for label, count in counts.items() if count == low} if low < high else set()


def unanimity(counts: dict[Any, int], m: int | None = None) -> float:
    """Chance that ``m`` labels drawn from the item without replacement all agree.

    With ``m`` None (all labels) this is 1 for a unanimous item and 0 otherwise; a smaller ``m``
    says how often the item would have been unanimous had only ``m`` labels been collected.
    """
    n = sum(counts.values())
    m = n if m is None else m
    return sum(math.comb(c, m) for c in counts.values()) / math.comb(n, m)


@dataclass
class ItemSetsState:
    counts: Counter[tuple[Signature, ...]] = field(default_factory=Counter)
    examples: dict[tuple[Signature, ...], list[int]] = field(default_factory=dict)
    overflow: int = 0


@dataclass(frozen=True)
class ItemSets:
    """How many items carry each combination of label multisets (one per role), with rows."""

    counts: dict[tuple[Signature, ...], int]
    examples: dict[tuple[Signature, ...], list[int]]
    overflow: int
    """Items whose combination is beyond the ``MAX_VALUES`` kept ones: counted, not measured."""

    def labels(self, side: int = 0) -> set[Any]:
        """Every non-missing label seen on one side (0: the first role)."""
        return {label for key in self.counts for label, _ in key[side] if label is not None}

    def valid(
        self, allowed: set[Any] | None
    ) -> Iterator[tuple[tuple[Signature, ...], tuple[dict[Any, int], ...], int]]:
        """Each combination with its label counts per side, missing and invalid labels dropped."""
        for key, count in self.counts.items():
            kept = tuple(
                {
                    label: n
                    for label, n in side
                    if label is not None and (allowed is None or label in allowed)
                }
                for side in key
            )
            yield key, kept, count


@dataclass(frozen=True)
class ItemLabelSets(Metric):
    """The multiset of labels of each item on ``role`` (and ``reference_role``), counted.

    Per-item structure (unanimity, majority and minority sets) needs every label of an item
    together, and which labels are valid is only known when judging; so the state counts items
    by the multisets they carry. Classification labels give few distinct multisets, so memory
    stays small; beyond ``MAX_VALUES`` combinations new ones are counted as ``overflow``.
    """

    role: str = "label"
    reference_role: str | None = None

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,) if self.reference_role is None else (self.role, self.reference_role)

    def start(self) -> ItemSetsState:
        return ItemSetsState()

    def update(self, state: ItemSetsState, batch: Batch) -> ItemSetsState:
        signatures = [
            list(map(partial(batch_signature, batch), batch.columns[role])) for role in self.roles
        ]
        keys = list(zip(*signatures, strict=True))
        state.counts.update(keys)
        _add_examples(state.examples, batch.rows, keys)
        state.overflow += drop_capped(state.counts, state.examples)[0]
        return state

    def merge(self, a: ItemSetsState, b: ItemSetsState) -> ItemSetsState:
        out = ItemSetsState(
            a.counts + b.counts,
            merge_examples(a.examples, b.examples, EXAMPLES_PER_VALUE),
            a.overflow + b.overflow,
        )
        out.overflow += drop_capped(out.counts, out.examples)[0]
        return out

    def finalize(self, state: ItemSetsState) -> ItemSets:
        counts = ordered(state.counts, state.examples)
        return ItemSets(counts, {k: state.examples[k] for k in counts}, state.overflow)


@dataclass
class PairCountsState:
    counts: Counter[tuple[Any, Any]] = field(default_factory=Counter)
    examples: dict[tuple[Any, Any], list[int]] = field(default_factory=dict)
    overflow: int = 0


@dataclass(frozen=True)
class PairCounts:
    """How often each ``(reference label, label)`` pair occurs at the same position of an item."""

    counts: dict[tuple[Any, Any], int]
    examples: dict[tuple[Any, Any], list[int]]
    overflow: int
    """Pairs beyond the ``MAX_VALUES`` distinct ones kept: counted, not measured."""


@dataclass(frozen=True)
class LabelPairs(Metric):
    """Counts of ``(reference_role label, role label)`` at equal positions of each item's lists.

    The i-th human label is paired with the i-th model label, up to the shorter list: the
    pairing Das et al. count flips with (it gives their GHC ChatGPT counts exactly).
    """

    role: str = "label"
    reference_role: str = "reference_label"

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role, self.reference_role)

    def start(self) -> PairCountsState:
        return PairCountsState()

    def update(self, state: PairCountsState, batch: Batch) -> PairCountsState:
        data, reference = batch.columns[self.role], batch.columns[self.reference_role]
        rows, pairs = [], []
        for row, value, ref in zip(batch.rows, data, reference, strict=True):
            for pair in zip(as_list(ref), as_list(value), strict=False):
                rows.append(row)
                pairs.append(pair)
        state.counts.update(pairs)
        _add_examples(state.examples, rows, pairs)
        state.overflow += drop_capped(state.counts, state.examples)[0]
        return state

    def merge(self, a: PairCountsState, b: PairCountsState) -> PairCountsState:
        out = PairCountsState(
            a.counts + b.counts,
            merge_examples(a.examples, b.examples, EXAMPLES_PER_VALUE),
            a.overflow + b.overflow,
        )
        out.overflow += drop_capped(out.counts, out.examples)[0]
        return out

    def finalize(self, state: PairCountsState) -> PairCounts:
        counts = ordered(state.counts, state.examples)
        return PairCounts(counts, {k: state.examples[k] for k in counts}, state.overflow)
