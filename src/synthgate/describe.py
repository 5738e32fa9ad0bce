"""One sentence per suite entry: what is measured, on which column, and how it is judged.

"distinct-2 of `output` on a seeded sample of 5,000 texts must be at least 0.5". A sentence is
a ``string.Template`` and its parameters, never a formatted string: column names and values
stay parameters, so an output that escapes parameters (HTML, Great Expectations' Data Docs)
escapes every one of them.
"""

from __future__ import annotations

from typing import Any

from synthgate.expectations import Expectation
from synthgate.report.format import STATISTICS

SUBJECTS: dict[str, str] = {
    "boilerplate_rate": 'the share of `$role` texts holding refusal or "as an AI" boilerplate',
    "class_share_ratio": "the share of the `$role` class whose share differs most from the reference's",
    "closing_loop_rate": "the share of conversations in `$role` that end in $min_turns or more closing turns",
    "compression_ratio": "the gzip compression ratio of $budget bytes of `$role` on a seeded sample of $sample texts",
    "copy_rate": "the share of rows whose `$role` copies their `$source` (similarity at least $threshold)",
    "digression_outcome_gap": "the gap in success (`$outcome_role`) between conversations in `$role` that digress and those that do not (Cohen's h)",
    "digression_rate": "the share of conversations in `$role` with a turn off the task (relevance below $threshold)",
    "distinct_n": "distinct-$n of `$role` on a seeded sample of $sample texts",
    "duplicate_rate": "the share of `$role` values that repeat an earlier row exactly",
    "excess_vocabulary": "how many times more `$role` texts hold an LLM-favoured style word than human word frequencies predict",
    "flip_asymmetry": "the share of `$role` / `$reference_role` disagreements that go the dominant way of their pair of classes",
    "gopher_repetition": "the share of `$role` texts of at least $min_words words that break a Gopher repetition rule",
    "identity_label_gap": "the over-flagging on items whose `$text_role` mentions an identity group (rate of the flagging `$role` label minus that of `$reference_role`, beyond all items), worst group, 95% lower bound",
    "identity_representation": "the share of `$role` texts mentioning the identity group furthest from the reference",
    "identity_toxicity": "the largest gap between the share of `$role` texts mentioning an identity group scoring at least $threshold in $category (detoxify) and the share of all texts, on a seeded sample of $sample texts",
    "interruption_rate": "the share of marked speakers' turns in `$role` holding neither their marker nor $end_token",
    "invalid_judgement_rate": "the share of `$role` judgements that are missing or not a judgement code",
    "invalid_label_rate": "the share of `$role` labels that are missing or not allowed",
    "label_divergence": "the Jensen-Shannon divergence (bits) between the `$role` distribution and the reference's",
    "label_entropy": "the normalized entropy of the `$role` distribution",
    "length_spread": "the standard deviation of log2(tokens) of `$role`",
    "majority_class_share": "the share of the most frequent class of `$role`",
    "majority_match_rate": "the share of items whose majority `$role` set meets the majority `$reference_role` set",
    "minority_match_rate": "the share of items whose minority `$role` set meets the minority `$reference_role` set",
    "near_duplicate_rate": "the share of `$role` values that are near-duplicates (MinHash Jaccard at least $threshold) of another row, probed on $pool rows",
    "ngram_loop_rate": "the mean share of a conversation's word $n-grams in `$role` that already occurred in an earlier turn",
    "opener_concentration": "the chance that two `$role` texts open with the same $words word(s)",
    "order_inconsistency": "the share of pairs whose `$role` verdict changes when shown in swapped order (`$swapped_role`)",
    "placeholder_rate": "the share of `$role` values that are empty or a placeholder",
    "position_bias": "the share of decisive `$role` judgements that choose the first output",
    "readability": "the median $formula of `$role`",
    "readability_spread": "the standard deviation of the $formula of `$role`",
    "reference_agreement": "the $statistic between `$role` and `$reference_role`",
    "repeated_turn_rate": "the share of turns in `$role` that repeat an earlier turn of their conversation",
    "role_flip_rate": "the share of conversations in `$role` in which a speaker takes another's role",
    "smallest_class_share": "the share of the least frequent class of `$role`",
    "speaker_alternation": "the mean share of consecutive turn pairs in `$role` in which the same speaker speaks again",
    "speaker_balance": "the mean share of a conversation's tokens in `$role` written by its most talkative speaker",
    "surface_cue_correlation": "the correlation between the $cue cue and the `$role` judgement",
    "text_length": "the median length of `$role` in $unit",
    "tie_rate": "the share of valid `$role` judgements that are ties",
    "toxic_row_rate": "the share of `$role` rows whose detoxify $category score is at least $threshold",
    "toxicity_mean": "the mean detoxify $category score of `$role` on a seeded sample of $sample texts",
    "toxicity_rate": "the share of `$role` texts whose detoxify $category score is at least $threshold, on a seeded sample of $sample texts",
    "truncation_rate": "the share of non-empty `$role` texts that look cut off",
    "turn_length": "the median length in tokens of a turn in `$role` on a seeded sample of $sample turns",
    "unanimous_item_share": "the share of items whose `$role` labels all agree",
    "verbosity_bias": "the share of decisive `$role` judgements between outputs of unequal length that choose the longer",
}
"""What each expectation measures, with its parameters as ``$name`` (roles name their column)."""

DIRECTION_NOTE = {"higher": " (only a higher value fails)", "lower": " (only a lower value fails)"}


def show(value: Any) -> str:
    """A parameter as a reader sees it: 5,000 rather than 5000."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or (value.is_integer() and abs(value) >= 1000):
        return f"{int(value):,}"
    return f"{value:g}"


def sentence(
    expectation: Expectation,
    columns: dict[str, str],
    bounds: dict[str, float | None],
    compare: dict[str, Any] | None,
) -> tuple[str, dict[str, str]]:
    """The entry as a template and its parameters (every value a string)."""
    params = {
        name: show(columns.get(value, value) if name.endswith("role") else value)
        for name, value in vars(expectation).items()
    }
    subject = SUBJECTS.get(expectation.name) or f"{expectation.name} of `$role`"
    template = subject[0].upper() + subject[1:]
    low, high = bounds.get("min"), bounds.get("max")
    if low is not None and high is not None:
        template += " must be between $min_value and $max_value"
    elif low is not None:
        template += " must be at least $min_value"
    elif high is not None:
        template += " must be at most $max_value"
    params.update({"min_value": show(low), "max_value": show(high)})
    if compare:
        bounded = low is not None or high is not None
        lead = "; with a reference," if bounded else " is compared with a reference:"
        template += f"{lead} $compare_statistic at most $compare_max{DIRECTION_NOTE.get(compare.get('direction', 'both'), '')}"
        params.update(
            {
                "compare_statistic": STATISTICS.get(compare["statistic"], compare["statistic"]),
                "compare_max": show(compare["max"]),
            }
        )
        if compare.get("alpha") is not None:
            template += " unless p ≥ $alpha"
            params["alpha"] = show(compare["alpha"])
    elif low is None and high is None:
        template += " is reported (no bounds)"
    return template + ".", params
