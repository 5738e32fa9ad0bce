"""Row checks and the row-level pass: per-row flags add up to the aggregate rates."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from synthgate import validate
from synthgate.expectations import REGISTRY, Context
from synthgate.metrics.flags import ROW_CHECKS, FlaggedRows, RowCheck
from synthgate.metrics.labels import InvalidLabelCheck
from synthgate.metrics.preferences import InvalidJudgementCheck
from synthgate.roles import Codings
from synthgate.rowpass import check_rows, suite_checks
from synthgate.suite import load_suite


def test_registry_lists_every_check_with_name_unit_and_roles() -> None:
    assert {
        "boilerplate",
        "placeholder",
        "copy",
        "truncation",
        "gopher_repetition",
        "role_flip",
        "interruption",
        "repeated_turn",
        "closing_loop",
        "invalid_label",
        "invalid_judgement",
    } <= set(ROW_CHECKS)
    for name, cls in ROW_CHECKS.items():
        check: RowCheck = cls()  # every parameter has a default
        assert check.name == name and check.roles and cls.unit
        assert (cls.__doc__ or "").strip()


def test_every_row_check_backs_an_expectation() -> None:
    used = {check.name for cls in REGISTRY.values() for check in cls().row_checks(Context())}
    assert used == set(ROW_CHECKS)


def test_a_check_answers_for_one_value() -> None:
    boilerplate = ROW_CHECKS["boilerplate"]()
    assert boilerplate.check("Paris is the capital of France.") == []
    [flag] = boilerplate.check("As an AI language model, I cannot browse the web.")
    assert flag.reason == "ai self-reference" and "AI language model" in flag.excerpt
    [missing, unknown] = InvalidLabelCheck("label", (0, 1)).check([None, 1, 7])
    assert (missing.unit, unknown.unit) == (0, 2)
    codes = Codings(choice_codes={"first": 1, "second": 2, "tie": "Tie"})
    assert InvalidJudgementCheck("choice", codes).check("Tie") == []
    assert InvalidJudgementCheck("choice", codes).check("garbage")[0].reason == (
        "not a judgement code"
    )


def test_repeated_turns_flag_each_repeating_turn() -> None:
    turns = [("A", "hello there my friend"), ("B", "hi"), ("A", "Hello there  my friend")]
    checked, flags = ROW_CHECKS["repeated_turn"]().inspect(turns)
    assert checked == 3 and [f.unit for f in flags] == [2]


def test_rates_built_on_flagged_rows_expose_their_checks() -> None:
    for cls in REGISTRY.values():
        expectation = cls()
        flagged = [m.check for m in expectation.metrics().values() if isinstance(m, FlaggedRows)]
        assert all(check in expectation.row_checks(Context()) for check in flagged)
    assert {c.check.name for c in suite_checks(load_suite("instructions"))} == {
        "placeholder",
        "copy",
        "truncation",
        "boilerplate",
        "gopher_repetition",
    }


def test_row_pass_over_alpaca_adds_up_to_the_aggregate_rates(paper_data: Path) -> None:
    path = paper_data / "instructions/alpaca_5000_llm.jsonl"
    rows = list(check_rows(path, "instructions"))
    assert len(rows) == 5000 and len({r.line for r in rows}) == 5000
    assert [r.id for r in rows[:3]] == [0, 1, 2] and rows[0].line == 1
    counts: Counter[str] = Counter(flag.entry for r in rows for flag in r.flags)
    run = validate(path, "instructions")
    flagged = {
        r.id: r.details["flagged"]
        for r in run.results
        if "flagged" in r.details and r.group is None
    }
    assert len(flagged) == 8  # three placeholder, two copy, truncation, boilerplate, gopher
    assert {entry: counts[entry] for entry in flagged} == flagged
    assert sum(flagged.values()) > 0  # the LLM set shows the artifacts
    assert any(r.clean for r in rows) and any(r.failed for r in rows)
    json.dumps([f.__dict__ for r in rows[:50] for f in r.flags])  # plain values


CASES = [
    ("dialogues/botbots_restaurants_llm.jsonl", "dialogues", {}, None),
    ("simulations/spp_logic_grid_gpt4.jsonl", "dialogues", {"turns": "transcript"}, None),
    (
        "task_labels/ghc.jsonl",
        "task_labels",
        {"label": "model_labels"},
        Codings(allowed_labels=(0, 1)),
    ),
    (
        "preferences/pandalm_test_human_vs_gpt35.jsonl",
        "preferences",
        {"choice": "llm_judgement"},
        Codings(choice_codes=Codings.parse_choice_codes("first=1,second=2,tie=Tie")),
    ),
    (
        "free_text/self_instruct_eval_text-davinci-003.jsonl",
        "free_text",
        {"text": "llm_text"},
        None,
    ),
]


@pytest.mark.parametrize(("file", "suite", "mapping", "codings"), CASES)
def test_row_flags_add_up_to_every_rate_on_real_data(
    paper_data: Path, file: str, suite: str, mapping: dict[str, str], codings: Codings | None
) -> None:
    path = paper_data / file
    checks = {c.entry for c in suite_checks(load_suite(suite))}
    counts: Counter[str] = Counter()
    for verdict in check_rows(path, suite, mapping=mapping, codings=codings):
        counts.update(flag.entry for flag in verdict.flags)
    run = validate(path, suite, mapping=mapping, codings=codings)
    rates = {
        r.id: round((r.observed or 0) * (r.sample_size or 0))
        for r in run.results
        if r.id in checks and r.group is None and r.observed is not None
    }
    assert rates, "no rate built on a row check was measured"
    assert {entry: counts[entry] for entry in rates} == rates
