"""``make bench``: every built-in suite against its baselines; writes its BENCHMARKS.md section.

For each suite and size (10k, 100k, 1M rows, and 10M for instructions and free_text):
generated Parquet rows (``bench/generate.py``, in a child process, cached in ``bench/data/``),
``synthgate validate`` in a fresh process, and beside it in the same run each baseline of
``bench/baselines.py`` (the floor, polars, textstat, datasketch, gzip; up to 1M rows) on the
same file and text columns, each in a fresh process. At 1M rows ``--workers 2``, and Spark
``local[2]`` when this synthgate has ``--engine spark``. Then the fixed start-up cost
(``synthgate suites``; a 1k-row validate per suite). Wall time and peak RSS (``ru_maxrss`` of
the child, and of the children it waited for) include start-up.

Every measurement is appended to ``bench/data/results-<commit>.jsonl`` (the last commit that
changed ``src/``, the suites or ``pyproject.toml``); one already there is not taken again
(``--again`` does), and the section is written from the whole file, so the benchmark runs in
pieces and resumes where it stopped, e.g.
``python bench/suites.py --suites instructions,free_text --sizes 10000000``.
Issue 14's targets are printed as met or not met; nothing here fails on them.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
BIN = Path(sys.executable).parent
REPORT = ROOT / "BENCHMARKS.md"
SECTION = "## Per suite against the floor (issue 14)"
BASELINES = ["floor", "polars", "textstat", "datasketch", "gzip"]
MILLION = 1_000_000
FEW = 10  # rows of the validate whose time is the fixed start-up cost

# Per suite: the text columns the baselines read, and the options synthgate needs.
SUITES: dict[str, tuple[str, list[str]]] = {
    "instructions": ("instruction,input,output", []),
    "free_text": ("text", []),
    "task_labels": ("text", ["--allowed-labels", "0,1,2"]),
    "preferences": ("prompt,output1,output2", ["--choice-codes", "first=1,second=2,tie=0"]),
    "dialogues": ("turns", []),
}
SPEED_TARGETS = {"instructions": 12_000, "free_text": 18_000}  # rows/s at 1M rows
LARGE = {"instructions", "free_text"}  # also measured at 10M rows
WORKERS = ["--workers", "2"]
SPARK = ["--engine", "spark", "--spark-master", "local[2]"]


def measured_commit() -> str:
    """The last commit that changed what the benchmark measures."""
    command = ["git", "-C", str(ROOT), "log", "-1", "--format=%h", "--", "src", "expectations"]
    return subprocess.run(
        [*command, "pyproject.toml", "bench/generate.py"], capture_output=True, text=True
    ).stdout.strip()


RESULTS = DATA / f"results-{measured_commit() or 'unknown'}.jsonl"
GENERATOR = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:8]


def dataset(suite: str, rows: int) -> Path:
    """The suite's generated file, made by a child process when missing: a child's
    ``ru_maxrss`` starts from its parent's peak, so the parent never holds data. Its name
    holds a digest of the generator's source, so a file of an older generator is never
    taken for one of this generator's."""
    path = DATA / f"{suite}_{rows}.{GENERATOR}.parquet"
    if not path.exists():
        print(f"generating {path.name}", flush=True)
        subprocess.run([sys.executable, HERE / "generate.py", path, suite, str(rows)], check=True)
    return path


def timed(command: list) -> dict:
    """Wall and CPU (user + system) seconds, exit code, peak RSS (MB) and stderr's last line
    of one child process."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read().decode(errors="replace").strip() if process.stderr else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    error = stderr.splitlines()[-1] if code > 1 and stderr else ""
    cpu = usage.ru_utime + usage.ru_stime
    numbers = {"seconds": seconds, "cpu": cpu, "rss": usage.ru_maxrss / 1024, "code": code}
    return numbers | {"load": load} | ({"error": error} if error else {})


def record(kind: str, suite: str, rows: int, numbers: dict, name: str = "") -> dict:
    entry = {"kind": kind, "suite": suite, "rows": rows, "name": name} | numbers
    entry["time"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")
    print(json.dumps(entry), flush=True)
    return entry


def validate(path: Path, suite: str, kind: str = "validate", *options: str) -> dict:
    """One ``synthgate validate`` run; another engine's also says whether its JSON result is
    byte for byte the one-worker run's."""
    command = [BIN / "synthgate", "validate", path, "--suite", suite, *SUITES[suite][1]]
    out = DATA / f"{path.stem}.{kind}.json"
    numbers = timed([*command, *options, "--quiet", "--json", out])
    single = DATA / f"{path.stem}.validate.json"
    if kind != "validate" and numbers["code"] <= 1 and single.exists():
        numbers["same"] = out.read_bytes() == single.read_bytes()
    return numbers


