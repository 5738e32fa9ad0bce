"""Every row check is a pandera check; the record schemas of checks/ load and validate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pytest

import synthgate.pandera
from synthgate import SynthgateError
from synthgate.metrics.flags import ROW_CHECKS

CLEAN_TEXT = "The cat sat on the mat, and then it slept until the evening came."
PROSE = " ".join(f"word{i}" for i in range(80)) + "."


def turns(*texts: str, speakers: tuple[str, str] = ("user", "assistant")) -> list[dict[str, str]]:
    return [{"speaker": speakers[i % 2], "text": t} for i, t in enumerate(texts)]


# check name -> (column, parameters, a fine value, a value the check flags)
EXAMPLES: dict[str, tuple[str, dict[str, Any], Any, Any]] = {
    "boilerplate": ("text", {}, CLEAN_TEXT, "As an AI language model, I cannot do that."),
    "placeholder": ("output", {}, CLEAN_TEXT, "<noinput>"),
    "truncation": ("output", {}, CLEAN_TEXT, "This answer stops right in the middle of the"),
    "gopher_repetition": ("text", {}, PROSE, "buy now " * 60),
    "role_flip": (
        "turns",
        {},
        turns("Instruction: list colors", "Solution: red, blue"),
        turns("Instruction: list colors", "Instruction: now you list them"),
    ),
    "interruption": (
        "turns",
        {},
        turns("Instruction: list colors", "Solution: red, blue"),
        turns("Instruction: list colors", "Sure, red and blue."),
    ),
    "repeated_turn": (
        "turns",
        {},
        turns("Where shall we eat tonight?", "The Italian place on the corner."),
        turns("Where shall we eat tonight?", "Where shall we eat tonight?"),
    ),
    "closing_loop": (
        "turns",
        {},
        turns("Book a table for two.", "Done, see you at eight."),
        turns("Book a table.", "Done.", "Thank you!", "You're welcome!", "Thanks, bye!"),
    ),
    "invalid_label": ("label", {"allowed": [0, 1]}, [0, 1, 1], [0, 7, 1]),
    "invalid_judgement": ("choice", {}, 0, "garbage"),
}
FRAME_EXAMPLES = {  # checks that read several columns: DataFrame checks
    "copy": (
        {"role": "output", "source": "input"},
        {"input": "Translate: good morning", "output": "Bonjour"},
        {"input": "Repeat after me: hello there", "output": "Repeat after me: hello there"},
    ),
}


MODEL_CHECKS = {"toxicity"}
"""Checks that need model weights: tested with a tiny checkpoint in test_toxicity.py."""


def test_every_row_check_has_an_example_here() -> None:
    assert set(EXAMPLES) | set(FRAME_EXAMPLES) | MODEL_CHECKS == set(ROW_CHECKS), (
        "a row check was added or removed: give it a fine and a flagged example here"
    )


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_lazy_validation_returns_the_flagged_rows_as_failure_cases(name: str) -> None:
    column, params, fine, flagged = EXAMPLES[name]
    check = getattr(pa.Check, f"synthgate_{name}")(**params)
    schema = pa.DataFrameSchema({column: pa.Column(checks=check)})
    schema.validate(pd.DataFrame({column: [fine, fine]}))
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        schema.validate(pd.DataFrame({column: [fine, flagged, fine]}), lazy=True)
    cases = caught.value.failure_cases
    assert cases["index"].tolist() == [1]
    assert cases["check"].tolist() == [
        f"synthgate_{name}" + (f"({_stats(params)})" if params else "")
    ]


def _stats(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


@pytest.mark.parametrize("name", sorted(FRAME_EXAMPLES))
def test_checks_of_several_columns_are_dataframe_checks(name: str) -> None:
    params, fine, flagged = FRAME_EXAMPLES[name]
    schema = pa.DataFrameSchema(checks=getattr(pa.Check, f"synthgate_{name}")(**params))
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        schema.validate(pd.DataFrame([fine, flagged, fine]), lazy=True)
    assert set(caught.value.failure_cases["index"]) == {1}
    with pytest.raises(pa.errors.SchemaError, match="use it as a DataFrame check"):
        pa.DataFrameSchema({"output": pa.Column(checks=pa.Check.synthgate_copy())}).validate(
            pd.DataFrame([fine])
        )


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_polars_frames_are_checked_through_panderas_polars_backend(name: str) -> None:
    pl = pytest.importorskip("polars")
    pap = pytest.importorskip("pandera.polars")
    column, params, fine, flagged = EXAMPLES[name]
    check = getattr(pap.Check, f"synthgate_{name}")(**params)
    schema = pap.DataFrameSchema({column: pap.Column(checks=check)})
    values = [fine, flagged, fine]
    frame = pl.DataFrame({column: values}, strict=False)
    with pytest.raises(pap.errors.SchemaErrors) as caught:
        schema.validate(frame, lazy=True)
    assert caught.value.failure_cases["index"].to_list() == [1]


def test_a_value_that_does_not_fit_its_role_fails() -> None:
    schema = pa.DataFrameSchema(
        {
            "output": pa.Column(checks=[pa.Check.synthgate_role(role="output")]),
            "turns": pa.Column(checks=pa.Check.synthgate_role(role="turns")),
        }
    )
    frame = pd.DataFrame(
        {
            "output": ["fine", 5, "  ", "fine"],
            "turns": [turns("a", "b"), [{"who": "x"}], "Alice: hi\nBob: hello", []],
        }
    )
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        schema.validate(frame, lazy=True)
    cases = caught.value.failure_cases
    assert sorted(cases[cases["column"] == "output"]["index"]) == [1, 2]
    assert sorted(cases[cases["column"] == "turns"]["index"]) == [1, 3]


def read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, keep_default_na=False)
    return pd.DataFrame([json.loads(line) for line in path.read_text().splitlines()])


HUMAN_DATA = [
    ("instructions", "instructions/self_instruct_seed_human.jsonl", {}),
    ("dialogues", "dialogues/sgd_dev_human.jsonl", {}),
    ("free_text", "free_text/self_instruct_eval_text-davinci-003.jsonl", {"human_text": "text"}),
    ("preferences", "preferences/p2c_subjective_pref_preferences.csv", {}),
    ("task_labels", "task_labels/ghc.jsonl", {"human_labels": "label"}),
]


@pytest.mark.parametrize(("data_type", "name", "rename"), HUMAN_DATA)
def test_record_schemas_accept_human_data(
    paper_data: Path, data_type: str, name: str, rename: dict[str, str]
) -> None:
    frame = read(paper_data / name).rename(columns=rename)
    synthgate.pandera.schema(data_type).validate(frame, lazy=True)


def test_record_schemas_find_the_empty_outputs_of_alpaca(paper_data: Path) -> None:
    frame = read(paper_data / "instructions" / "alpaca_5000_llm.jsonl")
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        synthgate.pandera.schema("instructions").validate(frame, lazy=True)
    cases = caught.value.failure_cases
    assert cases["index"].tolist() == [2335, 4658]
    assert (frame["output"][cases["index"]].str.strip() == "").all()


def test_record_schemas_report_broken_records() -> None:
    frame = pd.DataFrame(
        {"instruction": ["Do x", " ", "Do y"], "input": ["", "", 3], "output": ["ok", "ok", None]}
    )
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        synthgate.pandera.schema("instructions").validate(frame, lazy=True)
    cases = caught.value.failure_cases
    assert sorted(zip(cases["column"], cases["index"], strict=True)) == [
        ("input", 2),
        ("instruction", 1),
        ("output", 2),
    ]
    labels = pd.DataFrame({"label": [[0, 1], [1, None], 7]})
    schema = synthgate.pandera.load_schema(
        "columns:\n  label:\n    synthgate_invalid_label: {allowed: [0, 1]}\n"
    )
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        schema.validate(labels, lazy=True)
    assert caught.value.failure_cases["index"].tolist() == [1, 2]


def test_a_misspelt_check_in_a_schema_file_is_an_error() -> None:
    with pytest.raises(SynthgateError, match="unknown check 'synthgate_boilerplat'"):
        synthgate.pandera.load_schema("columns:\n  text:\n    synthgate_boilerplat: {}\n")
    with pytest.raises(SynthgateError, match="schemas are: dialogues, free_text"):
        synthgate.pandera.schema("nope")
