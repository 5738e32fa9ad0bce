"""The HTML validation report (jinja2), one self-contained page."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from jinja2 import Environment, PackageLoader

from synthgate.output import write_atomic
from synthgate.report.format import bounds, number, observed
from synthgate.result import ValidationResult


def render_html(result: ValidationResult) -> str:
    env = Environment(loader=PackageLoader("synthgate.report", "templates"), autoescape=True)
    env.filters.update(number=number, bounds=bounds, observed=observed)
    scopes: dict[str | None, list] = {}
    for r in result.results:
        scopes.setdefault(r.group, []).append(r)
    return env.get_template("report.html.j2").render(
        result=result,
        scopes=scopes,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_html(result: ValidationResult, path: str | Path) -> Path:
    return write_atomic(path, render_html(result))
