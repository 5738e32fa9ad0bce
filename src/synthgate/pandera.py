"""synthgate's row checks as pandera checks, and the record schemas of ``checks/``.

``import synthgate.pandera`` registers, with ``pandera.extensions.register_check_method``:

- ``Check.synthgate_<name>(**params)`` for every row check in ``metrics.flags.ROW_CHECKS``
  (``synthgate_boilerplate``, ``synthgate_placeholder``, ``synthgate_truncation``,
  ``synthgate_copy``, ``synthgate_gopher_repetition``, ``synthgate_role_flip``,
  ``synthgate_repeated_turn``, ``synthgate_invalid_label``, ...). The parameters are the
  check's own (``allowed=[0, 1]``, ``threshold=0.9``); a row fails when the check flags it.
  A check reading one role is a column check (pandas Series, or a polars column through
  pandera's polars backend); a check reading several (``copy``: an output and its source) is
  a DataFrame check whose role parameters name the columns
  (``Check.synthgate_copy(role="output", source="instruction")``).
- ``Check.synthgate_role(role=...)``: the value is what the role holds (a text is a string, a
  label a value or a list of values, ``turns`` a list of ``{speaker, text}`` or a transcript),
  the rule the loader applies; with ``allow_empty=False`` an empty value fails too.

The registrations are generated from the registry, so a new row check is a pandera check
without code here. Lazy validation (``schema.validate(df, lazy=True)``) reports every failing
row in pandera's ``failure_cases``. ``schema(data_type)`` loads the record schema of a data type
from ``checks/`` (shipped as ``synthgate.checks``).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

import pandas as pd
import pandera.pandas as pa
import yaml
from pandera.extensions import register_check_method

import synthgate.expectations  # noqa: F401  (imports every module that registers a row check)
from synthgate.batch import Batch, check_value
from synthgate.errors import SynthgateError
from synthgate.metrics.flags import ROW_CHECKS, RowCheck

PREFIX = "synthgate_"


def _param(default: Any, value: Any) -> Any:
    """A parameter as the check's field wants it: YAML gives lists and mappings where fields
    hold tuples and frozen dataclasses (``codings: {choice_codes: {first: A, ...}}``)."""
    if value is None:
        return default
    if dataclasses.is_dataclass(default) and isinstance(value, Mapping):
        factory: Any = type(default)
        return factory(**value)
    if isinstance(value, list):
        return tuple(_param(None, v) if isinstance(v, list) else v for v in value)
    return value


def flags(check: RowCheck, roles: dict[str, str], data: Mapping[str, list[Any]]) -> list[bool]:
    """Per row of ``data`` (raw values by the check's role fields), whether it passes ``check``.

    ``roles`` gives the role each key's values are typed as (``check_value``, the loader's
    rule): a value that does not fit its role fails.
    """
    size = len(next(iter(data.values())))
    passed = [True] * size
    columns: dict[str, list[Any]] = {}
    for key, values in data.items():
        columns[key] = []
        for row, value in enumerate(values):
            try:
                columns[key].append(check_value(roles[key], value))
            except ValueError:
                columns[key].append(None)
                passed[row] = False
    for row, value in check.items(Batch(list(range(size)), columns)):
        if check.check(value):
            passed[row] = False
    return passed


def _check_function(cls: type[RowCheck]) -> Callable[..., Any]:
    """The function pandera calls with a column (or a DataFrame, or polars data) and the
    check's parameters; it answers one boolean per row."""
    default: Any = cls()
    defaults = {f.name: getattr(default, f.name) for f in dataclasses.fields(default)}
    # the fields that name a role (``role``, ``source``...), with their default role
    role_fields = {name: value for name, value in defaults.items() if value in default.roles}

    def run(data: Any, **params: Any) -> Any:
        check = cls(**{k: _param(defaults[k], params.get(k)) for k in defaults})
        reason = check.unavailable()
        if reason is not None:
            raise SynthgateError(f"{PREFIX}{cls.name}: {reason}")
        typed = {getattr(check, name): role for name, role in role_fields.items()}
        if isinstance(data, pd.DataFrame):
            columns = {column: data[column].tolist() for column in typed}
            return pd.Series(flags(check, typed, columns), index=data.index)
        if isinstance(data, pd.Series):
            if len(typed) > 1:
                raise SynthgateError(
                    f"{PREFIX}{cls.name} reads {', '.join(typed)}: use it as a DataFrame check"
                )
            (column,) = typed
            return pd.Series(flags(check, typed, {column: data.tolist()}), index=data.index)
        return _polars(data, check, typed)

    run.__name__ = PREFIX + cls.name
    run.__doc__ = cls.__doc__
    run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("data", inspect.Parameter.POSITIONAL_ONLY)]
        + [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None)
            for name in defaults
        ]
    )
    return run


