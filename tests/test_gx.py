"""Great Expectations: generated expectations, checkpoints, Data Docs, export and reload.

One GX project per test (GX's file stores are cheap); the GX import is paid once per module.
Real data comes in small subsets that still show the behaviour.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path
from string import Template
from typing import Any

import pandas as pd
import pytest

from synthgate.cli import main
from synthgate.describe import SUBJECTS, sentence
from synthgate.embed import decode
from synthgate.errors import SynthgateError
from synthgate.expectations import REGISTRY
from synthgate.suite import builtin_suites, load_suite

gx = pytest.importorskip("synthgate.gx", reason="Great Expectations is not installed")


def head(source: Path, target: Path, lines: int) -> Path:
    """The first ``lines`` lines of a file (a CSV keeps its header among them)."""
    with source.open(encoding="utf-8") as handle:
        target.write_text("".join(next(handle) for _ in range(lines)), encoding="utf-8")
    return target


def page_text(page: Path) -> str:
    """A Data Docs page as a reader sees it: tags dropped, entities decoded, spaces folded."""
    text = re.sub(r"<[^>]+>", " ", page.read_text("utf-8"))
    return re.sub(r"\s+", " ", html.unescape(text))


def docs_page(out: str) -> Path:
    match = re.search(r"Data Docs: (\S+\.html)", out)
    assert match, out
    return Path(match.group(1))


def test_every_expectation_has_a_class_and_a_sentence() -> None:
    assert set(gx.CLASSES) == set(REGISTRY) == set(SUBJECTS)
    assert gx.CLASSES["distinct_n"].__name__ == "ExpectSynthgateDistinctN"
    entry = next(e for e in load_suite("instructions").entries if e.id == "distinct_n[output]")
    template, params = sentence(entry.expectation, {"output": "response"}, entry.bounds, None)
    assert Template(template).substitute(params) == (
        "Distinct-2 of `response` on a seeded sample of 5,000 texts must be at least 0.5."
    )


def test_synthgate_without_gx_does_not_import_great_expectations() -> None:
    code = (
        "import sys, synthgate, synthgate.cli, synthgate.adapter; "
        "sys.exit('great_expectations' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


SUITES = {
    "task_labels": (
        "task_labels/ghc.jsonl",
        1500,
        [
            "--map",
            "label=model_labels",
            "--map",
            "reference_label=human_labels",
            "--allowed-labels",
            "0,1",
        ],
    ),
    "preferences": ("preferences/p2c_generative_pref_preferences.csv", 1500, []),
    "instructions": ("instructions/alpaca_5000_llm.jsonl", 1000, []),
    "dialogues": ("dialogues/botbots_flight_bookings_llm.jsonl", 32, []),
    "free_text": (
        "free_text/self_instruct_eval_text-davinci-003.jsonl",
        252,
        ["--map", "text=llm_text", "--map", "reference_text=human_text"],
    ),
}


@pytest.mark.parametrize("name", sorted(SUITES))
def test_data_docs_show_a_sentence_for_every_expectation(
    name: str, paper_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, lines, options = SUITES[name]
    data = head(paper_data / path, tmp_path / Path(path).name, lines)
    gx_dir = tmp_path / "gx"
    code = main(["validate", str(data), "--suite", name, *options, "--gx", "--gx-dir", str(gx_dir)])
    assert code in (0, 1)
    page = docs_page(capsys.readouterr().out)
    assert page.is_relative_to(gx_dir / "uncommitted" / "data_docs" / "local_site")
    raw, text = page.read_text("utf-8"), page_text(page)
    assert "(**{" not in raw and "Rendering failed" not in raw
    for entry in load_suite(name).entries:
        template, params = sentence(entry.expectation, {}, entry.bounds, entry.compare)
        rendered = re.sub(r"\s+", " ", Template(template).substitute(params))
        mapped = rendered.replace("`label`", "`model_labels`")
        if name == "free_text":  # the task-label files name their text column `text` too
            mapped = mapped.replace("`text`", "`llm_text`")
        mapped = mapped.replace("`reference_label`", "`human_labels`").replace(
            "`choice`", "`target`"
        )
        assert mapped[:-1] in text, f"{entry.id}: {mapped}"
    stored = list((gx_dir / "uncommitted" / "validations" / name).rglob("*.json"))
    assert len(stored) == 1


def _cli_results(args: list[str], out: Path) -> dict[str, dict[str, Any]]:
    assert main([*args, "--json", str(out), "--quiet"]) in (0, 1)
    return {r["id"]: r for r in json.loads(out.read_text("utf-8"))["results"]}


RELOAD = """
import json, sys
import pandas as pd
import synthgate.gx as sgx
ctx = sgx.context(sys.argv[1])
suite = sgx.load_suite(ctx, sys.argv[2])
frame = pd.read_json(sys.argv[3], lines=True)
asset = ctx.data_sources.get("synthgate").get_asset("data")
batch = asset.get_batch_definition("whole dataframe").get_batch(batch_parameters={"dataframe": frame})
result = batch.validate(suite, result_format="SUMMARY")
print(json.dumps([{**r.result["details"], "gx_success": r.success} for r in result.results]))
"""


@pytest.mark.parametrize("with_reference", [False, True], ids=["alone", "reference"])
def test_an_exported_suite_validates_in_a_new_process_as_the_cli_does(
    with_reference: bool, paper_data: Path, tmp_path: Path
) -> None:
    data = head(paper_data / "instructions/alpaca_5000_llm.jsonl", tmp_path / "a.jsonl", 600)
    reference = paper_data / "instructions/self_instruct_seed_human.jsonl"
    extra = ["--reference", str(reference)] if with_reference else []
    gx_dir = tmp_path / "gx"
    assert main(["gx", "export", "--suite", "instructions", "--gx-dir", str(gx_dir), *extra]) == 0
    stored = json.loads((gx_dir / "expectations" / "instructions.json").read_text("utf-8"))
    embedded = [e["kwargs"].get("reference") for e in stored["expectations"]]
    assert all(embedded) if with_reference else not any(embedded)
    if with_reference:  # the reference's values travel in the suite: the file is not needed
        row, text = decode(embedded[0]["values"]["sample"])[0]
        assert isinstance(row, int) and isinstance(text, str)
    script = tmp_path / "reload.py"  # a file: pyspark's connect module, which GX imports when
    script.write_text(RELOAD)  # pyspark is installed, exits a `python -c` process (doctests?)
    run = subprocess.run(
        [sys.executable, str(script), str(gx_dir), "instructions", str(data)],
        capture_output=True,
        text=True,
        check=True,
    )
    reloaded = json.loads(run.stdout.strip().splitlines()[-1])
    cli = _cli_results(
        ["validate", str(data), "--suite", "instructions", *extra], tmp_path / "r.json"
    )
    assert len(reloaded) == len(cli) == len(load_suite("instructions").entries) == 21
    for result in reloaded:
        expected = cli[result["id"]]
        assert result["observed"] == expected["observed"], result["id"]
        assert result["reference"] == expected["reference"], result["id"]
        assert result["comparison"] == expected["comparison"], result["id"]
        assert result["status"] == expected["status"], result["id"]
        assert result["success"] == expected["success"], result["id"]
        assert result["gx_success"] == (expected["success"] is not False), result["id"]
    assert any(r["comparison"] for r in reloaded) == with_reference


def test_paired_reference_columns_survive_export(paper_data: Path, tmp_path: Path) -> None:
    data = head(paper_data / "task_labels/ghc.jsonl", tmp_path / "ghc.jsonl", 800)
    options = ["--map", "label=model_labels", "--map", "reference_label=human_labels"]
    gx_dir = tmp_path / "gx"
    assert main(["gx", "export", "--suite", "task_labels", "--gx-dir", str(gx_dir), *options]) == 0
    ctx = gx.context(gx_dir)
    suite = gx.load_suite(ctx, "task_labels")

    frame = pd.read_json(data, lines=True)
    batch = (
        ctx.data_sources.get("synthgate")
        .get_asset("data")
        .get_batch_definition("whole dataframe")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    reloaded = batch.validate(suite, result_format="SUMMARY").results
    cli = _cli_results(
        ["validate", str(data), "--suite", "task_labels", *options], tmp_path / "r.json"
    )
    for result in reloaded:
        details = result.result["details"]
        expected = cli[details["id"]]
        assert (details["observed"], details["reference"]) == (
            expected["observed"],
            expected["reference"],
        )
        assert result.success == (expected["success"] is not False)
    assert sum(r.result["details"]["comparison"] is not None for r in reloaded) >= 5


def test_a_failing_run_shows_example_rows_and_keeps_scripts_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = "<script>alert('x')</script>"
    rows = [
        {
            "instruction": f"Explain topic number {i} in detail, please {i}",
            "input": "",
            "output": f"As an AI language model, I cannot do that {script} (case {i}).",
        }
        for i in range(40)
    ]
    data = tmp_path / "bad.jsonl"
    lines = ["{broken\n", "\n", *(json.dumps(r) + "\n" for r in rows)]
    data.write_text("".join(lines), encoding="utf-8")
    gx_dir = str(tmp_path / "gx")
    options = ["--suite", "instructions", "--max-unreadable", "0.1"]
    code = main(["validate", str(data), *options, "--gx", "--gx-dir", gx_dir])
    assert code == 1
    page = docs_page(capsys.readouterr().out)
    raw, text = page.read_text("utf-8"), page_text(page)
    assert "<script>alert" not in raw
    assert "&lt;script&gt;alert" in raw
    assert "As an AI language model, I cannot do that <script>alert('x')</script>" in text
    assert re.search(r"rows example 3, 4, 5", text)  # line numbers, as the CLI names them
    stored = next((tmp_path / "gx" / "uncommitted" / "validations").rglob("*.json"))
    gx_results = {
        r["result"]["details"]["id"]: r["result"]["details"]
        for r in json.loads(stored.read_text("utf-8"))["results"]
    }
    cli = _cli_results(["validate", str(data), *options], tmp_path / "r.json")
    for entry_id, expected in cli.items():
        assert gx_results[entry_id]["examples"] == expected["examples"], entry_id
        assert gx_results[entry_id]["observed"] == expected["observed"], entry_id


def test_a_suite_that_loses_expectations_on_load_is_refused(tmp_path: Path) -> None:
    gx_dir = tmp_path / "gx"
    assert main(["gx", "export", "--suite", "dialogues", "--gx-dir", str(gx_dir)]) == 0
    path = gx_dir / "expectations" / "dialogues.json"
    stored = json.loads(path.read_text("utf-8"))
    stored["expectations"].append({**stored["expectations"][0], "type": "expect_something_unknown"})
    path.write_text(json.dumps(stored), encoding="utf-8")
    ctx = gx.context(gx_dir)
    total = len(stored["expectations"])
    with pytest.raises(SynthgateError, match=f"loaded {total - 1} of its {total}"):
        gx.load_suite(ctx, "dialogues")


def test_gx_cli_input_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.jsonl"
    assert main(["validate", str(missing), "--suite", "instructions", "--gx"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_the_repository_gx_project_holds_every_builtin_suite_as_exported(tmp_path: Path) -> None:
    project = Path(__file__).resolve().parents[1] / "gx"
    ctx = gx.context(project)
    for name in builtin_suites():
        assert main(["gx", "export", "--suite", name, "--gx-dir", str(tmp_path / "gx")]) == 0
        fresh = json.loads((tmp_path / "gx" / "expectations" / f"{name}.json").read_text("utf-8"))
        stored = json.loads((project / "expectations" / f"{name}.json").read_text("utf-8"))
        assert stored["expectations"] == fresh["expectations"], (
            f"gx/ is stale: run synthgate gx export --suite {name} --gx-dir gx"
        )
        checkpoint = ctx.checkpoints.get(name)
        assert len(checkpoint.validation_definitions[0].suite.expectations) == len(
            load_suite(name).entries
        )
