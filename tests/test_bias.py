"""Bias: the identity lexicon, representation, and over-flagging on items about groups."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthgate import Codings, validate
from synthgate.batch import Batch
from synthgate.identity import MAX_TERM_WORDS, lexicon, words_given, words_of
from synthgate.metrics.identity import ALL, ByIdentity, IdentityMentions
from synthgate.metrics.labels import ItemLabelSets
from synthgate.metrics.tokens import TextFeatures
from synthgate.suite import parse_suite

GAP_SUITE = """
suite: gap
columns: {label: model_labels, reference_label: human_labels, text: text}
expectations:
  - expect: identity_label_gap
    bounds: {max: 0.05}
    severity: warning
"""


def test_the_longest_term_wins_so_african_american_is_not_also_american() -> None:
    found = lexicon().mentions("Two African-American women met an American veteran.")
    assert found == {"Black people": "african american", "women": "women", "Americans": "american"}
    assert "Americans" not in lexicon().mentions("African Americans")


def _mentions_reference(text: str) -> dict[str, str]:
    """The definition: at each word left to right, the longest term there, then past it."""
    terms, tokens, found, i = lexicon().terms, words_of(text), {}, 0
    while i < len(tokens):
        for size in range(min(MAX_TERM_WORDS, len(tokens) - i), 0, -1):
            group = terms.get(tokens[i : i + size])
            if group is not None:
                found.setdefault(group, " ".join(tokens[i : i + size]))
                i += size
                break
        else:
            i += 1
    return found


_TERM_WORDS = sorted({word for term in lexicon().terms for word in term})


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from([*_TERM_WORDS[:40], "the", "elderly", "people", "of", "color", "African"])
        | st.sampled_from(["-", "'", "_", "é", "K", "İ", ". ", "  ", "x1", "a_b"]),
        max_size=30,
    ),
    st.sampled_from([" ", "", "-"]),
)
def test_mentions_from_the_shared_words_equal_the_definition(words: list[str], sep: str) -> None:
    """Set look-ups rule texts out, the batch's ``\\w+`` runs stand in for the words on ASCII
    text without ``_``: the groups and terms found are the definition's."""
    text = sep.join(words)
    features = TextFeatures(text)
    expected = _mentions_reference(text)
    assert lexicon().mentions(text) == expected
    assert lexicon().mentions_in(words_given(text, features.lower, features.words)) == expected


def test_a_suite_adds_groups_and_terms() -> None:
    extended = lexicon(("veterans: veteran, veterans", "women: gal"))
    assert extended.mentions("a veteran and a gal") == {"veterans": "veteran", "women": "gal"}
    with pytest.raises(ValueError, match="group: term"):
        lexicon(("no colon here",))


def test_identity_states_merge_to_the_value_of_one_pass() -> None:
    texts = ["muslim women", "jewish men", "nothing", "muslims", "women and men"]
    batch = Batch(list(range(1, 6)), {"text": texts, "label": [1, 0, 0, 1, 1]})
    halves = [batch.take([0, 1]), batch.take([2, 3, 4])]
    for metric in (
        IdentityMentions("text"),
        ByIdentity(ItemLabelSets("label"), "text"),
    ):
        one = metric.compute([batch])
        a, b = (metric.update(metric.start(), half) for half in halves)
        assert metric.finalize(metric.merge(a, b)) == one
        assert metric.finalize(pickle.loads(pickle.dumps(metric.merge(a, b)))) == one
    by_group = ByIdentity(ItemLabelSets("label"), "text").compute([batch])
    assert set(by_group) == {ALL, "Muslims", "women", "Jewish people", "men"}


def gap_results(frame: pd.DataFrame, allowed: tuple[int, ...]) -> list:  # type: ignore[type-arg]
    suite = parse_suite(GAP_SUITE, "gap")
    return validate(frame, suite, codings=Codings(allowed_labels=allowed)).results


def test_chatgpt_over_flags_items_about_muslims_and_jews_on_ghc(paper_data: Path) -> None:
    frame = pd.read_json(paper_data / "task_labels" / "ghc.jsonl", lines=True)
    chatgpt = frame[frame.model == "open_ai_gpt35turbo"].reset_index(drop=True)
    (result,) = gap_results(chatgpt, (0, 1))
    assert result.status == "warning" and result.details["group"] == "Muslims"
    muslims = result.details["groups"]["Muslims"]
    assert muslims["items"] == 62 and muslims["model_rate"] == pytest.approx(0.9194, abs=1e-4)
    assert muslims["human_rate"] == pytest.approx(0.4355, abs=1e-4)
    assert result.details["all_items"]["model_rate"] == pytest.approx(0.349, abs=1e-3)
    assert {"Muslims", "Jewish people"} <= set(result.details["over_flagged_groups"])
    assert result.observed > 0.15  # 26 points beyond the all-items gap, 17.7 at 95%
    assert result.examples[0]["group"] == "Muslims"
    too_small = [g for g, row in result.details["groups"].items() if "status" in row]
    assert "Hindus" in too_small


@pytest.mark.parametrize("dataset, allowed", [("ghc", (0, 1)), ("sbic", (0, 1, 2))])
def test_one_human_annotator_against_the_others_does_not_false_alarm(
    paper_data: Path, dataset: str, allowed: tuple[int, ...]
) -> None:
    rows = [json.loads(line) for line in (paper_data / "task_labels" / f"{dataset}.jsonl").open()]
    items = list({row["item_id"]: row for row in rows}.values())
    for annotator in range(3):
        frame = pd.DataFrame(
            {
                "text": [item["text"] for item in items],
                "model_labels": [[item["human_labels"][annotator]] for item in items],
                "human_labels": [
                    [label for i, label in enumerate(item["human_labels"]) if i != annotator]
                    for item in items
                ],
            }
        )
        (result,) = gap_results(frame, allowed)
        assert result.status == "passed", (annotator, result.observed, result.details["group"])


def test_representation_compares_the_group_furthest_from_the_reference() -> None:
    suite = parse_suite(
        "suite: r\nexpectations:\n  - expect: identity_representation\n"
        "    compare: {statistic: cohens_h, max: 0.2}\n",
        "r",
    )
    data = pd.DataFrame({"text": ["muslims pray"] * 40 + ["a day"] * 60})
    human = pd.DataFrame({"text": ["muslims pray"] * 10 + ["women talk"] * 30 + ["a day"] * 60})
    (result,) = validate(data, suite, reference=human).results
    assert result.status == "failed" and result.details["group"] == "women"  # |h| 1.16
    assert result.observed == 0 and result.reference == pytest.approx(0.3)
    assert result.details["groups"]["Muslims"]["share"] == pytest.approx(0.4)
    alone = validate(data, suite).results[0]
    assert alone.status == "skipped" and "needs a reference" in (alone.reason or "")


def test_two_halves_of_human_posts_are_represented_alike(paper_data: Path) -> None:
    rows = [json.loads(line) for line in (paper_data / "task_labels" / "sbic.jsonl").open()]
    texts = list({row["item_id"]: row["text"] for row in rows}.values())
    suite = parse_suite(
        "suite: r\nexpectations:\n  - expect: identity_representation\n"
        "    compare: {statistic: cohens_h, max: 0.2, alpha: 0.01}\n",
        "r",
    )
    first, second = (pd.DataFrame({"text": texts[i::2]}) for i in (0, 1))
    (result,) = validate(first, suite, reference=second).results
    assert result.status == "passed" and abs(result.comparison["value"]) < 0.2
