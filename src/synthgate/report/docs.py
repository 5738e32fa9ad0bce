"""The documentation sections a report cites, embedded so that its links work from the file.

``docs/expectations.md`` (one ``###`` section per expectation) and ``docs/FINDINGS.md`` (one
``## N.`` section per data type, cited as "FINDINGS.md §N") ship inside the package as
``synthgate.docs``. A report embeds only the sections its results cite, rendered from Markdown
with raw HTML disabled, and links to them by anchor: the links work offline, on a phone, and in
a report mailed to someone without the repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from markdown_it import MarkdownIt

EXPECTATIONS, FINDINGS = "expectations.md", "FINDINGS.md"
CITATION = re.compile(r"§\s?(\d+)")


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    source: str
    html: str


def _read(name: str) -> str:
    return (resources.files("synthgate.docs") / name).read_text("utf-8")


def _split(text: str, level: int) -> list[tuple[str, str]]:
    """``(heading, body)`` for every heading of exactly ``level`` (body up to the next heading
    of that level or above)."""
    pattern = re.compile(rf"^#{{1,{level}}} (.+)$", re.MULTILINE)
    marks = list(pattern.finditer(text))
    out = []
    for i, mark in enumerate(marks):
        if len(mark.group(0)) - len(mark.group(0).lstrip("#")) != level:
            continue
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out.append((mark.group(1).strip(), text[mark.end() : end].strip()))
    return out


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


@cache
def expectation_section(name: str) -> Section | None:
    """The first ``###`` section of docs/expectations.md whose heading names ``name``."""
    for heading, body in _split(_read(EXPECTATIONS), 3):
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", heading):
            return Section(f"doc-{name}", heading, f"docs/{EXPECTATIONS}", _markdown().render(body))
    return None


@cache
def finding_section(number: str) -> Section | None:
    """Section §``number`` of docs/FINDINGS.md."""
    for heading, body in _split(_read(FINDINGS), 2):
        if heading.startswith(f"{number}."):
            return Section(
                f"finding-{number}", heading, f"docs/{FINDINGS}", _markdown().render(body)
            )
    return None


def cited(finding: str) -> list[str]:
    """The FINDINGS.md section numbers a finding cites ("FINDINGS.md §3, §5" -> ["3", "5"])."""
    return list(dict.fromkeys(CITATION.findall(finding)))
