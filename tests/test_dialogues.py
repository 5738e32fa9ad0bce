"""Dialogues and simulations (FINDINGS.md §4): role flips, repetition, closings, digression."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import synthgate
from synthgate.batch import Batch
from synthgate.errors import SuiteError
from synthgate.metrics.dialogues import (
    CAMEL_END_TOKEN,
    CAMEL_MARKERS,
    EXAMPLES,
    RELEVANCE_JUDGES,
    STOPWORDS,
    ClosingLoops,
    Digression,
    RepeatedTurnCheck,
    RoleFlips,
    TurnRepeats,
    content_words,
    flagged_turns,
    holds_marker,
    lexical_relevance,
    relevance_judge,
    repeated_ngram_share,
)
from synthgate.metrics.rows import TurnFeatures
from synthgate.metrics.tokens import MAX_SHINGLED_TOKENS, TextFeatures, ngrams, similar
from synthgate.result import ExpectationResult
from synthgate.rowpass import check_rows
from synthgate.suite import parse_suite
from synthgate.turns import parse_transcript


def suite(*entries: str) -> synthgate.Suite:
    """A suite of the given YAML entries on the ``turns`` role."""
    body = "\n".join(f"  - {entry}" for entry in entries)
    return parse_suite(
        f"suite: t\ncolumns: {{turns: turns}}\nrequired: [turns]\nexpectations:\n{body}\n", "test"
    )


def conversations(*dialogues: list[tuple[str, str]], **columns: list[Any]) -> pd.DataFrame:
    turns = [[{"speaker": s, "text": t} for s, t in dialogue] for dialogue in dialogues]
    return pd.DataFrame({"turns": turns, **columns})


def result(validation: synthgate.ValidationResult, name: str) -> ExpectationResult:
    return next(r for r in validation.results if r.expectation == name)


def camel(*turns: str) -> list[tuple[str, str]]:
    """A CAMEL conversation: turns alternate USER, ASSISTANT."""
    return [("USER" if i % 2 == 0 else "ASSISTANT", text) for i, text in enumerate(turns)]


CLEAN = camel(
    "Instruction: List three markets.\nInput: None",
    "Solution: Europe, Asia and Africa. Next request.",
    "Instruction: Rank them by size.\nInput: None",
    "Solution: Asia, Europe, Africa. Next request.",
    "<CAMEL_TASK_DONE>",
    "Solution: Done. <CAMEL_TASK_DONE>",
)
FLIPS = suite(
    "{expect: role_flip_rate, bounds: {max: 0.01}}",
    "{expect: interruption_rate, bounds: {max: 0.05}}",
)


# Role flips and interruptions (the paper's CAMEL rule) ------------------------------------


def test_role_flip_counts_user_turn_with_solution_marker() -> None:
    flipped = camel(
        "Instruction: List three markets.\nInput: None",
        "Solution: Europe, Asia and Africa. Next request.",
        "Solution: I will now rank them: Asia first.",
    )
    out = synthgate.validate(conversations(CLEAN, flipped), FLIPS)
    flips = result(out, "role_flip_rate")
    assert flips.observed == 0.5
    assert flips.status == "failed"
    assert [(e["row"], e["turn"], e["speaker"]) for e in flips.examples] == [(2, 2, "USER")]


def test_role_flip_counts_assistant_turn_with_instruction_marker() -> None:
    flipped = camel(
        "Instruction: List three markets.\nInput: None",
        "Instruction: Please tell me which markets you mean.",
    )
    flips = result(
        synthgate.validate(conversations(flipped, CLEAN, CLEAN, CLEAN), FLIPS), "role_flip_rate"
    )
    assert flips.observed == 0.25
    assert flips.examples[0]["speaker"] == "ASSISTANT"


def test_interruption_counts_marked_turn_without_own_marker_or_end_token() -> None:
    interrupted = camel(
        "Instruction: List three markets.\nInput: None",
        "I am sorry, as an AI I cannot browse the web.",
        "<CAMEL_TASK_DONE>",
        "Solution: Done.",
    )
    out = synthgate.validate(conversations(CLEAN, interrupted), FLIPS)
    interruptions = result(out, "interruption_rate")
    assert interruptions.observed == pytest.approx(1 / 10)
    assert interruptions.examples[0]["turn"] == 1
    assert result(out, "role_flip_rate").observed == 0.0


def test_user_turn_holding_both_markers_is_a_flip_not_an_interruption() -> None:
    flags = flagged_turns(
        camel("Instruction: do it.\nSolution: here is how."),
        (("user", "Instruction:"), ("assistant", "Solution:")),
        "CAMEL_TASK_DONE",
    )
    assert [(i, kind) for i, kind, _ in flags] == [(0, "flipped")]


def test_speaker_writing_as_the_other_party_is_a_flip() -> None:
    dialogue = [
        ("User 1", "Shall we meet at noon?"),
        ("User 2", "Noon works.\nUser 1: Great, see you then.\nUser 2: Bye!"),
    ]
    flips = result(synthgate.validate(conversations(dialogue), FLIPS), "role_flip_rate")
    assert flips.observed == 1.0
    assert flips.details["turns_speaking_as_other"] == 1
    assert "User 1" in flips.examples[0]["problem"]


def test_markers_are_configurable_per_speaker() -> None:
    rule = suite(
        "{expect: role_flip_rate, params: {markers: [[buyer, 'Offer:'], [seller, 'Counter:']]}}"
    )
    dialogue = [("buyer", "Offer: 10 dollars"), ("seller", "Counter: 12"), ("buyer", "Counter: 11")]
    flips = result(synthgate.validate(conversations(dialogue), rule), "role_flip_rate")
    assert flips.observed == 1.0
    assert flips.examples[0]["turn"] == 2


def test_interruption_is_skipped_when_no_turn_uses_the_markers() -> None:
    chat = [("USER", "Book a table for two."), ("SYSTEM", "Which restaurant?")]
    out = synthgate.validate(conversations(chat), FLIPS)
    assert result(out, "interruption_rate").status == "skipped"
    assert result(out, "role_flip_rate").status == "passed"


def test_a_chat_without_the_marker_protocol_is_not_counted_as_interrupted() -> None:
    chat = [("USER", "Book a table for two."), ("SYSTEM", "Which restaurant?")]
    interrupted = camel("Instruction: List three markets.", "I cannot browse the web.")
    frame = conversations(CLEAN, interrupted, chat)
    interruptions = result(synthgate.validate(frame, FLIPS), "interruption_rate")
    assert interruptions.observed == pytest.approx(1 / 8)  # not 2 / 9: the chat is left out
    flags = [f for v in check_rows(frame, FLIPS) for f in v.flags if f.check == "interruption"]
    assert [f.unit for f in flags] == [1]


def test_role_flips_are_reported_by_conversation_length() -> None:
    long_flip = camel(*(["Instruction: go on.", "Solution: ok."] * 8), "Solution: I instruct you.")
    counts = RoleFlips().compute([Batch([1, 2], {"turns": [CLEAN, long_flip]})])
    assert counts.by_length == {"1-10": [1, 0], "11-20": [1, 1]}


# Repetition --------------------------------------------------------------------------------


def test_repeated_turns_count_within_a_conversation_not_across() -> None:
    long = "I can book the table for four people at seven tonight at the Italian place downtown"
    near = long.replace("downtown", "uptown")
    first = [("A", long), ("B", "Great."), ("A", near), ("B", "Great.")]
    second = [("A", long), ("B", "Thanks")]
    counts = TurnRepeats().compute([Batch([1, 2], {"turns": [first, second]})])
    assert (counts.turns, counts.exact, counts.near) == (6, 1, 1)
    assert [(e.row, e.turn) for e in counts.examples["near"]] == [(1, 2)]


def test_ngram_loop_share_counts_ngrams_of_earlier_turns_only() -> None:
    turns = [("A", "one two three four five"), ("B", "one two three four six")]
    assert repeated_ngram_share(turns, 4) == pytest.approx(1 / 4)
    within = [("A", "la la la la la la"), ("B", "something else entirely new")]
    assert repeated_ngram_share(within, 4) == 0.0


def test_closing_loop_needs_three_closing_turns_at_the_end() -> None:
    human = [
        ("U", "Thanks, book it."),
        ("S", "Done."),
        ("U", "Thanks."),
        ("S", "Have a great day."),
    ]
    agents = [
        ("A", "Your table is booked."),
        ("B", "Thank you for your help!"),
        ("A", "You're welcome! Enjoy your meal!"),
        ("B", "Thank you very much!"),
        ("A", "Goodbye!"),
    ]
    counts = ClosingLoops().compute([Batch([1, 2], {"turns": [human, agents]})])
    assert (counts.conversations, counts.loops) == (2, 1)
    assert counts.runs == {2: 1, 4: 1}
    assert counts.examples["closing_loop"][0].row == 2


def test_speaker_balance_and_alternation_are_measured_per_conversation() -> None:
    even = [("A", "one two"), ("B", "three four")]
    lopsided = [("A", "one two three four five six"), ("A", "seven eight"), ("B", "ok")]
    out = synthgate.validate(
        conversations(even, lopsided),
        suite("{expect: speaker_balance}", "{expect: speaker_alternation}"),
    )
    assert result(out, "speaker_balance").observed == pytest.approx((0.5 + 8 / 9) / 2)
    assert result(out, "speaker_alternation").observed == pytest.approx((0 + 0.5) / 2)


def test_turn_length_is_compared_turn_by_turn_with_a_reference() -> None:
    short = [[("A", "ok"), ("B", "sure thing")]] * 20
    long = [[("A", "word " * 40), ("B", "word " * 50)]] * 20
    entry = suite("{expect: turn_length, compare: {statistic: ks, max: 0.2}}")
    out = synthgate.validate(conversations(*long), entry, reference=conversations(*short))
    lengths = result(out, "turn_length")
    assert lengths.status == "failed"
    assert lengths.comparison is not None and lengths.comparison["value"] == 1.0
    assert lengths.sample_size == 40


# Digression --------------------------------------------------------------------------------


def test_digression_flags_turn_sharing_no_content_word_with_the_opening_turn() -> None:
    on_topic = [
        ("A", "Find the house where the flutist lives among four houses."),
        ("B", "The flutist lives in the second house by the first clue."),
    ]
    off_topic = [*on_topic, ("C", "Speaking of music, my favourite band released an album!")]
    out = synthgate.validate(conversations(on_topic, off_topic), suite("{expect: digression_rate}"))
    digression = result(out, "digression_rate")
    assert digression.observed == 0.5
    assert digression.examples[0]["row"] == 2
    assert digression.examples[0]["turn"] == 2


def test_digression_uses_the_task_column_as_context_when_given() -> None:
    dialogue = [("A", "Hello there, how are you today?"), ("B", "The flutist lives in house two.")]
    task = "Which house does the flutist live in? There are four houses."
    entry = suite("{expect: digression_rate, params: {task_role: prompt}}")
    with_task = synthgate.validate(
        conversations(dialogue, prompt=[task]), entry, mapping={"prompt": "prompt"}
    )
    assert result(with_task, "digression_rate").observed == 0.0
    opening = synthgate.validate(conversations(dialogue), suite("{expect: digression_rate}"))
    assert result(opening, "digression_rate").observed == 1.0


@pytest.fixture
def always_off_topic() -> Iterator[str]:
    relevance_judge("always_off_topic")(lambda context, texts: [0.0 for _ in texts])
    yield "always_off_topic"
    del RELEVANCE_JUDGES["always_off_topic"]


def test_a_registered_judge_replaces_the_lexical_one(always_off_topic: str) -> None:
    dialogue = [("A", "Find the flutist's house."), ("B", "The flutist's house is house two.")]
    entry = suite(f"{{expect: digression_rate, params: {{judge: {always_off_topic}}}}}")
    assert (
        result(synthgate.validate(conversations(dialogue), entry), "digression_rate").observed
        == 1.0
    )


def test_an_unknown_judge_is_a_suite_error() -> None:
    with pytest.raises(SuiteError, match="unknown relevance judge 'gpt9'"):
        suite("{expect: digression_rate, params: {judge: gpt9}}")


def test_digression_outcome_gap_compares_success_with_and_without_digression() -> None:
    on = [("A", "Find the flutist house number."), ("B", "The flutist house number is two.")]
    off = [*on, ("C", "Lovely weather for a picnic today, isn't it?")]
    data = conversations(on, on, on, off, off, outcome=[True, True, False, False, True])
    out = synthgate.validate(
        data,
        suite("{expect: digression_outcome_gap, bounds: {max: 0.2}}"),
        mapping={"outcome": "outcome"},
    )
    gap = result(out, "digression_outcome_gap")
    assert gap.details["success_without_digression"] == pytest.approx(2 / 3, abs=1e-4)
    assert gap.details["success_with_digression"] == 0.5
    assert gap.observed is not None and gap.observed > 0


def test_digression_outcome_gap_is_skipped_without_an_outcome_column() -> None:
    on = [("A", "Find the flutist house number."), ("B", "The flutist house number is two.")]
    out = synthgate.validate(conversations(on), suite("{expect: digression_outcome_gap}"))
    assert result(out, "digression_outcome_gap").status == "skipped"


# Metrics merge like one pass ----------------------------------------------------------------


@pytest.mark.parametrize("metric", [RoleFlips(), TurnRepeats(), ClosingLoops(), Digression()])
def test_dialogue_metrics_merge_like_a_single_pass(metric: Any) -> None:
    dialogues = [
        CLEAN,
        camel("Instruction: a b c d e f.", "Solution: a b c d e f.", "Solution: go.", "Thanks!"),
        [("A", "Find the flutist house."), ("B", "Thank you!"), ("A", "Bye!"), ("B", "Bye!")],
    ] * 3
    rows = list(range(1, len(dialogues) + 1))
    whole = metric.compute([Batch(rows, {"turns": dialogues})])
    first, second = metric.start(), metric.start()
    first = metric.update(first, Batch(rows[:4], {"turns": dialogues[:4]}))
    second = metric.update(second, Batch(rows[4:], {"turns": dialogues[4:]}))
    assert metric.finalize(metric.merge(first, second)) == whole


# Transcripts ---------------------------------------------------------------------------------


def test_participants_line_names_the_speakers_and_is_not_a_turn() -> None:
    transcript = (
        "Participants: AI Assistant (you); Detective\n\n"
        "Detective: Let's read the clues.\nHouse 1: apples\n"
        "AI Assistant (you): Clue 3 settles it.\n\nFinish collaboration!\n\nFinal answer: 3"
    )
    assert parse_transcript(transcript) == [
        ("Detective", "Let's read the clues.\nHouse 1: apples"),
        ("AI Assistant (you)", "Clue 3 settles it.\nFinish collaboration!\nFinal answer: 3"),
    ]


def test_numbered_lines_do_not_start_turns() -> None:
    assert parse_transcript("Alice: the clues\n1. House 1: red\nBob: ok") == [
        ("Alice", "the clues\n1. House 1: red"),
        ("Bob", "ok"),
    ]


# Real data -----------------------------------------------------------------------------------


def statuses(validation: synthgate.ValidationResult) -> dict[str, str]:
    return {r.id: r.status for r in validation.results}


def test_crowd_written_sgd_dialogues_pass_the_dialogues_suite(paper_data: Path) -> None:
    out = synthgate.validate(paper_data / "dialogues/sgd_dev_human.jsonl", "dialogues")
    assert out.success, [(r.id, r.observed) for r in out.failures()]
    assert "warning" not in statuses(out).values()


def test_botbots_restaurant_dialogues_fail_alone(paper_data: Path) -> None:
    out = synthgate.validate(paper_data / "dialogues/botbots_restaurants_llm.jsonl", "dialogues")
    failed = {r.id for r in out.failures()}
    assert {"closing_loop_rate[turns]", "ngram_loop_rate[turns]"} <= failed
    assert statuses(out)["distinct_n[turns]"] == "warning"  # a shape: warns alone
    closing = result(out, "closing_loop_rate")
    assert closing.observed is not None and closing.observed > 0.4
    assert closing.examples and "Thank you" in " ".join(e["excerpt"] for e in closing.examples)


def test_botbots_fail_against_the_sgd_reference(paper_data: Path) -> None:
    out = synthgate.validate(
        paper_data / "dialogues/botbots_restaurants_llm.jsonl",
        "dialogues",
        reference=paper_data / "dialogues/sgd_dev_human.jsonl",
    )
    failed = {r.id: r.comparison for r in out.failures()}
    assert {"closing_loop_rate[turns]", "ngram_loop_rate[turns]", "distinct_n[turns]"} <= set(
        failed
    )
    assert all(c is not None for c in failed.values())
    assert statuses(out)["speaker_balance[turns]"] == "failed"  # a shape: fails against a reference


def test_two_halves_of_sgd_pass_against_each_other(paper_data: Path) -> None:
    sgd = pd.read_json(paper_data / "dialogues/sgd_dev_human.jsonl", lines=True)
    out = synthgate.validate(sgd.iloc[:64], "dialogues", reference=sgd.iloc[64:])
    assert out.success
    assert "warning" not in statuses(out).values()
    assert statuses(out)["readability_spread[turns]"] == "passed"  # conversations are read
    compared = {e.id for e in synthgate.load_suite("dialogues").entries if e.compare}
    assert all(
        r.comparison is not None
        for r in out.results
        if r.status == "passed" and r.reference is not None and r.id in compared
    )


def test_spp_transcripts_load_and_digression_is_related_to_task_solved(paper_data: Path) -> None:
    out = synthgate.validate(
        paper_data / "simulations/spp_logic_grid_gpt4.jsonl",
        "dialogues",
        mapping={"turns": "transcript", "outcome": "task_solved"},
    )
    assert out.dataset["rows_validated"] == 199
    assert result(out, "speaker_alternation").observed == 0.0
    digression = result(out, "digression_rate")
    assert digression.observed == pytest.approx(53 / 199)
    gap = result(out, "digression_outcome_gap")
    assert gap.details["success_with_digression"] < gap.details["success_without_digression"]
    assert gap.status == "warning"


# The fast paths, against the plain definitions they replace ---------------------------------

_WORDS = ["cat", "cats", "bus", "dogs", "dog", "this", "is", "the", "ok", "sure", "menu", "!"]
_WORDS += ["Instruction:", "Solution:", "user:", "User 2:", "CAMEL_TASK_DONE", "\n", " "]
_TEXTS = st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join)
_DIALOGUES = st.lists(
    st.tuples(st.sampled_from(["user", "assistant", "USER", "User 2"]), _TEXTS), max_size=8
)
_PHRASES = ["is there anything else I can help you with", "thank you for your help", "ok"]
_ECHOES = st.tuples(st.sampled_from(_PHRASES), _TEXTS, st.booleans()).map(
    lambda parts: f"{parts[0]} {parts[1]}" if parts[2] else f"{parts[1]} {parts[0]}"
)
"""Turns that share long runs of words, near or exact repeats of each other (as real ones do)."""
_ECHOING = st.lists(
    st.tuples(st.sampled_from(["user", "assistant"]), _TEXTS | _ECHOES), max_size=10
)


def plain_repeated_ngram_share(turns: list[tuple[str, str]], n: int) -> float | None:
    seen: set[tuple[str, ...]] = set()
    repeated = total = 0
    for _, text in turns:
        grams = ngrams(TextFeatures(text).words, n)
        repeated += sum(gram in seen for gram in grams)
        total += len(grams)
        seen.update(grams)
    return repeated / total if total and len(turns) > 1 else None


def plain_repeats(
    turns: list[tuple[str, str]], threshold: float, window: int
) -> tuple[int, list[tuple[int, str, str]]]:
    seen: dict[str, int] = {}
    earlier: deque[tuple[int, set[str]]] = deque(maxlen=window)
    checked, out = 0, []
    for index, (_, text) in enumerate(turns):
        if not text.strip():
            continue
        checked += 1
        found = TextFeatures(text)
        key, grams = found.normalized, set(found.shingles)
        if key in seen:
            out.append((index, "exact", f"repeats turn {seen[key]}"))
        else:
            match = next((i for i, g in reversed(earlier) if similar(grams, g, threshold)), None)
            if match is not None:
                out.append((index, "near", f"close to turn {match}"))
        seen.setdefault(key, index)
        earlier.append((index, grams))
    return checked, out


def plain_relevance(context: str, text: str) -> float | None:
    def words(text: str) -> set[str]:
        found = set(TextFeatures(text).words) - STOPWORDS
        return {w[:-1] if len(w) > 3 and w[-1] == "s" else w for w in found}

    own = words(text)
    return len(own & words(context)) / len(own) if len(own) >= 3 else None


@settings(max_examples=300, deadline=None)
@given(_DIALOGUES | _ECHOING, st.integers(2, 6))
@example([("A", "cat dog ok"), ("B", "cat dog sure")], 2)  # a bigram recurs, no 3-gram
def test_repeated_ngram_share_is_the_plain_count(turns: Any, n: int) -> None:
    """Comparing only the n-grams (n >= 3) that start with a shared shingle changes no value."""
    assert repeated_ngram_share(turns, n) == plain_repeated_ngram_share(turns, n)


def test_repeated_ngrams_past_the_shingle_cap_are_counted() -> None:
    """The 4-gram w1998..w2001 recurs, but only past the first turn's shingled words."""
    long = " ".join(f"w{i}" for i in range(MAX_SHINGLED_TOKENS + 2))
    turns = [("A", long), ("B", "w1998 w1999 w2000 w2001")]
    assert repeated_ngram_share(turns, 4) == plain_repeated_ngram_share(turns, 4) == 1 / 2000


