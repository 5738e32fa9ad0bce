"""Leave-one-corpus-out calibration of the built-in suites: ``make calibration``.

Runs every built-in suite over every human-made and LLM-made set in ``../shared/data/paper``:
each set alone, each human set in two seeded random halves (each half alone, and one half
against the other as reference), and each LLM set against every human reference that fits it
(same task and genre). Then, for every reference-free bound, it asks what a bound *fitted to
the human sets* would do to a human set it never saw: for each human column in turn, the
tightest bound that passes every *other* human column, and whether that column falls outside
it. A bound that cannot be fitted that way (some corpus always falls outside the others'
range) is a distribution shape, not a definition: it warns alone and fails only against a
reference. Writes ``docs/calibration.md``.

A *false alarm* is an error-severity failure on a human set (alone, a half, or against a human
reference) of an entry that reads only human-made columns; a *catch* is an error-severity
failure on an LLM set, or on an LLM-made column of a human set (the LLM outputs that humans
judged in a preference set). The script exits 1 when there is a false alarm or when an LLM set
that the paper says carries artifacts is not caught.

usage: python bench/calibration.py [--out docs/calibration.md] [--data ../shared/data/paper]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import synthgate
from synthgate.result import ExpectationResult, ValidationResult
from synthgate.roles import Codings
from synthgate.suite import load_suite

SEED = 0
P2C = Codings(choice_codes={"first": 0, "second": 1, "tie": 2})
PANDALM_HUMAN = Codings(choice_codes={"first": 1, "second": 2, "tie": 0})
PANDALM_JUDGE = Codings(
    choice_codes={"first": 1, "second": 2, "tie": "Tie"},
    reference_choice_codes={"first": 1, "second": 2, "tie": 0},
)
MODELS = ("baize", "koala", "llama2", "open_ai_gpt35turbo", "vicuna")


@dataclass
class Corpus:
    """One set of the shared data as a suite sees it."""

    name: str
    made_by: str  # "human" or "LLM"
    suite: str
    path: str
    """The file under the data root."""
    mapping: dict[str, str] = field(default_factory=dict)
    codings: Codings = field(default_factory=Codings)
    llm_roles: frozenset[str] = frozenset()
    """Roles of a human set that hold LLM-made text (outputs that humans judged)."""
    references: tuple[str, ...] = ()
    """Human corpora that fit this one as a reference (same task, same genre)."""
    artifacts: str = ""
    """For an LLM set: the finding of the paper it carries (it must be caught)."""
    cross_source: tuple[str, ...] = ()
    """Human corpora of the same genre but another source, compared for information only."""
    rows: str = "all"
    """``all`` rows; ``items``: one row per item; a model name: that model's rows; ``texts``:
    rows whose outputs are texts (six PandaLM rows hold JSON true)."""

    @property
    def source(self) -> str:
        return Path(self.path).name

    def load(self, root: Path) -> pd.DataFrame:
        frame = _read(root / self.path)
        if self.rows == "items":
            frame = frame.drop_duplicates("item_id")
        elif self.rows == "texts":
            frame = frame[
                frame[["output1", "output2"]].map(lambda v: isinstance(v, str)).all(axis=1)
            ]
        elif self.rows != "all":
            frame = frame[frame["model"] == self.rows]
        return frame.reset_index(drop=True)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path) if path.suffix == ".csv" else pd.read_json(path, lines=True)


def corpora() -> list[Corpus]:
    labels = "task_labels"
    out = [
        Corpus(
            "seed tasks", "human", "instructions", "instructions/self_instruct_seed_human.jsonl"
        ),
        Corpus(
            "seed outputs",
            "human",
            "free_text",
            "instructions/self_instruct_seed_human.jsonl",
            {"text": "output"},
        ),
        Corpus(
            "seed instructions",
            "human",
            "free_text",
            "instructions/self_instruct_seed_human.jsonl",
            {"text": "instruction"},
        ),
        Corpus(
            "eval answers (human)",
            "human",
            "free_text",
            "free_text/self_instruct_eval_text-davinci-003.jsonl",
            {"text": "human_text"},
            cross_source=("seed outputs",),
        ),
        Corpus(
            "GHC posts",
            "human",
            "free_text",
            "task_labels/ghc.jsonl",
            {"text": "text"},
            cross_source=("SBIC posts",),
            rows="items",
        ),
        Corpus(
            "SBIC posts",
            "human",
            "free_text",
            "task_labels/sbic.jsonl",
            {"text": "text"},
            cross_source=("GHC posts",),
            rows="items",
        ),
        Corpus("SGD dialogues", "human", "dialogues", "dialogues/sgd_dev_human.jsonl"),
        Corpus(
            "P2C votes",
            "human",
            "preferences",
            "preferences/p2c_subjective_pref_preferences.csv",
            codings=P2C,
        ),
        Corpus(
            "CoBBLEr votes",
            "human",
            "preferences",
            "preferences/human_cobbler_preferences.csv",
            codings=P2C,
            llm_roles=frozenset({"output1", "output2"}),
        ),
        Corpus(
            "PandaLM votes",
            "human",
            "preferences",
            "preferences/pandalm_test_human_vs_gpt35.jsonl",
            {"choice": "human_votes", "prompt": "instruction"},
            PANDALM_HUMAN,
            frozenset({"output1", "output2"}),
            rows="texts",
        ),
        Corpus(
            "GHC labels (human)",
            "human",
            labels,
            "task_labels/ghc.jsonl",
            {"label": "human_labels"},
            Codings(allowed_labels=(0, 1)),
            rows="items",
        ),
        Corpus(
            "SBIC labels (human)",
            "human",
            labels,
            "task_labels/sbic.jsonl",
            {"label": "human_labels"},
            Codings(allowed_labels=(0, 1, 2)),
            rows="items",
        ),
        Corpus(
            "Alpaca",
            "LLM",
            "instructions",
            "instructions/alpaca_5000_llm.jsonl",
            references=("seed tasks",),
            artifacts="§3 narrowed form, inconsistent inputs",
        ),
        Corpus(
            "Alpaca outputs",
            "LLM",
            "free_text",
            "instructions/alpaca_5000_llm.jsonl",
            {"text": "output"},
            references=("seed outputs",),
        ),
        Corpus(
            "eval answers (davinci)",
            "LLM",
            "free_text",
            "free_text/self_instruct_eval_text-davinci-003.jsonl",
            {"text": "llm_text"},
            references=("eval answers (human)",),
            artifacts="§5 less diverse, more repetitive",
        ),
        Corpus(
            "botbots restaurants",
            "LLM",
            "dialogues",
            "dialogues/botbots_restaurants_llm.jsonl",
            references=("SGD dialogues",),
            artifacts="§4 loops, low diversity",
        ),
        Corpus(
            "botbots flights",
            "LLM",
            "dialogues",
            "dialogues/botbots_flight_bookings_llm.jsonl",
            references=("SGD dialogues",),
            artifacts="§4 loops, low diversity",
        ),
        Corpus(
            "SPP logic grid (GPT-4)",
            "LLM",
            "dialogues",
            "simulations/spp_logic_grid_gpt4.jsonl",
            {"turns": "transcript", "outcome": "task_solved"},
            artifacts="§4 repetition in simulations",
        ),
        Corpus(
            "P2C GPT-3 votes",
            "LLM",
            "preferences",
            "preferences/p2c_generative_pref_preferences.csv",
            codings=P2C,
            references=("P2C votes",),
            artifacts="§2 tie inflation",
        ),
        Corpus(
            "PandaLM gpt-3.5 votes",
            "LLM",
            "preferences",
            "preferences/pandalm_test_human_vs_gpt35.jsonl",
            {"choice": "llm_judgement", "reference_choice": "human_votes", "prompt": "instruction"},
            PANDALM_JUDGE,
            artifacts="§2 invalid judgements",
            rows="texts",
        ),
    ]
    for path, allowed in (("ghc", (0, 1)), ("sbic", (0, 1, 2))):
        for model in MODELS:
            out.append(
                Corpus(
                    f"{path.upper()} {model} labels",
                    "LLM",
                    labels,
                    f"task_labels/{path}.jsonl",
                    {"label": "model_labels", "reference_label": "human_labels"},
                    Codings(allowed_labels=allowed),
                    artifacts="§1 label artifacts",
                    rows=model,
                )
            )
    return out


@dataclass
class Run:
    corpus: Corpus
    kind: str  # "alone", "half A", "half B", "halves", "vs <reference>"
    result: ValidationResult
    reference: Corpus | None = None

    @property
    def human(self) -> bool:
        return self.corpus.made_by == "human"

    @property
    def cross_source(self) -> bool:
        """Two human corpora of one genre from different sources: a difference is real, not a
        false alarm (a reference must come from the same population)."""
        return self.reference is not None and self.reference.name in self.corpus.cross_source

    def human_entry(self, r: ExpectationResult) -> bool:
        """Whether the entry judges a human-made column (its failure would be a false alarm):
        its ``role`` (the judgement of a preference, the text of a text entry)."""
        return self.human and _judged_role(self.corpus.suite, r.id) not in self.corpus.llm_roles

    def errors(self) -> list[ExpectationResult]:
        return [r for r in self.result.results if r.group is None and r.status == "failed"]

    def warnings(self) -> list[ExpectationResult]:
        return [r for r in self.result.results if r.group is None and r.status == "warning"]


def _judged_role(suite: str, entry_id: str) -> str:
    entry = next(e for e in load_suite(suite).entries if e.id == entry_id)
    return str(getattr(entry.expectation, "role", ""))


def _validate(
    corpus: Corpus,
    data: pd.DataFrame,
    reference: pd.DataFrame | None = None,
    reference_mapping: dict[str, str] | None = None,
) -> ValidationResult:
    return synthgate.validate(
        data,
        corpus.suite,
        mapping=corpus.mapping,
        reference=reference,
        reference_mapping=reference_mapping,
        codings=corpus.codings,
    )


def _halves(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    order = list(range(len(frame)))
    random.Random(SEED).shuffle(order)
    half = len(order) // 2
    return (
        frame.iloc[sorted(order[:half])].reset_index(drop=True),
        frame.iloc[sorted(order[half:])].reset_index(drop=True),
    )


def run_all(root: Path) -> list[Run]:
    runs: list[Run] = []
    table = {c.name: c for c in corpora()}
    frames = {name: corpus.load(root) for name, corpus in table.items()}
    for name, corpus in table.items():
        frame = frames[name]
        runs.append(Run(corpus, "alone", _validate(corpus, frame)))
        if corpus.made_by == "human":
            a, b = _halves(frame)
            runs.append(Run(corpus, "half A", _validate(corpus, a)))
            runs.append(Run(corpus, "half B", _validate(corpus, b)))
            runs.append(Run(corpus, "half A vs half B", _validate(corpus, a, b)))
        for ref_name in (*corpus.references, *corpus.cross_source):
            reference = table[ref_name]
            result = _validate(corpus, frame, frames[ref_name], reference.mapping)
            kind = f"vs {ref_name}" + (
                " (another source)" if ref_name in corpus.cross_source else ""
            )
            runs.append(Run(corpus, kind, result, reference))
        print(f"{name}: {sum(r.corpus is corpus for r in runs)} runs", file=sys.stderr)
    return runs


# --- leave one corpus out --------------------------------------------------------------------


def _bound_key(suite: str, r: ExpectationResult) -> str:
    """Entries of one text expectation with one bound are pooled across suites: opener
    concentration is one definition on instruction outputs, free text and utterances."""
    if r.expectation in TEXT_POOLED:
        return f"{r.expectation} {_bounds(r.bounds)}"
    return f"{suite}: {r.id}"


TEXT_POOLED = {
    "distinct_n",
    "compression_ratio",
    "opener_concentration",
    "gopher_repetition",
    "boilerplate_rate",
    "readability_spread",
    "length_spread",
    "excess_vocabulary",
    "duplicate_rate",
    "near_duplicate_rate",
}


@dataclass
class Loo:
    """One reference-free bound, the human values it meets, and what a fitted bound would do."""

    key: str
    bounds: dict[str, float | None]
    severity: str
    values: dict[str, float] = field(default_factory=dict)

    def fitted(self, leave_out: str) -> tuple[float | None, float | None]:
        """The tightest (min, max) that passes every human column but ``leave_out``."""
        others = [v for name, v in self.values.items() if name != leave_out]
        if not others:
            return None, None
        low = min(others) if self.bounds.get("min") is not None else None
        high = max(others) if self.bounds.get("max") is not None else None
        return low, high

    def flagged(self) -> list[str]:
        """Human columns that a bound fitted to the others would flag."""
        out = []
        for name, value in self.values.items():
            low, high = self.fitted(name)
            if (low is not None and value < low - 1e-12) or (
                high is not None and value > high + 1e-12
            ):
                out.append(name)
        return out


def leave_one_out(runs: list[Run]) -> dict[str, Loo]:
    table: dict[str, Loo] = {}
    for run in runs:
        if run.kind != "alone" or not run.human:
            continue
        for r in run.result.results:
            if r.group is not None or r.observed is None or not run.human_entry(r):
                continue
            if r.bounds.get("min") is None and r.bounds.get("max") is None:
                continue
            key = _bound_key(run.corpus.suite, r)
            loo = table.setdefault(key, Loo(key, r.bounds, r.severity))
            role = _judged_role(run.corpus.suite, r.id)
            column = r.columns.get(role, role)
            loo.values[f"{run.corpus.source} [{column}]"] = float(r.observed)
    return table


# --- report ------------------------------------------------------------------------------------


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if value == 0 or abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


def _bounds(b: dict[str, float | None]) -> str:
    low, high = b.get("min"), b.get("max")
    if low is not None and high is not None:
        return f"[{_fmt(low)}, {_fmt(high)}]"
    if low is not None:
        return f"≥ {_fmt(low)}"
    if high is not None:
        return f"≤ {_fmt(high)}"
    return "–"


def _severity(suite: str, entry_id: str) -> str:
    entry = next(e for e in load_suite(suite).entries if e.id == entry_id)
    alone, ref = entry.severity, entry.reference_severity or entry.severity
    return alone if alone == ref else f"{alone} alone, {ref} vs ref"


def report(runs: list[Run], seconds: float) -> tuple[str, int]:
    false_alarms = [
        (run, r) for run in runs if not run.cross_source for r in run.errors() if run.human_entry(r)
    ]
    differences = [run for run in runs if run.cross_source and run.errors()]
    missed = [
        run.corpus.name
        for run in runs
        if run.kind == "alone"
        and run.corpus.artifacts
        and not any(other.corpus is run.corpus and other.errors() for other in runs)
    ]
    lines = [
        "# Calibration: false alarms on human data, catches on LLM data",
        "",
        "Written by `make calibration` (`bench/calibration.py`) from `../shared/data/paper`; do not",
        f"edit by hand. {len(runs)} runs of the built-in suites in {seconds:.0f} s. Seeded (halves: "
        "`random.Random(0)`), so a rerun gives the same table.",
        "",
        "- **alone**: the set with no reference; **half A / half B**: a seeded random half of a human",
        "  set alone; **half A vs half B**: one half against the other as reference; **vs X**: the set",
        "  against the human set X as reference (same task and genre).",
        "- A **false alarm** is an error-severity failure of an entry that reads only human-made",
        "  columns of a human set. Target: none. A **catch** is an error-severity failure on LLM-made",
        "  data (an LLM set, or the LLM outputs that humans judged in a preference set).",
        "- Warnings (`!`) are reported and do not fail a run; distribution shapes warn alone by",
        '  design (see `docs/expectations.md`, "Which entries fail the run without a reference").',
        "",
        f"**Result: {len(false_alarms)} false alarm(s) at error severity on human data; "
        f"{len(missed)} LLM set(s) with the paper's artifacts not caught"
        + (f" ({', '.join(missed)})" if missed else "")
        + f"; {len(differences)} comparison(s) of two human corpora from different sources "
        "that differ (not false alarms: a reference must come from the same population).**",
        "",
        "## Every run",
        "",
        "| set | made by | suite | run | verdict | errors (✗) | warnings (!) |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        errors = ", ".join(
            f"{r.id}{' (LLM text)' if run.human and not run.human_entry(r) else ''}"
            for r in run.errors()
        )
        warnings = ", ".join(r.id for r in run.warnings())
        verdict = "PASSED" if run.result.success else "**FAILED**"
        lines.append(
            f"| {run.corpus.name} | {run.corpus.made_by} | {run.corpus.suite} | {run.kind} | "
            f"{verdict} | {errors or '–'} | {warnings or '–'} |"
        )
    lines += [
        "",
        "## Per entry",
        "",
        "Human runs: false alarms at error severity (✗) and warnings (!), by set. LLM runs: the",
        "sets caught at error severity, alone or against a reference.",
        "",
        "| suite | entry | severity | bounds | false alarms (human) | warnings (human) | catches (LLM) |",
        "|---|---|---|---|---|---|---|",
    ]
    per: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    bounds: dict[tuple[str, str], dict[str, float | None]] = {}
    for run in runs:
        for r in run.result.results:
            if r.group is not None:
                continue
            key = (run.corpus.suite, r.id)
            bounds[key] = r.bounds
            label = f"{run.corpus.name} ({run.kind})"
            if run.cross_source:
                continue
            if run.human and run.human_entry(r):
                if r.status == "failed":
                    per[key]["alarm"].add(label)
                elif r.status == "warning":
                    per[key]["warn"].add(label)
            elif r.status == "failed":
                per[key]["catch"].add(run.corpus.name)
    for suite in ("instructions", "free_text", "dialogues", "preferences", "task_labels"):
        for entry in load_suite(suite).entries:
            key = (suite, entry.id)
            seen = per.get(key, {})
            lines.append(
                f"| {suite} | {entry.id} | {_severity(suite, entry.id)} | {_bounds(entry.bounds)} | "
                f"{', '.join(sorted(seen.get('alarm', ()))) or 'none'} | "
                f"{len(seen.get('warn', ()))} | {', '.join(sorted(seen.get('catch', ()))) or '–'} |"
            )
    lines += [
        "",
        "## Reference-free bounds, each human column left out in turn",
        "",
        "For each bound, the value of every human column measured alone (the text expectations pooled",
        "over every suite that holds prose). *Flagged when left out*: the columns that a bound fitted",
        "to all the *other* human columns (their min or max) would flag. When some column is always",
        "outside the range of the others, the bound cannot be fitted to human data: it must come from",
        "a definition (boilerplate, placeholders, duplicates, loops: 0 in human text of any genre) or",
        "the entry must warn alone and fail only against a reference.",
        "",
        "| bound | shipped | severity alone | human values | flagged when left out |",
        "|---|---|---|---|---|",
    ]
    for key, loo in sorted(leave_one_out(runs).items()):
        values = "; ".join(
            f"{name} {_fmt(v)}" for name, v in sorted(loo.values.items(), key=lambda kv: kv[1])
        )
        flagged = loo.flagged()
        lines.append(
            f"| {key} | {_bounds(loo.bounds)} | {loo.severity} | {values} | "
            f"{', '.join(flagged) if flagged else 'none'} |"
        )
    return "\n".join(lines) + "\n", int(bool(false_alarms or missed))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/paper")
    parser.add_argument("--out", default="docs/calibration.md")
    args = parser.parse_args(argv)
    root = Path(args.data)
    if not root.is_dir():
        print(
            f"calibration: {root} not found (the shared data sits beside the project)",
            file=sys.stderr,
        )
        return 2
    start = time.perf_counter()
    runs = run_all(root)
    text, status = report(runs, time.perf_counter() - start)
    Path(args.out).write_text(text, "utf-8")
    print(f"calibration: wrote {args.out} ({len(runs)} runs)", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
