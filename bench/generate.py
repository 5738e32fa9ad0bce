"""Generated Parquet data for the per-suite benchmark (``bench/suites.py``).

Each suite gets rows with its columns. Every text (and every dialogue turn) is drawn word by
word from the word frequencies of a real shared set, ``alpaca_5000_llm.jsonl`` (Zipf-like
stand-ins when ``../shared`` is absent); 2% of texts repeat an earlier one. Rows are written
in row groups of ``CHUNK`` rows, so 10M rows never sit in memory at once.
Usage: ``python bench/generate.py PATH SUITE ROWS``.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SOURCE = (
    Path(__file__).resolve().parents[2] / "shared/data/paper/instructions/alpaca_5000_llm.jsonl"
)
WORD = re.compile(r"\w+|[^\w\s]")
CHUNK = 100_000
SPEAKERS = ("user", "assistant")

Text = Callable[[int, int], str]


def vocabulary() -> tuple[list[str], list[int]]:
    """Words and their cumulative counts in the real shared set."""
    counts: Counter[str] = Counter()
    if SOURCE.exists():
        for line in SOURCE.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            for key in ("instruction", "input", "output"):
                counts.update(WORD.findall(str(row.get(key) or "")))
    else:
        counts.update({f"w{i}": 5000 // (i + 1) + 1 for i in range(5000)})
    words, weights = zip(*counts.most_common(), strict=True)
    return list(words), list(itertools.accumulate(weights))


def texts(rng: random.Random) -> Text:
    """A function drawing one text of ``low``-``high`` words (2% repeat one of 1,000 earlier)."""
    words, cumulative = vocabulary()
    recent: list[str] = []

    def text(low: int, high: int) -> str:
        if recent and rng.random() < 0.02:
            return rng.choice(recent)
        out = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(low, high)))
        if len(recent) < 1000:
            recent.append(out)
        return out

    return text


def columns(suite: str, rows: int, text: Text, rng: random.Random) -> dict[str, list]:
    """``rows`` rows of ``suite``'s columns."""
    if suite == "instructions":
        return {
            "instruction": [text(5, 25) for _ in range(rows)],
            "input": [text(3, 30) if rng.random() < 0.4 else "" for _ in range(rows)],
            "output": [text(5, 80) for _ in range(rows)],
        }
    if suite == "free_text":
        return {"text": [text(10, 80) for _ in range(rows)]}
    if suite == "task_labels":
        return {
            "text": [text(5, 40) for _ in range(rows)],
            "label": rng.choices([0, 1, 2, 7], [0.6, 0.3, 0.095, 0.005], k=rows),
        }
    if suite == "preferences":
        return {
            "prompt": [text(5, 30) for _ in range(rows)],
            "output1": [text(5, 60) for _ in range(rows)],
            "output2": [text(5, 60) for _ in range(rows)],
            "target": rng.choices([1, 2, 0], [0.45, 0.45, 0.1], k=rows),
        }
    if suite == "dialogues":  # 4-12 turns of 3-40 words, the two speakers taking turns
        return {"turns": [dialogue(text, rng.randint(4, 12)) for _ in range(rows)]}
    raise SystemExit(f"no generator for suite {suite!r}")


def dialogue(text: Text, turns: int) -> list[dict[str, str]]:
    return [{"speaker": SPEAKERS[i % 2], "text": text(3, 40)} for i in range(turns)]


def generate(path: Path, suite: str, rows: int, seed: int = 0) -> None:
    """Write ``rows`` rows to ``path`` (via a temporary name: a killed run leaves no file)."""
    rng = random.Random(seed)
    text = texts(rng)
    partial = path.with_suffix(".partial")
    writer = None
    for start in range(0, rows, CHUNK):
        table = pa.table(columns(suite, min(CHUNK, rows - start), text, rng))
        writer = writer or pq.ParquetWriter(partial, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()
    partial.rename(path)


if __name__ == "__main__":
    generate(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
