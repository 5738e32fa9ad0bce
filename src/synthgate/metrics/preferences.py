"""Pairwise judgements (FINDINGS.md §2): counts by judgement, surface cues, paired judgements.

A judgement is kept as its raw (normalized) value and decoded into ``first``, ``second`` or
``tie`` only when judging, with the codes of ``Codings``: the data and its human reference may
be coded differently (PandaLM's humans vote 1/2/0, its LLM answers "1"/"2"/"Tie"), and the
states stay small because a judge uses a handful of distinct values. A row holding a list of
votes (several annotators) counts as one judgement: the strict majority of its votes, or no
valid judgement when the largest count is shared (``one_judgement``).

Two metrics serve every preference expectation:

- ``Judgements``: rows per raw judgement with example rows and, for a surface *cue* (length or
  word overlap of output1 against output2), running sums of the cue per judgement. Tie rate,
  position bias and the invalid rate read the counts; verbosity bias and cue correlations read
  the sums. Memory: a few numbers per distinct judgement value.
- ``PairedJudgements``: the joint counts of two judgement columns of the same row (the judge
  and the human; or the judge in both presentation orders), with per-vote counts when the
  second column holds several votes. Agreement, Cohen's kappa and order consistency read it.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from synthgate.batch import Batch
from synthgate.metrics import (
    EXACT_SCALE,
    OTHER,
    Metric,
    add_example,
    cap_keys,
    exact,
    in_row_order,
    merge_examples,
)
from synthgate.metrics.flags import Flag, RowCheck, row_check
from synthgate.metrics.tokens import TextFeatures, excerpt, features
from synthgate.roles import Codings

EXAMPLES = 3
"""Example rows kept per judgement value (or pair of values), and extreme cue rows."""
EXCERPT = 70

CUE_SOURCES: dict[str, str | None] = {
    "length": None,
    "prompt_overlap": "prompt",
    "reference_overlap": "reference_text",
}
"""Surface cues and the role output1 and output2 are compared with (None: no other role)."""

Decoder = Callable[[Any], str | None]
"""Raw judgement -> ``first``, ``second``, ``tie``, or None when invalid."""


def one_judgement(value: Any) -> Any:
    """A row's judgement: the value itself, or the strict majority of a list of votes (else None)."""
    if not isinstance(value, list):
        return value
    top = Counter(value).most_common(2)
    if not top or (len(top) == 2 and top[0][1] == top[1][1]):
        return None
    return top[0][0]


@row_check
@dataclass(frozen=True)
class InvalidJudgementCheck(RowCheck):
    """Flags a row whose judgement (or the strict majority of its votes) is missing or not
    one of the judgement codes of ``codings``."""

    name: ClassVar[str] = "invalid_judgement"
    role: str = "choice"
    codings: Codings = field(default_factory=Codings)

    def items(self, batch: Batch) -> Iterator[tuple[int, Any]]:
        yield from zip(batch.rows, batch.columns[self.role], strict=True)

    def flag(self, value: Any) -> Flag | None:
        judgement = one_judgement(value)
        if self.codings.decode_choice(judgement) is not None:
            return None
        reason = "no judgement" if judgement is None else "not a judgement code"
        return Flag(reason, repr(value))


def word_overlap(a: set[str], b: set[str]) -> float:
    """Unigram F1 between two sets of word types (ROUGE-1 F on word sets)."""
    common = len(a & b)
    return 2 * common / (len(a) + len(b)) if common else 0.0


def cue_value(
    cue: str,
    output1: Any,
    output2: Any,
    source: Any,
    text_features: Callable[[str], TextFeatures] = TextFeatures,
) -> float | None:
    """How much more of the cue output1 has than output2 (positive: output1 has more).

    ``length``: log((1 + tokens of output1) / (1 + tokens of output2)), scale-free so that 10
    extra tokens weigh more beside a 20-token answer than beside a 500-token one.
    ``*_overlap``: word overlap (unigram F1 of word types) of output1 with the source minus
    that of output2. ``text_features``: a batch's shared features (``tokens.features``).
    """
    if not isinstance(output1, str) or not isinstance(output2, str):
        return None
    first, second = text_features(output1), text_features(output2)
    if cue == "length":
        return math.log((1 + first.token_count) / (1 + second.token_count))
    if not isinstance(source, str) or not source.strip():
        return None
    source_words = set(text_features(source).words)
    return word_overlap(set(first.words), source_words) - word_overlap(
        set(second.words), source_words
    )


def _other(key: Any) -> Any:
    """Where a value beyond the cap is counted: ``OTHER`` (``(OTHER, OTHER)`` for a pair, so
    pair counters always unpack)."""
    return (OTHER, OTHER) if isinstance(key, tuple) else OTHER


