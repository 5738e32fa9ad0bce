"""Dialogue metrics: role flips, repeated turns, closing loops, digression (FINDINGS.md §4).

Every metric reads the ``turns`` role, one conversation per row as ``[(speaker, text), ...]``
(``synthgate.turns``), and keeps counters and a few example turns, so memory does not grow
with the number of conversations. Work is linear in the number of turns, except where a turn
is compared with earlier turns of its own conversation (``TurnRepeats``: at most ``window``
earlier turns), which never compares rows with each other.

Per-conversation values (repeated n-grams, speaker balance, alternation) are row measures
(``metrics.rows.row_measure``) folded by ``RowValues``; ``outcome`` turns a success column
(``task_solved``) into 1/0 for the digression-outcome relation.

Digression relevance comes from a *judge*: a function from a context (the task, or the
opening turn) and a conversation's turns to one relevance in [0, 1] per turn (None when a turn
cannot be judged). ``@relevance_judge("name")`` registers one; the default ``lexical`` judge
needs no model. A model-based judge (an NLI or embedding model the user already has) is a
function registered the same way, loaded by the user's code: synthgate downloads nothing.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache, partial
from itertools import accumulate, compress, count, filterfalse, repeat
from operator import attrgetter, eq, itemgetter, lt, not_
from typing import Any, ClassVar

from synthgate.batch import Batch
from synthgate.metrics import Metric, in_row_order
from synthgate.metrics.flags import Flag, RowCheck, row_check
from synthgate.metrics.rows import TurnFeatures, row_features, row_measure
from synthgate.metrics.tokens import (
    MAX_SHINGLED_TOKENS,
    TextFeatures,
    excerpt,
    features,
    iter_ngrams,
    similar,
)
from synthgate.patterns import compile_pattern
from synthgate.sampling import BottomK, row_priority
from synthgate.turns import Turn

EXAMPLES = 5
"""Example turns kept per kind of problem (the earliest rows)."""

CAMEL_MARKERS: tuple[tuple[str, str], ...] = (("user", "Instruction:"), ("assistant", "Solution:"))
"""CAMEL AI-Society: the user's turns carry ``Instruction:``, the assistant's ``Solution:``."""
CAMEL_END_TOKEN = "CAMEL_TASK_DONE"

LENGTH_BUCKETS = ("1-10", "11-20", "21-40", "41+")
"""Conversation lengths (turns) by which role-flip counts are split."""


def _bucket(turns: int) -> str:
    return LENGTH_BUCKETS[(turns > 10) + (turns > 20) + (turns > 40)]


@dataclass(frozen=True, order=True)
class TurnExample:
    """One offending turn: its row, position in the conversation, speaker, and what is wrong."""

    row: int
    turn: int
    speaker: str
    kind: str
    excerpt: str
    detail: str = ""
    before: tuple[tuple[str, str], ...] = ()
    """The turns just before it, ``(speaker, excerpt)``: the offending turn in its dialogue."""

    @classmethod
    def at(cls, row: int, turns: Any, i: int, kind: str, detail: str = "") -> TurnExample:
        """The example of turn ``i`` of ``turns``, with up to two turns before it."""
        before = tuple((s, excerpt(t, 160)) for s, t in turns[max(0, i - CONTEXT) : i])
        return cls(row, i, turns[i][0], kind, excerpt(turns[i][1]), detail, before)


CONTEXT = 2
"""Turns shown before an offending turn in its example."""


Examples = dict[str, list[TurnExample]]
"""Example turns by kind of problem."""


def _add(examples: Examples, new: list[TurnExample]) -> Examples:
    """``examples`` with ``new`` ones: the ``EXAMPLES`` earliest turns of each kind."""
    out = {kind: list(found) for kind, found in examples.items()}
    for item in new:
        out.setdefault(item.kind, []).append(item)
    out = {kind: sorted(found)[:EXAMPLES] for kind, found in out.items()}
    return {kind: out[kind] for kind in in_row_order(out)}


def _merged(a: Examples, b: Examples) -> Examples:
    return _add(a, [item for found in b.values() for item in found])


FoundTurn = tuple[int, Sequence[Any], int, str, str]
"""An offending turn before its example is built: ``(row, turns, turn index, kind, detail)``."""


def _add_turns(examples: Examples, found: list[FoundTurn]) -> Examples:
    """``_add`` of the turns ``found``, building the example (excerpts) of only the
    ``EXAMPLES`` earliest of each kind: a metric flags one turn at most once, so the earliest
    examples are those of the smallest ``(row, turn index)``."""
    by_kind: dict[str, list[FoundTurn]] = {}
    for item in found:
        by_kind.setdefault(item[3], []).append(item)
    earliest = [
        item
        for items in by_kind.values()
        for item in heapq.nsmallest(EXAMPLES, items, key=itemgetter(0, 2))
    ]
    return _add(examples, [TurnExample.at(*item) for item in earliest])


def _features(text: str | TextFeatures) -> TextFeatures:
    """A turn's text features: the batch's (handed to text measures and judges) or its own."""
    return text if isinstance(text, TextFeatures) else TextFeatures(text)


_WORDS, _SHINGLES = attrgetter("words"), attrgetter("shingles")


# Role flips and interruptions -----------------------------------------------------------


@cache
def _by_speaker(markers: tuple[tuple[str, str], ...]) -> dict[str, tuple[str, ...]]:
    """Each speaker's markers, by case-folded name."""
    out: dict[str, tuple[str, ...]] = {}
    for speaker, marker in markers:
        out[speaker.casefold()] = (*out.get(speaker.casefold(), ()), marker)
    return out


