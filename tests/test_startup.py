"""Start-up stays light (issue 14): the command line imports heavy libraries only where used.

scipy (comparisons' p-values; scipy.stats only against a reference), pandas (pandera), torch
(detoxify), Great Expectations, matplotlib (charts), datasketch (near-duplicates), textstat and
wordfreq each load on first use, so ``synthgate suites`` or a small run does not pay for them. datasketch and wordfreq are not
imported at all: synthgate computes their MinHash permutations, LSH bands and word frequencies
(tests check them equal). Checked in a fresh interpreter (``sys.modules``), never by timing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "scipy",
    "scipy.stats",
    "pandas",
    "torch",
    "great_expectations",
    "matplotlib",
    "datasketch",
    "detoxify",
    "textstat",
    "nltk",
    "wordfreq",
)


def loaded_after(code: str) -> list[str]:
    """The libraries of ``HEAVY`` that a fresh interpreter holds after running ``code``."""
    script = f"{code}\nimport sys\nprint(*(m for m in {HEAVY!r} if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return run.stdout.split()


@pytest.mark.parametrize(
    "code",
    [
        "import synthgate.cli",
        "import synthgate.cli, contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert synthgate.cli.main(['suites']) == 0",
    ],
    ids=["import", "suites"],
)
def test_the_command_line_starts_without_heavy_libraries(code: str) -> None:
    assert loaded_after(code) == []


RUNS: dict[str, tuple[str, list[str], list[str]]] = {
    "instructions": ("instructions/self_instruct_seed_human.jsonl", [], ["textstat"]),
    "free_text": (
        "free_text/self_instruct_eval_text-davinci-003.jsonl",
        ["--map", "text=human_text"],
        ["textstat"],
    ),
    "task_labels": (
        "task_labels/ghc.jsonl",
        ["--map", "label=human_labels", "--allowed-labels", "0,1"],
        [],
    ),
    "preferences": (
        "preferences/p2c_subjective_pref_preferences.csv",
        ["--choice-codes", "first=0,second=1,tie=2"],
        ["scipy", "textstat"],  # scipy.special: position bias' binomial test (synthgate.pvalues)
    ),
    "dialogues": ("dialogues/botbots_flight_bookings_llm.jsonl", [], ["textstat"]),
}
"""Per built-in suite: a shared file, its options, and the heavy libraries its run needs
without a reference (readability's textstat, and for preferences scipy.special, never
scipy.stats: half a second to import)."""


@pytest.mark.parametrize("suite", RUNS)
def test_a_run_without_a_reference_loads_only_what_its_suite_uses(
    suite: str, paper_data: Path, tmp_path: Path
) -> None:
    path, options, used = RUNS[suite]
    arguments = ["validate", str(paper_data / path), "--suite", suite, *options]
    arguments += ["--json", str(tmp_path / "result.json")]
    code = (
        "import synthgate.cli, contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert synthgate.cli.main({arguments!r}) in (0, 1)"
    )
    assert loaded_after(code) == used
