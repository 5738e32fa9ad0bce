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
list (``MARKERS`` holds them, so start-up does not pay for wordfreq). Memory:
counters and the first rows of each marker.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import compress, count
from operator import not_

from synthgate.batch import Batch
from synthgate.metrics import Metric, merge_examples
from synthgate.metrics.tokens import excerpt, words_of

MARKERS: dict[str, dict[str, float]] = {
    "delve": {"delve": 1.38e-06, "delves": 5.13e-07, "delved": 4.47e-07, "delving": 6.03e-07},
    "showcase": {
        "showcase": 8.32e-06,
        "showcases": 1.78e-06,
        "showcased": 1.91e-06,
        "showcasing": 2.19e-06,
    },
    "underscore": {
        "underscore": 9.33e-07,
        "underscores": 8.32e-07,
        "underscored": 6.03e-07,
        "underscoring": 2.63e-07,
    },
    "intricate": {
        "intricate": 3.55e-06,
        "intricately": 5.37e-07,
        "intricacies": 8.32e-07,
        "intricacy": 2.14e-07,
    },
    "meticulous": {"meticulous": 1.74e-06, "meticulously": 1.2e-06},
    "pivotal": {"pivotal": 3.16e-06},
    "realm": {"realm": 1.15e-05, "realms": 2.82e-06},
    "tapestry": {"tapestry": 1.74e-06, "tapestries": 6.31e-07},
    "commendable": {"commendable": 1.17e-06},
    "testament": {"testament": 1.17e-05},
    "multifaceted": {"multifaceted": 6.31e-07},
    "nuanced": {"nuanced": 1.82e-06},
    "bolster": {
        "bolster": 2.04e-06,
        "bolsters": 3.31e-07,
        "bolstered": 7.94e-07,
        "bolstering": 3.89e-07,
    },
    "garner": {
        "garner": 3.55e-06,
        "garners": 2.19e-07,
        "garnered": 2.19e-06,
        "garnering": 5.62e-07,
    },
    "embark": {
        "embark": 2.51e-06,
        "embarks": 5.25e-07,
        "embarked": 3.16e-06,
        "embarking": 1.45e-06,
    },
    "invaluable": {"invaluable": 3.47e-06},
    "noteworthy": {"noteworthy": 3.09e-06},
    "unwavering": {"unwavering": 1.02e-06},
    "seamless": {"seamless": 2.04e-06, "seamlessly": 1.26e-06},
    "vibrant": {"vibrant": 4.68e-06},
    "foster": {
        "foster": 2.14e-05,
        "fosters": 1.29e-06,
        "fostered": 1.48e-06,
        "fostering": 2.24e-06,
    },
    "elevate": {"elevate": 2.4e-06, "elevates": 5.75e-07, "elevating": 1.05e-06},
    "captivating": {"captivating": 1.48e-06},
    "paramount": {"paramount": 5.37e-06},
    "navigate": {"navigate": 4.79e-06, "navigates": 2.4e-07, "navigating": 1.95e-06},
}
"""Style words whose frequency rose far above expectation in LLM-era text (Kobak et al. 2024,
Table of excess style words; Liang et al. 2024), with their inflections, by lemma, and each
form's frequency in human English: wordfreq's ``word_frequency(form, "en")`` (wordfreq 3, whose
data no longer changes), written here so that a run neither imports wordfreq nor loads its
list (0.3 s of start-up); ``tests/test_free_text.py`` checks them equal."""
FORMS = {form: lemma for lemma, forms in MARKERS.items() for form in forms}
_FORM_SET = frozenset(FORMS)
EXAMPLES_PER_MARKER = 3
HUMAN_SHARE = sum(frequency for forms in MARKERS.values() for frequency in forms.values())
"""The summed frequency of every marker form in human English (``F``)."""
SCALE = 2**40
"""Expected counts are summed as integers in units of 1 / SCALE, so that any partitioning of
the rows merges to the same value (float sums depend on their order)."""


def _expected(words: int, texts: int) -> int:
    """Texts of ``words`` words expected to hold a marker, in units of 1 / ``SCALE``, times
    ``texts`` such texts (each rounded, as one text's)."""
    return texts * round(SCALE * -math.expm1(words * math.log1p(-HUMAN_SHARE)))


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
        texts = batch.texts(self.role)
        words = words_of(batch, self.role)
        lengths = list(map(len, words))
        # the few texts holding a marker form, found without a Python loop over every text
        for i in compress(count(), map(not_, map(_FORM_SET.isdisjoint, words))):
            (row, _, text), tokens = texts[i], words[i]
            found = [FORMS[t] for t in tokens if t in FORMS]
            state.with_marker += 1
            state.uses.update(found)
            for lemma in dict.fromkeys(found):
                kept = state.examples.setdefault(lemma, [])
                if len(kept) < EXAMPLES_PER_MARKER:
                    kept.append((row, _context(text, lemma)))
        state.texts += len(lengths)
        state.words += sum(lengths)
        state.expected += sum(_expected(n, many) for n, many in Counter(lengths).items())
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