def _cap(counts: Counter[Any], *keyed: dict[Any, Any]) -> list[tuple[Any, Any]]:
    """Count the values beyond ``MAX_VALUES`` (``metrics.cap_keys``) under ``_other``; returns
    ``(dropped key, where it went)`` so a caller can fold what else it keeps per key. Entries
    of ``keyed`` (example rows per key) follow their key."""
    sample = next(iter(counts), None)
    moved = []
    for key in cap_keys(counts, keep=_other(sample)):
        target = _other(key)
        counts[target] += counts.pop(key)
        for side in keyed:
            for item in side.pop(key, []):
                add_example(side.setdefault(target, []), item, EXAMPLES)
        moved.append((key, target))
    return moved


# --- one judgement column, with an optional surface cue ---------------------------------------


@dataclass
class CueSums:
    """Running sums of a cue over the rows of one judgement value (mergeable by addition; the
    sums are exact, ``metrics.exact``, so they do not depend on the order rows come in)."""

    n: int = 0
    exact_total: int = 0
    exact_squares: int = 0
    positive: int = 0
    negative: int = 0

    def add(self, x: float) -> None:
        self.n += 1
        self.exact_total += exact(x)
        self.exact_squares += exact(x * x)
        self.positive += x > 0
        self.negative += x < 0

    @property
    def total(self) -> float:
        return self.exact_total / (1 << EXACT_SCALE)

    @property
    def squares(self) -> float:
        return self.exact_squares / (1 << EXACT_SCALE)

    def __add__(self, other: CueSums) -> CueSums:
        return CueSums(
            self.n + other.n,
            self.exact_total + other.exact_total,
            self.exact_squares + other.exact_squares,
            self.positive + other.positive,
            self.negative + other.negative,
        )


Extreme = tuple[float, int, str]
"""(cue value, row, excerpt)."""


@dataclass
class JudgementState:
    counts: Counter[Any] = field(default_factory=Counter)
    examples: dict[Any, list[tuple[int, str]]] = field(default_factory=dict)
    cue: dict[Any, CueSums] = field(default_factory=dict)
    largest: dict[Any, list[Extreme]] = field(default_factory=dict)
    smallest: dict[Any, list[Extreme]] = field(default_factory=dict)

    def cap(self) -> None:
        """Count the judgement values beyond ``MAX_VALUES`` under ``OTHER``, cue sums too."""
        for key, target in _cap(self.counts, self.examples):
            if key in self.cue:
                self.cue[target] = self.cue.get(target, CueSums()) + self.cue.pop(key)
            for largest, side in ((True, self.largest), (False, self.smallest)):
                for item in side.pop(key, []):
                    _keep(side.setdefault(target, []), item, largest)


@dataclass(frozen=True)
class JudgementCounts:
    """Rows per raw judgement, example rows, and the cue sums and extreme rows per judgement."""

    counts: dict[Any, int]
    examples: dict[Any, list[tuple[int, str]]]
    cue: dict[Any, CueSums]
    largest: dict[Any, list[Extreme]]
    smallest: dict[Any, list[Extreme]]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def decoded(self, decode: Decoder) -> Counter[str | None]:
        """Rows per decoded judgement (None: invalid)."""
        out: Counter[str | None] = Counter()
        for value, count in self.counts.items():
            out[decode(value)] += count
        return out

    def rows(self, decode: Decoder, wanted: str | None) -> list[dict[str, Any]]:
        """Example rows whose judgement decodes to ``wanted``: row, raw value."""
        return [
            {"row": row, "value": text}
            for value, rows in self.examples.items()
            if decode(value) == wanted
            for row, text in rows
        ]

    def cue_sums(self, decode: Decoder, wanted: str) -> CueSums:
        """The cue sums over rows whose judgement decodes to ``wanted``."""
        out = CueSums()
        for value, sums in self.cue.items():
            if decode(value) == wanted:
                out = out + sums
        return out

    def extremes(self, decode: Decoder, wanted: str, largest: bool) -> list[Extreme]:
        """Rows judged ``wanted`` with the largest (or smallest) cue values, extreme first."""
        side = self.largest if largest else self.smallest
        found = [item for value, items in side.items() if decode(value) == wanted for item in items]
        return sorted(found, key=lambda item: _rank(item[0], item[1], largest))[:EXAMPLES]


def _rank(x: float, row: int, largest: bool) -> tuple[float, int]:
    """Sort key of an extreme: the most extreme cue value first, ties by the earlier row."""
    return (-x if largest else x, row)


