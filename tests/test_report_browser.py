"""The HTML report in a real browser: headless Chromium loads it from a file, and the DOM shows
inline SVG charts and example sections, with the data's markup as text, never run.

``make test`` installs Debian's chromium when it is missing (CI runs as root); elsewhere the
browser tests skip with a reason, except under CI, where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from synthgate import Codings, validate
from synthgate.cli import main
from synthgate.report.html import render_html

PAYLOADS = (
    "<script>document.body.setAttribute('data-pwned', 'script')</script>",
    "<img src=x onerror=\"document.body.setAttribute('data-pwned', 'img')\">",
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make test` installs it with apt-get as root")
        pytest.skip("chromium is not installed (make test installs it when run as root)")
    return found


def dump_dom(chromium: str, page: Path, profile: Path) -> str:
    """The DOM after Chromium loaded ``page`` from the file system (a fresh profile)."""
    run = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Instructions whose rows, openers and duplicates carry markup that would run if the
    report did not escape it, in two groups, one named with markup too."""
    rows = []
    for i in range(60):
        payload = PAYLOADS[i % 2]
        rows.append(
            {
                "instruction": f"{payload} Write a list about topic {i % 3}.",
                "input": "",
                "output": f"{payload} 1. First. 2. Second." if i % 4 else "",
                "model": PAYLOADS[1] if i % 2 else "plain-model",
            }
        )
    path = tmp_path_factory.mktemp("hostile") / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_the_report_renders_charts_and_examples_and_runs_no_payload(
    chromium: str, hostile: Path, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    args = ["validate", str(hostile), "--suite", "instructions", "--map", "group=model"]
    assert main([*args, "--report", str(page), "--quiet"]) == 1
    html = page.read_text()
    assert not any(payload in html for payload in PAYLOADS)  # escaped in the file
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched

    dom = dump_dom(chromium, page, tmp_path / "profile")
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None and "data-pwned" not in body.group(0)
    assert "<script" not in dom and "<img" not in dom  # the payloads are text, not elements
    assert "&lt;script&gt;document.body.setAttribute" in dom
    charts = re.findall(r'<div class="chart">\s*<svg', dom)
    assert len(charts) >= 3
    assert dom.count('class="examples"') >= 2
    assert 'id="groups"' in dom and "plain-model" in dom  # the side-by-side group table
    assert 'href="#doc-duplicate_rate"' in dom and 'id="doc-duplicate_rate"' in dom


SHARED = {
    "task_labels": (
        "task_labels/ghc.jsonl",
        {"label": "model_labels", "reference_label": "human_labels"},
    ),
    "preferences": ("preferences/p2c_generative_pref_preferences.csv", {}),
    "instructions": ("instructions/self_instruct_seed_human.jsonl", {}),
    "dialogues": ("dialogues/botbots_flight_bookings_llm.jsonl", {}),
    "free_text": (
        "free_text/self_instruct_eval_text-davinci-003.jsonl",
        {"text": "llm_text", "reference_text": "human_text"},
    ),
}


@pytest.mark.parametrize("suite", list(SHARED))
def test_the_report_of_each_data_type_has_charts_with_labelled_axes(
    paper_data: Path, suite: str
) -> None:
    path, mapping = SHARED[suite]
    result = validate(
        paper_data / path,
        suite,
        mapping=mapping,
        codings=Codings(allowed_labels=(0, 1)) if suite == "task_labels" else None,
    )
    html = render_html(result)
    charts = re.findall(r'<div class="chart"><svg.*?</svg>', html, flags=re.DOTALL)
    assert charts, suite
    for chart in charts:  # each axis says what it shows (matplotlib writes text as <text>)
        assert chart.count("<text") >= 2
    assert len(html) < 1_000_000


def test_a_repeated_turn_is_marked_inside_its_dialogue(tmp_path: Path) -> None:
    turns = [
        {"speaker": "user", "text": "A table for two, please."},
        {"speaker": "agent", "text": "Sure, what time would you like?"},
        {"speaker": "user", "text": "At seven."},
        {"speaker": "agent", "text": "Sure, what time would you like?"},
    ]
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"turns": turns}) + "\n" for _ in range(20)))
    html = render_html(validate(data, "dialogues"))
    example = re.search(r'<div class="ex dialogue">.*?</div>\s*</div>', html, flags=re.DOTALL)
    assert example is not None
    text = re.sub(r"\s+", " ", example.group(0))
    assert "repeats turn 1" in text
    assert text.index("At seven.") < text.index("<mark><b>agent:</b> Sure, what time")


def test_a_run_with_200_groups_gives_a_small_report(tmp_path: Path) -> None:
    """The report's size does not grow with the rows: examples and charts are capped, so the
    largest run (200 groups, the most allowed) stays well under a few MB."""
    data = tmp_path / "g.jsonl"
    data.write_text(
        "".join(
            json.dumps({"m": f"model-{i % 200:03d}", "y": i % 3 % 2}) + "\n" for i in range(20_000)
        )
    )
    result = validate(data, "task_labels", mapping={"label": "y", "group": "m"})
    assert len({r.group for r in result.results}) == 201
    assert len(render_html(result).encode()) < 2_000_000
