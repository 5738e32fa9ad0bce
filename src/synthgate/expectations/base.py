"""The expectation base: what every expectation shares.

An expectation is a frozen dataclass whose fields are its parameters (with defaults), and whose
docstring says what it measures and which finding of the paper it encodes. It names the
metrics it needs (``metrics``) and turns their values into ``Observation``s of the data and
the reference (``observe``).
Bounds, severity, the reference comparison and result building belong to the suite entry
(``synthgate.suite.Entry``), so a concrete expectation only computes and describes.

``@register`` makes an expectation usable in suites by its ``name``.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from synthgate.metrics import Metric
from synthgate.metrics.flags import FlaggedRows, RowCheck
from synthgate.observation import Observation
from synthgate.roles import PAIRED_REFERENCE, Codings
from synthgate.sampling import wilson

REGISTRY: dict[str, type[Expectation]] = {}


def register(cls: type[Expectation]) -> type[Expectation]:
    """Make ``cls`` available to suites under ``cls.name``."""
    REGISTRY[cls.name] = cls
    return cls


@dataclass(frozen=True)
class Context:
    """What judging needs besides metric values: how labels and judgements are coded."""

    codings: Codings = dataclasses.field(default_factory=Codings)


@dataclass(frozen=True)
class Expectation(ABC):
    name: ClassVar[str]
    finding: ClassVar[str]
    """The finding this expectation encodes (FINDINGS.md section and the paper's numbers)."""
    statistics: ClassVar[tuple[str, ...]] = ()
    """Comparisons with a reference that make sense for this value (see ``comparisons``)."""
    paired_field: ClassVar[str | None] = None
    """The parameter naming the role that a paired reference column replaces: with
    ``"role"``, an entry on ``label`` is measured on ``reference_label`` too (the pairs are
    ``roles.PAIRED_REFERENCE``). None: no paired column (the expectation reads the human
    column itself, or reads roles that have no paired column)."""

    @abstractmethod
    def metrics(self) -> dict[str, Metric]:
        """The metrics this expectation reads, by a name local to it."""

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """What was observed on the data and, when there is one, on the reference.

        ``values[name]`` is the value of each metric of ``metrics``; ``reference`` holds the
        same metrics measured on the reference. By default each side is observed on its own
        (``observe_one``); an expectation whose sides depend on each other (one class watched
        on both, a shared normalization) overrides this.
        """
        return self.observe_one(values, context), (
            self.observe_one(reference, context) if reference else None
        )

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        """The observation of one side on its own (used by the default ``observe``)."""
        raise NotImplementedError(f"{self.name} overrides observe()")

    def row_checks(self, context: Context) -> tuple[RowCheck, ...]:
        """The per-row checks whose flags this expectation counts (``synthgate.rows``): by
        default the checks of its ``FlaggedRows`` metrics."""
        return tuple(m.check for m in self.metrics().values() if isinstance(m, FlaggedRows))

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(role for m in self.metrics().values() for role in m.roles))

    def paired(self) -> Expectation | None:
        """The same expectation on the paired human column (``label`` -> ``reference_label``),
        as declared by ``paired_field``; None when there is none."""
        if self.paired_field is None:
            return None
        role = getattr(self, self.paired_field)
        if role not in PAIRED_REFERENCE:
            return None
        return dataclasses.replace(self, **{self.paired_field: PAIRED_REFERENCE[role]})

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        """Parameter names and their defaults."""
        return {f.name: f.default for f in dataclasses.fields(cls)}

    @classmethod
    def doc(cls) -> str:
        """The first paragraph of the docstring."""
        return (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")


def rate_observation(count: int, n: int, **extra: Any) -> Observation:
    """The proportion ``count`` / ``n`` with its Wilson interval."""
    return dataclasses.replace(wilson(count, n), **extra)


def example(row: int, text: str, **extra: Any) -> dict[str, Any]:
    """One example row for a result: its row number, an excerpt and what to notice."""
    return {"row": row, "excerpt": text, **extra}
