"""Suites: declarative YAML files of expectations, one per data type.

A suite file::

    suite: task_labels
    description: LLM annotations of items
    columns: {label: label, reference_label: reference_label}   # default role -> column
    required: [label]                                          # roles that must be mapped
    expectations:
      - expect: majority_class_share                           # a registered expectation
        id: majority_share                                     # optional, unique in the suite
        params: {role: label}                                  # expectation parameters
        bounds: {max: 0.95}                                    # judged without a reference
        compare: {statistic: cohens_h, max: 0.2, direction: higher}  # judged with a reference
        severity: error                                        # error fails the run; warning does not
        # or {alone: warning, reference: error}: a different severity with a reference
        finding: "..."                                         # optional, defaults to the expectation's

Without a reference an entry is judged by ``bounds``. With a reference (a paired column or a
reference file) an entry with ``compare`` must pass the comparison, and its bounds still hold
unless the reference itself is outside them (``synthgate.judging``). ``severity`` is ``error``
or ``warning``, or a mapping ``{alone: ..., reference: ...}``: a distribution-shape value (a
spread, a class share, an opener concentration) has no bound that holds for human data of every
genre, so alone it warns, and against a reference of the same kind it fails. ``compare`` may
add ``alpha`` (e.g. 0.05): a statistic with a p-value then fails only when it is beyond ``max``
and p < alpha (see ``comparisons``). Files are read with ``yaml.safe_load`` and checked entry by
entry; errors name the file and the entry.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from synthgate.comparisons import DIRECTIONS, STATISTICS
from synthgate.errors import SuiteError
from synthgate.expectations import REGISTRY, Expectation
from synthgate.judging import judge
from synthgate.observation import Observation
from synthgate.result import ExpectationResult
from synthgate.roles import ROLES

SEVERITIES = ("error", "warning")
MAX_SUITE_BYTES = 1 << 20
MAX_SUITE_NODES = 100_000
"""A suite is small: more YAML nodes than this, counted with aliases expanded, is refused (an
alias bomb passes ``safe_load`` and explodes only when its values are used)."""

PARAMETER_RANGES: dict[str, tuple[float, float]] = {
    "budget": (1, 10_000_000),  # tokens or bytes in one window
    "sample": (1, 1_000_000),  # texts kept in a seeded sample
    "replicates": (2, 10_000),  # windows or bootstrap replicates
    "seed": (0, 2**32 - 1),
    "threshold": (0.0, 1.0),  # similarities and shares
    "min_share": (0.0, 1.0),
    "num_perm": (16, 1024),  # MinHash permutations
    "pool": (1, 100_000),  # texts compared for near-duplicates
    "n": (1, 10),  # n-gram size
    "words": (1, 10),  # opener length
    "examples": (0, 100),
    "min_turns": (1, 10_000),
    "min_words": (1, 100_000),
    "min_disagreements": (1, 1_000_000_000),
    "window": (1, 10_000),
    "min_items": (1, 1_000_000),  # items or texts a group needs to be judged
}
"""Every numeric expectation parameter and the range a suite may set it to (inclusive): what a
value outside costs is time or memory (``num_perm: 1e8`` hangs, ``replicates: 1e9`` exhausts
memory) or meaning (a share above 1). ``tests/robustness`` checks that every numeric parameter
of every registered expectation is listed here."""
ENTRY_KEYS = {"expect", "id", "params", "bounds", "compare", "severity", "finding"}
SUITE_KEYS = {"suite", "description", "data_type", "columns", "required", "expectations"}


@dataclass(frozen=True)
class Entry:
    """One expectation of a suite, with its bounds, reference comparison and severity."""

    id: str
    expectation: Expectation
    bounds: dict[str, float | None]
    compare: dict[str, Any] | None = None
    severity: str = "error"
    """Severity without a reference (and of an entry that has no ``compare``)."""
    reference_severity: str | None = None
    """Severity when judged against a reference; None: the same as ``severity``."""
    finding: str = ""

    def severity_for(self, compared: bool) -> str:
        """The severity of a verdict reached with (``compared``) or without a reference."""
        return (self.reference_severity or self.severity) if compared else self.severity

    def result(
        self,
        observation: Observation,
        reference: Observation | None,
        columns: dict[str, str],
        group: str | None,
        note: str | None = None,
    ) -> ExpectationResult:
        """The result of this entry on one scope: the judge's verdict on what was observed on
        the data (and the reference), with the entry's identity; the one place a verdict
        becomes a result. ``note`` says how it was judged when that is not evident."""
        verdict = judge(observation, reference, self)
        return ExpectationResult(
            expectation=self.expectation.name,
            id=self.id,
            columns={role: columns.get(role, role) for role in self.expectation.roles},
            group=group,
            severity=self.severity_for(verdict.comparison is not None),
            bounds=self.bounds,
            finding=self.finding or self.expectation.finding,
            observation=observation,
            verdict=verdict,
            reference_observation=reference,
            note=note,
            parameters={
                f.name: getattr(self.expectation, f.name)
                for f in dataclasses.fields(self.expectation)
            },
        )


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    columns: dict[str, str]
    required: tuple[str, ...]
    entries: tuple[Entry, ...]
    source: str = ""
    data_type: str = ""

    @property
    def roles(self) -> set[str]:
        return {role for entry in self.entries for role in entry.expectation.roles} | set(
            self.required
        )

    def with_parameter(self, name: str, value: Any) -> Suite:
        """The suite with parameter ``name`` set to ``value`` in every entry that has it.

        How a command-line option reaches the expectations that read it, e.g.
        ``--detoxify-checkpoint`` -> ``detoxify_checkpoint``.
        """
        entries = tuple(
            dataclasses.replace(
                entry, expectation=dataclasses.replace(entry.expectation, **{name: value})
            )
            if name in type(entry.expectation).parameters()
            else entry
            for entry in self.entries
        )
        return dataclasses.replace(self, entries=entries)

    def to_yaml(self, overrides: dict[str, dict[str, Any]] | None = None) -> str:
        """The suite as YAML; ``overrides`` updates the params/bounds/compare of entries by id."""
        overrides = overrides or {}
        entries = []
        for entry in self.entries:
            params = {
                k: v
                for k, v in dataclasses.asdict(entry.expectation).items()
                if v != type(entry.expectation).parameters()[k]
            }
            item: dict[str, Any] = {"expect": entry.expectation.name, "id": entry.id}
            if params:
                item["params"] = params
            item["bounds"] = {k: v for k, v in entry.bounds.items() if v is not None}
            if entry.compare:
                item["compare"] = dict(entry.compare)
            for key, value in overrides.get(entry.id, {}).items():
                item[key] = {**item.get(key, {}), **value} if isinstance(value, dict) else value
            item["severity"] = (
                {"alone": entry.severity, "reference": entry.reference_severity}
                if entry.reference_severity not in (None, entry.severity)
                else entry.severity
            )
            if entry.finding and entry.finding != entry.expectation.finding:
                item["finding"] = entry.finding
            entries.append(item)
        document = {
            "suite": self.name,
            "description": self.description,
            "data_type": self.data_type,
            "columns": self.columns,
            "required": list(self.required),
            "expectations": entries,
        }
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def builtin_suites() -> dict[str, str]:
    """Built-in suite names and their descriptions."""
    out = {}
    for item in sorted(resources.files("synthgate.suites").iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yml"):
            out[item.name[:-4]] = str(
                yaml.safe_load(item.read_text("utf-8")).get("description", "")
            )
    return out


def load_suite(name_or_path: str | Path) -> Suite:
    """A built-in suite by name (``task_labels``) or a suite file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yml", ".yaml") or path.exists():
        if not path.is_file():
            raise SuiteError(f"{path}: no such suite file")
        if path.stat().st_size > MAX_SUITE_BYTES:
            raise SuiteError(f"{path}: larger than {MAX_SUITE_BYTES >> 20} MiB; a suite is small")
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError as error:
            raise SuiteError(f"{path}: not UTF-8 text (byte {error.start})") from None
        return parse_suite(text, str(path))
    resource = resources.files("synthgate.suites") / f"{name_or_path}.yml"
    if not resource.is_file():
        raise SuiteError(
            f"unknown suite {str(name_or_path)!r}; built-in suites are: {', '.join(builtin_suites())}"
        )
    return parse_suite(resource.read_text("utf-8"), f"{name_or_path} (built-in)")


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Nodes in ``node`` with every alias expanded (memoized, so linear in the YAML's size)."""
    if id(node) not in sizes:
        sizes[id(node)] = MAX_SUITE_NODES + 1  # a node reached from itself: refuse
        children: list[Any] = []
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        sizes[id(node)] = 1 + sum(_expanded_size(child, sizes) for child in children)
    return sizes[id(node)]


def _load_yaml(text: str, source: str) -> Any:
    """``yaml.safe_load`` that refuses alias bombs and nesting too deep to build."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_SUITE_NODES:
            raise SuiteError(
                f"{source}: more than {MAX_SUITE_NODES:,} YAML values once aliases are expanded"
            )
        return yaml.SafeLoader(text).construct_document(node)
    except yaml.YAMLError as error:
        raise SuiteError(f"{source}: not valid YAML: {' '.join(str(error).split())}") from None
    except RecursionError:
        raise SuiteError(f"{source}: YAML nested too deeply to be a suite") from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise SuiteError(f"{source}: not valid YAML: {error}") from None


def parse_suite(text: str, source: str) -> Suite:
    document = _load_yaml(text, source)
    if not isinstance(document, dict):
        raise SuiteError(f"{source}: a suite is a mapping with 'suite' and 'expectations'")
    unknown = set(document) - SUITE_KEYS
    if unknown:
        raise SuiteError(
            f"{source}: unknown key {sorted(unknown, key=str)[0]!r}; keys are {', '.join(sorted(SUITE_KEYS))}"
        )
    columns = document.get("columns") or {}
    if (
        not isinstance(columns, dict)
        or set(columns) - ROLES
        or not all(isinstance(c, str) for c in columns.values())
    ):
        raise SuiteError(
            f"{source}: 'columns' maps roles to column names; roles are {', '.join(sorted(ROLES))}"
        )
    for key in ("suite", "description", "data_type"):
        _text(document.get(key), key, source)
    raw_entries = document.get("expectations")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise SuiteError(f"{source}: 'expectations' must be a non-empty list")
    entries = [_parse_entry(raw, f"{source}, entry {i + 1}") for i, raw in enumerate(raw_entries)]
    ids = [e.id for e in entries]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise SuiteError(f"{source}: two entries have the id {duplicate!r}; give them distinct ids")
    return Suite(
        name=_text(document.get("suite"), "suite", source) or Path(source).stem,
        description=_text(document.get("description"), "description", source),
        columns={str(k): str(v) for k, v in columns.items()},
        required=_roles_list(document.get("required"), source),
        entries=tuple(entries),
        source=source,
        data_type=_text(document.get("data_type"), "data_type", source),
    )


def _text(value: Any, what: str, where: str) -> str:
    """An optional text field of a suite or entry ('' when absent)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SuiteError(f"{where}: {what!r} must be text, got {type(value).__name__}")
    return value


def _roles_list(value: Any, source: str) -> tuple[str, ...]:
    """``required``: a list of roles (a single role is accepted as itself, not as its letters)."""
    roles = [value] if isinstance(value, str) else value or []
    if not isinstance(roles, list) or any(not isinstance(r, str) or r not in ROLES for r in roles):
        raise SuiteError(
            f"{source}: 'required' is a list of roles; roles are {', '.join(sorted(ROLES))}"
        )
    return tuple(roles)


def _number_map(value: Any, keys: set[str], what: str, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) - keys:
        raise SuiteError(f"{where}: '{what}' takes {', '.join(sorted(keys))}")
    return dict(value)


def _check_param(cls: type[Expectation], name: str, value: Any, where: str) -> Any:
    defaults = cls.parameters()
    if name not in defaults:
        raise SuiteError(
            f"{where}: {cls.name} has no parameter {name!r}; parameters are {', '.join(defaults) or 'none'}"
        )
    default = defaults[name]
    expected = type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    elif expected is tuple and isinstance(value, list):
        value = tuple(value)
    elif default is not None and (
        not isinstance(value, expected) or (expected is int and isinstance(value, bool))
    ):
        raise SuiteError(
            f"{where}: parameter {name!r} of {cls.name} must be {expected.__name__}, "
            f"got {type(value).__name__}"
        )
    if name in PARAMETER_RANGES and isinstance(value, (int, float)):
        low, high = PARAMETER_RANGES[name]
        if not low <= value <= high:
            raise SuiteError(
                f"{where}: parameter {name!r} of {cls.name} must be between {low:g} and "
                f"{high:g}, got {value:g}"
            )
    return value


def _severity(value: Any, where: str) -> tuple[str, str | None]:
    """``error``, ``warning``, or ``{alone: S, reference: S}`` -> (alone, with a reference)."""
    if isinstance(value, dict):
        if set(value) != {"alone", "reference"}:
            raise SuiteError(
                f"{where}: a severity mapping has exactly the keys alone and reference"
            )
        alone, reference = value["alone"], value["reference"]
    else:
        alone = reference = value
    for item in (alone, reference):
        if not isinstance(item, str) or item not in SEVERITIES:
            raise SuiteError(
                f"{where}: severity must be 'error' or 'warning' (or {{alone: .., reference: ..}})"
            )
    return alone, (reference if reference != alone else None)


def _parse_entry(raw: Any, where: str) -> Entry:
    if not isinstance(raw, dict) or "expect" not in raw:
        raise SuiteError(f"{where}: an entry is a mapping with 'expect: NAME'")
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise SuiteError(
            f"{where}: unknown key {sorted(unknown, key=str)[0]!r}; keys are {', '.join(sorted(ENTRY_KEYS))}"
        )
    name = raw["expect"]
    cls = REGISTRY.get(name) if isinstance(name, str) else None
    if cls is None:
        raise SuiteError(
            f"{where}: unknown expectation {name!r}; run 'synthgate expectations' to list them"
        )
    where = f"{where} ({name})"
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise SuiteError(f"{where}: 'params' must be a mapping")
    try:
        expectation = cls(**{k: _check_param(cls, k, v, where) for k, v in params.items()})
    except (TypeError, ValueError) as error:
        raise SuiteError(f"{where}: {error}") from None
    unknown_roles = [role for role in expectation.roles if role not in ROLES]
    if unknown_roles:
        raise SuiteError(
            f"{where}: unknown role {unknown_roles[0]!r}; roles are {', '.join(sorted(ROLES))}"
        )
    bounds = _number_map(raw.get("bounds"), {"min", "max"}, "bounds", where)
    compare_spec = (
        _number_map(
            raw.get("compare"), {"statistic", "max", "direction", "alpha"}, "compare", where
        )
        or None
    )
    for key, value in {**bounds, **(compare_spec or {})}.items():
        if key in ("statistic", "direction") or value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SuiteError(f"{where}: {key!r} must be a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise SuiteError(f"{where}: {key!r} must be a finite number, got {value}")
    if compare_spec is not None:
        statistic = compare_spec.get("statistic")
        if (
            not isinstance(statistic, str)
            or statistic not in STATISTICS
            or statistic not in cls.statistics
        ):
            allowed = ", ".join(cls.statistics) or "none (it is judged by bounds only)"
            raise SuiteError(
                f"{where}: compare statistic {statistic!r} does not apply; use {allowed}"
            )
        if "max" not in compare_spec:
            raise SuiteError(f"{where}: 'compare' needs 'max'")
        direction = compare_spec.get("direction", "both")
        if not isinstance(direction, str) or direction not in DIRECTIONS:
            raise SuiteError(f"{where}: compare direction must be one of {', '.join(DIRECTIONS)}")
        if not 0 < compare_spec.get("alpha", 0.5) < 1:
            raise SuiteError(f"{where}: compare alpha must be between 0 and 1")
    severity, reference_severity = _severity(raw.get("severity", "error"), where)
    role = getattr(expectation, "role", None)
    default_id = name if role in (None, "text", "label", "choice") else f"{name}[{role}]"
    return Entry(
        id=_text(raw.get("id"), "id", where) or default_id,
        expectation=expectation,
        bounds={"min": bounds.get("min"), "max": bounds.get("max")},
        compare=compare_spec,
        severity=severity,
        reference_severity=reference_severity,
        finding=_text(raw.get("finding"), "finding", where),
    )
