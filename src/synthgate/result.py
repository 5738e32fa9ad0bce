"""The result of a validation run: what CI gates on and what reports show.

``ValidationResult.to_dict()`` follows ``schemas/result.schema.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from synthgate.judging import Verdict
from synthgate.observation import Observation


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation judged on one scope (the whole dataset, or one group).

    What an output shows is declared here: the entry (``expectation``, ``id``, ``columns``,
    ``severity``, ``bounds``, ``finding``), the ``observation`` of the data and the
    ``reference``'s, the judge's ``verdict``, and a ``note`` on how it was judged (e.g. why a
    reference was not compared). Built by ``Entry.result`` only.
    """

    expectation: str
    id: str
    columns: dict[str, str]
    group: str | None
    severity: str
    bounds: dict[str, float | None]
    finding: str
    observation: Observation
    verdict: Verdict
    reference_observation: Observation | None = None
    note: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    """The expectation's parameter values (what the report's "measures" line fills in)."""

    @property
    def success(self) -> bool | None:
        return self.verdict.success

    @property
    def status(self) -> str:
        if self.success is None:
            return "skipped"
        if self.success:
            return "passed"
        return "failed" if self.severity == "error" else "warning"

    @property
    def observed(self) -> float | None:
        return self.observation.value

    @property
    def interval(self) -> list[float | None] | None:
        return self.observation.interval

    @property
    def sample_size(self) -> int | None:
        return self.observation.n

    @property
    def subject(self) -> str | None:
        """What the observed value is about when it is one of several ("class 1")."""
        return self.observation.subject

    @property
    def reference(self) -> float | None:
        """The same value measured on the reference, when it could be."""
        return self.reference_observation.value if self.reference_observation else None

    @property
    def comparison(self) -> dict[str, Any] | None:
        comparison = self.verdict.comparison
        return comparison.to_dict() if comparison is not None else None

    @property
    def examples(self) -> list[dict[str, Any]]:
        return self.observation.examples or []

    @property
    def details(self) -> dict[str, Any]:
        return self.observation.details or {}

    @property
    def reason(self) -> str | None:
        """Why it was not judged (or what the observation says about itself)."""
        return self.verdict.reason or self.observation.reason

    @property
    def explanation(self) -> str:
        """The verdict in plain words, as every output shows it: "16% vs 4.4% in the reference
        (3.6 times as high); effect size h 0.42, allowed ≤ 0.2 (p = 0.013): beyond the bound but
        not significant at p < 0.01, too few rows to tell" (``report.format.explain``)."""
        from synthgate.report.format import explain  # the wording lives with the outputs

        return explain(self)

    def to_dict(self) -> dict[str, Any]:
        """The result as in ``schemas/result.schema.json``."""
        return {
            "expectation": self.expectation,
            "id": self.id,
            "columns": self.columns,
            "group": self.group,
            "success": self.success,
            "severity": self.severity,
            "observed": self.observed,
            "bounds": self.bounds,
            "finding": self.finding,
            "interval": self.interval,
            "sample_size": self.sample_size,
            "reference": self.reference,
            "comparison": self.comparison,
            "examples": self.examples,
            "details": self.details,
            "reason": self.reason,
            "subject": self.subject,
            "note": self.note,
            "status": self.status,
            "explanation": self.explanation,
        }


@dataclass
class ValidationResult:
    """The verdict on a dataset: ``success`` is False when an error-severity expectation failed."""

    suite: str
    dataset: dict[str, Any]
    results: list[ExpectationResult]
    reference: dict[str, Any] | None = None
    max_unreadable: float = 0.0
    """The share of unreadable rows allowed before the run fails."""

    @property
    def checked(self) -> bool:
        """Whether any expectation of the suite was evaluated (not all skipped)."""
        return any(r.success is not None for r in self.results)

    @property
    def readable(self) -> dict[str, Any]:
        """The share of rows that could not be read, judged against ``max_unreadable``."""
        read, unreadable = self.dataset["rows_read"], self.dataset["rows_unreadable"]
        share = unreadable / read if read else 0.0
        return {"share": share, "max": self.max_unreadable, "success": share <= self.max_unreadable}

    @property
    def success(self) -> bool:
        """Something was checked, no error-severity expectation failed, rows were readable."""
        failed = any(r.status == "failed" for r in self.results)
        return self.checked and not failed and self.readable["success"]

    @property
    def verdict(self) -> str:
        """PASSED, FAILED, or NOTHING CHECKED when every expectation was skipped."""
        if not self.checked:
            return "NOTHING CHECKED"
        return "PASSED" if self.success else "FAILED"

    @property
    def statistics(self) -> dict[str, int]:
        statuses = [r.status for r in self.results]
        return {
            "evaluated": sum(s != "skipped" for s in statuses),
            "passed": statuses.count("passed"),
            "failed": statuses.count("failed"),
            "warnings": statuses.count("warning"),
            "skipped": statuses.count("skipped"),
        }

    def failures(self) -> list[ExpectationResult]:
        return [r for r in self.results if r.status == "failed"]

    def to_dict(self) -> dict[str, Any]:
        return _finite(
            {
                "success": self.success,
                "verdict": self.verdict,
                "suite": self.suite,
                "dataset": self.dataset,
                "reference": self.reference,
                "readable": self.readable,
                "statistics": self.statistics,
                "results": [r.to_dict() for r in self.results],
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def _finite(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, keys become strings, tuples lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _finite(value.item())
    return value
