"""``synthgate validate --gx`` and ``synthgate gx export``: the CLI's Great Expectations side.

``synthgate.cli`` imports this module only when one of them runs: importing Great
Expectations takes seconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from synthgate import adapter
from synthgate.errors import SynthgateError
from synthgate.gx.project import context, run, save, suite
from synthgate.roles import Codings, parse_mapping
from synthgate.runner import resolve_columns
from synthgate.suite import Suite, load_suite

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _specs(
    args: argparse.Namespace, loaded: Suite, codings: Codings, columns: dict[str, str]
) -> list[adapter.Spec]:
    reference = None
    if args.reference:
        mapping = {**columns, **parse_mapping(getattr(args, "reference_map", []))}
        reference = adapter.reference_values(loaded, args.reference, mapping)
    return adapter.specs(
        loaded, columns, codings, reference, Path(args.reference).name if args.reference else ""
    )


def validate(
    args: argparse.Namespace,
    suite_name: str,
    mapping: dict[str, str],
    codings: Codings,
    console: Console,
) -> int:
    """Run the suite through a GX checkpoint; the exit code follows the checkpoint's success."""
    loaded = load_suite(suite_name)
    frame, dataset = adapter.frame(args.data)
    columns = resolve_columns(loaded, dataset, mapping)
    if "group" in columns:
        raise SynthgateError(
            "--gx validates the whole dataset: drop --map group=... (or run without --gx)"
        )
    ctx = context(args.gx_dir)
    save(ctx, suite(loaded.name, _specs(args, loaded, codings, columns)))
    result, page = run(ctx, loaded.name, frame)
    outcomes = [r for run_result in result.run_results.values() for r in run_result.results]
    statuses = [(r.result.get("details") or {}).get("status", "failed") for r in outcomes]
    unreadable = len(dataset.unreadable)
    share = unreadable / dataset.rows_read if dataset.rows_read else 0.0
    console.print(
        f"{dataset.name} · suite {loaded.name} · GX checkpoint "
        f"{'passed' if result.success else 'failed'}: "
        f"{statuses.count('passed')} passed, {statuses.count('failed')} failed, "
        f"{statuses.count('warning')} warnings, {statuses.count('skipped')} skipped",
        markup=False,
        soft_wrap=True,
    )
    if unreadable:
        console.print(
            f"{unreadable:,} unreadable rows ({share:.2%}) were not validated", markup=False
        )
    console.print(f"Data Docs: {page}", markup=False, soft_wrap=True)
    if all(s == "skipped" for s in statuses):
        raise SynthgateError("no expectation of the suite could be evaluated")
    # The checkpoint fails on any failed expectation; the run fails as synthgate's would: on
    # one whose severity, in the mode it was judged in (alone or compared), is error.
    failed = not result.success and "failed" in statuses
    return EXIT_FAILED if failed or share > args.max_unreadable else EXIT_OK


def export(args: argparse.Namespace, codings: Codings, console: Console) -> int:
    """Write the suite (with the reference's values embedded) into the GX project."""
    loaded = load_suite(args.suite)
    mapping = parse_mapping(args.map)
    columns = {role: mapping.get(role, loaded.columns.get(role, role)) for role in loaded.roles}
    ctx = context(args.gx_dir)
    save(ctx, suite(loaded.name, _specs(args, loaded, codings, columns)))
    console.print(
        f"GX suite: {Path(ctx.root_directory) / 'expectations' / f'{loaded.name}.json'}",
        markup=False,
        soft_wrap=True,
    )
    console.print(f"GX checkpoint: {loaded.name}", markup=False, soft_wrap=True)
    return EXIT_OK
