"""Instruction-set expectations (FINDINGS.md §3): unit behaviour, and the real seed / Alpaca data."""

from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthgate import ExpectationResult, ValidationResult, validate
from synthgate.batch import Batch
from synthgate.metrics import Metric
from synthgate.metrics.flags import BoilerplateCheck, FlaggedRows
from synthgate.metrics.instructions import (
    DANGLING_WORDS,
    CopyCheck,
    PlaceholderCheck,
    TruncationCheck,
    near_copy,
    shingle_set,
)
from synthgate.metrics.openers import OpenerCounts
from synthgate.metrics.tokens import (
    MAX_SHINGLED_TOKENS,
    TextFeatures,
    first_words,
    shingles,
    similar,
)
from synthgate.metrics.vocabulary import HUMAN_SHARE, SCALE, MarkerVocabulary
from synthgate.suite import Suite, load_suite, parse_suite

SEED = "instructions/self_instruct_seed_human.jsonl"
ALPACA = "instructions/alpaca_5000_llm.jsonl"


def result(run: ValidationResult, id: str) -> ExpectationResult:
    return next(r for r in run.results if r.id == id and r.group is None)


def one_entry_suite(expect: str, params: dict[str, Any], bounds: str = "{}") -> Suite:
    return parse_suite(
        "suite: t\ncolumns: {text: text, instruction: instruction, input: input, output: output}\n"
        f"expectations:\n  - expect: {expect}\n    params: {json.dumps(params)}\n"
        f"    bounds: {bounds}\n",
        "test",
    )


def texts_batch(texts: list[Any], role: str = "text", start: int = 1) -> Batch:
    return Batch(list(range(start, start + len(texts))), {role: texts})


def split_run(metric: Metric, batch: Batch, at: int) -> Any:
    """The metric over ``batch`` as two partitions merged."""
    first, second = batch.take(range(at)), batch.take(range(at, len(batch)))
    a = metric.update(metric.start(), first)
    b = metric.update(metric.start(), second)
    return metric.finalize(metric.merge(a, b))


# --- opener concentration --------------------------------------------------------------------


def test_opener_collision_is_the_unbiased_chance_two_rows_share_their_first_word() -> None:
    texts = ["Generate a poem.", "generate a list", "Write a story.", "Write code", "Name it"]
    counts = OpenerCounts("text").compute([texts_batch(texts)])
    # pairs sharing an opener: generate (2*1) + write (2*1) over 5*4 ordered pairs
    assert counts.collision == pytest.approx(4 / 20)
    assert counts.counts == {"generate": 2, "write": 2, "name": 1}


def test_opener_collision_is_unbiased_at_small_sizes_unlike_the_plug_in_share() -> None:
    rng = random.Random(0)
    weights = [1 / (rank + 1) for rank in range(50)]
    truth = sum((w / sum(weights)) ** 2 for w in weights)
    estimates, plug_in = [], []
    for _ in range(300):
        texts = [f"verb{i} it" for i in rng.choices(range(50), weights, k=40)]
        counts = OpenerCounts("text").compute([texts_batch(texts)])
        estimates.append(counts.collision)
        plug_in.append(sum((c / 40) ** 2 for c in counts.counts.values()))
    assert sum(estimates) / 300 == pytest.approx(truth, rel=0.05)
    assert sum(plug_in) / 300 > truth * 1.15  # Simpson's plug-in sum of squared shares is not


def test_opener_counts_merge_to_the_single_pass_value() -> None:
    texts = [f"{w} text {i}" for i, w in enumerate(["Create", "Write", "Create", "List"] * 30)]
    metric = OpenerCounts("text", words=2)
    whole = metric.compute([texts_batch(texts)])
    merged = split_run(metric, texts_batch(texts), 37)
    assert merged.counts == whole.counts
    assert merged.rows == whole.rows


def test_opener_summary_stays_bounded_and_keeps_the_heavy_opener() -> None:
    texts = ["Generate it"] * 300 + [f"word{i} rest" for i in range(2000)]
    metric = OpenerCounts("text", capacity=50)
    counts = metric.compute([texts_batch(texts[i : i + 100]) for i in range(0, len(texts), 100)])
    assert len(counts.counts) <= 100
    assert not counts.exact
    assert counts.top(1)[0].opener == "generate"
    assert counts.collision == pytest.approx((300 / 2300) ** 2, rel=0.15)


