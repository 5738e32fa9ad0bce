"""Metric states: merging partitions, size invariance, and sketch accuracy."""

from __future__ import annotations

import random
from itertools import chain
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthgate.batch import Batch
from synthgate.metrics import Metric
from synthgate.metrics.duplicates import ExactDuplicates, NearDuplicates, _hash
from synthgate.metrics.labels import LabelDistribution
from synthgate.metrics.lexical import TextSample, distinct_n_at_budget
from synthgate.metrics.rows import RowValues

WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "sigma",
    "tau",
]


def corpus(n: int, seed: int = 0) -> list[str]:
    """Texts drawn from one distribution: the same at every size."""
    rng = random.Random(seed)
    return [" ".join(rng.choices(WORDS, k=rng.randint(5, 15))) for _ in range(n)]


def batches(texts: list[str], size: int, start: int = 1) -> list[Batch]:
    return [
        Batch(
            list(range(start + i, start + i + len(texts[i : i + size]))),
            {"text": texts[i : i + size]},
        )
        for i in range(0, len(texts), size)
    ]


def run(metric: Metric, parts: list[Batch]) -> object:
    state = metric.start()
    for batch in parts:
        state = metric.update(state, batch)
    return state


@pytest.mark.parametrize(
    "metric",
    [
        TextSample("text", k=50),
        ExactDuplicates("text", k=64),
        RowValues("text", "tokens", k=50),
        LabelDistribution("text"),
    ],
    ids=lambda m: type(m).__name__,
)
def test_merging_two_partitions_equals_one_pass(metric: Metric) -> None:
    texts = corpus(300) + corpus(100)  # the second part repeats texts of the first
    whole = metric.finalize(run(metric, batches(texts, 64)))
    left = run(metric, batches(texts[:170], 64))
    right = run(metric, batches(texts[170:], 64, start=171))
    merged = metric.finalize(metric.merge(left, right))
    if isinstance(metric, RowValues):
        assert merged.n == whole.n and merged.sample == whole.sample
        assert merged.mean == pytest.approx(whole.mean) and merged.std == pytest.approx(whole.std)
    elif isinstance(metric, ExactDuplicates):
        assert merged.rate == whole.rate and merged.distinct == whole.distinct
    elif isinstance(metric, LabelDistribution):
        assert merged.counts == whole.counts
    else:
        assert merged == whole


def test_batch_size_does_not_change_sampled_values() -> None:
    texts = corpus(500)
    metric = TextSample("text", k=100)
    assert metric.compute(batches(texts, 7)) == metric.compute(batches(texts, 500))


def test_distinct_n_is_size_invariant_within_its_interval() -> None:
    small = TextSample("text", k=5000).compute(batches(corpus(1_000, seed=1), 1000))
    large = TextSample("text", k=5000).compute(batches(corpus(50_000, seed=2), 5000))
    a = distinct_n_at_budget(small, 2, 5000)
    b = distinct_n_at_budget(large, 2, 5000)
    assert a.low is not None and a.high is not None
    assert a.low <= b.value <= a.high


def test_naive_distinct_n_over_all_rows_would_not_be_size_invariant() -> None:
    def naive(texts: list[str]) -> float:
        grams = [tuple(t.split()[i : i + 2]) for t in texts for i in range(len(t.split()) - 1)]
        return len(set(grams)) / len(grams)

    assert naive(corpus(100)) > 2 * naive(corpus(10_000))


def test_exact_duplicate_rate_is_exact_below_k_and_close_beyond() -> None:
    texts = [f"text number {i % 700}" for i in range(2_000)]  # 700 distinct of 2000
    small = ExactDuplicates("text", k=1024).compute(batches(texts, 256))
    assert small.rate.value == pytest.approx(1 - 700 / 2000)
    many = [f"text number {i % 30_000}" for i in range(60_000)]
    sketched = ExactDuplicates("text", k=4096).compute(batches(many, 4096))
    assert sketched.rate.low <= 0.5 <= sketched.rate.high
    assert sketched.rate.value == pytest.approx(0.5, abs=0.05)


def test_exact_duplicates_count_a_repeat_of_the_largest_kept_key() -> None:
    """Once the sketch is truncated, its largest kept key is the limit, and a later repeat of
    that very text counts (it used to be read past, found by test_merges' hypothesis test)."""
    texts = [f"text number {i}" for i in range(7)]
    kept = sorted(texts, key=_hash)[2]  # the 3rd smallest of 7 > 2k: the limit
    metric = ExactDuplicates("text", k=3)
    state = metric.update(metric.start(), Batch(list(range(1, 8)), {"text": texts}))
    assert state.truncated and max(state.clusters) == _hash(kept)
    state = metric.update(state, Batch([8], {"text": [kept]}))
    assert [c.rows for c in metric.finalize(state).clusters] == [[texts.index(kept) + 1, 8]]