@lru_cache(maxsize=1024)
def _speaking_as(names: frozenset[str]) -> re.Pattern[str] | None:
    """A line opening with one of ``names`` and a colon (longest names first), compiled once
    per set of names (conversations of one dataset share their participants)."""
    if not names:
        return None
    alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.compile(rf"(?im)^[^\S\n]*({alternatives})[^\S\n]*:")


def holds_marker(turns: Sequence[Turn], markers: Sequence[tuple[str, str]]) -> bool:
    """Whether a turn of the conversation holds one of the markers (one scan per marker)."""
    return any(
        any(map(str.__contains__, map(itemgetter(1), turns), repeat(marker)))
        for _, marker in markers
    )


def flagged_turns(
    turns: Sequence[Turn],
    markers: Sequence[tuple[str, str]],
    end_token: str,
    held: bool | None = None,
) -> list[tuple[int, str, str]]:
    """``(turn index, kind, detail)`` for every flipped, impersonating or interrupted turn.

    The paper's CAMEL rule, for a speaker with a marker (names compared case-insensitively), in
    a conversation that holds a marker (``holds_marker``): a turn holding another speaker's
    marker is ``flipped``; else one holding neither its own marker nor ``end_token`` is
    ``interrupted``. Any speaker: a line that opens with another participant's name and a colon
    (``User 2: ...`` inside User 1's turn) is ``speaks_as_other``. Cost: one scan of the turns
    per marker, one more of each turn per marker when one is held, and a regex search of the
    turns that hold a colon. ``held``: ``holds_marker(turns, markers)`` when the caller has it.
    """
    own: dict[str, tuple[str, ...]] = {}
    indices: Iterable[int] = range(len(turns))
    if holds_marker(turns, markers) if held is None else held:
        own = _by_speaker(tuple(markers))
    else:  # only a turn with a colon can be flagged (speaks_as_other)
        colons = map(str.__contains__, map(itemgetter(1), turns), repeat(":"))
        indices = compress(indices, colons)
    names: set[str] | None = None
    patterns: dict[str, re.Pattern[str] | None] = {}
    out = []
    for index in indices:
        speaker, text = turns[index]
        key = speaker.casefold()
        if key in own:
            foreign = [m for s, ms in own.items() if s != key for m in ms if m in text]
            if foreign:
                out.append((index, "flipped", f"{speaker} turn holds {foreign[0]!r}"))
                continue
        match = None
        if ":" in text:  # the pattern needs one
            if names is None:
                names = {s.strip() for s, _ in turns} | {s for s, _ in markers}
            if key not in patterns:
                others = frozenset(n for n in names if n and n.casefold() != key)
                patterns[key] = _speaking_as(others)
            pattern = patterns[key]
            match = pattern.search(text) if pattern else None
        if match:
            out.append((index, "speaks_as_other", f"{speaker} writes as {match.group(1)!r}"))
        elif key in own and end_token not in text and not any(m in text for m in own[key]):
            out.append((index, "interrupted", f"{speaker} turn without {own[key][0]!r}"))
    return out


