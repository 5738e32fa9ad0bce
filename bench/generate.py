"""Generated Parquet data for the per-suite benchmark (``bench/suites.py``).

Each suite gets rows with its columns. Every text (and every dialogue turn) is drawn from a
word Markov chain trained on a real shared set: each word given the two before it, or, as often
as the set's word 3-grams occur once (Good-Turing's estimate of how often real text continues a
word pair as its set never does), given the last word alone (``Chain``). So the texts share
phrases as real text does, which is what the near-duplicate prefilter and the dialogue metrics'
shared-shingle shortcut react to; texts of independently drawn words share almost none and
flattered both (issue 14). Against 2,000 probes, 72-81% of the Alpaca-like texts pass the
prefilter (69-79% of Alpaca's own), 98% of the dialogue turns (97% of the real turns, 16% of
independent words'); 91% of conversations share a 3-gram between turns (86-100% in the real
sets, 0.7% with independent words).

Instructions, inputs and outputs come from chains trained on those fields of
``alpaca_5000_llm.jsonl`` (free text, task-label texts and preference outputs from its outputs,
preference prompts from its instructions); dialogue turns from one chain trained on the
utterances of the shared dialogue and simulation sets, human and LLM. A text's length in words
(punctuation marks count as words) is drawn from its set's, within its column's range (the
ranges of the earlier generator: the absolute speed targets were set on them); a dialogue's
turns, and their lengths, from the real conversations' (up to 24 turns of up to 100 words).
2% of texts repeat one of the first 1,000 of their source.
Without ``../shared`` the chains are trained on words drawn from a Zipf-like law instead.
Rows are drawn with seeded numpy, all texts of a block one word at a time, and written in row
groups of ``CHUNK`` rows, so 10M rows never sit in memory.
Usage: ``python bench/generate.py PATH SUITE ROWS``.
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from synthgate.turns import parse_turns

SHARED = Path(__file__).resolve().parents[2] / "shared/data/paper"
ALPACA = SHARED / "instructions/alpaca_5000_llm.jsonl"
DIALOGUES = [SHARED / "dialogues", SHARED / "simulations"]
# A word with the space before it: none, a space, or a line break (any run holding one).
TOKEN = re.compile(r"(\s*)(\w+|[^\w\s])")
CHUNK = 100_000
BLOCK = 200_000  # texts stepped together: bounds the generator's memory
REPEATS = 0.02


def spaced(space: str) -> str:
    return "\n" if "\n" in space else " " if space else ""


class Chain:
    """An order-2 word Markov chain over a list of texts, backing off to order 1, as arrays:
    the states (word pairs, and single words for the backoff) are sorted pair keys, each
    owning a range of successors with cumulative counts, so one ``np.searchsorted`` steps
    every text of a block at once.

    Real text continues a word pair in a way no other text of its set does about as often as
    the set's 3-grams occur once (Good-Turing: 54-79% of Alpaca's, 11% of the dialogue
    utterances'). A pure order-2 chain never does (it only copies the set's runs), so a step
    backs off to the last word alone with that probability. At a dead end (a pair the set
    never continues) the chain goes on from the last word, or restarts as a text starts.
    Words keep the space before them (so punctuation stays attached); a text's first word
    gets a space, trimmed on output."""

    def __init__(self, texts: list[str]) -> None:
        vocabulary: dict[str, int] = {}
        start = -1  # placeholder for the sentinel "before the text" word, renumbered below
        sequence: list[int] = []
        lengths = []
        for text in texts:
            words = TOKEN.findall(" " + text.strip())
            sequence += [start, start]
            sequence += [vocabulary.setdefault(spaced(s) + w, len(vocabulary)) for s, w in words]
            lengths.append(len(words))
        ids = np.array(sequence, dtype=np.int64)
        before, anything = len(vocabulary), len(vocabulary) + 1  # the two sentinels
        base = len(vocabulary) + 2
        ids[ids == start] = before
        first, second, third = ids[:-2], ids[1:-1], ids[2:]
        inside = third != before  # a triple ending in the sentinel crosses two texts
        pairs = (first * base + second)[inside]
        once = np.unique(pairs * base + third[inside], return_counts=True)[1]
        self.novel = float((once == 1).sum() / once.sum()) if len(once) else 0.0
        single = (second != before)[inside]  # the order-1 backoff: (anything, word, next)
        pairs = np.concatenate([pairs, anything * base + second[inside][single]])
        triples, counts = np.unique(
            pairs * base + np.concatenate([third[inside], third[inside][single]]),
            return_counts=True,
        )
        pairs, self.word = triples // base, (triples % base).astype(np.int32)
        states, begins = np.unique(pairs, return_index=True)
        self.cumulative = np.cumsum(counts)
        ends = np.append(begins[1:], len(triples))
        self.low = np.where(begins > 0, self.cumulative[begins - 1], 0)
        self.total = self.cumulative[ends - 1] - self.low
        self.start = int(np.searchsorted(states, before * base + before))

        def state(keys: np.ndarray, otherwise: np.ndarray | int) -> np.ndarray:
            found = np.minimum(np.searchsorted(states, keys), len(states) - 1)
            return np.where(states[found] == keys, found, otherwise)

        self.backoff = state(anything * base + states % base, np.arange(len(states)))
        self.next = state(
            pairs % base * base + self.word, state(anything * base + self.word, self.start)
        )
        self.words = pa.array(list(vocabulary), pa.string())
        self.lengths = np.array(lengths)

    def draw(self, rng: np.random.Generator, lengths: np.ndarray) -> pa.Array:
        """Texts of the given lengths in words, every text stepped at once (longest first, so
        the texts still running are always a prefix)."""
        order = np.argsort(-lengths, kind="stable")
        longest = -np.sort(-lengths)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        places = offsets[:-1][order]
        ids = np.empty(offsets[-1], dtype=np.int32)
        state = np.full(len(lengths), self.start)
        for step in range(int(longest[0]) if len(lengths) else 0):
            running = int(np.searchsorted(-longest, -step, side="left"))
            now = state[:running]
            now = np.where(rng.random(running) < self.novel, self.backoff[now], now)
            drawn = self.low[now] + (rng.random(running) * self.total[now]).astype(np.int64)
            successor = np.searchsorted(self.cumulative, drawn, side="right")
            ids[places[:running] + step] = self.word[successor]
            state[:running] = self.next[successor]
        words = pa.ListArray.from_arrays(pa.array(offsets, pa.int64()), self.words.take(ids))
        return pc.utf8_ltrim_whitespace(pc.binary_join(words, ""))


def alpaca(field: str) -> list[str]:
    rows = [json.loads(line) for line in ALPACA.read_text(encoding="utf-8").splitlines()]
    return [text for row in rows if (text := str(row.get(field) or "").strip())]


def conversations() -> list[list[str]]:
    """The turns' texts of every conversation in the shared dialogue and simulation sets."""
    out = []
    for path in sorted(p for folder in DIALOGUES for p in folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            value = row.get("turns", row.get("transcript"))
            if value is not None:
                out.append([text for _, text in parse_turns(value) if text.strip()])
    return [turns for turns in out if turns]


def zipf_texts(seed: int = 1) -> list[str]:
    """Stand-in texts of Zipf-distributed words (when ``../shared`` is absent)."""
    rng = np.random.default_rng(seed)
    weights = 5000 // np.arange(1, 5001) + 1
    words = np.array([f"w{i}" for i in range(5000)], dtype=object)
    drawn = rng.choice(words, size=(2000, 100), p=weights / weights.sum())
    return [" ".join(row[: rng.integers(1, 101)]) for row in drawn]


@cache
def chain(name: str) -> Chain:
    """The chain of ``name``: an Alpaca field, or "turn" (dialogue utterances)."""
    if not SHARED.exists():
        return Chain(zipf_texts())
    if name == "turn":
        return Chain([text for turns in conversations() for text in turns])
    return Chain(alpaca(name))


@cache
def turn_counts() -> np.ndarray:
    if not SHARED.exists():
        return np.arange(1, 30)
    return np.array([len(turns) for turns in conversations()])


def among(rng: np.random.Generator, n: int, real: np.ndarray, low: int, high: int) -> np.ndarray:
    """``n`` values drawn from ``real``'s within ``low``-``high`` (uniform when none is)."""
    inside = real[(real >= low) & (real <= high)]
    return rng.choice(inside, n) if len(inside) else rng.integers(low, high + 1, n)


class Texts:
    """Draws texts, 2% of them repeating one of the first 1,000 of their source."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.recent: dict[str, pa.Array] = {}  # the first texts of each source

    def draw(self, n: int, low: int, high: int, source: str = "output") -> pa.Array:
        """``n`` texts of ``low``-``high`` words from the chain of ``source``."""
        words = chain(source)
        lengths = among(self.rng, n, words.lengths, low, high)
        blocks = [words.draw(self.rng, lengths[i : i + BLOCK]) for i in range(0, n, BLOCK)]
        texts = pa.concat_arrays([pa.array([], pa.string()), *blocks])
        recent = self.recent.get(source, texts[:0])
        if len(recent) < 1000:
            recent = self.recent[source] = pa.concat_arrays([recent, texts[: 1000 - len(recent)]])
        picks = np.arange(n)
        repeat = np.flatnonzero(self.rng.random(n) < REPEATS)
        picks[repeat] = n + self.rng.integers(len(recent), size=len(repeat))
        return pa.concat_arrays([texts, recent]).take(picks)

    def some(self, n: int, low: int, high: int, share: float, source: str) -> pa.Array:
        """``n`` values, a ``share`` of them texts and the rest empty."""
        present = self.rng.random(n) < share
        drawn = self.draw(int(present.sum()), low, high, source)
        picks = np.where(present, np.cumsum(present) - 1, len(drawn))
        return pa.concat_arrays([drawn, pa.array([""])]).take(picks)

    def codes(self, n: int, values: list[int], shares: list[float]) -> list[int]:
        return self.rng.choice(values, size=n, p=shares).tolist()

    def dialogues(self, n: int) -> pa.Array:
        """``n`` dialogues of as many turns as real conversations have (up to 24) of as many
        words as real turns have (up to 100), the two speakers taking turns."""
        turns = among(self.rng, n, turn_counts(), 2, 24)
        offsets = np.concatenate([[0], np.cumsum(turns)])
        position = np.arange(offsets[-1]) - np.repeat(offsets[:-1], turns)
        speakers = pa.array(["user", "assistant"]).take(position % 2)
        texts = self.draw(int(offsets[-1]), 1, 100, "turn")
        turn = pa.StructArray.from_arrays([speakers, texts], ["speaker", "text"])
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), turn)


def columns(suite: str, n: int, texts: Texts) -> dict[str, pa.Array | list]:
    """``n`` rows of ``suite``'s columns."""
    if suite == "instructions":
        return {
            "instruction": texts.draw(n, 5, 25, "instruction"),
            "input": texts.some(n, 3, 30, share=0.4, source="input"),
            "output": texts.draw(n, 5, 80),
        }
    if suite == "free_text":
        return {"text": texts.draw(n, 10, 80)}
    if suite == "task_labels":  # 0.5% invalid labels (7)
        return {
            "text": texts.draw(n, 5, 40),
            "label": texts.codes(n, [0, 1, 2, 7], [0.6, 0.3, 0.095, 0.005]),
        }
    if suite == "preferences":
        return {
            "prompt": texts.draw(n, 5, 30, "instruction"),
            "output1": texts.draw(n, 5, 60),
            "output2": texts.draw(n, 5, 60),
            "target": texts.codes(n, [1, 2, 0], [0.45, 0.45, 0.1]),
        }
    if suite == "dialogues":
        return {"turns": texts.dialogues(n)}
    raise SystemExit(f"no generator for suite {suite!r}")


def generate(path: Path, suite: str, rows: int, seed: int = 0) -> None:
    """Write ``rows`` rows to ``path`` (via a temporary name: a killed run leaves no file)."""
    texts = Texts(seed)
    partial = path.with_suffix(".partial")
    writer = None
    for start in range(0, rows, CHUNK):
        table = pa.table(columns(suite, min(CHUNK, rows - start), texts))
        writer = writer or pq.ParquetWriter(partial, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()
    partial.rename(path)


if __name__ == "__main__":
    generate(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
