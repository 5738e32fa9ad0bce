"""Read datasets in bounded memory, in batches, keeping count of every row.

Formats: JSON Lines, JSON (an array of objects), CSV, Parquet, a directory written by Hugging
Face ``datasets.save_to_disk``, and a pandas DataFrame. Each format is a *source* that yields
raw column values in chunks with their row numbers; ``Dataset.batches`` checks the values
against their roles (``batch.build_batch``). A row that cannot be read (broken JSON, bytes that
are not UTF-8, a value of the wrong type) is recorded with its row number and reason; it is
never dropped silently. Row numbers are line numbers for JSON Lines and CSV (the header is
line 1), and 1-based positions for the other formats; they name rows in messages. A row's id is
its record's 0-based index in the source, the same in every format (``batch.Batch``): blank
lines are not records, unreadable ones are.

JSON Lines, JSON and CSV may be compressed (``.gz``, ``.bz2``, ``.zst``: Arrow's compressed
streams) and may start with a UTF-8 byte order mark; ``-`` reads standard input and a named pipe
is read as it comes (both are spooled to a temporary file, then read like any file, their format
taken from the name or sniffed from the first bytes).

What one row may cost is capped (``MAX_ROW_BYTES``). A CSV quote that is never closed, or that
closes where no field can end, makes every line it swallowed unreadable, never silently part of
one field; a JSON file must be exactly one array, its elements separated by single commas.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from synthgate.batch import Batch, build_batch
from synthgate.errors import InputError

BATCH_SIZE = 4096
MAX_LISTED_UNREADABLE = 1000
"""Unreadable rows listed with their reason; beyond this they are counted and their row numbers kept."""
MAX_ROW_BYTES = 8 << 20
"""What one row may cost: a JSON line, a JSON array element or a CSV record larger than 8 MiB is
unreadable (and is read past, never held whole). Metrics hold many copies of a text in
intermediate structures: a 200 MB text reached 7.3 GB in free_text; now that row is unreadable
and the run peaks at 175 MB, while a row just under the cap (8 MB of text) peaks at 610 MB.
``batch.MAX_ROW_CHARS`` caps the mapped values of Parquet, ``save_to_disk`` and DataFrame rows
the same way."""
COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".zstd": "zstd"}
"""Compressed files by extension (``data.jsonl.gz``), read through Arrow's compressed streams."""
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\x28\xb5\x2f\xfd", "zstd"))
_BOM = b"\xef\xbb\xbf"


@dataclass
class Chunk:
    """Raw values by column name for some rows (named by ``rows``, identified by ``ids``), and
    the rows that could not be parsed at all."""

    rows: list[int]
    data: dict[str, list[Any]]
    errors: list[tuple[int, str]] = field(default_factory=list)
    progress: int = 0
    ids: list[int] = field(default_factory=list)


@dataclass
class Unreadable:
    """Rows that could not be validated, with the reason for each (the first 1000 listed).

    Every row number is kept (the result lists them), as 8-byte integers: a file of 10M rows
    that are all unreadable holds 80 MB here, not the 360 MB of a list of Python ints."""

    rows: array[int] = field(default_factory=lambda: array("q"))
    reasons: list[tuple[int, str]] = field(default_factory=list)

    def add(self, errors: list[tuple[int, str]]) -> None:
        for row, reason in errors:
            self.rows.append(row)
            if len(self.reasons) < MAX_LISTED_UNREADABLE:
                self.reasons.append((row, reason))

    def __len__(self) -> int:
        return len(self.rows)

    def merge(self, other: Unreadable) -> Unreadable:
        """Both sides' rows, the first ``MAX_LISTED_UNREADABLE`` listed (as one reader lists
        them in file order, whatever the parts' order)."""
        listed = sorted(self.reasons + other.reasons)[:MAX_LISTED_UNREADABLE]
        return Unreadable(self.rows + other.rows, listed)


# --- sources: one generator per format, yielding Chunks --------------------------------------


