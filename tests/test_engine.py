"""The partitioned engine gives the single pass's JSON result on every shared file and suite.

The cases are those of the baseline snapshot (every built-in suite that fits each file of
../shared/data); large files run on a head of their rows and with one partitioned
configuration, so the whole module stays fast.
"""

from __future__ import annotations

import gc
import weakref
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from synthgate import Codings, batch, validate
from synthgate.batch import Batch
from synthgate.engine import COLLECT_EVERY, LocalEngine, PartitionedEngine, States, engine_for, fold
from synthgate.errors import InputError
from synthgate.loaders import Dataset, Shard
from synthgate.metrics import Metric, duplicates

CHOICES_012 = Codings(choice_codes={"first": "0", "second": "1", "tie": "2"})
CHOICES_PANDALM = Codings(choice_codes={"first": "1", "second": "2", "tie": "Tie"})
GROUPED = {"label": "model_labels", "reference_label": "human_labels", "group": "model"}
CASES: dict[str, tuple[str, str, dict[str, Any], int | None]] = {
    # name: (file, suite, validate() arguments, rows (a head) or None for the whole file)
    "ghc_labels": (
        "task_labels/ghc.jsonl",
        "task_labels",
        {"mapping": GROUPED, "codings": Codings(allowed_labels=(0, 1))},
        3000,
    ),
    "sbic_labels": (
        "task_labels/sbic.jsonl",
        "task_labels",
        {"mapping": GROUPED, "codings": Codings(allowed_labels=(0, 1, 2))},
        3000,
    ),
    "ghc_human": (
        "task_labels/ghc.jsonl",
        "task_labels",
        {"mapping": {"label": "human_labels"}, "codings": Codings(allowed_labels=(0, 1))},
        3000,
    ),
    "sbic_free_text": ("task_labels/sbic.jsonl", "free_text", {"mapping": {"text": "text"}}, 1500),
    "p2c_gpt3_vs_human": (
        "preferences/p2c_generative_pref_preferences.csv",
        "preferences",
        {
            "reference": "preferences/p2c_subjective_pref_preferences.csv",
            "codings": CHOICES_012,
        },
        None,
    ),
    "cobbler_human": (
        "preferences/human_cobbler_preferences.csv",
        "preferences",
        {"codings": CHOICES_012},
        4000,
    ),
    "pandalm": (
        "preferences/pandalm_test_human_vs_gpt35.jsonl",
        "preferences",
        {
            "mapping": {"choice": "llm_judgement", "reference_choice": "human_votes"},
            "codings": CHOICES_PANDALM,
        },
        None,
    ),
    "pandalm_instructions": (
        "preferences/pandalm_test_human_vs_gpt35.jsonl",
        "instructions",
        {"mapping": {"output": "output1"}},
        None,
    ),
    "alpaca_vs_seed": (
        "instructions/alpaca_5000_llm.jsonl",
        "instructions",
        {"reference": "instructions/self_instruct_seed_human.jsonl"},
        1000,
    ),
    "alpaca_free_text": (
        "instructions/alpaca_5000_llm.jsonl",
        "free_text",
        {"mapping": {"text": "output"}},
        500,
    ),
    "free_text_paired": (
        "free_text/self_instruct_eval_text-davinci-003.jsonl",
        "free_text",
        {"mapping": {"text": "llm_text", "reference_text": "human_text"}},
        None,
    ),
    "restaurants_vs_sgd": (
        "dialogues/botbots_restaurants_llm.jsonl",
        "dialogues",
        {"reference": "dialogues/sgd_dev_human.jsonl"},
        None,
    ),
    "flights": ("dialogues/botbots_flight_bookings_llm.jsonl", "dialogues", {}, None),
    "spp": (
        "simulations/spp_logic_grid_gpt4.jsonl",
        "dialogues",
        {"mapping": {"turns": "transcript", "outcome": "task_solved"}},
        None,
    ),
}
SMALL = {"p2c_gpt3_vs_human", "pandalm", "flights"}
"""Cases that also run shuffled with 3 and 5 partitions (the others: one configuration)."""