def test_exact_duplicates_ignore_case_and_spacing_and_name_the_cluster_rows() -> None:
    result = ExactDuplicates("text").compute(
        [Batch([1, 2, 3], {"text": ["Hello  World", "hello world", "other"]})]
    )
    assert result.rate.value == pytest.approx(1 / 3)
    assert result.clusters[0].rows == [1, 2]


def test_near_duplicates_are_found_exactly_below_the_pool_size() -> None:
    base = corpus(200, seed=3)
    texts = base + [t + " omega" for t in base[:20]]  # 20 near-duplicates of earlier rows
    result = NearDuplicates("text", threshold=0.7, pool=1000).compute(batches(texts, 50))
    assert result.rate.n == 220
    assert result.rate.value == pytest.approx(20 / 220, abs=0.02)
    assert all(len(c.rows) >= 2 for c in result.clusters)


def test_near_duplicate_rate_from_a_pool_estimates_the_whole_dataset() -> None:
    base = corpus(3000, seed=4)
    texts = base + [t + " omega" for t in base[:600]]  # 600 of 3600 rows repeat an earlier one
    result = NearDuplicates("text", threshold=0.7, pool=500).compute(batches(texts, 512))
    assert result.rate.n == 500
    assert result.rate.low <= 600 / 3600 <= result.rate.high


def test_vectorized_minhash_equals_datasketch_per_text() -> None:
    import zlib

    from datasketch import MinHash

    from synthgate.metrics.duplicates import MINHASH_SEED, minhash_signatures, shingle_hashes
    from synthgate.metrics.tokens import TextFeatures

    def shingles(text: str) -> list[bytes]:
        return [s.encode("utf-8") for s in TextFeatures(text).shingles]

    texts = [*corpus(300, seed=5), "", "one", "two words"]
    lists = [TextFeatures(t).shingles for t in texts]
    lengths = list(map(len, lists))
    ours = minhash_signatures(shingle_hashes(chain(*lists), sum(lengths)), lengths, 64)
    for text, signature in zip(texts, ours, strict=True):
        reference = MinHash(num_perm=64, seed=MINHASH_SEED, hashfunc=zlib.crc32, scheme="legacy")
        reference.update_batch(shingles(text))
        assert (signature == reference.hashvalues).all()


def test_minimal_hashes_alone_give_a_texts_signature() -> None:
    """Every signature value comes from one of the text's minimal hashes, so a text agrees with
    a probe on a value only by holding one of them (or by a coincidence of 32-bit values)."""
    from synthgate.metrics.duplicates import minhash_signatures, minimal_hashes, shingle_hashes
    from synthgate.metrics.tokens import TextFeatures

    texts = [*corpus(300, seed=6), "one", "two words", " ".join(["again"] * 50)]
    lists = [TextFeatures(t).shingles for t in texts]
    lengths = list(map(len, lists))
    hashes = shingle_hashes(chain(*lists), sum(lengths))
    signatures = minhash_signatures(hashes, lengths, 64)
    minimal = minimal_hashes(hashes, lengths, signatures)
    for shingles, signature, (least, gives) in zip(lists, signatures, minimal, strict=True):
        assert len(set(least.tolist())) == len(least) <= 64
        assert set(least.tolist()) <= set(shingle_hashes(shingles, len(shingles)).tolist())
        alone = minhash_signatures(least.astype(np.uint64), [len(least)], 64)[0]
        assert (alone == signature).all()
        for value, count in zip(least.tolist(), gives.tolist(), strict=True):  # values it gives
            one = minhash_signatures(np.array([value], dtype=np.uint64), [1], 64)[0]
            assert count == np.count_nonzero(one == signature) >= 1


def streamed_and_signed(metric: NearDuplicates, texts: list[str], size: int) -> tuple[Any, int]:
    """One pass in batches of ``size`` from the first row (nothing held, so the prefilter runs
    on every batch), and how many texts it signed."""
    from synthgate.metrics import duplicates

    signed: list[int] = []
    match = duplicates.PoolState.match

    def counted(state: duplicates.PoolState, texts: list[Any], signatures: np.ndarray) -> None:
        signed.append(len(texts))
        match(state, texts, signatures)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duplicates, "MAX_HELD", 0)
        patch.setattr(duplicates.PoolState, "match", counted)
        return metric.compute(batches(texts, size)), sum(signed)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), size=st.integers(1, 60), pool=st.integers(1, 20))
