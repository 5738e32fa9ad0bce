"""Preferences (FINDINGS.md §2): pairwise judgements, alone and beside human judgements."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import synthgate
from synthgate.batch import Batch
from synthgate.cli import main
from synthgate.comparisons import compare
from synthgate.errors import SuiteError
from synthgate.metrics.preferences import Judgements, one_judgement
from synthgate.observation import Observation
from synthgate.result import ExpectationResult
from synthgate.roles import Codings
from synthgate.suite import parse_suite

PANDALM_CODINGS = Codings(
    choice_codes={"first": 1, "second": 2, "tie": "Tie"},
    reference_choice_codes={"first": 1, "second": 2, "tie": 0},
)


def by_id(result: synthgate.ValidationResult) -> dict[str, ExpectationResult]:
    return {r.id: r for r in result.results if r.group is None}


def run(frame: pd.DataFrame, **kwargs: Any) -> dict[str, ExpectationResult]:
    return by_id(synthgate.validate(frame, suite="preferences", **kwargs))


def pairs(n: int, choices: list[Any], **columns: list[Any]) -> pd.DataFrame:
    """``n`` rows cycling through ``choices``, with equal-length outputs unless given."""
    data: dict[str, list[Any]] = {
        "output1": ["alpha beta"] * n,
        "output2": ["gamma delta"] * n,
        "target": [choices[i % len(choices)] for i in range(n)],
    }
    data.update(columns)
    return pd.DataFrame(data)


# --- unit tests on small data -----------------------------------------------------------------


def test_one_judgement_takes_the_strict_majority_of_votes() -> None:
    assert one_judgement([2, 2, 1]) == 2
    assert one_judgement([0, 1, 2]) is None
    assert one_judgement([1, 0]) is None
    assert one_judgement("Tie") == "Tie"


def test_invalid_judgement_rate_counts_values_outside_the_codes_with_examples() -> None:
    frame = pairs(6, ["1", "2", "garbage", "Tie", "1", None])
    results = run(frame, codings=PANDALM_CODINGS)
    invalid = results["invalid_judgement_rate"]
    assert invalid.status == "failed"
    assert invalid.observed == pytest.approx(2 / 6)
    assert invalid.details["invalid_values"] == {"'garbage'": 1, "None": 1}
    assert {e["row"] for e in invalid.examples} == {3, 6}


def test_tie_rate_fails_when_the_judge_ties_more_than_the_reference() -> None:
    data = pairs(200, [0, 1, 2, 0, 1, 2, 0, 1, 2, 1])
    reference = pairs(200, [0, 1, 0, 1, 0, 1, 0, 1, 0, 2])
    tie = run(data, reference=reference)["tie_rate"]
    assert tie.observed == pytest.approx(0.3)
    assert tie.reference == pytest.approx(0.1)
    assert tie.comparison is not None and tie.comparison["statistic"] == "cohens_h"
    assert tie.comparison["p_value"] < 0.001
    assert tie.status == "failed"
    assert tie.examples and all(e["judgement"] == "tie" for e in tie.examples)


def test_tie_rate_is_skipped_when_the_codes_have_no_tie() -> None:
    codings = Codings(choice_codes={"first": "A", "second": "B"})
    tie = run(pairs(10, ["A", "B"]), codings=codings)["tie_rate"]
    assert tie.status == "skipped"
    assert "no tie" in (tie.reason or "")


def test_position_bias_is_not_evaluated_unless_the_order_was_randomized() -> None:
    position = run(pairs(60, [0, 0, 0, 0, 1, 2]))["position_bias"]
    assert position.status == "skipped" and position.observed is None
    assert "randomized" in (position.reason or "")


def test_position_bias_warns_alone_and_fails_against_a_reference() -> None:
    randomized = Codings(pair_order="randomized")
    position = run(pairs(60, [0, 0, 0, 0, 1, 2]), codings=randomized)["position_bias"]
    assert position.observed == pytest.approx(0.8)
    assert position.status == "warning"  # a shape: no bound holds for every human protocol
    against = run(pairs(60, [0, 0, 0, 0, 1, 2]), reference=pairs(60, [0, 1]))["position_bias"]
    assert against.status == "failed" and against.severity == "error"
    assert position.details["binomial_p_value"] < 1e-4
    assert position.details["favoured_position"] == "first"
    assert all(e["judgement"] == "first" for e in position.examples)


def test_verbosity_bias_counts_choices_of_the_longer_output_only_when_lengths_differ() -> None:
    short, long = "ok", "a much longer and more detailed answer"
    frame = pd.DataFrame(
        {
            "output1": [long, short] * 10 + ["same length"],
            "output2": [short, long] * 10 + ["equal words"],
            # the longer output wins 18 times of 20, the equal-length pair is left out
            "target": [0, 1] * 9 + [1, 0, 0],
        }
    )
    verbosity = run(frame)["verbosity_bias"]
    assert verbosity.observed == pytest.approx(18 / 20)
    assert verbosity.details["equal_length"] == 1
    assert verbosity.status == "warning"  # a shape: warns alone
    assert verbosity.examples[0]["excerpt"].startswith("chose output")
    assert verbosity.examples[0]["log_length_ratio"] > 0


def test_length_cue_correlation_is_compared_with_the_reference_by_cohens_q() -> None:
    rng = random.Random(1)
    rows = []
    for _ in range(400):
        a, b = rng.randint(1, 40), rng.randint(1, 40)
        rows.append({"output1": "w " * a, "output2": "w " * b, "target": int(a < b)})
    follows_length = pd.DataFrame(rows)
    ignores_length = follows_length.assign(target=[rng.randint(0, 1) for _ in rows])
    cue = run(follows_length, reference=ignores_length)["length_cue_correlation"]
    assert cue.observed is not None and cue.observed > 0.5
    assert cue.reference is not None and abs(cue.reference) < 0.2
    assert cue.comparison is not None and cue.comparison["statistic"] == "cohens_q"
    assert cue.comparison["value"] > 0.1 and cue.comparison["p_value"] < 1e-6
    assert cue.status == "warning"


def test_prompt_overlap_correlation_rewards_outputs_that_copy_the_prompt() -> None:
    prompt = "name three primary colours of paint"
    frame = pd.DataFrame(
        {
            "prompt": [prompt] * 40,
            "output1": [prompt, "red yellow blue"] * 20,
            "output2": ["red yellow blue", prompt] * 20,
            "target": [0, 1] * 20,
        }
    )
    cue = run(frame)["prompt_overlap_correlation"]
    assert cue.observed == pytest.approx(1.0)
    assert cue.details["mean_cue_when_first_chosen"] > 0
    assert cue.status == "warning"


def test_order_inconsistency_counts_verdicts_that_follow_the_position() -> None:
    # swapped judgements name the position seen: "1" (second) there means output1 again
    frame = pairs(
        10,
        [0, 0, 1, 2, 0, 1, 0, 1, 2, 0],
        swapped_choice=[1, 0, 0, 2, 1, 0, 1, 1, 0, 1],
    )
    order = run(frame)["order_inconsistency"]
    # changed: row 2 (first both times), row 8 (second both times), row 9 (tie -> first)
    assert order.observed == pytest.approx(3 / 10)
    assert order.details["first_position_both_times"] == 1
    assert order.details["second_position_both_times"] == 1
    assert order.details["to_or_from_tie"] == 1
    assert order.status == "failed"
    assert {e["row"] for e in order.examples} == {2, 8, 9}


def test_order_inconsistency_reads_swapped_judgements_coded_by_output() -> None:
    suite = parse_suite(
        "suite: t\nexpectations:\n  - expect: order_inconsistency\n"
        "    params: {swapped_coded_by: output}\n    bounds: {max: 0.1}\n",
        "test",
    )
    frame = pd.DataFrame({"choice": [0, 1, 0, 1], "swapped_choice": [0, 1, 1, 1]})
    mapping = {"choice": "choice", "swapped_choice": "swapped_choice"}
    result = synthgate.validate(frame, suite=suite, mapping=mapping)
    assert result.results[0].observed == pytest.approx(1 / 4)


def test_reference_agreement_reports_cohens_kappa_and_raw_agreement() -> None:
    frame = pairs(
        8,
        [0, 0, 1, 1, 0, 1, 2, 2],
        reference_choice=[0, 0, 1, 1, 1, 0, 2, 0],
    )
    agree = run(frame)["reference_agreement"]
    # po = 5/8, pe = (3*4 + 3*3 + 2*1) / 64 = 23/64
    assert agree.details["agreement"] == pytest.approx(5 / 8)
    assert agree.observed == pytest.approx((5 / 8 - 23 / 64) / (1 - 23 / 64))
    assert agree.interval is not None and agree.interval[0] < agree.observed
    assert {e["row"] for e in agree.examples} == {5, 6, 8}


def test_reference_agreement_decodes_human_votes_with_their_own_codes() -> None:
    frame = pd.DataFrame(
        {
            "llm": ["1", "2", "Tie", "1", "2"],
            "votes": [[1, 1, 0], [2, 2, 2], [0, 0, 1], [2, 2, 1], [0, 1, 2]],
        }
    )
    results = run(
        frame, mapping={"choice": "llm", "reference_choice": "votes"}, codings=PANDALM_CODINGS
    )
    agree = results["reference_agreement"]
    # majorities: first, second, tie, second, none (left out); the judge agrees on 3 of 4
    assert agree.details["agreement"] == pytest.approx(3 / 4)
    assert agree.details["rows_left_out"] == 1
    assert agree.details["per_vote"]["n"] == 15
    assert agree.details["per_vote"]["agreement"] == pytest.approx(9 / 15)
    assert agree.details["between_votes"]["n"] == 30
    # the tie rate of the human side is decoded with the human codes (0 = tie)
    assert results["tie_rate"].reference == pytest.approx(1 / 4)


def test_judgements_metric_merges_like_one_pass() -> None:
    metric = Judgements("choice", "length")
    columns = {
        "choice": [0, 1, 2, 0, 1, 0],
        "output1": ["a b c", "a", "a b", "a b c d", "a", "x"],
        "output2": ["a", "a b c", "a b", "a", "a b c d e", "y z"],
    }
    whole = Batch(list(range(1, 7)), columns)
    halves = [whole.take([0, 1, 2]), whole.take([3, 4, 5])]
    merged = metric.merge(
        metric.update(metric.start(), halves[0]), metric.update(metric.start(), halves[1])
    )
    one, two = metric.compute([whole]), metric.finalize(merged)
    assert one.counts == two.counts
    assert one.cue[0].total == pytest.approx(two.cue[0].total)
    assert one.largest[0] == two.largest[0]


def test_an_unknown_cue_is_a_suite_error() -> None:
    with pytest.raises(SuiteError, match="unknown cue"):
        parse_suite(
            "suite: t\nexpectations:\n  - expect: surface_cue_correlation\n"
            "    params: {cue: sentiment}\n",
            "test",
        )


def test_cohens_q_compares_two_correlations_with_a_p_value() -> None:
    comparison = compare(
        "cohens_q", 0.1, Observation(0.3, n=1000), Observation(0.1, n=1000), "higher"
    )
    assert comparison.value == pytest.approx(math.atanh(0.3) - math.atanh(0.1))
    assert comparison.p_value is not None and comparison.p_value < 0.001
    assert not comparison.passed


def test_cli_decodes_human_votes_with_reference_choice_codes(tmp_path: Path) -> None:
    data = tmp_path / "judged.jsonl"
    rows = [{"llm": "1", "votes": [1, 1, 1]}, {"llm": "2", "votes": [2, 2, 0]}] * 10
    data.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    out = tmp_path / "out.json"
    common = [
        "validate",
        str(data),
        "--suite",
        "preferences",
        "--map",
        "choice=llm",
        "--map",
        "reference_choice=votes",
        "--choice-codes",
        "first=1,second=2,tie=Tie",
        "--json",
        str(out),
        "--quiet",
    ]
    assert main([*common, "--reference-choice-codes", "first=1,second=2,tie=0"]) == 0
    results = {r["id"]: r for r in json.loads(out.read_text())["results"]}
    assert results["reference_agreement"]["details"]["agreement"] == 1.0
    assert main([*common, "--reference-choice-codes", "first=1"]) == 2


# --- real data (../shared/data/paper/preferences) ---------------------------------------------


@pytest.fixture(scope="module")
def prefs(paper_data: Path) -> Path:
    return paper_data / "preferences"


def test_p2c_gpt3_fails_on_tie_inflation_against_the_human_reference(prefs: Path) -> None:
    result = synthgate.validate(
        prefs / "p2c_generative_pref_preferences.csv",
        suite="preferences",
        reference=prefs / "p2c_subjective_pref_preferences.csv",
    )
    tie = by_id(result)["tie_rate"]
    assert tie.status == "failed"
    assert tie.observed == pytest.approx(0.2888)
    assert tie.reference == pytest.approx(0.174)
    assert tie.comparison is not None and tie.comparison["value"] > 0.2
    assert tie.comparison["p_value"] < 1e-10
    assert not result.success


def test_p2c_gpt3_agrees_with_the_paired_humans_on_31_8_percent(prefs: Path) -> None:
    gpt3 = pd.read_csv(prefs / "p2c_generative_pref_preferences.csv")
    human = pd.read_csv(prefs / "p2c_subjective_pref_preferences.csv")
    agree = run(gpt3.assign(reference_choice=human["target"]))["reference_agreement"]
    assert agree.details["agreement"] == pytest.approx(0.3178)
    assert agree.status == "failed"
    assert agree.examples


@pytest.mark.parametrize(
    "name", ["p2c_subjective_pref_preferences.csv", "human_cobbler_preferences.csv"]
)
def test_human_preference_files_pass_the_suite(prefs: Path, name: str) -> None:
    result = synthgate.validate(prefs / name, suite="preferences")
    judged = [r for r in result.results if r.status != "skipped" and "choice" in r.columns]
    assert len(judged) >= 4 and all(r.status == "passed" for r in judged)
    # the outputs they judged are LLM text: CoBBLEr's hold "As an AI language model" refusals
    failed = {r.id for r in result.failures()}
    assert failed <= {"boilerplate_rate[output1]", "boilerplate_rate[output2]"}
    assert bool(failed) == (name == "human_cobbler_preferences.csv")


@pytest.mark.parametrize(
    "name", ["p2c_subjective_pref_preferences.csv", "human_cobbler_preferences.csv"]
)
def test_two_halves_of_a_human_file_pass_against_each_other(prefs: Path, name: str) -> None:
    frame = pd.read_csv(prefs / name)
    half = len(frame) // 2
    result = synthgate.validate(
        frame[:half].reset_index(drop=True),
        suite="preferences",
        reference=frame[half:].reset_index(drop=True),
    )
    compared = [r for r in result.results if r.comparison is not None]
    assert {r.id for r in compared} >= {"tie_rate", "position_bias", "verbosity_bias"}
    assert all(r.status == "passed" for r in result.results if r.status in ("failed", "passed"))


def test_pandalm_garbage_judgements_are_invalid_and_agreement_is_reported(prefs: Path) -> None:
    result = synthgate.validate(
        prefs / "pandalm_test_human_vs_gpt35.jsonl",
        suite="preferences",
        mapping={"choice": "llm_judgement", "reference_choice": "human_votes"},
        codings=PANDALM_CODINGS,
    )
    results = by_id(result)
    invalid = results["invalid_judgement_rate"]
    # 25 "garbage" verdicts; one sits on a row whose output2 is JSON true (unreadable)
    assert result.dataset["rows_unreadable"] == 6
    assert invalid.details["invalid_values"] == {"'garbage'": 24}
    assert invalid.status == "failed"
    assert invalid.examples and all("garbage" in e["excerpt"] for e in invalid.examples)
    agree = results["reference_agreement"]
    assert agree.details["agreement"] == pytest.approx(0.714, abs=0.001)
    assert agree.observed == pytest.approx(0.490, abs=0.001)
    assert agree.details["per_vote"]["kappa"] == pytest.approx(0.477, abs=0.001)
    assert agree.details["between_votes"]["kappa"] > 0.8


def cobbler_pairs(prefs: Path, evaluator: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Every pair of the 15 ranked outputs of each CoBBLEr prompt: 0 first, 1 second, 2 tie."""
    examples = json.loads((prefs / "cobbler" / f"{evaluator}.json").read_text("utf-8"))
    out = {}
    for key, item in examples.items():
        if not key.startswith("example_"):
            continue
        ranked = {r["model"]: r for r in item["rankings"]}
        for a, b in itertools.combinations(sorted(ranked), 2):
            rank_a, rank_b = ranked[a]["rank"], ranked[b]["rank"]
            out[(key, a, b)] = {
                "prompt": item["instruction"],
                "reference_text": item["reference"],
                "output1": ranked[a]["output"],
                "output2": ranked[b]["output"],
                "target": 0 if rank_a < rank_b else 1 if rank_a > rank_b else 2,
            }
    return out