def baseline(name: str, path: Path, suite: str) -> dict:
    return timed([sys.executable, HERE / "baselines.py", name, path, SUITES[suite][0]])


def spark_missing() -> str:
    """Why Spark cannot be measured here, or '' when it can."""
    help_text = subprocess.run(
        [BIN / "synthgate", "validate", "--help"], capture_output=True, text=True
    ).stdout
    if "--spark-master" not in help_text:
        return "this synthgate has no `--engine spark --spark-master` (not merged yet)"
    probe = subprocess.run([sys.executable, "-c", "import pyspark"], capture_output=True)
    return "pyspark is not installed (pip install -e '.[spark]')" if probe.returncode else ""


def measure(args: argparse.Namespace, key: tuple, function: Callable, *inputs: object) -> None:
    """Run and record one measurement, unless this commit's results have it (``--again``)."""
    if key in args.done and not args.again:
        print(f"already measured: {key}", flush=True)
        return
    kind, suite, rows, name = key
    record(kind, suite, rows, function(*inputs), name)


def run_suite(suite: str, sizes: list[int], args: argparse.Namespace) -> None:
    for size in sizes:
        path = dataset(suite, size)
        measure(args, ("validate", suite, size, ""), validate, path, suite)
        if size > args.baselines_max:
            print(
                f"{suite} {size:,}: no baselines above --baselines-max {args.baselines_max:,} "
                "(the floor's Counter alone took 3.3 GB at 1M instruction rows)",
                flush=True,
            )
        else:
            for name in args.baselines:
                measure(args, ("baseline", suite, size, name), baseline, name, path, suite)
        if size in args.workers_sizes:
            measure(args, ("workers", suite, size, ""), validate, path, suite, "workers", *WORKERS)
        if size in args.spark_sizes:
            if reason := spark_missing():
                print(f"{suite} {size:,}: Spark skipped: {reason}", flush=True)
            else:
                measure(args, ("spark", suite, size, ""), validate, path, suite, "spark", *SPARK)


def best_of_3(measure: Callable[[], dict]) -> dict:
    return min((measure() for _ in range(3)), key=lambda t: t["seconds"])


def suites_command() -> dict:
    """The best of 3 wall times of ``synthgate suites``."""
    return best_of_3(lambda: timed([BIN / "synthgate", "suites"]))


def fixed_cost(suite: str) -> dict:
    """The best of 3 wall times of a 10-row validate: what any run of the suite pays before
    and beside its rows (imports, dictionaries, the sampled windows of its few texts)."""
    path = dataset(suite, FEW)
    return best_of_3(lambda: validate(path, suite, "startup"))


def slowest_imports() -> dict:
    """The slowest cumulative imports of ``import synthgate.cli``."""
    command = [sys.executable, "-X", "importtime", "-c", "import synthgate.cli"]
    stderr = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    imports = []
    for line in stderr.splitlines()[1:]:
        _, cumulative, module = (part.strip() for part in line.split("|"))
        imports.append({"module": module, "seconds": int(cumulative) / 1e6})
    return {"slowest": sorted(imports, key=lambda i: -i["seconds"])[:6]}


def run_startup(suites: list[str], args: argparse.Namespace) -> None:
    # An installed synthgate runs from bytecode (pip compiles it at install). This editable
    # tree's may be stale (a checkout since) and left so (PYTHONDONTWRITEBYTECODE): every run
    # would then compile ~40 modules again, ~0.15 s that is no start-up cost of synthgate's.
    compileall.compile_dir(ROOT / "src", quiet=1)
    measure(args, ("startup", "", 0, "synthgate suites"), suites_command)
    for suite in suites:
        measure(args, ("startup", suite, FEW, "validate 10 rows"), fixed_cost, suite)
        key = ("startup", suite, 1000, "validate 1k rows")
        measure(args, key, validate, dataset(suite, 1000), suite, "startup")
    measure(args, ("imports", "", 0, ""), slowest_imports)


def sizes(text: str) -> list[int]:
    return [int(size) for size in names(text)]