def test_near_duplicates_streamed_through_the_prefilter_equal_every_text_matched(
    seed: int, size: int, pool: int
) -> None:
    """One pass in batches, where the prefilter signs only the texts that hold a probe's
    minimal hash, finds what matching every text (all held, then replayed) finds: the
    near-duplicates planted after half the probes, and nothing else."""

    rng = random.Random(seed)
    words = [f"w{i}" for i in range(300)]
    texts = [" ".join(rng.choices(words, k=rng.randint(1, 25))) for _ in range(200)]
    metric = NearDuplicates("text", threshold=0.7, pool=pool)
    held = metric.update(metric.start(), batches(texts, len(texts))[0])
    probes = sorted(p.row for p in held.streamed().probes.values())  # priorities: of rows only
    for row in probes[: (len(probes) + 1) // 2]:
        copy = texts[row - 1].split() + rng.choices(words, k=30)
        texts[row - 1] = " ".join(copy)
        copy[rng.randrange(len(copy))] = rng.choice(words)  # up to 3 shingles changed
        texts[rng.randrange(row, len(texts))] = " ".join(copy)
    whole = metric.compute(batches(texts, len(texts)))  # all held: every text matched
    streamed, signed = streamed_and_signed(metric, texts, size)
    assert streamed == whole and whole.clusters
    assert signed < len(texts) / 2


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), size=st.integers(1, 40))
def test_the_prefilter_skips_no_text_that_agrees_with_a_probe(seed: int, size: int) -> None:
    """Texts built to overlap earlier texts by every amount (a few words to all of them, short
    texts whose one shingle gives every value included): the bound ``Bands.cover`` puts on the
    values a text can agree on with any probe is at least its agreement with each, and one
    pass in batches through the prefilter, every text a probe, finds what matching every text
    finds (all held, then replayed), while signing fewer texts."""
    from synthgate.metrics.duplicates import (
        Bands,
        minhash_signatures,
        minimal_hashes,
        shingle_hashes,
    )
    from synthgate.metrics.tokens import TextFeatures

    rng = random.Random(seed)
    words = [f"w{i}" for i in range(40)]
    texts: list[str] = []
    sources: list[int] = []  # where each source text is
    for _ in range(6):
        source = rng.choices(words, k=rng.randint(1, 16))
        sources.append(len(texts))
        texts.append(" ".join(source))
        for keep in range(1, len(source) + 1):
            start = rng.randint(0, len(source) - keep)
            around = [rng.choices(words, k=rng.randint(0, 3)) for _ in range(2)]
            texts.append(" ".join(around[0] + source[start : start + keep] + around[1]))
        texts.append(" ".join(source))
    lists = [TextFeatures(t).shingles for t in texts]
    lengths = list(map(len, lists))
    hashes = shingle_hashes(chain(*lists), sum(lengths))
    signatures = minhash_signatures(hashes, lengths, 64)
    minimal = minimal_hashes(hashes, lengths, signatures)
    index = Bands(10, 6)  # the sources are the probes
    for i in sources:
        index.insert((i, 0), signatures[i], minimal[i])
    agree = (signatures[:, None, :] == signatures[None, sources, :]).sum(2).max(1)
    bound = index.cover(hashes, np.array(lengths))
    assert (agree <= bound).all() and (agree < 52).any() and (agree >= 52).any()
    metric = NearDuplicates("text", pool=len(texts))
    whole = metric.compute(batches(texts, len(texts)))  # all held: every text matched
    streamed, signed = streamed_and_signed(metric, texts, size)
    assert streamed == whole and whole.clusters and signed < len(texts)


@pytest.mark.parametrize("collide", [False, True])
def test_lsh_matches_are_the_pairs_equal_on_a_band_that_reach_the_threshold(collide: bool) -> None:
    """``PoolState.match`` counts a later text for a probe exactly when their signatures are
    equal on every value of some band (datasketch's LSH) and on at least ``threshold`` of
    their values, also when every band key collides (the values decide, not the keys), and
    for probes with equal signatures."""
    from synthgate.metrics import duplicates
    from synthgate.metrics.duplicates import PoolState, Probe, _lsh_params

    rng = np.random.default_rng(3)
    bands, rows = _lsh_params(0.7, 32)  # 8 bands of 4 values
    probes = rng.integers(0, 2, (40, 32), dtype=np.uint64)  # two values: bands often equal
    probes[20:25] = probes[0]
    apart = probes[:10] ^ np.tile(np.eye(1, rows, dtype=np.uint64), bands)  # one per band
    close = probes[10:20].copy()
    close[:, :2] ^= np.uint64(1)  # the other bands equal
    texts = np.concatenate([rng.integers(0, 2, (300, 32), dtype=np.uint64), apart, close])
    state = PoolState(100, 0.7, 32, None)
    for i, signature in enumerate(probes):
        minimal = np.zeros(1, np.uint32), np.full(1, 32, np.uint16)
        state.admit(Probe((i, 0), i, i, signature, "", minimal=minimal))
    with pytest.MonkeyPatch.context() as patch:
        if collide:
            patch.setattr(
                duplicates, "_band_keys", lambda s, b, r: np.zeros((len(s), b), np.uint64)
            )
        state.match([((100 + j, 0), 100 + j) for j in range(len(texts))], texts)
    equal = texts[:, None, :] == probes[None, :, :]
    banded = equal[:, :, : bands * rows].reshape(len(texts), len(probes), bands, rows)
    agree = equal.sum(2) / 32
    near = banded.all(3).any(2) & (agree >= 0.7)
    assert [state.probes[(i, 0)].count for i in range(len(probes))] == near.sum(0).tolist()
    assert (agree[range(300, 310), range(10)] == 0.75).all()  # no band equal: not proposed
    assert not near[range(300, 310), range(10)].any() and near[range(310, 320), range(10, 20)].all()


