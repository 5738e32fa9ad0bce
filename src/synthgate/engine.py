"""Engines: how a plan's metrics are computed over a source.

Declarations (suites, expectations: *what* is measured) are separate from engines (*how* the
metrics run), as in pandera's api/backends split. A ``MetricPlan`` names the metrics, the
columns of their roles and the role that splits rows into scopes; an engine reads a ``Dataset``
and returns every metric's finalized value per scope (``None`` for the whole dataset, one per
value of the group role). Everything an engine exchanges pickles: metrics are frozen
dataclasses, ``States`` plain data.

- ``LocalEngine``: one pass over the batches in file order (the default).
- ``PartitionedEngine``: the batches are dealt to ``partitions`` partitions and folded in
  tasks of a few batches each, in any order (a seeded shuffle with ``seed``), in ``workers``
  processes (each reading its own partition, ``fold_shard``, when the source reads in shards);
  the partial states are merged in any tree shape. Metric merges are order-free
  (``synthgate.metrics``), so it returns exactly the single pass's values: that is what lets a
  cluster engine (Spark's ``mapPartitions`` + ``treeAggregate``) reuse every metric.

A new engine implements ``Engine.run``: feed batches into ``States``, merge states; then, when
``States.second_pass()`` returns states (a metric whose merged state cannot give the exact
value, e.g. near-duplicates beyond ``MAX_HELD`` texts under partitioning), feed every batch
again into copies of those (``fold(batches, second)``) and merge them the same way; call
``States.values(second)``. ``two_passes`` does that around any one-pass fold-and-merge. A part
of the rows to be merged starts from ``Metric.start_part`` (``States(..., part=True)``):
metrics skip the work a merge throws away. Near-duplicates then always take the second pass,
so ``two_passes`` folds them alone in the first (``Metric.alone_first``) and the other metrics
in the second, beside them: the rows' text features are computed once.
"""

from __future__ import annotations

import gc
import pickle
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from typing import Any

from synthgate.batch import Batch
from synthgate.errors import InputError
from synthgate.loaders import Dataset, Shard, Unreadable
from synthgate.metrics import Metric

Scope = str | None
"""``None`` for the whole dataset, else one value of the group role."""
Values = dict[Scope, dict[Metric, Any]]
"""Finalized metric values per scope."""
Progress = Callable[[int, int], None]
"""Called with (done, total) as the data is read; units are bytes or rows, per format."""

MAX_GROUPS = 200
"""Each group keeps its own metric states, so groups are few by design."""


@dataclass(frozen=True)
class MetricPlan:
    """What an engine computes: ``metrics`` over the roles ``columns`` maps to source columns,
    per value of ``group_role`` too when it is set."""

    metrics: frozenset[Metric]
    columns: dict[str, str] = field(hash=False)
    group_role: str | None = None


