"""A lossless clean/quarantine split: rows failing an error-severity row check are set apart.

``split`` reads the data twice in step, in bounded memory: once through the loader (rows
checked against their roles, then every error-severity row check of the suite run on each row:
the row-level pass, ``rowpass.row_verdicts``), and once as raw records (the lines of a JSON Lines file, the records of a
CSV file, the elements of a JSON array, the rows of a Parquet file). The two streams name the
same rows in the same order; a row with no flag and no read error is written to CLEAN as it was
read, any other row to QUARANTINE with ``synthgate_row`` (its row number) and
``synthgate_reasons`` (every failed check, ``"ENTRY_ID: reason"``, or ``"unreadable: ..."``).

So CLEAN plus QUARANTINE holds every row of the input once, in the input's order within each
file, with the same values: a JSON Lines or CSV CLEAN holds the input's lines (and a CSV's
header) byte for byte. Both outputs have the input's format and are written to temporary files
renamed into place when complete.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from synthgate.errors import InputError, SynthgateError
from synthgate.expectations import Context
from synthgate.loaders import FORMATS, Dataset, _json_array_records, parquet_file
from synthgate.output import atomic_file
from synthgate.roles import Codings
from synthgate.rowpass import RowVerdict, row_verdicts, suite_checks
from synthgate.runner import available_roles, resolve_columns
from synthgate.suite import Suite, load_suite

REASONS, ROW, RAW = "synthgate_reasons", "synthgate_row", "synthgate_raw"
"""Fields added to quarantined rows; ``synthgate_raw`` holds an unreadable row's text."""


@dataclass
class SplitCounts:
    """How many rows went where."""

    rows: int = 0
    clean: int = 0
    quarantined: int = 0
    unreadable: int = 0


def reasons(verdict: RowVerdict) -> list[str]:
    """Why a row is quarantined: ``"ENTRY_ID: reason"`` per failed check, or ``"unreadable: ..."``."""
    if verdict.unreadable is not None:
        return [f"unreadable: {verdict.unreadable}"]
    return list(dict.fromkeys(f"{flag.entry}: {flag.reason}" for flag in verdict.flags))


# --- raw records and writers, one pair per format --------------------------------------------


