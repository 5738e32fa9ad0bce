"""Issue 8, "the verdict depends on row order and file format": rows are identified by their
record's index in the source, so the same records in JSON Lines, JSON, CSV, Parquet, a
``save_to_disk`` directory or a DataFrame give the same result, and the batch size changes no
value. Only the row numbers shown in examples follow each format's convention (CSV counts its
header line, multi-line records take several lines)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from synthgate import validate
from synthgate.loaders import Dataset

ROWS = 400
SAMPLED = ("near_duplicate_rate[instruction]", "distinct_n[instruction]", "distinct_n[output]")


@pytest.fixture(scope="module")
def records(paper_data: Path) -> list[dict[str, Any]]:
    """The first rows of the Alpaca sample (near-duplicate instructions, multi-line outputs)."""
    with (paper_data / "instructions/alpaca_5000_llm.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for _, line in zip(range(ROWS), handle, strict=False)]


def without_rows(value: Any) -> Any:
    """A result with the row numbers of its examples left out."""
    if isinstance(value, dict):
        return {k: without_rows(v) for k, v in value.items() if k not in ("row", "rows")}
    if isinstance(value, list):
        return [without_rows(v) for v in value]
    return value


def results(data: Any, **options: Any) -> list[dict[str, Any]]:
    result = validate(data, "instructions", **options).to_dict()["results"]
    for item in result:
        item["examples"] = without_rows(item["examples"])
    return result


def write(records: list[dict[str, Any]], directory: Path) -> dict[str, Any]:
    """The same records in every format synthgate reads."""
    frame = pd.DataFrame(records)
    jsonl = directory / "data.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    array = directory / "data.json"
    array.write_text(json.dumps(records), encoding="utf-8")
    frame.to_csv(directory / "data.csv", index=False)
    frame.to_parquet(directory / "data.parquet", row_group_size=97)
    sources: dict[str, Any] = {
        "jsonl": jsonl,
        "json": array,
        "csv": directory / "data.csv",
        "parquet": directory / "data.parquet",
        "dataframe": frame,
    }
    datasets = pytest.importorskip("datasets")
    datasets.Dataset.from_pandas(frame).save_to_disk(str(directory / "hf"))
    sources["save_to_disk"] = directory / "hf"
    return sources


def test_the_same_records_in_every_format_give_the_same_result(
    records: list[dict[str, Any]], tmp_path: Path
) -> None:
    sources = write(records, tmp_path)
    expected = results(sources.pop("jsonl"))
    assert {r["id"] for r in expected} >= set(SAMPLED)
    for name, source in sources.items():
        assert results(source) == expected, name


def test_blank_and_broken_lines_do_not_shift_the_samples(
    records: list[dict[str, Any]], tmp_path: Path
) -> None:
    """A blank line is no record; the records after it keep their ids (line numbers move)."""
    clean, spaced = tmp_path / "clean.jsonl", tmp_path / "spaced.jsonl"
    lines = [json.dumps(r) + "\n" for r in records]
    clean.write_text("".join(lines), encoding="utf-8")
    spaced.write_text("\n" + "\n\n".join(lines), encoding="utf-8")
    assert results(spaced) == results(clean)


def test_batch_size_changes_no_value(records: list[dict[str, Any]], tmp_path: Path) -> None:
    source = tmp_path / "data.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    whole = validate(Dataset(source), "instructions").to_dict()["results"]
    assert validate(Dataset(source, batch_size=61), "instructions").to_dict()["results"] == whole


def test_another_row_order_moves_sampled_values_only_within_their_intervals(
    records: list[dict[str, Any]],
) -> None:
    shuffled = list(records)
    random.Random(7).shuffle(shuffled)
    before = {r["id"]: r for r in results(pd.DataFrame(records))}
    after = {r["id"]: r for r in results(pd.DataFrame(shuffled))}
    for entry in SAMPLED:
        low, high = before[entry]["interval"]
        assert low <= after[entry]["observed"] <= high, entry
        assert after[entry]["status"] == before[entry]["status"], entry
