"""How a synthetic value is judged against the same value measured on human data.

Each comparison is a statistic of the pair, judged by an upper bound on its size. Signed
statistics (difference, log ratio, Cohen's h and d) are positive when the synthetic value is
higher; ``direction`` says which side fails: ``both`` (|s| <= max), ``higher`` (only a synthetic
value above the reference fails: s <= max) or ``lower`` (-s <= max). Distances (Jensen-Shannon,
Kolmogorov-Smirnov) have no sign. Effect sizes
are preferred to p-values: with many rows a test calls every tiny difference significant,
while an effect size has conventional bounds that hold at any size (Cohen, 1988: h and d of
0.2 are "small", 0.5 "medium"; q, between two correlations, 0.1 "small", 0.3 "medium").
Tests' p-values are reported beside, never used alone. With few rows the opposite happens: an
effect size beyond its bound can be sampling noise. Hence one rule for every comparison:

    **a comparison fails when the effect is beyond its bound and, for a statistic with a
    p-value, the difference is significant (p < ALPHA = 0.01).**

0.01 rather than 0.05 because a suite makes several comparisons at once: at 0.05, two random
halves of one human set failed some entry of a suite in about one split in five. A suite may
override ``alpha`` for one entry; the built-in suites never do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from synthgate.observation import Observation

DIRECTIONS = ("both", "higher", "lower")
ALPHA = 0.01
"""The significance level of every comparison with a p-value (see the module docstring)."""


def jensen_shannon(p: dict[Any, float], q: dict[Any, float]) -> float:
    """Jensen-Shannon divergence in bits (0 identical, 1 disjoint)."""
    keys = set(p) | set(q)
    m = {k: (p.get(k, 0.0) + q.get(k, 0.0)) / 2 for k in keys}

    def kl(a: dict[Any, float]) -> float:
        return sum(a[k] * math.log2(a[k] / m[k]) for k in a if a[k] > 0)

    return (kl(p) + kl(q)) / 2


@dataclass(frozen=True)
class Comparison:
    statistic: str
    value: float
    bound: float
    direction: str = "both"
    p_value: float | None = None
    alpha: float | None = None

    @property
    def passed(self) -> bool:
        if self.alpha is not None and self.p_value is not None and self.p_value >= self.alpha:
            return True
        if self.direction == "higher":
            return self.value <= self.bound
        if self.direction == "lower":
            return -self.value <= self.bound
        return abs(self.value) <= self.bound

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": self.statistic,
            "value": self.value,
            "max": self.bound,
            "direction": self.direction,
            "p_value": self.p_value,
            "passed": self.passed,
            **({"alpha": self.alpha} if self.alpha is not None else {}),
        }


def _difference(obs: Observation, ref: Observation) -> tuple[float, float | None]:
    assert obs.value is not None and ref.value is not None
    return obs.value - ref.value, None


def _log_ratio(obs: Observation, ref: Observation) -> tuple[float, float | None]:
    """log2(synthetic / reference): 1 means twice the reference value, -1 half."""
    assert obs.value is not None and ref.value is not None
    if obs.value <= 0 or ref.value <= 0:
        return (
            0.0 if obs.value == ref.value else math.copysign(math.inf, obs.value - ref.value)
        ), None
    return math.log2(obs.value / ref.value), None


def cohens_h(p: float, q: float) -> float:
    """Cohen's h between two proportions: 2 asin(sqrt p) - 2 asin(sqrt q)."""
    return 2 * math.asin(math.sqrt(p)) - 2 * math.asin(math.sqrt(q))


def _cohens_h(obs: Observation, ref: Observation) -> tuple[float, float | None]:
    """Cohen's h between two proportions, with a two-proportion z-test p-value."""
    assert obs.value is not None and ref.value is not None
    p, q = min(max(obs.value, 0.0), 1.0), min(max(ref.value, 0.0), 1.0)
    h = cohens_h(p, q)
    p_value = None
    if obs.n and ref.n:
        from scipy import stats

        pooled = (p * obs.n + q * ref.n) / (obs.n + ref.n)
        se = math.sqrt(pooled * (1 - pooled) * (1 / obs.n + 1 / ref.n))
        p_value = float(2 * stats.norm.sf(abs(p - q) / se)) if se > 0 else (1.0 if p == q else 0.0)
    return h, p_value


def _jsd(obs: Observation, ref: Observation) -> tuple[float, float | None]:
    """Jensen-Shannon divergence (bits) between two label distributions."""
    if obs.distribution is None or ref.distribution is None:
        raise ValueError("jsd needs distributions")
    return jensen_shannon(obs.distribution, ref.distribution), None


def _ks(obs: Observation, ref: Observation) -> tuple[float, float | None]:
    """Two-sample Kolmogorov-Smirnov statistic D on per-row values, with its p-value."""
    if not obs.samples or not ref.samples:
        raise ValueError("ks needs per-row samples")
    from scipy import stats

    result = stats.ks_2samp(obs.samples, ref.samples)
    return float(result.statistic), float(result.pvalue)


def _cohens_d(obs: Observation, ref: Observation) -> tuple[float, float | None]:
    """Cohen's d between the per-row values of both sides, with Welch's t-test p-value."""
    if not obs.samples or not ref.samples or len(obs.samples) < 2 or len(ref.samples) < 2:
        raise ValueError("cohens_d needs at least two per-row values on each side")
    from scipy import stats

    a, b = obs.samples, ref.samples
    var_a, var_b = stats.tvar(a), stats.tvar(b)
    pooled = math.sqrt(((len(a) - 1) * var_a + (len(b) - 1) * var_b) / (len(a) + len(b) - 2))
    diff = sum(a) / len(a) - sum(b) / len(b)
    d = diff / pooled if pooled > 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
    return d, float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def _cohens_q(obs: Observation, ref: Observation) -> tuple[float, float | None]:
    """Cohen's q between two correlations (difference of Fisher z), with its z-test p-value."""
    assert obs.value is not None and ref.value is not None
    limit = 1 - 1e-12
    r, s = (min(max(v, -limit), limit) for v in (obs.value, ref.value))
    q = math.atanh(r) - math.atanh(s)
    p_value = None
    if obs.n and ref.n and obs.n > 3 and ref.n > 3:
        from scipy import stats

        se = math.sqrt(1 / (obs.n - 3) + 1 / (ref.n - 3))
        p_value = float(2 * stats.norm.sf(abs(q) / se))
    return q, p_value


STATISTICS: dict[str, Callable[[Observation, Observation], tuple[float, float | None]]] = {
    "difference": _difference,
    "log_ratio": _log_ratio,
    "cohens_h": _cohens_h,
    "jsd": _jsd,
    "ks": _ks,
    "cohens_d": _cohens_d,
    "cohens_q": _cohens_q,
}


def compare(
    statistic: str,
    bound: float,
    obs: Observation,
    ref: Observation,
    direction: str = "both",
    alpha: float | None = None,
) -> Comparison:
    """Judge ``obs`` against ``ref``: ``statistic`` within ``bound`` in ``direction``, or a
    p-value of at least ``alpha`` (``ALPHA`` unless given)."""
    value, p_value = STATISTICS[statistic](obs, ref)
    return Comparison(
        statistic, value, bound, direction, p_value, ALPHA if alpha is None else alpha
    )
