"""Dialogues and simulations (FINDINGS.md §4): role flips, repetition, closings, digression.

The ``turns`` role holds one conversation per row: a list of ``{speaker, text}``, a ``Name:
text`` transcript, or long-format rows (``synthgate.turns``). Multi-agent LLM simulations flip
roles (CAMEL), digress from their task (SPP), repeat themselves and end in ping-pong closings;
LLM-LLM task dialogues also reuse the same phrasing across the corpus, which the dialogues
suite checks with the generic ``distinct_n``, ``compression_ratio``, ``duplicate_rate`` and
``near_duplicate_rate`` on ``role: turns`` (every utterance is a text).

Counts of turns treat a conversation's turns as independent draws for their Wilson interval;
they are not (one agent's habit repeats), so the intervals are narrower than they should be.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from synthgate.comparisons import cohens_h
from synthgate.expectations.base import (
    Context,
    Expectation,
    example,
    rate_observation,
    register,
)
from synthgate.metrics import Metric
from synthgate.metrics.dialogues import (
    CAMEL_END_TOKEN,
    CAMEL_MARKERS,
    CLOSING_PHRASES,
    RELEVANCE_JUDGES,
    ClosingCounts,
    ClosingLoopCheck,
    ClosingLoops,
    Digression,
    DigressionResult,
    InterruptionCheck,
    RepeatedTurnCheck,
    RoleFlipCheck,
    RoleFlipCounts,
    RoleFlips,
    TurnExample,
    TurnRepeatCounts,
    TurnRepeats,
)
from synthgate.metrics.flags import RowCheck
from synthgate.metrics.lexical import TextSample
from synthgate.metrics.rows import RowValues, RowValuesResult
from synthgate.metrics.tokens import excerpt, tokenize
from synthgate.observation import Observation
from synthgate.patterns import check_patterns

ROLE_FLIP_FINDING = (
    "Role flipping: CAMEL AI-Society agents swap roles (a USER turn holding the assistant's "
    "'Solution:' or an ASSISTANT turn holding the user's 'Instruction:'); ~3% of conversations "
    "flip, concentrated in long ones (FINDINGS.md §4)."
)
INTERRUPTION_FINDING = (
    "Interruptions: in CAMEL AI-Society conversations a turn with neither its own role marker "
    "nor the end token CAMEL_TASK_DONE breaks the protocol (FINDINGS.md §4)."
)
REPETITION_FINDING = (
    "Repetition: LLM-LLM simulations repeat utterances, loop, and end in ping-pong closings; "
    "LLM-LLM task dialogues reuse the same phrasing far more than crowd-written ones "
    "(FINDINGS.md §4)."
)
DIGRESSION_FINDING = (
    "Digression: 66 of 200 (33%) GPT-4 multi-persona puzzle conversations digressed; task "
    "accuracy 53% with digression vs 72% without (FINDINGS.md §4)."
)
SHAPE_FINDING = (
    "Simulations are shaped by their generator (FINDINGS.md §4: speaker alternation and balance, "
    "turn-length statistics; the paper gives no numbers). Measured here: two gpt-3.5 agents "
    "write turns of median 32 tokens vs 10 in crowd-written SGD, and one agent writes 68% of "
    "a dialogue's tokens (SGD 59%)."
)


def _turn_examples(found: list[TurnExample]) -> list[dict[str, Any]]:
    """Examples of offending turns, each with the turns before it (``before``) when known."""
    return [
        example(
            t.row,
            t.excerpt,
            turn=t.turn,
            speaker=t.speaker,
            problem=t.detail,
            **({"before": [{"speaker": s, "text": x} for s, x in t.before]} if t.before else {}),
        )
        for t in found
    ]


@dataclass(frozen=True)
class _MarkerRule(Expectation):
    """Shared by role flips and interruptions: the speakers' markers and the end token.

    ``markers`` is a list of ``[speaker, marker]`` pairs (speaker names compared
    case-insensitively with the turns' speakers; a speaker may have several markers).
    """

    check: ClassVar[type[RoleFlipCheck]]
    role: str = "turns"
    markers: tuple[tuple[str, str], ...] = CAMEL_MARKERS
    end_token: str = CAMEL_END_TOKEN

    def __post_init__(self) -> None:
        pairs = tuple(tuple(pair) for pair in self.markers)
        if any(len(p) != 2 or not all(isinstance(x, str) and x for x in p) for p in pairs):
            raise ValueError(
                "markers are [speaker, marker] pairs, e.g. "
                "[[user, 'Instruction:'], [assistant, 'Solution:']]"
            )
        object.__setattr__(self, "markers", pairs)

    def metrics(self) -> dict[str, Metric]:
        return {"flips": RoleFlips(self.role, self.markers, self.end_token)}

    def row_checks(self, context: Context) -> tuple[RowCheck, ...]:
        return (self.check(self.role, self.markers, self.end_token),)


@register
@dataclass(frozen=True)
class RoleFlipRate(_MarkerRule):
    """Share of conversations in which a speaker takes another's role in at least one turn.

    A turn is flipped by the paper's CAMEL rule (a speaker's turn holds another speaker's
    marker: a USER turn with "Solution:", an ASSISTANT turn with "Instruction:"), or, for any
    dialogue, when one of its lines opens with another participant's name and a colon (a
    "User 2:" line inside User 1's turn). In CAMEL AI-Society ~3% of conversations flip,
    mostly long ones: the details give the flip rate by conversation length. Examples are the
    flipped turns.
    """

    name: ClassVar[str] = "role_flip_rate"
    check: ClassVar[type[RoleFlipCheck]] = RoleFlipCheck
    finding: ClassVar[str] = ROLE_FLIP_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        counts: RoleFlipCounts = values["flips"]
        if not counts.conversations:
            return Observation(None, reason=f"no conversation in {self.role}")
        details = {
            "conversations": counts.conversations,
            "flipped_conversations": counts.flipped_conversations,
            "flipped_turns": counts.by_kind["flipped"],
            "turns_speaking_as_other": counts.by_kind["speaks_as_other"],
            "markers": [list(pair) for pair in self.markers],
            "flip_rate_by_turns": {
                bucket: round(flipped / total, 4) if total else None
                for bucket, (total, flipped) in counts.by_length.items()
            },
            "mean_turns_flipped": round(counts.turns_flipped / counts.flipped_conversations, 2)
            if counts.flipped_conversations
            else None,
            "mean_turns_not_flipped": round(
                counts.turns_other / (counts.conversations - counts.flipped_conversations), 2
            )
            if counts.conversations > counts.flipped_conversations
            else None,
        }
        found = counts.examples.get("flipped", []) + counts.examples.get("speaks_as_other", [])
        return rate_observation(
            counts.flipped_conversations,
            counts.conversations,
            details=details,
            examples=_turn_examples(sorted(found)[:5]),
        )


@register
@dataclass(frozen=True)
class InterruptionRate(_MarkerRule):
    """Share of a marked speaker's turns that hold neither its own marker nor the end token.

    The paper's CAMEL rule: a USER turn without "Instruction:" or an ASSISTANT turn without
    "Solution:" (and without CAMEL_TASK_DONE) interrupts the protocol. Only measured when some
    turn of the data holds one of the markers: dialogues without a marker protocol (human
    chats) are skipped, not passed. Examples are the interrupting turns.
    """

    name: ClassVar[str] = "interruption_rate"
    check: ClassVar[type[RoleFlipCheck]] = InterruptionCheck
    finding: ClassVar[str] = INTERRUPTION_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        counts: RoleFlipCounts = values["flips"]
        if not counts.markers_seen or not counts.marker_turns:
            markers = ", ".join(repr(m) for _, m in self.markers)
            return Observation(
                None, reason=f"no turn holds a role marker ({markers}): the rule does not apply"
            )
        details = {
            "marked_speaker_turns": counts.marker_turns,
            "interrupted_turns": counts.interrupted,
            "end_token": self.end_token,
        }
        return rate_observation(
            counts.interrupted,
            counts.marker_turns,
            details=details,
            examples=_turn_examples(counts.examples.get("interrupted", [])),
        )


@register
@dataclass(frozen=True)
class RepeatedTurnRate(Expectation):
    """Share of turns that repeat an earlier turn of their own conversation, exactly or nearly.

    A turn repeats when it equals an earlier one after lower-casing and folding spaces, or
    when its word 3-grams have a Jaccard similarity of at least ``threshold`` with one of the
    ``window`` turns before it (``threshold: 1.0`` keeps exact repeats only). LLM-LLM
    simulations loop: agents restate their last message. Examples are the repeating turns.
    """

    name: ClassVar[str] = "repeated_turn_rate"
    finding: ClassVar[str] = REPETITION_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    role: str = "turns"
    threshold: float = 0.8
    window: int = 50

    def metrics(self) -> dict[str, Metric]:
        return {"repeats": TurnRepeats(self.role, self.threshold, self.window)}

    def row_checks(self, context: Context) -> tuple[RowCheck, ...]:
        return (RepeatedTurnCheck(self.role, self.threshold, self.window),)

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        counts: TurnRepeatCounts = values["repeats"]
        if not counts.turns:
            return Observation(None, reason=f"no non-empty turn in {self.role}")
        details = {
            "turns": counts.turns,
            "exact_repeats": counts.exact,
            "near_repeats": counts.near,
            "conversations_with_exact_repeat": counts.conversations_exact,
            "conversations_with_near_repeat": counts.conversations_near,
            "jaccard_threshold": self.threshold,
        }
        found = counts.examples.get("exact", []) + counts.examples.get("near", [])
        return rate_observation(
            counts.exact + counts.near,
            counts.turns,
            details=details,
            examples=_turn_examples(sorted(found)[:5]),
        )


@dataclass(frozen=True)
class _PerConversation(Expectation):
    """A per-conversation value (a row measure): its mean, judged, and its distribution."""

    role: str = "turns"
    examples: int = 3

    unit: ClassVar[str] = ""

    def metrics(self) -> dict[str, Metric]:
        return {"values": RowValues(self.role, self.measure_name(), excerpts=self.examples)}

    @abstractmethod
    def measure_name(self) -> str:
        """The row measure (``metrics.rows.ROW_MEASURES``) giving each conversation's value."""

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        result: RowValuesResult = values["values"]
        if not result.n:
            return Observation(None, reason=f"no conversation in {self.role} this applies to")
        details = {
            "conversations": result.n,
            "not_applicable": result.missing,
            "mean": round(result.mean, 4),
            "std": round(result.std, 4),
            "p5": round(result.quantile(0.05), 4),
            "median": round(result.quantile(0.5), 4),
            "p95": round(result.quantile(0.95), 4),
        }
        examples = [
            example(row, text, value=round(value, 4), problem=f"{value:.0%} {self.unit}")
            for value, row, text in result.highest
        ]
        return Observation(
            result.mean, n=result.n, samples=result.values, details=details, examples=examples
        )