class States:
    """Metric states by scope, fed batch by batch; two ``States`` merge (in either order).

    A scope starts with empty states of ``metrics``; a second pass's states
    (``second_pass``) also hold the states that some metrics' second pass starts from."""

    def __init__(self, metrics: Iterable[Metric], group_role: str | None, *, part: bool = False):
        self.metrics = frozenset(metrics)
        self.group_role = group_role
        self.part = part
        """States of a part of the rows, to be merged (``Metric.start_part``)."""
        self.states: dict[Scope, dict[Metric, Any]] = {}

    def _start(self) -> dict[Metric, Any]:
        return {m: m.start_part() if self.part else m.start() for m in self.metrics}

    def _scope(self, scope: Scope) -> dict[Metric, Any]:
        if scope not in self.states and len(self.states) > MAX_GROUPS:
            raise InputError(
                f"the group column has more than {MAX_GROUPS} values; group by a column with "
                "fewer (one verdict per generator model, say), not by an id"
            )
        if scope not in self.states:
            self.states[scope] = self._start()
        return self.states[scope]

    def _update(self, scope: Scope, batch: Batch) -> None:
        states = self._scope(scope)
        for metric, state in states.items():
            states[metric] = metric.update(state, batch)

    def feed(self, batch: Batch) -> None:
        self._update(None, batch)
        if self.group_role:
            for key, part in batch.groups(self.group_role):
                self._update(key, part)

    def merge(self, other: States) -> States:
        """The states of both sides' rows together; neither side may be fed afterwards (the
        result may share their states)."""
        out = States(self.metrics, self.group_role, part=self.part)
        for scope in dict.fromkeys([*self.states, *other.states]):
            mine, theirs = self.states.get(scope), other.states.get(scope)
            if mine is None or theirs is None:
                out._scope(scope).update(mine or theirs or {})
            else:
                out.states[scope] = {m: m.merge(mine[m], theirs[m]) for m in mine}
        return out

    def second_pass(self, then: Iterable[Metric] = ()) -> States | None:
        """Empty states of a second pass over the same rows: those that some metrics need to
        finalize exactly (``Metric.second_pass``), for the scopes where they do, and those of
        the metrics ``then`` (not folded yet); None when there are neither."""
        out = States(then, None, part=self.part)
        for scope, states in self.states.items():
            again = {m: m.second_pass(s) for m, s in states.items()}
            if found := {m: s for m, s in again.items() if s is not None}:
                out.states[scope] = out._start() | found
                if scope is not None:
                    out.group_role = self.group_role
        if out.metrics:
            out.group_role = self.group_role
        return out if out.states or out.metrics else None

    def values(self, second: States | None = None) -> Values:
        """Finalized values per scope; a metric's state from ``second`` (the second pass) when
        it has one."""
        later = second.states if second else {}
        return {
            scope: {
                m: m.finalize(s)
                for m, s in (self.states.get(scope, {}) | later.get(scope, {})).items()
            }
            for scope in dict.fromkeys([*self.states, *later])
        }


COLLECT_EVERY = 64
"""Batches folded between two runs of Python's cyclic garbage collector, which is off while
folding. A batch makes about 10^6 tracked objects (text features, token lists, shingle sets,
n-gram tuples) that are freed by reference counting when it is done; run automatically, the
collector kept rescanning them, and the long-lived states, while they lived: 8% of the
dialogues suite's time at 20k dialogues, still 5% with its thresholds raised to (100,000, 50,
100), the setting before. A full collection scans every live object (the batch and the states:
0.2-0.3 s), so it runs rarely: every 16 batches cost instructions 6% at 1M rows, every 64
nothing measurable. Cyclic garbage, where any is made, waits at most this many batches (about
260k rows); the collections at batch ends found almost none."""


def fold(batches: Iterable[Batch], start: States) -> States:
    """The states of ``batches``, from a copy of ``start``: empty states (of a part of the rows
    to be merged with others, a task of the partitioned engine or a Spark partition, unless
    the whole source in row order), or a second pass's (``States.second_pass``). The cyclic
    garbage collector runs every ``COLLECT_EVERY`` batches only."""
    states = _copy(start)
    collecting = gc.isenabled()
    gc.disable()
    try:
        for count, batch in enumerate(batches, 1):
            states.feed(batch)
            if count % COLLECT_EVERY == 0:
                gc.collect()
    finally:
        if collecting:
            gc.enable()
    return states


def _copy(states: States) -> States:
    """A copy as a worker process gets it (faster than ``copy.deepcopy``)."""
    copied: States = pickle.loads(pickle.dumps(states, pickle.HIGHEST_PROTOCOL))
    return copied