@settings(max_examples=300, deadline=None)
@given(
    _DIALOGUES | _ECHOING,
    st.sampled_from([0.0, 0.3, 0.5, 0.8, 1.0, 1.5]),
    st.sampled_from([0, 1, 2, 3, 50]),
)
def test_repeated_turns_are_the_plain_comparison(turns: Any, threshold: float, window: int) -> None:
    """Comparing only the turns that hold enough shared shingles changes no repeat."""
    check = RepeatedTurnCheck(threshold=threshold, window=window)
    shared = [(speaker, TextFeatures(text)) for speaker, text in turns]
    expected = plain_repeats(turns, threshold, window)
    assert check.repeats(turns) == check.repeats(turns, shared) == expected
    assert check.repeats(turns, TurnFeatures.of(turns)) == expected


@settings(max_examples=200, deadline=None)
@given(_DIALOGUES | _ECHOING)
def test_shared_shingles_are_those_of_two_turns(turns: Any) -> None:
    dialogue = TurnFeatures.of(turns)
    held = [set(TextFeatures(text).shingles) for _, text in turns]
    expected = {g for i, grams in enumerate(held) for g in grams if any(g in h for h in held[:i])}
    assert dialogue.shared_shingles == expected
    assert dialogue.shared_shingles is dialogue.shared_shingles  # computed once
    assert TurnFeatures.of(dialogue) is dialogue