class _Format:
    """Raw records of one format, and how CLEAN and QUARANTINE are written."""

    def __init__(self, path: Path, clean: IO[bytes], quarantine: IO[bytes]):
        self.path, self.clean_out, self.quarantine_out = path, clean, quarantine

    def records(self) -> Iterator[tuple[int, Any]]:
        raise NotImplementedError

    def clean(self, record: Any) -> None:
        raise NotImplementedError

    def quarantine(self, row: int, record: Any, reasons: list[str]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Finish both outputs (closing brackets, buffered rows)."""


class _JsonLines(_Format):
    def records(self) -> Iterator[tuple[int, bytes]]:
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if raw.strip():  # blank lines are not rows (as in the loader)
                    yield number, raw

    def clean(self, record: bytes) -> None:
        self.clean_out.write(record if record.endswith(b"\n") else record + b"\n")

    def quarantine(self, row: int, record: bytes, reasons: list[str]) -> None:
        self.quarantine_out.write(json.dumps(_tagged(row, record, reasons)).encode() + b"\n")


def _tagged(row: int, raw: bytes, reasons: list[str]) -> dict[str, Any]:
    """The record with the row number and reasons added; an unreadable line as raw text."""
    try:
        record = json.loads(raw)
    except ValueError:
        record = None
    tags = {ROW: row, REASONS: reasons}
    if isinstance(record, dict):
        return {**record, **tags}
    return {**tags, RAW: raw.decode("utf-8", "backslashreplace").rstrip("\r\n")}


class _Json(_Format):
    """A JSON array; its elements are written again with ``json.dumps`` (same values)."""

    def __init__(self, path: Path, clean: IO[bytes], quarantine: IO[bytes]):
        super().__init__(path, clean, quarantine)
        self.started = {id(clean): False, id(quarantine): False}

    def records(self) -> Iterator[tuple[int, Any]]:
        for index, element, _ in _json_array_records(self.path):
            yield index, element

    def _write(self, out: IO[bytes], element: Any) -> None:
        out.write(b",\n" if self.started[id(out)] else b"[\n")
        self.started[id(out)] = True
        out.write(json.dumps(element, ensure_ascii=False).encode())

    def clean(self, record: Any) -> None:
        self._write(self.clean_out, record)

    def quarantine(self, row: int, record: Any, reasons: list[str]) -> None:
        tags = {ROW: row, REASONS: reasons}
        self._write(self.quarantine_out, {**record, **tags} if isinstance(record, dict) else tags)

    def close(self) -> None:
        for out in (self.clean_out, self.quarantine_out):
            out.write(b"\n]\n" if self.started[id(out)] else b"[]\n")


class _Lines:
    """The lines of a text stream, remembering those read since the last ``take``."""

    def __init__(self, handle: IO[str]):
        self.handle, self.read = handle, io.StringIO()

    def __iter__(self) -> Iterator[str]:
        for line in self.handle:
            self.read.write(line)
            yield line

    def take(self) -> str:
        text, self.read = self.read.getvalue(), io.StringIO()
        return text


class _Csv(_Format):
    """CSV records keep their raw text (all the lines of a multi-line record), written back as is."""

    def __init__(self, path: Path, clean: IO[bytes], quarantine: IO[bytes]):
        super().__init__(path, clean, quarantine)
        self.quarantine_text = io.TextIOWrapper(
            quarantine, encoding="utf-8", errors="surrogateescape", newline=""
        )
        self.writer = csv.writer(self.quarantine_text)

    def records(self) -> Iterator[tuple[int, tuple[str, list[str]]]]:
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
        with self.path.open("rb") as raw:
            handle = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
            lines = _Lines(handle)
            reader = csv.reader(lines, strict=True)  # as the loader reads it
            header = next(reader, [])
            self.fields = len(header)
            self.clean_out.write(_bytes(lines.take()))
            self.writer.writerow([*header, ROW, REASONS, RAW])
            start = reader.line_num + 1
            while True:
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error:  # a stray quote: each line it swallowed is its own row
                    start, number = reader.line_num + 1, start
                    yield from _each_line(number, lines.take())
                    continue
                number, start = start, reader.line_num + 1
                if not fields:  # a blank line: not a row (its text goes with the next record)
                    continue
                if len(fields) != self.fields and start - 1 > number:
                    yield from _each_line(number, lines.take())
                    continue
                yield number, (lines.take(), fields)

    def clean(self, record: tuple[str, list[str]]) -> None:
        self.clean_out.write(_bytes(record[0]))

    def quarantine(self, row: int, record: tuple[str, list[str]], reasons: list[str]) -> None:
        text, fields = record
        tags = [str(row), "; ".join(reasons)]
        if len(fields) == self.fields:
            self.writer.writerow([*fields, *tags, ""])
        else:  # the fields do not fit the header: keep the record's text
            self.writer.writerow([*([""] * self.fields), *tags, text.rstrip("\r\n")])

    def close(self) -> None:
        self.quarantine_text.flush()
        self.quarantine_text.detach()


def _each_line(number: int, text: str) -> Iterator[tuple[int, tuple[str, list[str]]]]:
    """The lines of a record the loader could not split into fields, one row each from line
    ``number`` (``loaders._csv_swallowed``); blank lines before it are not rows."""
    body = text.splitlines(keepends=True)
    while body and not body[0].strip():
        body.pop(0)
    for offset, line in enumerate(body):
        yield number + offset, (line, [])


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


class _Parquet(_Format):
    """Parquet rows, written batch by batch with the input's schema (QUARANTINE adds two columns)."""

    def __init__(self, path: Path, clean: IO[bytes], quarantine: IO[bytes]):
        super().__init__(path, clean, quarantine)
        self.file = parquet_file(path)
        schema = self.file.schema_arrow
        self.clean_writer = pq.ParquetWriter(clean, schema)
        tagged = schema.append(pa.field(ROW, pa.int64())).append(
            pa.field(REASONS, pa.list_(pa.string()))
        )
        self.quarantine_writer = pq.ParquetWriter(quarantine, tagged)
        self.batch: pa.RecordBatch | None = None
        self.keep: list[int] = []
        self.set_apart: list[tuple[int, int, list[str]]] = []

    def records(self) -> Iterator[tuple[int, tuple[pa.RecordBatch, int]]]:
        row = 0
        for batch in self.file.iter_batches():
            for index in range(batch.num_rows):
                row += 1
                yield row, (batch, index)

    def _flush(self, batch: pa.RecordBatch | None) -> None:
        if self.batch is not None and batch is not self.batch:
            if self.keep:
                self.clean_writer.write_batch(self.batch.take(self.keep))
            if self.set_apart:
                part = self.batch.take([index for index, _, _ in self.set_apart])
                rows = pa.array([row for _, row, _ in self.set_apart], pa.int64())
                reasons = pa.array([r for _, _, r in self.set_apart], pa.list_(pa.string()))
                self.quarantine_writer.write_batch(
                    part.append_column(ROW, rows).append_column(REASONS, reasons)
                )
            self.keep, self.set_apart = [], []
        self.batch = batch

    def clean(self, record: tuple[pa.RecordBatch, int]) -> None:
        self._flush(record[0])
        self.keep.append(record[1])

    def quarantine(self, row: int, record: tuple[pa.RecordBatch, int], reasons: list[str]) -> None:
        self._flush(record[0])
        self.set_apart.append((record[1], row, reasons))

    def close(self) -> None:
        self._flush(None)
        self.clean_writer.close()
        self.quarantine_writer.close()


WRITERS: dict[str, type[_Format]] = {
    "jsonl": _JsonLines,
    "json": _Json,
    "csv": _Csv,
    "parquet": _Parquet,
}


def split(
    data: str | os.PathLike[str],
    suite: str | Suite,
    clean: str | os.PathLike[str],
    quarantine: str | os.PathLike[str],
    *,
    mapping: dict[str, str] | None = None,
    codings: Codings | None = None,
) -> SplitCounts:
    """Write the rows of ``data`` that pass every error-severity row check of ``suite`` to
    ``clean``, and every other row (flagged or unreadable) to ``quarantine``, in the input's
    format and order. ``codings`` says which labels and judgement codes are valid. Outputs must
    not name the input or each other."""
    suite = suite if isinstance(suite, Suite) else load_suite(suite)
    dataset = Dataset(data)
    if dataset.format not in WRITERS:
        raise InputError(
            f"{dataset.name}: --clean/--quarantine read JSON Lines, JSON, CSV or Parquet files, "
            f"not {dataset.format}"
        )
    for option, path in (("--clean", clean), ("--quarantine", quarantine)):
        if FORMATS.get(Path(path).suffix.lower()) != dataset.format:
            raise SynthgateError(
                f"{option} {path}: must have the input's format ({dataset.format}), "
                f"e.g. {Path(path).with_suffix(Path(dataset.name).suffix)}"
            )
    columns = resolve_columns(suite, dataset, mapping)
    if "dialogue_id" in columns:
        raise InputError(
            f"{dataset.name}: --clean/--quarantine need one row per record; dialogues in long "
            "format (one row per turn) are not supported"
        )
    context = Context(codings or Codings())
    checks = [
        check
        for check in suite_checks(suite, context, available_roles(columns))
        if check.severity == "error"
    ]
    counts = SplitCounts()
    assert dataset.path is not None
    with ExitStack() as stack:
        clean_out = stack.enter_context(atomic_file(clean))
        quarantine_out = stack.enter_context(atomic_file(quarantine))
        writer = WRITERS[dataset.format](dataset.path, clean_out, quarantine_out)
        verdicts = row_verdicts(dataset, columns, checks)
        for row, record in writer.records():
            verdict = next(verdicts, None)
            if verdict is None or verdict.line != row:
                raise SynthgateError(
                    f"{dataset.name}: row {row} could not be matched with its checks "
                    f"(got {verdict.line if verdict else 'none'}); nothing was written"
                )
            counts.rows += 1
            if not verdict.clean:
                writer.quarantine(row, record, reasons(verdict))
                counts.quarantined += 1
                counts.unreadable += verdict.unreadable is not None
            else:
                writer.clean(record)
                counts.clean += 1
        extra = next(verdicts, None)
        if extra is not None:
            raise SynthgateError(
                f"{dataset.name}: row {extra.line} has checks but no record; nothing was written"
            )
        writer.close()
    return counts