def test_opener_concentration_fails_with_examples_naming_the_over_represented_opener() -> None:
    texts = ["The answer is 4."] * 6 + [f"Answer{i} is here." for i in range(4)]
    run = validate(
        pd.DataFrame({"text": texts}),
        suite=one_entry_suite("opener_concentration", {}, "{max: 0.05}"),
    )
    found = result(run, "opener_concentration")
    assert found.status == "failed"
    assert found.observed == pytest.approx(30 / 90)
    assert found.examples[0]["opener"] == "the"
    assert found.examples[0]["rows"] == [1, 2, 3]


def test_opener_concentration_against_reference_lists_openers_above_their_reference_share() -> None:
    data = pd.DataFrame({"text": ["Create a", "Create b", "Create c", "Write d", "Write e"]})
    human = pd.DataFrame({"text": ["Write f", "Write g", "Write h", "Create i", "List j"]})
    suite = parse_suite(
        "suite: t\ncolumns: {text: text}\nexpectations:\n  - expect: opener_concentration\n"
        "    compare: {statistic: cohens_h, max: 0.2, direction: higher}\n",
        "test",
    )
    found = result(validate(data, suite=suite, reference=human), "opener_concentration")
    assert [e["opener"] for e in found.examples] == ["create"]
    assert found.examples[0]["reference_share"] == pytest.approx(0.2)
    assert found.comparison is not None and found.comparison["statistic"] == "cohens_h"


# --- boilerplate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("As an AI language model, I do not have personal opinions.", "ai self-reference"),
        ("I'm sorry, but I cannot write that.", "refusal"),
        ("I am not able to assist with that request.", "refusal"),
        ("I don't have access to real-time data.", "capability disclaimer"),
        ("I can't help but love this place.", None),
        ("I apologize for the delay in shipping your order.", None),
        ("OpenAI released a new model.", None),
    ],
)
def test_boilerplate_flags_ai_self_reference_and_refusals_not_human_idioms(
    text: str, reason: str | None
) -> None:
    found = BoilerplateCheck("text").flag(text)
    assert (found.reason if found else None) == reason


def test_boilerplate_rate_counts_rows_and_shows_the_match() -> None:
    texts = ["Paris is the capital.", "As an AI, I cannot browse.", "Sure.", "Fine."]
    run = validate(
        pd.DataFrame({"text": texts}), suite=one_entry_suite("boilerplate_rate", {}, "{max: 0.01}")
    )
    found = result(run, "boilerplate_rate")
    assert found.observed == pytest.approx(0.25)
    assert found.status == "failed"
    assert found.examples[0]["row"] == 2 and "As an AI" in found.examples[0]["excerpt"]


def test_boilerplate_extra_patterns_are_matched_on_lower_case_text() -> None:
    suite = one_entry_suite("boilerplate_rate", {"extra_patterns": ["\\bhope this helps\\b"]})
    run = validate(pd.DataFrame({"text": ["Hope this helps!", "Done."]}), suite=suite)
    assert result(run, "boilerplate_rate").details["by_reason"] == {"pattern": 1}


# --- placeholders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "<noinput>",
        "No input",
        "No input required.",
        "N/A",
        "...",
        "\\<noinput\\>",
        "[noinput]",
        "TODO",
        "<insert name of a foreign country>",
        "(Insert Article)",
        "<nooutput>",
        "None",
    ],
)
def test_placeholder_check_flags_stand_in_values(value: str) -> None:
    found = PlaceholderCheck("input", count_empty=False).flag(value)
    assert found is not None and found.reason == "placeholder"


@pytest.mark.parametrize(
    "value",
    [
        "Paris",
        "2 + 2",
        "Insert an appropriate closing salutation to this email",
        "No input validation is done here because the code trusts every caller completely.",
    ],
)
def test_placeholder_check_leaves_content_alone(value: str) -> None:
    assert PlaceholderCheck("input", count_empty=False).flag(value) is None