@register
@dataclass(frozen=True)
class NgramLoopRate(_PerConversation):
    """Mean share of a conversation's word n-grams that already occurred in an earlier turn.

    Agents in LLM-LLM dialogues echo each other and themselves ("Is there anything else I can
    assist you with?" in every turn, the whole order restated), so their turns recycle
    phrases of earlier turns; crowd-written turns move on. n-grams repeated inside a single
    turn do not count. Examples are the conversations with the highest share.
    """

    name: ClassVar[str] = "ngram_loop_rate"
    finding: ClassVar[str] = REPETITION_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("cohens_d", "ks", "difference")
    unit: ClassVar[str] = "of n-grams repeat an earlier turn"
    n: int = 4

    def __post_init__(self) -> None:
        if not 2 <= self.n <= 10:
            raise ValueError(f"n must be between 2 and 10, got {self.n}")

    def measure_name(self) -> str:
        return f"repeated_{self.n}grams"


@register
@dataclass(frozen=True)
class SpeakerBalance(_PerConversation):
    """Mean share of a conversation's tokens written by its most talkative speaker.

    0.5 is an even two-party dialogue, 1.0 a monologue. In the botbots simulations the
    "restaurant" agent writes 68% of a dialogue's tokens (crowd-written SGD: 59%). Examples are
    the most lopsided conversations.
    """

    name: ClassVar[str] = "speaker_balance"
    finding: ClassVar[str] = SHAPE_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("cohens_d", "ks", "difference")
    unit: ClassVar[str] = "of tokens by one speaker"

    def measure_name(self) -> str:
        return "dominant_speaker_share"


