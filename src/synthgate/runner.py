"""Run a suite over a dataset: an engine (``synthgate.engine``) computes every metric of the
suite in one pass over its batches (or in partitions, with ``workers``).

Values are kept per scope: ``None`` for the whole dataset, and one per value of the ``group``
role when it is mapped, so each group gets its own verdict beside the overall one. A reference
(the paired human column, or a reference dataset read with the same roles) is measured with
the same metrics and handed to each expectation beside the data's values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from synthgate.engine import Engine, LocalEngine, MetricPlan, Progress, engine_for
from synthgate.errors import InputError
from synthgate.expectations import Context, Expectation
from synthgate.loaders import Dataset
from synthgate.metrics import Metric
from synthgate.observation import Observation
from synthgate.result import ExpectationResult, ValidationResult
from synthgate.roles import Codings
from synthgate.suite import Entry, Suite, load_suite


def resolve_columns(
    suite: Suite, dataset: Dataset, mapping: dict[str, str] | None
) -> dict[str, str]:
    """Role -> column: the suite's defaults that exist in the data (else a column named like the
    role), overridden by ``mapping``.

    A column mapped explicitly must exist; a required role must end up mapped.
    """
    mapping = dict(mapping or {})
    dataset.require(mapping)
    columns = {role: col for role, col in suite.columns.items() if col in dataset.columns}
    columns.update({role: role for role in suite.roles - set(columns) if role in dataset.columns})
    if (
        "turns" in suite.roles
        and "turns" not in columns
        and set(LONG_FORMAT) <= set(dataset.columns)
    ):
        columns.update({role: role for role in LONG_FORMAT})
    columns.update(mapping)
    if "dialogue_id" in columns:
        columns.pop("turns", None)
    for role in suite.required:
        if role not in columns and not (role == "turns" and "dialogue_id" in columns):
            wanted = suite.columns.get(role, role)
            hint = f"--map {role}=COLUMN"
            if role == "turns":
                hint += (
                    ", or for one row per turn --map dialogue_id=.. --map speaker=.. --map text=.."
                )
            raise InputError(
                f"{dataset.name}: no column {wanted!r} for role {role!r} needed by suite {suite.name!r}; "
                f"columns are: {', '.join(dataset.columns)} (use {hint})"
            )
    return columns


def reference_columns(
    columns: dict[str, str], reference_mapping: dict[str, str] | None, reference: Dataset
) -> dict[str, str]:
    """Role -> column in the reference: the data's mapping where the reference has the column,
    overridden by ``reference_mapping`` (whose columns must exist). No groups."""
    explicit = dict(reference_mapping or {})
    reference.require(explicit)
    inherited = {r: c for r, c in columns.items() if c in reference.columns and r != "group"}
    if not inherited and not explicit:
        raise InputError(
            f"{reference.name}: the reference has none of the mapped columns "
            f"({', '.join(sorted(set(columns.values())))}); its columns are: "
            f"{', '.join(reference.columns)} (use --reference-map ROLE=COLUMN)"
        )
    return {**inherited, **explicit}


LONG_FORMAT = ("dialogue_id", "speaker", "text")
"""Columns of dialogues stored one row per turn."""


def available_roles(columns: dict[str, str]) -> set[str]:
    """Roles the batches will carry (long-format dialogues arrive as ``turns``)."""
    roles = set(columns)
    return roles | {"turns"} if "dialogue_id" in roles else roles


@dataclass
class Plan:
    """Which metrics to compute on the data and on the reference, for which entries."""

    entries: list[Entry]
    available: set[str]
    reference_available: set[str] | None = None
    """Roles the reference dataset has; None without a reference dataset."""
    data_metrics: set[Metric] = field(default_factory=set)
    reference_metrics: set[Metric] = field(default_factory=set)
    paired: dict[str, Expectation] = field(default_factory=dict)
    unpaired: set[str] = field(default_factory=set)
    """Ids of entries measured on the reference dataset."""

    def __post_init__(self) -> None:
        for entry in self.entries:
            expectation = entry.expectation
            if self.missing(expectation):
                continue
            self.data_metrics.update(expectation.metrics().values())
            paired = expectation.paired()
            if paired is not None and not self.missing(paired):
                self.paired[entry.id] = paired
                self.data_metrics.update(paired.metrics().values())
            elif self.reference_available is not None and not self.missing(
                expectation, self.reference_available
            ):
                self.unpaired.add(entry.id)
                self.reference_metrics.update(expectation.metrics().values())

    def missing(self, expectation: Expectation, available: set[str] | None = None) -> list[str]:
        roles = self.available if available is None else available
        return [role for role in expectation.roles if role not in roles]


def _read(
    engine: Engine, plan: MetricPlan, dataset: Dataset, progress: Progress | None
) -> tuple[dict[str | None, dict[Metric, Any]], dict[str, Any]]:
    """The plan's values per scope, and what was read (rows, unreadable rows)."""
    values = engine.run(plan, dataset, progress)
    columns = plan.columns
    unreadable = dataset.unreadable
    if dataset.rows_read == len(unreadable):
        first = (
            f" (row {unreadable.reasons[0][0]}: {unreadable.reasons[0][1]})"
            if unreadable.reasons
            else ""
        )
        raise InputError(f"{dataset.name}: no readable rows; {len(unreadable)} unreadable{first}")
    return values, {
        "path": dataset.name,
        "format": dataset.format,
        "columns": columns,
        "rows_read": dataset.rows_read,
        "rows_validated": dataset.rows_read - len(unreadable),
        "rows_unreadable": len(unreadable),
        "unreadable": [
            {"row": row, "reason": reason} for row, reason in sorted(unreadable.reasons)
        ],
        "unreadable_rows": sorted(unreadable.rows),
    }