def test_placeholder_rate_counts_empty_outputs_but_not_empty_inputs() -> None:
    data = pd.DataFrame(
        {
            "instruction": ["Add 2 and 2.", "Name a fruit.", "Translate.", "Sum."],
            "input": ["", "", "<noinput>", "1, 2"],
            "output": ["4", "", "Hola", "3"],
        }
    )
    outputs = result(
        validate(data, suite=one_entry_suite("placeholder_rate", {})), "placeholder_rate[output]"
    )
    assert outputs.observed == pytest.approx(1 / 4)
    assert outputs.examples[0]["reason"] == "empty" and outputs.examples[0]["row"] == 2
    inputs = result(
        validate(
            data, suite=one_entry_suite("placeholder_rate", {"role": "input", "count_empty": False})
        ),
        "placeholder_rate[input]",
    )
    assert inputs.sample_size == 2  # only the non-empty inputs are checked
    assert inputs.observed == pytest.approx(1 / 2)


# --- copies ---------------------------------------------------------------------------------


def test_copy_check_flags_an_output_that_repeats_its_input() -> None:
    check = CopyCheck("output", "input")
    same = check.flag(("Their is many  things.", "Their is many things."))
    assert same is not None and same.reason == "exact copy of input"
    text = "The quick brown fox jumps over the lazy dog near the quiet river bank today"
    near = check.flag((text + " again", text))
    assert near is not None and near.reason == "near copy of input"


def test_copy_check_does_not_flag_an_edit_done_right() -> None:
    check = CopyCheck("output", "input")
    assert check.flag(("THIS IS A TEST EXAMPLE.", "This is a test example.")) is None
    assert (
        check.flag(
            ("The small, black dog chased a squirrel.", "The small black dog chased a squirrel")
        )
        is None
    )
    assert check.flag(("There are many things.", "Their is many things.")) is None


def test_copy_rate_checks_only_rows_with_both_texts_and_skips_the_paired_reference() -> None:
    data = pd.DataFrame(
        {
            "instruction": ["a", "b", "c"],
            "input": ["Dear Bob, see you.", "", "x"],
            "output": ["Dear Bob, see you.", "Hi", "y"],
        }
    )
    found = result(
        validate(data, suite=one_entry_suite("copy_rate", {"role": "output", "source": "input"})),
        "copy_rate[output]",
    )
    assert found.sample_size == 2
    assert found.observed == pytest.approx(0.5)
    assert CopyCheck().roles == ("output", "input")


_PIECES = st.lists(st.sampled_from(["a", "b", "c", "A", ",", ".", "é", "x_1", "  "]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(_PIECES, _PIECES, st.sampled_from([0.3, 0.5, 0.8, 1.0]))
def test_near_copy_is_the_jaccard_of_shingle_sets(a: list[str], b: list[str], t: float) -> None:
    """The early-stopping near copy decides exactly as Jaccard of the full shingle sets,
    also for an edited copy (``b`` = ``a`` with pieces inserted) and short texts."""
    for text, source in ((" ".join(a), " ".join(b)), (" ".join(a), " ".join(a + b))):
        if text.strip() and source.strip():
            expected = similar(shingle_set(text), shingle_set(source), t)
            assert near_copy(text, source, t) is expected


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.sampled_from(["Hello, wörld_2 — it's 3.5 (x)!", "a_b __ ½ ٣ 中文 e\u0301 --", "((__))"]),
    )
)
def test_words_and_token_count_are_those_of_the_tokens(text: str) -> None:
    """``TextFeatures.words`` are the ``\\w+`` runs of the lower case, and ``token_count``
    the number of ``tokens``, though neither builds the tokens."""
    assert TextFeatures(text).words == re.findall(r"\w+", text.lower())
    assert TextFeatures(text).token_count == len(TextFeatures(text).tokens)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_tokens_are_words_and_single_other_characters(text: str) -> None:
    """``TextFeatures.tokens`` (``\\w+|\\S``) are the ``\\w+|[^\\w\\s]`` tokens of the lower case."""
    assert TextFeatures(text).tokens == re.findall(r"\w+|[^\w\s]", text.lower())


