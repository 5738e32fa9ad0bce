"""The terminal report: a table of results, failing examples, and the verdict (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from synthgate.report.format import bounds, observed, plain
from synthgate.result import ValidationResult

STYLES = {"passed": "green", "failed": "bold red", "warning": "yellow", "skipped": "dim"}


def safe(text: object) -> str:
    """Data or a file name as rich markup that prints literally: no markup, no escape codes."""
    return escape(plain(text))


def print_result(result: ValidationResult, console: Console, max_examples: int = 3) -> None:
    info = result.dataset
    console.print(
        f"[bold]{safe(info['path'])}[/] · suite [bold]{safe(result.suite)}[/] · "
        f"{info['rows_validated']:,} rows validated, {info['rows_unreadable']:,} unreadable"
    )
    for item in info["unreadable"][:5]:
        console.print(f"  [yellow]unreadable row {item['row']}[/]: {safe(item['reason'])}")
    if info["rows_unreadable"] > 5:
        console.print(f"  … and {info['rows_unreadable'] - 5:,} more (see --json)")
    table = Table(show_lines=False, expand=False)
    table.add_column("status")
    table.add_column("expectation", overflow="fold")
    table.add_column("group", overflow="fold")
    table.add_column("observed [95% CI]")
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
            for ex in r.examples[:max_examples]:
                rows = ex.get("rows", [ex["row"]])
                console.print(
                    f"  row {', '.join(map(str, rows))}: {plain(ex['excerpt'])}",
                    markup=False,
                    highlight=False,
                )
    print_verdict(result, console)


def print_verdict(result: ValidationResult, console: Console) -> None:
    """One line: the verdict, the counts, and the unreadable rows."""
    stats = result.statistics
    verdict = f"[bold {'green' if result.success else 'red'}]{result.verdict}[/]"
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
    console.print(
        f"{verdict} · {stats['passed']} passed, {stats['failed']} failed, "
        f"{stats['warnings']} warnings, {stats['skipped']} skipped{escape(rows)}"
    )
