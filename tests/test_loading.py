"""Reading every supported format, and what happens to rows that cannot be read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthgate import InputError, validate
from synthgate.loaders import Dataset

ROWS = [
    {"text": "The cat sat on the mat.", "label": 0},
    {"text": "A dog barked at the mailman twice.", "label": 1},
    {"text": "Rain is expected over the weekend.", "label": 0},
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def texts(dataset: Dataset, roles: dict[str, str]) -> list[tuple[int, str]]:
    return [
        (row, text)
        for batch, _ in dataset.batches(roles)
        for row, text in zip(batch.rows, batch.columns["text"], strict=True)
    ]


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(ROWS)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "parquet", "hf_dataset", "dataframe"])
def test_every_format_yields_the_same_rows(tmp_path: Path, frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "jsonl":
        source: object = write_jsonl(tmp_path / "d.jsonl", ROWS)
    elif fmt == "json":
        source = tmp_path / "d.json"
        source.write_text(json.dumps(ROWS))
    elif fmt == "csv":
        source = tmp_path / "d.csv"
        frame.to_csv(source, index=False)
    elif fmt == "parquet":
        source = tmp_path / "d.parquet"
        pq.write_table(pa.Table.from_pandas(frame), source)
    elif fmt == "hf_dataset":
        datasets = pytest.importorskip("datasets")
        source = tmp_path / "hf"
        datasets.Dataset.from_pandas(frame).save_to_disk(str(source))
    else:
        source = frame
    dataset = Dataset(source)
    assert dataset.format == fmt
    got = [text for _, text in texts(dataset, {"text": "text"})]
    assert got == [r["text"] for r in ROWS]
    assert dataset.rows_read == 3 and len(dataset.unreadable) == 0


def test_labels_read_from_csv_equal_labels_read_from_json(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    frame.to_csv(tmp_path / "d.csv", index=False)
    batch, _ = next(Dataset(tmp_path / "d.csv").batches({"label": "label"}))
    assert batch.columns["label"] == [0, 1, 0]


def test_hf_dataset_dict_points_to_a_split(tmp_path: Path, frame: pd.DataFrame) -> None:
    datasets = pytest.importorskip("datasets")
    datasets.DatasetDict({"train": datasets.Dataset.from_pandas(frame)}).save_to_disk(
        str(tmp_path / "dd")
    )
    with pytest.raises(InputError, match="splits train"):
        Dataset(tmp_path / "dd")


def test_broken_lines_are_reported_with_their_line_numbers_and_the_rest_validated(
    tmp_path: Path,
) -> None:
    path = tmp_path / "d.jsonl"
    good = json.dumps(ROWS[0])
    path.write_bytes(
        (good + "\n" + "{not json}\n" + "\n" + json.dumps({"text": 5}) + "\n").encode()
        + b'{"text": "caf\xe9"}\n'
        + (good + "\n" + '{"text": "cut').encode()
    )
    before = path.read_bytes()
    dataset = Dataset(path)
    rows = [row for row, _ in texts(dataset, {"text": "text"})]
    assert rows == [1, 6]
    reasons = dict(dataset.unreadable.reasons)
    assert set(reasons) == {2, 4, 5, 7}
    assert "broken JSON" in reasons[2]
    assert "holds int, expected text" in reasons[4]
    assert "not UTF-8" in reasons[5]
    assert "truncated" in reasons[7]
    assert dataset.rows_read == len(rows) + len(dataset.unreadable)
    assert path.read_bytes() == before


def test_csv_rows_with_bad_bytes_or_extra_fields_are_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(
        b'text,label\n"fine, quoted",0\nbad \xff byte,1\ntoo,many,fields\n"multi\nline",1\n'
    )
    dataset = Dataset(path)
    got = texts(dataset, {"text": "text"})
    assert got == [(2, "fine, quoted"), (5, "multi\nline")]
    assert sorted(row for row, _ in dataset.unreadable.reasons) == [3, 4]


def test_a_five_megabyte_text_is_validated(tmp_path: Path) -> None:
    big = "word " * 1_000_000
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": big}, *ROWS])
    suite = tmp_path / "suite.yml"
    names = (
        "distinct_n",
        "compression_ratio",
        "duplicate_rate",
        "near_duplicate_rate",
        "text_length",
    )
    suite.write_text(
        "suite: text\nexpectations:\n"
        + "".join(f"  - expect: {name}\n    bounds: {{min: 0}}\n" for name in names)
    )
    result = validate(path, suite, mapping={"text": "text"})
    assert result.dataset["rows_validated"] == 4
    assert [r.status for r in result.results] == ["passed"] * 5
    assert result.results[-1].details["max"] == 1_000_000  # every token of the big text counted


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\n\n", "no readable JSON object"),
        (b"[1, 2]\n", "no readable JSON object"),
    ],
)
def test_unusable_files_raise_one_line_input_errors(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as error:
        Dataset(path)
    assert "\n" not in str(error.value)


def test_missing_mapped_column_names_the_columns_that_exist(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", ROWS)
    with pytest.raises(
        InputError, match=r"no column 'answer' for role 'output'; columns are: text, label"
    ):
        validate(path, "instructions", mapping={"instruction": "text", "output": "answer"})


def test_required_role_without_a_column_is_an_input_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": r["text"], "y": r["label"]} for r in ROWS])
    with pytest.raises(
        InputError, match="no column 'label' for role 'label' needed by suite 'task_labels'"
    ):
        validate(path, "task_labels", mapping={"text": "text"})


def test_a_file_of_only_unreadable_rows_is_an_input_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": 1}, {"text": 2}])
    with pytest.raises(InputError, match="no readable rows; 2 unreadable"):
        validate(path, "instructions", mapping={"instruction": "text", "output": "text"})


def test_long_format_dialogues_are_assembled_from_consecutive_rows(tmp_path: Path) -> None:
    rows = [
        {"dialogue_id": "a", "speaker": "USER", "text": "hi"},
        {"dialogue_id": "a", "speaker": "SYSTEM", "text": "hello"},
        {"dialogue_id": "b", "speaker": "USER", "text": "book a table"},
        {"dialogue_id": "a", "speaker": "USER", "text": "late turn"},
    ]
    dataset = Dataset(write_jsonl(tmp_path / "d.jsonl", rows))
    batches = [
        b
        for b, _ in dataset.batches(
            {"dialogue_id": "dialogue_id", "speaker": "speaker", "text": "text"}
        )
    ]
    turns = [t for b in batches for t in b.columns["turns"]]
    assert turns == [[("USER", "hi"), ("SYSTEM", "hello")], [("USER", "book a table")]]
    assert [row for row, _ in dataset.unreadable.reasons] == [4]


def test_transcript_strings_become_turns(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "d.jsonl", [{"t": "Alice: hi there\nBob: hello\nand more\nAlice: bye"}]
    )
    batch, _ = next(Dataset(path).batches({"turns": "t"}))
    assert batch.columns["turns"][0] == [
        ("Alice", "hi there"),
        ("Bob", "hello\nand more"),
        ("Alice", "bye"),
    ]


def test_csv_rows_with_too_few_fields_are_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b,c\n1,2,3\nonly_one\nq,r\n")
    dataset = Dataset(path)
    assert [row for row, _ in texts(dataset, {"text": "a"})] == [2]
    assert dict(dataset.unreadable.reasons) == {
        3: "1 fields, the header has 3",
        4: "2 fields, the header has 3",
    }


def test_a_json_array_is_read_in_blocks_across_elements_larger_than_a_block(tmp_path: Path) -> None:
    rows = [{"text": f"row {i} " + "word " * (300_000 if i == 2 else 3)} for i in range(5)]
    path = tmp_path / "d.json"
    path.write_text(json.dumps(rows, indent=1))
    got = texts(Dataset(path), {"text": "text"})
    assert [row for row, _ in got] == [1, 2, 3, 4, 5]
    assert got[2][1].startswith("row 2 word") and len(got[2][1]) > 1_500_000


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "an object, not an array"}', "expected a JSON array of objects"),
        ('[{"text": "a"}, {"text": "b" oops}]', "broken JSON in element 2"),
        ('[{"text": "a"}, {"text": "b"}', "the JSON array is not closed"),
    ],
)
def test_broken_json_arrays_are_one_line_input_errors(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "d.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        validate(path, "instructions", mapping={"instruction": "text", "output": "text"})


def test_a_json_array_element_that_is_not_an_object_is_an_unreadable_row(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('[{"text": "a"}, 7, {"text": "b"}]')
    dataset = Dataset(path)
    assert [row for row, _ in texts(dataset, {"text": "text"})] == [1, 3]
    assert dataset.unreadable.reasons == [(2, "not a JSON object")]


BIG_TEXTS = 80_000
"""Rows of 600 random hex characters (incompressible): 48 MB of text."""
READ = """
import sys, pyarrow as pa
from synthgate.loaders import Dataset