def _take(record: dict[str, Any], columns: list[str], data: dict[str, list[Any]]) -> None:
    for column in columns:
        data[column].append(record.get(column))


def _parse_int(digits: str) -> int | str:
    """JSON integers Python cannot convert (over 4,300 digits) stay as their digits."""
    return int(digits) if len(digits) <= 4300 else digits


_DECODER = json.JSONDecoder(parse_int=_parse_int)


@contextlib.contextmanager
def _open_bytes(
    path: Path, compression: str | None
) -> Iterator[tuple[IO[bytes], Callable[[], int]]]:
    """The file's (decompressed) bytes, and a function telling how much of the file was read."""
    if compression is None:
        with path.open("rb") as handle:
            yield handle, handle.tell
        return
    raw = pa.OSFile(str(path))
    try:
        yield io.BufferedReader(pa.CompressedInputStream(raw, compression), 1 << 16), raw.tell
    finally:
        raw.close()


def _lines(handle: IO[bytes]) -> Iterator[bytes | int]:
    """Every line of ``handle``; one longer than ``MAX_ROW_BYTES`` is read past, given as its length."""
    limit = MAX_ROW_BYTES
    while line := handle.readline(limit + 1):
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        while line and not line.endswith(b"\n"):
            line = handle.readline(1 << 20)
            size += len(line)
        yield size


def _too_long(size: int) -> str:
    return f"a row of {size / (1 << 20):,.1f} MiB, more than the {MAX_ROW_BYTES >> 20} MiB a row may hold"


