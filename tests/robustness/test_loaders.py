"""Issue 8: no row is lost silently, and no input ends in a traceback.

Each test is one reproduction of the issue, with the behaviour it must get.
"""

from __future__ import annotations

import bz2
import datetime
import decimal
import gzip
import io
import json
import os
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthgate import loaders
from synthgate.batch import group_name
from synthgate.loaders import Dataset

from .helpers import rows, write_jsonl


def counts(dataset: Dataset, roles: dict[str, str]) -> tuple[int, int]:
    """(rows validated, rows unreadable) after reading every batch."""
    validated = sum(len(batch) for batch, _ in dataset.batches(roles))
    return validated, len(dataset.unreadable)


def labels_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- silent row loss: CSV ------------------------------------------------------------------


def test_a_stray_quote_in_a_labels_csv_makes_every_swallowed_row_unreadable(
    cli, tmp_path: Path
) -> None:
    lines = ["label", *[str(i % 2) for i in range(1050)]]
    lines[52] = '"1'  # line 53: the quote never closes
    path = labels_csv(tmp_path / "labels.csv", lines)
    run = cli("validate", path, "--suite", "task_labels", "--json", tmp_path / "r.json")
    dataset = json.loads((tmp_path / "r.json").read_text())["dataset"]
    assert run.code == 1  # 999 unreadable rows fail the run: it used to PASS over 51 rows
    assert (dataset["rows_validated"], dataset["rows_unreadable"]) == (51, 999)
    assert (
        dataset["unreadable"][0]["row"] == 53
        and "stray quote" in dataset["unreadable"][0]["reason"]
    )


def test_a_stray_quote_in_a_multi_column_csv_counts_every_swallowed_row(tmp_path: Path) -> None:
    lines = ["text,label", *[f"text number {i},{i % 2}" for i in range(300)]]
    lines[52] = '"stray text,1'
    lines[201] = '"a quoted, field",1'  # the stray quote pairs with this one's opening quote
    path = labels_csv(tmp_path / "multi.csv", lines)
    validated, unreadable = counts(Dataset(path), {"label": "label"})
    assert validated + unreadable == 300
    assert unreadable == 202 - 53 + 1  # lines 53 to 202, not "1 unreadable"


def test_a_stray_quote_csv_splits_losslessly_line_by_line(cli, tmp_path: Path) -> None:
    lines = ["label", *[str(i % 2) for i in range(100)]]
    lines[52] = '"1'
    path = labels_csv(tmp_path / "labels.csv", lines)
    clean, quarantine = tmp_path / "c.csv", tmp_path / "q.csv"
    run = cli(
        "validate", path, "--suite", "task_labels", "--clean", clean, "--quarantine", quarantine
    )
    assert run.code == 1, run.err
    assert len(clean.read_text().splitlines()) == 1 + 51  # the header and the rows before it
    assert len(quarantine.read_text().splitlines()) == 1 + 49  # every swallowed line, tagged


def test_a_multi_line_record_with_the_wrong_field_count_counts_each_line(tmp_path: Path) -> None:
    lines = ["text,label", "a,0", '"b', "c", 'd",1,extra', "e,1"]
    validated, unreadable = counts(
        Dataset(labels_csv(tmp_path / "d.csv", lines)), {"label": "label"}
    )
    assert (validated, unreadable) == (2, 3)


def test_legitimate_multi_line_fields_still_read(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text('text,label\n"para one\n\npara two",1\n"say ""hi""",0\n', encoding="utf-8")
    validated, unreadable = counts(Dataset(path), {"text": "text", "label": "label"})
    assert (validated, unreadable) == (2, 0)


def test_an_absurdly_long_csv_field_is_unreadable_and_read_past(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders, "MAX_ROW_BYTES", 1000)
    lines = [
        "text,label",
        "short,0",
        "x" * 5000 + ",1",
        f'"{"y" * 400}\n{"y" * 400}\n{"y" * 400}",1',
        "end,0",
    ]
    validated, unreadable = counts(Dataset(labels_csv(tmp_path / "d.csv", lines)), {"text": "text"})
    assert (validated, unreadable) == (2, 4)  # the long line, and the 3 lines of the long field


# --- silent row loss: JSON -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "text"),
    [
        ("two arrays", json.dumps(rows(3)) + json.dumps(rows(30))),
        ("an array then anything", json.dumps(rows(3)) + "\n{}"),
        ("a missing comma", '[{"text": "a"} {"text": "b"}]'),
        ("an extra comma", '[{"text": "a"},, {"text": "b"}]'),
        ("a trailing comma", '[{"text": "a"}, {"text": "b"},]'),
        ("a leading comma", '[, {"text": "a"}]'),
        ("an unclosed array", '[{"text": "a"}, {"text": "b"}'),
    ],
)
def test_a_json_file_that_is_not_exactly_one_array_is_an_input_error(
    cli, tmp_path: Path, case: str, text: str
) -> None:
    path = tmp_path / "d.json"
    path.write_text(text)
    run = cli("validate", path, "--suite", "free_text")
    assert run.one_line_error, (case, run.err)


