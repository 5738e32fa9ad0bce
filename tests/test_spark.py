"""The Spark engine gives the local engine's JSON result: every built-in suite on shared data
(JSON Lines and Parquet, files split into several partitions), unreadable rows, a Spark
DataFrame and the CLI; without Java it is one line and exit 2.

One SparkSession (``local[2]``) serves the whole test session; small input splits make Spark
cut even these small files into several partitions, so the merges and row ids are exercised.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from synthgate import Codings, validate
from synthgate.cli import main
from synthgate.engine import LocalEngine, MetricPlan, States
from synthgate.errors import InputError
from synthgate.loaders import Dataset
from synthgate.metrics import duplicates
from synthgate.metrics.duplicates import NearDuplicates

pytest.importorskip("pyspark", reason="pyspark is missing (pip install 'synthgate[spark]')")

from synthgate import spark as spark_engine
from synthgate.spark import SparkEngine, session

SPLIT = "128k"
"""Spark's input splits in these tests: several partitions even for small files."""


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        pytest.skip("Java is missing (make test installs openjdk-17-jre-headless as root)")
    config = {
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.files.maxPartitionBytes": SPLIT,
        "spark.sql.files.openCostInBytes": "16k",
    }
    spark = session("local[2]", config)
    yield spark
    spark.stop()


@contextlib.contextmanager
def _splits(spark: Any, size: str) -> Iterator[None]:
    """Spark's input splits of ``size`` for a while."""
    spark.conf.set("spark.sql.files.maxPartitionBytes", size)
    try:
        yield
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", SPLIT)


def _head(path: Path, rows: int, tmp_path: Path) -> Path:
    """The first ``rows`` lines of a JSON Lines file, as they are in the file."""
    head = tmp_path / path.name
    with path.open("rb") as source:
        head.write_bytes(b"".join(line for _, line in zip(range(rows), source, strict=False)))
    return head