def expectation_values(expectation: Expectation, values: dict[Metric, Any]) -> dict[str, Any]:
    return {name: values[metric] for name, metric in expectation.metrics().items()}


def measure_reference(
    dataset: Dataset, columns: dict[str, str], metrics: set[Metric], engine: Engine | None = None
) -> tuple[dict[Metric, Any], dict[str, Any]]:
    """The values of ``metrics`` on a reference dataset (one scope), and what was read."""
    needed = {role for m in metrics for role in m.roles}
    if "turns" in needed:
        needed |= set(LONG_FORMAT) if "dialogue_id" in columns else set()
    plan = MetricPlan(frozenset(metrics), {r: c for r, c in columns.items() if r in needed})
    values, info = _read(engine or LocalEngine(), plan, dataset, None)
    return values.get(None, {}), info


def validate(
    data: str | os.PathLike[str] | Any,
    suite: str | Suite,
    *,
    mapping: dict[str, str] | None = None,
    reference: str | os.PathLike[str] | Any | None = None,
    reference_mapping: dict[str, str] | None = None,
    codings: Codings | None = None,
    progress: Progress | None = None,
    max_unreadable: float = 0.0,
    workers: int = 1,
    engine: Engine | None = None,
) -> ValidationResult:
    """Validate ``data`` (a path, a pandas or Spark DataFrame) against ``suite`` (a name, path
    or Suite).

    ``mapping`` maps roles to columns (``{"label": "model_labels"}``); ``reference`` is a human
    dataset measured the same way (``reference_mapping`` when its columns differ). The share of
    unreadable rows is judged too: above ``max_unreadable`` the run fails. Metrics run in one
    pass, or with ``workers`` > 1 in that many processes (``engine.PartitionedEngine``; the
    result is the same); ``engine`` picks any other engine (a Spark DataFrame gets
    ``spark.SparkEngine``).
    """
    engine = engine or engine_for(workers, data)
    suite = suite if isinstance(suite, Suite) else load_suite(suite)
    dataset = engine.open(data)
    columns = resolve_columns(suite, dataset, mapping)
    ref_dataset, ref_columns = None, {}
    if reference is not None:
        ref_dataset = engine.open(reference)
        ref_columns = reference_columns(columns, reference_mapping, ref_dataset)
    reference_available = available_roles(ref_columns) if ref_dataset is not None else None
    plan = Plan(list(suite.entries), available_roles(columns), reference_available)
    if ref_dataset is not None and plan.paired:
        paired = sorted({r for e in plan.paired.values() for r in e.roles} & set(columns))
        raise InputError(
            f"both paired reference columns ({', '.join(f'{r}={columns[r]}' for r in paired)}) and "
            f"--reference {ref_dataset.name} were given; use one of them"
        )
    group_role = "group" if "group" in columns else None

    data_plan = MetricPlan(frozenset(plan.data_metrics), columns, group_role)
    values, dataset_info = _read(engine, data_plan, dataset, progress)

    ref_values: dict[Metric, Any] = {}
    reference_info = None
    if ref_dataset is not None and plan.reference_metrics:
        ref_values, reference_info = measure_reference(
            ref_dataset, ref_columns, plan.reference_metrics, engine
        )

    context = Context(codings or Codings())
    results: list[ExpectationResult] = []
    scopes = [None, *sorted(k for k in values if k is not None)]
    for scope in scopes:
        for entry in suite.entries:
            results.append(
                _judge(entry, plan, values.get(scope, {}), ref_values, columns, scope, context)
            )
    return ValidationResult(suite.name, dataset_info, results, reference_info, max_unreadable)


def observe_entry(
    entry: Entry,
    plan: Plan,
    values: dict[Metric, Any],
    ref_values: dict[Metric, Any],
    context: Context,
) -> tuple[Observation, Observation | None]:
    """What ``entry`` observed on the data and, when it has one, on its reference (the paired
    column's metrics in ``values``, or a reference dataset's in ``ref_values``)."""
    expectation = entry.expectation
    missing = plan.missing(expectation)
    if missing:
        reason = f"role {missing[0]!r} is not mapped to a column (use --map {missing[0]}=COLUMN)"
        return Observation(None, reason=reason), None
    reference = None
    if entry.id in plan.paired:
        reference = expectation_values(plan.paired[entry.id], values)
    elif entry.id in plan.unpaired:
        reference = expectation_values(expectation, ref_values)
    return expectation.observe(expectation_values(expectation, values), reference, context)


def _judge(
    entry: Entry,
    plan: Plan,
    values: dict[Metric, Any],
    ref_values: dict[Metric, Any],
    columns: dict[str, str],
    scope: str | None,
    context: Context,
) -> ExpectationResult:
    observation, ref_observation = observe_entry(entry, plan, values, ref_values, context)
    note = None
    measured = not plan.missing(entry.expectation)
    compared = entry.id in plan.paired or entry.id in plan.unpaired
    if measured and not compared and entry.compare and plan.reference_available is not None:
        lacking = plan.missing(entry.expectation, plan.reference_available)
        note = (
            f"not compared: the reference has no column for role {lacking[0]!r} "
            f"(use --reference-map {lacking[0]}=COLUMN); judged by bounds"
        )
    return entry.result(observation, ref_observation, columns, scope, note)
