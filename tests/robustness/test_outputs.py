"""Issue 8: outputs never overwrite the data, and are never left half-written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from synthgate import output

from .helpers import rows, write_jsonl


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "d.jsonl", rows(40))


@pytest.mark.parametrize("option", ["--json", "--report"])
@pytest.mark.parametrize(
    "target", ["input", "reference", "symlink to input", "symlink to reference"]
)
def test_an_output_naming_an_input_is_refused(
    cli, tmp_path: Path, data: Path, option: str, target: str
) -> None:
    reference = write_jsonl(tmp_path / "ref.jsonl", rows(30))
    path = reference if "reference" in target else data
    if "symlink" in target:
        link = tmp_path / "link.jsonl"
        link.symlink_to(path)
        path = link
    before = data.read_bytes(), reference.read_bytes()
    run = cli("validate", data, "--suite", "free_text", "--reference", reference, option, path)
    assert run.one_line_error and "overwrite" in run.err
    assert (data.read_bytes(), reference.read_bytes()) == before


def test_calibrate_refuses_to_write_over_its_data(cli, data: Path) -> None:
    before = data.read_bytes()
    run = cli("calibrate", data, "--suite", "free_text", "--out", data)
    assert run.one_line_error and data.read_bytes() == before


def test_an_empty_json_option_is_an_error_not_ignored(cli, data: Path) -> None:
    run = cli("validate", data, "--suite", "free_text", "--json", "")
    assert run.one_line_error and "--json needs a file name" in run.err


def test_json_and_report_on_one_file_are_refused(cli, tmp_path: Path, data: Path) -> None:
    out = tmp_path / "out"
    run = cli("validate", data, "--suite", "free_text", "--json", out, "--report", out)
    assert run.one_line_error


def test_a_failed_write_leaves_the_previous_result_untouched(
    cli, tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk (the write raises midway) must not replace a valid result with a partial one."""
    out = tmp_path / "result.json"
    out.write_text('{"previous": true}')

    real_fdopen = os.fdopen

    def full_disk(fd: int, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)

        def write(text: str) -> int:
            raise OSError(28, "No space left on device")

        handle.write = write  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr(output.os, "fdopen", full_disk)
    run = cli("validate", data, "--suite", "free_text", "--json", out)
    assert run.one_line_error and "No space left" in run.err
    assert json.loads(out.read_text()) == {"previous": True}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_report_failure_writes_no_json_either(
    cli, tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outputs are rendered before any is written: a failing report leaves no JSON behind."""

    def broken(result: object) -> str:
        raise RuntimeError("template exploded")

    monkeypatch.setattr("synthgate.report.html.render_html", broken)
    out = tmp_path / "r.json"
    run = cli(
        "validate", data, "--suite", "free_text", "--json", out, "--report", tmp_path / "r.html"
    )
    assert run.one_line_error and "internal error" in run.err
    assert not out.exists()


def test_outputs_are_written_whole(cli, tmp_path: Path, data: Path) -> None:
    out = tmp_path / "deep" / "r.json"
    run = cli("validate", data, "--suite", "free_text", "--json", out)
    assert run.code in (0, 1)
    assert json.loads(out.read_text())["dataset"]["rows_validated"] == 40
