"""The clean/quarantine split loses nothing: clean + quarantine == input (count, order, content)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthgate import InputError
from synthgate.cli import main
from synthgate.rowpass import RowVerdict
from synthgate.split import REASONS, ROW, split

TAGS = (ROW, REASONS, "synthgate_raw")

SHARED_FILES = [
    ("dialogues/botbots_flight_bookings_llm.jsonl", "dialogues", {}),
    ("dialogues/botbots_restaurants_llm.jsonl", "dialogues", {}),
    ("dialogues/sgd_dev_human.jsonl", "dialogues", {}),
    (
        "free_text/self_instruct_eval_text-davinci-003.jsonl",
        "free_text",
        {"text": "llm_text", "reference_text": "human_text"},
    ),
    ("instructions/alpaca_5000_llm.jsonl", "instructions", {}),
    ("instructions/self_instruct_seed_human.jsonl", "instructions", {}),
    ("preferences/human_cobbler_preferences.csv", "preferences", {}),
    ("preferences/p2c_generative_pref_preferences.csv", "preferences", {}),
    ("preferences/p2c_subjective_pref_preferences.csv", "preferences", {}),
    ("preferences/pandalm_test_human_vs_gpt35.jsonl", "preferences", {"choice": "llm_judgement"}),
    ("simulations/spp_logic_grid_gpt4.jsonl", "dialogues", {"turns": "transcript"}),
    ("task_labels/ghc.jsonl", "task_labels", {"label": "model_labels"}),
    ("task_labels/sbic.jsonl", "task_labels", {"label": "model_labels"}),
]


def lines(data: bytes) -> list[bytes]:
    return list(io.BytesIO(data))


def untagged(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in TAGS}


def assert_lossless(source: Path, clean: Path, quarantine: Path) -> list[dict[str, Any]]:
    """Check clean + quarantine == source; return the quarantined records."""
    if source.suffix == ".jsonl":
        rows = {n: raw for n, raw in enumerate(lines(source.read_bytes()), 1) if raw.strip()}
        held = [json.loads(line) for line in lines(quarantine.read_bytes())]
        numbers = [r[ROW] for r in held]
        kept = [raw if raw.endswith(b"\n") else raw + b"\n" for n, raw in rows.items()]
        kept = [raw for (n, _), raw in zip(rows.items(), kept, strict=True) if n not in numbers]
        assert clean.read_bytes() == b"".join(kept)  # the input's lines, byte for byte
        for record in held:
            raw = rows[record[ROW]]
            if "synthgate_raw" in record:
                assert record["synthgate_raw"] == raw.decode("utf-8", "backslashreplace").rstrip()
            else:
                assert untagged(record) == json.loads(raw)
    elif source.suffix == ".csv":
        with source.open(newline="", encoding="utf-8", errors="surrogateescape") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            rows, start = {}, reader.line_num + 1
            for fields in reader:  # a record is named by its first line (blank lines are none)
                if fields:
                    rows[start] = fields
                start = reader.line_num + 1
        with quarantine.open(newline="", encoding="utf-8", errors="surrogateescape") as handle:
            held_rows = list(csv.reader(handle))
        assert held_rows[0] == [*header, *TAGS]
        held = [dict(zip(held_rows[0], r, strict=True)) for r in held_rows[1:]]
        for record in held:  # in CSV, reasons are one field: "a; b"
            record[ROW], record[REASONS] = int(record[ROW]), record[REASONS].split("; ")
        numbers = [r[ROW] for r in held]
        with clean.open(newline="", encoding="utf-8", errors="surrogateescape") as handle:
            assert list(csv.reader(handle)) == [
                header,
                *(fields for n, fields in rows.items() if n not in numbers),
            ]
        for record in held:
            if not record["synthgate_raw"]:
                assert list(untagged(record).values()) == rows[record[ROW]]
        if not held:
            assert clean.read_bytes() == source.read_bytes()
    elif source.suffix == ".json":
        elements = json.loads(source.read_text())
        held = json.loads(quarantine.read_text())
        numbers = [r[ROW] for r in held]
        assert json.loads(clean.read_text()) == [
            e for i, e in enumerate(elements, 1) if i not in numbers
        ]
        for record in held:
            element = elements[record[ROW] - 1]
            assert untagged(record) == (element if isinstance(element, dict) else {})
    else:
        table = pq.read_table(source).to_pylist()
        held = pq.read_table(quarantine).to_pylist()
        numbers = [r[ROW] for r in held]
        assert pq.read_table(clean).to_pylist() == [
            r for i, r in enumerate(table, 1) if i not in numbers
        ]
        assert [untagged(r) for r in held] == [table[n - 1] for n in numbers]
    assert numbers == sorted(set(numbers))  # input order, each row once
    assert all(r[REASONS] for r in held)
    return held


@pytest.mark.parametrize(("name", "suite", "mapping"), SHARED_FILES)
def test_split_is_lossless_on_every_shared_file(
    paper_data: Path, tmp_path: Path, name: str, suite: str, mapping: dict[str, str]
) -> None:
    source = paper_data / name
    clean, quarantine = tmp_path / f"clean{source.suffix}", tmp_path / f"held{source.suffix}"
    counts = split(source, suite, clean, quarantine, mapping=mapping)
    held = assert_lossless(source, clean, quarantine)
    assert counts.quarantined == len(held) and counts.rows == counts.clean + counts.quarantined
    assert sorted(os.listdir(tmp_path)) == sorted([clean.name, quarantine.name])


def test_llm_instructions_are_quarantined_with_every_reason(
    paper_data: Path, tmp_path: Path
) -> None:
    source = paper_data / "instructions" / "alpaca_5000_llm.jsonl"
    split(source, "instructions", tmp_path / "c.jsonl", tmp_path / "q.jsonl")
    held = assert_lossless(source, tmp_path / "c.jsonl", tmp_path / "q.jsonl")
    by_row = {r[ROW]: r for r in held}
    assert by_row[25]["input"] == "<No Input>"
    assert by_row[25][REASONS] == ["placeholder_rate[input]: placeholder"]
    assert len(held) > 50


def test_cobbler_json_objects_are_refused_and_nothing_is_written(
    paper_data: Path, tmp_path: Path
) -> None:
    source = paper_data / "preferences" / "cobbler" / "gpt4.json"
    code = main(
        ["validate", str(source), "--suite", "preferences", "--map", "choice=evaluator",
         "--clean", str(tmp_path / "c.json"), "--quarantine", str(tmp_path / "q.json")]
    )  # fmt: skip
    assert code == 2 and not list(tmp_path.iterdir())


BAD_FILES = {
    "broken.jsonl": (
        json.dumps({"text": "The cat sat on the mat.", "label": 0}) + "\n{not json}\n\n"
    ).encode()
    + json.dumps({"text": 5}).encode()
    + b'\n{"text": "caf\xe9"}\n[1, 2]\n'
    + json.dumps({"text": "As an AI language model, I cannot do that."}).encode()
    + b'\n{"text": "cut',
    "broken.csv": b'text,label\n"fine, quoted",0\nbad \xff byte,1\ntoo,many,fields\n'
    b'"multi\nline",1\n\nonly_one\n"As an AI language model, I can\'t.",1\n',
    "mixed.json": b'[{"text": "a"}, 7, {"text": "As an AI language model, I cannot."}, {"text": 5}]',
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_split_is_lossless_on_bad_input(tmp_path: Path, name: str) -> None:
    source = tmp_path / "in" / name
    source.parent.mkdir()
    source.write_bytes(BAD_FILES[name])
    suffix = source.suffix
    clean, quarantine = tmp_path / f"c{suffix}", tmp_path / f"q{suffix}"
    counts = split(source, "free_text", clean, quarantine)
    held = assert_lossless(source, clean, quarantine)
    assert counts.unreadable >= 2 and counts.clean >= 1
    reasons = [r[REASONS] for r in held]
    assert ["boilerplate_rate: ai self-reference"] in reasons
    assert all(
        r[0].startswith("unreadable: ") for r in reasons if r[0].startswith("boiler") is False
    )
    assert source.read_bytes() == BAD_FILES[name]


def test_parquet_rows_of_the_wrong_type_are_quarantined(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    texts = ["fine text here", "As an AI language model, I cannot.", "", None, "ok then"]
    pq.write_table(pa.table({"text": texts, "n": list(range(5))}), source)
    counts = split(source, "free_text", tmp_path / "c.parquet", tmp_path / "q.parquet")
    held = assert_lossless(source, tmp_path / "c.parquet", tmp_path / "q.parquet")
    assert [r[ROW] for r in held] == [2] and counts.clean == 4


@pytest.mark.parametrize("target", ["input", "symlink", "each_other"])
def test_outputs_naming_the_input_or_each_other_are_refused(tmp_path: Path, target: str) -> None:
    source = tmp_path / "d.jsonl"
    data = b'{"text": "As an AI language model, I cannot."}\n{"text": "fine"}\n'
    source.write_bytes(data)
    (tmp_path / "link.jsonl").symlink_to(source)
    clean, quarantine = str(tmp_path / "c.jsonl"), str(tmp_path / "q.jsonl")
    if target == "input":
        clean = str(source)
    elif target == "symlink":
        quarantine = str(tmp_path / "link.jsonl")
    else:
        quarantine = clean
    args = ["validate", str(source), "--suite", "free_text", "--clean", clean]
    assert main([*args, "--quarantine", quarantine]) == 2
    assert source.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.jsonl", "link.jsonl"]


def test_an_interrupted_split_leaves_no_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "d.jsonl"
    source.write_text("".join(json.dumps({"text": f"row {i}"}) + "\n" for i in range(10)))
    (tmp_path / "c.jsonl").write_text("previous\n")
    import synthgate.split as module

    def broken(*args: Any) -> Any:
        yield RowVerdict(1)
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "row_verdicts", broken)
    with pytest.raises(KeyboardInterrupt):
        split(source, "free_text", tmp_path / "c.jsonl", tmp_path / "q.jsonl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl", "d.jsonl"]
    assert (tmp_path / "c.jsonl").read_text() == "previous\n"


def test_validate_with_clean_and_quarantine_exits_with_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "d.jsonl"
    rows = [{"text": f"Sentence number {i} talks about topic {i * 7}."} for i in range(40)]
    rows[3] = {"text": "As an AI language model, I cannot help with that."}
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    clean, quarantine = tmp_path / "c.jsonl", tmp_path / "q.jsonl"
    code = main(
        ["validate", str(source), "--suite", "free_text", "--quiet",
         "--clean", str(clean), "--quarantine", str(quarantine)]
    )  # fmt: skip
    assert code in (0, 1)
    assert len(clean.read_text().splitlines()) == 39
    assert json.loads(quarantine.read_text())[ROW] == 4
    assert "39 clean rows" in capsys.readouterr().out


def test_outputs_must_have_the_inputs_format(tmp_path: Path) -> None:
    source = tmp_path / "d.jsonl"
    source.write_text('{"text": "fine"}\n')
    with pytest.raises(Exception, match="must have the input's format"):
        split(source, "free_text", tmp_path / "c.csv", tmp_path / "q.jsonl")
    with pytest.raises(InputError, match="long format"):
        rows = [{"dialogue_id": 1, "speaker": "a", "text": "hi"}]
        source.write_text(json.dumps(rows[0]) + "\n")
        split(source, "dialogues", tmp_path / "c.jsonl", tmp_path / "q.jsonl")