_SPACES = "aB \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000_"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.text(alphabet=st.sampled_from(_SPACES), max_size=40))
def test_normalized_folds_white_space_as_the_regex(text: str) -> None:
    """``TextFeatures.normalized`` (``str.split``) folds the runs of ``\\s`` and strips them."""
    assert TextFeatures(text).normalized == re.sub(r"\s+", " ", text.lower()).strip()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "cd", "é"]), max_size=12)
    | st.lists(st.just("w"), min_size=MAX_SHINGLED_TOKENS - 3, max_size=MAX_SHINGLED_TOKENS + 3)
)
def test_shingles_are_the_word_3_grams_of_the_first_tokens(tokens: list[str]) -> None:
    """Shingles as defined: each 3-gram of the first ``MAX_SHINGLED_TOKENS`` tokens joined by
    a space, or the whole text when it has fewer than 3 tokens."""
    first = tokens[:MAX_SHINGLED_TOKENS]
    grams = [" ".join(first[i : i + 3]) for i in range(len(first) - 2)]
    assert shingles(tokens) == (grams if len(tokens) >= 3 else [" ".join(tokens)])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.integers(0, 4))
def test_first_words_are_the_first_of_the_words(text: str, count: int) -> None:
    """An opener reads only its first words, and they are ``TextFeatures.words``' first."""
    assert first_words(text, count) == TextFeatures(text).words[:count]


def test_expected_marker_texts_are_each_texts_expectation_summed() -> None:
    """Texts of equal length are summed together: the same integer as text by text."""
    texts = ["a b c", "delve into it", "x y z", "", "one two three four five six", "a b c"]
    state = MarkerVocabulary("text").update(
        MarkerVocabulary("text").start(), Batch(list(range(len(texts))), {"text": texts})
    )
    lengths = [len(TextFeatures(t).words) for t in texts if t]
    assert state.expected == sum(
        round(SCALE * -math.expm1(n * math.log1p(-HUMAN_SHARE))) for n in lengths
    )
    assert (state.texts, state.words, state.with_marker) == (5, sum(lengths), 1)


# --- truncation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Here is the code:\n```python\nprint(1)\n", "unclosed code block"),
        ("The main causes are (1) heat and (2 drought", "unclosed bracket"),
        ("The benefits include lower costs, better health,", "ends with ','"),
        ("There are several steps you can follow:", "ends with ':'"),
        ("The three primary colors are red, yellow and the", "ends with a dangling word"),
    ],
)
def test_truncation_check_flags_texts_cut_mid_generation(text: str, reason: str) -> None:
    found = TruncationCheck("output").flag(text)
    assert found is not None and found.reason == reason


@pytest.mark.parametrize(
    "text",
    [
        "Paris is the capital of France.",
        "the",  # a one-word answer can be "the"
        "Name:\nEmail:\nAge (optional):",  # a form's fields end with a colon
        "An app that helps people find like-minded individuals to connect with",
        "1) apples 2) pears",
        "```python\nprint(1)\n```",
    ],
)
def test_truncation_check_accepts_complete_texts(text: str) -> None:
    assert TruncationCheck("output").flag(text) is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["the", "The", "bathe", "x", "becausee", "ofthe", "a" * 45, " ", "."]),
        max_size=12,
    )
)
def test_the_last_word_is_read_from_a_short_tail(pieces: list[str]) -> None:
    """The dangling last word is read from the text's last few characters: the same verdict
    as reading its last 40 (a longer run of letters is no dangling word either way)."""
    text = "one two three four five " + "".join(pieces)
    word = re.search(r"([A-Za-z]+)$", text.rstrip()[-40:])
    dangling = word is not None and word.group(1).lower() in DANGLING_WORDS
    found = TruncationCheck("output").flag(text)
    if found is None or found.reason == "ends with a dangling word":
        assert (found is not None) is dangling


def _reason_before(text: str) -> str | None:
    """``TruncationCheck._reason`` as it was written first (the test's oracle)."""
    if text.count("```") % 2:
        return "unclosed code block"
    if any(
        text.count(left) > text.count(right) for left, right in (("(", ")"), ("[", "]"), ("{", "}"))
    ):
        return "unclosed bracket"
    last = text[-1]
    if last in ",([":
        return f"ends with {last!r}"
    if last == ":" and len(re.findall(r"\w+", text.rsplit("\n", 1)[-1])) >= 4:
        return "ends with ':'"
    word = re.search(r"([A-Za-z]+)$", text[-40:])
    if word and word.group(1).lower() in DANGLING_WORDS and len(re.findall(r"\w+", text)) >= 5:
        return "ends with a dangling word"
    return None


