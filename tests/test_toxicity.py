"""Toxicity (detoxify): scored end to end with a tiny checkpoint, and honest skips without one.

Nothing here downloads: the checkpoint is built on the spot (``detoxify_tiny``) and loaded by
detoxify's own ``Detoxify(checkpoint=..., huggingface_config_path=...)``; the autouse fixture
in conftest.py points detoxify's cache at an empty directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
from pathlib import Path

import pandas as pd
import pytest

import detoxify_tiny
from synthgate import scorers
from synthgate.cli import main
from synthgate.runner import validate
from synthgate.suite import parse_suite

SUITE = """
suite: toxicity
columns: {text: text}
expectations:
  - expect: toxicity_mean
    bounds: {max: 0.3}
  - expect: toxicity_rate
    bounds: {max: 0.1}
  - expect: toxicity_rate
    id: insult_rate
    params: {category: insult}
    bounds: {max: 0.1}
  - expect: toxic_row_rate
    bounds: {max: 0.1}
"""
TOXIC_ROWS = {2, 5, 8, 11}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not os.environ.get("CI"):  # CI installs synthgate[toxicity]: there a missing one fails
        pytest.importorskip("detoxify", reason="the toxicity extra is not installed")
    os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
    return detoxify_tiny.build(tmp_path_factory.mktemp("detoxify") / "tiny")


def data() -> pd.DataFrame:
    """12 rows; rows 2, 5, 8, 11 (1-based positions) are the toxic ones."""
    texts = []
    for i in range(12):
        toxic = i + 1 in TOXIC_ROWS
        texts.append(detoxify_tiny.TOXIC[i % 4] if toxic else detoxify_tiny.CLEAN[i % 4])
    return pd.DataFrame({"text": texts})


def results(checkpoint: Path | str) -> dict[str, object]:
    suite = parse_suite(SUITE, "test").with_parameter("detoxify_checkpoint", str(checkpoint))
    return {r.id: r for r in validate(data(), suite).results}


def test_a_tiny_detoxify_checkpoint_scores_every_toxicity_expectation(checkpoint: Path) -> None:
    found = results(checkpoint.parent)  # the directory: checkpoint and HF files together
    rate, mean, insult, rows = (
        found[k] for k in ("toxicity_rate", "toxicity_mean", "insult_rate", "toxic_row_rate")
    )
    for result in (rate, mean, insult, rows):
        assert result.status == "failed", result.reason  # type: ignore[attr-defined]
        assert result.details["scorer"].startswith("detoxify checkpoint tiny")  # type: ignore[attr-defined]
    assert rate.observed == pytest.approx(4 / 12)  # type: ignore[attr-defined]
    assert rate.interval[0] < 4 / 12 < rate.interval[1]  # type: ignore[attr-defined]
    assert insult.observed == pytest.approx(4 / 12)  # type: ignore[attr-defined]
    assert {e["row"] for e in rate.examples} <= TOXIC_ROWS  # type: ignore[attr-defined]
    assert 0.3 < mean.observed < 0.5  # type: ignore[attr-defined]
    assert set(mean.details["by_category"]) == {  # type: ignore[attr-defined]
        "toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack"
    }  # fmt: skip
    assert {e["row"] for e in rows.examples} == TOXIC_ROWS  # type: ignore[attr-defined]


def test_the_row_check_flags_exactly_the_toxic_rows(checkpoint: Path) -> None:
    found = results(checkpoint)  # the file alone
    rows = found["toxic_row_rate"]
    assert rows.details["checked"] == 12 and rows.details["flagged"] == 4  # type: ignore[attr-defined]
    assert sorted(e["row"] for e in rows.examples) == sorted(TOXIC_ROWS)  # type: ignore[attr-defined]


def test_the_row_check_is_a_pandera_check(checkpoint: Path) -> None:
    pa = pytest.importorskip("pandera.pandas")
    import synthgate.pandera  # noqa: F401  (registers Check.synthgate_toxicity)

    check = pa.Check.synthgate_toxicity(detoxify_checkpoint=str(checkpoint))
    schema = pa.DataFrameSchema({"text": pa.Column(checks=check)})
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        schema.validate(data(), lazy=True)
    assert sorted(caught.value.failure_cases["index"] + 1) == sorted(TOXIC_ROWS)


def test_the_checkpoint_can_come_from_the_environment(
    checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(scorers.ENV_CHECKPOINT, str(checkpoint))
    suite = parse_suite(SUITE, "test")
    rate = next(r for r in validate(data(), suite).results if r.id == "toxicity_rate")
    assert rate.observed == pytest.approx(4 / 12)


def test_toxicity_against_a_reference_compares_the_same_scores(checkpoint: Path) -> None:
    suite = parse_suite(
        """
suite: t
expectations:
  - expect: toxicity_rate
    compare: {statistic: cohens_h, max: 0.2, direction: higher}
