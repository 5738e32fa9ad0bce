"""The pytest plugin, as a team uses it: a test project written here and run by pytest."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from synthgate import load_suite

pytest_plugins = ["pytester"]


@pytest.fixture
def instruction_sets(paper_data: Path) -> tuple[Path, Path]:
    folder = paper_data / "instructions"
    return folder / "self_instruct_seed_human.jsonl", folder / "alpaca_5000_llm.jsonl"


def test_fixture_passes_on_human_data_and_fails_on_llm_data_with_a_readable_message(
    pytester: pytest.Pytester, instruction_sets: tuple[Path, Path]
) -> None:
    human, llm = instruction_sets
    pytester.makepyfile(
        f"""
        def test_human(synthgate):
            result = synthgate.assert_suite({str(human)!r}, suite="instructions")
            assert result.success

        def test_llm(synthgate):
            synthgate.assert_suite({str(llm)!r}, suite="instructions")
        """
    )
    run = pytester.runpytest("-p", "no:cacheprovider")
    run.assert_outcomes(passed=1, failed=1)
    output = run.stdout.str()
    # each failed expectation: its observed value, its bounds and its first rows
    assert (
        "FAILED placeholder_rate[input]: observed 3.24% (95% CI 2.54% to 4.13%), judged by ≤ 1%"
        in (output)
    )
    assert "row 25: '<No Input>'" in output
    assert "Traceback" not in output and "def assert_suite" not in output


def test_option_collects_one_test_per_expectation_and_writes_junit_xml(
    pytester: pytest.Pytester, instruction_sets: tuple[Path, Path]
) -> None:
    human, llm = instruction_sets
    report = pytester.path / "junit.xml"
    run = pytester.runpytest(
        "-p",
        "no:cacheprovider",
        "-rs",
        "--synthgate",
        f"{human}::instructions",
        "--synthgate",
        f"{llm}::instructions",
        f"--junitxml={report}",
    )
    ids = [entry.id for entry in load_suite("instructions").entries]
    cases: dict[str, dict[str, str]] = {}  # file -> test name -> outcome
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome = next((child.tag for child in case), "passed")
        cases.setdefault(case.get("classname", ""), {})[case.get("name", "")] = outcome
    assert len(cases) == 2
    for name, tests in cases.items():
        assert list(tests) == [*ids, "unreadable_rows"]  # one test per expectation
        failed = {test for test, outcome in tests.items() if outcome == "failure"}
        if name.endswith("alpaca_5000_llm.jsonl.instructions"):
            assert "placeholder_rate[input]" in failed
            assert "opener_concentration[output]" not in failed  # a shape: warns alone
        else:
            assert not failed
        assert tests["text_length[output]"] == "skipped"
    outcomes = run.parseoutcomes()
    assert outcomes["failed"] >= 1 and outcomes["skipped"] == 4  # text_length, readability
    assert "no bounds: this entry is judged only against a reference" in run.stdout.str()


def test_groups_are_tests_of_their_own(pytester: pytest.Pytester) -> None:
    data = pytester.path / "labels.jsonl"
    rows = [{"label": i % 2, "model": m} for m in ("a", "b") for i in range(40)]
    data.write_text("".join(f'{{"label": {r["label"]}, "model": "{r["model"]}"}}\n' for r in rows))
    run = pytester.runpytest(
        "-p", "no:cacheprovider", "--collect-only", "-q", "--synthgate",
        f"{data}::task_labels", "--synthgate-map", "group=model",
    )  # fmt: skip
    ids = [line for line in run.outlines if "::task_labels::" in line]
    assert any(i.endswith("majority_class_share[a]") for i in ids)
    assert any(i.endswith("majority_class_share[b]") for i in ids)


def test_bad_input_is_a_collection_error_in_one_line(pytester: pytest.Pytester) -> None:
    run = pytester.runpytest("-p", "no:cacheprovider", "--synthgate", "missing.jsonl::instructions")
    assert run.ret == pytest.ExitCode.INTERRUPTED
    run.stdout.fnmatch_lines(["synthgate: missing.jsonl: no such file or directory"])
    assert "Traceback" not in run.stdout.str()


def test_the_plugin_does_not_load_the_engine_until_used() -> None:
    code = (
        "import sys, synthgate.pytest_plugin; "
        "print(sorted(m for m in sys.modules if m.startswith(('synthgate.', 'pyarrow', 'pandas'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert loaded.strip() == "['synthgate.pytest_plugin']"