def _source(paper: Path, name: str, rows: int | None, tmp_path: Path) -> Path:
    path = paper / name
    if rows is None:
        return path
    head = tmp_path / f"head{path.suffix}"
    with path.open("rb") as source:  # the header and the first rows, as they are in the file
        lines = [
            line for _, line in zip(range(rows + (path.suffix == ".csv")), source, strict=False)
        ]
    head.write_bytes(b"".join(lines))
    return head


def _result(data: Path, suite: str, arguments: dict[str, Any], paper: Path, engine: Any) -> Any:
    """The JSON result, read in batches of 256 rows (so that every partition gets some)."""
    arguments = dict(arguments)
    if "reference" in arguments:
        arguments["reference"] = Dataset(paper / arguments["reference"], batch_size=256)
    return validate(Dataset(data, batch_size=256), suite, engine=engine, **arguments).to_dict()


@pytest.mark.parametrize("case", sorted(CASES))
def test_partitioned_engine_gives_the_single_pass_result(
    case: str, paper_data: Path, tmp_path: Path
) -> None:
    name, suite, arguments, rows = CASES[case]
    data = _source(paper_data, name, rows, tmp_path)
    single = _result(data, suite, arguments, paper_data, LocalEngine())
    engines = [PartitionedEngine(partitions=4, seed=1, task_batches=1)]
    if case in SMALL:
        engines += [PartitionedEngine(partitions=3, seed=2), PartitionedEngine(5, seed=3)]
    for engine in engines:
        assert _result(data, suite, arguments, paper_data, engine) == single, engine


def test_two_workers_give_the_single_pass_result(paper_data: Path, tmp_path: Path) -> None:
    """Two processes (pickled states, merged as they finish) on the instructions suite."""
    data = _source(paper_data, "instructions/alpaca_5000_llm.jsonl", 1000, tmp_path)
    single = validate(Dataset(data, batch_size=128), "instructions").to_dict()
    assert validate(Dataset(data, batch_size=128), "instructions", workers=2).to_dict() == single


def test_beyond_the_held_texts_a_second_pass_keeps_partitions_exact(
    paper_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Near-duplicate states beyond ``MAX_HELD`` texts keep only their probe pool; merged, they
    read the source again (in two processes too) and still give the single pass's result."""
    monkeypatch.setattr(duplicates, "MAX_HELD", 100)
    passes = []
    monkeypatch.setattr(States, "second_pass", spy(States.second_pass, passes))
    data = _source(paper_data, "instructions/alpaca_5000_llm.jsonl", 1000, tmp_path)
    single = validate(Dataset(data, batch_size=128), "instructions").to_dict()
    assert passes == [None]  # one pass in row order is exact
    for workers, seed in ((1, 4), (2, None)):
        partitioned = PartitionedEngine(partitions=3, workers=workers, seed=seed, task_batches=1)
        passes.clear()
        assert (
            validate(Dataset(data, batch_size=128), "instructions", engine=partitioned).to_dict()
            == single
        )
        assert passes and passes[0] is not None


@pytest.mark.parametrize("suite", ["dialogues", "task_labels"])
def test_parts_fold_near_duplicates_alone_first(
    paper_data: Path, monkeypatch: pytest.MonkeyPatch, suite: str
) -> None:
    """Partitioned, near-duplicates (whose parts always take a second pass) are folded alone
    in the first pass and every other metric in the second, beside them, so the second pass
    does no work twice: each row is fed once to every other metric. A suite without them
    reads the source once. The result is the single pass's."""
    path = paper_data / "dialogues/botbots_flight_bookings_llm.jsonl"
    arguments: dict[str, Any] = {}
    if suite == "task_labels":
        path = paper_data / "task_labels/ghc.jsonl"
        arguments = {
            "mapping": {"label": "human_labels"},
            "codings": Codings(allowed_labels=(0, 1)),
        }
    single = validate(Dataset(path, batch_size=64), suite, **arguments).to_dict()
    passes: list[set[str]] = []  # the kinds of metrics fed, pass after pass
    fed: Counter[Metric] = Counter()
    feed = States.feed

    def counting(self: States, rows: Batch) -> None:
        feed(self, rows)
        kinds = {type(metric).__name__ for metric in self.states[None]}
        if not passes or passes[-1] != kinds:
            passes.append(kinds)
        for metric in self.states[None]:
            fed[metric] += len(rows)

    monkeypatch.setattr(States, "feed", counting)
    engine = PartitionedEngine(partitions=3)
    result = validate(Dataset(path, batch_size=64), suite, engine=engine, **arguments)
    assert result.to_dict() == single
    if suite == "dialogues":
        assert passes[0] == {"NearDuplicates"} and len(passes) == 2
    else:
        assert len(passes) == 1 and "NearDuplicates" not in passes[0]
    near = {n for m, n in fed.items() if isinstance(m, duplicates.NearDuplicates)}
    rows = single["dataset"]["rows_validated"]
    assert near == ({2 * rows} if suite == "dialogues" else set())
    assert {n for m, n in fed.items() if not isinstance(m, duplicates.NearDuplicates)} == {rows}


LONG = 5000
"""Characters of the three texts made too long to be read (``batch.MAX_ROW_CHARS`` lowered)."""


@pytest.fixture
def short_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "MAX_ROW_CHARS", LONG - 1)


