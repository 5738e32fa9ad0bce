"""Over-use of the vocabulary LLMs favour, measured against human word frequencies.

Kobak et al. 2024 ("Delving into ChatGPT usage in academic writing through excess vocabulary")
found that after ChatGPT's release a set of *style* words rose far above their expected
frequency in 14M PubMed abstracts ("delves" ×28, "showcasing" ×10.7, "underscores" ×10.4,
"intricate", "meticulously", "pivotal", "realm", "tapestry"...); Liang et al. 2024 ("Mapping the
increasing use of LLMs in scientific papers") found the same adjectives and verbs in papers
and peer reviews. Those words are rare in human English of any genre, so their rate relative
to human word frequencies travels across genres, unlike a topic word.

Per text, the metric counts the marker words it holds (lower-cased word tokens, each marker
with its inflections) and the text's words. The expected number of texts holding a marker, were
the words drawn at the rates of human English, is ``sum over texts of 1 - (1 - F)^words``,
where ``F`` is the summed frequency of every marker form in the ``wordfreq`` package's English
list (offline; wordfreq is imported on first use, so start-up does not pay for it). Memory:
counters and the first rows of each marker.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from synthgate.batch import Batch
from synthgate.metrics import Metric, merge_examples
from synthgate.metrics.tokens import excerpt, features

MARKERS: dict[str, tuple[str, ...]] = {
    "delve": ("delve", "delves", "delved", "delving"),
    "showcase": ("showcase", "showcases", "showcased", "showcasing"),
    "underscore": ("underscore", "underscores", "underscored", "underscoring"),
    "intricate": ("intricate", "intricately", "intricacies", "intricacy"),
    "meticulous": ("meticulous", "meticulously"),
    "pivotal": ("pivotal",),
    "realm": ("realm", "realms"),
    "tapestry": ("tapestry", "tapestries"),
    "commendable": ("commendable",),
    "testament": ("testament",),
    "multifaceted": ("multifaceted",),
    "nuanced": ("nuanced",),
    "bolster": ("bolster", "bolsters", "bolstered", "bolstering"),
    "garner": ("garner", "garners", "garnered", "garnering"),
    "embark": ("embark", "embarks", "embarked", "embarking"),
    "invaluable": ("invaluable",),
    "noteworthy": ("noteworthy",),
    "unwavering": ("unwavering",),
    "seamless": ("seamless", "seamlessly"),
    "vibrant": ("vibrant",),
    "foster": ("foster", "fosters", "fostered", "fostering"),
    "elevate": ("elevate", "elevates", "elevating"),
    "captivating": ("captivating",),
    "paramount": ("paramount",),
    "navigate": ("navigate", "navigates", "navigating"),
}
"""Style words whose frequency rose far above expectation in LLM-era text (Kobak et al. 2024,
Table of excess style words; Liang et al. 2024), with their inflections, by lemma."""
FORMS = {form: lemma for lemma, forms in MARKERS.items() for form in forms}
EXAMPLES_PER_MARKER = 3
SCALE = 2**40
"""Expected counts are summed as integers in units of 1 / SCALE, so that any partitioning of
the rows merges to the same value (float sums depend on their order)."""


@cache
def human_frequency() -> dict[str, float]:
    """Each marker form's frequency in human English (wordfreq's ``en`` list)."""
    from wordfreq import word_frequency

    return {form: word_frequency(form, "en") for form in FORMS}


def _expected(words: int, texts: int) -> int:
    """Texts of ``words`` words expected to hold a marker, in units of 1 / ``SCALE``, times
    ``texts`` such texts (each rounded, as one text's)."""
    total = sum(human_frequency().values())
    return texts * round(SCALE * -math.expm1(words * math.log1p(-total)))


@dataclass
class VocabularyState:
    texts: int = 0
    words: int = 0
    with_marker: int = 0
    expected: int = 0
    """In units of 1 / ``SCALE``."""
    uses: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class VocabularyResult:
    """Texts, those holding a marker word, how many would by human word frequencies, and the
    uses of each marker with its first rows."""

    texts: int
    words: int
    with_marker: int
    expected: float
    uses: dict[str, int]
    examples: dict[str, list[tuple[int, str]]]


@dataclass(frozen=True)
class MarkerVocabulary(Metric):
    """Texts of ``role`` holding an LLM-favoured style word, against their expected number."""

    role: str = "text"

    @property
    def roles(self) -> tuple[str, ...]:
        return (self.role,)

    def start(self) -> VocabularyState:
        return VocabularyState()

    def update(self, state: VocabularyState, batch: Batch) -> VocabularyState:
        lengths: list[int] = []
        for row, _, text in batch.texts(self.role):
            tokens = features(batch, text).words
            lengths.append(len(tokens))
            if FORMS.keys().isdisjoint(tokens):
                continue
            found = [FORMS[t] for t in tokens if t in FORMS]
            state.with_marker += 1
            state.uses.update(found)
            for lemma in dict.fromkeys(found):
                kept = state.examples.setdefault(lemma, [])
                if len(kept) < EXAMPLES_PER_MARKER:
                    kept.append((row, _context(text, lemma)))
        state.texts += len(lengths)
        state.words += sum(lengths)
        state.expected += sum(_expected(n, count) for n, count in Counter(lengths).items())
        return state

    def merge(self, a: VocabularyState, b: VocabularyState) -> VocabularyState:
        return VocabularyState(
            a.texts + b.texts,
            a.words + b.words,
            a.with_marker + b.with_marker,
            a.expected + b.expected,
            a.uses + b.uses,
            merge_examples(a.examples, b.examples, EXAMPLES_PER_MARKER),
        )

    def finalize(self, state: VocabularyState) -> VocabularyResult:
        return VocabularyResult(
            state.texts,
            state.words,
            state.with_marker,
            state.expected / SCALE,
            dict(sorted(state.uses.items(), key=lambda kv: (-kv[1], kv[0]))),
            state.examples,
        )


def _context(text: str, lemma: str) -> str:
    """An excerpt around the first use of ``lemma`` in ``text``."""
    lowered = text.lower()
    at = min((i for i in (lowered.find(f) for f in MARKERS[lemma]) if i >= 0), default=0)
    return excerpt(text[max(0, at - 60) :], 140)