@register
@dataclass(frozen=True)
class SpeakerAlternation(_PerConversation):
    """Mean share of consecutive turn pairs in which the same speaker speaks again.

    0 is strict alternation. A two-agent simulation that lets one agent answer itself, or a
    transcript that lost a speaker, shows runs of one speaker. Examples are the conversations
    with the most repeated speakers.
    """

    name: ClassVar[str] = "speaker_alternation"
    finding: ClassVar[str] = SHAPE_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("difference", "cohens_d")
    unit: ClassVar[str] = "of turns continue the same speaker"

    def measure_name(self) -> str:
        return "same_speaker_share"


@register
@dataclass(frozen=True)
class TurnLength(Expectation):
    """Median length of a turn in tokens, over a seeded sample of ``sample`` turns.

    LLM agents write long turns (gpt-3.5 botbots: median 32 tokens; crowd-written SGD: 10).
    Against a reference the per-turn lengths are compared with a two-sample test
    (Kolmogorov-Smirnov D, or Cohen's d). Examples are the longest sampled turns.
    """

    name: ClassVar[str] = "turn_length"
    finding: ClassVar[str] = SHAPE_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("ks", "cohens_d", "log_ratio", "difference")
    role: str = "turns"
    sample: int = 5000
    seed: int = 0

    def metrics(self) -> dict[str, Metric]:
        return {"turns": TextSample(self.role, self.sample, self.seed)}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        turns: list[tuple[int, str]] = values["turns"]
        if not turns:
            return Observation(None, reason=f"no non-empty turn in {self.role}")
        lengths = np.array([len(tokenize(text)) for _, text in turns], dtype=float)
        p5, median, p95 = np.quantile(lengths, [0.05, 0.5, 0.95])
        details = {
            "turns_sampled": len(lengths),
            "mean": round(float(lengths.mean()), 2),
            "std": round(float(lengths.std(ddof=1)), 2) if len(lengths) > 1 else 0.0,
            "p5": float(p5),
            "p95": float(p95),
        }
        longest = sorted(range(len(turns)), key=lambda i: (-lengths[i], turns[i][0]))[:3]
        examples = [
            example(turns[i][0], excerpt(turns[i][1]), tokens=int(lengths[i])) for i in longest
        ]
        return Observation(
            float(median),
            n=len(lengths),
            samples=lengths.tolist(),
            unit="tokens",
            details=details,
            examples=examples,
        )


