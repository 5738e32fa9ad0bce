"""The Spark engine (``--engine spark``): the same metric states, computed per partition of a
Spark DataFrame and merged with the order-free merges, so its values equal the local engine's.

What it reads (``SparkData``): a Parquet or JSON Lines path Spark can read (a local file, HDFS,
S3...; JSON Lines may be gzip- or bzip2-compressed), or a Spark DataFrame
(``synthgate.validate(spark_df, suite=...)``). Rows are never collected on the driver: each
partition's Arrow batches (``mapInArrow``) become synthgate's own chunks and batches, through
the loaders' code (``loaders.arrow_chunks`` for Parquet and DataFrames, ``loaders.jsonl_records``
for the raw bytes of JSON Lines, ``loaders.checked_batches`` for the role checks), so values,
unreadable rows and their reasons are those of the local reader. Each partition's batches are
folded into ``engine.States`` (``engine.fold``); the partial states, with each partition's
count of rows read and its unreadable rows, are merged by ``treeReduce`` (``States.merge``,
order-free) and finalized on the driver.

Row ids key seeded samples (``batch.Batch.ids``), so they must be the local engine's: a first
job counts each partition's rows (lines and records for JSON Lines), and partition ``p``'s rows
are numbered after those of partitions ``0..p-1``. That is the DataFrame's order, which for one
file is the file's order (Spark splits a file into consecutive ranges); a directory of several
files is numbered in the order Spark lists its splits.

pyspark is imported only here and only when the engine runs (extra ``synthgate[spark]``); it
needs Java 17. ``local[*]`` unless a master is given (``--spark-master``) or the program runs
under ``spark-submit``; a local master runs the workers with this Python.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from synthgate.engine import Engine, MetricPlan, Part, Progress, States, Values, fold, two_passes
from synthgate.errors import InputError, SynthgateError
from synthgate.loaders import (
    BATCH_SIZE,
    COMPRESSION,
    FORMATS,
    MAX_ROW_BYTES,
    Chunk,
    Dataset,
    Unreadable,
    arrow_chunks,
    blank_line,
    checked_batches,
    chunks_from_records,
    jsonl_records,
    record_columns,
)

SPARK_FORMATS = ("parquet", "jsonl")


def is_spark_frame(data: Any) -> bool:
    """Whether ``data`` is a Spark DataFrame (without importing pyspark)."""
    return type(data).__module__.startswith("pyspark.") and hasattr(data, "mapInArrow")


def session(master: str | None = None, config: dict[str, str] | None = None) -> Any:
    """The active SparkSession, else a new one (with ``config``): ``master``, or ``local[*]``
    outside ``spark-submit``. An InputError (one line) when pyspark or Java is missing or Spark
    cannot start."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError("the Spark engine needs pyspark: pip install 'synthgate[spark]'") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise InputError(
            "the Spark engine needs Java 17 (apt-get install openjdk-17-jre-headless, or set "
            "JAVA_HOME)"
        )
    builder = SparkSession.builder.appName("synthgate").config(
        "spark.ui.showConsoleProgress", "false"
    )
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:  # not under spark-submit
        master = "local[*]"
    if master is not None:
        builder = builder.master(master)
        if master.startswith("local"):
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        spark = builder.getOrCreate()
    except Exception as error:  # pyspark raises several kinds (no JVM, a bad master URL...)
        raise InputError(f"cannot start Spark: {_first_line(error)}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class SparkData(Dataset):
    """A Spark DataFrame, or a Parquet or JSON Lines path read by Spark: a ``Dataset`` whose
    rows stay in Spark (``frame``, its columns ``lines`` of raw bytes and ``sizes`` for JSON
    Lines). Opening reads the schema (or, for JSON Lines, the keys of the first lines)."""

    def __init__(self, source: Any, spark: Any):  # Dataset.__init__ would open it locally
        from pyspark.errors import AnalysisException
        from pyspark.sql import functions as F

        self.batch_size = BATCH_SIZE
        self.unreadable = Unreadable()
        self.rows_read = 0
        self.path, self.compression, self._spooled = None, None, None
        self.size = 0  # no progress: Spark reports its own
        if is_spark_frame(source):
            self.spark_frame, self.format, self._display = source, "spark", "<Spark DataFrame>"
            self.columns = [str(c) for c in source.columns]
            return
        text = str(source)
        self._display = text if "://" in text else str(Path(text))
        self.format = _format(text)
        with _spark_errors(self.name):
            try:
                if self.format == "parquet":
                    self.spark_frame = spark.read.parquet(text)
                    self.columns = list(self.spark_frame.columns)
                    return
                raw = spark.read.text(text, lineSep="\n").select(
                    F.when(F.octet_length("value") <= MAX_ROW_BYTES, F.col("value").cast("binary"))
                    .otherwise(None)
                    .alias("line"),
                    F.octet_length("value").alias("size"),
                )
                self.spark_frame = raw
                head = raw.limit(1001).collect()
            except AnalysisException as error:
                if "PATH_NOT_FOUND" in str(error):
                    raise InputError(f"{self.name}: no such file or directory") from None
                raise InputError(
                    f"{self.name}: Spark cannot read it: {_first_line(error)}"
                ) from None
        self.columns = record_columns(jsonl_records(_lines(head)), self.name)

    @classmethod
    def reopen(cls, dataset: Dataset, spark: Any) -> SparkData:
        """A local ``Dataset`` of a Parquet or JSON Lines file, read by Spark instead."""
        if isinstance(dataset, SparkData):
            return dataset
        if (
            dataset.path is None
            or dataset._spooled is not None
            or dataset.format not in SPARK_FORMATS
        ):
            raise InputError(
                f"{dataset.name}: the Spark engine reads Parquet or JSON Lines files and Spark "
                f"DataFrames, not {dataset.format}; use the local engine"
            )
        return cls(dataset.path, spark)


def _format(path: str) -> str:
    suffixes = [s.lower() for s in Path(path.rstrip("/")).suffixes[-2:]]
    if suffixes and suffixes[-1] in COMPRESSION:
        suffixes.pop()
    fmt = FORMATS.get(suffixes[-1] if suffixes else "", "")
    if fmt not in SPARK_FORMATS:
        raise InputError(
            f"{path}: the Spark engine reads Parquet (.parquet) and JSON Lines (.jsonl, "
            ".ndjson, optionally .gz or .bz2) paths and Spark DataFrames"
        )
    return fmt


def _lines(rows: Any) -> Iterator[bytes | int]:
    """JSON Lines' lines from Spark's rows of (bytes without the end of line, length): each
    with its end of line again, or its length when longer than a row may be."""
    for line, size in rows:
        yield size + 1 if line is None else bytes(line) + b"\n"


@dataclass
class _Part(Part):
    """What a partition (or several merged) gave (``engine.Part``), or the error that stopped
    it: a task's exception would reach the driver wrapped in Spark's."""

    error: str | None = None

    def merge(self, other: Part) -> _Part:
        merged = super().merge(other)
        error = self.error or (other.error if isinstance(other, _Part) else None)
        return _Part(merged.states, merged.rows_read, merged.unreadable, error)


@dataclass(frozen=True)
class _Count:
    """Task of the first job: (partition, rows, records) of each partition; rows are lines for
    JSON Lines (blank lines are no records), records otherwise. It reads the frame the fold
    reads, so it sees the same partitions."""

    format: str

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        rows = records = 0
        for batch in batches:
            rows += batch.num_rows
            if self.format == "jsonl":
                lines = batch.column(0).to_pylist()
                records += sum(line is None or not blank_line(line) for line in lines)
        records = records if self.format == "jsonl" else rows
        partition = TaskContext.get().partitionId()  # type: ignore[union-attr]
        yield pa.RecordBatch.from_pydict({"p": [partition], "n": [rows], "r": [records]})


@dataclass(frozen=True)
class _Fold:
    """Task of the second job: a partition's batches folded into states (``engine.fold``),
    with its rows numbered and identified after those of the partitions before it."""

    plan: MetricPlan
    format: str
    offsets: dict[int, tuple[int, int]]
    """Partition -> (rows before it, records before it); lines and records for JSON Lines."""
    start: States
    """The empty states each partition is folded from (``engine.two_passes``)."""

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        import synthgate.expectations  # noqa: F401 (registers the row measures metrics name)

        rows, ids = self.offsets.get(TaskContext.get().partitionId(), (0, 0))  # type: ignore[union-attr]
        wanted = list(dict.fromkeys(self.plan.columns.values()))
        chunks: Iterator[Chunk]
        if self.format == "jsonl":
            lines = _lines(_columns(batches))
            records = jsonl_records(lines, first=rows + 1)
            chunks = chunks_from_records(records, wanted, BATCH_SIZE, first_id=ids)
        else:
            chunks = arrow_chunks(batches, wanted, first=rows + 1)
        part = _Part(self.start)
        try:
            part.states = fold(self._read(chunks, part), self.start)
        except SynthgateError as error:
            part.error = str(error)
        yield pa.RecordBatch.from_pydict({"part": [pickle.dumps(part)]})

    def _read(self, chunks: Iterator[Chunk], part: _Part) -> Iterator[Any]:
        for batch, errors, chunk in checked_batches(chunks, self.plan.columns):
            part.unreadable.add(errors)
            part.rows_read += len(chunk.rows) + len(chunk.errors)
            if len(batch):
                yield batch


def _columns(batches: Iterator[pa.RecordBatch]) -> Iterator[Any]:
    """The values of JSON Lines' two columns (line, size), row by row, batch after batch."""
    for batch in batches:
        yield from zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True)