def two_passes(
    plan: MetricPlan, run_pass: Callable[[States], States], *, part: bool = True
) -> Values:
    """The values of ``plan``, given ``run_pass(start)``: every batch of the source folded
    (``fold``) from copies of ``start`` and merged. The second pass runs only when a metric
    needs it (``States.second_pass``).

    In parts of the rows (``part``), the metrics whose parts always need a second pass
    (``Metric.alone_first``: near-duplicates) are folded alone in the first pass, and every
    other metric in the second, beside them: the rows' text features are then computed once
    (the first pass only reads the rows and draws the pool)."""
    alone = frozenset(m for m in plan.metrics if part and m.alone_first)
    first = run_pass(States(alone or plan.metrics, plan.group_role, part=part))
    second = first.second_pass(plan.metrics - alone if alone else ())
    return first.values(run_pass(second) if second else None)


@dataclass
class Part:
    """What a part of the rows gave (a shard read by a worker process, a Spark partition):
    its states, how many rows it read and which of them were unreadable."""

    states: States
    rows_read: int = 0
    unreadable: Unreadable = field(default_factory=Unreadable)

    def merge(self, other: Part) -> Part:
        return Part(
            self.states.merge(other.states),
            self.rows_read + other.rows_read,
            self.unreadable.merge(other.unreadable),
        )


def fold_shard(plan: MetricPlan, source: Dataset, shard: Shard, start: States) -> Part:
    """A worker's task: ``shard``'s rows, read in this process, folded (``fold``)."""
    states = fold((batch for batch, _ in source.batches(plan.columns, shard)), start)
    return Part(states, source.rows_read, source.unreadable)


def _batches(source: Dataset, plan: MetricPlan, progress: Progress | None) -> Iterable[Batch]:
    for batch, done in source.batches(plan.columns):
        yield batch
        if progress:
            progress(done, source.size)


class Engine(ABC):
    """Computes a plan's finalized metric values per scope over a source."""

    def open(self, data: Any) -> Dataset:
        """What ``run`` reads: ``data`` (a path or a DataFrame) as a ``Dataset``."""
        return data if isinstance(data, Dataset) else Dataset(data)

    @abstractmethod
    def run(self, plan: MetricPlan, source: Dataset, progress: Progress | None = None) -> Values:
        """Read ``source`` (its ``rows_read`` and ``unreadable`` are filled) and return the
        finalized value of every metric of ``plan`` per scope."""


class LocalEngine(Engine):
    """One pass over the batches, in file order, in this process."""

    def run(self, plan: MetricPlan, source: Dataset, progress: Progress | None = None) -> Values:
        return two_passes(
            plan, lambda start: fold(_batches(source, plan, progress), start), part=False
        )