def marked_turns(turns: Sequence[Turn], markers: Sequence[tuple[str, str]]) -> int:
    """Turns of speakers that have a marker, in a conversation that holds a marker; 0 for a
    conversation without the marker protocol (its turns are not judged for interruptions)."""
    if not holds_marker(turns, markers):
        return 0
    own = _by_speaker(tuple(markers))
    return sum(speaker.casefold() in own for speaker, _ in turns)


FLIP_KINDS = ("flipped", "speaks_as_other")
"""Kinds of flagged turns that make a conversation flipped (not ``interrupted``)."""


def _turn_flag(turns: Sequence[Turn], index: int, kind: str, detail: str) -> Flag:
    return Flag(kind, f"turn {index} ({detail}): {excerpt(turns[index][1])}", index)


@row_check
@dataclass(frozen=True)
class RoleFlipCheck(RowCheck):
    """Flags a conversation in which a speaker takes another's role (``flagged_turns``'s
    ``flipped`` or ``speaks_as_other``); the excerpt is the first such turn."""

    name: ClassVar[str] = "role_flip"
    unit: ClassVar[str] = "conversation"
    role: str = "turns"
    markers: tuple[tuple[str, str], ...] = CAMEL_MARKERS
    end_token: str = CAMEL_END_TOKEN

    def items(self, batch: Batch) -> Iterator[tuple[int, Any]]:
        for row, turns in zip(batch.rows, batch.columns[self.role], strict=True):
            if turns:
                yield row, turns

    def inspect(self, value: Any) -> tuple[int, list[Flag]]:
        flips = [
            f for f in flagged_turns(value, self.markers, self.end_token) if f[1] in FLIP_KINDS
        ]
        return 1, [_turn_flag(value, *flips[0])] if flips else []


@row_check
@dataclass(frozen=True)
class InterruptionCheck(RoleFlipCheck):
    """Flags each turn of a marked speaker that holds neither its own marker nor the end token
    (``flagged_turns``'s ``interrupted``). Only conversations holding a marker are checked, so
    human chats without a marker protocol are not flagged."""

    name: ClassVar[str] = "interruption"
    unit: ClassVar[str] = "turn"

    def inspect(self, value: Any) -> tuple[int, list[Flag]]:
        marked = marked_turns(value, self.markers)
        if not marked:
            return 0, []
        return marked, [
            _turn_flag(value, index, kind, detail)
            for index, kind, detail in flagged_turns(value, self.markers, self.end_token)
            if kind == "interrupted"
        ]


@dataclass
class RoleFlipCounts:
    """State and value of ``RoleFlips``.

    ``by_length`` maps a conversation-length bucket to [conversations, with a flip];
    ``turns_flipped`` / ``turns_other`` sum the lengths of conversations with and without one.
    """

    conversations: int = 0
    flipped_conversations: int = 0
    marker_turns: int = 0
    markers_seen: bool = False
    by_kind: Counter[str] = field(default_factory=Counter)
    by_length: dict[str, list[int]] = field(default_factory=dict)
    turns_flipped: int = 0
    turns_other: int = 0
    examples: Examples = field(default_factory=dict)

    @property
    def interrupted(self) -> int:
        return self.by_kind["interrupted"]