_TRUNCATION_PIECES = ["The", "of", "é", "x_1", "9", "```", "(", ")", "[", "]", "{", "}", ",", ":"]
_TRUNCATION_PIECES += [".", "ÿ", " ", "\n", "\u00a0", "one two three four "]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(_TRUNCATION_PIECES),
        min_size=1,
        max_size=14,
    )
)
def test_truncation_reasons_are_those_of_the_first_definition(pieces: list[str]) -> None:
    """The bracket counts in one ``map`` and the last word read only after an ASCII letter
    give the first definition's reason (and flag) for every text."""
    text = "".join(pieces)
    if text.strip():
        found = TruncationCheck("output").flag(text)
        assert (found and found.reason) == (_reason_before(text.rstrip()) or None)


def test_flagged_rows_merge_keeps_counts_and_the_earliest_examples() -> None:
    texts = [
        "ok.",
        "it was cut off at the",
        "fine.",
        "and then we saw the",
        "done.",
        "a cup of",
    ] * 3
    metric = FlaggedRows(TruncationCheck("output"))
    batch = texts_batch(texts, "output")
    whole = metric.compute([batch])
    merged = split_run(metric, batch, 7)
    assert (merged.checked, merged.flagged) == (whole.checked, whole.flagged) == (18, 6)
    assert merged.examples == whole.examples


# --- length spread --------------------------------------------------------------------------


def test_length_spread_is_the_standard_deviation_of_log2_token_counts() -> None:
    texts = ["a", "a b", "a b c d", "a b c d e f g h"]  # 1, 2, 4, 8 tokens: log2 = 0..3
    run = validate(
        pd.DataFrame({"text": texts}), suite=one_entry_suite("length_spread", {}, "{min: 1.0}")
    )
    found = result(run, "length_spread")
    assert found.observed == pytest.approx(pd.Series([0, 1, 2, 3]).std())
    assert found.status == "passed"


def test_length_spread_against_reference_fails_when_lengths_collapse() -> None:
    human = pd.DataFrame({"text": [" ".join(["w"] * n) for n in (1, 3, 9, 27, 81) * 4]})
    model = pd.DataFrame({"text": [" ".join(["w"] * n) for n in (8, 9, 10, 11, 12) * 4]})
    suite = parse_suite(
        "suite: t\ncolumns: {text: text}\nexpectations:\n  - expect: length_spread\n"
        "    compare: {statistic: log_ratio, max: 0.5, direction: lower}\n",
        "test",
    )
    found = result(validate(model, suite=suite, reference=human), "length_spread")
    assert found.status == "failed"
    assert found.comparison is not None and found.comparison["value"] < -0.5


# --- real data: Self-Instruct seed tasks (human) and Alpaca (text-davinci-003) ---------------


@pytest.fixture(scope="module")
def seed(paper_data: Path) -> pd.DataFrame:
    return pd.read_json(paper_data / SEED, lines=True)


@pytest.fixture(scope="module")
def alpaca(paper_data: Path) -> pd.DataFrame:
    return pd.read_json(paper_data / ALPACA, lines=True)


@pytest.fixture(scope="module")
def alpaca_alone(paper_data: Path) -> ValidationResult:
    return validate(paper_data / ALPACA, suite="instructions")


@pytest.fixture(scope="module")
def alpaca_vs_seed(paper_data: Path) -> ValidationResult:
    return validate(paper_data / ALPACA, suite="instructions", reference=paper_data / SEED)


def not_passed(run: ValidationResult) -> dict[str, str]:
    """Statuses other than passed, leaving out entries judged only against a reference."""
    return {
        r.id: r.status
        for r in run.results
        if r.status != "passed" and "only against a reference" not in (r.reason or "")
    }


