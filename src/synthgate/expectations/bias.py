"""Bias: identity groups, how often texts mention them, and rates conditioned on them.

LLM annotators over-flag (GHC "hate" on 34.9% of ChatGPT labels vs 13.0% of human ones; SBIC
"offensive" 49.2% vs 32.6%) and are confidently wrong on items about age, gender, religion
and race (FINDINGS.md §1). Free text carries bias too (FINDINGS.md §5). Groups come from the
identity lexicon shipped with synthgate (``synthgate.identity``; extend it with ``terms``).
Every expectation here reports a table of groups in its details; a group mentioned by fewer
than ``min_items`` items (or texts) is listed as too small and not judged.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar

from synthgate.comparisons import cohens_h
from synthgate.expectations.base import Context, Expectation, example, register
from synthgate.expectations.labels import allowed_labels
from synthgate.expectations.toxicity import SampledToxicity
from synthgate.identity import lexicon, parse_terms
from synthgate.metrics import Metric
from synthgate.metrics.identity import ALL, ByIdentity, IdentityMentions, Mentions
from synthgate.metrics.labels import ItemLabelSets, ItemSets
from synthgate.observation import Observation
from synthgate.sampling import wilson

BIAS_FINDING = (
    "LLM annotators over-flag (GHC 'hate' 34.9% of ChatGPT labels vs 13.0% human; SBIC "
    "'offensive' 49.2% vs 32.6%) and are confidently wrong on items about age, gender, "
    "religion and race (FINDINGS.md §1)."
)


def _too_small(n: int, least: int) -> dict[str, Any]:
    return {"items": n, "status": f"too small: fewer than {least}, not judged"}


@dataclass(frozen=True)
class _IdentityExpectation(Expectation):
    terms: tuple[str, ...] = ()
    """More identity terms, ``"group: term, term"`` (a new group or more terms for one)."""

    def __post_init__(self) -> None:
        parse_terms(self.terms)
        lexicon(self.terms)


@register
@dataclass(frozen=True)
class IdentityRepresentation(_IdentityExpectation):
    """Share of texts mentioning an identity group, for the group furthest from the reference.

    Per group of the identity lexicon (gender, race and ethnicity, religion, age,
    nationality, sexual orientation, disability), the share of non-empty texts that mention
    it, on the data and on the reference; the group with the largest |Cohen's h| between the
    two (among groups mentioned by ``min_items`` texts on either side) is compared. All shares
    are in the details; the examples are texts mentioning that group. Needs a reference:
    alone, how often a group is mentioned says what the data is about, not that it is biased.
    """

    name: ClassVar[str] = "identity_representation"
    finding: ClassVar[str] = (
        "Bias in free text (FINDINGS.md §5): identity-term representation against human text."
    )
    statistics: ClassVar[tuple[str, ...]] = ("cohens_h", "difference")
    paired_field: ClassVar[str | None] = "role"
    role: str = "text"
    min_items: int = 30

    def metrics(self) -> dict[str, Metric]:
        return {"mentions": IdentityMentions(self.role, self.terms)}

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """Both sides are measured on the group picked from the pair."""
        data: Mentions = values["mentions"]
        shares = _shares(data)
        details: dict[str, Any] = {
            "texts": data.texts,
            "mentioning_any_group": round(data.mentioning / data.texts, 4) if data.texts else 0,
        }
        if reference is None:
            details["shares"] = dict(sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))[:10])
            return Observation(
                None,
                reason="needs a reference (reference_text or --reference): how often a group "
                "is mentioned is judged against human text",
                details=details,
            ), None
        ref: Mentions = reference["mentions"]
        if not data.texts or not ref.texts:
            return Observation(None, reason=f"no non-empty {self.role} text on one side"), None
        ref_shares = _shares(ref)
        judged = {
            g: cohens_h(shares.get(g, 0.0), ref_shares.get(g, 0.0))
            for g in set(data.counts) | set(ref.counts)
            if max(data.counts.get(g, 0), ref.counts.get(g, 0)) >= self.min_items
        }
        if not judged:
            return Observation(
                None, reason=f"no identity group is mentioned by {self.min_items} texts"
            ), None
        group = max(judged, key=lambda g: (abs(judged[g]), g))
        details["groups"] = {
            g: {
                "category": data.groups.get(g, ref.groups.get(g)),
                "share": round(shares.get(g, 0.0), 4),
                "reference_share": round(ref_shares.get(g, 0.0), 4),
                "cohens_h": round(h, 4),
            }
            for g, h in sorted(judged.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
        }
        details["group"] = group
        details["too_small"] = sorted((set(data.counts) | set(ref.counts)) - set(judged))
        examples = [
            example(row, text, group=group, term=term)
            for row, term, text in data.examples.get(group, [])
        ]
        return _share(data, group, details, examples), _share(ref, group, None, [])


def _shares(mentions: Mentions) -> dict[str, float]:
    return {g: n / mentions.texts for g, n in mentions.counts.items()} if mentions.texts else {}


def _share(
    mentions: Mentions, group: str, details: dict[str, Any] | None, examples: list[dict[str, Any]]
) -> Observation:
    estimate = wilson(mentions.counts.get(group, 0), mentions.texts)
    return dataclasses.replace(estimate, details=details, examples=examples, subject=group)


@dataclass
class _Gap:
    """Per-item positive-label rates of the model and the humans, summed over items."""

    items: int = 0
    model: float = 0.0
    human: float = 0.0
    squares: float = 0.0
    """Sum of squared per-item differences (model - human)."""
    worst: tuple[float, tuple[Any, ...]] | None = None

    def add(self, model: float, human: float, count: int, key: tuple[Any, ...]) -> None:
        self.items += count
        self.model += model * count
        self.human += human * count
        self.squares += (model - human) ** 2 * count
        if model > human and (self.worst is None or model - human > self.worst[0]):
            self.worst = (model - human, key)

    @property
    def gap(self) -> float:
        return (self.model - self.human) / self.items

    @property
    def half_width(self) -> float:
        """Half the 95% interval of the mean per-item difference (normal approximation)."""
        if self.items < 2:
            return math.inf
        variance = (self.squares - self.items * self.gap**2) / (self.items - 1)
        return 1.96 * math.sqrt(max(variance, 0.0) / self.items)


def positive_label(labels: set[Any], positive: Any) -> Any:
    """The label counted as flagging: ``positive``, else the highest of numeric labels."""
    if positive is not None:
        return positive
    if labels and all(isinstance(label, (int, float)) for label in labels):
        return max(labels)
    return None


@register
@dataclass(frozen=True)
class IdentityLabelGap(_IdentityExpectation):
    """Over-flagging on items about an identity group, beyond the over-flagging on all items.

    Per item, the share of the model's labels that are ``positive`` (the flagging label, e.g.
    GHC "hate" 1, SBIC "offensive" 2; by default the highest numeric label) and the share of
    the human labels; their difference is the item's gap. Per group of the identity lexicon
    (items whose ``text_role`` mentions it) the mean gap has a 95% interval, and its excess
    over the mean gap on all items says whether the model over-flags items about that group
    more than other items. The value is the worst group's excess at 95% confidence (the lower
    end of its interval): 0.1 means that, on that group, the model flags at least 10 points
    more often than humans beyond what it does on all items. Groups with fewer than
    ``min_items`` items are listed as too small. ChatGPT on GHC: 34.9% "hate" vs 13.0% human
    on all items (gap 0.22) but 91.9% vs 43.5% on items mentioning Muslims (gap 0.48). Needs
    the paired ``reference_label`` column (human labels of the same items).
    """

    name: ClassVar[str] = "identity_label_gap"
    finding: ClassVar[str] = BIAS_FINDING
    role: str = "label"
    reference_role: str = "reference_label"
    text_role: str = "text"
    positive: Any = None
    min_items: int = 30

    def metrics(self) -> dict[str, Metric]:
        inner = ItemLabelSets(self.role, self.reference_role)
        return {"groups": ByIdentity(inner, self.text_role, self.terms)}

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        groups: dict[str, ItemSets] = values["groups"]
        every = groups[ALL]
        allowed = allowed_labels(context, every.labels(1))
        positive = positive_label(allowed or every.labels(1), self.positive)
        if positive is None:
            return Observation(
                None,
                reason="labels are not numbers: set the parameter 'positive' to the "
                "label that flags (e.g. 'hate')",
            )
        gaps = {group: _gaps(sets, allowed, positive) for group, sets in groups.items()}
        overall = gaps.pop(ALL)
        if not overall.items:
            return Observation(None, reason="no item has valid labels on both sides")
        table, judged = {}, {}
        found = lexicon(self.terms)
        for group, gap in sorted(
            gaps.items(), key=lambda kv: (-kv[1].gap if kv[1].items else 0, kv[0])
        ):
            if gap.items < self.min_items:
                table[group] = _too_small(gap.items, self.min_items)
                continue
            excess = gap.gap - overall.gap
            judged[group] = excess - gap.half_width
            table[group] = {
                "category": found.groups.get(group),
                "items": gap.items,
                "model_rate": round(gap.model / gap.items, 4),
                "human_rate": round(gap.human / gap.items, 4),
                "gap": round(gap.gap, 4),
                "gap_95": [round(gap.gap - gap.half_width, 4), round(gap.gap + gap.half_width, 4)],
                "excess": round(excess, 4),
                "over_flagged": gap.gap - gap.half_width > 0
                and cohens_h(gap.model / gap.items, gap.human / gap.items) >= 0.2,
            }
        details = {
            "positive_label": positive,
            "all_items": {
                "items": overall.items,
                "model_rate": round(overall.model / overall.items, 4),
                "human_rate": round(overall.human / overall.items, 4),
                "gap": round(overall.gap, 4),
            },
            "groups": table,
            "over_flagged_groups": [g for g, row in table.items() if row.get("over_flagged")],
        }
        if not judged:
            return Observation(
                None,
                reason=f"no identity group is mentioned by {self.min_items} items",
                details=details,
            )
        ranked = sorted(judged, key=lambda g: (-judged[g], g))
        worst = ranked[0]
        examples = [
            _gap_example(groups[g], gaps[g], g, self.role) for g in ranked[:3] if gaps[g].worst
        ]
        excess = gaps[worst].gap - overall.gap
        details["group"] = worst
        return Observation(
            judged[worst],
            judged[worst],
            excess + gaps[worst].half_width,
            gaps[worst].items,
            details=details,
            examples=examples,
            subject=worst,
        )


def _gaps(sets: ItemSets, allowed: set[Any] | None, positive: Any) -> _Gap:
    gap = _Gap()
    for key, (model, human), count in sets.valid(allowed):
        if model and human:
            rates = [side.get(positive, 0) / sum(side.values()) for side in (model, human)]
            gap.add(rates[0], rates[1], count, key)
    return gap


def _gap_example(sets: ItemSets, gap: _Gap, group: str, role: str) -> dict[str, Any]:
    assert gap.worst is not None
    key = gap.worst[1]
    model, human = (
        "[" + ", ".join(repr(label) for label, n in side for _ in range(n)) + "]" for side in key
    )
    return example(
        sets.examples[key][0],
        f"{group}: {role} {model} vs human {human}",
        rows=sets.examples[key],
        group=group,
        group_gap=round(gap.gap, 4),
    )


@register
@dataclass(frozen=True)
class IdentityToxicity(SampledToxicity):
    """How much more often texts mentioning an identity group are toxic than texts overall.

    On the scored sample of ``toxicity_rate`` (same ``sample``, ``seed`` and weights),
    per identity group with at least ``min_items`` sampled texts: the share of its texts whose
    score in ``category`` is at least ``threshold``, minus that share over all sampled texts.
    The group with the largest difference is reported; against a reference the same group's
    difference in the reference is compared. Human text about groups is often more toxic
    (hate speech targets them), so this is judged against a reference, not alone. Not
    evaluated without detoxify weights.
    """

    name: ClassVar[str] = "identity_toxicity"
    statistics: ClassVar[tuple[str, ...]] = ("difference",)
    threshold: float = 0.5
    min_items: int = 20
    terms: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        lexicon(self.terms)

    def observe(
        self, values: dict[str, Any], reference: dict[str, Any] | None, context: Context
    ) -> tuple[Observation, Observation | None]:
        """The group is picked on the data; the reference is measured on the same group."""
        observation = self.observe_one(values, context)
        if observation.value is None or reference is None:
            return observation, None
        group = (observation.details or {})["group"]
        ref = self.by_group(reference)
        if isinstance(ref, Observation) or group not in ref[1]:
            return observation, Observation(None, reason=f"the reference has no text about {group}")
        share, texts = ref[1][group]
        return observation, Observation(share - ref[0], n=texts)

    def by_group(
        self, values: dict[str, Any]
    ) -> tuple[float, dict[str, tuple[float, int]]] | Observation:
        """The toxic share of all sampled texts, and per group (share, texts); or why none."""
        scored = self.scored(values)
        if isinstance(scored, Observation):
            return scored
        result, scores = scored
        toxic = scores >= self.threshold
        members: dict[str, list[int]] = {}
        found = lexicon(self.terms)
        for i, (_, text) in enumerate(result.sample):
            for group in found.mentions(text):
                members.setdefault(group, []).append(i)
        return float(toxic.mean()), {
            g: (float(toxic[idx].mean()), len(idx)) for g, idx in members.items()
        }

    def observe_one(self, values: dict[str, Any], context: Context) -> Observation:
        by_group = self.by_group(values)
        if isinstance(by_group, Observation):
            return by_group
        overall, groups = by_group
        judged = {g: s - overall for g, (s, n) in groups.items() if n >= self.min_items}
        details: dict[str, Any] = {
            "scorer": values["toxicity"].scorer,
            "category": self.category,
            "threshold": self.threshold,
            "all_texts": round(overall, 4),
            "groups": {
                g: {"texts": n, "toxic_share": round(s, 4)}
                if n >= self.min_items
                else _too_small(n, self.min_items)
                for g, (s, n) in sorted(groups.items(), key=lambda kv: (-kv[1][0], kv[0]))
            },
        }
        if not judged:
            return Observation(
                None, reason=f"no identity group in {self.min_items} sampled texts", details=details
            )
        group = max(judged, key=lambda g: (judged[g], g))
        details["group"] = group
        return Observation(judged[group], n=groups[group][1], details=details, subject=group)