@dataclass(frozen=True)
class RoleFlips(Metric):
    """Role flips (a speaker writing another's marker or name) and interruptions, per turn."""

    role: str = "turns"
    markers: tuple[tuple[str, str], ...] = CAMEL_MARKERS
    end_token: str = CAMEL_END_TOKEN

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def start(self) -> RoleFlipCounts:
        return RoleFlipCounts()

    def update(self, state: RoleFlipCounts, batch: Batch) -> RoleFlipCounts:
        found: list[FoundTurn] = []
        for row, turns in zip(batch.rows, batch.columns[self.role], strict=True):
            if not turns:
                continue
            held = holds_marker(turns, self.markers)
            flags = flagged_turns(turns, self.markers, self.end_token, held)
            flipped = False
            if flags:  # most conversations have none
                kinds = Counter(kind for _, kind, _ in flags)
                flipped = any(kinds[kind] for kind in FLIP_KINDS)
                state.by_kind.update(kinds)
                found += [(row, turns, i, kind, detail) for i, kind, detail in flags]
            if held:
                state.markers_seen = True
                state.marker_turns += marked_turns(turns, self.markers)
            state.conversations += 1
            state.flipped_conversations += flipped
            bucket = state.by_length.setdefault(_bucket(len(turns)), [0, 0])
            bucket[0] += 1
            bucket[1] += flipped
            if flipped:
                state.turns_flipped += len(turns)
            else:
                state.turns_other += len(turns)
        state.examples = _add_turns(state.examples, found)
        return state

    def merge(self, a: RoleFlipCounts, b: RoleFlipCounts) -> RoleFlipCounts:
        return RoleFlipCounts(
            a.conversations + b.conversations,
            a.flipped_conversations + b.flipped_conversations,
            a.marker_turns + b.marker_turns,
            a.markers_seen or b.markers_seen,
            a.by_kind + b.by_kind,
            {
                k: [
                    x + y
                    for x, y in zip(
                        a.by_length.get(k, [0, 0]), b.by_length.get(k, [0, 0]), strict=True
                    )
                ]
                for k in LENGTH_BUCKETS
                if k in a.by_length or k in b.by_length
            },
            a.turns_flipped + b.turns_flipped,
            a.turns_other + b.turns_other,
            _merged(a.examples, b.examples),
        )

    def finalize(self, state: RoleFlipCounts) -> RoleFlipCounts:
        state.by_length = {k: state.by_length[k] for k in LENGTH_BUCKETS if k in state.by_length}
        state.by_kind = Counter(dict(sorted(state.by_kind.items())))
        return state


# Repeated turns within a conversation ---------------------------------------------------


@dataclass
class TurnRepeatCounts:
    """State and value of ``TurnRepeats``: turns, and those repeating an earlier turn."""

    turns: int = 0
    exact: int = 0
    near: int = 0
    conversations: int = 0
    conversations_exact: int = 0
    conversations_near: int = 0
    examples: Examples = field(default_factory=dict)


@row_check
@dataclass(frozen=True)
class RepeatedTurnCheck(RowCheck):
    """Flags each turn equal (after normalization) or near-equal (word 3-gram Jaccard >=
    ``threshold``) to one of the ``window`` turns before it in the same conversation."""

    name: ClassVar[str] = "repeated_turn"
    unit: ClassVar[str] = "turn"
    role: str = "turns"
    threshold: float = 0.8
    window: int = 50

    def items(self, batch: Batch) -> Iterator[tuple[int, Any]]:
        yield from zip(batch.rows, batch.columns[self.role], strict=True)

    def repeats(
        self, turns: Sequence[Turn], shared: Sequence[tuple[str, TextFeatures]] | None = None
    ) -> tuple[int, list[tuple[int, str, str]]]:
        """Non-empty turns, and ``(turn index, exact or near, which earlier turn)`` per repeat
        (``shared``: the turns with their batch's features, ``rows.row_features``).

        Only turns holding enough shingles that another turn holds too
        (``TurnFeatures.shared_shingles``) are looked at: an exact repeat and the turn it
        repeats hold only such shingles, and a near pair each at least ``threshold`` of theirs
        (``|a & b| >= threshold * |a | b|``), so with ``threshold`` > 0 the other turns are
        compared with none (in real dialogues, 1 turn in 100 is compared)."""
        dialogue = TurnFeatures.of(turns if shared is None else shared)
        found, common = dialogue.texts, dialogue.shared_shingles
        filled = list(map(bool, map(str.strip, map(itemgetter(1), turns))))
        if self.threshold > 0 and not common:
            return sum(filled), []
        hits = list(map(len, map(common.intersection, map(_SHINGLES, found))))
        place = list(accumulate(filled))  # the turn's rank among the non-empty turns
        seen: dict[str, int] = {}
        earlier: deque[tuple[int, int, set[str]]] = deque(maxlen=self.window)
        out = []
        # a turn without a shared shingle is neither a repeat nor repeated (threshold > 0)
        for index in compress(count(), hits) if self.threshold > 0 else range(len(turns)):
            grams = set(found[index].shingles)
            near = hits[index] >= self.threshold * len(grams)
            if not filled[index] or (not near and hits[index] < len(grams)):
                continue  # blank, or too few shared shingles to be near or equal to any turn
            key = found[index].normalized
            if key in seen:
                out.append((index, "exact", f"repeats turn {seen[key]}"))
            elif near:
                for rank, i, g in reversed(earlier):
                    if rank < place[index] - self.window:
                        break  # past the window
                    if similar(grams, g, self.threshold):
                        out.append((index, "near", f"close to turn {i}"))
                        break
            seen.setdefault(key, index)
            earlier.append((place[index], index, grams))
        return sum(filled), out

    def inspect(self, value: Any) -> tuple[int, list[Flag]]:
        checked, repeats = self.repeats(value)
        return checked, [_turn_flag(value, *found) for found in repeats]


