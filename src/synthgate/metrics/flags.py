"""Row checks: the per-row primitive, and ``FlaggedRows``, the metric that counts their flags.

A *row check* (in the spirit of datatrove's filters) is a small frozen dataclass, one rule per
class, registered by name with ``@row_check``. Its one question is asked of one row's value
(``check(value)``): an empty list means the row is fine, else one ``Flag`` (reason and excerpt)
per offending unit. A unit is the row itself for most checks, or a part of it (a turn of a
conversation, a label of a list of sampled labels); ``inspect`` also says how many units were
checked, so rates have their denominators. ``items`` picks the values a check reads from a
batch.

Every per-row rule lives in one check and is used three ways: ``FlaggedRows`` folds a check
into counts per reason and the first rows of each (the "share of rows that ..." rates:
boilerplate, placeholders, copies, truncations); metrics that need more per row (Gopher
repetition, role flips, repeated turns, closing loops) call the same check; and the row-level
pass (``synthgate.rows``) yields each row's flags. ``ROW_CHECKS`` lists every check by name
(``synthgate.expectations`` imports them all).
"""

from __future__ import annotations

import bisect
import itertools
import re
from abc import ABC
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from typing import Any, ClassVar, TypeVar

from synthgate.batch import Batch
from synthgate.metrics import Metric, add_example, in_row_order, merge_examples
from synthgate.metrics.tokens import excerpt
from synthgate.observation import Observation
from synthgate.patterns import compile_pattern
from synthgate.sampling import wilson

EXAMPLES_PER_REASON = 5


@dataclass(frozen=True)
class Flag:
    """Why a row (or a unit of it: ``unit`` is the turn or label position) was flagged, and
    the part of it that shows why."""

    reason: str
    excerpt: str
    unit: int | None = None


class RowCheck(ABC):
    """A per-row check. Subclasses are ``@dataclass(frozen=True)`` with a ``role`` field, a
    ``name`` and either ``flag`` (one unit per row) or ``inspect`` (several)."""

    name: ClassVar[str]
    """The name the check is registered under (``ROW_CHECKS``)."""
    unit: ClassVar[str] = "row"
    """What one flag counts: ``row``, ``turn``, ``label``, ``conversation``."""
    role: str

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def items(self, batch: Batch) -> Iterator[tuple[int, Any]]:
        """``(row, value)`` for every value checked: by default each non-empty text of ``role``
        (each utterance, for ``turns``)."""
        texts = batch.texts(self.role)
        return zip(map(itemgetter(0), texts), map(itemgetter(2), texts), strict=True)

    def unavailable(self) -> str | None:
        """Why this check cannot run here (no model weights, say), with the fix; None when it
        can. A check that cannot run must never let rows pass as if it had."""
        return None

    def check(self, value: Any) -> list[Flag]:
        """The flags of one row's value; empty when the row is fine."""
        return self.inspect(value)[1]

    def inspect(self, value: Any) -> tuple[int, list[Flag]]:
        """How many units of ``value`` were checked, and their flags."""
        found = self.flag(value)
        return 1, [found] if found is not None else []

    def flag(self, value: Any) -> Flag | None:
        """A flag when the value (one unit) shows the problem, else None."""
        raise NotImplementedError(f"{self.name} implements inspect()")

    def inspect_all(self, values: list[Any]) -> tuple[int, list[tuple[int, Flag]]]:
        """``inspect`` of many values: the units checked in all, and each flag with the
        position of its value, in order (a check may rule many values out at once)."""
        if type(self).inspect is RowCheck.inspect:  # one unit per value: its flag, if any
            found = enumerate(map(self.flag, values))
            return len(values), [(i, flag) for i, flag in found if flag is not None]
        checked, flagged = 0, list[tuple[int, Flag]]()
        for i, value in enumerate(values):
            units, flags = self.inspect(value)
            checked += units
            if flags:
                flagged += [(i, found) for found in flags]
        return checked, flagged


ROW_CHECKS: dict[str, type[RowCheck]] = {}
"""Every row check by name."""

C = TypeVar("C", bound=type[RowCheck])


def row_check(cls: C) -> C:
    """Register ``cls`` under ``cls.name`` in ``ROW_CHECKS``."""
    ROW_CHECKS[cls.name] = cls
    return cls


@dataclass
class FlagState:
    checked: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    flagged: int = 0
    examples: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class FlagResult:
    """``flagged`` of ``checked`` units, counts by reason, and example rows by reason."""

    checked: int
    flagged: int
    reasons: dict[str, int]
    examples: dict[str, list[tuple[int, str]]]

    @property
    def rate(self) -> Observation:
        return wilson(self.flagged, self.checked)