def _alpaca_parquet(paper: Path, tmp_path: Path, row_group_size: int) -> Path:
    """1000 alpaca rows as Parquet, three of them unreadable under ``short_rows``."""
    frame = pd.read_json(paper / "instructions/alpaca_5000_llm.jsonl", lines=True).head(1000)
    for row in (5, 517, 998):
        frame.at[row, "input"] = "long " * (LONG // 5)
    path = tmp_path / f"alpaca-{row_group_size}.parquet"
    frame.to_parquet(path, row_group_size=row_group_size)
    return path


def _alpaca_jsonl(paper: Path, tmp_path: Path) -> Path:
    """The 1000 rows as JSON Lines after a byte order mark, with blank lines (no records) and
    a broken line among them."""
    lines = _alpaca_parquet(paper, tmp_path, 1000).with_suffix(".jsonl")
    frame = pd.read_parquet(lines.with_suffix(".parquet"))
    text = frame.to_json(orient="records", lines=True).splitlines()
    text[300:300] = ["", "   ", '{"instruction": "broken'] + [""] * 70
    lines.write_text("\ufeff" + "\n".join(text) + "\n")
    return lines


@pytest.mark.parametrize("source", ["one group", "groups 250", "groups 300", "jsonl"])
def test_shards_read_every_row_once(
    paper_data: Path, tmp_path: Path, source: str, short_rows: None
) -> None:
    """Parts of a Parquet file (one row group; row groups dealt evenly; or not evenly, then
    dealt by batch) or of JSON Lines hold every row, readable or not, exactly once, with its
    own row number and id."""
    sizes = {"one group": 1000, "groups 250": 250, "groups 300": 300}
    if source in sizes:
        path = _alpaca_parquet(paper_data, tmp_path, sizes[source])
    else:
        path = _alpaca_jsonl(paper_data, tmp_path)
    columns = {"instruction": "instruction", "input": "input"}
    whole = Dataset(path, batch_size=64)
    rows = [
        (row, i)
        for batch, _ in whole.batches(columns)
        for row, i in zip(batch.rows, batch.ids, strict=True)
    ]
    unreadable = sorted(whole.unreadable.reasons)
    parts, reasons = [], []
    for index in range(4):
        shard = Dataset(path, batch_size=64)
        parts += [
            (row, i)
            for batch, _ in shard.batches(columns, Shard(index, 4))
            for row, i in zip(batch.rows, batch.ids, strict=True)
        ]
        reasons += shard.unreadable.reasons
    assert sorted(parts) == rows and len(rows) == 997
    assert sorted(reasons) == unreadable and len(unreadable) == 3 + (source == "jsonl")


@pytest.mark.parametrize("source", ["parquet", "jsonl"])
def test_two_workers_read_their_own_shards_in_both_passes(
    paper_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    short_rows: None,
    source: str,
) -> None:
    """With two workers a Parquet or JSON Lines file is read only in shards, by the workers
    (this process never reads it whole), in the second pass too, and the result is the single
    pass's."""
    path = _alpaca_parquet(paper_data, tmp_path, 250)
    if source == "jsonl":
        path = _alpaca_jsonl(paper_data, tmp_path)
    monkeypatch.setattr(duplicates, "MAX_HELD", 100)
    single = validate(Dataset(path, batch_size=64), "instructions").to_dict()
    read = Dataset.read

    def in_shards(self: Dataset, columns: dict[str, str], shard: Shard | None = None) -> Any:
        assert shard is not None, "read whole"
        return read(self, columns, shard)

    monkeypatch.setattr(Dataset, "read", in_shards)
    passes: list[Any] = []
    monkeypatch.setattr(States, "second_pass", spy(States.second_pass, passes))
    for partitions in (2, 3):
        engine = PartitionedEngine(partitions=partitions, workers=2)
        result = validate(Dataset(path, batch_size=64), "instructions", engine=engine)
        assert result.to_dict() == single
        assert passes[-1] is not None  # the near-duplicates took their second pass
    assert single["dataset"]["rows_unreadable"] == 3 + (source == "jsonl")


def spy(method: Any, calls: list[Any]) -> Any:
    def wrapped(*args: Any) -> Any:
        calls.append(method(*args))
        return calls[-1]

    return wrapped


def test_batch_size_changes_no_value(paper_data: Path) -> None:
    data = pd.read_json(
        paper_data / "free_text/self_instruct_eval_text-davinci-003.jsonl", lines=True
    )
    mapping = {"text": "llm_text", "reference_text": "human_text"}
    results = [
        validate(Dataset(data, batch_size=size), "free_text", mapping=mapping).to_dict()
        for size in (7, 4096)
    ]
    assert results[0] == results[1]


def test_workers_must_be_positive() -> None:
    with pytest.raises(InputError):
        engine_for(0)


def test_a_batch_lists_its_texts_once_and_its_groups_their_own() -> None:
    """Every metric reads the same list of a batch's texts (built once); a group's sub-batch,
    which shares the batch's feature cache, lists only its own rows."""
    turns = [[("user", "hi there"), ("bot", " "), ("bot", "hello")], [("user", "bye")]]
    whole = Batch([1, 2], {"turns": turns, "model": ["a", "b"]}, [10, 20])
    assert whole.keyed_texts("turns") is whole.keyed_texts("turns")
    assert whole.keyed_texts("turns") == [
        (10, 1, 0, "hi there"),
        (10, 1, 2, "hello"),
        (20, 2, 0, "bye"),
    ]
    assert whole.texts("turns") == [(1, 0, "hi there"), (1, 2, "hello"), (2, 0, "bye")]
    groups = dict(whole.groups("model"))
    assert groups["b"].keyed_texts("turns") == [(20, 2, 0, "bye")]
    assert groups["b"].cache is whole.cache


class _Cycle:
    """A reference cycle (it holds itself), freed only by the cyclic collector."""

    def __init__(self) -> None:
        self.me = self


@dataclass(frozen=True)
class _MakesCycles(Metric):
    """Makes one cyclic object per batch and notes whether the collector ran automatically."""

    @property
    def roles(self) -> tuple[str, ...]:
        return ("text",)

    def start(self) -> list[Any]:
        return []

    def update(self, state: list[Any], batch: Batch) -> list[Any]:
        state.append((weakref.ref(_Cycle()), gc.isenabled()))
        return state

    def merge(self, a: list[Any], b: list[Any]) -> list[Any]:
        return a + b

    def finalize(self, state: list[Any]) -> list[Any]:
        return state


def test_fold_collects_cyclic_garbage_between_batches_only() -> None:
    """The collector is off while a batch is folded (it rescanned each batch's objects) and
    on again afterwards; the cycles made meanwhile are collected every ``COLLECT_EVERY``
    batches, so at most that many wait."""
    batches = [Batch([i], {"text": ["x"]}) for i in range(3 * COLLECT_EVERY + 1)]
    folded = fold(batches, States({_MakesCycles()}, None))
    made = next(iter(folded.states[None].values()))
    assert gc.isenabled()
    assert not any(on for _, on in made)
    assert sum(ref() is not None for ref, _ in made) <= COLLECT_EVERY
