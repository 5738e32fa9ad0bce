"""pytest plugin (entry point ``pytest11``): data gates as ordinary tests.

- The ``synthgate`` fixture: ``synthgate.assert_suite("data/train.jsonl", suite="instructions")``
  fails the test with the failed expectations, their observed values, bounds and first example
  rows.
- ``pytest --synthgate DATA::SUITE`` (repeatable; ``--synthgate-map ROLE=COLUMN``,
  ``--synthgate-reference FILE``) runs the suite once per DATA::SUITE at collection and
  collects one test item per expectation and group, plus one for the share of unreadable rows,
  so CI (and ``--junitxml``) shows each as a test. A skipped expectation is a pytest skip with
  its reason; a failed warning-severity expectation passes with a ``SynthgateWarning``.

pytest imports this module in every run of every project where synthgate is installed, so it
imports nothing of synthgate at module level: the engine loads only when the fixture or
``--synthgate`` is used.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from synthgate.result import ExpectationResult, ValidationResult

MAX_EXAMPLES = 3


class SynthgateWarning(UserWarning):
    """A warning-severity expectation failed: reported, but the test passes."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("synthgate", "synthgate data gates")
    group.addoption(
        "--synthgate",
        action="append",
        default=[],
        metavar="DATA::SUITE",
        help="validate DATA with SUITE (a built-in name or a YAML path): one test per "
        "expectation (repeatable)",
    )
    group.addoption(
        "--synthgate-map",
        action="append",
        default=[],
        metavar="ROLE=COLUMN",
        help="column for a role in every --synthgate dataset (repeatable)",
    )
    group.addoption("--synthgate-reference", metavar="FILE", help="human dataset to compare with")
    group.addoption("--synthgate-allowed-labels", metavar="LABELS", help="valid labels, e.g. 0,1,2")
    group.addoption(
        "--synthgate-choice-codes",
        metavar="CODES",
        help="codes of a pairwise judgement, e.g. first=A,second=B,tie=T",
    )


def message(result: ValidationResult, max_examples: int = MAX_EXAMPLES) -> str:
    """What failed, readable in a test report: each failed expectation with its observed value,
    how it was judged, and its first example rows; then unreadable rows."""
    lines = [
        f"{result.dataset['path']} failed suite {result.suite!r} "
        f"({result.dataset['rows_validated']:,} rows validated): {result.verdict}"
    ]
    lines.extend(describe(r, max_examples) for r in result.failures())
    if not result.readable["success"]:
        lines.append(_unreadable(result))
    if not result.checked:
        skipped = next((r for r in result.results if r.reason), None)
        if skipped is not None:
            lines.append(f"no expectation could be evaluated, e.g. {skipped.id}: {skipped.reason}")
    return "\n".join(lines)


def describe(result: ExpectationResult, max_examples: int = MAX_EXAMPLES) -> str:
    """One expectation's result: status, observed value, bounds, finding, first examples."""
    from synthgate.report.format import bounds, observed

    scope = f" (group {result.group})" if result.group else ""
    lines = [
        f"{result.status.upper()} {result.id}{scope}: observed {observed(result)}, "
        f"judged by {bounds(result)}",
        f"    {result.finding}",
    ]
    for ex in result.examples[:max_examples]:
        rows = ", ".join(map(str, ex.get("rows", [ex["row"]])))
        lines.append(f"    row {rows}: {ex['excerpt']}")
    return "\n".join(lines)


def _unreadable(result: ValidationResult) -> str:
    readable = result.readable
    lines = [
        f"{result.dataset['rows_unreadable']:,} unreadable rows ({readable['share']:.2%}, "
        f"allowed {readable['max']:g})"
    ]
    lines.extend(
        f"    row {u['row']}: {u['reason']}" for u in result.dataset["unreadable"][:MAX_EXAMPLES]
    )
    return "\n".join(lines)


class SynthgateFixture:
    """What the ``synthgate`` fixture gives a test."""

    def validate(self, data: Any, suite: Any, **options: Any) -> ValidationResult:
        """``synthgate.validate`` with the same arguments."""
        from synthgate.runner import validate

        return validate(data, suite, **options)

    def assert_suite(
        self,
        data: str | os.PathLike[str] | Any,
        suite: Any,
        *,
        mapping: dict[str, str] | None = None,
        reference: str | os.PathLike[str] | Any | None = None,
        **options: Any,
    ) -> ValidationResult:
        """Validate and fail the test unless the verdict is PASSED; returns the result.

        ``options`` are the other keywords of ``synthgate.validate`` (``codings``,
        ``reference_mapping``, ``max_unreadable``).
        """
        result = self.validate(data, suite, mapping=mapping, reference=reference, **options)
        if not result.success:
            pytest.fail(message(result), pytrace=False)
        return result


@pytest.fixture
def synthgate() -> SynthgateFixture:
    """Validate datasets inside a test: ``synthgate.assert_suite(path, suite="instructions")``."""
    return SynthgateFixture()


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    for spec in config.getoption("synthgate"):
        data = spec.rpartition("::")[0]
        run = SuiteRun.from_parent(session, name=spec, nodeid=spec, path=Path(data).absolute())
        items.extend(session.genitems(run))


def _run_options(config: pytest.Config) -> dict[str, Any]:
    from synthgate.roles import Codings, parse_label_list, parse_mapping

    labels = config.getoption("synthgate_allowed_labels")
    codes = config.getoption("synthgate_choice_codes")
    codings = Codings(
        allowed_labels=tuple(parse_label_list(labels)) if labels else None,
        choice_codes=Codings.parse_choice_codes(codes) if codes else Codings().choice_codes,
    )
    return {
        "mapping": parse_mapping(config.getoption("synthgate_map")),
        "reference": config.getoption("synthgate_reference"),
        "codings": codings,
    }


class SuiteRun(pytest.Collector):
    """One ``--synthgate DATA::SUITE``: validates at collection, one item per result."""

    def collect(self) -> Iterator[pytest.Item]:
        from synthgate.errors import SynthgateError
        from synthgate.runner import validate

        data, sep, suite = self.name.rpartition("::")
        if not sep or not data or not suite:
            raise pytest.UsageError(f"--synthgate expects DATA::SUITE, got {self.name!r}")
        try:
            result = validate(data, suite, **_run_options(self.config))
        except SynthgateError as error:
            raise self.CollectError(f"synthgate: {error}") from None
        for expectation in result.results:
            name = expectation.id + (f"[{expectation.group}]" if expectation.group else "")
            yield ExpectationItem.from_parent(self, name=name, result=expectation)
        yield ReadableItem.from_parent(self, name="unreadable_rows", result=result)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name


class Failed(Exception):
    """A failed expectation; its message is the whole report of it."""


class ExpectationItem(pytest.Item):
    """One expectation of a suite on one scope."""

    def __init__(self, *, result: ExpectationResult, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result = result

    def runtest(self) -> None:
        status = self.result.status
        if status == "skipped":  # reported at the data's location, not this module's
            raise pytest.skip.Exception(
                self.result.reason or "not measured", _use_item_location=True
            )
        if status == "failed":
            raise Failed(describe(self.result))
        if status == "warning":
            warnings.warn(describe(self.result), SynthgateWarning, stacklevel=1)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, Failed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.nodeid


class ReadableItem(pytest.Item):
    """The share of unreadable rows, judged against the allowed share."""

    def __init__(self, *, result: ValidationResult, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result = result

    def runtest(self) -> None:
        if not self.result.readable["success"]:
            raise Failed(_unreadable(self.result))

    repr_failure = ExpectationItem.repr_failure
    reportinfo = ExpectationItem.reportinfo