@dataclass(frozen=True)
class FlaggedRows(Metric):
    """The share of units (rows, or utterances of ``turns``) that ``check`` flags."""

    check: RowCheck

    @property
    def roles(self) -> tuple[str, ...]:
        return self.check.roles

    def start(self) -> FlagState:
        return FlagState()

    def update(self, state: FlagState, batch: Batch) -> FlagState:
        items = list(self.check.items(batch))
        checked, flagged = self.check.inspect_all(list(map(itemgetter(1), items)))
        state.checked += checked
        state.flagged += len(flagged)
        for i, found in flagged:
            state.reasons[found.reason] += 1
            examples = state.examples.setdefault(found.reason, [])
            add_example(examples, (items[i][0], found.excerpt), EXAMPLES_PER_REASON)
        return state

    def merge(self, a: FlagState, b: FlagState) -> FlagState:
        examples = merge_examples(a.examples, b.examples, EXAMPLES_PER_REASON)
        return FlagState(
            a.checked + b.checked, a.reasons + b.reasons, a.flagged + b.flagged, examples
        )

    def finalize(self, state: FlagState) -> FlagResult:
        order = in_row_order(state.examples)
        reasons = {reason: state.reasons[reason] for reason in order}
        examples = {reason: state.examples[reason] for reason in order}
        return FlagResult(state.checked, state.flagged, reasons, examples)


BOILERPLATE = (
    ("ai self-reference", r"\bas an? (?:ai|artificial intelligence)\b"),
    ("ai self-reference", r"\bas an? (?:large |ai )?language model\b"),
    (
        "ai self-reference",
        r"\bi(?:'m| am) (?:just |only )?(?:an? )?(?:ai|artificial intelligence|"
        r"(?:large )?language model|ai assistant|chatbot)\b",
    ),
    (
        "refusal",
        r"\b(?:i'm sorry|i am sorry|i apologi[sz]e|sorry),? but i (?:can ?not|can't|won't|"
        r"am unable|am not able|do not|don't)\b",
    ),
    (
        "refusal",
        r"\bi (?:can ?not|can't|am unable to|am not able to|won't) (?:fulfill|comply with|"
        r"assist with|help with|help you with) (?:this|that|your|such)\b",
    ),
    (
        "capability disclaimer",
        r"\bi (?:do not|don't) have (?:personal (?:opinions|feelings|experiences|beliefs|"
        r"preferences)|(?:the )?ability to|access to (?:real-time|the internet|current)|"
        r"feelings|emotions|a physical (?:body|form))\b",
    ),
    ("capability disclaimer", r"\bmy (?:training data|knowledge cut-?off)\b"),
    ("capability disclaimer", r"\b(?:trained|developed|created) by openai\b"),
)
"""(reason, regular expression) pairs, matched against the lower-cased text. They were chosen
to match no text of the human sets in ../shared/data (seed tasks, SGD dialogues, P2C, the human
answers of the free-text file) while catching the boilerplate of model outputs (1.9% of the
CoBBLEr outputs open with "As an AI language model, I do not have personal beliefs...")."""


@row_check
@dataclass(frozen=True)
class BoilerplateCheck(RowCheck):
    """Flags a text that holds refusal or "as an AI" boilerplate; the reason is its kind."""

    name: ClassVar[str] = "boilerplate"
    role: str = "text"
    patterns: tuple[tuple[str, str], ...] = BOILERPLATE

    @cached_property
    def compiled(self) -> Any:
        """One alternation of every pattern (group ``g<i>`` is pattern i): one scan per text."""
        alternatives = (f"(?P<g{i}>{pattern})" for i, (_, pattern) in enumerate(self.patterns))
        return compile_pattern("|".join(alternatives))

    @cached_property
    def scanner(self) -> Any:
        """The alternation in multi-line mode, to scan many lower-cased texts joined by
        newlines at once; None when a pattern could read the joined texts otherwise than each
        text alone (``\\A``, ``\\z``, flags of its own)."""
        if any(
            "\\A" in pattern or "\\z" in pattern or "(?" in re.sub(r"\(\?(?::|P<)", "", pattern)
            for _, pattern in self.patterns
        ):
            return None
        return compile_pattern("(?m)" + "|".join(f"(?:{pattern})" for _, pattern in self.patterns))

    def inspect_all(self, values: list[Any]) -> tuple[int, list[tuple[int, Flag]]]:
        """Each text is one unit, searched only when a match of ``scanner`` in all the texts
        (joined by newlines) touches it: a text matched alone is touched, since at the start of
        its match the joined texts match too (a newline reads as a text's edge to ``\\b`` and,
        in multi-line mode, to ``^`` and ``$``), so the others have no flag."""
        if self.scanner is None or not values:
            return super().inspect_all(values)
        lowered = list(map(str.lower, values))
        starts = list(itertools.accumulate(map((1).__add__, map(len, lowered)), initial=0))
        touched: set[int] = set()
        for match in self.scanner.finditer("\n".join(lowered)):
            first = bisect.bisect_right(starts, match.start()) - 1
            touched.update(range(first, bisect.bisect_right(starts, match.end())))
        flagged = ((i, self.flag(values[i])) for i in sorted(touched))
        return len(values), [(i, found) for i, found in flagged if found is not None]

    def flag(self, value: Any) -> Flag | None:
        found = self.compiled.search(value.lower())
        if found is None or found.lastgroup is None:
            return None
        reason = self.patterns[int(found.lastgroup[1:])][0]
        start = max(0, found.start() - 40)
        return Flag(reason, excerpt(value[start : found.end() + 80], 140))