@dataclass
class PartitionedEngine(Engine):
    """Batch ``j`` goes to partition ``j % partitions``; the partial states are merged as they
    finish.

    With ``workers`` > 1 and a source that reads in shards (``Dataset.shardable``: Parquet, JSON
    Lines, ``save_to_disk``), each worker process reads and folds a partition itself
    (``fold_shard``), so reading, checking and folding all run in parallel, in both passes;
    this process only merges and finalizes. Otherwise this process reads the batches and each
    partition is folded in tasks of ``task_batches`` batches, run in ``workers`` processes
    (1: in this process). With ``seed``, the batches of a task, the tasks and the merge tree
    are shuffled (a test of order-freedom; never in shards). Memory holds the tasks in flight
    (``2 * workers``, or ``window`` when shuffling in this process) and one state per
    partition."""

    partitions: int = 2
    workers: int = 1
    seed: int | None = None
    task_batches: int = 4
    window: int = 64

    def __post_init__(self) -> None:
        if self.partitions < 1 or self.workers < 1:
            raise ValueError("partitions and workers must be at least 1")

    def _tasks(self, batches: Iterable[Batch]) -> Iterable[tuple[int, list[Batch]]]:
        pending: dict[int, list[Batch]] = {}
        for j, batch in enumerate(batches):
            part = pending.setdefault(j % self.partitions, [])
            part.append(batch)
            if len(part) >= self.task_batches:
                yield j % self.partitions, pending.pop(j % self.partitions)
        yield from pending.items()

    def run(self, plan: MetricPlan, source: Dataset, progress: Progress | None = None) -> Values:
        """One pass, and a second only when a metric needs it: the source is then read again
        (twice the reading and parsing, and the second-pass metrics' work on every row)."""
        if self.workers > 1 and self.seed is None and source.shardable(plan.columns):
            with ProcessPoolExecutor(max_workers=self.workers) as pool:
                return two_passes(
                    plan, lambda start: self._shards(pool, plan, source, progress, start)
                )
        rng = random.Random(self.seed)
        return two_passes(plan, lambda start: self._pass(plan, source, progress, start, rng))

    def _shards(
        self,
        pool: ProcessPoolExecutor,
        plan: MetricPlan,
        source: Dataset,
        progress: Progress | None,
        start: States,
    ) -> States:
        """One pass: each partition read and folded by a worker (``fold_shard``), the parts
        merged as they finish; progress moves as each part finishes."""
        shards = [Shard(index, self.partitions) for index in range(self.partitions)]
        tasks = [pool.submit(fold_shard, plan, source, shard, start) for shard in shards]
        merged: Part | None = None
        for done, task in enumerate(as_completed(tasks), start=1):
            merged = task.result() if merged is None else merged.merge(task.result())
            if progress:
                progress(source.size * done // len(tasks), source.size)
        assert merged is not None
        source.rows_read, source.unreadable = merged.rows_read, merged.unreadable
        return merged.states

    def _pass(
        self,
        plan: MetricPlan,
        source: Dataset,
        progress: Progress | None,
        start: States,
        rng: random.Random,
    ) -> States:
        shuffle = self.seed is not None
        acc: dict[int, States] = {}

        def add(partition: int, states: States) -> None:
            if partition in acc:
                left, right = acc.pop(partition), states
                if shuffle and rng.random() < 0.5:
                    left, right = right, left
                states = left.merge(right)
            acc[partition] = states

        tasks = self._tasks(_batches(source, plan, progress))
        if self.workers == 1:
            for partition, batches in _windowed(tasks, self.window if shuffle else 1, rng):
                if shuffle:
                    rng.shuffle(batches)
                add(partition, fold(batches, start))
        else:
            with ProcessPoolExecutor(max_workers=self.workers) as pool:
                running: dict[Future[States], int] = {}
                for partition, batches in tasks:
                    if shuffle:
                        rng.shuffle(batches)
                    running[pool.submit(fold, batches, start)] = partition
                    if len(running) >= 2 * self.workers:
                        _collect(running, add, wait(running, return_when=FIRST_COMPLETED)[0])
                _collect(running, add, set(running))
        parts = list(acc.values()) or [start]
        while len(parts) > 1:  # a random tree: merge two random parts until one is left
            if shuffle:
                rng.shuffle(parts)
            parts.append(parts.pop().merge(parts.pop()))
        return parts[0]


def _windowed(
    tasks: Iterable[tuple[int, list[Batch]]], window: int, rng: random.Random
) -> Iterable[tuple[int, list[Batch]]]:
    """The tasks in a random order within windows of ``window`` tasks (as read when 1)."""
    buffer: list[tuple[int, list[Batch]]] = []
    for task in tasks:
        buffer.append(task)
        if len(buffer) >= window:
            rng.shuffle(buffer)
            yield from buffer
            buffer = []
    rng.shuffle(buffer)
    yield from buffer


def _collect(
    running: dict[Future[States], int],
    add: Callable[[int, States], None],
    done: set[Future[States]],
) -> None:
    for future in done:
        add(running.pop(future), future.result())


def engine_for(workers: int = 1, data: Any = None) -> Engine:
    """The local single pass, or with ``workers`` > 1 a partitioned engine using that many
    processes (one partition each); the Spark engine when ``data`` is a Spark DataFrame."""
    if workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    from synthgate import spark  # imports pyspark only when it runs

    if spark.is_spark_frame(data):
        return spark.SparkEngine()
    return LocalEngine() if workers == 1 else PartitionedEngine(workers, workers)
