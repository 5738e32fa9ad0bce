"""One suite entry as plain data, measured on a DataFrame and judged: what integrations share.

An integration (Great Expectations, a pandera check) stores an entry as a ``Spec``: the
expectation's name and parameters, its bounds, comparison and severity, the role -> column
mapping, the codings and, optionally, a reference's metric values (``synthgate.embed``). It
measures with the runner's plan, states and ``observe_entry`` (the same metric code as a CLI
run) and judges with ``verdict`` (the same judge).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synthgate.embed import decode, encode
from synthgate.engine import LocalEngine, MetricPlan
from synthgate.expectations import Context
from synthgate.loaders import FRAME_ROWS, Dataset
from synthgate.metrics import Metric
from synthgate.observation import Observation
from synthgate.result import ExpectationResult
from synthgate.roles import Codings
from synthgate.runner import (
    Plan,
    _read,
    available_roles,
    measure_reference,
    observe_entry,
    reference_columns,
    resolve_columns,
)
from synthgate.suite import Entry, Suite, _parse_entry


@dataclass(frozen=True)
class Spec:
    """A suite entry with everything needed to measure and judge it on its own."""

    expectation: str
    params: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    bounds: dict[str, float | None] = field(default_factory=dict)
    compare: dict[str, Any] | None = None
    severity: str = "error"
    reference_severity: str | None = None
    """The severity when judged against a reference, when it differs (``Entry``)."""
    id: str | None = None
    codings: dict[str, Any] = field(default_factory=dict)
    reference: dict[str, Any] | None = None
    """``{"source": name, "values": {metric name: encoded value}}``: a reference's metrics."""

    @property
    def entry(self) -> Entry:
        raw = {
            "expect": self.expectation,
            "params": self.params,
            "bounds": {k: v for k, v in self.bounds.items() if v is not None},
            "compare": self.compare,
            "severity": {"alone": self.severity, "reference": self.reference_severity}
            if self.reference_severity
            else self.severity,
            **({"id": self.id} if self.id else {}),
        }
        return _parse_entry(raw, f"expectation {self.id or self.expectation}")

    @property
    def context(self) -> Context:
        codings = dict(self.codings)
        if codings.get("allowed_labels") is not None:
            codings["allowed_labels"] = tuple(codings["allowed_labels"])
        return Context(Codings(**codings))


def specs(
    suite: Suite,
    columns: dict[str, str] | None = None,
    codings: Codings | None = None,
    reference: dict[str, dict[str, Any]] | None = None,
    reference_source: str = "",
) -> list[Spec]:
    """The suite's entries as specs; ``reference`` holds each entry's reference metric values
    by entry id (see ``reference_values``)."""
    mapping = {**suite.columns, **(columns or {})}
    coded = _codings(codings or Codings())
    out = []
    for entry in suite.entries:
        params = {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in vars(entry.expectation).items()
            if v != type(entry.expectation).parameters()[k]
        }
        values = (reference or {}).get(entry.id)
        out.append(
            Spec(
                expectation=entry.expectation.name,
                params=params,
                columns={r: mapping.get(r, r) for r in _roles(entry)},
                bounds={k: v for k, v in entry.bounds.items() if v is not None},
                compare=dict(entry.compare) if entry.compare else None,
                severity=entry.severity,
                reference_severity=entry.reference_severity,
                id=entry.id,
                codings=coded,
                reference={"source": reference_source, "values": values}
                if values is not None
                else None,
            )
        )
    return out


def _roles(entry: Entry) -> list[str]:
    """The roles an entry reads, its paired reference roles included."""
    paired = entry.expectation.paired()
    return list(dict.fromkeys([*entry.expectation.roles, *(paired.roles if paired else ())]))


def _codings(codings: Codings) -> dict[str, Any]:
    """The codings that differ from the defaults."""
    out: dict[str, Any] = {}
    if dict(codings.choice_codes) != dict(Codings().choice_codes):
        out["choice_codes"] = dict(codings.choice_codes)
    if codings.allowed_labels is not None:
        out["allowed_labels"] = list(codings.allowed_labels)
    if codings.reference_choice_codes is not None:
        out["reference_choice_codes"] = dict(codings.reference_choice_codes)
    if codings.pair_order != Codings().pair_order:
        out["pair_order"] = codings.pair_order
    return out


def reference_values(
    suite: Suite, reference: Any, columns: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Per entry id, the encoded values of its metrics on a reference dataset (a path or a
    DataFrame), measured as ``validate(..., reference=...)`` measures them."""
    dataset = reference if isinstance(reference, Dataset) else Dataset(reference)
    mapping = {
        role: (columns or {}).get(role, suite.columns.get(role, role)) for role in suite.roles
    }
    found = available_roles(reference_columns(mapping, None, dataset))
    entries = [e for e in suite.entries if set(e.expectation.roles) <= found]
    metrics = {m for e in entries for m in e.expectation.metrics().values()}
    values, _ = measure_reference(dataset, reference_columns(mapping, None, dataset), metrics)
    return {
        entry.id: {name: encode(values[m]) for name, m in entry.expectation.metrics().items()}
        for entry in entries
    }


def observe(frame: Any, spec: Spec) -> tuple[Observation, Observation | None, dict[str, Any]]:
    """What ``spec`` observes on ``frame`` (and on its paired column or embedded reference),
    with the dataset's row counts."""
    entry = spec.entry
    suite = Suite(spec.expectation, "", dict(spec.columns), (), (entry,))
    dataset = Dataset(frame)
    columns = resolve_columns(suite, dataset, None)
    embedded = spec.reference["values"] if spec.reference else None
    plan = Plan(
        [entry], available_roles(columns), set(entry.expectation.roles) if embedded else None
    )
    values, info = _read(
        LocalEngine(), MetricPlan(frozenset(plan.data_metrics), columns), dataset, None
    )
    ref_values: dict[Metric, Any] = {}
    if embedded is not None:
        ref_values = {
            metric: decode(embedded[name]) for name, metric in entry.expectation.metrics().items()
        }
    observation, reference = observe_entry(
        entry, plan, values.get(None, {}), ref_values, spec.context
    )
    return observation, reference, info


def frame(source: Any) -> tuple[Any, Dataset]:
    """A file read whole into a pandas DataFrame (what GX validates), and its ``Dataset``,
    whose ``unreadable`` holds the rows that could not be parsed."""
    import pandas as pd

    dataset = Dataset(source)
    if dataset.frame is not None:
        return dataset.frame, dataset
    data: dict[str, list[Any]] = {column: [] for column in dataset.columns}
    rows: list[int] = []
    ids: list[int] = []
    for chunk in dataset._chunks(dataset.columns):
        dataset.unreadable.add(chunk.errors)
        dataset.rows_read += len(chunk.rows) + len(chunk.errors)
        rows.extend(chunk.rows)
        ids.extend(chunk.ids)
        for column, values in chunk.data.items():
            data[column].extend(values)
    out = pd.DataFrame(data)
    out.attrs[FRAME_ROWS] = (rows, ids)  # rows keep their line numbers and record ids
    return out, dataset


def verdict(
    spec: Spec, observation: Observation, reference: Observation | None, columns: dict[str, str]
) -> ExpectationResult:
    """The entry judged by the pure judge (``synthgate.judging``), as a result: as in a CLI run."""
    return spec.entry.result(observation, reference, columns, None)