@dataclass(frozen=True)
class TurnRepeats(Metric):
    """Turns equal (after normalization) or near-equal (word 3-gram Jaccard >= ``threshold``)
    to one of the ``window`` turns before them in the same conversation.

    Cost: each turn is compared with at most ``window`` earlier turns of its conversation.
    """

    role: str = "turns"
    threshold: float = 0.8
    window: int = 50

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def start(self) -> TurnRepeatCounts:
        return TurnRepeatCounts()

    def update(self, state: TurnRepeatCounts, batch: Batch) -> TurnRepeatCounts:
        check = RepeatedTurnCheck(self.role, self.threshold, self.window)
        found: list[FoundTurn] = []
        columns = batch.rows, batch.columns[self.role], row_features(batch, self.role)
        for row, turns, shared in zip(*columns, strict=True):
            checked, repeats = check.repeats(turns, shared)
            state.turns += checked
            state.conversations += 1
            if repeats:  # most conversations have none
                kinds = Counter(kind for _, kind, _ in repeats)
                state.exact += kinds["exact"]
                state.near += kinds["near"]
                state.conversations_exact += kinds["exact"] > 0
                state.conversations_near += kinds["near"] > 0
                found += [(row, turns, i, kind, detail) for i, kind, detail in repeats]
        state.examples = _add_turns(state.examples, found)
        return state

    def merge(self, a: TurnRepeatCounts, b: TurnRepeatCounts) -> TurnRepeatCounts:
        return TurnRepeatCounts(
            a.turns + b.turns,
            a.exact + b.exact,
            a.near + b.near,
            a.conversations + b.conversations,
            a.conversations_exact + b.conversations_exact,
            a.conversations_near + b.conversations_near,
            _merged(a.examples, b.examples),
        )

    def finalize(self, state: TurnRepeatCounts) -> TurnRepeatCounts:
        return state


# Closing loops --------------------------------------------------------------------------

CLOSING_PHRASES: tuple[str, ...] = (
    r"thanks?",
    r"thank you",
    r"you'?re (?:very |most )?welcome",
    r"my pleasure",
    r"good ?bye",
    r"bye",
    r"take care",
    r"have a (?:great|good|nice|wonderful|lovely|pleasant) \w+",
    r"enjoy (?:your|the) \w+",
)
"""Closing expressions (thanks, you're welcome, goodbye, have a nice day), as regexes."""


def closing_run(turns: Sequence[Turn], pattern: Any) -> int:
    """How many turns at the end of a conversation hold a closing expression."""
    run = 0
    for _, text in reversed(turns):
        if not pattern.search(text):
            break
        run += 1
    return run


