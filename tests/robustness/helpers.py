"""Helpers for the robustness tests: run the CLI in-process and write small datasets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from synthgate.cli import main

TEXTS = [
    "The committee met on Tuesday to review the budget for next year.",
    "Rain fell over the valley while the farmers waited for the harvest.",
    "She fixed the bicycle chain with a borrowed wrench and some oil.",
    "A small bakery on the corner sells bread before sunrise every day.",
    "The museum opened a new wing devoted to maritime history last spring.",
    "Children built a snow fort in the park after the first winter storm.",
]


def rows(count: int = 60) -> list[dict[str, Any]]:
    """Free-text rows that every suite reads (``text``, a ``label`` and a ``group``)."""
    return [
        {"text": f"{TEXTS[i % len(TEXTS)]} Note {i}.", "label": i % 2, "group": "ab"[i % 2]}
        for i in range(count)
    ]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


class Run:
    """The result of one in-process CLI run."""

    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    @property
    def one_line_error(self) -> bool:
        return (
            self.code == 2
            and len(self.err.strip().splitlines()) == 1
            and "Traceback" not in self.err
        )


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """``cli("validate", path, ...)`` runs ``synthgate`` in-process and returns a ``Run``."""

    def run(*argv: Any) -> Run:
        capsys.readouterr()  # what the test printed before (e.g. a library's progress bar)
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
