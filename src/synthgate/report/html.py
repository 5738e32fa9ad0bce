"""The HTML validation report (jinja2): one self-contained page a person wants to read.

At the top the verdict and what failed in plain words; for a grouped run a table with one
column per group; then one section per expectation with its value against the bounds and the
reference, charts (inline SVG, ``charts``), examples shown by kind (duplicate clusters,
openers with their counts, turns of a dialogue, labels with their rows) and a link to the
documentation of its finding, embedded at the end (``docs``). Nothing is fetched from the
network. Every string of the data goes through jinja2's autoescaping; charts are SVG that
matplotlib escapes. Examples are capped, so the size does not grow with the rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from synthgate.output import write_atomic
from synthgate.report import charts, docs
from synthgate.report.format import (
    GLOSSARY,
    STATISTICS,
    allowed,
    bounds,
    explain,
    headline,
    interval,
    limits,
    measures,
    number,
    observed,
    p_value,
    percent,
    value,
)
from synthgate.result import ExpectationResult, ValidationResult

MAX_GROUP_EXAMPLES = 3
"""Examples shown for each failing group (the whole data's are shown in full)."""
MAX_CHART_GROUPS = 40
"""Groups drawn in a per-group chart (a run allows up to 200)."""


@dataclass
class Example:
    """One example, shaped for showing: ``kind`` picks how the template draws it."""

    kind: str  # opener, ngram, cluster, turn, row
    row: int
    rows: list[int]
    text: str
    count: int | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    before: list[dict[str, str]] = field(default_factory=list)
    """For a turn: the turns before it in its dialogue ({speaker, text})."""


@dataclass
class Section:
    """One expectation of the suite: the whole data's result and each group's."""

    id: str
    anchor: str
    overall: ExpectationResult
    groups: list[ExpectationResult]
    charts: list[Markup]
    examples: list[Example]
    group_examples: list[tuple[str, list[Example]]]
    docs: list[docs.Section]

    @property
    def problems(self) -> list[ExpectationResult]:
        return [r for r in [self.overall, *self.groups] if r.status in ("failed", "warning")]

    @property
    def status(self) -> str:
        """The worst status over the whole data and the groups."""
        statuses = {r.status for r in [self.overall, *self.groups]}
        for status in ("failed", "warning", "passed"):
            if status in statuses:
                return status
        return "skipped"


NGRAM = re.compile(r"^“(.*)” ×[\d,]+ in the sample$", re.DOTALL)
SHOWN = {"row", "rows", "excerpt", "count", "opener", "share", "reference_share", "before"}


def _example(ex: dict[str, Any]) -> Example:
    rows = [int(r) for r in (ex.get("rows") or [ex["row"]])]
    notes = {k: v for k, v in ex.items() if k not in SHOWN and v is not None}
    if "problem" in notes:  # the problem says it in words: "21% of n-grams repeat a turn"
        notes.pop("value", None)
    text = str(ex.get("excerpt", ""))
    if "opener" in ex:
        notes = {k: ex.get(k) for k in ("opener", "share", "reference_share")}
        text = re.sub(r'^".*?" opens [^:]*: ', "", text)  # the table says it
        return Example("opener", int(ex["row"]), rows, text, ex.get("count"), notes)
    if "turn" in ex or "speaker" in ex:
        before = [b for b in ex.get("before") or [] if isinstance(b, dict)]
        return Example("turn", int(ex["row"]), rows, text, ex.get("count"), notes, before)
    gram = NGRAM.match(text)
    if gram and ex.get("count") is not None:  # counted in the sampled text, not rows
        return Example("ngram", int(ex["row"]), rows, gram.group(1), ex.get("count"), notes)
    if ex.get("count") is not None and len(rows) > 1:
        return Example("cluster", int(ex["row"]), rows, text, ex.get("count"), notes)
    return Example("row", int(ex["row"]), rows, text, ex.get("count"), notes)


def _anchor(text: str) -> str:
    return "exp-" + re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def _sections(result: ValidationResult) -> list[Section]:
    by_id: dict[str, list[ExpectationResult]] = {}
    for r in result.results:
        by_id.setdefault(r.id, []).append(r)
    sections = []
    for entry_id, results in by_id.items():
        overall = next((r for r in results if r.group is None), results[0])
        groups = [r for r in results if r.group is not None]
        drawn = charts.for_result(overall)
        if groups:
            chart = charts.groups([overall, *groups[:MAX_CHART_GROUPS]])
            drawn += [chart] if chart else []
        cited = [docs.expectation_section(overall.expectation)] + [
            docs.finding_section(n) for n in docs.cited(overall.finding)
        ]
        sections.append(
            Section(
                entry_id,
                _anchor(entry_id),
                overall,
                groups,
                [Markup(svg) for svg in drawn],  # SVG that matplotlib drew and escaped
                [_example(ex) for ex in overall.examples],
                [
                    (str(g.group), [_example(ex) for ex in g.examples[:MAX_GROUP_EXAMPLES]])
                    for g in groups
                    if g.status in ("failed", "warning") and g.examples
                ],
                [d for d in cited if d is not None],
            )
        )
    return sections


def _cite(finding: str) -> Markup:
    """The finding with each "§N" linked to its embedded FINDINGS.md section."""
    return Markup(
        docs.CITATION.sub(
            lambda m: f'<a href="#finding-{m.group(1)}">§{m.group(1)}</a>', str(escape(finding))
        )
    )


def _statistic(result: ExpectationResult) -> str:
    """The comparison: its statistic's value, what is allowed, the p-value, and what the
    statistic means."""
    c = result.comparison
    if not c:
        return ""
    name = STATISTICS.get(c["statistic"], c["statistic"])
    text = f"{name} {number(c['value'])}, allowed {allowed(c)}"
    text += f" ({p_value(c['p_value'])})" if c.get("p_value") is not None else ""
    return f"{text}. {name[0].upper() + name[1:]}: {GLOSSARY.get(c['statistic'], '')}."


def render_html(result: ValidationResult) -> str:
    env = Environment(
        loader=PackageLoader("synthgate.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=number,
        bounds=bounds,
        observed=observed,
        explain=explain,
        in_words=lambda r: explain(r, technical=False),
        measures=measures,
        headline=headline,
        interval=interval,
        limits=limits,
        value=lambda r: value(r, r.observed),
        reference_value=lambda r: value(r, r.reference),
        cite=_cite,
        statistic=_statistic,
        anchor=_anchor,
        percent=percent,
    )
    sections = _sections(result)
    cited: dict[str, docs.Section] = {}
    for section in sections:
        for doc in section.docs:
            cited.setdefault(doc.anchor, doc)
    groups = [g for g in dict.fromkeys(r.group for r in result.results) if g is not None]
    return env.get_template("report.html.j2").render(
        result=result,
        sections=sections,
        groups=groups,
        cells={(r.id, r.group): r for r in result.results},
        docs=sorted(cited.values(), key=lambda d: (d.source, d.anchor)),
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_html(result: ValidationResult, path: str | Path) -> Path:
    return write_atomic(path, render_html(result))
