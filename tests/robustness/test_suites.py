"""Issue 8: suite files a careless or hostile user may write end as one line and exit 2.

Every value below once raised a traceback (exit 1), hung, or exhausted memory.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from synthgate.errors import SuiteError
from synthgate.expectations import REGISTRY
from synthgate.suite import PARAMETER_RANGES, load_suite, parse_suite

from .helpers import rows, write_jsonl

ENTRY_CASES = {
    "budget -5": "- expect: distinct_n\n  params: {budget: -5}\n  bounds: {min: 0.1}",
    "seed -1": "- expect: distinct_n\n  params: {seed: -1}\n  bounds: {min: 0.1}",
    "seed 1e23": "- expect: distinct_n\n  params: {seed: 1.0e+23}\n  bounds: {min: 0.1}",
    "threshold 5.0": "- expect: near_duplicate_rate\n  params: {threshold: 5.0}\n  bounds: {max: 0.1}",
    "unit lightyears": "- expect: text_length\n  params: {unit: lightyears}\n  bounds: {min: 1}",
    "statistic a mapping": "- expect: text_length\n  compare: {statistic: {a: 1}, max: 1}",
    "direction a mapping": "- expect: text_length\n  compare: {statistic: ks, max: 1, direction: {a: 1}}",
    "expect a list": "- expect: [a]",
    "bounds max true": "- expect: text_length\n  bounds: {max: true}",
    "bounds max nan": "- expect: text_length\n  bounds: {max: .nan}",
    "num_perm 1e8": "- expect: near_duplicate_rate\n  params: {num_perm: 100000000}\n  bounds: {max: 0.1}",
    "replicates 1e9": "- expect: length_spread\n  params: {replicates: 1000000000}\n  bounds: {min: 1}",
    "id a mapping": "- expect: text_length\n  id: {a: 1}\n  bounds: {min: 1}",
    "a 5000-digit integer": "- expect: text_length\n  bounds: {min: " + "9" * 5000 + "}",
    "a backtracking regex": '- expect: boilerplate_rate\n  params: {extra_patterns: ["(a)\\\\1"]}',
}


def suite_text(entries: str, header: str = "required: [text]") -> str:
    body = "\n".join("  " + line for line in entries.splitlines())
    return f"suite: s\n{header}\nexpectations:\n{body}\n"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "d.jsonl", rows(40))


@pytest.mark.parametrize("case", sorted(ENTRY_CASES))
def test_a_bad_suite_value_is_one_line_and_exit_2(
    cli, tmp_path: Path, data: Path, case: str
) -> None:
    suite = tmp_path / "s.yml"
    suite.write_text(suite_text(ENTRY_CASES[case]))
    run = cli("validate", data, "--suite", suite)
    assert run.one_line_error, (run.code, run.err)
    assert str(suite) in run.err


@pytest.mark.parametrize(
    "header",
    ["required: [{a: 1}]", "required: [nonsense]", "columns: {text: [a]}", "suite: {a: 1}"],
)
def test_a_bad_suite_header_is_one_line_and_exit_2(
    cli, tmp_path: Path, data: Path, header: str
) -> None:
    suite = tmp_path / "s.yml"
    suite.write_text(suite_text("- expect: text_length\n  bounds: {min: 1}", header))
    run = cli("validate", data, "--suite", suite)
    assert run.one_line_error, (run.code, run.err)


def test_required_as_one_role_is_that_role_not_its_letters() -> None:
    suite = parse_suite(
        suite_text("- expect: text_length\n  bounds: {min: 1}", "required: text"), "s"
    )
    assert suite.required == ("text",)


def test_a_suite_that_is_not_utf8_is_one_line(cli, tmp_path: Path, data: Path) -> None:
    suite = tmp_path / "s.yml"
    suite.write_bytes(suite_text("- expect: text_length\n  bounds: {min: 1}").encode("utf-16"))
    run = cli("validate", data, "--suite", suite)
    assert run.one_line_error and "UTF-8" in run.err


def test_20k_deep_yaml_is_one_line(cli, tmp_path: Path, data: Path) -> None:
    suite = tmp_path / "s.yml"
    suite.write_text("expectations: " + "[" * 20_000 + "]" * 20_000 + "\n")
    run = cli("validate", data, "--suite", suite)
    assert run.one_line_error and "nested" in run.err


def test_a_yaml_alias_bomb_is_refused_before_it_expands() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    bomb = "\n".join(levels) + "\nexpectations: [*a8]\n"
    start = time.perf_counter()
    with pytest.raises(SuiteError, match="aliases are expanded"):
        parse_suite(bomb, "bomb.yml")
    assert time.perf_counter() - start < 2


def test_user_regexes_run_in_linear_time(tmp_path: Path) -> None:
    """``(a+)+$`` backtracks exponentially in Python's re; RE2 matches it in linear time."""
    from synthgate import validate

    data = write_jsonl(tmp_path / "d.jsonl", [{"text": "a" * 5000 + "!"} for _ in range(20)])
    suite = tmp_path / "s.yml"
    suite.write_text(
        suite_text(
            '- expect: boilerplate_rate\n  params: {extra_patterns: ["(a+)+$"]}\n  bounds: {max: 0.5}'
        )
    )
    start = time.perf_counter()
    result = validate(data, str(suite))
    assert time.perf_counter() - start < 10
    assert result.results[0].observed == 0.0


def test_every_numeric_parameter_has_a_declared_range() -> None:
    for name, cls in REGISTRY.items():
        for field in dataclasses.fields(cls):
            if isinstance(field.default, (int, float)) and not isinstance(field.default, bool):
                assert field.name in PARAMETER_RANGES, f"{name}.{field.name} has no range"
                low, high = PARAMETER_RANGES[field.name]
                assert low <= field.default <= high, f"{name}.{field.name} default out of range"


def test_builtin_suites_still_load() -> None:
    for name in ("task_labels", "preferences", "instructions", "dialogues", "free_text"):
        assert load_suite(name).entries
