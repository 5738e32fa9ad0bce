"""Identity-group metrics: how often texts mention each group, and any metric per group.

``IdentityMentions`` counts the texts of a role that mention each group of the identity lexicon
(``synthgate.identity``), with the earliest rows as examples. ``ByIdentity`` computes another
metric separately on the rows whose text mentions each group, and on all rows (``ALL``): the
identity-conditioned label rates read ``ByIdentity(ItemLabelSets(label, reference_label))``.
States are keyed by group and merge group by group; examples keep the smallest row numbers,
so a merge does not depend on the order of partitions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from synthgate.batch import Batch
from synthgate.identity import Lexicon, lexicon, words_given
from synthgate.metrics import Metric
from synthgate.metrics.tokens import excerpt, features

ALL = "<all>"
"""The key of the state over every row, beside one per group."""
EXAMPLES_PER_GROUP = 3


@dataclass
class MentionState:
    texts: int = 0
    mentioning: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    """group -> (row, term, excerpt), smallest rows first."""


@dataclass(frozen=True)
class Mentions:
    """``counts[group]`` of ``texts`` non-empty texts mention the group."""

    texts: int
    mentioning: int
    """Texts that mention at least one group."""
    counts: dict[str, int]
    examples: dict[str, list[tuple[int, str, str]]]
    groups: dict[str, str]
    """Every group of the lexicon, with its category."""


def _words(batch: Batch, text: str) -> Sequence[str]:
    """``identity.words_of(text)``, from the batch's shared features when it can."""
    shared = features(batch, text)
    return words_given(text, shared.lower, shared.words)


def _earliest(rows: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    return sorted(rows)[:EXAMPLES_PER_GROUP]


@dataclass(frozen=True)
class IdentityMentions(Metric):
    """How many non-empty texts of ``role`` mention each identity group."""

    role: str = "text"
    terms: tuple[str, ...] = ()

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    @property
    def lexicon(self) -> Lexicon:
        return lexicon(self.terms)

    def start(self) -> MentionState:
        return MentionState()

    def update(self, state: MentionState, batch: Batch) -> MentionState:
        lexicon = self.lexicon
        for row, _, text in batch.texts(self.role):
            state.texts += 1
            found = lexicon.mentions_in(_words(batch, text))
            state.mentioning += bool(found)
            for group, term in found.items():
                state.counts[group] += 1
                rows = state.examples.setdefault(group, [])
                if len(rows) < EXAMPLES_PER_GROUP:
                    rows.append((row, term, excerpt(text)))
        return state

    def merge(self, a: MentionState, b: MentionState) -> MentionState:
        groups = dict.fromkeys([*a.examples, *b.examples])
        examples = {g: _earliest(a.examples.get(g, []) + b.examples.get(g, [])) for g in groups}
        return MentionState(
            a.texts + b.texts, a.mentioning + b.mentioning, a.counts + b.counts, examples
        )

    def finalize(self, state: MentionState) -> Mentions:
        examples = {g: _earliest(rows) for g, rows in state.examples.items()}
        return Mentions(
            state.texts, state.mentioning, dict(state.counts), examples, self.lexicon.groups
        )


@dataclass(frozen=True)
class ByIdentity(Metric):
    """``metric`` on all rows (key ``ALL``) and on the rows whose ``text_role`` names each group."""

    metric: Metric
    text_role: str = "text"
    terms: tuple[str, ...] = ()

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.text_role, *self.metric.roles)))

    def start(self) -> dict[str, Any]:
        return {ALL: self.metric.start()}

    def update(self, state: dict[str, Any], batch: Batch) -> dict[str, Any]:
        state[ALL] = self.metric.update(state[ALL], batch)
        found = lexicon(self.terms)
        positions: dict[str, list[int]] = {}
        for i, text in enumerate(batch.columns[self.text_role]):
            if isinstance(text, str):
                for group in found.mentions_in(_words(batch, text)):
                    positions.setdefault(group, []).append(i)
        for group, indices in positions.items():
            inner = state.get(group, self.metric.start())
            state[group] = self.metric.update(inner, batch.take(indices))
        return state

    def merge(self, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        return {
            group: self.metric.merge(a[group], b[group])
            if group in a and group in b
            else (a[group] if group in a else b[group])
            for group in dict.fromkeys([*a, *b])
        }

    def finalize(self, state: dict[str, Any]) -> dict[str, Any]:
        return {group: self.metric.finalize(inner) for group, inner in state.items()}
