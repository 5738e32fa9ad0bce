"""Benchmark each built-in suite against the floor (issue 14); write its BENCHMARKS.md section.

For every suite and size: generate Parquet rows with that suite's columns (texts drawn word by
word from the frequencies of a real shared set, ``alpaca_5000_llm.jsonl``, 2% exact repeats),
run ``synthgate validate`` in a fresh process, and beside it in the same run the floor: one
plain pass over the same file and the same text columns (pyarrow read, one compiled regex per
text, unigrams and bigrams counted in a Counter). Wall time and peak RSS (``ru_maxrss``) are the
child process's own, start-up included. Also ``--workers 2`` against 1 at the largest size for
one suite, and the fixed start-up cost (``synthgate suites``; ``python -X importtime``).
Usage: ``python bench/suites.py [--sizes 10000,100000] [--suites instructions,free_text]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
BIN = Path(sys.executable).parent
REPORT = HERE.parent / "BENCHMARKS.md"
SECTION = "## Per suite against the floor (issue 14)"
SOURCE = HERE.parent.parent / "shared/data/paper/instructions/alpaca_5000_llm.jsonl"
WORD = re.compile(r"\w+|[^\w\s]")

# Per suite: the text columns the floor reads, and the options synthgate needs.
SUITES: dict[str, tuple[list[str], list[str]]] = {
    "instructions": (["instruction", "input", "output"], []),
    "free_text": (["text"], []),
    "task_labels": (["text"], ["--allowed-labels", "0,1,2"]),
    "preferences": (["prompt", "output1", "output2"], ["--choice-codes", "first=1,second=2,tie=0"]),
}


def vocabulary() -> tuple[list[str], list[int]]:
    """Words and their counts in a real shared set; Zipf-like stand-ins when it is absent."""
    if not SOURCE.exists():
        words = [f"w{i}" for i in range(5000)]
        return words, [5000 // (i + 1) + 1 for i in range(5000)]
    counts: Counter[str] = Counter()
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for key in ("instruction", "input", "output"):
            counts.update(WORD.findall(str(row.get(key) or "")))
    words, weights = zip(*counts.most_common(), strict=True)
    return list(words), list(weights)


def generate(path: Path, suite: str, rows: int, seed: int = 0) -> None:
    """Rows with the suite's columns: texts of 5-60 words, 2% exact repeats."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    words, weights = vocabulary()
    cumulative = list(_accumulate(weights))
    recent: list[str] = []

    def text(low: int = 5, high: int = 60) -> str:
        if recent and rng.random() < 0.02:
            return rng.choice(recent)
        out = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(low, high)))
        if len(recent) < 1000:
            recent.append(out)
        return out

    columns: dict[str, list[object]] = {}
    if suite == "instructions":
        columns["instruction"] = [text(5, 25) for _ in range(rows)]
        columns["input"] = [text(3, 30) if rng.random() < 0.4 else "" for _ in range(rows)]
        columns["output"] = [text(5, 80) for _ in range(rows)]
    elif suite == "free_text":
        columns["text"] = [text(10, 80) for _ in range(rows)]
    elif suite == "task_labels":
        columns["text"] = [text(5, 40) for _ in range(rows)]
        columns["label"] = rng.choices([0, 1, 2, 7], [0.6, 0.3, 0.095, 0.005], k=rows)
    elif suite == "preferences":
        columns["prompt"] = [text(5, 30) for _ in range(rows)]
        columns["output1"] = [text(5, 60) for _ in range(rows)]
        columns["output2"] = [text(5, 60) for _ in range(rows)]
        columns["target"] = rng.choices([1, 2, 0], [0.45, 0.45, 0.1], k=rows)
    pq.write_table(pa.table(columns), path)


def _accumulate(weights: list[int]) -> list[int]:
    total, out = 0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def floor(path: str, columns: list[str]) -> None:
    """The floor: read the columns, tokenize each text once, count unigrams and bigrams."""
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=columns)
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for name in columns:
        for value in table.column(name).to_pylist():
            tokens = WORD.findall(value.lower())
            unigrams.update(tokens)
            bigrams.update(itertools.pairwise(tokens))
    print(json.dumps({"rows": table.num_rows, "types": len(unigrams), "bigrams": len(bigrams)}))


def dataset(suite: str, rows: int) -> Path:
    """The suite's generated file, made in a child process when missing.

    The parent stays small: a child's ``ru_maxrss`` starts from its parent's peak at the spawn
    (vfork, then exec), so a parent that held the generated rows would raise every measurement.
    """
    path = DATA / f"{suite}_{rows}.parquet"
    if not path.exists():
        command = [sys.executable, __file__, "--generate", str(path), suite, str(rows)]
        subprocess.run(command, check=True)
    return path


