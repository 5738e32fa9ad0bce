"""Start-up stays light (issue 14): the command line imports heavy libraries only where used.

scipy (comparisons' p-values), pandas (pandera), torch (detoxify), Great Expectations,
matplotlib (charts), datasketch (near-duplicates), textstat and wordfreq each load on first use,
so ``synthgate suites`` or a small run does not pay for them. Checked in a fresh interpreter
(``sys.modules``), never by timing.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "scipy",
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
