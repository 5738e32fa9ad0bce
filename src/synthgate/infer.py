"""Which built-in suite fits a dataset, and which column plays each role, from column names.

``synthgate validate DATA`` without ``--suite`` uses this. Each data type is recognised by the
roles it cannot do without (instructions: an instruction and an output column; preferences:
two outputs and a judgement; dialogues: turns, a transcript or long-format rows; task labels: a
label column); ``free_text`` is the fallback when one text column is all there is. When two
data types fit, or none does, the choice is the user's: an ``InputError`` lists the candidates.
"""

from __future__ import annotations

from dataclasses import dataclass

from synthgate.errors import InputError

NAMES: dict[str, tuple[str, ...]] = {
    "instruction": ("instruction",),
    "input": ("input", "context"),
    "output": ("output", "response"),
    "output1": ("output1", "output_1", "response1", "response_a"),
    "output2": ("output2", "output_2", "response2", "response_b"),
    "choice": ("choice", "target", "preference", "llm_judgement", "judgement", "winner"),
    "reference_choice": ("reference_choice", "human_choice", "human_votes"),
    "swapped_choice": ("swapped_choice",),
    "prompt": ("prompt", "question"),
    "reference_text": ("reference_text", "human_text"),
    "label": ("label", "labels", "model_label", "model_labels", "llm_label", "llm_labels"),
    "reference_label": ("reference_label", "human_label", "human_labels", "gold_label"),
    "turns": ("turns", "transcript", "dialogue", "conversation", "messages"),
    "outcome": ("outcome", "task_solved", "solved", "success"),
    "text": ("text", "llm_text", "generated_text", "generation", "completion"),
}
"""Column names recognised for each role, most specific first."""

LONG_FORMAT = ("dialogue_id", "speaker", "text")

NEEDS: dict[str, tuple[str, ...]] = {
    "instructions": ("instruction", "output"),
    "preferences": ("output1", "output2", "choice"),
    "dialogues": ("turns",),
    "task_labels": ("label",),
}
"""The roles without which a data type is not recognised (``free_text`` needs only text)."""

EXTRA: dict[str, tuple[str, ...]] = {
    "instructions": ("input",),
    "preferences": ("reference_choice", "swapped_choice", "prompt", "reference_text"),
    "dialogues": ("outcome",),
    "task_labels": ("reference_label",),
    "free_text": ("reference_text",),
}
"""Optional roles mapped when a column of that name is there."""


@dataclass(frozen=True)
class Inference:
    """The suite chosen for a dataset and the columns it maps, with a line saying so."""

    suite: str
    mapping: dict[str, str]

    def describe(self) -> str:
        """``inferred suite instructions (instruction=instruction, ...); override with ...``."""
        columns = ", ".join(f"{role}={column}" for role, column in self.mapping.items())
        return (
            f"no --suite given: inferred suite {self.suite} from the columns ({columns}); "
            f"override with --suite NAME and --map ROLE=COLUMN"
        )


def _find(role: str, columns: list[str]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    return next((lowered[name] for name in NAMES[role] if name in lowered), None)


def _mapping(roles: tuple[str, ...], columns: list[str]) -> dict[str, str] | None:
    found = {role: _find(role, columns) for role in roles}
    return None if None in found.values() else {r: c for r, c in found.items() if c}


def infer_suite(columns: list[str], name: str = "the data") -> Inference:
    """The built-in suite and role mapping that fit ``columns``; an ``InputError`` when the
    data fits several data types or none."""
    candidates: dict[str, dict[str, str]] = {}
    for suite, needs in NEEDS.items():
        mapping = _mapping(needs, columns)
        if mapping is None and suite == "dialogues" and set(LONG_FORMAT) <= set(columns):
            mapping = {role: role for role in LONG_FORMAT}
        if mapping is not None:
            for role in EXTRA[suite]:
                column = _find(role, columns)
                if column is not None and column not in mapping.values():
                    mapping[role] = column
            candidates[suite] = mapping
    if not candidates:
        text = _find("text", columns)
        if text is not None:
            mapping = {"text": text}
            reference = _find("reference_text", columns)
            if reference is not None:
                mapping["reference_text"] = reference
            candidates["free_text"] = mapping
    if len(candidates) == 1:
        suite, mapping = next(iter(candidates.items()))
        return Inference(suite, mapping)
    shown = ", ".join(columns[:12]) + (", …" if len(columns) > 12 else "")
    if not candidates:
        raise InputError(
            f"{name}: cannot tell which data this is from its columns ({shown}); "
            f"give --suite (instructions, preferences, dialogues, task_labels, free_text) "
            f"and --map ROLE=COLUMN"
        )
    options = "; ".join(
        f"--suite {suite} ({', '.join(f'{r}={c}' for r, c in mapping.items())})"
        for suite, mapping in candidates.items()
    )
    raise InputError(f"{name}: the columns fit several suites, choose one: {options}")