def _jsonl_records(
    path: Path, compression: str | None = None, shard: tuple[Shard, int] | None = None
) -> Iterator[tuple[int, dict[str, Any] | str | None, int]]:
    """(line number, object or error reason, bytes read) for every non-blank line; with
    ``(shard, size)``, None for the records outside the shard's blocks of ``size`` records."""
    owns = None if shard is None else (lambda record: shard[0].owns(record // shard[1]))
    with _open_bytes(path, compression) as (handle, tell):
        yield from jsonl_records(_lines(handle), tell=tell, owns=owns)


def blank_line(raw: bytes) -> bool:
    """Whether a line of JSON Lines is blank (only ASCII whitespace): no record."""
    return not raw.strip()


def jsonl_records(
    lines: Iterable[bytes | int],
    first: int = 1,
    tell: Callable[[], int] = lambda: 0,
    owns: Callable[[int], bool] | None = None,
) -> Iterator[tuple[int, dict[str, Any] | str | None, int]]:
    """(line number, object or error reason, ``tell()``) for every non-blank line of ``lines``
    (each line's bytes with its end of line, or the length of a line read past), numbered
    from ``first``: the JSON Lines format wherever the lines come from (a file, a Spark
    partition). With ``owns``, a record (counted from 0) it does not own is given as None,
    not parsed: another process reads it."""
    index = -1  # of the record
    for number, raw in enumerate(lines, start=first):
        if isinstance(raw, bytes):
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if blank_line(raw):
                continue
        index += 1
        if owns is not None and not owns(index):
            yield number, None, tell()
            continue
        if isinstance(raw, int):
            yield number, _too_long(raw), tell()
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield number, f"bytes that are not UTF-8 at position {error.start}", tell()
            continue
        try:
            record = _DECODER.decode(text)
        except json.JSONDecodeError as error:
            truncated = not raw.endswith(b"\n")
            what = (
                "truncated JSON (last line)"
                if truncated
                else f"broken JSON ({error.msg} column {error.colno})"
            )
            yield number, what, tell()
            continue
        except RecursionError:
            yield number, "JSON nested too deeply", tell()
            continue
        if not isinstance(record, dict):
            yield number, f"a JSON {type(record).__name__}, expected an object", tell()
            continue
        yield number, record, tell()


_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _json_array_records(
    path: Path, compression: str | None = None
) -> Iterator[tuple[int, dict[str, Any] | str, int]]:
    """(position, object or error reason, bytes read) for each element of a JSON array.

    The file is decoded and parsed in 1 MiB blocks, so memory holds one block and the element
    being read, never the whole array. The file must be exactly one array whose elements are
    separated by single commas; anything else (a second array, text after it, a missing or extra
    comma) leaves no way to tell which rows were meant, so it is an input error naming the place.
    """
    text = codecs.getincrementaldecoder("utf-8-sig")()
    buffer, read, index = "", 0, 0
    expect = "["  # then "value", "," (a comma or the end), "end" (only whitespace)
    with _open_bytes(path, compression) as (handle, tell):
        while True:
            block = handle.read(1 << 20)
            try:
                buffer += text.decode(block, final=not block)
            except UnicodeDecodeError as error:
                raise InputError(
                    f"{path}: bytes that are not UTF-8 near byte {read + error.start}"
                ) from None
            read += len(block)
            at = _WHITESPACE.match(buffer).end()  # type: ignore[union-attr]
            while at < len(buffer):
                char = buffer[at]
                if expect == "[":
                    if char != "[":
                        raise InputError(f"{path}: expected a JSON array of objects")
                    expect, at = "first", at + 1
                elif expect == "end":
                    raise InputError(
                        f"{path}: more after the JSON array's closing ']' (near character "
                        f"{read - len(block) + at}); a JSON file holds one array"
                    )
                elif char == "]" and expect in ("first", ","):
                    expect, at = "end", at + 1
                elif expect == ",":
                    if char != ",":
                        raise InputError(f"{path}: expected ',' or ']' after element {index}")
                    expect, at = "value", at + 1
                else:
                    try:
                        element, end = _DECODER.raw_decode(buffer, at)
                    except json.JSONDecodeError as error:
                        if block:  # the element may continue in the next block
                            break
                        raise InputError(
                            f"{path}: broken JSON in element {index + 1}: {error.msg}"
                        ) from None
                    except RecursionError:
                        raise InputError(
                            f"{path}: element {index + 1} is nested too deeply"
                        ) from None
                    if end == len(buffer) and block:  # a number may go on in the next block
                        break
                    index += 1
                    if end - at > MAX_ROW_BYTES:
                        element = _too_long(end - at)
                    elif not isinstance(element, dict):
                        element = "not a JSON object"
                    yield index, element, tell()
                    expect, at = ",", end
                at = _WHITESPACE.match(buffer, at).end()  # type: ignore[union-attr]
            buffer = buffer[at:]
            if len(buffer) > MAX_ROW_BYTES:
                raise InputError(f"{path}: element {index + 1} is {_too_long(len(buffer))}")
            if not block:
                if expect != "end":
                    raise InputError(f"{path}: the JSON array is not closed (truncated file?)")
                return


def chunks_from_records(
    records: Iterator[tuple[int, dict[str, Any] | str | None, int]],
    columns: list[str],
    size: int,
    first_id: int = 0,
) -> Iterator[Chunk]:
    """Chunks of ``size`` readable records; the records are identified from ``first_id`` on
    (a None record, another shard's, is counted and skipped)."""
    chunk = Chunk([], {c: [] for c in columns})
    for index, (number, record, position) in enumerate(records, start=first_id):
        if record is None:
            continue
        if isinstance(record, str):
            chunk.errors.append((number, record))
        else:
            chunk.rows.append(number)
            chunk.ids.append(index)
            _take(record, columns, chunk.data)
        chunk.progress = position
        if len(chunk.rows) >= size:
            yield chunk
            chunk = Chunk([], {c: [] for c in columns}, progress=position)
    yield chunk


class _CappedLines:
    """Lines of a text stream for ``csv.reader``; a line longer than ``MAX_ROW_BYTES`` is read
    past and replaced by an empty line, its number kept in ``too_long``."""

    def __init__(self, handle: IO[str]):
        self.handle, self.number, self.too_long = handle, 0, set[int]()

    def __iter__(self) -> Iterator[str]:
        while line := self.handle.readline(MAX_ROW_BYTES + 1):
            self.number += 1
            if len(line) > MAX_ROW_BYTES and not line.endswith(("\n", "\r")):
                while line and not line.endswith(("\n", "\r")):
                    line = self.handle.readline(1 << 20)
                self.too_long.add(self.number)
                line = "\n"
            yield line


def _csv_swallowed(first: int, last: int, reason: str) -> Iterator[tuple[int, str]]:
    """Each line of a record that could not be split into fields, as its own unreadable row."""
    yield first, reason
    for number in range(first + 1, last + 1):
        yield number, f"swallowed by the record that starts on line {first}"


def _csv_records(
    path: Path, compression: str | None = None, header_only: bool = False
) -> Iterator[tuple[int, Any, int]]:
    """(first line, record or error reason, bytes read) for every record after the header.

    Parsed strictly: a quote that never closes, or closes where no field ends (``"a"b``), is an
    error, and every line from the record's start to where the parser gave up is unreadable, as
    are the lines of a multi-line record with the wrong number of fields: a stray quote cannot
    silently turn a thousand rows into one field.
    """
    csv.field_size_limit(MAX_ROW_BYTES)
    with _open_bytes(path, compression) as (raw, tell):
        lines = _CappedLines(
            io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        )
        reader = csv.reader(lines, strict=True)
        try:
            fields = next(reader, [])
        except csv.Error as error:
            raise InputError(f"{path}: the header line cannot be read: {error}") from None
        if header_only:
            yield 1, fields, tell()
            return
        start = reader.line_num + 1
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                reason = f"a field that cannot be read ({error}): a stray quote?"
                for item in _csv_swallowed(start, max(start, reader.line_num), reason):
                    yield *item, tell()
                start = reader.line_num + 1
                continue
            number, start = start, reader.line_num + 1
            last = start - 1
            if lines.too_long & set(range(number, last + 1)):
                yield number, _too_long(MAX_ROW_BYTES), tell()
                continue
            if not record:  # a blank line
                continue
            if len(record) != len(fields):
                reason = f"{len(record)} fields, the header has {len(fields)}"
                if last > number:
                    reason += f" (one record over lines {number}-{last}: a stray quote?)"
                for item in _csv_swallowed(number, last, reason):
                    yield *item, tell()
                continue
            if any(_has_surrogate(value) for value in record):
                yield number, "bytes that are not UTF-8", tell()
                continue
            yield number, dict(zip(fields, record, strict=True)), tell()


def _has_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


PARQUET_BUFFER = 1 << 20
"""Bytes of a Parquet column read at a time."""


def parquet_file(path: Path) -> pq.ParquetFile:
    """A Parquet file read page by page through ``PARQUET_BUFFER``-byte buffers, never whole.

    Arrow's default (``pre_buffer``) loads the compressed column chunks of every row group
    to be read before the first batch: peak memory then grows with the file (free_text went
    from 300 MB at 100k rows to 438 MB at 1M, issue 14); streamed, it stays flat.
    """
    return pq.ParquetFile(path, pre_buffer=False, buffer_size=PARQUET_BUFFER)


@dataclass(frozen=True)
class Shard:
    """Part ``index`` (from 0) of ``count`` parts of a source's rows, read by one process
    (``Dataset.read``): batch ``j`` of the source is part ``j % count``'s (for JSON Lines, the
    ``j``-th block of a batch's size of records), or for a Parquet file whose row groups deal
    evenly, row group ``j``. The other rows are read past (decoded or split into lines, never
    parsed, converted nor checked), so the parts read at the same time in as many processes."""

    index: int
    count: int

    def owns(self, j: int) -> bool:
        return j % self.count == self.index


def arrow_chunks(
    batches: Iterable[pa.RecordBatch],
    columns: list[str],
    first: int = 1,
    shard: Shard | None = None,
) -> Iterator[Chunk]:
    """Chunks of Arrow record batches, their rows numbered from ``first`` (1-based positions);
    with ``shard``, only its batches'."""
    for j, record_batch in enumerate(batches):
        rows = list(range(first, first + record_batch.num_rows))
        first += record_batch.num_rows
        if shard is not None and not shard.owns(j):
            continue
        data = {c: record_batch.column(c).to_pylist() for c in columns}
        yield Chunk(rows, data, progress=first - 1, ids=[row - 1 for row in rows])


FRAME_ROWS = "synthgate_rows"
"""``DataFrame.attrs`` key of a file's (row names, record ids) when the file was read whole
into the frame (``adapter.frame``, for Great Expectations): rows keep their file names."""


def _parquet_chunks(
    path: Path, columns: list[str], size: int, shard: Shard | None
) -> Iterator[Chunk]:
    """A Parquet file's chunks; a shard's, when its row groups deal evenly to the shards,
    read from its row groups only (the others are not even decoded).

    Decoded in this thread (``use_threads=False``): with Arrow's reader threads the peak
    memory varied from run to run by up to 30 MB (task_labels at 1M rows: 130-158 MB; one
    thread: 127 MB every time), and decoding is a small part of a run."""
    file = parquet_file(path)
    groups = file.metadata.num_row_groups
    if shard is None or groups % shard.count:
        yield from arrow_chunks(
            file.iter_batches(batch_size=size, columns=columns, use_threads=False),
            columns,
            1,
            shard,
        )
        return
    first = 1
    for group in range(groups):
        if shard.owns(group):
            batches = file.iter_batches(
                batch_size=size, columns=columns, row_groups=[group], use_threads=False
            )
            yield from arrow_chunks(batches, columns, first)
        first += file.metadata.row_group(group).num_rows


def _dataframe_chunks(frame: Any, columns: list[str], size: int) -> Iterator[Chunk]:
    names: list[int]
    idents: list[int]
    names, idents = getattr(frame, "attrs", {}).get(FRAME_ROWS) or ([], [])
    if len(names) != len(frame) or len(idents) != len(frame):
        idents = list(range(len(frame)))
        names = [i + 1 for i in idents]
    for start in range(0, len(frame), size):
        part = frame.iloc[start : start + size]
        ids = idents[start : start + len(part)]
        data = {c: part[c].tolist() for c in columns}
        yield Chunk(names[start : start + len(part)], data, progress=start + len(part), ids=ids)


# --- datasets -----------------------------------------------------------------------------


def _hf_arrow_files(directory: Path) -> list[Path]:
    try:
        if (directory / "dataset_dict.json").exists():
            splits = [
                str(split)
                for split in json.loads((directory / "dataset_dict.json").read_text())["splits"]
            ]
            raise InputError(
                f"{directory} holds a DatasetDict with splits {', '.join(splits)}; "
                f"point to one split, e.g. {directory / splits[0]}"
            )
        state = directory / "state.json"
        if not state.exists():
            raise InputError(
                f"{directory} is a directory but not one written by datasets.save_to_disk"
            )
        files = [directory / f["filename"] for f in json.loads(state.read_text())["_data_files"]]
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
        raise InputError(
            f"{directory}: a malformed datasets.save_to_disk directory "
            f"({type(error).__name__}: {error})"
        ) from None
    if not files:
        raise InputError(f"{directory}: the save_to_disk directory lists no data files")
    return files


def _record_batches(file: Path) -> Iterator[pa.RecordBatch]:
    """The record batches of an Arrow stream file, read one at a time.

    Read, not memory-mapped: every mapped page read stays resident, so a mapped file's peak
    memory grew with its size (a 1M-row free_text file: 94 -> 325 MB; read, 101 MB)."""
    with pa.OSFile(str(file)) as source:
        yield from pa.ipc.open_stream(source)


def _stream_batches(files: list[Path], size: int) -> Iterator[pa.RecordBatch]:
    for file in files:
        for record_batch in _record_batches(file):
            for offset in range(0, record_batch.num_rows, size):
                yield record_batch.slice(offset, size)


SHARDED_FORMATS = ("parquet", "hf_dataset", "jsonl")
"""Formats ``Dataset.read`` reads in shards (``Shard``)."""
FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def _sniff(path: Path) -> tuple[str, str | None]:
    """Format and compression of a file without a telling name (standard input, a pipe)."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    compression = next((codec for prefix, codec in _MAGIC if magic.startswith(prefix)), None)
    if magic == b"PAR1":
        return "parquet", None
    with _open_bytes(path, compression) as (handle, _):
        head = handle.read(4096).removeprefix(_BOM).lstrip()
    return {b"[": "json", b"{": "jsonl"}.get(head[:1], "csv"), compression


def _check_text_encoding(path: Path, compression: str | None) -> None:
    """InputError for UTF-16 or UTF-32 text (or binary data) given as JSON or CSV."""
    with _open_bytes(path, compression) as (handle, _):
        head = handle.read(4096)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(0) > len(head) // 10:
        raise InputError(
            f"{path}: not UTF-8 text (UTF-16 or binary?); convert it to UTF-8 first, "
            "e.g. iconv -f UTF-16 -t UTF-8"
        )


class Dataset:
    """A dataset to validate: a file, ``-`` (standard input), a ``save_to_disk`` directory or a
    DataFrame.

    Opening reads the column names only; ``batches`` streams the rows.
    """

    def __init__(self, source: str | os.PathLike[str] | Any, *, batch_size: int = BATCH_SIZE):
        self.batch_size = batch_size
        self.unreadable = Unreadable()
        self.rows_read = 0
        self.frame: Any = None
        self.path: Path | None = None
        self.compression: str | None = None
        self._display = ""
        self._spooled: Any = None
        if hasattr(source, "iloc"):
            frame: Any = source
            self.frame, self.format, self.size = frame, "dataframe", len(frame)
            self.columns = [str(c) for c in frame.columns]
            return
        if str(source) == "-":
            self._spool(sys.stdin.buffer, "<stdin>", "")
        else:
            self.path = Path(source)
            if not self.path.exists():
                raise InputError(f"{self.path}: no such file or directory")
            if stat.S_ISFIFO(self.path.stat().st_mode):
                with self.path.open("rb") as pipe:
                    self._spool(pipe, str(self.path), "".join(self.path.suffixes[-2:]))
        assert self.path is not None
        if self.path.is_dir():
            self.format = "hf_dataset"
            self._files = _hf_arrow_files(self.path)
            try:
                with pa.OSFile(str(self._files[0])) as first:
                    self.columns = pa.ipc.open_stream(first).schema.names
                self.size = sum(batch.num_rows for f in self._files for batch in _record_batches(f))
            except (OSError, pa.ArrowException) as error:
                raise InputError(f"{self.path}: cannot read its Arrow files: {error}") from None
            return
        self.format, self.compression = self._format()
        self.size = self.path.stat().st_size
        if self.size == 0:
            raise InputError(f"{self.name}: the file is empty")
        try:
            if self.format != "parquet":
                _check_text_encoding(self.path, self.compression)
            self.columns = self._read_columns()
            if self.format == "parquet":  # its progress counts rows, not bytes
                self.size = parquet_file(self.path).metadata.num_rows
        except (OSError, pa.ArrowException) as error:
            raise InputError(f"{self.name}: cannot read as {self.format}: {error}") from None

    def _spool(self, stream: IO[bytes], display: str, suffix: str) -> None:
        """Copy a stream (standard input, a pipe) to a temporary file, read like any file."""
        self._spooled = tempfile.NamedTemporaryFile(prefix="synthgate-", suffix=suffix)  # noqa: SIM115 (lives with the dataset)
        shutil.copyfileobj(stream, self._spooled)
        self._spooled.flush()
        self.path, self._display = Path(self._spooled.name), display

    def _format(self) -> tuple[str, str | None]:
        assert self.path is not None
        suffix = self.path.suffix.lower()
        compression = COMPRESSION.get(suffix)
        if compression:
            suffix = self.path.with_suffix("").suffix.lower()
        fmt = FORMATS.get(suffix, "")
        if not fmt and self._spooled is not None:
            return _sniff(self.path)
        if not fmt:
            known = ", ".join(sorted(FORMATS))
            raise InputError(
                f"{self.name}: unknown format {suffix!r}; use one of {known}, optionally "
                f"compressed ({', '.join(COMPRESSION)})"
            )
        if fmt == "parquet" and compression:
            raise InputError(f"{self.name}: Parquet compresses itself; decompress the file first")
        return fmt, compression

    @property
    def name(self) -> str:
        return self._display or (str(self.path) if self.path else "<DataFrame>")

    def _read_columns(self) -> list[str]:
        assert self.path is not None
        if self.format == "parquet":
            return parquet_file(self.path).schema_arrow.names
        if self.format == "csv":
            header = next(
                (
                    record
                    for _, record, _ in _csv_records(self.path, self.compression, header_only=True)
                ),
                None,
            )
            if not header:
                raise InputError(f"{self.name}: no header line")
            return list(header)
        records = _json_array_records if self.format == "json" else _jsonl_records
        return record_columns(records(self.path, self.compression), self.name)

    def require(self, columns: dict[str, str]) -> None:
        """Fail with a one-line error naming what exists when a mapped column is missing."""
        for role, column in columns.items():
            if column not in self.columns:
                raise InputError(
                    f"{self.name}: no column {column!r} for role {role!r}; "
                    f"columns are: {', '.join(self.columns)} (use --map {role}=COLUMN)"
                )

    def __getstate__(self) -> dict[str, Any]:
        """What a worker process gets (``engine.PartitionedEngine``): the spooled copy of
        standard input stays with this process, which keeps it while the workers read it."""
        return {**self.__dict__, "_spooled": None}

    def shardable(self, columns: dict[str, str]) -> bool:
        """Whether ``read(columns, shard)`` can read a part of the rows without reading the
        others: Arrow files (Parquet, ``save_to_disk``) and JSON Lines, not dialogues stored one
        row per turn (a dialogue's rows are assembled in file order)."""
        return self.format in SHARDED_FORMATS and "dialogue_id" not in columns

    def _chunks(self, columns: list[str], shard: Shard | None = None) -> Iterator[Chunk]:
        size = self.batch_size
        if self.frame is not None:
            return _dataframe_chunks(self.frame, columns, size)
        assert self.path is not None
        if self.format == "jsonl":
            sharded = None if shard is None else (shard, size)
            records = _jsonl_records(self.path, self.compression, sharded)
            return chunks_from_records(records, columns, size)
        readers = {"csv": _csv_records, "json": _json_array_records}
        if self.format in readers:
            records = readers[self.format](self.path, self.compression)
            return chunks_from_records(records, columns, size)
        if self.format == "parquet":
            return _parquet_chunks(self.path, columns, size, shard)
        return arrow_chunks(_stream_batches(self._files, size), columns, 1, shard)

    def batches(
        self, columns: dict[str, str], shard: Shard | None = None
    ) -> Iterator[tuple[Batch, int]]:
        """Checked batches of the mapped roles, with progress (bytes or rows read so far)."""
        for batch, _, progress in self.read(columns, shard):
            if len(batch):
                yield batch, progress

    def read(
        self, columns: dict[str, str], shard: Shard | None = None
    ) -> Iterator[tuple[Batch, list[tuple[int, str]], int]]:
        """Checked batches (maybe empty), each with the ``(row, reason)`` of the rows of its
        chunk that could not be read, and progress; with ``shard`` (when ``shardable``), only
        that part's rows (``rows_read`` and ``unreadable`` count those)."""
        if shard is not None and not self.shardable(columns):
            raise ValueError(f"{self.format} is read whole, not in shards")
        self.require(columns)
        self.rows_read = 0
        self.unreadable = Unreadable()
        chunks = self._chunks(list(dict.fromkeys(columns.values())), shard)
        for batch, errors, chunk in self._guarded(checked_batches(chunks, columns)):
            self.unreadable.add(errors)
            self.rows_read += len(chunk.rows) + len(chunk.errors)
            yield batch, errors, chunk.progress

    def _guarded(self, items: Iterator[T]) -> Iterator[T]:
        """The items; a read error midway (a corrupt page, a broken compressed stream) is an
        input error naming the file."""
        try:
            yield from items
        except (OSError, EOFError, pa.ArrowException) as error:
            raise InputError(f"{self.name}: cannot read as {self.format}: {error}") from None


T = TypeVar("T")


def record_columns(
    records: Iterable[tuple[int, dict[str, Any] | str | None, int]], name: str
) -> list[str]:
    """The keys of the readable objects among the first 1000 records, in order of appearance."""
    columns: dict[str, None] = {}
    for count, (_, record, _) in enumerate(records):
        if isinstance(record, dict):
            columns.update(dict.fromkeys(record))
        if count >= 1000:
            break
    if not columns:
        raise InputError(f"{name}: no readable JSON object in the first lines")
    return list(columns)


def checked_batches(
    chunks: Iterator[Chunk], columns: dict[str, str]
) -> Iterator[tuple[Batch, list[tuple[int, str]], Chunk]]:
    """Each chunk's values checked against their roles (``batch.build_batch``): the batch (maybe
    empty), the ``(row, reason)`` of its unreadable rows, and the chunk (long-format dialogues
    assembled first, ``assemble_dialogues``)."""
    if "dialogue_id" in columns:
        chunks = assemble_dialogues(chunks, columns)
        columns = {r: c for r, c in columns.items() if r not in ("dialogue_id", "speaker", "text")}
        columns["turns"] = "turns"
    for chunk in chunks:
        batch, errors = build_batch(chunk.rows, chunk.data, columns, chunk.ids)
        yield batch, sorted(chunk.errors + errors), chunk


def assemble_dialogues(chunks: Iterator[Chunk], columns: dict[str, str]) -> Iterator[Chunk]:
    """Long format to one row per dialogue: consecutive rows with one ``dialogue_id`` are its turns.

    A dialogue's rows must stand together; a ``dialogue_id`` that comes back after another
    dialogue started is reported as unreadable rather than merged out of order. A dialogue is
    named (and identified) by its first row.
    """
    id_col, speaker_col, text_col = columns["dialogue_id"], columns["speaker"], columns["text"]
    extra = [c for r, c in columns.items() if r not in ("dialogue_id", "speaker", "text")]
    seen: set[Any] = set()
    current: Any = object()
    pending = Chunk([], {"turns": [], **{c: [] for c in extra}})
    for chunk in chunks:
        pending.errors.extend(chunk.errors)
        for i, (row, ident) in enumerate(zip(chunk.rows, chunk.ids, strict=True)):
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
            pending.ids.append(ident)
            pending.data["turns"].append([turn])
            for column in extra:
                pending.data[column].append(chunk.data[column][i])
        pending.progress = chunk.progress
        if len(pending.rows) > 1:  # the last dialogue may continue in the next chunk
            last = {c: values[-1] for c, values in pending.data.items()}
            rows, data = pending.rows[:-1], {c: values[:-1] for c, values in pending.data.items()}
            yield Chunk(rows, data, pending.errors, pending.progress, pending.ids[:-1])
            pending = Chunk(
                [pending.rows[-1]],
                {c: [v] for c, v in last.items()},
                progress=pending.progress,
                ids=pending.ids[-1:],
            )
    yield pending
