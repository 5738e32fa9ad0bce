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
  processes; the partial states are merged in any tree shape. Metric merges are order-free
  (``synthgate.metrics``), so it returns exactly the single pass's values: that is what lets a
  cluster engine (Spark's ``mapPartitions`` + ``treeAggregate``) reuse every metric.

A new engine implements ``Engine.run``: feed batches into ``States``, merge states, call
``States.values``.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from synthgate.batch import Batch
from synthgate.errors import InputError
from synthgate.loaders import Dataset
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
    """Metric states by scope, fed batch by batch; two ``States`` merge (in either order)."""

    def __init__(self, metrics: Iterable[Metric], group_role: str | None):
        self.metrics = frozenset(metrics)
        self.group_role = group_role
        self.states: dict[Scope, dict[Metric, Any]] = {}

    def _scope(self, scope: Scope) -> dict[Metric, Any]:
        if scope not in self.states and len(self.states) > MAX_GROUPS:
            raise InputError(
                f"the group column has more than {MAX_GROUPS} values; group by a column with "
                "fewer (one verdict per generator model, say), not by an id"
            )
        return self.states.setdefault(scope, {m: m.start() for m in self.metrics})

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
        out = States(self.metrics, self.group_role)
        for scope in dict.fromkeys([*self.states, *other.states]):
            mine, theirs = self.states.get(scope), other.states.get(scope)
            if mine is None or theirs is None:
                out._scope(scope).update(mine or theirs or {})
            else:
                out._scope(scope).update({m: m.merge(mine[m], theirs[m]) for m in self.metrics})
        return out

    def values(self) -> Values:
        return {
            scope: {m: m.finalize(s) for m, s in states.items()}
            for scope, states in self.states.items()
        }


def fold(plan: MetricPlan, batches: Iterable[Batch]) -> States:
    """The states of ``batches`` from empty ones (a task of the partitioned engine)."""
    states = States(plan.metrics, plan.group_role)
    for batch in batches:
        states.feed(batch)
    return states


def _batches(source: Dataset, plan: MetricPlan, progress: Progress | None) -> Iterable[Batch]:
    for batch, done in source.batches(plan.columns):
        yield batch
        if progress:
            progress(done, source.size)


class Engine(ABC):
    """Computes a plan's finalized metric values per scope over a source."""

    @abstractmethod
    def run(self, plan: MetricPlan, source: Dataset, progress: Progress | None = None) -> Values:
        """Read ``source`` (its ``rows_read`` and ``unreadable`` are filled) and return the
        finalized value of every metric of ``plan`` per scope."""


class LocalEngine(Engine):
    """One pass over the batches, in file order, in this process."""

    def run(self, plan: MetricPlan, source: Dataset, progress: Progress | None = None) -> Values:
        return fold(plan, _batches(source, plan, progress)).values()


@dataclass
class PartitionedEngine(Engine):
    """Batch ``j`` goes to partition ``j % partitions``; each partition is folded in tasks of
    ``task_batches`` batches, run in ``workers`` processes (1: in this process), and the
    partial states are merged as tasks finish. With ``seed``, the batches of a task, the tasks
    and the merge tree are shuffled (a test of order-freedom). Memory holds the tasks in
    flight (``2 * workers``, or ``window`` when shuffling in this process) and one state per
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
        rng = random.Random(self.seed)
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
                add(partition, fold(plan, batches))
        else:
            with ProcessPoolExecutor(max_workers=self.workers) as pool:
                running: dict[Future[States], int] = {}
                for partition, batches in tasks:
                    if shuffle:
                        rng.shuffle(batches)
                    running[pool.submit(fold, plan, batches)] = partition
                    if len(running) >= 2 * self.workers:
                        _collect(running, add, wait(running, return_when=FIRST_COMPLETED)[0])
                _collect(running, add, set(running))
        parts = list(acc.values()) or [States(plan.metrics, plan.group_role)]
        while len(parts) > 1:  # a random tree: merge two random parts until one is left
            if shuffle:
                rng.shuffle(parts)
            parts.append(parts.pop().merge(parts.pop()))
        return parts[0].values()


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


def engine_for(workers: int = 1) -> Engine:
    """The local single pass, or with ``workers`` > 1 a partitioned engine using that many
    processes (one partition each)."""
    if workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}")
    return LocalEngine() if workers == 1 else PartitionedEngine(workers, workers)