def halves(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Interleaved halves (even and odd rows): the files are ordered, so contiguous halves are
    not samples of one distribution (the seed file's second half has shorter outputs)."""
    return frame.iloc[::2].reset_index(drop=True), frame.iloc[1::2].reset_index(drop=True)


def test_seed_tasks_pass_the_instructions_suite_alone(paper_data: Path) -> None:
    run = validate(paper_data / SEED, suite="instructions")
    assert not_passed(run) == {}


def test_seed_task_halves_pass_against_each_other(seed: pd.DataFrame) -> None:
    first, second = halves(seed)
    run = validate(first, suite="instructions", reference=second)
    # 87 seed outputs: too little text for even one to hold an LLM-favoured word by chance
    assert not_passed(run) == {"excess_vocabulary[output]": "skipped"}
    compared = {e.id for e in load_suite("instructions").entries if e.compare}
    assert all(
        r.comparison is not None for r in run.results if r.id in compared - {"text_length[output]"}
    )


def test_alpaca_halves_pass_against_each_other(alpaca: pd.DataFrame) -> None:
    first, second = halves(alpaca)
    # Alpaca outputs over-use "vibrant", "navigate", "foster": judged against word frequencies
    run = validate(first, suite="instructions", reference=second)
    assert not_passed(run) == {"excess_vocabulary[output]": "warning"}


def test_alpaca_alone_fails_on_output_openers_and_placeholder_inputs(
    alpaca_alone: ValidationResult,
) -> None:
    assert not_passed(alpaca_alone) == {
        "opener_concentration[output]": "warning",  # a shape: warns alone
        "placeholder_rate[input]": "failed",
        "excess_vocabulary[output]": "warning",  # 4.5 times the texts human English predicts
    }


def test_alpaca_outputs_open_with_the_far_more_than_seed_outputs(
    alpaca_vs_seed: ValidationResult,
) -> None:
    found = result(alpaca_vs_seed, "opener_concentration[output]")
    assert found.status == "failed"
    assert found.observed == pytest.approx(0.062, abs=0.002)
    assert found.reference == pytest.approx(0.0108, abs=0.001)
    assert found.comparison is not None and found.comparison["value"] > 0.2
    assert found.comparison["p_value"] < 1e-6
    top = found.examples[0]
    assert top["opener"] == "the" and top["share"] > 0.2 and top["reference_share"] < 0.07


def test_alpaca_instruction_openers_shift_to_generate_create_describe_without_concentrating(
    alpaca_vs_seed: ValidationResult,
) -> None:
    found = result(alpaca_vs_seed, "opener_concentration[instruction]")
    assert found.status == "passed"  # about as concentrated as the seed tasks (0.033 vs 0.029)
    assert {e["opener"] for e in found.examples[:3]} == {"generate", "create", "describe"}


def test_alpaca_inputs_hold_no_input_placeholders_that_seed_inputs_lack(
    alpaca_vs_seed: ValidationResult,
) -> None:
    found = result(alpaca_vs_seed, "placeholder_rate[input]")
    assert found.status == "failed"
    assert found.reference == 0.0
    assert found.observed is not None and found.observed > 0.02
    assert any("input" in e["excerpt"].lower() for e in found.examples)


def test_alpaca_instruction_lengths_collapse_against_the_seed_tasks(
    alpaca_vs_seed: ValidationResult,
) -> None:
    found = result(alpaca_vs_seed, "length_spread[instruction]")
    assert found.status == "failed" and found.severity == "error"  # a shape, against a reference
    assert found.comparison is not None and found.comparison["value"] < -0.5
    assert result(alpaca_vs_seed, "length_spread[output]").status == "passed"


def test_truncation_rate_catches_cobbler_outputs_cut_at_the_token_limit(paper_data: Path) -> None:
    run = validate(
        paper_data / "preferences/human_cobbler_preferences.csv",
        suite=one_entry_suite("truncation_rate", {"role": "output"}, "{max: 0.02}"),
        mapping={"output": "output1"},
    )
    found = result(run, "truncation_rate[output]")
    assert found.status == "failed"
    assert found.observed is not None and found.observed > 0.1


def test_boilerplate_rate_catches_as_an_ai_language_model_in_cobbler_outputs(
    paper_data: Path,
) -> None:
    run = validate(
        paper_data / "preferences/human_cobbler_preferences.csv",
        suite=one_entry_suite("boilerplate_rate", {"role": "output"}, "{max: 0.01}"),
        mapping={"output": "output1"},
    )
    found = result(run, "boilerplate_rate[output]")
    assert found.status == "failed"
    assert found.details["by_reason"]["ai self-reference"] > 0