def names(text: str) -> list[str]:
    return [name for name in text.split(",") if name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument("--sizes", type=sizes, help="default 10k, 100k, 1M (and 10M: LARGE)")
    parser.add_argument("--baselines", default=",".join(BASELINES), type=names, metavar="NAMES")
    parser.add_argument("--baselines-max", type=int, default=MILLION, metavar="ROWS")
    parser.add_argument("--workers-sizes", type=sizes, default=[MILLION], metavar="SIZES")
    parser.add_argument("--spark-sizes", type=sizes, default=[MILLION], metavar="SIZES")
    parser.add_argument("--no-startup", dest="startup", action="store_false")
    parser.add_argument("--again", action="store_true", help="measure what was measured too")
    parser.add_argument("--report-only", action="store_true", help="rewrite BENCHMARKS.md only")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    args.done = latest()
    suites = args.suites.split(",")
    if not args.report_only:
        for suite in suites:
            default = [10_000, 100_000, MILLION] + ([10 * MILLION] if suite in LARGE else [])
            run_suite(suite, args.sizes or default, args)
        if args.startup:
            run_startup(suites, args)
    write_report(latest())


def latest() -> dict[tuple, dict]:
    """The last measurement of each kind, suite, size and name in this commit's results."""
    out: dict[tuple, dict] = {}
    if RESULTS.exists():
        for line in RESULTS.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            out[entry["kind"], entry["suite"], entry["rows"], entry["name"]] = entry
    return out


def speed(entry: dict | None) -> float | None:
    return entry["rows"] / entry["seconds"] if entry and entry["code"] <= 1 else None


def targets(results: dict[tuple, dict]) -> list[tuple[str, str, str]]:
    """Issue 14's targets: (target, measured value, "met" / "NOT met" / "not measured")."""

    def get(kind: str, suite: str, rows: int, name: str = "") -> dict:
        return results.get((kind, suite, rows, name)) or {"code": 2}

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a and b else None

    def seconds(entry: dict) -> float | None:
        return entry["seconds"] if entry["code"] <= 1 else None

    goals: list[tuple[str, float | None, str, float]] = []  # (target, value, min/max, bound)
    measured = [k for k in results if k[0] == "validate"]
    suites = [s for s in SUITES if any(k[1] == s for k in measured)]
    for suite in suites:
        ours = speed(get("validate", suite, MILLION))
        floor = speed(get("baseline", suite, MILLION, "floor"))
        goals.append((f"{suite}: speed / floor's at 1M rows", ratio(ours, floor), "min", 0.5))
        if suite in SPEED_TARGETS:
            goals.append((f"{suite}: rows/s at 1M rows", ours, "min", SPEED_TARGETS[suite]))
        rows = max((k[2] for k in results if k[:2] == ("workers", suite)), default=0)
        one, two = seconds(get("validate", suite, rows)), seconds(get("workers", suite, rows))
        name = f"at {rows:,} rows" if rows else "(none run)"
        goals.append((f"{suite}: --workers 2 speed-up {name}", ratio(one, two), "min", 1.7))
        largest = max(k[2] for k in measured if k[1] == suite)
        small, big = get("validate", suite, 100_000), get("validate", suite, largest)
        growth = ratio(big.get("rss"), small.get("rss")) if largest > 100_000 else None
        name = f"at {largest:,} rows" if largest > 100_000 else "at the largest size"
        goals.append((f"{suite}: peak RSS {name} / at 100k", growth, "max", 1.1))
    start = seconds(get("startup", "", 0, "synthgate suites"))
    goals.append(("start-up: `synthgate suites` seconds", start, "max", 1.0))
    for suite in suites:
        fixed = seconds(get("startup", suite, FEW, "validate 10 rows"))
        goals.append((f"start-up: {suite} {FEW}-row validate seconds", fixed, "max", 1.0))
    out = []
    for name, value, side, bound in goals:
        met = value is not None and (value >= bound if side == "min" else value < bound)
        verdict = "not measured" if value is None else "met" if met else "NOT met"
        shown = "" if value is None else f"{value:,.0f}" if value > 100 else f"{value:.2f}"
        out.append((f"{name} ({side} {bound:,})", shown, verdict))
    return out


def cell(entry: dict | None, ours: float | None = None) -> str:
    """A baseline's rows/s and peak RSS; with ``ours``, synthgate's speed as a ratio of it."""
    if entry is None:
        return ""
    if entry["code"] > 1:
        return f"failed: {entry.get('error', '')}".replace("|", "/")
    rate = speed(entry)
    if ours is not None:
        return f"{ours / rate:.2f}" if rate else ""
    return f"{rate:,.0f} ({entry['rss']:,.0f} MB)"


def tables(results: dict[tuple, dict]) -> tuple[list[str], list[str], list[str]]:
    """Lines of the synthgate table (with ratios), the baselines' table and the engines'."""
    ours_lines, peer_lines, engine_lines = [], [], []
    order = {suite: i for i, suite in enumerate(SUITES)}
    for key in sorted(results, key=lambda k: (order.get(k[1], -1), k[2])):
        kind, suite, rows, _ = key
        entry = results[key]
        if kind == "validate":
            ours = speed(entry)
            peers = [results.get(("baseline", suite, rows, name)) for name in BASELINES]
            shown = f"{ours:,.0f}" if ours else cell(entry)
            ratios = [cell(peer, ours) for peer in peers] if ours else [""] * len(peers)
            ours_lines.append(
                f"| {suite} | {rows:,} | {shown} | {entry['rss']:,.0f} | {entry['code']} | "
                + " | ".join(ratios)
                + " |"
            )
            if any(peers):
                peer_lines.append(f"| {suite} | {rows:,} | " + " | ".join(map(cell, peers)) + " |")
        elif kind in ("workers", "spark"):
            one = results.get(("validate", suite, rows, ""))
            gain = f"{one['seconds'] / entry['seconds']:.2f}" if one and entry["code"] <= 1 else ""
            label = "`--workers 2`" if kind == "workers" else "Spark `local[2]`"
            same = {True: "identical", False: "DIFFERENT"}.get(entry.get("same"), "")
            engine_lines.append(
                f"| {label} | {suite} | {rows:,} | {cell(entry)} | {gain} | {same} |"
            )
    return ours_lines, peer_lines, engine_lines


def startup_cell(entry: dict) -> str:
    """``suite N rows wall (CPU)`` of a start-up measurement (CPU when it was measured)."""
    rows = f" {entry['rows']:,} rows" if entry["rows"] else ""
    cpu = f" ({entry['cpu']:.2f})" if "cpu" in entry else ""
    return f"{entry['suite'] or entry['name']}{rows} {entry['seconds']:.2f}{cpu}"


def write_report(results: dict[tuple, dict]) -> None:
    """Replace this benchmark's section of BENCHMARKS.md (the text up to the next ``## ``)."""
    if not results:
        return
    ours, peers, engines = tables(results)
    times = sorted(e["time"] for e in results.values())
    loads = [e["load"] for e in results.values() if "load" in e]
    order = list(SUITES)
    startup = sorted(
        (e for k, e in results.items() if k[0] == "startup"),
        key=lambda e: (order.index(e["suite"]) if e["suite"] in order else -1, e["rows"]),
    )
    imports = results.get(("imports", "", 0, ""), {}).get("slowest", [])
    goals = targets(results)
    section = f"""{SECTION}

Generated by `make bench` (`bench/suites.py`) from the measurements of commit
{RESULTS.stem.removeprefix("results-")}, taken {times[0]} to {times[-1]} on {platform.machine()},
Python {platform.python_version()}, {os.cpu_count()} cores; 1-minute load average at the start of
each measurement {min(loads):.2f} to {max(loads):.2f}. Data: `bench/generate.py` (Parquet; texts
drawn from word Markov chains, order 2 backing off to 1, trained on `alpaca_5000_llm.jsonl`'s
fields, dialogue turns from one trained on the shared dialogue and simulation sets' utterances,
so texts share phrases as real ones do; lengths as in those sets within each column's range,
dialogues of the real sets' turn counts and turn lengths, up to 24 turns of up to 100 words; 2%
exact repeats). Each number is one fresh process (`synthgate validate ... --json`, or
one baseline of `bench/baselines.py` over the same file and text columns): wall time, start-up
included, and peak RSS (`ru_maxrss`). Exit 1 = the data failed the suite.

synthgate's speed, and that speed as a ratio of each baseline's (issue 14's target: at least
0.5 of the floor at 1M rows):

| suite | rows | synthgate rows/s | peak RSS MB | exit | / floor | / polars | / textstat | / datasketch | / gzip |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
{chr(10).join(ours)}

The baselines alone, rows/s (peak RSS):

| suite | rows | floor | polars (1 thread) | textstat | datasketch | gzip |
|---|---:|---:|---:|---:|---:|---:|
{chr(10).join(peers)}

Other engines, against one worker on the same file:

| engine | suite | rows | rows/s (peak RSS) | speed-up | JSON result |
|---|---|---:|---:|---:|---|
{chr(10).join(engines)}

Fixed start-up cost, wall (CPU) seconds: `synthgate suites` (best of 3), and per suite a
{FEW}-row validate (best of 3: the fixed cost, which the target judges) and beside it a 1k-row
validate (one run; 1k rows of work included: for dialogues ~8k turns):
{", ".join(map(startup_cell, startup))}. Slowest cumulative imports of `python -X importtime -c "import synthgate.cli"`:
{", ".join(f"{i['module']} {i['seconds']:.2f} s" for i in imports)}.

| target | measured | |
|---|---|---|
{chr(10).join(f"| {name} | {shown} | {verdict} |" for name, shown, verdict in goals)}
"""
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else "# Benchmarks\n"
    before, _, after = text.partition(f"\n{SECTION}\n")
    later = after[after.index("\n## ") :] if "\n## " in after else ""
    REPORT.write_text(f"{before.rstrip()}\n\n{section}{later}", encoding="utf-8")
    for name, shown, verdict in goals:
        print(f"target: {name}: {shown or '-'}: {verdict}")


if __name__ == "__main__":
    main()
