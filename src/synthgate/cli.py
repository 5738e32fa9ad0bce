"""The ``synthgate`` command.

Exit codes: 0 every error-severity expectation passed; 1 one failed; 2 a usage or input error
(printed as one line, never a traceback). An unexpected exception is a bug: it too ends as one
line on stderr and exit code 2 (never 1, which CI reads as "the data failed"), with the
traceback only under ``--debug``.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TimeRemainingColumn

from synthgate import scorers
from synthgate.engine import engine_for
from synthgate.errors import SynthgateError
from synthgate.expectations import REGISTRY
from synthgate.infer import infer_suite
from synthgate.output import check_outputs, write_atomic
from synthgate.report.console import print_result, safe, write_lines
from synthgate.report.format import plain
from synthgate.report.summary import github_annotations, write_markdown
from synthgate.roles import PAIR_ORDERS, Codings, parse_label_list, parse_mapping
from synthgate.runner import validate
from synthgate.spark import SparkEngine
from synthgate.suite import builtin_suites, load_suite

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
ISSUE_TRACKER = "the synthgate issue tracker"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise SynthgateError(message)


def _add_data_options(parser: argparse.ArgumentParser, suite_required: bool = True) -> None:
    """The options that say what the data is: shared by validate and calibrate."""
    parser.add_argument(
        "data", help="JSON Lines, JSON, CSV, Parquet file, or a datasets.save_to_disk directory"
    )
    parser.add_argument(
        "--suite",
        required=suite_required,
        help="built-in suite name or path to a suite YAML"
        + ("" if suite_required else " (default: inferred from the column names)"),
    )
    parser.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="ROLE=COLUMN",
        help="column for a role (repeatable)",
    )
    parser.add_argument(
        "--allowed-labels", help="valid labels, e.g. 0,1,2 (default: those in the reference)"
    )
    parser.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--choice-codes", help="codes of a pairwise judgement, e.g. first=A,second=B,tie=T"
    )
    parser.add_argument(
        "--reference-choice-codes",
        help="codes of the human judgements when they differ, e.g. first=1,second=2,tie=0",
    )
    parser.add_argument(
        "--order",
        choices=PAIR_ORDERS,
        default="unknown",
        help="'randomized' when the order of each pair's outputs was randomized "
        "(position bias is judged alone only then)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="synthgate", description="Test LLM-generated datasets before training on them."
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an unexpected error"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("validate", help="validate a dataset against a suite")
    _add_data_options(run, suite_required=False)
    run.add_argument("--reference", help="human dataset to compare with")
    run.add_argument(
        "--reference-map",
        action="append",
        default=[],
        metavar="ROLE=COLUMN",
        help="column for a role in the reference",
    )
    run.add_argument(
        "--max-unreadable",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="share (0-1) of unreadable rows allowed before the run fails (default 0)",
    )
    run.add_argument(
        "--clean",
        metavar="OUT",
        help="write the rows that pass every error-severity row check here (needs --quarantine)",
    )
    run.add_argument(
        "--quarantine",
        metavar="OUT",
        help="write the other rows here, with synthgate_reasons (needs --clean)",
    )
    run.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="compute metrics in N processes (partitions merged; the same result; default 1)",
    )
    run.add_argument(
        "--engine",
        choices=("local", "spark"),
        default="local",
        help="compute metrics in this process (local, the default; --workers N for N "
        "processes) or with Spark (pip install 'synthgate[spark]'; the same result)",
    )
    run.add_argument(
        "--spark-master",
        metavar="URL",
        help="the Spark master for --engine spark (default local[*], or spark-submit's)",
    )
    run.add_argument(
        "--detoxify-checkpoint",
        metavar="PATH",
        help="detoxify weights for the toxicity expectations: a checkpoint file, or a directory "
        "with one *.ckpt and its Hugging Face config and tokenizer files",
    )
    run.add_argument("--json", metavar="OUT", help="write the result as JSON")
    run.add_argument("--report", metavar="OUT.html", help="write the HTML report")
    run.add_argument(
        "--summary",
        metavar="OUT.md",
        help="append a Markdown summary (e.g. to $GITHUB_STEP_SUMMARY)",
    )
    run.add_argument(
        "--quiet",
        action="store_true",
        help="print only what failed (one line each) and the verdict",
    )
    _add_gx_options(run, sub)

    cal = sub.add_parser("calibrate", help="derive a suite's bounds from human data")
    _add_data_options(cal)
    cal.add_argument(
        "--out", required=True, metavar="SUITE.yml", help="where to write the calibrated suite"
    )
    cal.add_argument(
        "--replicates", type=int, default=30, help="random splits into halves (default 30)"
    )
    cal.add_argument(
        "--percentile", type=float, default=1.0, help="tail percentile for bounds (default 1)"
    )

    models = sub.add_parser("models", help="model weights used by some expectations")
    models_sub = models.add_subparsers(dest="action", required=True, parser_class=_Parser)
    download = models_sub.add_parser(
        "download", help="fetch detoxify's weights into its cache (needs internet access)"
    )
    download.add_argument(
        "--model",
        default="original",
        help="detoxify model (default original; also unbiased, "
        "multilingual, original-small, unbiased-small)",
    )

    sub.add_parser("suites", help="list the built-in suites")
    sub.add_parser("expectations", help="list every expectation with its documentation")
    return parser


# --- Great Expectations (synthgate.gx is imported only when used) ----------------------------


def _add_gx_options(run: argparse.ArgumentParser, sub: argparse._SubParsersAction) -> None:
    run.add_argument(
        "--gx", action="store_true", help="run the suite as a Great Expectations checkpoint"
    )
    gx_dir: dict[str, Any] = {
        "default": "gx",
        "metavar": "DIR",
        "help": "the GX project (default ./gx)",
    }
    run.add_argument("--gx-dir", **gx_dir)
    gx = sub.add_parser("gx", help="Great Expectations: export a suite")
    export = gx.add_subparsers(
        dest="gx_command", required=True, metavar="export", parser_class=_Parser
    ).add_parser("export", help="write a suite as a GX expectation suite (and its checkpoint)")
    export.add_argument("--suite", required=True, help="built-in suite name or suite YAML")
    export.add_argument("--reference", help="human dataset whose values the suite embeds")
    for option in ("--map", "--reference-map"):
        export.add_argument(option, action="append", default=[], metavar="ROLE=COLUMN")
    for option in ("--allowed-labels", "--choice-codes", "--reference-choice-codes"):
        export.add_argument(option)
    export.add_argument("--order", choices=PAIR_ORDERS, default="unknown")
    export.add_argument("--gx-dir", **gx_dir)


def _gx(
    args: argparse.Namespace,
    console: Console,
    suite: str | None = None,
    mapping: dict[str, str] | None = None,
) -> int:
    try:
        from synthgate.gx import cli as gx_cli
    except ImportError as error:
        raise SynthgateError(
            f"Great Expectations is not installed ({error}): pip install 'synthgate[gx]'"
        ) from None
    if args.command == "gx":
        return gx_cli.export(args, _codings(args), console)
    if args.json or args.report or args.summary or args.clean:
        raise SynthgateError(
            "--gx writes GX Data Docs; --json, --report, --summary and --clean run without --gx"
        )
    return gx_cli.validate(args, suite or args.suite, mapping or {}, _codings(args), console)


# ------------------------------------------------------------------------------------------


def _codings(args: argparse.Namespace) -> Codings:
    """How labels and judgements are coded, from the command line."""
    choice = args.choice_codes
    reference = args.reference_choice_codes
    return Codings(
        allowed_labels=tuple(parse_label_list(args.allowed_labels))
        if args.allowed_labels is not None
        else None,
        **({"choice_codes": Codings.parse_choice_codes(choice)} if choice else {}),
        reference_choice_codes=Codings.parse_choice_codes(reference, "--reference-choice-codes")
        if reference
        else None,
        pair_order=args.order,
    )


def _validate(args: argparse.Namespace, console: Console) -> int:
    if not 0 <= args.max_unreadable <= 1:
        raise SynthgateError("--max-unreadable is a share between 0 and 1")
    if (args.clean is None) != (args.quarantine is None):
        raise SynthgateError("--clean and --quarantine go together")
    check_outputs(
        {
            "--json": args.json,
            "--report": args.report,
            "--summary": args.summary,
            "--clean": args.clean,
            "--quarantine": args.quarantine,
        },
        [args.data, args.reference],
    )
    if args.engine == "spark" and args.workers != 1:
        raise SynthgateError("--workers is for the local engine; Spark runs on its master's cores")
    if args.spark_master and args.engine != "spark":
        raise SynthgateError("--spark-master goes with --engine spark")
    engine = SparkEngine(args.spark_master) if args.engine == "spark" else engine_for(args.workers)
    codings = _codings(args)
    mapping = parse_mapping(args.map)
    suite = args.suite
    if suite is None:
        inference = infer_suite(engine.open(args.data).columns, args.data)
        suite, mapping = inference.suite, {**inference.mapping, **mapping}
        print(f"synthgate: {plain(inference.describe())}", file=sys.stderr)
    if args.gx:
        return _gx(args, console, suite, mapping)
    suite = load_suite(suite) if isinstance(suite, str) else suite
    if args.detoxify_checkpoint:
        if not Path(args.detoxify_checkpoint).exists():
            raise SynthgateError(f"--detoxify-checkpoint {args.detoxify_checkpoint}: no such file")
        suite = suite.with_parameter("detoxify_checkpoint", args.detoxify_checkpoint)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("validating", total=None)
        result = validate(
            args.data,
            suite,
            mapping=mapping,
            reference=args.reference,
            reference_mapping=parse_mapping(args.reference_map),
            codings=codings,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            max_unreadable=args.max_unreadable,
            engine=engine,
        )
    counts = None
    if args.clean:
        from synthgate.split import split

        counts = split(
            args.data, suite, args.clean, args.quarantine, mapping=mapping, codings=codings
        )
    # Render every output before writing any: a failure leaves no output of this run.
    outputs = [(args.json, result.to_json())] if args.json else []
    if args.report:
        from synthgate.report.html import render_html  # jinja2 and markdown-it: only here

        outputs.append((args.report, render_html(result)))
    for path, text in outputs:
        write_atomic(path, text)
    if args.summary:
        write_markdown(result, args.summary)
    code = EXIT_OK if result.success else EXIT_FAILED
    if not result.checked:
        skipped = next((r for r in result.results if r.reason), None)
        why = f" (e.g. {skipped.id}: {skipped.reason})" if skipped else ""
        print(
            f"synthgate: error: no expectation of the suite could be evaluated{why}",
            file=sys.stderr,
        )
        code = EXIT_USAGE
    try:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for line in github_annotations(result):
                print(line)
        if console.is_terminal and not args.quiet:
            print_result(result, console)
        else:  # CI logs, pipes: one line per expectation, never wrapped
            write_lines(result, sys.stdout, only_problems=args.quiet)
        if counts is not None:
            print(
                f"{counts.clean:,} clean rows: {plain(args.clean)}; {counts.quarantined:,} "
                f"quarantined ({counts.unreadable:,} unreadable): {plain(args.quarantine)}"
            )
        written = ("JSON result", args.json), ("HTML report", args.report)
        for what, path in (*written, ("Markdown summary", args.summary)):
            if path:
                print(f"{what}: {plain(path)}")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head: the verdict still stands
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (keeps Python quiet at exit)
    return code


def _calibrate(args: argparse.Namespace, console: Console) -> int:
    if not 2 <= args.replicates <= 10_000 or not 0 <= args.percentile < 50:
        raise SynthgateError("--replicates must be in [2, 10000] and --percentile in [0, 50)")
    check_outputs({"--out": args.out}, [args.data])
    from synthgate.calibrate import calibrate

    result = calibrate(
        args.data,
        args.suite,
        mapping=parse_mapping(args.map),
        codings=_codings(args),
        replicates=args.replicates,
        percentile=args.percentile,
    )
    write_atomic(args.out, result.to_yaml())
    for entry_id, override in result.overrides.items():
        parts = [
            f"{key} "
            + ", ".join(
                f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items()
            )
            for key, value in override.items()
        ]
        console.print(plain(f"{entry_id}: {'; '.join(parts)}"), markup=False)
    console.print(
        f"calibrated suite: {safe(args.out)} ({result.replicates} splits of {result.rows:,} rows)"
    )
    return EXIT_OK


def _download(args: argparse.Namespace, console: Console) -> int:
    """Fetch detoxify's weights; any failure (no network, say) is one line and exit 2."""
    try:
        path = scorers.download(args.model)
    except ValueError as error:
        raise SynthgateError(str(error)) from None
    except Exception as error:  # urllib, torch hub and Hugging Face errors alike
        raise SynthgateError(
            f"could not download detoxify's '{args.model}' weights: {scorers.one_line(error)} "
            "(this needs internet access; see docs/toxicity.md to copy the weights instead)"
        ) from None
    console.print(f"detoxify '{args.model}' weights: {path}", markup=False)
    return EXIT_OK


