"""Outputs for CI: a Markdown summary (``--summary``, for ``$GITHUB_STEP_SUMMARY`` and pull
request comments) and GitHub Actions annotations (``::error``) for failed expectations."""

from __future__ import annotations

import html
import re
from pathlib import Path

from synthgate.report.console import header, verdict_line
from synthgate.report.format import explain, observed, one_line
from synthgate.result import ExpectationResult, ValidationResult

ICONS = {"passed": "✅", "failed": "❌", "warning": "⚠️", "skipped": "⏭️"}
_MARKDOWN = re.compile(r"([\\`*_\[\]|#~])")


def md(text: object) -> str:
    """Text of the data as inert Markdown: on one line, HTML escaped, markup characters quoted."""
    return _MARKDOWN.sub(r"\\\1", html.escape(one_line(text), quote=False))


def _cell(r: ExpectationResult | None) -> str:
    if r is None:
        return ""
    if r.success is None:
        return f"{ICONS['skipped']} skipped"
    return f"{ICONS[r.status]} {md(observed(r))}"


def markdown(result: ValidationResult, max_examples: int = 2) -> str:
    """The summary in GitHub-flavoured Markdown: the verdict, what failed, and every result
    (for grouped runs a table with one column per group)."""
    lines = [
        f"## synthgate: {'✅' if result.success else '❌'} {md(verdict_line(result))}",
        "",
        md(header(result)),
        "",
    ]
    problems = [r for r in result.results if r.status in ("failed", "warning")]
    if problems:
        lines += ["### What failed", ""]
        for r in problems:
            scope = f" (group {md(r.group)})" if r.group is not None else ""
            lines.append(f"- {ICONS[r.status]} **{md(r.id)}**{scope}: {md(explain(r))}")
            for ex in r.examples[:max_examples]:
                rows = ", ".join(map(str, ex.get("rows") or [ex["row"]]))
                lines.append(f"  - row {md(rows)}: {md(ex['excerpt'])}")
        lines.append("")
    groups = [g for g in dict.fromkeys(r.group for r in result.results) if g is not None]
    lines += ["### Every expectation", ""]
    if groups:
        cells = {(r.id, r.group): r for r in result.results}
        ids = list(dict.fromkeys(r.id for r in result.results))
        lines.append("| expectation | all | " + " | ".join(md(g) for g in groups) + " |")
        lines.append("|---" * (len(groups) + 2) + "|")
        for entry_id in ids:
            row = [_cell(cells.get((entry_id, g))) for g in [None, *groups]]
            lines.append(f"| {md(entry_id)} | " + " | ".join(row) + " |")
    else:
        lines += ["| status | expectation | observed |", "|---|---|---|"]
        for r in result.results:
            lines.append(f"| {ICONS[r.status]} {r.status} | {md(r.id)} | {md(explain(r))} |")
    return "\n".join(lines) + "\n"


def write_markdown(result: ValidationResult, path: str | Path) -> Path:
    """Append the summary to ``path`` (GitHub's step summary file is shared by every step)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(markdown(result))
    return path


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


LINE_NUMBERED = (".jsonl", ".ndjson", ".csv")
"""Formats whose rows are named by their line in the file (so an annotation can point there)."""


def github_annotations(result: ValidationResult) -> list[str]:
    """GitHub Actions workflow commands: ``::error`` per failed expectation, ``::warning`` per
    warning, pointing at the data file (and, for line-numbered formats, an example's line)."""
    path = str(result.dataset.get("path") or "")
    out = []
    for r in result.results:
        if r.status not in ("failed", "warning"):
            continue
        scope = f" (group {r.group})" if r.group is not None else ""
        props = [f"title={_escape_property(one_line(f'synthgate {r.id}{scope}'))}"]
        if path:
            props.insert(0, f"file={_escape_property(path)}")
            if r.examples and path.lower().endswith(LINE_NUMBERED):
                props.insert(1, f"line={int(r.examples[0]['row'])}")
        kind = "error" if r.status == "failed" else "warning"
        message = one_line(f"{r.id}{scope}: {explain(r)}")
        out.append(f"::{kind} {','.join(props)}::{_escape_data(message)}")
    return out
