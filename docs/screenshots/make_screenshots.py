"""Make the README's report screenshots: one report per data type of ../shared/data, rendered
by headless Chromium to a PNG (palette-reduced to stay small).

    .venv/bin/python docs/screenshots/make_screenshots.py    # needs ../shared and chromium
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from synthgate.cli import main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = Path("..") / "shared" / "data" / "paper"  # relative: the report shows the path given
RUNS = {
    "task_labels": [
        "task_labels/ghc.jsonl",
        "--map",
        "label=model_labels",
        "--map",
        "reference_label=human_labels",
        "--map",
        "group=model",
        "--allowed-labels",
        "0,1",
    ],
    "preferences": [
        "preferences/p2c_generative_pref_preferences.csv",
        "--reference",
        "preferences/p2c_subjective_pref_preferences.csv",
    ],
    "instructions": [
        "instructions/alpaca_5000_llm.jsonl",
        "--reference",
        "instructions/self_instruct_seed_human.jsonl",
    ],
    "dialogues": [
        "dialogues/botbots_restaurants_llm.jsonl",
        "--reference",
        "dialogues/sgd_dev_human.jsonl",
    ],
    "free_text": [
        "free_text/self_instruct_eval_text-davinci-003.jsonl",
        "--map",
        "text=llm_text",
        "--map",
        "reference_text=human_text",
    ],
}
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def shoot(suite: str, args: list[str], work: Path) -> Path:
    page = work / f"{suite}.html"
    paths = [str(DATA / a) if a.endswith((".jsonl", ".csv")) else a for a in args]
    main(["validate", paths[0], "--suite", suite, *paths[1:], "--report", str(page), "--quiet"])
    raw = work / f"{suite}.png"
    subprocess.run(
        [
            shutil.which("chromium") or "chromium",
            *FLAGS,
            f"--user-data-dir={work / suite}",
            "--window-size=1000,1900",
            f"--screenshot={raw}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    out = HERE / f"{suite}.png"
    Image.open(raw).convert("RGB").quantize(colors=64).save(out, optimize=True)
    return out


if __name__ == "__main__":
    os.chdir(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        for name in sys.argv[1:] or RUNS:
            print(shoot(name, RUNS[name], Path(tmp)))