def _keep(items: list[Extreme], item: Extreme, largest: bool) -> None:
    """Keep the ``EXAMPLES`` items with the largest (or smallest) cue value, in place."""
    items.append(item)
    items.sort(key=lambda it: _rank(it[0], it[1], largest))
    del items[EXAMPLES:]


def _enters(items: list[Extreme], x: float, row: int, largest: bool) -> bool:
    if len(items) < EXAMPLES:
        return True
    return _rank(x, row, largest) < _rank(items[-1][0], items[-1][1], largest)


@dataclass(frozen=True)
class Judgements(Metric):
    """Rows per raw judgement of ``role``; with ``cue``, the cue's sums per judgement."""

    role: str = "choice"
    cue: str | None = None

    def __post_init__(self) -> None:
        if self.cue is not None and self.cue not in CUE_SOURCES:
            raise ValueError(f"unknown cue {self.cue!r}; cues are {', '.join(CUE_SOURCES)}")

    @property
    def roles(self) -> tuple[str, ...]:
        if self.cue is None:
            return (self.role,)
        source = CUE_SOURCES[self.cue]
        return (self.role, "output1", "output2", *([source] if source else []))

    def start(self) -> JudgementState:
        return JudgementState()

    def update(self, state: JudgementState, batch: Batch) -> JudgementState:
        raws = batch.columns[self.role]
        keys = [one_judgement(raw) for raw in raws]
        state.counts.update(keys)
        for row, key, raw in zip(batch.rows, keys, raws, strict=True):
            examples = state.examples.setdefault(key, [])
            if len(examples) < EXAMPLES or row < examples[-1][0]:
                add_example(examples, (row, repr(raw)), EXAMPLES)
        if self.cue is not None:
            self._add_cues(state, batch, keys)
        state.cap()
        return state

    def _add_cues(self, state: JudgementState, batch: Batch, keys: list[Any]) -> None:
        """Each row's cue into its judgement's sums; the batch's most extreme rows (per
        judgement and side) offered to the kept extremes, excerpts made for those only."""
        assert self.cue is not None
        columns = batch.columns
        source = CUE_SOURCES[self.cue]
        sources = columns[source] if source else [None] * len(batch)
        shared = partial(features, batch)
        found: dict[Any, list[tuple[float, int, int]]] = {}
        rows = zip(batch.rows, keys, columns["output1"], columns["output2"], sources, strict=True)
        for i, (row, key, output1, output2, other) in enumerate(rows):
            x = cue_value(self.cue, output1, output2, other, shared)
            if x is not None:
                found.setdefault(key, []).append((x, row, i))
        for key, items in found.items():
            sums = state.cue.setdefault(key, CueSums())
            for x, _, _ in items:
                sums.add(x)
            for largest, side in ((True, state.largest), (False, state.smallest)):
                kept = side.setdefault(key, [])
                for x, row, i in heapq.nsmallest(
                    EXAMPLES, items, key=lambda item: _rank(item[0], item[1], largest)
                ):
                    if _enters(kept, x, row, largest):
                        text = (
                            f"output1: {excerpt(columns['output1'][i], EXCERPT)} | "
                            f"output2: {excerpt(columns['output2'][i], EXCERPT)}"
                        )
                        _keep(kept, (x, row, text), largest)

    def merge(self, a: JudgementState, b: JudgementState) -> JudgementState:
        out = JudgementState(a.counts + b.counts, merge_examples(a.examples, b.examples, EXAMPLES))
        for key in dict.fromkeys([*a.cue, *b.cue]):
            out.cue[key] = a.cue.get(key, CueSums()) + b.cue.get(key, CueSums())
        for largest, side in ((True, "largest"), (False, "smallest")):
            merged: dict[Any, list[Extreme]] = getattr(out, side)
            for part in (getattr(a, side), getattr(b, side)):
                for key, items in part.items():
                    for item in items:
                        _keep(merged.setdefault(key, []), item, largest)
        out.cap()
        return out

    def finalize(self, state: JudgementState) -> JudgementCounts:
        keys = in_row_order(state.examples)
        return JudgementCounts(
            {k: state.counts[k] for k in keys},
            {k: state.examples[k] for k in keys},
            {k: state.cue[k] for k in keys if k in state.cue},
            {k: state.largest[k] for k in keys if k in state.largest},
            {k: state.smallest[k] for k in keys if k in state.smallest},
        )


