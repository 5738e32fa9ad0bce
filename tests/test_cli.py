"""The command line: exit codes, one-line errors, JSON result against its schema, reports."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from synthgate import Codings, load_suite, validate
from synthgate.cli import main
from synthgate.report.format import measures

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SAMPLE = EXAMPLES / "instructions_llm.jsonl"
HUMAN = EXAMPLES / "instructions_human.jsonl"


def schema() -> dict:
    return json.loads((resources.files("synthgate") / "schemas" / "result.schema.json").read_text())


def test_failing_data_exits_1_and_writes_json_that_matches_the_schema(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code = main(
        [
            "validate",
            str(SAMPLE),
            "--suite",
            "instructions",
            "--reference",
            str(HUMAN),
            "--json",
            str(out),
        ]
    )
    assert code == 1
    result = json.loads(out.read_text())
    jsonschema.validate(result, schema())
    assert result["success"] is False
    assert result["statistics"]["failed"] >= 1
    assert result["reference"]["rows_validated"] == 30


def test_unreadable_rows_are_in_the_result_with_line_numbers(tmp_path: Path) -> None:
    lines = [json.dumps({"instruction": f"Do task {i}.", "output": "Done."}) for i in range(10)]
    lines.insert(4, json.dumps({"instruction": 42, "output": "a number where text belongs"}))
    lines.append('{"instruction": "Cut off", "outp')
    data = tmp_path / "d.jsonl"
    data.write_text("\n".join(lines))
    result = validate(data, "instructions").to_dict()
    jsonschema.validate(result, schema())
    assert [u["row"] for u in result["dataset"]["unreadable"]] == [5, 12]
    assert result["dataset"]["rows_read"] == 12
    assert result["dataset"]["rows_validated"] == 10


def test_passing_data_exits_0(tmp_path: Path) -> None:
    assert main(["validate", str(HUMAN), "--suite", "instructions", "--quiet"]) == 0


def test_failed_results_name_example_rows() -> None:
    result = validate(SAMPLE, "instructions")
    failed = [r for r in result.results if r.status == "failed"]
    assert failed and all(r.examples for r in failed)
    duplicates = next(r for r in failed if r.id == "duplicate_rate[instruction]")
    rows = duplicates.examples[0]["rows"]
    texts = [
        json.loads(line)["instruction"]
        for i, line in enumerate(SAMPLE.read_text().splitlines(), 1)
        if i in rows
    ]
    assert len(set(t.lower() for t in texts)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "missing.jsonl", "--suite", "instructions"], "no such file"),
        (["validate", str(SAMPLE), "--suite", "nope"], "unknown suite 'nope'"),
        (
            ["validate", str(SAMPLE), "--suite", "instructions", "--map", "output=answer"],
            "no column 'answer'",
        ),
        (
            ["validate", str(SAMPLE), "--suite", "instructions", "--map", "colour=x"],
            "unknown role 'colour'",
        ),
        (
            ["validate", str(SAMPLE), "--suite", "instructions", "--map", "output"],
            "--map expects KEY=VALUE",
        ),
        (
            ["validate", str(SAMPLE), "--suite", "task_labels", "--allowed-labels", ","],
            "at least one label",
        ),
    ],
)
def test_usage_and_input_errors_exit_2_with_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_html_report_shows_verdict_failures_and_examples(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    main(["validate", str(SAMPLE), "--suite", "instructions", "--report", str(out), "--quiet"])
    html = out.read_text()
    assert "FAILED" in html and "duplicate_rate[instruction]" in html
    assert "Generate a list of" in html  # an example row is shown


def test_groups_get_their_own_verdict_beside_the_overall_one(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    rows = [{"m": "a", "y": i % 2} for i in range(50)] + [{"m": "b", "y": 1} for _ in range(50)]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    result = validate(path, "task_labels", mapping={"label": "y", "group": "m"})
    majority = {r.group: r for r in result.results if r.id == "majority_class_share"}
    assert set(majority) == {None, "a", "b"}
    assert majority["a"].status == "passed" and majority["b"].status == "warning"
    assert majority["b"].observed == 1.0


def test_suites_and_expectations_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["suites"]) == 0
    assert "task_labels" in capsys.readouterr().out
    assert main(["expectations"]) == 0
    assert "distinct_n" in capsys.readouterr().out


def test_a_reference_without_a_role_says_why_it_was_not_compared(tmp_path: Path) -> None:
    other = tmp_path / "ref.jsonl"
    other.write_text(
        "".join(json.dumps({"output": f"answer number {i}"}) + "\n" for i in range(30))
    )
    result = validate(SAMPLE, "instructions", reference=other)
    distinct = next(r for r in result.results if r.id == "distinct_n[instruction]")
    assert distinct.comparison is None
    assert "no column for role 'instruction'" in distinct.note
    assert "--reference-map instruction=COLUMN" in distinct.note


def test_a_reference_sharing_no_column_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "ref.jsonl"
    other.write_text('{"prompt": "p", "answer": "a"}\n')
    assert (
        main(["validate", str(SAMPLE), "--suite", "instructions", "--reference", str(other)]) == 2
    )
    assert "the reference has none of the mapped columns" in capsys.readouterr().err


def test_a_run_where_every_expectation_is_skipped_is_not_a_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"instruction": "Do it.", "output": "Done."}\n')
    suite = tmp_path / "s.yml"
    suite.write_text(
        "suite: s\nexpectations:\n  - expect: text_length\n    compare: {statistic: ks, max: 0.2}\n"
    )
    assert main(["validate", str(data), "--suite", str(suite), "--map", "text=output"]) == 2
    captured = capsys.readouterr()
    assert "no expectation of the suite could be evaluated" in captured.err
    assert "NOTHING CHECKED" in captured.out
    assert validate(data, suite, mapping={"text": "output"}).success is False


def test_unreadable_rows_fail_the_run_unless_allowed(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(
        "".join(json.dumps({"text": f"text {i}"}) + "\n" for i in range(10)) + "{broken\n"
    )
    suite = tmp_path / "s.yml"
    suite.write_text(
        "suite: s\nexpectations:\n  - expect: duplicate_rate\n    bounds: {max: 0.5}\n"
    )
    assert main(["validate", str(data), "--suite", str(suite), "--quiet"]) == 1
    assert (
        main(["validate", str(data), "--suite", str(suite), "--quiet", "--max-unreadable", "0.1"])
        == 0
    )
    result = validate(data, suite, max_unreadable=0.1).to_dict()
    assert result["readable"] == {"share": pytest.approx(1 / 11), "max": 0.1, "success": True}


def test_output_piped_into_head_keeps_the_verdict_and_writes_the_files(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "r.json"
    command = [
        sys.executable,
        "-m",
        "synthgate.cli",
        "validate",
        str(SAMPLE),
        "--suite",
        "instructions",
        "--json",
        str(out),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()
    process.wait(timeout=120)
    assert process.returncode == 1
    assert json.loads(out.read_text())["success"] is False
    assert b"Traceback" not in (process.stderr.read() if process.stderr else b"")


def test_long_format_dialogue_columns_are_recognised_without_mapping(tmp_path: Path) -> None:
    rows = [
        {"dialogue_id": d, "speaker": s, "text": t}
        for d in ("a", "b")
        for s, t in (("USER", f"Hello, I need help with {d}."), ("SYSTEM", "Sure, what exactly?"))
    ]
    data = tmp_path / "long.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows))
    result = validate(data, "dialogues")
    assert result.dataset["columns"] == {
        "dialogue_id": "dialogue_id",
        "speaker": "speaker",
        "text": "text",
    }
    assert result.dataset["rows_validated"] == 2  # two dialogues


def test_paired_reference_columns_and_a_reference_file_together_are_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"y": i % 2, "h": i % 2}) + "\n" for i in range(20)))
    args = [
        "validate",
        str(data),
        "--suite",
        "task_labels",
        "--map",
        "label=y",
        "--map",
        "reference_label=h",
    ]
    assert main([*args, "--reference", str(data)]) == 2
    assert "use one of them" in capsys.readouterr().err


def test_a_share_outside_zero_to_one_for_max_unreadable_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", str(SAMPLE), "--suite", "instructions", "--max-unreadable", "2"]) == 2
    assert "between 0 and 1" in capsys.readouterr().err


def test_calibrate_takes_the_codings_of_the_data(tmp_path: Path) -> None:
    data = tmp_path / "votes.jsonl"
    votes = [1, 2, 0, 1, 2, 1, 2, 1, 2, 0] * 4
    data.write_text(
        "".join(json.dumps({"v": v, "output1": "a b", "output2": "c d e"}) + "\n" for v in votes)
    )
    out = tmp_path / "s.yml"
    args = [
        "calibrate",
        str(data),
        "--suite",
        "preferences",
        "--map",
        "choice=v",
        "--out",
        str(out),
        "--replicates",
        "4",
    ]
    assert main([*args, "--choice-codes", "first=1,second=2,tie=0"]) == 0
    invalid = next(e for e in load_suite(out).entries if e.id == "invalid_judgement_rate")
    assert invalid.bounds["max"] is not None and invalid.bounds["max"] < 0.5


def test_choice_codes_that_match_no_value_are_not_measured_and_name_the_values(
    tmp_path: Path,
) -> None:
    data = tmp_path / "votes.jsonl"
    data.write_text("".join(json.dumps({"v": v}) + "\n" for v in ["1", "2", "Tie", "garbage"] * 5))
    codings = Codings(choice_codes={"first": "A", "second": "B", "tie": "T"})
    result = validate(data, "preferences", mapping={"choice": "v"}, codings=codings)
    invalid = next(r for r in result.results if r.id == "invalid_judgement_rate")
    assert invalid.status == "skipped"
    assert "values seen:" in (invalid.reason or "") and "'garbage'" in (invalid.reason or "")


def test_class_shares_without_any_valid_label_are_not_measured(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"y": f"text {i}"}) + "\n" for i in range(10)))
    result = validate(
        data, "task_labels", mapping={"label": "y"}, codings=Codings(allowed_labels=(0, 1))
    )
    majority = next(r for r in result.results if r.id == "majority_class_share")
    assert majority.status == "skipped"


def test_grouping_by_an_id_column_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"y": i % 2, "id": i}) + "\n" for i in range(300)))
    assert (
        main(
            [
                "validate",
                str(data),
                "--suite",
                "task_labels",
                "--map",
                "label=y",
                "--map",
                "group=id",
            ]
        )
        == 2
    )
    assert "more than 200 values" in capsys.readouterr().err


def test_labels_that_look_like_markup_are_printed_not_interpreted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"y": "[/x]"}) + "\n" for _ in range(5)))
    assert main(["validate", str(data), "--suite", "task_labels", "--map", "label=y"]) == 0
    assert "[/x]" in capsys.readouterr().out


def test_distinct_n_on_too_little_text_is_not_measured(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"text": "word"}) + "\n" for _ in range(50)))
    suite = tmp_path / "s.yml"
    suite.write_text(
        "suite: s\nexpectations:\n  - expect: distinct_n\n    bounds: {min: 0.3}\n  - expect: compression_ratio\n    bounds: {max: 4}\n"
    )
    assert [r.status for r in validate(data, suite).results] == ["skipped", "skipped"]


def test_the_report_says_what_each_check_measures_with_its_parameters_and_columns() -> None:
    rows = pd.read_json(SAMPLE, lines=True).rename(columns={"output": "response"})
    results = validate(rows, "instructions", mapping={"output": "response"}).results
    said = {r.id: measures(r) for r in results}
    assert "windows of 5,000 tokens" in said["distinct_n[output]"]
    assert (
        "rows whose response text copies the row's instruction text"
        in said["copy_rate[output<-instruction]"]
    )
    assert "``" not in "".join(said.values())