@dataclass
class SparkEngine(Engine):
    """Each partition of the data folded into metric states by a Spark task, the states merged
    in a tree and finalized on the driver. ``master``: a Spark master URL (``local[2]``,
    ``spark://host:7077``, ``yarn``...); None uses the active session, or ``local[*]``."""

    master: str | None = None

    def open(self, data: Any) -> Dataset:
        if isinstance(data, Dataset):
            return data
        spark = data.sparkSession if is_spark_frame(data) else session(self.master)
        return SparkData(data, spark)

    def run(self, plan: MetricPlan, source: Dataset, progress: Progress | None = None) -> Values:
        if "dialogue_id" in plan.columns:
            raise InputError(
                f"{source.name}: the Spark engine reads dialogues one row per dialogue (a turns "
                "column); dialogues stored one row per turn need the local engine"
            )
        data = SparkData.reopen(source, session(self.master))
        source.require(plan.columns)
        frame = data.spark_frame
        if data.format != "jsonl":
            frame = frame.select(*dict.fromkeys(plan.columns.values()))
        with _spark_errors(data.name):
            counts = _counts(frame, data.format)
            tasks = frame.sparkSession.sparkContext.defaultParallelism
            rows = sum(n for _, n, _ in counts)
            if sum(n > 0 for _, n, _ in counts) < tasks and rows >= tasks * BATCH_SIZE:
                frame = _spread(frame, tasks)  # else cores would wait
                counts = _counts(frame, data.format)
        offsets = _offsets(counts)

        def one_pass(start: States) -> States:
            """Every partition folded from ``start``'s empty states and the partial states
            merged."""
            task = _Fold(plan, data.format, offsets, start)
            with _spark_errors(data.name):
                parts = frame.mapInArrow(task, "part binary").rdd.map(_unpickle)
                part = parts.treeAggregate(_Part(start), _Part.merge, _Part.merge)
            if part.error:
                raise InputError(part.error)
            source.rows_read, source.unreadable = part.rows_read, part.unreadable
            return part.states

        return two_passes(plan, one_pass)