@pytest.fixture(scope="module")
def cobbler_gpt4(prefs: Path) -> pd.DataFrame:
    """GPT-4's CoBBLEr judgements with the human judgement of the same pair beside them."""
    human, gpt4 = cobbler_pairs(prefs, "human"), cobbler_pairs(prefs, "gpt4")
    return pd.DataFrame(
        [{**gpt4[key], "reference_choice": row["target"]} for key, row in human.items()]
    )


def test_cobbler_gpt4_beside_humans_inflates_ties_and_agrees_on_66_9_percent(
    cobbler_gpt4: pd.DataFrame,
) -> None:
    results = run(cobbler_gpt4)
    assert results["tie_rate"].observed == pytest.approx(0.047, abs=0.001)
    assert results["tie_rate"].reference == pytest.approx(0.0097, abs=0.0001)
    assert results["tie_rate"].status == "failed"
    assert results["reference_agreement"].details["agreement"] == pytest.approx(0.669, abs=0.001)
    assert results["reference_agreement"].status == "failed"
    assert results["reference_overlap_correlation"].observed is not None


def test_position_bias_flags_pairs_laid_out_with_the_preferred_output_first(
    cobbler_gpt4: pd.DataFrame,
) -> None:
    # a chosen/rejected layout: output1 is always the one humans preferred (ties kept as is)
    frame = cobbler_gpt4.copy()
    swap = frame["reference_choice"] == 1
    frame.loc[swap, ["output1", "output2"]] = frame.loc[swap, ["output2", "output1"]].to_numpy()
    frame.loc[swap, "target"] = frame.loc[swap, "target"].map({0: 1, 1: 0, 2: 2})
    layout = frame[["output1", "output2", "target"]]
    assert run(layout)["position_bias"].status == "skipped"  # not randomized: not a judge's bias
    position = run(layout, codings=Codings(pair_order="randomized"))["position_bias"]
    assert position.observed is not None and position.observed > 0.6
    assert position.status == "warning"
    assert position.details["binomial_p_value"] < 1e-10