@pytest.mark.parametrize("num_perm", [16, 17, 64, 1024])
def test_minhash_permutations_are_datasketchs(num_perm: int) -> None:
    from datasketch import MinHash

    from synthgate.metrics.duplicates import MINHASH_SEED, _permutations

    a, b = MinHash(num_perm=num_perm, seed=MINHASH_SEED, scheme="legacy").permutations
    ours = _permutations(num_perm)
    assert [p.dtype for p in ours] == [np.uint64, np.uint64]
    assert (ours[0][0] == a).all() and (ours[1][0] == b).all()


def lsh_cases() -> list[tuple[float, int]]:
    """(threshold, num_perm): every near-duplicate entry of the built-in suites, a grid over
    ``PARAMETER_RANGES``' thresholds at permutation counts across its range, and its ends."""
    from synthgate.suite import PARAMETER_RANGES, builtin_suites, load_suite

    suites = [
        (metric.threshold, metric.num_perm)
        for name in builtin_suites()
        for entry in load_suite(name).entries
        for metric in entry.expectation.metrics().values()
        if isinstance(metric, NearDuplicates)
    ]
    assert suites, "the built-in suites have near-duplicate entries"
    low, high = (int(end) for end in PARAMETER_RANGES["num_perm"])
    grid = [(t / 20, n) for n in (low, 17, 64) for t in range(21)]
    wider = [(t / 10, n) for n in (128, 256) for t in range(11)]
    return sorted({*suites, *grid, *wider, (0.8, high)})


def test_lsh_bands_and_rows_are_datasketchs() -> None:
    """The (bands, rows) computed without scipy are those datasketch's MinHashLSH chooses with
    synthgate's weights (``_optimal_param``, scipy's quad)."""
    from datasketch.lsh import _optimal_param

    from synthgate.metrics.duplicates import LSH_WEIGHTS, _lsh_params

    for threshold, num_perm in lsh_cases():
        expected = _optimal_param(threshold, num_perm, *LSH_WEIGHTS)
        assert _lsh_params(threshold, num_perm) == expected, (threshold, num_perm)


def test_bottom_k_sample_does_not_depend_on_batch_sizes_even_when_a_batch_fills_it_exactly() -> (
    None
):
    texts = corpus(99)
    reference = TextSample("text", k=5).compute(batches(texts, 99))
    for first in (5, 10):
        parts = [batches(texts[:first], first)[0], *batches(texts[first:], 7, start=first + 1)]
        assert TextSample("text", k=5).compute(parts) == reference


def test_near_duplicate_merge_equals_one_pass_and_keeps_few_rows_per_probe() -> None:
    texts = (
        ["alpha beta gamma delta epsilon"] * 3
        + corpus(40, seed=9)
        + ["alpha beta gamma delta epsilon"] * 30
    )
    metric = NearDuplicates("text", threshold=0.7, pool=1000)
    whole = metric.finalize(run(metric, batches(texts, 8)))
    merged = metric.finalize(
        metric.merge(
            run(metric, batches(texts[:20], 8)), run(metric, batches(texts[20:], 8, start=21))
        )
    )
    assert [(c.count, c.rows) for c in merged.clusters] == [
        (c.count, c.rows) for c in whole.clusters
    ]
    assert whole.clusters[0].count == 33 and len(whole.clusters[0].rows) == 5


def test_exact_duplicate_merge_leaves_its_inputs_untouched() -> None:
    metric = ExactDuplicates("text")
    a = run(metric, [Batch([1], {"text": ["x"]})])
    b = run(metric, [Batch([2], {"text": ["x"]})])
    merged = metric.update(metric.merge(a, b), Batch([3], {"text": ["x"]}))
    assert metric.finalize(merged).clusters[0].count == 3
    assert metric.finalize(a).clusters == [] and next(iter(a.clusters.values())).count == 1
