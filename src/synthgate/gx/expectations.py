"""Every synthgate expectation as a Great Expectations expectation, generated from the registry.

``ExpectSynthgateDistinctN`` (type ``expect_synthgate_distinct_n``) and one class like it per
registered expectation share one base, ``SynthgateExpectation``, a table-level
``BatchExpectation``. Its one metric, ``synthgate.observations``, feeds the batch's pandas
DataFrame through synthgate's own batches and metrics (``synthgate.adapter.observe``);
``_validate`` judges with synthgate's judge (``synthgate.adapter.verdict``). Data Docs read
three legacy renderers: the entry as a sentence, the observed value with its interval and the
reference's value, and the first example rows. Every value that comes from the data (or from a
suite) is a string-template parameter, which Data Docs escape.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from dataclasses import asdict
from typing import Any, ClassVar

from great_expectations.compatibility import pydantic
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import BatchExpectation
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider
from great_expectations.render import (
    LegacyDiagnosticRendererType,
    LegacyRendererType,
    RenderedStringTemplateContent,
    RenderedTableContent,
)
from great_expectations.render.renderer.renderer import renderer
from great_expectations.validator.metric_configuration import MetricConfiguration

from synthgate import adapter
from synthgate.describe import sentence, show
from synthgate.errors import SynthgateError
from synthgate.expectations import REGISTRY
from synthgate.expectations import Expectation as SynthgateEntry
from synthgate.report.format import STATISTICS, number
from synthgate.result import _finite

METRIC = "synthgate.observations"
EXAMPLES_SHOWN = 5
SEVERITY = {"error": "critical", "warning": "warning"}
"""synthgate severity -> Great Expectations severity (a failed ``critical`` fails the run)."""


class SynthgateObservations(TableMetricProvider):
    """What one synthgate entry observes on the batch, and on its reference."""

    metric_name = METRIC
    value_keys = ("spec",)

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        execution_engine: PandasExecutionEngine,
        metric_domain_kwargs: dict[str, Any],
        metric_value_kwargs: dict[str, Any],
        metrics: dict[str, Any],
        runtime_configuration: dict[str, Any],
    ) -> Any:
        frame, _, _ = execution_engine.get_compute_domain(
            metric_domain_kwargs, domain_type=MetricDomainTypes.TABLE
        )
        return adapter.observe(frame, adapter.Spec(**metric_value_kwargs["spec"]))


class SynthgateExpectation(BatchExpectation):
    """A synthgate expectation judged on a whole batch, with synthgate's bounds and comparison.

    ``params`` are the synthgate expectation's parameters, ``columns`` maps its roles to
    columns, ``min_value``/``max_value`` are its bounds and ``compare`` its comparison with a
    reference (``reference`` embeds the reference's metric values, or a paired column such as
    ``reference_label`` serves). ``codings`` says how labels and judgements are coded.
    """

    params: dict[str, Any] = pydantic.Field(default_factory=dict)
    columns: dict[str, str] = pydantic.Field(default_factory=dict)
    min_value: float | None = None
    max_value: float | None = None
    compare: dict[str, Any] | None = None
    codings: dict[str, Any] = pydantic.Field(default_factory=dict)
    reference: dict[str, Any] | None = None
    synthgate_id: str | None = None
    synthgate_severity: dict[str, str] | None = None
    """``{alone: ..., reference: ...}`` when the severity depends on whether a reference is
    compared; GX's own ``severity`` is then the one of the mode the suite was exported for."""

    metric_dependencies: ClassVar[tuple[str, ...]] = (METRIC,)
    success_keys: ClassVar[tuple[str, ...]] = (
        "params",
        "columns",
        "min_value",
        "max_value",
        "compare",
        "codings",
        "reference",
        "synthgate_id",
        "synthgate_severity",
    )

    @classmethod
    @abstractmethod
    def synthgate(cls) -> type[SynthgateEntry]:
        """The synthgate expectation this class stands for."""

    @property
    def spec(self) -> adapter.Spec:
        return adapter.Spec(
            expectation=self.synthgate().name,
            params=dict(self.params),
            columns=dict(self.columns),
            bounds={"min": self.min_value, "max": self.max_value},
            compare=dict(self.compare) if self.compare else None,
            severity=self.synthgate_severity["alone"]
            if self.synthgate_severity
            else "warning"
            if str(self.severity.value) != "critical"
            else "error",
            reference_severity=self.synthgate_severity["reference"]
            if self.synthgate_severity
            else None,
            id=self.synthgate_id,
            codings=dict(self.codings),
            reference=self.reference,
        )

    def get_validation_dependencies(
        self, execution_engine: Any = None, runtime_configuration: dict[str, Any] | None = None
    ) -> Any:
        dependencies = super().get_validation_dependencies(execution_engine, runtime_configuration)
        dependencies.set_metric_configuration(
            metric_name=METRIC,
            metric_configuration=MetricConfiguration(
                metric_name=METRIC,
                metric_domain_kwargs={"batch_id": self.batch_id} if self.batch_id else {},
                metric_value_kwargs={"spec": asdict(self.spec)},
            ),
        )
        return dependencies

    def _validate(
        self,
        metrics: dict[str, Any],
        runtime_configuration: dict[str, Any] | None = None,
        execution_engine: Any = None,
    ) -> dict[str, Any]:
        observation, reference, info = metrics[METRIC]
        spec = self.spec
        result = adapter.verdict(spec, observation, reference, info["columns"])
        details = _finite(result.to_dict())
        details["rows_validated"] = info["rows_validated"]
        details["rows_unreadable"] = info["rows_unreadable"]
        # GX has no "skipped": an entry that could not be measured is not a failure, and its
        # status and reason say so (a run where nothing was measured is refused by the CLI).
        return {
            "success": result.success is not False,
            "result": {"observed_value": details["observed"], "details": details},
        }

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    def _prescriptive_renderer(
        cls,
        configuration: Any = None,
        result: Any = None,
        runtime_configuration: dict[str, Any] | None = None,
    ) -> list[RenderedStringTemplateContent]:
        configuration = configuration or (result.expectation_config if result else None)
        if configuration is None:
            return []
        spec = configuration.to_domain_obj().spec
        entry = spec.entry
        template, params = sentence(entry.expectation, spec.columns, entry.bounds, entry.compare)
        if spec.reference:
            template += " Reference: $reference_source."
            params["reference_source"] = str(spec.reference.get("source") or "embedded")
        if SEVERITY[_mode_severity(spec)] == "warning":
            template += " (warning)"
        return [_text(template, params)]

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.OBSERVED_VALUE)
    def _diagnostic_observed_value_renderer(
        cls,
        configuration: Any = None,
        result: Any = None,
        runtime_configuration: dict[str, Any] | None = None,
    ) -> Any:  # RenderedStringTemplateContent or "--"
        details = (result.result or {}).get("details") if result else None
        if not details:
            return "--"
        if details["status"] == "skipped":
            return _text("skipped: $reason", {"reason": str(details["reason"])})
        template, params = "$observed", {"observed": number(details["observed"])}
        if details.get("subject"):
            template += " ($subject)"
            params["subject"] = str(details["subject"])
        if details.get("interval") and details["interval"][0] is not None:
            template += " (95% interval $low to $high)"
            params.update(low=number(details["interval"][0]), high=number(details["interval"][1]))
        if details.get("sample_size") is not None:
            template += ", n = $n"
            params["n"] = show(details["sample_size"])
        if details.get("reference") is not None:
            template += "; reference $reference"
            params["reference"] = number(details["reference"])
        comparison = details.get("comparison")
        if comparison:
            template += "; $statistic $value"
            name = STATISTICS.get(comparison["statistic"], comparison["statistic"])
            params.update(statistic=name, value=number(comparison["value"]))
            if comparison.get("p_value") is not None:
                template += " (p = $p)"
                params["p"] = f"{comparison['p_value']:.2g}"
        note = details.get("note")
        if note:
            template += "; $note"
            params["note"] = str(note)
        return _text(template, params)

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.UNEXPECTED_TABLE)
    def _diagnostic_unexpected_table_renderer(
        cls,
        configuration: Any = None,
        result: Any = None,
        runtime_configuration: dict[str, Any] | None = None,
    ) -> Any:  # a list of RenderedTableContent, as Data Docs need
        details = (result.result or {}).get("details") if result else None
        if not details or not details.get("examples") or result.success:
            return []
        rows = [
            [
                _text(
                    "$rows",
                    {"rows": ", ".join(str(r) for r in (ex.get("rows") or [ex["row"]])[:10])},
                ),
                _text("$excerpt", {"excerpt": str(ex.get("excerpt", ""))}),
            ]
            for ex in details["examples"][:EXAMPLES_SHOWN]
        ]
        return [
            RenderedTableContent(
                content_block_type="table",
                header_row=["rows", "example"],
                table=rows,
                styling={"body": {"classes": ["table-bordered", "table-sm", "mt-3"]}},
            )
        ]