def test_pandalm_human_votes_pass_alone_and_in_random_halves(prefs: Path) -> None:
    lines = (prefs / "pandalm_test_human_vs_gpt35.jsonl").read_text("utf-8").splitlines()
    frame = pd.DataFrame([json.loads(line) for line in lines])
    frame = frame[frame["output1"].map(type).eq(str) & frame["output2"].map(type).eq(str)]
    mapping = {"choice": "human_votes", "prompt": "instruction"}
    codings = Codings(choice_codes={"first": 1, "second": 2, "tie": 0})
    assert synthgate.validate(frame, suite="preferences", mapping=mapping, codings=codings).success
    order = list(range(len(frame)))
    random.Random(4).shuffle(order)
    half = len(order) // 2
    first, second = (
        frame.iloc[part].reset_index(drop=True) for part in (order[:half], order[half:])
    )
    result = synthgate.validate(
        first, suite="preferences", mapping=mapping, reference=second, codings=codings
    )
    assert all(
        r.status == "passed"
        for r in result.results
        if "choice" in r.columns and r.status != "skipped"
    )
    # this split's length correlations differ by q > 0.1, but by chance (p > 0.05): alpha
    length = by_id(result)["length_cue_correlation"]
    assert length.comparison is not None and length.comparison["value"] > 0.1
    assert length.comparison["p_value"] > 0.05


def test_more_than_a_thousand_distinct_verdict_pairs_do_not_break_agreement() -> None:
    frame = pd.DataFrame(
        {"choice": [f"verdict {i}" for i in range(1100)], "reference_choice": [0] * 1100}
    )
    result = synthgate.validate(
        frame,
        suite="preferences",
        mapping={"choice": "choice", "reference_choice": "reference_choice"},
    )
    assert {r.id for r in result.results} >= {"reference_agreement"}


def test_the_verdict_says_in_plain_words_why_a_large_effect_passed() -> None:
    # 30% ties against 10%: h = 0.52, beyond 0.2, but 20 rows a side cannot tell (p = 0.11)
    tie = run(pairs(20, [2, 0, 1, 0, 1, 2, 0, 1, 2, 0]), reference=pairs(20, [0, 1] * 4 + [2, 0]))[
        "tie_rate"
    ]
    assert tie.status == "passed" and tie.comparison is not None
    assert tie.comparison["value"] > 0.2 and tie.comparison["p_value"] > 0.01
    assert "30% vs 10% in the reference (3 times as high)" in tie.explanation
    assert "beyond the bound but not significant at p < 0.01" in tie.explanation
    assert tie.to_dict()["explanation"] == tie.explanation