def correlation(first: CueSums, second: CueSums) -> tuple[float, int]:
    """Pearson r between the cue and the judgement (+1 first, -1 second), and its n.

    Computed from the per-judgement sums: with y = +1 on ``first`` rows and -1 on ``second``
    rows, sum(y) = n1 - n2, sum(y^2) = n and sum(xy) = sum(x | first) - sum(x | second).
    NaN when either side is constant.
    """
    n = first.n + second.n
    sx, sxx = first.total + second.total, first.squares + second.squares
    sy, sxy = first.n - second.n, first.total - second.total
    var_x, var_y = n * sxx - sx * sx, n * n - sy * sy
    if n < 2 or var_x <= 0 or var_y <= 0:
        return math.nan, n
    return (n * sxy - sx * sy) / math.sqrt(var_x * var_y), n


# --- two judgement columns of the same row ----------------------------------------------------


@dataclass
class PairedState:
    pairs: Counter[tuple[Any, Any]] = field(default_factory=Counter)
    examples: dict[tuple[Any, Any], list[tuple[int, str]]] = field(default_factory=dict)
    votes: Counter[tuple[Any, Any]] = field(default_factory=Counter)
    vote_pairs: Counter[tuple[Any, Any]] = field(default_factory=Counter)

    def cap(self) -> None:
        """Count the pairs beyond ``MAX_VALUES`` under ``(OTHER, OTHER)``."""
        _cap(self.pairs, self.examples)
        _cap(self.votes)
        _cap(self.vote_pairs)


@dataclass(frozen=True)
class PairedCounts:
    """Joint counts of two judgement columns, with example rows per pair of values.

    ``votes`` pairs the first column with every single vote of the second when it holds a
    list; ``vote_pairs`` pairs the votes of one row with each other (both orders).
    """

    pairs: dict[tuple[Any, Any], int]
    examples: dict[tuple[Any, Any], list[tuple[int, str]]]
    votes: dict[tuple[Any, Any], int]
    vote_pairs: dict[tuple[Any, Any], int]


@dataclass(frozen=True)
class PairedJudgements(Metric):
    """Joint counts of the judgements of ``role`` and ``other`` on each row."""

    role: str = "choice"
    other: str = "reference_choice"

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role, self.other)

    def start(self) -> PairedState:
        return PairedState()

    def update(self, state: PairedState, batch: Batch) -> PairedState:
        columns = zip(batch.rows, batch.columns[self.role], batch.columns[self.other], strict=True)
        for row, raw_a, raw_b in columns:
            a = one_judgement(raw_a)
            key = (a, one_judgement(raw_b))
            state.pairs[key] += 1
            add_example(
                state.examples.setdefault(key, []), (row, f"{raw_a!r} vs {raw_b!r}"), EXAMPLES
            )
            if isinstance(raw_b, list):
                for i, vote in enumerate(raw_b):
                    state.votes[(a, vote)] += 1
                    for other in raw_b[i + 1 :]:
                        state.vote_pairs[(vote, other)] += 1
                        state.vote_pairs[(other, vote)] += 1
        state.cap()
        return state

    def merge(self, a: PairedState, b: PairedState) -> PairedState:
        examples = merge_examples(a.examples, b.examples, EXAMPLES)
        out = PairedState(
            a.pairs + b.pairs, examples, a.votes + b.votes, a.vote_pairs + b.vote_pairs
        )
        out.cap()
        return out

    def finalize(self, state: PairedState) -> PairedCounts:
        keys = in_row_order(state.examples)
        return PairedCounts(
            {k: state.pairs[k] for k in keys},
            {k: state.examples[k] for k in keys},
            dict(sorted(state.votes.items(), key=repr)),
            dict(sorted(state.vote_pairs.items(), key=repr)),
        )


@dataclass(frozen=True)
class Agreement:
    """Observed agreement and Cohen's kappa of a confusion table of decoded judgements."""

    n: int
    agreement: float
    kappa: float
    kappa_se: float


def agreement(confusion: Counter[tuple[str, str]]) -> Agreement | None:
    """Agreement, Cohen's (1960) kappa and its large-sample standard error; None without rows.

    kappa = (po - pe) / (1 - pe), pe from the two marginals; se = sqrt(po (1 - po) / n) / (1 - pe).
    Kappa is NaN when both sides always give the same single judgement (pe = 1).
    """
    n = sum(confusion.values())
    if not n:
        return None
    po = sum(c for (a, b), c in confusion.items() if a == b) / n
    left: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for (a, b), count in confusion.items():
        left[a] += count
        right[b] += count
    pe = sum(left[k] * right[k] for k in left) / (n * n)
    if pe >= 1:
        return Agreement(n, po, math.nan, math.nan)
    return Agreement(n, po, (po - pe) / (1 - pe), math.sqrt(po * (1 - po) / n) / (1 - pe))
