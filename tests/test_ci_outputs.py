"""Outputs for CI logs and people: one line per expectation without a terminal, the Markdown
summary, GitHub annotations, and the suite inferred from the columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthgate import validate
from synthgate.cli import main
from synthgate.infer import infer_suite
from synthgate.loaders import Dataset
from synthgate.report.summary import github_annotations, markdown, md

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SAMPLE = EXAMPLES / "instructions_llm.jsonl"
HUMAN = EXAMPLES / "instructions_human.jsonl"
LONG_GROUP = "a-generator-model-with-a-rather-long-name-that-would-wrap-in-any-terminal-table-v2"


@pytest.fixture
def grouped(tmp_path: Path) -> Path:
    """Labels from two generators: one balanced, one that gives the same label every time (a
    label that looks like markup and has a newline in it) or none (an invalid label: an error
    without a reference; one label every time is a distribution shape, a warning alone)."""
    rows = [{"m": LONG_GROUP, "y": i % 2} for i in range(60)]
    rows += [
        {"m": "b", "y": "<script>x|y</script>\n::error::fake" if i % 2 else None} for i in range(60)
    ]
    path = tmp_path / "g.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_without_a_terminal_every_expectation_is_one_unwrapped_line(
    grouped: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["validate", str(grouped), "--suite", "task_labels", "--map", "label=y"]
    assert main([*args, "--map", "group=m"]) == 1
    out = capsys.readouterr().out.splitlines()
    result = validate(grouped, "task_labels", mapping={"label": "y", "group": "m"})
    for r in result.results:
        scope = f" (group {r.group})" if r.group is not None else ""
        matching = [
            line for line in out if line.split(":")[0].split() == [r.status, r.id, *scope.split()]
        ]
        assert len(matching) == 1, (r.id, r.group)
        assert matching[0].startswith(r.status)
    assert any(LONG_GROUP in line and len(line) > 120 for line in out)  # not wrapped at 80
    assert out[-1].startswith("FAILED · ")
    assert not any(line.startswith("::error") for line in out)  # data cannot inject commands


def test_quiet_prints_what_failed_and_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["validate", str(SAMPLE), "--suite", "instructions", "--reference", str(HUMAN), "--quiet"]
    )
    assert code == 1
    out = capsys.readouterr().out.splitlines()
    assert not any(line.startswith(("passed", "skipped")) for line in out)
    assert any(
        line.startswith("failed  opener_concentration[instruction]: 45.6% vs") for line in out
    )
    assert len(out) < 30


def test_markdown_summary_has_the_verdict_failures_and_a_column_per_group(
    grouped: Path, tmp_path: Path
) -> None:
    out = tmp_path / "summary.md"
    args = ["validate", str(grouped), "--suite", "task_labels", "--map", "label=y"]
    assert main([*args, "--map", "group=m", "--summary", str(out), "--quiet"]) == 1
    text = out.read_text()
    assert text.startswith("## synthgate: ❌ FAILED")
    assert "### What failed" in text and "invalid\\_label\\_rate" in text
    header = next(line for line in text.splitlines() if line.startswith("| expectation"))
    assert header.split(" | ")[1:3] == ["all", LONG_GROUP.replace("_", "\\_")]
    assert "<script>" not in text and "&lt;script&gt;" in text  # data is inert in Markdown
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert all(line.count(" | ") == header.count(" | ") for line in table if "\\|" not in line)
    main([*args, "--summary", str(out), "--quiet"])  # a second step appends, as GitHub expects
    assert out.read_text().count("## synthgate:") == 2


def test_github_actions_get_one_error_annotation_per_failed_expectation(
    grouped: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    args = ["validate", str(grouped), "--suite", "task_labels", "--map", "label=y"]
    main([*args, "--map", "group=m", "--quiet"])
    lines = capsys.readouterr().out.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    result = validate(grouped, "task_labels", mapping={"label": "y", "group": "m"})
    assert len(errors) == len(result.failures()) > 0
    assert all(f"file={grouped}".replace(":", "%3A") in line for line in errors)
    assert not any(line.startswith("::error::fake") for line in lines)  # no command from data
    assert github_annotations(result) == [line for line in lines if line.startswith("::")]


def test_markdown_of_a_passing_run_lists_every_expectation() -> None:
    result = validate(HUMAN, "instructions")
    text = markdown(result)
    assert "✅ PASSED" in text and "### What failed" not in text
    assert all(f"| {md(r.id)} |" in text for r in result.results)


SHARED_TYPES = [
    (
        "task_labels/ghc.jsonl",
        "task_labels",
        {"label": "model_labels", "reference_label": "human_labels"},
    ),
    ("preferences/p2c_generative_pref_preferences.csv", "preferences", {"choice": "target"}),
    (
        "preferences/pandalm_test_human_vs_gpt35.jsonl",
        "preferences",
        {"choice": "llm_judgement", "reference_choice": "human_votes"},
    ),
    (
        "instructions/alpaca_5000_llm.jsonl",
        "instructions",
        {"instruction": "instruction", "output": "output", "input": "input"},
    ),
    ("dialogues/botbots_restaurants_llm.jsonl", "dialogues", {"turns": "turns"}),
    (
        "simulations/spp_logic_grid_gpt4.jsonl",
        "dialogues",
        {"turns": "transcript", "outcome": "task_solved"},
    ),
    (
        "free_text/self_instruct_eval_text-davinci-003.jsonl",
        "free_text",
        {"text": "llm_text", "reference_text": "human_text"},
    ),
]


@pytest.mark.parametrize(("path", "suite", "roles"), SHARED_TYPES)
def test_the_suite_is_inferred_from_the_columns_of_each_data_type(
    paper_data: Path, path: str, suite: str, roles: dict[str, str]
) -> None:
    inference = infer_suite(Dataset(paper_data / path).columns)
    assert inference.suite == suite
    assert roles.items() <= inference.mapping.items()


def test_validate_without_suite_says_what_it_chose_and_how_to_override(
    paper_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = paper_data / "free_text" / "self_instruct_eval_text-davinci-003.jsonl"
    assert main(["validate", str(path), "--quiet"]) in (0, 1)
    err = capsys.readouterr().err
    assert "inferred suite free_text" in err and "text=llm_text" in err
    assert "override with --suite" in err


def test_long_format_dialogues_are_inferred(tmp_path: Path) -> None:
    assert infer_suite(["dialogue_id", "speaker", "text"]).suite == "dialogues"


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (["instruction", "output", "label"], "--suite instructions"),
        (["id", "score"], "cannot tell which data this is"),
    ],
)
def test_ambiguous_or_unknown_data_is_an_input_error_listing_the_candidates(
    tmp_path: Path, columns: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps(dict.fromkeys(columns, "x")) + "\n")
    assert main(["validate", str(data)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    if "several" in err:
        assert "--suite task_labels (label=label)" in err