""",
        "t",
    ).with_parameter("detoxify_checkpoint", str(checkpoint))
    clean = pd.DataFrame({"text": detoxify_tiny.CLEAN * 15})
    toxic = pd.concat([data()] * 5, ignore_index=True)  # 20 of 60 rows: p < 0.01
    result = validate(toxic, suite, reference=clean).results[0]
    assert result.reference == 0 and result.status == "failed"
    assert result.comparison is not None and result.comparison["value"] > 1


def test_the_command_line_takes_the_checkpoint_and_names_the_scorer(
    checkpoint: Path, tmp_path: Path
) -> None:
    source, suite = tmp_path / "data.jsonl", tmp_path / "suite.yml"
    data().to_json(source, orient="records", lines=True)
    suite.write_text(SUITE, "utf-8")
    out = tmp_path / "result.json"
    args = ["validate", str(source), "--suite", str(suite), "--json", str(out), "--quiet"]
    assert main([*args, "--detoxify-checkpoint", str(checkpoint)]) == 1
    result = json.loads(out.read_text("utf-8"))
    assert {r["details"]["scorer"] for r in result["results"]} == {"detoxify checkpoint tiny.ckpt"}


def test_a_file_that_is_not_a_checkpoint_is_not_evaluated_with_the_reason(tmp_path: Path) -> None:
    bogus = tmp_path / "weights.ckpt"
    bogus.write_text("not a checkpoint", "utf-8")
    rate = results(bogus)["toxicity_rate"]
    assert rate.success is None  # type: ignore[attr-defined]
    assert "could not load" in rate.reason  # type: ignore[attr-defined]


# --- without weights ----------------------------------------------------------------------


def test_without_weights_every_output_reports_toxicity_as_not_evaluated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one table row per result
    source, suite = tmp_path / "data.jsonl", tmp_path / "suite.yml"
    frame = data()
    frame["text"] = frame["text"] + " and more words here"
    frame.to_json(source, orient="records", lines=True)
    suite.write_text(SUITE + "  - expect: text_length\n    bounds: {min: 1}\n", "utf-8")
    out, report = tmp_path / "result.json", tmp_path / "report.html"
    args = ["validate", str(source), "--suite", str(suite), "--json", str(out)]
    code = main([*args, "--report", str(report)])
    assert code == 0  # text_length passed; toxicity is not a pass, and not a failure
    console = capsys.readouterr().out
    assert console.count("toxicity not evaluated") >= 4 and "skipped" in console
    result = json.loads(out.read_text("utf-8"))
    toxic = [r for r in result["results"] if r["expectation"] != "text_length"]
    assert len(toxic) == 4
    for entry in toxic:
        assert entry["status"] == "skipped" and entry["success"] is None
        assert entry["reason"].startswith("toxicity not evaluated: ")
        assert "--detoxify-checkpoint" in entry["reason"]
        assert "synthgate models download" in entry["reason"]
    assert result["statistics"]["passed"] == 1 and result["statistics"]["skipped"] == 4
    html = report.read_text("utf-8")
    assert html.count("toxicity not evaluated") >= 4  # each skipped entry shows its reason


def test_a_missing_checkpoint_on_the_command_line_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "data.jsonl"
    data().to_json(source, orient="records", lines=True)
    args = ["validate", str(source), "--suite", "free_text"]
    assert main([*args, "--detoxify-checkpoint", str(tmp_path / "nope.ckpt")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_models_download_fails_cleanly_without_network(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def offline(model_type: str) -> str:
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(scorers, "download", offline)
    assert main(["models", "download"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internet access" in err


def test_an_unknown_detoxify_model_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "download", "--model", "huge"]) == 2
    err = capsys.readouterr().err
    assert "unknown detoxify model 'huge'" in err or "not installed" in err


def test_without_weights_the_pandera_check_errors_instead_of_passing_every_row() -> None:
    pa = pytest.importorskip("pandera.pandas")
    import synthgate.pandera  # noqa: F401  (registers Check.synthgate_toxicity)

    schema = pa.DataFrameSchema({"text": pa.Column(checks=pa.Check.synthgate_toxicity())})
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        schema.validate(data(), lazy=True)
    assert "toxicity not evaluated" in str(caught.value)


def test_without_weights_the_quarantine_split_refuses_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, suite = tmp_path / "data.jsonl", tmp_path / "suite.yml"
    data().to_json(source, orient="records", lines=True)
    suite.write_text(SUITE, "utf-8")
    clean, quarantine = tmp_path / "clean.jsonl", tmp_path / "quarantine.jsonl"
    args = ["validate", str(source), "--suite", str(suite)]
    code = main([*args, "--clean", str(clean), "--quarantine", str(quarantine)])
    assert code == 2  # a check that cannot run never lets every row through as clean
    assert "toxicity not evaluated" in capsys.readouterr().err
    assert not clean.exists() and not quarantine.exists()


def test_without_weights_torch_is_never_imported(tmp_path: Path) -> None:
    """Looking for weights that are not there costs no torch import (200 MB, seconds)."""
    code = (
        "import sys; from synthgate.scorers import load_detoxify; "
        "print(type(load_detoxify()).__name__, 'torch' in sys.modules, 'detoxify' in sys.modules)"
    )
    env = {**os.environ, "TORCH_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["Unavailable", "False", "False"], out.stderr


def test_weights_in_torch_hubs_cache_are_found_where_torch_looks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = pytest.importorskip("torch.hub")
    detoxify = pytest.importorskip("detoxify.detoxify")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    name = detoxify.MODEL_URLS["original"].rsplit("/", 1)[-1]
    assert scorers.cached_weights("original") is None
    (tmp_path / "hub" / "checkpoints").mkdir(parents=True)
    (tmp_path / "hub" / "checkpoints" / name).write_bytes(b"")
    assert scorers.cached_weights("original") == Path(hub.get_dir()) / "checkpoints" / name
    assert scorers.cached_weights("unbiased") is None
