"""Issue 8: an unexpected exception is one line on stderr and exit 2 (never 1, never a traceback)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import rows, write_jsonl


def explode(*args: object, **kwargs: object) -> None:
    raise RuntimeError("something unforeseen")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "d.jsonl", rows(20))


def test_an_unexpected_exception_is_one_line_naming_the_issue_tracker(
    cli, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("synthgate.cli.validate", explode)
    run = cli("validate", data, "--suite", "free_text")
    assert run.one_line_error
    assert "something unforeseen" in run.err and "issue tracker" in run.err and "--debug" in run.err


@pytest.mark.parametrize("argv", [["--debug", "validate"], ["validate", "--debug"]])
def test_debug_shows_the_traceback(
    cli, data: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.setattr("synthgate.cli.validate", explode)
    run = cli(*argv, data, "--suite", "free_text")
    assert run.code == 2 and "Traceback" in run.err and "RuntimeError" in run.err


def test_memory_error_is_exit_2(cli, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_memory(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr("synthgate.cli.validate", no_memory)
    assert cli("validate", data, "--suite", "free_text").one_line_error


def test_sigint_during_start_up_prints_one_line(data: Path) -> None:
    """An interrupt while the libraries are still importing: 'interrupted', exit 130."""
    script = (
        "import sys; from synthgate.__main__ import run; print('ready', flush=True); "
        f"sys.argv = ['synthgate', 'validate', {str(data)!r}, '--suite', 'free_text']; run()"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # not inherited SIG_IGN
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"  # the CLI's imports (about a second) follow
    time.sleep(0.1)  # into them, past the few statements before run() takes over
    os.kill(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert "Traceback" not in err
    assert process.returncode == 130 and err.strip() == "synthgate: interrupted"