def _text(template: str, params: dict[str, str]) -> RenderedStringTemplateContent:
    """Text whose values are all template parameters, which Data Docs escape."""
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={"template": template, "params": params},
    )


def class_name(name: str) -> str:
    """``distinct_n`` -> ``ExpectSynthgateDistinctN`` (type ``expect_synthgate_distinct_n``)."""
    return "ExpectSynthgate" + "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _generate(cls: type[SynthgateEntry]) -> type[SynthgateExpectation]:
    generated: Any = type(
        class_name(cls.name),
        (SynthgateExpectation,),
        {
            "__module__": __name__,
            "__doc__": cls.__doc__,
            "synthgate": classmethod(lambda _: cls),
        },
    )
    if generated.expectation_type != f"expect_synthgate_{cls.name}":
        raise SynthgateError(f"expectation {cls.name!r} has no reversible GX name")
    return generated


CLASSES: dict[str, type[SynthgateExpectation]] = {
    name: _generate(cls) for name, cls in sorted(REGISTRY.items())
}
"""synthgate expectation name -> its GX class; each is also a name of this module."""
globals().update({c.__name__: c for c in CLASSES.values()})


def _mode_severity(spec: adapter.Spec) -> str:
    """The severity of the mode the spec is in: with an embedded reference, the compared one."""
    return (spec.reference_severity or spec.severity) if spec.reference else spec.severity


def expectation(spec: adapter.Spec) -> SynthgateExpectation:
    """The GX expectation for a spec; parameters equal to their default are left out."""
    bounds = spec.bounds
    kwargs: dict[str, Any] = {
        "params": spec.params,
        "columns": spec.columns,
        "min_value": bounds.get("min"),
        "max_value": bounds.get("max"),
        "compare": spec.compare,
        "codings": spec.codings,
        "reference": spec.reference,
        "synthgate_id": spec.id,
        "severity": SEVERITY[_mode_severity(spec)],
        "synthgate_severity": {"alone": spec.severity, "reference": spec.reference_severity}
        if spec.reference_severity
        else None,
    }
    for key in ("min_value", "max_value"):
        if kwargs[key] is not None and not math.isfinite(kwargs[key]):
            kwargs[key] = None
    return CLASSES[spec.expectation](**{k: v for k, v in kwargs.items() if v is not None})
