"""A batch of rows after loading: values by role, with each row's identity in the source.

A row has two names. Its *id* is the record's 0-based index in the source (the same record has
the same id in JSON Lines, JSON, CSV, Parquet, ``save_to_disk`` and a DataFrame): seeded samples
and every "which rows come first" choice are keyed on it, so no value depends on the format,
the batch size or the order in which partitions are processed. Its *row* is what messages and
examples show (the line number in JSON Lines and CSV, the 1-based position otherwise).

Every value is checked against its role here, once, so metrics can trust their inputs: a row
whose value has the wrong type is taken out of the batch and reported as unreadable.
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from synthgate.roles import LABEL_ROLES, TEXT_ROLES, normalize_label
from synthgate.turns import parse_turns

MAX_ROW_CHARS = 8 << 20
"""What the mapped values of one row may hold in all (characters of texts, items of label lists):
the cap of ``loaders.MAX_ROW_BYTES`` for rows that arrive already parsed (Parquet,
``save_to_disk``, DataFrames). A larger row is unreadable, so one row cannot exhaust memory."""

_SURROGATE = re.compile("[\ud800-\udfff]")
T = TypeVar("T")


def group_name(value: Any) -> str:
    """The name of a group value: distinct values get distinct names.

    A text that is not JSON is its own name (``gpt-4``); any other value is named by its JSON
    (``1``, ``null``, ``true``), and a text that reads as JSON is quoted (``"1"``, ``"None"`` stays
    ``None``), so ``1`` and ``"1"``, or ``null`` and ``"null"``, are never merged.
    """
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, ensure_ascii=False)


@dataclass
class Batch:
    """Rows of one chunk: ``rows[i]`` names row i in messages (line number for JSONL/CSV),
    ``ids[i]`` is its record index in the source (``rows`` when not given)."""

    rows: list[int]
    columns: dict[str, list[Any]] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """What metrics derive from the batch's values, computed once (``metrics.tokens.features``);
    shared with the batches ``take`` makes."""
    lists: dict[Any, list[Any]] = field(default_factory=dict, repr=False, compare=False)
    """Lists over this batch's rows that every metric reads (``keyed_texts``, ``listed``),
    built once; not shared with the batches ``take`` makes, whose rows differ."""

    def __post_init__(self) -> None:
        if not self.ids:
            self.ids = list(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, indices: Sequence[int]) -> Batch:
        """The rows at ``indices``, in that order."""
        return Batch(
            [self.rows[i] for i in indices],
            {role: [values[i] for i in indices] for role, values in self.columns.items()},
            [self.ids[i] for i in indices],
            self.cache,
        )

    def listed(self, key: Any, build: Callable[[Batch], Iterable[T]]) -> list[T]:
        """``list(build(self))``, built once per batch under ``key``: a list every metric of a
        run reads (each text with its row), so no metric repeats another's Python loop."""
        found = self.lists.get(key)
        if found is None:
            found = self.lists[key] = list(build(self))
        return found

    def texts(self, role: str) -> list[tuple[int, int, str]]:
        """``(row, position, text)`` for every non-empty text of ``role``.

        For ``turns`` every utterance is a text and ``position`` its turn index; otherwise 0.
        """
        return self.listed(("texts", role), lambda batch: (t[1:] for t in batch.keyed_texts(role)))

    def keyed_texts(self, role: str) -> list[tuple[int, int, int, str]]:
        """``(id, row, position, text)``: ``texts`` with each row's id, to key samples on."""
        return self.listed(("keyed_texts", role), lambda batch: batch._keyed_texts(role))

    def _keyed_texts(self, role: str) -> Iterator[tuple[int, int, int, str]]:
        for ident, row, value in zip(self.ids, self.rows, self.columns[role], strict=True):
            if role == "turns":
                yield from (
                    (ident, row, i, text)
                    for i, (_, text) in enumerate(value)
                    if text and not text.isspace()
                )
            elif value and not value.isspace():
                yield ident, row, 0, value

    def groups(self, role: str) -> Iterator[tuple[str, Batch]]:
        """Split the batch by the value of ``role`` (e.g. one sub-batch per generator model)."""
        positions: dict[str, list[int]] = {}
        names: dict[tuple[type, Any], str] = {}
        for i, value in enumerate(self.columns[role]):
            identity = (type(value), value)
            if identity not in names:
                names[identity] = group_name(value)
            positions.setdefault(names[identity], []).append(i)
        for key, indices in positions.items():
            yield key, self.take(indices)