def _counts(frame: Any, format: str) -> list[tuple[int, int, int]]:
    """(partition, rows, records) of each partition (``_Count``), in partition order."""
    counts = frame.mapInArrow(_Count(format), "p long, n long, r long").collect()
    return sorted((p, n, r) for p, n, r in counts)


def _spread(frame: Any, partitions: int) -> Any:
    """The rows of ``frame`` in the same order, cut into ``partitions`` partitions of about
    equal rows. Spark splits a Parquet file only between row groups: a file of one row group
    is read by one task, and the other cores would wait while it is folded. The rows are
    numbered in the frame's order, range-partitioned on that number and sorted by it in each
    partition, and kept (``localCheckpoint``): the ranges come from a sample, and every later
    job must see the same partitions."""
    from pyspark.sql import functions as F

    row = "__synthgate_row"
    numbered = frame.withColumn(row, F.monotonically_increasing_id())
    spread = numbered.repartitionByRange(partitions, row).sortWithinPartitions(row).drop(row)
    return spread.localCheckpoint()


def _offsets(counts: list[tuple[int, int, int]]) -> dict[int, tuple[int, int]]:
    """Partition -> (rows, records) of the partitions before it, from ``_counts``."""
    offsets, rows, records = {}, 0, 0
    for partition, n, r in counts:
        offsets[partition] = (rows, records)
        rows, records = rows + n, records + r
    return offsets


@contextlib.contextmanager
def _spark_errors(name: str) -> Iterator[None]:
    """Spark's failures to read (a corrupt file, a lost executor) as one-line input errors;
    an exception in synthgate's own code in a task stays what it is (a bug). pyspark warns
    about pandas versions it has not tried: not the user's concern."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException, PythonException

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        try:
            yield
        except PythonException:
            raise
        except PySparkException as error:
            raise InputError(f"{name}: Spark failed: {_first_line(error)}") from None
        except (
            Py4JJavaError
        ) as error:  # raised in the JVM (a corrupt Parquet footer): say its cause
            raise InputError(f"{name}: Spark failed: {_first_line(error.java_exception)}") from None


def _unpickle(row: Any) -> _Part:
    part: _Part = pickle.loads(row[0])
    return part
