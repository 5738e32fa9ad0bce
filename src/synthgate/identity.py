"""Identity terms: which social groups a text mentions.

The lexicon (``lexicons/identity_terms.yml``, shipped in the wheel) was written for synthgate:
groups in seven categories (gender, race and ethnicity, religion, age, nationality, sexual
orientation, disability), each with the words that name it. Matching is on lower-cased
word tokens (hyphens and apostrophes split words), longest term first, so "african american"
is one mention of Black people and not also of Americans. A suite extends it with ``terms``
entries of the form ``"group: term, term"`` (a new group, or more terms for one that exists).

LLM annotators are confidently wrong on items about age, gender, religion and race, and
over-flag hate and offence (FINDINGS.md §1); bias checks condition rates on these groups.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import yaml

_WORD = re.compile(r"[a-z0-9]+")
MAX_TERM_WORDS = 4


def words_of(text: str) -> tuple[str, ...]:
    """Lower-cased words; hyphens, apostrophes and punctuation separate them."""
    return tuple(_WORD.findall(text.lower()))


def words_given(text: str, lower: str, runs: Sequence[str]) -> Sequence[str]:
    """``words_of(text)``, given the text's lower case and its ``\\w+`` runs in it (as
    ``metrics.tokens.TextFeatures`` holds them): when the lower case is ASCII without ``_``,
    ``\\w`` there is ``[a-z0-9]``, so the runs are the words and no second pass is needed."""
    return runs if lower.isascii() and "_" not in lower else words_of(text)


@dataclass(frozen=True)
class Lexicon:
    """Groups (with their category) and the terms that name them."""

    groups: dict[str, str]
    """group -> category."""
    terms: dict[tuple[str, ...], str]
    """term (as words) -> group."""

    @functools.cached_property
    def first_words(self) -> dict[str, int]:
        """The words terms start with, each with the most words of a term it starts."""
        out: dict[str, int] = {}
        for term in self.terms:
            out[term[0]] = max(out.get(term[0], 0), len(term))
        return out

    @functools.cached_property
    def single_words(self) -> frozenset[str]:
        """The terms of one word."""
        return frozenset(term[0] for term in self.terms if len(term) == 1)

    @functools.cached_property
    def second_words(self) -> dict[str, frozenset[str]]:
        """The first word of each longer term, with the words that follow it in those terms."""
        out: dict[str, frozenset[str]] = {}
        for term in self.terms:
            if len(term) > 1:
                out[term[0]] = out.get(term[0], frozenset()) | {term[1]}
        return out

    def mentions(self, text: str) -> dict[str, str]:
        """The groups a text mentions, each with the first term that named it."""
        return self.mentions_in(words_of(text))

    def mentions_in(self, words: Sequence[str]) -> dict[str, str]:
        """``mentions`` of a text given its ``words_of`` (any sequence of them): read left to
        right, the longest term at each word a term starts with, past the words it took.

        A text with no term of one word, and no first word of a longer term together with a
        word that can follow it there, mentions nothing: it is ruled out by set look-ups alone
        (``"the"`` starts terms, ``"the elderly"``, and is in most English texts)."""
        found: dict[str, str] = {}
        seconds = self.second_words
        if self.single_words.isdisjoint(words) and all(
            seconds[first].isdisjoint(words) for first in seconds.keys() & words
        ):
            return found
        first = self.first_words
        tokens = tuple(words)
        end = 0  # the words before ``end`` belong to a term already found
        for i in [i for i, token in enumerate(tokens) if token in first]:
            if i < end:
                continue
            for size in range(min(first[tokens[i]], len(tokens) - i), 0, -1):
                group = self.terms.get(tokens[i : i + size])
                if group is not None:
                    found.setdefault(group, " ".join(tokens[i : i + size]))
                    end = i + size
                    break
        return found


def parse_terms(entries: tuple[str, ...]) -> dict[str, list[str]]:
    """``"group: term, term"`` entries as group -> terms; ValueError on a malformed entry."""
    out: dict[str, list[str]] = {}
    for entry in entries:
        group, sep, terms = entry.partition(":")
        listed = [t.strip() for t in terms.split(",") if t.strip()]
        if not sep or not group.strip() or not listed:
            raise ValueError(f"identity terms are 'group: term, term', got {entry!r}")
        out.setdefault(group.strip(), []).extend(listed)
    return out


@functools.lru_cache(maxsize=16)
def lexicon(extra: tuple[str, ...] = ()) -> Lexicon:
    """The shipped lexicon, with the groups and terms of ``extra`` added."""
    text = (resources.files("synthgate.lexicons") / "identity_terms.yml").read_text("utf-8")
    groups: dict[str, str] = {}
    terms: dict[tuple[str, ...], str] = {}
    listed = [
        (category, group, term)
        for category, members in yaml.safe_load(text).items()
        for group, group_terms in members.items()
        for term in group_terms
    ]
    listed += [
        ("added", group, term) for group, more in parse_terms(extra).items() for term in more
    ]
    for category, group, term in listed:
        groups.setdefault(group, category)
        key = words_of(term)
        if not key or len(key) > MAX_TERM_WORDS:
            raise ValueError(f"identity term {term!r} must have 1 to {MAX_TERM_WORDS} words")
        terms[key] = group
    return Lexicon(groups, terms)
