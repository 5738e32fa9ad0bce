"""synthgate.pvalues gives scipy.stats' p-values to the same float without importing it."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from synthgate.pvalues import binomial_test, t_sf


def test_the_binomial_test_is_scipys_for_every_outcome_of_small_samples() -> None:
    for n in range(1, 100):
        for successes in range(n + 1):
            assert binomial_test(successes, n) == stats.binomtest(successes, n).pvalue


@settings(max_examples=500, deadline=None)
@given(st.integers(1, 10**8).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
@example((4_999_000, 10**7))  # near the mode of a large sample: the 1e-7 tolerance decides
@example((0, 10**8))
def test_the_binomial_test_is_scipys_for_large_samples(case: tuple[int, int]) -> None:
    successes, n = case
    assert binomial_test(successes, n) == stats.binomtest(successes, n).pvalue


@settings(max_examples=500, deadline=None)
@given(
    st.floats(0, 1e6, allow_nan=False),
    st.one_of(st.integers(1, 10**7), st.floats(0.01, 1e7)),
)
def test_the_t_tail_is_scipys(t: float, df: float) -> None:
    assert t_sf(t, df) == stats.t.sf(t, df)
