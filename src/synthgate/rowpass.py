"""The row-level pass: each row's flags under a suite's row checks, streamed batch by batch.

``suite_checks`` lists the row checks behind a suite's entries (the "share of rows that ..."
rates: boilerplate, placeholders, copies, truncations, Gopher repetition, role flips and
interruptions, repeated turns, closing loops, invalid labels and judgements), each with the
entry it belongs to and that entry's severity. ``check_rows`` reads a dataset once and yields a
``RowVerdict`` per row, in file order: the row's line number, its record index (``id``) and its flags (empty for a clean
row), or why it could not be read. Memory holds one batch. The flags of an entry, counted over every row, are the
counts its aggregate rate reports (``details.flagged``), since both come from the same check
(``metrics.flags.RowCheck``). A quarantine split or a pandera check is built on this.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from synthgate.errors import InputError
from synthgate.expectations import Context
from synthgate.loaders import Dataset
from synthgate.metrics.flags import RowCheck
from synthgate.roles import Codings
from synthgate.runner import available_roles, resolve_columns
from synthgate.suite import Suite, load_suite


@dataclass(frozen=True)
class SuiteCheck:
    """A row check of a suite entry: the entry's id, expectation and severity, and the check."""

    entry: str
    expectation: str
    severity: str
    check: RowCheck


@dataclass(frozen=True)
class RowFlag:
    """One flag of a row: which check and entry raised it, why, and what shows it. ``unit`` is
    the turn or label position when the check reads parts of a row."""

    check: str
    entry: str
    severity: str
    reason: str
    excerpt: str
    unit: int | None = None


@dataclass(frozen=True)
class RowVerdict:
    """A row's flags under a suite (empty: the row passed every row check)."""

    line: int
    """The row number in messages: the line for JSON Lines and CSV, else the 1-based position."""
    flags: tuple[RowFlag, ...] = ()
    unreadable: str | None = None
    """Why the row could not be read (it was not checked), else None."""
    id: int | None = None
    """The record's 0-based index in the source (``Batch.ids``); None for an unreadable row."""

    @property
    def clean(self) -> bool:
        """Readable, and no check flagged it."""
        return not self.flags and self.unreadable is None

    @property
    def failed(self) -> bool:
        """Whether an error-severity check flagged the row."""
        return any(flag.severity == "error" for flag in self.flags)


def suite_checks(
    suite: Suite, context: Context | None = None, roles: set[str] | None = None
) -> list[SuiteCheck]:
    """The row checks of ``suite``'s entries, in suite order; with ``roles``, only the checks
    whose roles are all available."""
    context = context or Context()
    return [
        SuiteCheck(entry.id, entry.expectation.name, entry.severity, check)
        for entry in suite.entries
        for check in entry.expectation.row_checks(context)
        if roles is None or set(check.roles) <= roles
    ]


def check_rows(
    data: str | os.PathLike[str] | Any,
    suite: str | Suite,
    *,
    mapping: dict[str, str] | None = None,
    codings: Codings | None = None,
) -> Iterator[RowVerdict]:
    """A ``RowVerdict`` for every row of ``data`` under ``suite``'s row checks."""
    suite = suite if isinstance(suite, Suite) else load_suite(suite)
    dataset = data if isinstance(data, Dataset) else Dataset(data)
    columns = resolve_columns(suite, dataset, mapping)
    checks = suite_checks(suite, Context(codings or Codings()), available_roles(columns))
    yield from row_verdicts(dataset, columns, checks)


def row_verdicts(
    dataset: Dataset, columns: dict[str, str], checks: list[SuiteCheck]
) -> Iterator[RowVerdict]:
    """A ``RowVerdict`` under ``checks`` for every row of ``dataset`` read with ``columns``
    (role -> column), in row order, unreadable rows included.

    InputError, before any row is read, when a check cannot run here (``unavailable``).
    """
    for item in checks:
        reason = item.check.unavailable()
        if reason is not None:
            raise InputError(f"row check {item.check.name!r} of entry {item.entry!r}: {reason}")
    return _verdicts(dataset, columns, checks)


def _verdicts(
    dataset: Dataset, columns: dict[str, str], checks: list[SuiteCheck]
) -> Iterator[RowVerdict]:
    for batch, errors, _ in dataset.read(columns):
        flags: dict[int, list[RowFlag]] = {row: [] for row in batch.rows}
        ids = dict(zip(batch.rows, batch.ids, strict=True))
        for item in checks:
            check = item.check
            for row, value in check.items(batch):
                flags[row] += [
                    RowFlag(check.name, item.entry, item.severity, f.reason, f.excerpt, f.unit)
                    for f in check.check(value)
                ]
        verdicts = {row: RowVerdict(row, tuple(found), id=ids[row]) for row, found in flags.items()}
        verdicts.update((row, RowVerdict(row, unreadable=reason)) for row, reason in errors)
        yield from (verdicts[row] for row in sorted(verdicts))
