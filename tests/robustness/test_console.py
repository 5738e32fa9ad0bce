"""Issue 8: nothing from the data or a file name can drive the terminal or break the report."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import rows, write_jsonl

ESCAPES = "\x1b[2J\x1b[H\x1b[1;32mPASSED\x1b[0m\x07\x9b31m\u202e"

SUITE = """suite: "[/]s[bold]"
required: [text]
expectations:
  - expect: boilerplate_rate
    bounds: {max: 0.0}
"""


def test_escape_sequences_in_texts_do_not_reach_the_terminal(cli, tmp_path: Path) -> None:
    data = rows(20)
    data[3]["text"] = f"As an AI language model, I cannot {ESCAPES} do that."
    suite = tmp_path / "s.yml"
    suite.write_text(SUITE)
    run = cli("validate", write_jsonl(tmp_path / "d.jsonl", data), "--suite", suite)
    assert run.code == 1
    assert "As an AI language model" in run.out  # the failing example is shown...
    assert not any(c in run.out for c in "\x1b\x07\x9b\u202e")  # ...without its escapes
    assert "[/]s[bold]" in run.out  # the suite name is shown literally


def test_a_file_name_with_markup_is_shown_as_it_is(cli, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "[reverse]x.jsonl", rows(20))
    run = cli("validate", path, "--suite", "free_text", "--json", tmp_path / "[bold]r.json")
    assert run.code in (0, 1)
    assert "[reverse]x.jsonl" in run.out and "[bold]r.json" in run.out


def test_markup_in_a_column_name_and_a_dialogue_id_is_printed_not_parsed(
    cli, tmp_path: Path
) -> None:
    data = [
        {"[/]": f"{i} dialogue turn about the weather", "id": f"[/]{i // 2}", "who": "ab"[i % 2]}
        for i in range(40)
    ]
    data.append({"[/]": "late turn of an early dialogue", "id": "[/]0", "who": "a"})
    data.append({"[/]": 5, "id": "[/]99", "who": "a"})
    out = tmp_path / "r.json"
    run = cli(
        "validate",
        write_jsonl(tmp_path / "d.jsonl", data),
        "--suite",
        "dialogues",
        "--map",
        "dialogue_id=id",
        "--map",
        "speaker=who",
        "--map",
        "text=[/]",
        "--json",
        out,
        "--max-unreadable",
        "0.5",
    )
    assert run.code in (0, 1), run.err
    assert "dialogue '[/]0' continues" in run.out
    assert json.loads(out.read_text())["dataset"]["rows_unreadable"] == 2


def test_an_error_line_holds_no_control_characters(cli, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"te\x1b[2Jxt": "a"}])
    run = cli("validate", path, "--suite", "free_text")
    assert run.one_line_error and "\x1b" not in run.err
