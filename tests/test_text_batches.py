"""The text metrics that read a batch's texts at once (rather than one text per loop turn) give
exactly what their per-text definitions give: each test folds the same batches both ways."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from synthgate.batch import Batch
from synthgate.metrics.flags import BOILERPLATE, BoilerplateCheck
from synthgate.metrics.instructions import TruncationCheck
from synthgate.metrics.lexical import MAX_SAMPLED_CHARS, TextSample
from synthgate.metrics.openers import EXAMPLE_ROWS, OpenerCounts, OpenerState, opener
from synthgate.metrics.repetition import GopherRepetition, GopherRepetitionCheck, Offender
from synthgate.metrics.tokens import excerpt, features
from synthgate.metrics.vocabulary import (
    EXAMPLES_PER_MARKER,
    FORMS,
    MarkerVocabulary,
    _context,
    _expected,
)
from synthgate.sampling import BottomK, row_priority

_PIECES = st.sampled_from(
    [
        *"aZ1_é.!?'-,( \n\t\u00a0",
        "İ",
        " the ",
        " The cat sat ",
        "Delves ",
        " showcasing",
        "As an AI language model, ",
        "i'm sorry, but i can't",
        " my training data ",
        "\n\n",
        "x" * 70,
        "word " * 12,
    ]
)
_TEXTS = st.lists(st.lists(_PIECES, max_size=30).map("".join), max_size=12)
_BATCHES = st.lists(st.tuples(_TEXTS, st.randoms(use_true_random=False)), min_size=1, max_size=4)


def _batches(drawn: list[tuple[list[str], Any]]) -> list[Batch]:
    """Batches of ``text`` rows numbered in any order (engines feed batches in any order)."""
    out, row = [], 0
    for texts, rng in drawn:
        rows = list(range(row, row + len(texts)))
        rng.shuffle(rows)
        row += len(texts)
        out.append(Batch(rows, {"text": texts}))
    return out


def _old_openers(metric: OpenerCounts, state: OpenerState, batch: Batch) -> OpenerState:
    for row, _, text in batch.texts(metric.role):
        key = opener(text, metric.words)
        if not key:
            continue
        state.n += 1
        rows = state.rows.get(key, [])
        if len(rows) < EXAMPLE_ROWS or row < rows[-1]:
            state.add(key, 1, [row], excerpt(text, 100))
        else:
            state.counts[key] += 1
    state.prune(2 * metric.capacity)
    return state


@settings(max_examples=200, deadline=None)
@given(_BATCHES, st.integers(1, 3), st.integers(1, 4))
def test_opener_counts_equal_the_per_text_definition(
    drawn: list[tuple[list[str], Any]], words: int, capacity: int
) -> None:
    metric = OpenerCounts("text", words, capacity)
    new, old = metric.start(), metric.start()
    for batch in _batches(drawn):
        new, old = metric.update(new, batch), _old_openers(metric, old, batch)
    assert new == old
    assert [list(new.counts), list(new.rows), list(new.excerpts)] == [
        list(old.counts),
        list(old.rows),
        list(old.excerpts),
    ]


@settings(max_examples=200, deadline=None)
@given(_BATCHES)
def test_marker_vocabulary_equals_the_per_text_definition(
    drawn: list[tuple[list[str], Any]],
) -> None:
    """Every text counted with its marker lemmas; each lemma's first texts as examples."""
    metric = MarkerVocabulary("text")
    state = metric.start()
    texts: list[tuple[int, str, list[str]]] = []
    for batch in _batches(drawn):
        state = metric.update(state, batch)
        texts += [(row, text, features(batch, text).words) for row, _, text in batch.texts("text")]
    lemmas = [[FORMS[t] for t in words if t in FORMS] for _, _, words in texts]
    examples: dict[str, list[tuple[int, str]]] = {}
    for (row, text, _), found in zip(texts, lemmas, strict=True):
        for lemma in dict.fromkeys(found):
            examples.setdefault(lemma, []).append((row, _context(text, lemma)))
    assert (state.texts, state.words) == (len(texts), sum(len(w) for *_, w in texts))
    assert state.expected == sum(_expected(len(words), 1) for *_, words in texts)
    assert state.with_marker == sum(map(bool, lemmas))
    assert state.uses == Counter(lemma for found in lemmas for lemma in found)
    assert list(state.examples.items()) == [
        (lemma, kept[:EXAMPLES_PER_MARKER]) for lemma, kept in examples.items()
    ]