@register
@dataclass(frozen=True)
class ClosingLoopRate(Expectation):
    """Share of conversations that end in a closing loop: ``min_turns`` or more closing turns.

    A closing turn holds a closing expression (thanks, you're welcome, goodbye, have a great
    day: ``phrases``, regexes). People close in two turns ("Thanks." "Have a great day."); LLM
    agents keep thanking each other ("Thank you!" "You're welcome!" "Thank you very much!"
    "Goodbye!"). Examples show the closing turns.
    """

    name: ClassVar[str] = "closing_loop_rate"
    finding: ClassVar[str] = REPETITION_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    role: str = "turns"
    phrases: tuple[str, ...] = CLOSING_PHRASES

    def __post_init__(self) -> None:
        check_patterns(self.phrases)

    min_turns: int = 3

    def metrics(self) -> dict[str, Metric]:
        return {"closings": ClosingLoops(self.role, self.phrases, self.min_turns)}

    def row_checks(self, context: Context) -> tuple[RowCheck, ...]:
        return (ClosingLoopCheck(self.role, self.phrases, self.min_turns),)

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        counts: ClosingCounts = values["closings"]
        if not counts.conversations:
            return Observation(None, reason=f"no conversation in {self.role}")
        details = {
            "conversations": counts.conversations,
            "closing_loops": counts.loops,
            "conversations_by_closing_turns": counts.runs,
            "min_turns": self.min_turns,
        }
        return rate_observation(
            counts.loops,
            counts.conversations,
            details=details,
            examples=_turn_examples(counts.examples.get("closing_loop", [])),
        )