@row_check
@dataclass(frozen=True)
class ClosingLoopCheck(RowCheck):
    """Flags a conversation whose last ``min_turns`` or more turns all hold a closing
    expression; the excerpt is that closing run."""

    name: ClassVar[str] = "closing_loop"
    unit: ClassVar[str] = "conversation"
    role: str = "turns"
    phrases: tuple[str, ...] = CLOSING_PHRASES
    min_turns: int = 3

    @cached_property
    def pattern(self) -> Any:
        return compile_pattern(r"\b(?:" + "|".join(self.phrases) + r")\b", ignore_case=True)

    def items(self, batch: Batch) -> Iterator[tuple[int, Any]]:
        for row, turns in zip(batch.rows, batch.columns[self.role], strict=True):
            if turns:
                yield row, turns

    def loop(self, turns: Sequence[Turn]) -> tuple[int, Flag | None]:
        """The closing run's length, and a flag when it is a loop."""
        run = closing_run(turns, self.pattern)
        if run < self.min_turns:
            return run, None
        tail = " / ".join(f"{speaker}: {text}" for speaker, text in turns[-run:])
        return run, Flag(f"the last {run} turns are closings", excerpt(tail, 300), len(turns) - run)

    def flag(self, value: Any) -> Flag | None:
        return self.loop(value)[1]


@dataclass
class ClosingCounts:
    """State and value of ``ClosingLoops``: ``runs`` counts conversations by closing-run length."""

    conversations: int = 0
    loops: int = 0
    runs: Counter[int] = field(default_factory=Counter)
    examples: Examples = field(default_factory=dict)


@dataclass(frozen=True)
class ClosingLoops(Metric):
    """Conversations whose last ``min_turns`` or more turns all hold a closing expression."""

    role: str = "turns"
    phrases: tuple[str, ...] = CLOSING_PHRASES
    min_turns: int = 3

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def start(self) -> ClosingCounts:
        return ClosingCounts()

    def update(self, state: ClosingCounts, batch: Batch) -> ClosingCounts:
        check = ClosingLoopCheck(self.role, self.phrases, self.min_turns)
        examples = []
        for row, turns in check.items(batch):
            run, loop = check.loop(turns)
            state.conversations += 1
            state.runs[run] += 1
            if loop is not None:
                state.loops += 1
                first = len(turns) - run
                examples.append(
                    TurnExample(
                        row, first, turns[first][0], "closing_loop", loop.excerpt, loop.reason
                    )
                )
        state.examples = _add(state.examples, examples)
        return state

    def merge(self, a: ClosingCounts, b: ClosingCounts) -> ClosingCounts:
        return ClosingCounts(
            a.conversations + b.conversations,
            a.loops + b.loops,
            a.runs + b.runs,
            _merged(a.examples, b.examples),
        )

    def finalize(self, state: ClosingCounts) -> ClosingCounts:
        state.runs = Counter(dict(sorted(state.runs.items())))
        return state


# Digression -----------------------------------------------------------------------------

RelevanceJudge = Callable[[Any, Sequence[Any]], list[float | None]]
"""(context, turn texts) -> relevance of each turn to the context in [0, 1], or None."""
RELEVANCE_JUDGES: dict[str, RelevanceJudge] = {}
TEXT_JUDGES: set[str] = set()
"""Judges that ``Digression`` hands texts' shared ``TextFeatures`` (computed once per batch)."""


def relevance_judge(name: str, text: bool = False) -> Callable[[RelevanceJudge], RelevanceJudge]:
    """Register a relevance judge under ``name`` (the ``judge`` parameter of digression); with
    ``text``, it receives the context's and the turns' ``TextFeatures`` instead of the texts."""

    def decorate(function: RelevanceJudge) -> RelevanceJudge:
        RELEVANCE_JUDGES[name] = function
        if text:
            TEXT_JUDGES.add(name)
        return function

    return decorate


_STOPWORD_LIST = """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just let lets me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves ok okay yes sure well s t ll re ve d m"""
STOPWORDS = frozenset(_STOPWORD_LIST.split())
"""Function words the lexical judge ignores (a short English list)."""

LEXICAL_MIN_WORDS = 3
"""The lexical judge leaves turns with fewer content words unjudged ("Thanks!", "Yes.")."""


def content_words(text: str | TextFeatures) -> set[str]:
    """Lower-cased words minus stopwords, a plural ``s`` stripped from words over 3 letters."""
    found = set(filterfalse(STOPWORDS.__contains__, _features(text).words))
    return {w[:-1] if w[-1] == "s" and len(w) > 3 else w for w in found}