def test_a_json_element_larger_than_a_row_may_be_is_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders, "MAX_ROW_BYTES", 1000)
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"text": "a"}, {"text": "x" * 3000}, {"text": "b"}]))
    assert counts(Dataset(path), {"text": "text"}) == (2, 1)


# --- tracebacks ----------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_text_is_an_unreadable_row(cli, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", rows(30))
    with path.open("a") as out:
        out.write('{"text": "bad \\ud800 text"}\n')
    run = cli(
        "validate",
        path,
        "--suite",
        "free_text",
        "--max-unreadable",
        "0.5",
        "--json",
        tmp_path / "r.json",
    )
    assert run.code in (0, 1), run.err
    assert "lone surrogate" in (tmp_path / "r.json").read_text()


def test_100k_levels_of_json_nesting_is_an_unreadable_row(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(
        '{"label": 1}\n{"label": ' + "[" * 100_000 + "]" * 100_000 + '}\n{"label": 0}\n'
    )
    assert counts(Dataset(path), {"label": "label"}) == (2, 1)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
@pytest.mark.parametrize("column", ["label", "unmapped"])
def test_an_integer_over_4300_digits_is_no_crash(
    cli, tmp_path: Path, fmt: str, column: str
) -> None:
    huge = "9" * 5000
    records = [{"label": i % 2, "unmapped": 1} for i in range(20)]
    path = tmp_path / f"d.{fmt}"
    if fmt == "jsonl":
        text = "".join(json.dumps(r) + "\n" for r in records)
        text += (
            json.dumps({"label": 0, "unmapped": 1}).replace(
                f'"{column}": ' + ("0" if column == "label" else "1"), f'"{column}": {huge}'
            )
            + "\n"
        )
    else:
        text = "label,unmapped\n" + "".join(f"{r['label']},1\n" for r in records)
        text += f"{huge},1\n" if column == "label" else f"0,{huge}\n"
    path.write_text(text)
    run = cli(
        "validate",
        path,
        "--suite",
        "task_labels",
        "--json",
        tmp_path / "r.json",
        "--max-unreadable",
        "0.5",
    )
    assert run.code in (0, 1), run.err
    assert json.loads((tmp_path / "r.json").read_text())["dataset"]["rows_read"] == 21


@pytest.mark.parametrize(
    "labels",
    [
        pa.array([datetime.datetime(2024, 1, d) for d in (1, 2) * 10], pa.timestamp("us")),
        pa.array([decimal.Decimal(d) for d in ("1", "0") * 10], pa.decimal128(5, 0)),
        pa.array([b"yes", b"no"] * 10, pa.binary()),
    ],
    ids=["timestamp", "decimal", "binary"],
)
def test_parquet_labels_of_any_type_write_json(cli, tmp_path: Path, labels: pa.Array) -> None:
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"label": labels}), path)
    out = tmp_path / "r.json"
    run = cli("validate", path, "--suite", "task_labels", "--json", out)
    assert run.code in (0, 1), run.err
    assert json.loads(out.read_text())["dataset"]["rows_validated"] == 20


def _save_to_disk(tmp_path: Path) -> Path:
    datasets = pytest.importorskip("datasets")
    directory = tmp_path / "hf"
    datasets.Dataset.from_list(rows(10)).save_to_disk(str(directory))
    return directory


@pytest.mark.parametrize(
    "damage",
    [
        "state.json garbage",
        "state.json a list",
        "dataset_dict.json garbage",
        "empty _data_files",
        "missing filename",
        "garbage .arrow",
    ],
)
def test_a_malformed_save_to_disk_directory_is_one_line(cli, tmp_path: Path, damage: str) -> None:
    directory = _save_to_disk(tmp_path)
    state = json.loads((directory / "state.json").read_text())
    if damage == "state.json garbage":
        (directory / "state.json").write_text("{nope")
    elif damage == "state.json a list":
        (directory / "state.json").write_text("[1, 2]")
    elif damage == "dataset_dict.json garbage":
        (directory / "dataset_dict.json").write_text('{"splits": 5}')
    elif damage == "empty _data_files":
        (directory / "state.json").write_text(json.dumps({**state, "_data_files": []}))
    elif damage == "missing filename":
        (directory / "state.json").write_text(json.dumps({**state, "_data_files": [{}]}))
    else:
        for file in directory.glob("*.arrow"):
            file.write_bytes(b"not arrow at all" * 10)
    run = cli("validate", directory, "--suite", "free_text")
    assert run.one_line_error, (damage, run.err)


# --- memory ----------------------------------------------------------------------------------


def test_a_row_larger_than_the_cap_is_unreadable_and_never_held_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders, "MAX_ROW_BYTES", 1000)
    path = write_jsonl(
        tmp_path / "d.jsonl", [{"text": "short"}, {"text": "x" * 50_000}, {"text": "end"}]
    )
    dataset = Dataset(path)
    assert counts(dataset, {"text": "text"}) == (2, 1)
    assert "a row may hold" in dataset.unreadable.reasons[0][1]