def _both(data: Any, suite: str, **arguments: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    local = validate(data, suite, engine=LocalEngine(), **arguments).to_dict()
    return local, validate(data, suite, engine=SparkEngine(), **arguments).to_dict()


CASES: dict[str, tuple[str, int | None, str, dict[str, Any]]] = {
    # name: (file under ../shared/data/paper, rows (a head) or None, suite, validate() arguments)
    "instructions": (
        "instructions/alpaca_5000_llm.jsonl",
        500,
        "instructions",
        {"reference": "instructions/self_instruct_seed_human.jsonl"},
    ),
    "free_text": (
        "free_text/self_instruct_eval_text-davinci-003.jsonl",
        300,
        "free_text",
        {"mapping": {"text": "llm_text", "reference_text": "human_text"}},
    ),
    "task_labels": (
        "task_labels/ghc.jsonl",
        1000,
        "task_labels",
        {
            "mapping": {
                "label": "model_labels",
                "reference_label": "human_labels",
                "group": "model",
            },
            "codings": Codings(allowed_labels=(0, 1)),
        },
    ),
    "preferences": (
        "preferences/pandalm_test_human_vs_gpt35.jsonl",
        500,
        "preferences",
        {
            "mapping": {"choice": "llm_judgement", "reference_choice": "human_votes"},
            "codings": Codings(choice_codes={"first": "1", "second": "2", "tie": "Tie"}),
        },
    ),
    "dialogues": ("dialogues/botbots_flight_bookings_llm.jsonl", None, "dialogues", {}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_spark_gives_the_local_result_on_every_suite(
    case: str, spark: Any, paper_data: Path, tmp_path: Path
) -> None:
    name, rows, suite, arguments = CASES[case]
    data = paper_data / name if rows is None else _head(paper_data / name, rows, tmp_path)
    if "reference" in arguments:
        arguments = {**arguments, "reference": str(paper_data / arguments["reference"])}
    local, distributed = _both(str(data), suite, **arguments)
    assert distributed["dataset"]["rows_read"] == local["dataset"]["rows_read"] > 0
    assert distributed == local


def test_parquet_in_several_row_groups(spark: Any, paper_data: Path, tmp_path: Path) -> None:
    frame = pd.read_json(paper_data / "instructions/alpaca_5000_llm.jsonl", lines=True).head(1000)
    path = tmp_path / "alpaca.parquet"
    frame.to_parquet(path, row_group_size=100)
    local, distributed = _both(str(path), "instructions")
    assert distributed["dataset"]["format"] == "parquet"
    assert distributed == local


def test_one_row_group_is_spread_over_the_cores(
    spark: Any, paper_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Parquet file of one row group is one Spark task's whole input: its rows are cut into
    as many partitions as Spark runs tasks at once (2), in the same order (so the same row
    ids and the same result), of about equal rows."""
    frame = pd.read_json(paper_data / "instructions/alpaca_5000_llm.jsonl", lines=True).head(1000)
    path = tmp_path / "alpaca.parquet"
    frame.to_parquet(path)
    monkeypatch.setattr(spark_engine, "BATCH_SIZE", 100)  # rows enough to spread
    counted: list[list[tuple[int, int, int]]] = []
    counts = spark_engine._counts
    monkeypatch.setattr(
        spark_engine, "_counts", lambda *args: counted.append(counts(*args)) or counted[-1]
    )
    with _splits(spark, "128m"):
        local, distributed = _both(str(path), "instructions")
    assert distributed == local
    assert [n for _, n, _ in counted[0]].count(0) == len(counted[0]) - 1  # one task reads all
    assert [p for p, _, _ in counted[1]] == [0, 1]
    assert all(abs(n - 500) < 150 for _, n, _ in counted[1])


def test_unreadable_rows_are_counted_and_named_as_locally(spark: Any, tmp_path: Path) -> None:
    good = [{"instruction": f"Write item {i}.", "output": f"Item {i} is here."} for i in range(60)]
    lines = [json.dumps(record).encode() for record in good]
    lines[3] = b"{broken"
    lines[7] = b""  # blank: no record, but a line
    lines[11] = b'{"instruction": "caf\xe9", "output": "x"}'  # not UTF-8
    lines[13] = b"[1, 2]"
    lines[17] = json.dumps({"instruction": 5, "output": "a number is no text"}).encode()
    lines[19] = b'{"instruction": "' + b"x" * (8 << 20) + b'", "output": "too long"}'
    lines[23] = b"  \r"
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(lines) + b"\n")
    with _splits(spark, "64m"):  # each split starting inside the 8 MiB line reads to its end
        local, distributed = _both(str(path), "instructions", max_unreadable=0.5)
    assert local["dataset"]["rows_unreadable"] == 5
    assert distributed == local


@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")
def test_a_spark_dataframe(spark: Any, paper_data: Path) -> None:
    frame = pd.read_json(paper_data / "instructions/alpaca_5000_llm.jsonl", lines=True).head(1200)
    local = validate(frame, "instructions").to_dict()
    distributed = validate(spark.createDataFrame(frame), "instructions").to_dict()
    assert distributed["dataset"]["path"] == "<Spark DataFrame>"
    for result in (local, distributed):
        del result["dataset"]["path"], result["dataset"]["format"]
    assert distributed == local


def test_cli_engine_spark(spark: Any, paper_data: Path, tmp_path: Path) -> None:
    data = str(paper_data / "dialogues/botbots_flight_bookings_llm.jsonl")
    outputs = []
    for engine in (["--engine", "spark", "--spark-master", "local[2]"], []):
        out = tmp_path / f"result{len(outputs)}.json"
        code = main(
            ["validate", data, "--suite", "dialogues", "--quiet", "--json", str(out), *engine]
        )
        assert code in (0, 1)
        outputs.append(json.loads(out.read_text()))
    assert outputs[0] == outputs[1]


def test_formats_spark_does_not_read_are_refused(spark: Any, tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("instruction,output\nWrite.,Done.\n")
    with pytest.raises(InputError, match="Spark engine reads Parquet"):
        validate(str(path), "instructions", engine=SparkEngine())
    with pytest.raises(InputError, match="no such file"):
        validate(str(tmp_path / "missing.jsonl"), "instructions", engine=SparkEngine())


def test_a_corrupt_parquet_file_is_one_line_and_exit_2(
    spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cut.parquet"
    pd.DataFrame({"text": ["a text"] * 50}).to_parquet(path)
    path.write_bytes(path.read_bytes()[:-20])  # the footer is gone: the JVM raises, not pyspark
    assert main(["validate", str(path), "--suite", "free_text", "--engine", "spark"]) == 2
    err = capsys.readouterr().err.strip()
    assert "internal error" not in err and "FILE_FOOTER" in err
    assert err.startswith("synthgate: error: ") and "\n" not in err


def test_without_java_one_line_and_exit_2(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text('{"instruction": "Write.", "output": "Done."}\n')
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"} | {"PATH": str(tmp_path)}
    command = ["validate", str(data), "--suite", "instructions", "--engine", "spark"]
    process = subprocess.run(
        [sys.executable, "-m", "synthgate", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert process.returncode == 2
    assert process.stderr.count("\n") == 1 and "Java 17" in process.stderr, process.stderr


def test_without_pyspark_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(InputError, match=r"synthgate\[spark\]"):
        session()


def test_near_duplicates_beyond_the_held_texts_take_a_second_pass(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More texts than ``duplicates.MAX_HELD`` over several partitions: the merged states keep
    only their probe pool and Spark reads the data again (``engine.two_passes``); the value is
    still the single pass's."""
    words = [f"word{i}" for i in range(12)]
    texts = [
        " ".join(words[(i + k * (i // 12)) % len(words)] for k in range(8)) + f" number {i // 3}"
        for i in range(duplicates.MAX_HELD + 600)
    ]
    path = tmp_path / "texts.parquet"
    pd.DataFrame({"text": texts}).to_parquet(path, row_group_size=2000)
    plan = MetricPlan(frozenset({NearDuplicates("text")}), {"text": "text"})
    passes: list[Any] = []
    second_pass = States.second_pass
    monkeypatch.setattr(
        States,
        "second_pass",
        lambda self, *then: passes.append(second_pass(self, *then)) or passes[-1],
    )
    local = LocalEngine().run(plan, Dataset(path))
    assert passes == [None]
    with _splits(spark, "8k"):  # a partition per row group
        assert SparkEngine().run(plan, Dataset(path)) == local
    assert passes[1] is not None