def timed(command: list[str]) -> dict[str, float]:
    """Wall seconds, exit code and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code > 1:
        raise SystemExit(f"{' '.join(command)}: exit {code}: {process.stderr.read().decode()}")
    return {"seconds": seconds, "rss": usage.ru_maxrss / 1024, "code": code}


def validate(path: Path, suite: str, workers: int = 1) -> dict[str, float]:
    options = SUITES[suite][1]
    out = DATA / f"{path.stem}_w{workers}.json"
    command = [str(BIN / "synthgate"), "validate", str(path), "--suite", suite, *options]
    return timed([*command, "--workers", str(workers), "--quiet", "--json", str(out)])


def startup() -> tuple[float, list[tuple[float, str]]]:
    """Best of 3 wall times of ``synthgate suites``; the slowest cumulative imports."""
    best = min(timed([str(BIN / "synthgate"), "suites"])["seconds"] for _ in range(3))
    stderr = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import synthgate.cli"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    entries = []
    for line in stderr.splitlines()[1:]:
        _, cumulative, name = (part.strip() for part in line.split("|"))
        entries.append((int(cumulative) / 1e6, name))
    return best, sorted(entries, reverse=True)[:8]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument("--workers-suite", default="free_text")
    parser.add_argument("--floor", nargs=2, metavar=("PATH", "COLUMNS"))
    parser.add_argument("--generate", nargs=3, metavar=("PATH", "SUITE", "ROWS"))
    args = parser.parse_args()
    if args.floor:
        floor(args.floor[0], args.floor[1].split(","))
        return
    if args.generate:
        generate(Path(args.generate[0]), args.generate[1], int(args.generate[2]))
        return
    DATA.mkdir(exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for suite in args.suites.split(","):
        for size in sizes:
            path = dataset(suite, size)
            ours = validate(path, suite)
            columns = ",".join(SUITES[suite][0])
            plain = timed([sys.executable, __file__, "--floor", str(path), columns])
            row = {"suite": suite, "rows": size, "sg_s": ours["seconds"], "sg_rss": ours["rss"]}
            row.update(exit=ours["code"], floor_s=plain["seconds"], floor_rss=plain["rss"])
            print(json.dumps(row), flush=True)
            rows.append(row)
    size = max(sizes)
    path = dataset(args.workers_suite, size)
    one, two = validate(path, args.workers_suite), validate(path, args.workers_suite, workers=2)
    workers = {"suite": args.workers_suite, "rows": size, "one": one, "two": two}
    print(json.dumps(workers), flush=True)
    start, imports = startup()
    print(json.dumps({"startup_s": start, "imports": imports}), flush=True)
    write_report(rows, workers, start, imports)


def write_report(rows: list[dict], workers: dict, start: float, imports: list) -> None:
    table = "\n".join(
        f"| {r['suite']} | {r['rows']:,} | {r['rows'] / r['sg_s']:,.0f} | {r['sg_rss']:,.0f} | "
        f"{r['rows'] / r['floor_s']:,.0f} | {r['floor_rss']:,.0f} | "
        f"{r['floor_s'] / r['sg_s']:.2f} | {r['exit']} |"
        for r in rows
    )
    one, two, size = workers["one"], workers["two"], workers["rows"]
    name = f"{workers['suite']}_{size}"
    same = (DATA / f"{name}_w1.json").read_bytes() == (DATA / f"{name}_w2.json").read_bytes()
    slowest = "\n".join(f"| {name} | {seconds:.3f} |" for seconds, name in imports)
    section = f"""{SECTION}

Generated by `make bench-suites` (`bench/suites.py`) on {time.strftime("%Y-%m-%d")},
{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores. Data: Parquet
rows with each suite's columns, texts drawn word by word from the word frequencies of
`alpaca_5000_llm.jsonl` (2% exact repeats). Floor, same file, same run: read the same text
columns with pyarrow, tokenize each text with one compiled regex, count unigrams and bigrams in
a Counter. Each measurement is a fresh process (`synthgate validate ... --json`), its wall time
start-up included; peak RSS is that process's `ru_maxrss`. Ratio = synthgate rows/s / floor
rows/s (issue 14's target: at least 0.5 at 1M rows). Exit 1 = the data failed the suite.

| suite | rows | synthgate rows/s | synthgate peak RSS MB | floor rows/s | floor peak RSS MB | ratio | exit |
|---|---:|---:|---:|---:|---:|---:|---:|
{table}

`--workers 2` against 1, {workers["suite"]} at {size:,} rows: {size / one["seconds"]:,.0f} rows/s
({one["rss"]:,.0f} MB) with one worker, {size / two["seconds"]:,.0f} rows/s ({two["rss"]:,.0f} MB, the
largest of the process and its workers) with two: {one["seconds"] / two["seconds"]:.2f} times
(target 1.7); the two JSON results are {"identical" if same else "DIFFERENT"}.

Fixed start-up cost: `synthgate suites` takes {start:.2f} s wall (best of 3; target under 1 s).
Slowest cumulative imports of `python -X importtime -c "import synthgate.cli"`:

| module | cumulative s |
|---|---:|
{slowest}
{READING}"""
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else "# Benchmarks\n"
    kept = text.split(f"\n{SECTION}\n")[0].rstrip("\n")
    REPORT.write_text(f"{kept}\n\n{section}", encoding="utf-8")


READING = """
Reading (the 2026-11-29 run; the machine's 2 cores were shared with other work, load about
1.3): every suite that reads text is below half the floor at 10k and 100k rows (instructions
0.12 and 0.22, free_text 0.09 and 0.16, preferences 0.14 and 0.28). The ratio grows with rows
because each text-suite run pays a fixed cost of 4-5 s (the intercept of the two sizes; not
profiled here: task_labels' runs take under 1.2 s, so it is not the imports alone). Without it
they stay below half: per added row, synthgate runs 4.2k (instructions), 5.3k (free_text) and
4.8k (preferences) rows/s against the floor's 16.9k, 28k and 14.4k (0.25, 0.19, 0.33).
task_labels is above the floor, but
not comparably: its suite reads only the label column while the floor tokenizes the text.
synthgate's peak RSS stays nearly flat from 10k to 100k (the floor's grows with its Counter);
free_text's is the highest, about 620 MB, some 190 MB above instructions already at 10k.
`synthgate suites` starts in just under 1 s, most of it importing `synthgate.calibrate` and
`synthgate.comparisons` (scipy.stats) when `synthgate.cli` is imported: deferring those imports
to the commands that use them is where the start-up cost would go.
"""


if __name__ == "__main__":
    main()
