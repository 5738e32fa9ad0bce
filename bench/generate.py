"""Generated Parquet data for the per-suite benchmark (``bench/suites.py``).

Each suite gets rows with its columns. Every text (and every dialogue turn) is drawn word by
word from the word frequencies of a real shared set, ``alpaca_5000_llm.jsonl`` (Zipf-like
stand-ins when ``../shared`` is absent); 2% of texts repeat one of the first 1,000. Rows are
drawn with numpy and written in row groups of ``CHUNK`` rows, so 10M rows never sit in memory.
Usage: ``python bench/generate.py PATH SUITE ROWS``.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

SOURCE = (
    Path(__file__).resolve().parents[2] / "shared/data/paper/instructions/alpaca_5000_llm.jsonl"
)
WORD = re.compile(r"\w+|[^\w\s]")
CHUNK = 100_000


def vocabulary() -> tuple[list[str], list[int]]:
    """Words and their counts in the real shared set."""
    counts: Counter[str] = Counter()
    if SOURCE.exists():
        for line in SOURCE.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            for key in ("instruction", "input", "output"):
                counts.update(WORD.findall(str(row.get(key) or "")))
    else:
        counts.update({f"w{i}": 5000 // (i + 1) + 1 for i in range(5000)})
    words, weights = zip(*counts.most_common(), strict=True)
    return list(words), list(weights)


class Texts:
    """Draws texts of ``low``-``high`` words, 2% of them repeating one of the first 1,000."""

    def __init__(self, seed: int = 0) -> None:
        words, weights = vocabulary()
        self.rng = np.random.default_rng(seed)
        self.words = np.array(words, dtype=object)
        self.cumulative = np.cumsum(weights)
        self.recent: list[str] = []

    def draw(self, n: int, low: int, high: int) -> list[str]:
        lengths = self.rng.integers(low, high + 1, size=n).tolist()
        uniform = self.rng.random(sum(lengths)) * self.cumulative[-1]
        flat = self.words[np.searchsorted(self.cumulative, uniform, side="right")].tolist()
        ends = list(itertools.accumulate(lengths))
        texts = [" ".join(flat[end - k : end]) for end, k in zip(ends, lengths, strict=True)]
        self.recent.extend(texts[: 1000 - len(self.recent)])
        for i in np.flatnonzero(self.rng.random(n) < 0.02):
            texts[i] = self.recent[self.rng.integers(len(self.recent))]
        return texts

    def some(self, n: int, low: int, high: int, share: float) -> list[str]:
        """``n`` values, a ``share`` of them texts and the rest empty."""
        present = self.rng.random(n) < share
        drawn = iter(self.draw(int(present.sum()), low, high))
        return [next(drawn) if p else "" for p in present.tolist()]

    def codes(self, n: int, values: list[int], shares: list[float]) -> list[int]:
        return self.rng.choice(values, size=n, p=shares).tolist()

    def dialogues(self, n: int) -> pa.Array:
        """``n`` dialogues of 4-12 turns of 3-40 words, the two speakers taking turns."""
        turns = self.rng.integers(4, 13, size=n)
        offsets = np.concatenate([[0], np.cumsum(turns)])
        position = np.arange(offsets[-1]) - np.repeat(offsets[:-1], turns)
        speakers = np.where(position % 2 == 0, "user", "assistant")
        texts = pa.array(self.draw(int(offsets[-1]), 3, 40))
        turn = pa.StructArray.from_arrays([pa.array(speakers), texts], ["speaker", "text"])
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), turn)


def columns(suite: str, n: int, texts: Texts) -> dict[str, list | pa.Array]:
    """``n`` rows of ``suite``'s columns."""
    if suite == "instructions":
        return {
            "instruction": texts.draw(n, 5, 25),
            "input": texts.some(n, 3, 30, share=0.4),
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
            "prompt": texts.draw(n, 5, 30),
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