@relevance_judge("lexical", text=True)
def lexical_relevance(
    context: str | TextFeatures, texts: Sequence[str | TextFeatures]
) -> list[float | None]:
    """Share of a turn's content words that occur in the context (Broder's containment).

    0 means the turn shares no content word with the task or opening turn. Turns with fewer
    than ``LEXICAL_MIN_WORDS`` content words are not judged (None).
    """
    vocabulary = content_words(context)
    return [
        len(own & vocabulary) / len(own) if len(own) >= LEXICAL_MIN_WORDS else None
        for own in map(content_words, texts)
    ]


@dataclass
class DigressionCounts:
    """State of ``Digression``: conversations judged and digressed, off-topic turns, and a
    seeded sample of ``(row, digressed)``; ``unjudged`` conversations had no turn to judge."""

    sample: BottomK
    conversations: int = 0
    digressed: int = 0
    judged_turns: int = 0
    off_topic_turns: int = 0
    unjudged: int = 0
    examples: Examples = field(default_factory=dict)


@dataclass(frozen=True)
class DigressionResult:
    """The counts of ``DigressionCounts``, with the sample as ``{row: digressed}``."""

    conversations: int
    digressed: int
    judged_turns: int
    off_topic_turns: int
    unjudged: int
    examples: list[TurnExample]
    flags: dict[int, bool]


@dataclass(frozen=True)
class Digression(Metric):
    """Conversations with a turn whose relevance to the task (or opening turn) is below
    ``threshold``, by the registered ``judge``.

    The context is the text of ``task_role`` when set (the task given to the agents), else the
    conversation's opening turn, which is then not judged itself. A seeded sample of ``k``
    ``(row, digressed)`` pairs, drawn like ``RowValues``' with the same ``seed``, lets the
    digression flag be joined with another per-row value (the task outcome).
    """

    role: str = "turns"
    judge: str = "lexical"
    threshold: float = 0.1
    task_role: str = ""
    k: int = 5000
    seed: int = 0

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role, self.task_role) if self.task_role else (self.role,)

    def start(self) -> DigressionCounts:
        return DigressionCounts(BottomK(self.k))

    def update(self, state: DigressionCounts, batch: Batch) -> DigressionCounts:
        judge = RELEVANCE_JUDGES[self.judge]
        shared = self.judge in TEXT_JUDGES
        tasks = batch.columns[self.task_role] if self.task_role else [None] * len(batch)
        rows, ids, flags, found = [], [], [], []
        columns = zip(
            batch.rows,
            batch.ids,
            batch.columns[self.role],
            row_features(batch, self.role),
            tasks,
            strict=True,
        )
        for row, ident, turns, turn_features, task in columns:
            if task and task.strip():
                context, first = task, 0
            else:  # no task, or a blank one: judge by the opening turn
                context, first = (turns[0][1] if turns else ""), 1
            judged = turn_features[first:]
            positions: Sequence[int] = range(first, len(turns))
            if not all(map(str.strip, map(itemgetter(1), turns[first:]))):  # blank turns
                positions = [i for i in positions if turns[i][1].strip()]
                judged = [turn_features[i] for i in positions]
            if not context.strip():
                scores: Sequence[float | None] = [None] * len(judged)
            elif shared:
                context_features = turn_features[0][1] if first else features(batch, context)
                scores = judge(context_features, list(map(itemgetter(1), judged)))
            else:
                scores = judge(context, [turn.text for _, turn in judged])
            valid = [score for score in scores if score is not None]
            if not valid:
                state.unjudged += 1
                continue
            off = sum(map(lt, valid, repeat(self.threshold)))
            state.conversations += 1
            state.judged_turns += len(valid)
            state.off_topic_turns += off
            state.digressed += bool(off)
            rows.append(row)
            ids.append(ident)
            flags.append(bool(off))
            if off:  # the turn of the lowest relevance, the first of equals
                lowest = min(score for score in valid if score < self.threshold)
                i = positions[list(scores).index(lowest)]
                found.append((row, turns, i, "off_topic", f"relevance {lowest:.2f}"))
        state.sample.offer(row_priority(ids, self.seed), rows, flags)
        state.examples = _add_turns(state.examples, found)
        return state

    def merge(self, a: DigressionCounts, b: DigressionCounts) -> DigressionCounts:
        return DigressionCounts(
            a.sample.merge(b.sample),
            a.conversations + b.conversations,
            a.digressed + b.digressed,
            a.judged_turns + b.judged_turns,
            a.off_topic_turns + b.off_topic_turns,
            a.unjudged + b.unjudged,
            _merged(a.examples, b.examples),
        )

    def finalize(self, state: DigressionCounts) -> DigressionResult:
        return DigressionResult(
            state.conversations,
            state.digressed,
            state.judged_turns,
            state.off_topic_turns,
            state.unjudged,
            state.examples.get("off_topic", []),
            {row: flag for _, row, flag in state.sample.ordered()},
        )


