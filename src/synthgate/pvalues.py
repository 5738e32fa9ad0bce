"""Two p-values of scipy.stats computed with scipy.special alone, to the same float.

Importing scipy.stats takes about half a second (its distributions, scipy.optimize,
scipy.interpolate, scipy.spatial), which a preferences run paid for one binomial test and one
t tail (issue 14); scipy.special is a fraction of that. Both functions evaluate scipy.stats'
own special functions in scipy.stats' own order, so the results are the same floats (tests
compare them with scipy.stats over many cases); scipy.stats stays the reference.
"""

from __future__ import annotations

import math
from collections.abc import Callable


def t_sf(t: float, df: float) -> float:
    """Student's t survival function: ``scipy.stats.t.sf(t, df)`` for finite ``t``, ``df > 0``."""
    from scipy import special

    return float(special.stdtr(df, -t))


def binomial_test(successes: int, n: int) -> float:
    """Two-sided exact binomial test of ``successes`` in ``n`` trials against p = 0.5:
    ``scipy.stats.binomtest(successes, n).pvalue``.

    The p-value sums the probabilities of every outcome no likelier than the observed one
    (relative tolerance 1e-7), found by scipy's binary search on the other side of the mode.
    The binomial pmf, cdf and sf are Boost's, as ``scipy.stats.binom`` evaluates them: through
    scipy.special's private ufuncs ``_binom_pmf``, ``_binom_cdf`` and ``_binom_sf``. No
    public function gives Boost's binomial pmf, and ``bdtr`` (Cephes) can differ in the last
    digits, which would change the reported p-values.
    """
    from scipy.special import _ufuncs

    def pmf(k: int) -> float:
        return _clip(_ufuncs._binom_pmf(k, n, 0.5))

    def cdf(k: int) -> float:
        return 0.0 if k < 0 else 1.0 if k >= n else _clip(_ufuncs._binom_cdf(k, n, 0.5))

    def sf(k: int) -> float:
        return 1.0 if k < 0 else 0.0 if k >= n else _clip(_ufuncs._binom_sf(k, n, 0.5))

    if 2 * successes == n:
        return 1.0
    limit = pmf(successes) * (1 + 1e-7)
    if 2 * successes < n:
        other = _last_at_most(lambda k: -pmf(k), -limit, math.ceil(n / 2), n)
        y = n - other + int(limit == pmf(other))
        p = cdf(successes) + sf(n - y)
    else:
        y = _last_at_most(pmf, limit, 0, n // 2) + 1
        p = cdf(y - 1) + sf(successes - 1)
    return min(1.0, p)


def _clip(value: float) -> float:
    return float(min(max(value, 0.0), 1.0))


def _last_at_most(a: Callable[[int], float], d: float, lo: int, hi: int) -> int:
    """scipy's ``_binary_search_for_binom_tst``: the ``i`` in ``lo..hi`` with
    ``a(i) <= d < a(i + 1)``, for ``a`` ascending over that range."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        value = a(mid)
        if value < d:
            lo = mid + 1
        elif value > d:
            hi = mid - 1
        else:
            return mid
    return lo if a(lo) <= d else lo - 1