def _polars(data: Any, check: RowCheck, typed: dict[str, str]) -> Any:
    """Polars data (``PolarsData``: a lazy frame and the column key): one boolean per row."""
    import polars as pl

    frame = data.lazyframe.collect()
    columns = list(typed) if data.key == "*" else [data.key]
    if len(columns) != len(typed):
        raise SynthgateError(f"{PREFIX}{check.name} reads {', '.join(typed)}: use a frame check")
    values = {name: frame[column].to_list() for name, column in zip(typed, columns, strict=True)}
    return pl.LazyFrame({"passed": flags(check, typed, values)})


def _fits_role(data: Any, *, role: str | None = None, allow_empty: bool | None = None) -> Any:
    """Whether each value is what ``role`` holds (and, unless ``allow_empty``, not empty)."""
    if role is None:
        raise SynthgateError(f"{PREFIX}role needs role=..., e.g. role='output'")

    def fits(value: Any) -> bool:
        try:
            checked = check_value(role, value)
        except ValueError:
            return False
        if allow_empty:
            return True
        return bool(checked.strip()) if isinstance(checked, str) else checked not in ([], None)

    if isinstance(data, pd.Series):
        return data.map(fits).astype(bool)
    import polars as pl

    return pl.LazyFrame({"passed": [fits(v) for v in data.lazyframe.collect()[data.key]]})


def register() -> None:
    """Register every row check (and ``synthgate_role``) with pandera, once."""
    for cls in sorted(ROW_CHECKS.values(), key=lambda c: c.name):
        function = _check_function(cls)
        if not hasattr(pa.Check, function.__name__):
            statistics = list(inspect.signature(function).parameters)[1:]
            register_check_method(function, statistics=statistics)
    if not hasattr(pa.Check, PREFIX + "role"):
        _fits_role.__name__ = PREFIX + "role"
        register_check_method(_fits_role, statistics=["role", "allow_empty"])


register()


COLUMN_KEYS = frozenset(
    {"dtype", "nullable", "unique", "coerce", "required", "regex", "default", "name", "title"}
    | {"description", "checks", "parsers", "metadata", "report_duplicates", "drop_invalid_rows"}
)
"""Keys of a column in pandera's YAML that are not checks."""


def load_schema(text: str, source: str = "schema") -> pa.DataFrameSchema:
    """A pandera schema from its YAML, refusing a check name pandera does not know (pandera
    itself drops it silently, so a typo would switch a check off)."""
    document = yaml.safe_load(text) or {}
    for column, spec in (document.get("columns") or {}).items():
        for key in spec or {}:
            if key not in COLUMN_KEYS and not callable(getattr(pa.Check, key, None)):
                raise SynthgateError(f"{source}: column {column!r}: unknown check {key!r}")
    return pa.DataFrameSchema.from_yaml(text)


def schema(data_type: str) -> pa.DataFrameSchema:
    """The record schema of a data type (``instructions``, ``dialogues``...) from ``checks/``."""
    folder = resources.files("synthgate.checks")
    resource = folder / f"{data_type}.yml"
    if not resource.is_file():
        names = sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".yml"))
        raise SynthgateError(f"no record schema {data_type!r}; schemas are: {', '.join(names)}")
    return load_schema(resource.read_text("utf-8"), f"{data_type}.yml")