# Per-conversation values (row measures for RowValues) -----------------------------------


def repeated_ngram_share(turns: Any, n: int) -> float | None:
    """Share of a conversation's word n-grams that already occurred in an earlier turn of it.

    An n-gram repeated inside one turn is not counted (that is within-text repetition); None
    when the conversation has fewer than two turns or no n-gram.
    """
    if not isinstance(turns, list) or len(turns) < 2:
        return None
    turns = TurnFeatures.of(turns)
    found = turns.texts
    words = list(map(_WORDS, found))
    grams: Iterable[Iterable[tuple[str, ...]]] = map(iter_ngrams, words, repeat(n))
    # An n-gram (n >= 3) recurring in a later turn starts with a shingle of both turns (its
    # first 3 words): only those n-grams are compared. Shingles stop at the cap.
    if n >= 3 and max(map(len, words)) <= MAX_SHINGLED_TOKENS:
        common = turns.shared_shingles
        shingled = list(map(_SHINGLES, found))
        holding = map(not_, map(common.isdisjoint, shingled))  # the turns holding one
        grams = (
            compress(iter_ngrams(w, n), map(common.__contains__, starts))
            for w, starts in compress(zip(words, shingled, strict=True), holding)
        )
    seen: set[tuple[str, ...]] = set()
    repeated = 0
    for kept in map(list, grams):
        if not seen.isdisjoint(kept):  # most turns repeat nothing: one test in C
            repeated += sum(map(seen.__contains__, kept))
        seen.update(kept)
    total = sum(len(w) - n + 1 for w in words if len(w) >= n)
    return repeated / total if total else None


for _n in range(2, 11):
    row_measure(f"repeated_{_n}grams", text=True)(partial(repeated_ngram_share, n=_n))


@row_measure("dominant_speaker_share", text=True)
def dominant_speaker_share(turns: Any) -> float | None:
    """Share of a conversation's tokens written by its most talkative speaker."""
    if not isinstance(turns, list) or not turns:
        return None
    counts = dict.fromkeys(map(itemgetter(0), turns), 0)
    for speaker, text in turns:
        counts[speaker] += _features(text).token_count  # no other dialogue metric reads tokens
    total = sum(counts.values())
    return max(counts.values()) / total if total else None


@row_measure("same_speaker_share")
def same_speaker_share(turns: Any) -> float | None:
    """Share of consecutive turn pairs where the same speaker speaks again."""
    if not isinstance(turns, list) or len(turns) < 2:
        return None
    speakers = list(map(itemgetter(0), turns))
    return sum(map(eq, speakers, speakers[1:])) / (len(turns) - 1)


_TRUE = {"true", "yes", "1", "solved", "success", "correct", "pass", "passed"}
_FALSE = {"false", "no", "0", "unsolved", "failure", "failed", "incorrect", "fail", "wrong"}


@row_measure("outcome")
def outcome(value: Any) -> float | None:
    """1.0 for a successful outcome (True, 1, "yes", "solved"...), 0.0 for a failed one."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return None if value != value else float(value != 0)
    if isinstance(value, str):
        word = value.strip().casefold()
        return 1.0 if word in _TRUE else 0.0 if word in _FALSE else None
    return None
