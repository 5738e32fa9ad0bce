"""Column roles: what each column of a dataset means to synthgate.

A suite says which column plays each role (``columns:``) and the command line overrides it
(``--map ROLE=COLUMN``). Metrics only ever see roles, never column names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from synthgate.errors import SynthgateError

TEXT_ROLES = frozenset(
    {"text", "instruction", "input", "output", "output1", "output2", "reference_text", "prompt"}
)
"""Roles whose values must be strings (or null)."""

LABEL_ROLES = frozenset(
    {"label", "reference_label", "choice", "reference_choice", "swapped_choice"}
)
"""Roles holding a categorical value, or a list of sampled values per item.

``swapped_choice`` is the judgement of the same pair with the two outputs shown in swapped order.
"""

DIALOGUE_ROLES = frozenset({"turns", "dialogue_id", "speaker"})
"""``turns`` (a list of {speaker, text} or a transcript string), or long-format rows."""

OTHER_ROLES = frozenset({"group", "outcome"})
"""``group``: one verdict per value; ``outcome``: whether a simulated task succeeded."""

ROLES = TEXT_ROLES | LABEL_ROLES | DIALOGUE_ROLES | OTHER_ROLES

PAIRED_REFERENCE = {
    "label": "reference_label",
    "choice": "reference_choice",
    "text": "reference_text",
}
"""The paired human column that serves as reference for each synthetic role."""


def parse_assignments(items: Iterable[str], what: str) -> dict[str, str]:
    """Parse ``KEY=VALUE`` strings (from ``--map`` and friends) into a dict."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise SynthgateError(f"{what} expects KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """Parse ``--map ROLE=COLUMN`` options, rejecting unknown roles."""
    mapping = parse_assignments(items, "--map")
    unknown = sorted(set(mapping) - ROLES)
    if unknown:
        raise SynthgateError(
            f"unknown role {unknown[0]!r} in --map; roles are: {', '.join(sorted(ROLES))}"
        )
    return mapping


_INTEGER = re.compile(r"-?[0-9]+")


def normalize_label(value: Any) -> Any:
    """One spelling per label: ``"1"``, ``1`` and ``1.0`` are the same label; NaN is missing."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if value != value:
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        stripped = value.strip()
        if len(stripped) <= 100 and _INTEGER.fullmatch(stripped):  # longer: an id, not a label
            return int(stripped)
        return stripped
    return value


def parse_label_list(text: str) -> list[Any]:
    """Parse ``--allowed-labels 0,1,2`` into normalized labels."""
    labels = [normalize_label(part) for part in text.split(",") if part.strip()]
    if not labels:
        raise SynthgateError("--allowed-labels needs at least one label, e.g. 0,1")
    return labels


CHOICES = ("first", "second", "tie")
PAIR_ORDERS = ("unknown", "randomized")
"""What is known about the order of a pair's two outputs (``Codings.pair_order``)."""


@dataclass(frozen=True)
class Codings:
    """How values are coded: the allowed labels and the codes of a pairwise judgement."""

    allowed_labels: tuple[Any, ...] | None = None
    choice_codes: Mapping[str, Any] = field(
        default_factory=lambda: {"first": 0, "second": 1, "tie": 2}
    )
    reference_choice_codes: Mapping[str, Any] | None = None
    """Codes of the human judgements (``reference_choice`` or a reference file) when they differ."""
    pair_order: str = "unknown"
    """``randomized`` when the data says which output came first was decided at random (then a
    share of first-position wins away from 0.5 is position bias); ``unknown`` otherwise."""

    def __post_init__(self) -> None:
        if self.pair_order not in PAIR_ORDERS:
            raise SynthgateError(
                f"pair order must be one of {', '.join(PAIR_ORDERS)}, got {self.pair_order!r}"
            )

    def codes(self, reference: bool = False) -> Mapping[str, Any]:
        """The codes of a judgement; of a human one (``reference_choice_codes`` when given)."""
        if reference and self.reference_choice_codes is not None:
            return self.reference_choice_codes
        return self.choice_codes

    def decode_choice(self, value: Any, reference: bool = False) -> str | None:
        """Return ``first``, ``second``, ``tie``, or None for an invalid judgement.

        ``reference`` decodes a human judgement (see ``codes``).
        """
        value = normalize_label(value)
        for name, code in self.codes(reference).items():
            if value == code:
                return name
        return None

    @staticmethod
    def parse_choice_codes(text: str, option: str = "--choice-codes") -> dict[str, Any]:
        """Parse ``--choice-codes first=A,second=B,tie=T`` (or the option named ``option``)."""
        codes = parse_assignments(text.split(","), option)
        unknown = sorted(set(codes) - set(CHOICES))
        if unknown or not {"first", "second"} <= set(codes):
            raise SynthgateError(
                f"{option} needs first=..,second=.. and optionally tie=.., got {text!r}"
            )
        return {name: normalize_label(code) for name, code in codes.items()}