def peak():  # this process's own peak (ru_maxrss starts from the parent's)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) << 10 for line in status if line.startswith("VmHWM"))

before = pa.default_memory_pool().max_memory(), peak()
dataset = Dataset(sys.argv[1])
rows = sum(len(batch) for batch, _ in dataset.batches({"text": "text"}))
print(rows, pa.default_memory_pool().max_memory() - before[0], peak() - before[1])
"""


def read_in_a_fresh_process(source: Path) -> tuple[int, int, int]:
    """Rows read, and how far Arrow's allocations and the resident memory peaked above their
    start while opening and reading ``source`` in a fresh process."""
    if not Path("/proc/self/status").exists():
        pytest.skip("the peak resident memory is read from /proc (Linux)")
    command = [sys.executable, "-c", READ, str(source)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rows, arrow, resident = map(int, out.split())
    return rows, arrow, resident


def big_texts() -> pa.Table:
    return pa.table({"text": [os.urandom(300).hex() for _ in range(BIG_TEXTS)]})


def test_parquet_is_read_page_by_page_not_whole(tmp_path: Path) -> None:
    """Arrow's default pre-buffers every row group's compressed columns before the first
    batch, so memory grew with the file (issue 14); read page by page, Arrow holds a few
    buffers however large the file."""
    path = tmp_path / "big.parquet"
    pq.write_table(big_texts(), path, row_group_size=10_000)
    rows, arrow, _ = read_in_a_fresh_process(path)
    assert rows == BIG_TEXTS
    assert arrow < path.stat().st_size / 3, (arrow, path.stat().st_size)


def test_a_save_to_disk_directory_is_read_not_mapped(tmp_path: Path) -> None:
    """Pages of a memory-mapped file stay resident once read, so a mapped file's peak memory
    grew with the file (issue 14); read batch by batch, it does not."""
    datasets = pytest.importorskip("datasets")
    source = tmp_path / "hf"
    datasets.Dataset(big_texts()).save_to_disk(str(source))
    size = sum(f.stat().st_size for f in source.glob("*.arrow"))
    rows, _, resident = read_in_a_fresh_process(source)
    assert rows == BIG_TEXTS
    assert resident < size / 3, (resident, size)


HEAP = """
import ctypes, sys
from synthgate.__main__ import steady_heap

class Info(ctypes.Structure):  # glibc's struct mallinfo2
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
if sys.argv[1] == "steady":
    steady_heap()
block = bytearray(16 << 20)
del block
mapped = libc.mallinfo2().hblkhd
block = bytearray(4 << 20)
print(libc.mallinfo2().hblkhd - mapped >= 4 << 20)
"""


def test_the_command_maps_large_blocks_on_their_own_after_larger_ones_are_freed() -> None:
    """glibc raises its threshold for mapping a block on its own to the size of each mapped
    block freed, and places the smaller ones in the heap, where their freed space stays
    resident and scattered (issue 14: the heap's free space, and the peak, grew with the rows
    read). The command fixes the threshold (``steady_heap``)."""
    try:
        glibc = bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (AttributeError, ValueError, OSError):
        glibc = False
    if not glibc:
        pytest.skip("glibc's allocator only")
    mapped = [
        subprocess.run(
            [sys.executable, "-c", HEAP, mode], capture_output=True, text=True, check=True
        ).stdout.strip()
        for mode in ("steady", "default")
    ]
    assert mapped == ["True", "False"]