def _list_suites(console: Console) -> int:
    for name, description in builtin_suites().items():
        console.print(f"[bold]{name}[/]: {description}")
    return EXIT_OK


def _list_expectations(console: Console) -> int:
    for name, cls in sorted(REGISTRY.items()):
        params = ", ".join(f"{k}={v!r}" for k, v in cls.parameters().items())
        console.print(f"[bold]{name}[/]({params})")
        console.print(f"  {cls.doc()}", highlight=False)
    return EXIT_OK


def _error(message: str) -> int:
    print(f"synthgate: error: {plain(message)}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    console = Console(highlight=False)
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = _parser().parse_args(argv)
        if args.command == "validate":
            return _validate(args, console)
        if args.command == "calibrate":
            return _calibrate(args, console)
        if args.command == "gx":
            return _gx(args, console)
        if args.command == "models":
            return _download(args, console)
        if args.command == "suites":
            return _list_suites(console)
        return _list_expectations(console)
    except SynthgateError as error:
        return _error(str(error))
    except OSError as error:
        return _error(f"{error.strerror or error}: {error.filename or ''}".rstrip(": "))
    except KeyboardInterrupt:
        print("synthgate: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (Exception, RecursionError) as error:  # the last resort: a bug, not bad data
        if "--debug" in argv:
            traceback.print_exc()
        return _error(
            f"internal error ({type(error).__name__}: {str(error)[:200]}); this is a bug: please report it "
            f"to {ISSUE_TRACKER} with the command line"
            + ("" if "--debug" in argv else " and the traceback that --debug prints")
        )


if __name__ == "__main__":
    sys.exit(main())
