"""Issue 8, property: any JSON Lines, JSON or CSV input, however broken, ends in exit 0, 1 or 2
without a traceback or an internal error; every record is either validated or unreadable; the
input's bytes are unchanged.

Inputs are random records (unicode including lone surrogates, numbers of any size, nesting)
serialized and then damaged: truncated, given a stray quote or a stray comma. Runs are in-process
(``main([...])``) on small files to stay fast.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthgate.cli import main

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(
        ["\ud800", "a\udfffb", "[/]", "\x1b[2J", "9" * 5000, "As an AI language model"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
records = st.lists(
    st.fixed_dictionaries(
        {"text": st.one_of(st.text(min_size=1, max_size=60), values)},
        optional={"label": values, "group": scalars},
    ),
    min_size=1,
    max_size=12,
)
# CSV fields hold no quote, comma or line break, so each record is one line and the damage
# (one stray quote or comma) is the only thing that can make a record span lines.
csv_text = st.text(
    alphabet=st.characters(blacklist_characters='",\r\n', blacklist_categories=("Cs",)), max_size=30
)
csv_rows = st.lists(st.tuples(csv_text, csv_text), min_size=1, max_size=12)
damages = st.one_of(
    st.none(),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.sampled_from(['"', ",", "\n"]), st.floats(0, 1)),
)


def damage(data: bytes, how: tuple[str, float] | None) -> bytes:
    if how is None:
        return data
    kind, where = how
    at = int(len(data) * where)
    return data[:at] if kind == "truncate" else data[:at] + kind.encode() + data[at:]


def run(tmp_path: Path, name: str, data: bytes, *options: str) -> dict[str, Any] | None:
    """Validate ``data`` as file ``name``: the result's dataset block (None for exit 2)."""
    path, out = tmp_path / name, tmp_path / "result.json"
    path.write_bytes(data)
    out.unlink(missing_ok=True)
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = main(["validate", str(path), "--json", str(out), "--max-unreadable", "1", *options])
    err = stderr.getvalue()
    assert code in (0, 1, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    assert path.read_bytes() == data  # the input is never modified
    return None if code == 2 else json.loads(out.read_text())["dataset"]


def accounted(dataset: dict[str, Any]) -> int:
    return dataset["rows_validated"] + dataset["rows_unreadable"]


@SETTINGS
@given(records=records, how=damages, ascii_only=st.booleans())
def test_any_json_lines_input(
    tmp_path: Path, records: list[dict[str, Any]], how, ascii_only: bool
) -> None:
    text = "".join(json.dumps(r, ensure_ascii=ascii_only) + "\n" for r in records)
    data = damage(text.encode("utf-8", "surrogatepass"), how)
    dataset = run(tmp_path, "d.jsonl", data, "--suite", "free_text")
    if dataset is not None:
        assert accounted(dataset) == sum(1 for line in data.split(b"\n") if line.strip())


@SETTINGS
@given(records=records, how=damages)
def test_any_json_input(tmp_path: Path, records: list[dict[str, Any]], how) -> None:
    data = damage(json.dumps(records).encode(), how)
    dataset = run(tmp_path, "d.json", data, "--suite", "free_text")
    if dataset is not None:
        assert accounted(dataset) == len(records)


@SETTINGS
@given(rows=csv_rows, how=damages)
def test_any_csv_input(tmp_path: Path, rows: list[tuple[str, str]], how) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["text", "label"])
    writer.writerows(rows)
    data = damage(buffer.getvalue().encode(), how)
    dataset = run(tmp_path, "d.csv", data, "--suite", "task_labels")
    if dataset is not None:
        lines = data.decode("utf-8", "replace").split("\n")[1:]
        assert accounted(dataset) == sum(1 for line in lines if line)