@settings(max_examples=300, deadline=None)
@given(_DIALOGUES)
def test_flagged_turns_are_the_plain_rule(turns: Any) -> None:
    """The CAMEL rule applied turn by turn; interruptions only where a marker is held."""
    own = {"user": "Instruction:", "assistant": "Solution:"}
    names = {speaker for speaker, _ in turns} | set(own)
    held = any(marker in text for _, text in turns for marker in own.values())
    expected = []
    for index, (speaker, text) in enumerate(turns):
        key = speaker.casefold()
        foreign = [m for s, m in own.items() if s != key and m in text]
        others = [n for n in names if n.casefold() != key]
        lines = [line.strip() for line in text.split("\n")]
        speaks_as = [
            n
            for n in others
            if any(line.casefold().startswith(n.casefold() + ":") for line in lines)
        ]
        if key in own and foreign:
            expected.append((index, "flipped"))
        elif speaks_as:
            expected.append((index, "speaks_as_other"))
        elif held and key in own and CAMEL_END_TOKEN not in text and own[key] not in text:
            expected.append((index, "interrupted"))
    flags = flagged_turns(turns, CAMEL_MARKERS, CAMEL_END_TOKEN)
    assert [(index, kind) for index, kind, _ in flags] == expected
    assert flagged_turns(turns, CAMEL_MARKERS, CAMEL_END_TOKEN, held) == flags
    assert holds_marker(turns, CAMEL_MARKERS) == held


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_DIALOGUES, st.none() | _TEXTS), max_size=8), st.booleans())
def test_digression_is_the_plain_judgement(rows: Any, by_task: bool) -> None:
    """Counts and examples (the lowest relevance, first of equals) as judged turn by turn."""
    dialogues = [turns for turns, _ in rows]
    tasks = [task if by_task else None for _, task in rows]
    metric = Digression(task_role="task" if by_task else "", threshold=0.5)
    batch = Batch(list(range(len(rows))), {"turns": dialogues, "task": tasks})
    out = metric.compute([batch])
    judged = off = digressed = unjudged = 0
    lowest = []
    for row, (turns, task) in enumerate(zip(dialogues, tasks, strict=True)):
        task = task if task and task.strip() else None
        context = task or (turns[0][1] if turns else "")
        scores = [
            (plain_relevance(context, text), i)
            for i, (_, text) in enumerate(turns)
            if (task or i) and text.strip() and context.strip()
        ]
        valid = [(score, i) for score, i in scores if score is not None]
        if not valid:
            unjudged += 1
            continue
        below = [(score, i) for score, i in valid if score < 0.5]
        judged, off, digressed = judged + len(valid), off + len(below), digressed + bool(below)
        if below:
            score, i = min(below, key=lambda item: item[0])
            lowest.append((row, i, f"relevance {score:.2f}"))
    assert (out.judged_turns, out.off_topic_turns, out.digressed) == (judged, off, digressed)
    assert out.unjudged == unjudged
    assert [(e.row, e.turn, e.detail) for e in out.examples] == lowest[:EXAMPLES]
    for turns, _ in rows:
        for _, text in turns:
            assert content_words(text) == set(
                w[:-1] if len(w) > 3 and w[-1] == "s" else w
                for w in set(TextFeatures(text).words) - STOPWORDS
            )
    assert lexical_relevance("cats menu", ["the cat menu bus"]) == [2 / 3]