@settings(max_examples=200, deadline=None)
@given(_BATCHES, st.integers(1, 12))
def test_gopher_repetition_equals_the_per_text_definition(
    drawn: list[tuple[list[str], Any]], min_words: int
) -> None:
    metric = GopherRepetition("text", min_words, examples=3)
    check = GopherRepetitionCheck("text", min_words)
    new = metric.start()
    checked = short = flagged = 0
    worst: list[Offender] = []
    for batch in _batches(drawn):
        new = metric.update(new, batch)
        for row, text in check.items(batch):
            repetition = check.measure(features(batch, text))
            if repetition is None:
                short += 1
                continue
            checked += 1
            if repetition.broken():
                flagged += 1
                worst.append(Offender(repetition.score, row, "", 0, "", "", ()))
    assert (new.checked, new.short, new.flagged) == (checked, short, flagged)
    worst.sort(key=lambda o: (-o.score, o.row))
    assert [(o.score, o.row) for o in new.worst] == [(o.score, o.row) for o in worst[:3]]


@settings(max_examples=200, deadline=None)
@given(_BATCHES, st.integers(1, 6))
def test_text_sample_equals_offering_every_text(drawn: list[tuple[list[str], Any]], k: int) -> None:
    metric = TextSample("text", k)
    new, old = metric.start(), BottomK(k)
    for batch in _batches(drawn):
        new = metric.update(new, batch)
        items = batch.keyed_texts("text")
        priorities = row_priority([i for i, *_ in items], 0, [p for *_, p, _ in items])
        rows, texts = [row for _, row, _, _ in items], [t[:MAX_SAMPLED_CHARS] for *_, t in items]
        old.offer(priorities, rows, texts)
    assert new.items == old.items


_PATTERNS = st.lists(
    st.sampled_from(
        [r"^ ?the", r"sat ?$", r"^x", r"x$", r"\bx+\b", r"a\s+z", r"[^a-z]{3}", r"e*", r"\n", ""]
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(_TEXTS, _PATTERNS)
@example(["the cat sat ", "x", "x y"], [r"cat sat $", r"^x"])
def test_boilerplate_over_many_texts_equals_each_text_alone(
    texts: list[str], extra: list[str]
) -> None:
    """Anchors, newlines, empty matches and matches across the joined texts included."""
    check = BoilerplateCheck("text", BOILERPLATE + tuple(("pattern", p) for p in extra))
    assert check.scanner is not None
    flagged = [(i, found) for i, text in enumerate(texts) for found in check.check(text)]
    assert check.inspect_all(texts) == (len(texts), flagged)


def test_boilerplate_patterns_that_read_joined_texts_otherwise_are_searched_one_by_one() -> None:
    for pattern in (r"\Athe", r"cat\z", r"(?s)a.b", r"(?-m:^the)"):
        check = BoilerplateCheck("text", (("pattern", pattern),))
        assert check.scanner is None
        texts = ["the cat", "a\nb the", "the"]
        flagged = [(i, found) for i, text in enumerate(texts) for found in check.check(text)]
        assert check.inspect_all(texts) == (3, flagged) and flagged


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2**64 - 1), unique=True, max_size=60),
    st.lists(st.integers(1, 9), max_size=10),
    st.integers(1, 8),
)
def test_a_sample_keeps_the_k_smallest_priorities(
    priorities: list[int], cuts: list[int], k: int
) -> None:
    """Offered in batches of any size, a sample holds the k items of smallest priority."""
    sample, start = BottomK(k), 0
    for size in [*cuts, len(priorities)]:
        part = priorities[start : start + size]
        sample.offer(np.array(part, dtype=np.uint64), list(range(start, start + len(part))), part)
        start += len(part)
    rows = {p: row for row, p in enumerate(priorities)}
    assert sample.ordered() == [(p, rows[p], p) for p in sorted(priorities)[:k]]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["done.", "cut off at the", "a (b", "x,", "one two three four the"]))
)
def test_a_check_of_one_unit_per_value_flags_each_value_as_alone(texts: list[str]) -> None:
    """``inspect_all`` of a check with one unit per value (no ``inspect`` of its own)."""
    check = TruncationCheck("output")
    flagged = [(i, found) for i, text in enumerate(texts) for found in check.check(text)]
    assert check.inspect_all(texts) == (len(texts), flagged)