def _check_string(value: str) -> str:
    """The text, or ValueError: a lone surrogate (JSON ``"\\ud800"``) is not text and breaks
    every later encoding; a text over ``MAX_ROW_CHARS`` costs too much memory."""
    if len(value) > MAX_ROW_CHARS:
        raise ValueError(
            f"holds {len(value):,} characters, more than the {MAX_ROW_CHARS:,} a row may hold"
        )
    if not value.isascii() and _SURROGATE.search(value):
        raise ValueError("holds a lone surrogate (e.g. \\ud800), which is not text")
    return value


def _check_text(value: Any) -> Any:
    if value is None:
        return value
    if isinstance(value, str):
        return _check_string(value)
    if isinstance(value, float) and value != value:
        return None
    raise ValueError(f"holds {type(value).__name__}, expected text")


def _check_label(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ROW_CHARS // 8:
            raise ValueError(f"holds {len(value):,} labels, more than a row may hold")
        if any(isinstance(v, (list, tuple, dict)) for v in value):
            raise ValueError("holds a nested list, expected a label or a list of labels")
        return [normalize_label(_check_scalar(v)) for v in value]
    if isinstance(value, dict):
        raise ValueError("holds an object, expected a label or a list of labels")
    if hasattr(value, "tolist"):  # numpy arrays from parquet or pandas
        return _check_label(value.tolist())
    return normalize_label(_check_scalar(value))


def _check_scalar(value: Any) -> Any:
    """A single value as JSON can hold it: Parquet dates, decimals and bytes become text or
    numbers, so every value can be reported (a timestamp label once broke ``--json``)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return _check_string(value)
    if isinstance(value, bytes):
        try:
            return _check_string(value.decode("utf-8"))
        except UnicodeDecodeError:
            raise ValueError("holds bytes that are not UTF-8 text") from None
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    if hasattr(value, "item") and not hasattr(value, "__len__"):  # a numpy scalar
        return _check_scalar(value.item())
    raise ValueError(f"holds {type(value).__name__}, expected a single value")


def _check_turns(value: Any) -> Any:
    turns = parse_turns(value)
    size = 0
    for speaker, text in turns:
        _check_string(speaker)
        size += len(_check_string(text))
    if size > MAX_ROW_CHARS:
        raise ValueError(
            f"holds {size:,} characters, more than the {MAX_ROW_CHARS:,} a row may hold"
        )
    return turns


def check_value(role: str, value: Any) -> Any:
    """The value as metrics see it, or ValueError saying why it does not fit ``role``."""
    if role in TEXT_ROLES:
        return _check_text(value)
    if role in LABEL_ROLES:
        return _check_label(value)
    if role == "turns":
        return _check_turns(value)
    return _check_scalar(value)


def build_batch(
    rows: list[int], data: dict[str, list[Any]], columns: dict[str, str], ids: list[int]
) -> tuple[Batch, list[tuple[int, str]]]:
    """Check raw column values against their roles.

    ``data`` holds raw values by column name, ``columns`` maps role to column name; ``rows`` and
    ``ids`` name each row (see ``Batch``). Returns the batch of rows that fit and
    ``(row, reason)`` for every row that does not.
    """
    checked: dict[str, list[Any]] = {}
    bad: dict[int, str] = {}
    for role, column in columns.items():
        out: list[Any] = []
        for i, value in enumerate(data[column]):
            try:
                out.append(check_value(role, value))
            except ValueError as error:
                out.append(None)
                bad.setdefault(i, f"column {column!r} {error}")
        checked[role] = out
    batch = Batch(rows, checked, ids)
    if not bad:
        return batch, []
    keep = [i for i in range(len(rows)) if i not in bad]
    return batch.take(keep), [(rows[i], reason) for i, reason in sorted(bad.items())]
