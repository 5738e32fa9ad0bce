"""Task-label expectations (FINDINGS.md §1): unit behaviour, and the paper's figures on real data."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from synthgate import Codings, ExpectationResult, ValidationResult, validate
from synthgate.batch import Batch
from synthgate.metrics.labels import ItemLabelSets, majority, minority, unanimity
from synthgate.suite import Suite, parse_suite

BINARY = Codings(allowed_labels=(0, 1))
CHATGPT = "open_ai_gpt35turbo"
PAIRED_ONLY = {"majority_match_rate", "minority_match_rate", "flip_asymmetry"}


def result(run: ValidationResult, expectation: str, group: str | None = None) -> ExpectationResult:
    return next(r for r in run.results if r.id == expectation and r.group == group)


def paired(model: list[list[Any]], human: list[list[Any]]) -> pd.DataFrame:
    return pd.DataFrame({"label": model, "reference_label": human})


def one_entry_suite(expect: str, params: dict[str, Any], bounds: str) -> Suite:
    return parse_suite(
        "suite: t\ncolumns: {label: label, reference_label: reference_label}\n"
        f"expectations:\n  - expect: {expect}\n    params: {json.dumps(params)}\n"
        f"    bounds: {bounds}\n",
        "test",
    )


# --- per-item definitions ------------------------------------------------------------------


def test_majority_is_the_most_frequent_labels_and_none_when_every_label_occurs_once() -> None:
    assert majority({0: 2, 1: 1}) == {0}
    assert majority({0: 2, 1: 2, 2: 1}) == {0, 1}
    assert majority({0: 1, 1: 1, 2: 1}) == set()


def test_minority_is_the_least_frequent_labels_and_none_when_all_counts_are_equal() -> None:
    assert minority({0: 2, 1: 1}) == {1}
    assert minority({0: 3, 1: 1, 2: 1}) == {1, 2}
    assert minority({0: 5}) == set()
    assert minority({0: 1, 1: 1}) == set()


def test_unanimity_of_m_labels_is_the_chance_that_m_drawn_labels_agree() -> None:
    assert unanimity({0: 5}) == 1.0
    assert unanimity({0: 4, 1: 1}) == 0.0
    assert unanimity({0: 4, 1: 1}, 3) == pytest.approx(4 / 10)  # C(4,3) / C(5,3)


def test_item_label_sets_merge_equals_one_pass_over_the_rows() -> None:
    metric = ItemLabelSets("label", "reference_label")
    rows = [([0, 0, 1], [0, 0, 0]), ([1, 1, 1], [0, 1, 1]), ([0, 0, 1], [0, 0, 0])]
    batches = [
        Batch([i + 1], {"label": [m], "reference_label": [h]}) for i, (m, h) in enumerate(rows)
    ]
    whole = metric.compute(
        [Batch([1, 2, 3], {"label": [r[0] for r in rows], "reference_label": [r[1] for r in rows]})]
    )
    left = metric.update(metric.start(), batches[0])
    right = metric.update(metric.update(metric.start(), batches[1]), batches[2])
    merged = metric.finalize(metric.merge(left, right))
    assert merged.counts == whole.counts
    assert merged.counts[(((0, 2), (1, 1)), ((0, 3),))] == 2
    assert merged.examples[(((0, 2), (1, 1)), ((0, 3),))] == [1, 3]


# --- match rates and flips on small data -----------------------------------------------------


def test_minority_match_rate_divides_by_every_item_with_labels_on_both_sides() -> None:
    data = paired(
        model=[[1, 1, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]],
        human=[[0, 0, 1], [0, 0, 0], [0, 0, 1]],
    )
    run = validate(data, "task_labels", codings=BINARY)
    minority_match = result(run, "minority_match_rate")
    assert minority_match.observed == pytest.approx(1 / 3)
    assert minority_match.reference == pytest.approx(2 / 3)  # items with a human minority
    assert minority_match.details["match_rate_where_humans_have_one"] == pytest.approx(0.5)
    assert [e["row"] for e in minority_match.examples] == [3]


def test_majority_match_treats_tied_majorities_as_sets() -> None:
    data = paired(model=[[1, 1, 1, 2, 2], [0, 0, 2]], human=[[0, 0, 1, 1], [0, 1, 2]])
    run = validate(data, "task_labels", codings=Codings(allowed_labels=(0, 1, 2)))
    majority_match = result(run, "majority_match_rate")
    assert majority_match.observed == pytest.approx(1 / 2)  # item 2 has no human majority
    assert majority_match.reference == pytest.approx(1 / 2)


def test_match_rates_are_skipped_when_each_item_has_one_model_label() -> None:
    run = validate(paired(model=[[0], [1]], human=[[0, 0, 1], [1, 1, 0]]), "task_labels")
    assert result(run, "majority_match_rate").status == "skipped"
    assert "needs several" in (result(run, "majority_match_rate").reason or "")


def test_flip_asymmetry_pairs_the_ith_human_label_with_the_ith_model_label() -> None:
    data = paired(model=[[1, 1, 0, 1, 1], [0, 1, 1, 1, 1]], human=[[0, 0, 0], [1, 1, 0]])
    suite = one_entry_suite("flip_asymmetry", {"min_disagreements": 1}, "{max: 0.75}")
    flips = result(validate(data, suite, codings=BINARY), "flip_asymmetry")
    # positions 0-2 only: (0,1) (0,1) (0,0) and (1,0) (1,1) (0,1)
    assert flips.details["flips"] == {"0 -> 1": 3, "1 -> 0": 1}
    assert flips.observed == pytest.approx(3 / 4)
    assert flips.examples[0]["excerpt"] == "reference_label 0 -> label 1"


def test_flip_asymmetry_is_one_half_when_flips_go_both_ways() -> None:
    data = paired(model=[[1, 0], [0, 1]] * 20, human=[[0, 1], [1, 0]] * 20)
    flips = result(validate(data, "task_labels", codings=BINARY), "flip_asymmetry")
    assert flips.observed == pytest.approx(0.5)
    assert flips.details["bowker_p_value"] == pytest.approx(1.0)
    assert flips.status == "passed"


def test_flip_asymmetry_is_skipped_below_min_disagreements() -> None:
    run = validate(paired(model=[[1, 1, 1]], human=[[0, 0, 0]]), "task_labels", codings=BINARY)
    assert result(run, "flip_asymmetry").status == "skipped"


# --- unanimity, distributions, invalid labels ------------------------------------------------


def test_invalid_labels_are_left_out_of_unanimity() -> None:
    run = validate(
        pd.DataFrame({"label": [[1, 1, 7, 1, None], [0, 1, 0]]}), "task_labels", codings=BINARY
    )
    share = result(run, "unanimous_item_share")
    assert share.observed == pytest.approx(0.5)
    assert share.examples[0]["excerpt"] == "[1, 1, 1, 7, None]: all 1"


def test_unanimity_is_compared_at_the_smaller_number_of_labels_per_item() -> None:
    data = paired(model=[[0, 0, 0, 0, 1]] * 10, human=[[0, 0, 0]] * 10)
    share = result(validate(data, "task_labels", codings=BINARY), "unanimous_item_share")
    assert share.details["labels_compared"] == 3
    assert share.observed == pytest.approx(0.4)
    assert share.details["unanimous_all_labels"] == 0.0
    assert share.reference == 1.0


def test_collapsed_samples_fail_unanimity_without_a_reference() -> None:
    run = validate(pd.DataFrame({"label": [[0] * 5] * 9 + [[0, 1, 0, 0, 0]]}), "task_labels")
    assert result(run, "unanimous_item_share").observed == pytest.approx(0.9)
    assert result(run, "unanimous_item_share").status == "warning"  # a shape: warns alone


def test_entropy_counts_an_allowed_class_that_is_never_used() -> None:
    run = validate(
        pd.DataFrame({"label": [0, 0, 1, 1]}),
        "task_labels",
        codings=Codings(allowed_labels=(0, 1, 2, 3)),
    )
    assert result(run, "label_entropy").observed == pytest.approx(0.5)  # log 2 / log 4
    assert result(run, "smallest_class_share").details["missing_classes"] == ["2", "3"]


def test_divergence_and_class_ratio_need_a_reference() -> None:
    run = validate(pd.DataFrame({"label": [0, 1, 1]}), "task_labels")
    for expectation in ("label_divergence", "class_share_ratio"):
        assert result(run, expectation).status == "skipped"
        assert "needs a reference" in (result(run, expectation).reason or "")


def test_class_share_ratio_watches_the_class_furthest_from_the_reference_by_ratio() -> None:
    data = paired(model=[[1], [0]] * 5, human=[[0]] * 9 + [[1]])
    run = validate(data, "task_labels", codings=BINARY)
    ratio = result(run, "class_share_ratio")
    assert ratio.details["class"] == 1  # 0.5 / 0.1, where class 0 has 0.5 / 0.9
    assert ratio.comparison is not None
    assert ratio.comparison["value"] == pytest.approx(2.3219, abs=1e-4)  # log2(5)
    assert ratio.status == "failed"
    divergence = result(run, "label_divergence")
    assert divergence.observed == pytest.approx(0.1468, abs=1e-4)
    assert divergence.status == "failed"


# --- the paper's data ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ghc(paper_data: Path) -> ValidationResult:
    return validate(
        paper_data / "task_labels" / "ghc.jsonl",
        "task_labels",
        mapping={"label": "model_labels", "reference_label": "human_labels", "group": "model"},
        codings=BINARY,
    )


@pytest.fixture(scope="module")
def sbic(paper_data: Path) -> ValidationResult:
    return validate(
        paper_data / "task_labels" / "sbic.jsonl",
        "task_labels",
        mapping={"label": "model_labels", "reference_label": "human_labels", "group": "model"},
        codings=Codings(allowed_labels=(0, 1, 2)),
    )


@pytest.mark.parametrize(
    ("dataset", "majority_rate", "minority_rate"), [("ghc", 0.721, 0.002), ("sbic", 0.644, 0.006)]
)
def test_chatgpt_majority_and_minority_match_rates_reproduce_the_paper(
    dataset: str, majority_rate: float, minority_rate: float, request: pytest.FixtureRequest
) -> None:
    run = request.getfixturevalue(dataset)
    assert result(run, "majority_match_rate", CHATGPT).observed == pytest.approx(
        majority_rate, abs=0.005
    )
    assert result(run, "minority_match_rate", CHATGPT).observed == pytest.approx(
        minority_rate, abs=0.005
    )
    assert result(run, "minority_match_rate", CHATGPT).status == "failed"


@pytest.mark.parametrize("dataset", ["ghc", "sbic"])
def test_chatgpt_variance_collapse_is_flagged(dataset: str, request: pytest.FixtureRequest) -> None:
    collapse = result(request.getfixturevalue(dataset), "unanimous_item_share", CHATGPT)
    assert collapse.status == "failed"
    assert collapse.details["unanimous_all_labels"] >= 0.95
    assert collapse.reference is not None and collapse.reference < 0.75


@pytest.mark.parametrize("dataset", ["ghc", "sbic"])
def test_every_llm_group_fails_a_label_expectation(
    dataset: str, request: pytest.FixtureRequest
) -> None:
    run = request.getfixturevalue(dataset)
    groups = {r.group for r in run.results if r.group is not None}
    assert groups == {"baize", "koala", "llama2", CHATGPT, "vicuna"}
    for group in groups:
        assert any(r.status == "failed" for r in run.results if r.group == group), group


def test_ghc_flips_reproduce_the_paper_counts(ghc: ValidationResult) -> None:
    flips = result(ghc, "flip_asymmetry", CHATGPT)
    assert flips.details["flips"] == {"0 -> 1": 2078, "1 -> 0": 259}
    assert flips.status == "failed"
    assert flips.examples[0]["excerpt"] == "reference_label 0 -> label 1"


def test_invalid_labels_of_koala_and_llama2_are_counted_with_example_rows(
    ghc: ValidationResult,
) -> None:
    koala = result(ghc, "invalid_label_rate", "koala")
    assert {"3", "9", "None"} <= set(koala.details["invalid_values"])
    assert koala.status == "failed"
    llama2 = result(ghc, "invalid_label_rate", "llama2")
    assert llama2.details["invalid_values"]["None"] == 1807
    assert any(e["excerpt"] == "label None" and e["rows"] for e in llama2.examples)


def human_items(paper_data: Path, dataset: str) -> list[dict[str, Any]]:
    """One row per item: the file repeats each item once per model."""
    seen: dict[int, dict[str, Any]] = {}
    with (paper_data / "task_labels" / f"{dataset}.jsonl").open() as handle:
        for line in handle:
            row = json.loads(line)
            seen.setdefault(row["item_id"], row)
    return list(seen.values())


def write(rows: list[dict[str, Any]], path: Path) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.mark.parametrize(("dataset", "labels"), [("ghc", (0, 1)), ("sbic", (0, 1, 2))])
def test_human_labels_alone_pass_the_suite(
    dataset: str, labels: tuple[int, ...], paper_data: Path, tmp_path: Path
) -> None:
    path = write(human_items(paper_data, dataset), tmp_path / "human.jsonl")
    run = validate(
        path,
        "task_labels",
        mapping={"label": "human_labels"},
        codings=Codings(allowed_labels=labels),
    )
    assert run.success, [(r.id, r.observed) for r in run.failures()]
    measured = {r.id for r in run.results if r.status == "passed"}
    assert {"unanimous_item_share", "label_entropy", "majority_class_share"} <= measured


@pytest.mark.parametrize("dataset", ["ghc", "sbic"])
def test_two_halves_of_the_human_items_pass_against_each_other(
    dataset: str, paper_data: Path, tmp_path: Path
) -> None:
    items = human_items(paper_data, dataset)
    half = len(items) // 2
    first = write(items[:half], tmp_path / "first.jsonl")
    second = write(items[half:], tmp_path / "second.jsonl")
    run = validate(first, "task_labels", mapping={"label": "human_labels"}, reference=second)
    assert run.success, [(r.id, r.comparison) for r in run.failures()]
    compared = {r.id for r in run.results if r.comparison is not None}
    assert {"label_divergence", "class_share_ratio", "unanimous_item_share"} <= compared


def test_labels_sampled_from_the_human_labels_pass_the_paired_expectations(
    paper_data: Path, tmp_path: Path
) -> None:
    """A model that labels like the annotators (5 draws from each item's human labels) passes."""
    rng = random.Random(1)
    items = human_items(paper_data, "sbic")
    for item in items:
        item["sampled"] = [rng.choice(item["human_labels"]) for _ in range(5)]
    path = write(items, tmp_path / "sampled.jsonl")
    run = validate(
        path,
        "task_labels",
        mapping={"label": "sampled", "reference_label": "human_labels"},
        codings=Codings(allowed_labels=(0, 1, 2)),
    )
    assert run.success, [(r.id, r.observed, r.comparison) for r in run.failures()]
    assert {r.id for r in run.results if r.status == "passed"} >= PAIRED_ONLY
