"""The terminal report: a rich table in a terminal, one line per expectation elsewhere (CI logs).

Without a terminal, rich would wrap the table at 80 columns and split names mid-word; there
every expectation is one line that starts with its status (``grep ^failed``), then its id,
its group and what was seen in plain words, never wrapped or cut.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from synthgate.report.format import bounds, explain, observed, one_line, plain
from synthgate.result import ExpectationResult, ValidationResult

STYLES = {"passed": "green", "failed": "bold red", "warning": "yellow", "skipped": "dim"}


def safe(text: object) -> str:
    """Data or a file name as rich markup that prints literally: no markup, no escape codes."""
    return escape(plain(text))


def header(result: ValidationResult) -> str:
    """What was validated: the file, the suite, the rows."""
    info = result.dataset
    return (
        f"{info['path']} · suite {result.suite} · "
        f"{info['rows_validated']:,} rows validated, {info['rows_unreadable']:,} unreadable"
    )


def verdict_line(result: ValidationResult) -> str:
    """One line: the verdict, the counts, and the unreadable rows."""
    stats = result.statistics
    unreadable = result.dataset["rows_unreadable"]
    readable = result.readable
    rows = ""
    if unreadable:
        rows = f" · {unreadable:,} unreadable rows ({readable['share']:.2%}"
        rows += (
            ", allowed)"
            if readable["success"]
            else f", more than --max-unreadable {readable['max']:g})"
        )
    return (
        f"{result.verdict} · {stats['passed']} passed, {stats['failed']} failed, "
        f"{stats['warnings']} warnings, {stats['skipped']} skipped{rows}"
    )


def result_line(r: ExpectationResult) -> str:
    """One expectation on one line: ``failed  ID (group G): what was seen``."""
    scope = f" (group {r.group})" if r.group is not None else ""
    return f"{r.status:<8}" + one_line(f"{r.id}{scope}: {explain(r)}")


def example_lines(r: ExpectationResult, count: int) -> list[str]:
    """Up to ``count`` example rows of a result, one line each, indented under it."""
    out = []
    for ex in r.examples[:count]:
        rows = ", ".join(map(str, ex.get("rows") or [ex["row"]]))
        out.append("    e.g. row " + one_line(f"{rows}: {ex['excerpt']}"))
    return out


def unreadable_lines(result: ValidationResult, count: int = 5) -> list[str]:
    info = result.dataset
    lines = [
        "  unreadable row " + one_line(f"{item['row']}: {item['reason']}")
        for item in info["unreadable"][:count]
    ]
    if info["rows_unreadable"] > count:
        lines.append(f"  … and {info['rows_unreadable'] - count:,} more (see --json)")
    return lines


def write_lines(
    result: ValidationResult, out: TextIO, only_problems: bool = False, max_examples: int = 2
) -> None:
    """The report as plain lines (no terminal): one per expectation, then the verdict.

    ``only_problems`` keeps the failed expectations (with one example each) and warnings
    (``--quiet``, ``make demo``).
    """
    lines = [one_line(header(result)), *unreadable_lines(result)]
    for r in result.results:
        if only_problems and r.status not in ("failed", "warning"):
            continue
        lines.append(result_line(r))
        if r.status == "failed" or (r.status == "warning" and not only_problems):
            lines += example_lines(r, 1 if only_problems else max_examples)
    lines.append(verdict_line(result))
    out.write("\n".join(lines) + "\n")


def print_result(result: ValidationResult, console: Console, max_examples: int = 3) -> None:
    """The report for a terminal: a table of every result, examples of failures, the verdict."""
    console.print(safe(header(result)), highlight=False)
    for line in unreadable_lines(result):
        console.print(line, markup=False, highlight=False)
    table = Table(show_lines=False, expand=False)
    table.add_column("status")
    table.add_column("expectation", overflow="fold")
    table.add_column("group", overflow="fold")
    table.add_column("observed")
    table.add_column("judged by")
    for r in result.results:
        table.add_row(
            f"[{STYLES[r.status]}]{r.status}[/]",
            safe(r.id),
            safe(r.group or "all"),
            safe(observed(r)),
            safe(bounds(r) if r.success is not None else (r.reason or "")),
        )
    console.print(table)
    for r in result.results:
        if r.status in ("failed", "warning") and r.examples:
            scope = f" ({r.group})" if r.group else ""
            console.print(f"[bold]{safe(r.id + scope)}[/]: {safe(r.finding)}")
            for line in example_lines(r, max_examples):
                console.print(line, markup=False, highlight=False)
    print_verdict(result, console)


def print_verdict(result: ValidationResult, console: Console) -> None:
    """The verdict line, in colour."""
    colour = "green" if result.success else "red"
    text = escape(verdict_line(result))
    console.print(f"[bold {colour}]{text[: len(result.verdict)]}[/]{text[len(result.verdict) :]}")