@dataclass(frozen=True)
class _Digression(Expectation):
    """Shared by the digression rate and its relation to the outcome: one judge, one pass."""

    role: str = "turns"
    judge: str = "lexical"
    threshold: float = 0.1
    task_role: str = ""

    def __post_init__(self) -> None:
        if self.judge not in RELEVANCE_JUDGES:
            raise ValueError(
                f"unknown relevance judge {self.judge!r}; judges are {', '.join(RELEVANCE_JUDGES)}"
            )

    def digression(self) -> Digression:
        return Digression(self.role, self.judge, self.threshold, self.task_role)

    def metrics(self) -> dict[str, Metric]:
        return {"digression": self.digression()}


@register
@dataclass(frozen=True)
class DigressionRate(_Digression):
    """Share of conversations with a turn judged off-topic: relevance to the task below ``threshold``.

    The context is the task given to the agents (``task_role``, e.g. ``prompt``) when mapped,
    else the opening turn. Relevance comes from a registered judge (``judge``): the default
    ``lexical`` judge is the share of a turn's content words found in the context; plug a
    model-based one with ``synthgate.metrics.dialogues.relevance_judge``. The paper's GPT-4
    judge found 33% of GPT-4 multi-persona puzzle conversations digressed. Examples are the
    least relevant turn of each digressing conversation.
    """

    name: ClassVar[str] = "digression_rate"
    finding: ClassVar[str] = DIGRESSION_FINDING
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        result: DigressionResult = values["digression"]
        if not result.conversations:
            return Observation(None, reason=f"no turn of {self.role} could be judged")
        details = {
            "conversations": result.conversations,
            "digressed": result.digressed,
            "not_judged": result.unjudged,
            "judged_turns": result.judged_turns,
            "off_topic_turns": result.off_topic_turns,
            "judge": self.judge,
            "context": self.task_role or "opening turn",
        }
        return rate_observation(
            result.digressed,
            result.conversations,
            details=details,
            examples=_turn_examples(result.examples),
        )


@register
@dataclass(frozen=True)
class DigressionOutcomeGap(_Digression):
    """How much less often digressing conversations succeed: Cohen's h between success rates.

    Joins the digression flag with the ``outcome`` role (task solved: true/false, 1/0) on a
    seeded sample of up to 5,000 conversations (every one below that), and compares the share
    of successes without digression with the share with it; positive when digressing
    conversations fail more. Paper: accuracy 72% without digression vs 53% with (h = 0.39).
    Details give both rates, their difference and Fisher's exact test p-value.
    """

    name: ClassVar[str] = "digression_outcome_gap"
    finding: ClassVar[str] = DIGRESSION_FINDING
    outcome_role: str = "outcome"

    def metrics(self) -> dict[str, Metric]:
        return {
            "digression": self.digression(),
            "outcome": RowValues(self.outcome_role, "outcome", self.digression().k),
        }

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        from scipy import stats

        flags = values["digression"].flags
        outcomes = dict(values["outcome"].sample)
        joined = [(flags[row], outcomes[row]) for row in flags.keys() & outcomes.keys()]
        table = [
            [
                sum(o for f, o in joined if f == digressed),
                sum(1 - o for f, o in joined if f == digressed),
            ]
            for digressed in (False, True)
        ]
        if not all(sum(side) for side in table):
            return Observation(
                None, reason="needs conversations with and without digression that have an outcome"
            )
        without, with_ = (side[0] / sum(side) for side in table)
        h = cohens_h(without, with_)
        details = {
            "conversations": len(joined),
            "digressed": sum(table[1]),
            "success_without_digression": round(without, 4),
            "success_with_digression": round(with_, 4),
            "difference": round(without - with_, 4),
            "fisher_p_value": float(stats.fisher_exact(table).pvalue),
        }
        return Observation(h, n=len(joined), details=details)
