"""Read datasets in bounded memory, in batches, keeping count of every row.

Formats: JSON Lines, JSON (an array of objects), CSV, Parquet, a directory written by Hugging
Face ``datasets.save_to_disk``, and a pandas DataFrame. Each format is a *source* that yields
raw column values in chunks with their row numbers; ``Dataset.batches`` checks the values
against their roles (``batch.build_batch``). A row that cannot be read (broken JSON, bytes that
are not UTF-8, a value of the wrong type) is recorded with its row number and reason; it is
never dropped silently. Row numbers are line numbers for JSON Lines and CSV (the header is
line 1), and 1-based positions for the other formats.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from synthgate.batch import Batch, build_batch
from synthgate.errors import InputError

BATCH_SIZE = 4096
MAX_LISTED_UNREADABLE = 1000
"""Unreadable rows listed with their reason; beyond this they are counted and their row numbers kept."""


@dataclass
class Chunk:
    """Raw values by column name for some rows, and the rows that could not be parsed at all."""

    rows: list[int]
    data: dict[str, list[Any]]
    errors: list[tuple[int, str]] = field(default_factory=list)
    progress: int = 0


@dataclass
class Unreadable:
    """Rows that could not be validated, with the reason for each (the first 1000 listed)."""

    rows: list[int] = field(default_factory=list)
    reasons: list[tuple[int, str]] = field(default_factory=list)

    def add(self, errors: list[tuple[int, str]]) -> None:
        for row, reason in errors:
            self.rows.append(row)
            if len(self.reasons) < MAX_LISTED_UNREADABLE:
                self.reasons.append((row, reason))

    def __len__(self) -> int:
        return len(self.rows)


# --- sources: one generator per format, yielding Chunks --------------------------------------


def _take(record: dict[str, Any], columns: list[str], data: dict[str, list[Any]]) -> None:
    for column in columns:
        data[column].append(record.get(column))


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | str, int]]:
    """(line number, object or error reason, bytes read) for every non-blank line."""
    with path.open("rb") as handle:
        position = 0
        for number, raw in enumerate(handle, start=1):
            position += len(raw)
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield number, f"bytes that are not UTF-8 at position {error.start}", position
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as error:
                truncated = not raw.endswith(b"\n")
                what = (
                    "truncated JSON (last line)"
                    if truncated
                    else f"broken JSON ({error.msg} column {error.colno})"
                )
                yield number, what, position
                continue
            if not isinstance(record, dict):
                yield number, f"a JSON {type(record).__name__}, expected an object", position
                continue
            yield number, record, position


_SEPARATORS = re.compile(r"[\s,]*")


def _json_array_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | str, int]]:
    """(position, object or error reason, bytes read) for each element of a JSON array.

    The file is decoded and parsed in 1 MiB blocks, so memory holds one block and the element
    being read, never the whole array. A syntax error leaves no way to find the next element, so
    it is an input error naming the element.
    """
    decoder, text = json.JSONDecoder(), codecs.getincrementaldecoder("utf-8")()
    buffer, read, index, opened = "", 0, 0, False
    with path.open("rb") as handle:
        while True:
            block = handle.read(1 << 20)
            try:
                buffer += text.decode(block, final=not block)
            except UnicodeDecodeError as error:
                raise InputError(
                    f"{path}: bytes that are not UTF-8 near byte {read + error.start}"
                ) from None
            read += len(block)
            at = _SEPARATORS.match(buffer).end()  # type: ignore[union-attr]
            if not opened and at < len(buffer):
                if buffer[at] != "[":
                    raise InputError(f"{path}: expected a JSON array of objects")
                opened, at = True, _SEPARATORS.match(buffer, at + 1).end()  # type: ignore[union-attr]
            while opened and at < len(buffer) and buffer[at] != "]":
                try:
                    element, end = decoder.raw_decode(buffer, at)
                except json.JSONDecodeError as error:
                    if block:  # the element may continue in the next block
                        break
                    raise InputError(
                        f"{path}: broken JSON in element {index + 1}: {error.msg}"
                    ) from None
                index += 1
                yield index, element if isinstance(element, dict) else "not a JSON object", read
                at = _SEPARATORS.match(buffer, end).end()  # type: ignore[union-attr]
            if opened and at < len(buffer) and buffer[at] == "]":
                return
            buffer = buffer[at:]
            if not block:
                raise InputError(f"{path}: the JSON array is not closed (truncated file?)")


def _chunks_from_records(
    records: Iterator[tuple[int, dict[str, Any] | str, int]], columns: list[str], size: int
) -> Iterator[Chunk]:
    chunk = Chunk([], {c: [] for c in columns})
    for number, record, position in records:
        if isinstance(record, str):
            chunk.errors.append((number, record))
        else:
            chunk.rows.append(number)
            _take(record, columns, chunk.data)
        chunk.progress = position
        if len(chunk.rows) >= size:
            yield chunk
            chunk = Chunk([], {c: [] for c in columns}, progress=position)
    yield chunk


def _csv_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | str, int]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open("rb") as raw:
        handle = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        start = reader.line_num + 1
        for record in reader:
            number, start = start, reader.line_num + 1
            read = raw.tell()  # bytes read so far (ahead by at most one buffer)
            try:
                for value in record.values():
                    if isinstance(value, str):
                        value.encode("utf-8")
            except UnicodeEncodeError:
                yield number, "bytes that are not UTF-8", read
                continue
            if None in record or None in record.values():
                count = (
                    len(fields) + len(record.get(None) or []) - list(record.values()).count(None)
                )
                yield number, f"{count} fields, the header has {len(fields)}", read
                continue
            yield number, record, read


def _arrow_chunks(batches: Iterator[pa.RecordBatch], columns: list[str]) -> Iterator[Chunk]:
    first = 1
    for record_batch in batches:
        rows = list(range(first, first + record_batch.num_rows))
        first += record_batch.num_rows
        data = {c: record_batch.column(c).to_pylist() for c in columns}
        yield Chunk(rows, data, progress=first - 1)


def _dataframe_chunks(frame: Any, columns: list[str], size: int) -> Iterator[Chunk]:
    for start in range(0, len(frame), size):
        part = frame.iloc[start : start + size]
        rows = list(range(start + 1, start + len(part) + 1))
        yield Chunk(rows, {c: part[c].tolist() for c in columns}, progress=start + len(part))


# --- datasets -----------------------------------------------------------------------------


def _hf_arrow_files(directory: Path) -> list[Path]:
    if (directory / "dataset_dict.json").exists():
        splits = json.loads((directory / "dataset_dict.json").read_text())["splits"]
        raise InputError(
            f"{directory} holds a DatasetDict with splits {', '.join(splits)}; "
            f"point to one split, e.g. {directory / splits[0]}"
        )
    state = directory / "state.json"
    if not state.exists():
        raise InputError(f"{directory} is a directory but not one written by datasets.save_to_disk")
    files = json.loads(state.read_text()).get("_data_files", [])
    return [directory / f["filename"] for f in files]


def _stream_batches(files: list[Path], size: int) -> Iterator[pa.RecordBatch]:
    for file in files:
        with pa.memory_map(str(file)) as source:
            for record_batch in pa.ipc.open_stream(source):
                for offset in range(0, record_batch.num_rows, size):
                    yield record_batch.slice(offset, size)


FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


class Dataset:
    """A dataset to validate: a file, a ``save_to_disk`` directory or a DataFrame.

    Opening reads the column names only; ``batches`` streams the rows.
    """

    def __init__(self, source: str | os.PathLike[str] | Any, *, batch_size: int = BATCH_SIZE):
        self.batch_size = batch_size
        self.unreadable = Unreadable()
        self.rows_read = 0
        self.frame: Any = None
        self.path: Path | None = None
        if hasattr(source, "iloc"):
            frame: Any = source
            self.frame, self.format, self.size = frame, "dataframe", len(frame)
            self.columns = [str(c) for c in frame.columns]
            return
        self.path = Path(source)
        if not self.path.exists():
            raise InputError(f"{self.path}: no such file or directory")
        if self.path.is_dir():
            self.format = "hf_dataset"
            self._files = _hf_arrow_files(self.path)
            schema = pa.ipc.open_stream(pa.memory_map(str(self._files[0]))).schema
            self.columns = schema.names
            self.size = sum(
                pa.ipc.open_stream(pa.memory_map(str(f))).read_all().num_rows for f in self._files
            )
            return
        self.format = FORMATS.get(self.path.suffix.lower(), "")
        if not self.format:
            known = ", ".join(sorted(FORMATS))
            raise InputError(
                f"{self.path}: unknown format {self.path.suffix!r}; use one of {known}"
            )
        self.size = self.path.stat().st_size
        if self.size == 0:
            raise InputError(f"{self.path}: the file is empty")
        try:
            self.columns = self._read_columns()
            if self.format == "parquet":  # its progress counts rows, not bytes
                self.size = pq.ParquetFile(self.path).metadata.num_rows
        except (OSError, pa.ArrowException) as error:
            raise InputError(f"{self.path}: cannot read as {self.format}: {error}") from None

    @property
    def name(self) -> str:
        return str(self.path) if self.path else "<DataFrame>"

    def _read_columns(self) -> list[str]:
        assert self.path is not None
        if self.format == "parquet":
            return pq.ParquetFile(self.path).schema_arrow.names
        if self.format == "csv":
            with self.path.open(newline="", encoding="utf-8", errors="replace") as handle:
                return next(csv.reader(handle), [])
        records = _json_array_records if self.format == "json" else _jsonl_records
        columns: dict[str, None] = {}
        for count, (_, record, _) in enumerate(records(self.path)):
            if isinstance(record, dict):
                columns.update(dict.fromkeys(record))
            if count >= 1000:
                break
        if not columns:
            raise InputError(f"{self.path}: no readable JSON object in the first lines")
        return list(columns)

    def require(self, columns: dict[str, str]) -> None:
        """Fail with a one-line error naming what exists when a mapped column is missing."""
        for role, column in columns.items():
            if column not in self.columns:
                raise InputError(
                    f"{self.name}: no column {column!r} for role {role!r}; "
                    f"columns are: {', '.join(self.columns)} (use --map {role}=COLUMN)"
                )

    def _chunks(self, columns: list[str]) -> Iterator[Chunk]:
        size = self.batch_size
        if self.frame is not None:
            return _dataframe_chunks(self.frame, columns, size)
        assert self.path is not None
        if self.format == "jsonl":
            return _chunks_from_records(_jsonl_records(self.path), columns, size)
        if self.format == "csv":
            return _chunks_from_records(_csv_records(self.path), columns, size)
        if self.format == "json":
            return _chunks_from_records(_json_array_records(self.path), columns, size)
        if self.format == "parquet":
            batches = pq.ParquetFile(self.path).iter_batches(batch_size=size, columns=columns)
            return _arrow_chunks(batches, columns)
        return _arrow_chunks(_stream_batches(self._files, size), columns)

    def batches(self, columns: dict[str, str]) -> Iterator[tuple[Batch, int]]:
        """Checked batches of the mapped roles, with progress (bytes or rows read so far)."""
        for batch, _, progress in self.read(columns):
            if len(batch):
                yield batch, progress

    def read(self, columns: dict[str, str]) -> Iterator[tuple[Batch, list[tuple[int, str]], int]]:
        """Checked batches (maybe empty), each with the ``(row, reason)`` of the rows of its
        chunk that could not be read, and progress."""
        self.require(columns)
        self.rows_read = 0
        self.unreadable = Unreadable()
        wanted = list(dict.fromkeys(columns.values()))
        chunks = self._chunks(wanted)
        if "dialogue_id" in columns:
            chunks = assemble_dialogues(chunks, columns)
            columns = {
                r: c for r, c in columns.items() if r not in ("dialogue_id", "speaker", "text")
            }
            columns["turns"] = "turns"
        for chunk in chunks:
            batch, errors = build_batch(chunk.rows, chunk.data, columns)
            errors = sorted(chunk.errors + errors)
            self.unreadable.add(errors)
            self.rows_read += len(chunk.rows) + len(chunk.errors)
            yield batch, errors, chunk.progress


def assemble_dialogues(chunks: Iterator[Chunk], columns: dict[str, str]) -> Iterator[Chunk]:
    """Long format to one row per dialogue: consecutive rows with one ``dialogue_id`` are its turns.

    A dialogue's rows must stand together; a ``dialogue_id`` that comes back after another
    dialogue started is reported as unreadable rather than merged out of order.
    """
    id_col, speaker_col, text_col = columns["dialogue_id"], columns["speaker"], columns["text"]
    extra = [c for r, c in columns.items() if r not in ("dialogue_id", "speaker", "text")]
    seen: set[Any] = set()
    current: Any = object()
    pending = Chunk([], {"turns": [], **{c: [] for c in extra}})
    for chunk in chunks:
        pending.errors.extend(chunk.errors)
        for i, row in enumerate(chunk.rows):
            key = chunk.data[id_col][i]
            turn = {"speaker": chunk.data[speaker_col][i], "text": chunk.data[text_col][i]}
            if key == current:
                pending.data["turns"][-1].append(turn)
                continue
            if key in seen:
                pending.errors.append((row, f"dialogue {key!r} continues after other dialogues"))
                continue
            seen.add(key)
            current = key
            pending.rows.append(row)
            pending.data["turns"].append([turn])
            for column in extra:
                pending.data[column].append(chunk.data[column][i])
        pending.progress = chunk.progress
        if len(pending.rows) > 1:  # the last dialogue may continue in the next chunk
            last = {c: values[-1] for c, values in pending.data.items()}
            rows, data = pending.rows[:-1], {c: values[:-1] for c, values in pending.data.items()}
            yield Chunk(rows, data, pending.errors, pending.progress)
            pending = Chunk(
                [pending.rows[-1]], {c: [v] for c, v in last.items()}, progress=pending.progress
            )
    yield pending