def test_a_parquet_text_larger_than_the_cap_is_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("synthgate.batch.MAX_ROW_CHARS", 1000)
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"text": ["short", "x" * 5000, "end"]}), path)
    assert counts(Dataset(path), {"text": "text"}) == (2, 1)


# --- minor -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
def test_a_utf8_byte_order_mark_is_read_past(tmp_path: Path, fmt: str) -> None:
    records = rows(5)
    text = {
        "jsonl": "".join(json.dumps(r) + "\n" for r in records),
        "json": json.dumps(records),
        "csv": "text,label\n" + "".join(f"{r['text']},{r['label']}\n" for r in records),
    }[fmt]
    path = tmp_path / f"d.{fmt}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    dataset = Dataset(path)
    assert "text" in dataset.columns
    assert counts(dataset, {"text": "text", "label": "label"}) == (5, 0)


def test_a_fifo_is_read_not_empty(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    payload = "".join(json.dumps(r) + "\n" for r in rows(7)).encode()

    def feed() -> None:
        with fifo.open("wb") as out:
            out.write(payload)

    writer = threading.Thread(target=feed)
    writer.start()
    dataset = Dataset(fifo)
    writer.join()
    assert counts(dataset, {"text": "text"}) == (7, 0)
    assert dataset.name == str(fifo)


def test_a_utf16_csv_is_one_line_without_nul_bytes(cli, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("text,label\na,1\nb,0\n", encoding="utf-16")
    run = cli("validate", path, "--suite", "free_text")
    assert run.one_line_error and "UTF-16" in run.err and "\x00" not in run.err + run.out


def test_group_values_1_and_text_1_and_null_and_none_stay_apart(tmp_path: Path) -> None:
    from synthgate import validate

    groups = [1, "1", None, "None"]
    records = [
        {"text": f"{TEXT} {i}", "group": groups[i % 4]} for i in range(80) for TEXT in ["A text"]
    ]
    result = validate(
        write_jsonl(tmp_path / "d.jsonl", records), "free_text", mapping={"group": "group"}
    )
    names = {r.group for r in result.results if r.group is not None}
    assert names == {"1", '"1"', "null", "None"}
    assert len({group_name(g) for g in [1, "1", None, "None", "null", '"1"', True, "true"]}) == 8


# --- compressed files and standard input ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv"])
@pytest.mark.parametrize("compression", ["gz", "bz2", "zst"])
def test_compressed_files_read_like_plain_ones(tmp_path: Path, fmt: str, compression: str) -> None:
    records = rows(12)
    text = {
        "jsonl": "".join(json.dumps(r) + "\n" for r in records),
        "json": json.dumps(records),
        "csv": "text,label\n" + "".join(f"{r['text']},{r['label']}\n" for r in records),
    }[fmt].encode()
    path = tmp_path / f"d.{fmt}.{compression}"
    if compression == "gz":
        path.write_bytes(gzip.compress(text))
    elif compression == "bz2":
        path.write_bytes(bz2.compress(text))
    else:
        with pa.CompressedOutputStream(str(path), "zstd") as out:
            out.write(text)
    dataset = Dataset(path)
    assert (dataset.format, dataset.compression) == (
        fmt,
        {"gz": "gzip"}.get(compression, compression).replace("zst", "zstd"),
    )
    assert counts(dataset, {"text": "text", "label": "label"}) == (12, 0)


def test_a_corrupt_compressed_file_is_one_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl.gz"
    payload = "".join(json.dumps({"text": os.urandom(30).hex()}) + "\n" for _ in range(200))
    path.write_bytes(gzip.compress(payload.encode())[:2000])  # cut in the middle
    run = cli("validate", path, "--suite", "free_text")
    assert run.one_line_error


@pytest.mark.parametrize("compressed", [False, True])
def test_standard_input_is_read_with_its_format_sniffed(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compressed: bool
) -> None:
    payload = "".join(json.dumps(r) + "\n" for r in rows(25)).encode()

    class Stdin:
        buffer = io.BytesIO(gzip.compress(payload) if compressed else payload)

    monkeypatch.setattr("sys.stdin", Stdin)
    out = tmp_path / "r.json"
    run = cli("validate", "-", "--suite", "free_text", "--json", out)
    assert run.code in (0, 1), run.err
    dataset = json.loads(out.read_text())["dataset"]
    assert (dataset["path"], dataset["format"], dataset["rows_validated"]) == (
        "<stdin>",
        "jsonl",
        25,
    )


def test_a_lone_surrogate_in_a_column_name_is_written_as_its_escape(cli, tmp_path: Path) -> None:
    records = [{"text": f"a text number {i} about things", "\ud800k": i % 2} for i in range(30)]
    out = tmp_path / "r.json"
    run = cli("validate", write_jsonl(tmp_path / "d.jsonl", records), "--suite", "free_text",
              "--map", "group=\ud800k", "--json", out)  # fmt: skip
    assert run.code in (0, 1), run.err
    assert json.loads(out.read_text())["dataset"]["columns"]["group"] == "\ud800k"
